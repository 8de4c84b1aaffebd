use std::fmt;

use etl_parser::{RoundNumber, Side};

use crate::PlayerKey;

/// One of the night's two squads. The labels are fixed per session: squad A
/// is the squad on the Axis side in the earliest round where the main group
/// of players can be told apart (see the crate docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Squad {
    A,
    B,
}

impl Squad {
    pub fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
        }
    }
}

impl fmt::Display for Squad {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure an assignment is. `High` only when the player spent most of the
/// round on a side with clearly one squad's members, agrees with the rest of
/// his night and nothing in the round contradicts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// Which step decided an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// 1: the side the player ended the round on, read against the sides of
    /// his round-mates' squads.
    SideEvidence,
    /// 2: the player's squad earlier tonight, or his squad-mates of earlier
    /// sessions.
    History,
    /// 3: plants and steals (attackers) or defuses and returns (defenders)
    /// against the header's defending side.
    Objectives,
    /// 4: the night-long clustering of who plays on the same side as whom.
    Collaboration,
    /// 5: filling the smaller squad, nearest in skill.
    Balance,
    /// Not one of the five: bots, and humans who never played on a side this
    /// session, belong to no squad.
    Excluded,
}

/// The detector's answer for one player line.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Assignment {
    pub key: PlayerKey,
    /// The side at the end of the round, as given.
    pub side: Option<Side>,
    /// `None` for bots and for humans who never played on a side.
    pub squad: Option<Squad>,
    pub confidence: Confidence,
    pub layer: Layer,
}

/// The assignments of one round, in the order of the input's players.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RoundAssignments {
    pub map: String,
    pub round: RoundNumber,
    pub players: Vec<Assignment>,
}

/// A player of a squad's roster.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RosterEntry {
    pub key: PlayerKey,
    /// The name the player used last in the session.
    pub name: String,
    /// Player lines (rounds) assigned to this squad.
    pub rounds: usize,
}

/// Who played for each squad, in order of first appearance. A player who
/// changed squad during the night is on both rosters, with the rounds he
/// played for each.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Rosters {
    pub a: Vec<RosterEntry>,
    pub b: Vec<RosterEntry>,
}

impl Rosters {
    pub fn of(&self, squad: Squad) -> &[RosterEntry] {
        match squad {
            Squad::A => &self.a,
            Squad::B => &self.b,
        }
    }
}

/// One play of a map: its round 1 and round 2 (indices into the session's
/// rounds), either of which can be missing (an abandoned map has no round 2).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MapPlay {
    pub map: String,
    pub round_one: Option<usize>,
    pub round_two: Option<usize>,
    /// The squad that attacked in round 1 (the side that is not the header's
    /// defender); `None` when the defender or the squads are unknown.
    pub first_attacker: Option<Squad>,
}

/// Everything the detector found about a session.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Detection {
    /// One entry per input round, in input order.
    pub rounds: Vec<RoundAssignments>,
    pub rosters: Rosters,
    /// The map plays in playing order.
    pub maps: Vec<MapPlay>,
}
