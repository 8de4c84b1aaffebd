use std::collections::{HashMap, HashSet};
use std::fmt;

use etl_parser::{Player, Round, RoundNumber, Side};

use crate::TeamsError;

/// Identifies one player across the rounds of a session (and across sessions
/// for prior history).
///
/// Humans are keyed by GUID. Bots share truncated GUIDs (`OMNIBOT0`), so they
/// are keyed by GUID and name; so are humans whose 8-character GUIDs collide
/// within a round (the game writes a separate line for each of them).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayerKey(String);

impl PlayerKey {
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into())
    }

    /// GUID and shown name, for players the GUID alone does not identify.
    pub fn with_name(guid: &str, name: &str) -> Self {
        // A GUID is letters and digits, so the first `:` always ends it.
        Self(format!("{guid}:{name}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlayerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How much of the round a player was in the game. Seconds are preferred:
/// the detector divides them by the longest time anyone played in the round.
/// The percent the stats script writes in round 1 is not a reliable share
/// (full-round players show 55-95), so it is only the fallback.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Presence {
    /// 0-100; values above 100 are read as 100.
    pub percent: Option<f64>,
    pub seconds: Option<u32>,
}

/// Objective actions of one round. Plants and steals are done by the
/// attacking side, defuses and returns by the defending side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Objectives {
    pub dynamites_planted: u32,
    pub dynamites_defused: u32,
    pub objectives_stolen: u32,
    pub objectives_returned: u32,
}

impl Objectives {
    /// Plants and steals.
    pub fn attacking_actions(&self) -> u32 {
        self.dynamites_planted
            .saturating_add(self.objectives_stolen)
    }

    /// Defuses and returns.
    pub fn defending_actions(&self) -> u32 {
        self.dynamites_defused
            .saturating_add(self.objectives_returned)
    }
}

/// One player line of a round.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct PlayerInput {
    pub key: PlayerKey,
    /// The shown name (colour codes removed); for the rosters only.
    pub name: String,
    /// The side when the round ended; `None` for a spectator.
    pub side: Option<Side>,
    pub presence: Presence,
    /// The game's per-session round counter (the line's `rounds` field). A
    /// value below the round's usual one means the player's session started
    /// during this round (late join or reconnect).
    pub rounds: Option<i64>,
    pub objectives: Objectives,
    pub is_bot: bool,
    /// Any skill measure where higher is better (damage per minute, kills);
    /// only the balance layer reads it.
    pub skill: f64,
}

impl PlayerInput {
    /// A human on no side with unknown presence, no objectives and skill 0.
    pub fn new(key: PlayerKey, name: impl Into<String>) -> Self {
        Self {
            key,
            name: name.into(),
            side: None,
            presence: Presence::default(),
            rounds: None,
            objectives: Objectives::default(),
            is_bot: false,
            skill: 0.0,
        }
    }

    pub fn with_side(mut self, side: Side) -> Self {
        self.side = Some(side);
        self
    }

    pub fn with_seconds(mut self, seconds: u32) -> Self {
        self.presence.seconds = Some(seconds);
        self
    }

    pub fn with_percent(mut self, percent: f64) -> Self {
        self.presence.percent = Some(percent);
        self
    }

    pub fn with_rounds(mut self, rounds: i64) -> Self {
        self.rounds = Some(rounds);
        self
    }

    pub fn with_objectives(mut self, objectives: Objectives) -> Self {
        self.objectives = objectives;
        self
    }

    pub fn with_skill(mut self, skill: f64) -> Self {
        self.skill = skill;
        self
    }

    pub fn as_bot(mut self) -> Self {
        self.is_bot = true;
        self
    }

    fn from_player(player: &Player, key: PlayerKey) -> Self {
        let stats = &player.stats;
        let minutes = stats.time_played_s as f64 / 60.0;
        // The script's own dpm column is 0.0 on unmodified servers, so the
        // skill is recomputed from round-only damage and time.
        let skill = if minutes > 0.0 {
            stats.damage_given.max(0) as f64 / minutes
        } else {
            player.kills().max(0) as f64
        };
        Self {
            key,
            name: player.name.clean(),
            side: player.team.and_then(|team| team.side()),
            presence: Presence {
                percent: Some(stats.time_played_pct),
                seconds: Some(u32::try_from(stats.time_played_s.max(0)).unwrap_or(u32::MAX)),
            },
            rounds: Some(player.rounds),
            objectives: Objectives {
                dynamites_planted: count(stats.dynamites_planted),
                dynamites_defused: count(stats.dynamites_defused),
                objectives_stolen: count(stats.objectives_stolen),
                objectives_returned: count(stats.objectives_returned),
            },
            is_bot: player.is_bot(),
            skill,
        }
    }
}

fn count(value: i64) -> u32 {
    u32::try_from(value.max(0)).unwrap_or(u32::MAX)
}

/// One round of the session.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RoundInput {
    pub map: String,
    pub round: RoundNumber,
    /// The header's defending side (the same in both rounds of a map).
    pub defender: Option<Side>,
    pub players: Vec<PlayerInput>,
}

impl RoundInput {
    pub fn new(map: impl Into<String>, round: RoundNumber, defender: Option<Side>) -> Self {
        Self {
            map: map.into(),
            round,
            defender,
            players: Vec::new(),
        }
    }

    pub fn with_player(mut self, player: PlayerInput) -> Self {
        self.players.push(player);
        self
    }

    /// The detector's view of a parsed round, players in file order. A round
    /// 2 must hold round-2-only values (`Round::round_two_only`).
    ///
    /// Humans are keyed by GUID, bots and humans sharing a GUID within this
    /// round by GUID and name. [`SessionInput::from_rounds`] applies the
    /// GUID-sharing rule over the whole night, which keeps such a player's
    /// key the same in rounds where his GUID twin is absent.
    pub fn from_round(round: &Round) -> Result<Self, TeamsError> {
        Self::keyed(round, &shared_guids(round))
    }

    fn keyed(round: &Round, shared: &HashSet<String>) -> Result<Self, TeamsError> {
        if !round.round_only {
            return Err(TeamsError::CumulativeRound {
                map: round.header.map.clone(),
            });
        }
        let mut taken: HashMap<PlayerKey, usize> = HashMap::new();
        let players = round
            .players
            .iter()
            .map(|player| {
                let key = if player.is_bot() || shared.contains(&player.guid) {
                    PlayerKey::with_name(&player.guid, &player.name.clean())
                } else {
                    PlayerKey::new(player.guid.clone())
                };
                // Two lines the rule above cannot separate (two bots of one
                // name) stay separate players of this round.
                let seen = taken.entry(key.clone()).or_insert(0);
                *seen += 1;
                let key = match *seen {
                    1 => key,
                    n => PlayerKey::new(format!("{key}#{n}")),
                };
                PlayerInput::from_player(player, key)
            })
            .collect();
        Ok(Self {
            map: round.header.map.clone(),
            round: round.header.round,
            defender: round.header.defender,
            players,
        })
    }
}

/// GUIDs that two differently named humans carry in the same round.
fn shared_guids(round: &Round) -> HashSet<String> {
    let mut names: HashMap<&str, HashSet<Vec<u8>>> = HashMap::new();
    for player in round.players.iter().filter(|p| !p.is_bot()) {
        names
            .entry(player.guid.as_str())
            .or_default()
            .insert(player.name.clean_bytes());
    }
    names
        .into_iter()
        .filter(|(_, names)| names.len() > 1)
        .map(|(guid, _)| guid.to_owned())
        .collect()
}

/// "In an earlier session, `player` played in one squad with `squad_mates`."
#[derive(Debug, Clone, PartialEq)]
pub struct PriorAssignment {
    pub player: PlayerKey,
    pub squad_mates: Vec<PlayerKey>,
    /// How much this record counts (e.g. the number of rounds, or a decay by
    /// age); finite and >= 0.
    pub weight: f64,
}

/// A session (a night): its rounds in the order they were played, and what
/// earlier sessions said about who plays with whom.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SessionInput {
    pub rounds: Vec<RoundInput>,
    pub prior: Vec<PriorAssignment>,
}

impl SessionInput {
    pub fn new(rounds: Vec<RoundInput>) -> Self {
        Self {
            rounds,
            prior: Vec::new(),
        }
    }

    pub fn with_prior(mut self, prior: Vec<PriorAssignment>) -> Self {
        self.prior = prior;
        self
    }

    /// The session of parsed rounds in playing order (round 2s already
    /// through `Round::round_two_only`). A GUID that two differently named
    /// humans share in any round is keyed by GUID and name in every round of
    /// the night; other humans by GUID, so a rename keeps the key.
    pub fn from_rounds<'a>(
        rounds: impl IntoIterator<Item = &'a Round>,
    ) -> Result<Self, TeamsError> {
        let rounds: Vec<&Round> = rounds.into_iter().collect();
        let shared: HashSet<String> = rounds.iter().flat_map(|r| shared_guids(r)).collect();
        let rounds = rounds
            .into_iter()
            .map(|round| RoundInput::keyed(round, &shared))
            .collect::<Result<_, _>>()?;
        Ok(Self::new(rounds))
    }
}
