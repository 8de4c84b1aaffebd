/// Input the detector refuses. Every variant names the round (0-based, in
/// session order) or the prior-history entry and the player concerned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TeamsError {
    /// Two lines of one round carry the same player key, so their evidence
    /// could not be told apart.
    #[error("round {round}: player key {key:?} appears more than once")]
    DuplicatePlayer { round: usize, key: String },

    /// A presence share that is not a number from 0 upwards (percent above
    /// 100 is accepted and read as 100).
    #[error("round {round}, player {key:?}: presence {value} is not a share of the round")]
    InvalidPresence {
        round: usize,
        key: String,
        value: f64,
    },

    /// A skill value that is not a finite number.
    #[error("round {round}, player {key:?}: skill {value} is not a finite number")]
    InvalidSkill {
        round: usize,
        key: String,
        value: f64,
    },

    /// A prior-history weight that is negative or not finite.
    #[error(
        "prior assignment {index} (player {key:?}): weight {value} is not a finite number >= 0"
    )]
    InvalidPriorWeight {
        index: usize,
        key: String,
        value: f64,
    },

    /// [`crate::RoundInput::from_round`] was given a round 2 that still holds
    /// cumulative values; pass it through `Round::round_two_only` first.
    #[error(
        "{map} round 2 holds cumulative values: take round 1 away with Round::round_two_only first"
    )]
    CumulativeRound { map: String },
}
