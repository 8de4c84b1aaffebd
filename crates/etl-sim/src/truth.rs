//! The ground truth of a night, in the layout of the shared corpus's
//! `truth.json` (same keys, same meanings), so that conformance tests written
//! for the corpus read it unchanged.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

/// Bytes as `{text, b64}`: `text` is the UTF-8 decoding, or null when the
/// bytes are not valid UTF-8 (then use `b64`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub b64: String,
    pub text: Option<String>,
}

impl Text {
    pub fn new(bytes: &[u8]) -> Self {
        Self {
            b64: B64.encode(bytes),
            text: std::str::from_utf8(bytes).ok().map(str::to_owned),
        }
    }

    /// The bytes back (empty if `b64` is not base64).
    pub fn bytes(&self) -> Vec<u8> {
        B64.decode(&self.b64).unwrap_or_default()
    }
}

/// One night: identity, server, squads, maps, edge cases and every file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub schema_version: u32,
    pub night_id: String,
    /// The night's own seed (derived from the run's seed and the night's number).
    pub seed: u64,
    pub description: String,
    pub session: Session,
    pub server: Server,
    pub team_size: u8,
    pub maps_in_order: Vec<MapPlay>,
    pub squads: Squads,
    /// Players in no squad: bots.
    pub others: Vec<RosterEntry>,
    pub edge_cases: Vec<EdgeCase>,
    pub files: Vec<FileTruth>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Start of the first round (ISO, server local time, no zone).
    pub start: String,
    /// When the last file was written.
    pub end: String,
    pub first_file: String,
    pub last_file: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Server {
    pub sv_hostname: Text,
    #[serde(rename = "g_customConfig")]
    pub custom_config: String,
    pub sv_maxclients: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapPlay {
    pub match_index: u32,
    pub map: String,
    pub r1_file: String,
    pub r2_file: Option<String>,
    /// `complete` or `abandoned_after_round_1`.
    pub status: String,
    /// The side squad A played in round 1: 1 Axis, 2 Allies.
    #[serde(rename = "squad_A_side_r1")]
    pub squad_a_side_r1: u8,
    pub defender_side: u8,
    pub producer: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Squads {
    #[serde(rename = "A")]
    pub a: Vec<RosterEntry>,
    #[serde(rename = "B")]
    pub b: Vec<RosterEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub guid_full: String,
    pub guid8: String,
    pub names_raw: Vec<Text>,
    /// The name in use from that match on (keys are match indices).
    pub names_by_match_index: BTreeMap<String, Text>,
    pub is_bot: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EdgeCase {
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid8: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_clean: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Text>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_match_index: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileTruth {
    pub file: String,
    /// Always false: every simulated file is one a parser must accept.
    pub reject: bool,
    pub reject_reason: Option<String>,
    pub producer: String,
    pub round: u8,
    pub map: String,
    pub match_index: u32,
    /// (Round 2) the round-1 file of the same match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paired_round_1_file: Option<String>,
    pub header: HeaderTruth,
    pub round_facts: RoundFacts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// In file order.
    pub players: Vec<PlayerTruth>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeaderTruth {
    pub field_count: u8,
    pub server_name: Text,
    pub map: String,
    pub config: String,
    pub round: u8,
    pub defender_team: u8,
    pub winner_team: u8,
    pub timelimit: String,
    pub next_timelimit: String,
    pub measured_duration_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundFacts {
    pub true_round: u8,
    pub kind: String,
    pub round_start: String,
    pub file_written: String,
    pub play_duration_ms: i64,
    pub pause_ms: i64,
    pub attacking_team: u8,
    pub defending_team: u8,
    pub objective_completed: bool,
    pub dpm_mode: String,
    pub player_count: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerTruth {
    pub line_index: usize,
    pub guid8: String,
    pub guid_full: String,
    pub name_raw: Text,
    pub name_clean: Text,
    pub team_written: u8,
    /// `A`, `B`, or null for bots.
    pub squad: Option<String>,
    pub is_bot: bool,
    pub flags: Vec<String>,
    /// `file`, `file_minus_round_1` or `file_counters_restarted`.
    pub round_only_source: String,
    pub round_only: RoundOnly,
    pub cumulative_written: Cumulative,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before_reconnect_not_in_file: Option<BeforeReconnect>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeaponTruth {
    pub hits: i64,
    pub shots: i64,
    pub kills: i64,
    pub deaths: i64,
    pub headshots: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Multikills {
    #[serde(rename = "2x")]
    pub x2: i64,
    #[serde(rename = "3x")]
    pub x3: i64,
    #[serde(rename = "4x")]
    pub x4: i64,
    #[serde(rename = "5x")]
    pub x5: i64,
    #[serde(rename = "6x")]
    pub x6: i64,
}

/// The values of this round alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundOnly {
    pub kills: i64,
    pub deaths: i64,
    pub headshots: i64,
    pub damage_given: i64,
    pub damage_received: i64,
    pub team_damage_given: i64,
    pub team_damage_received: i64,
    pub gibs: i64,
    pub self_kills: i64,
    pub team_kills: i64,
    pub team_gibs: i64,
    pub xp: i64,
    pub revives_given: i64,
    pub times_revived: i64,
    pub dynamites_planted: i64,
    pub dynamites_defused: i64,
    pub objectives_stolen: i64,
    pub objectives_returned: i64,
    pub kill_assists: i64,
    pub kill_steals: i64,
    pub headshot_kills: i64,
    pub bullets_fired: i64,
    pub killing_spree: i64,
    pub death_spree: i64,
    pub useful_kills: i64,
    pub useless_kills: i64,
    pub full_selfkills: i64,
    pub repairs_constructions: i64,
    pub denied_playtime_seconds: i64,
    pub multikills: Multikills,
    pub time_played_ms: i64,
    pub time_played_seconds: i64,
    pub time_axis_ms: i64,
    pub time_allies_ms: i64,
    pub time_alive_ms: i64,
    /// `WS_*` -> counters, only weapons with activity in this round.
    pub weapons: BTreeMap<String, WeaponTruth>,
}

/// The line as written, decoded.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Cumulative {
    pub rounds: i64,
    pub weapon_mask: u32,
    pub weapons: BTreeMap<String, WeaponTruth>,
    pub damage_given: i64,
    pub damage_received: i64,
    pub team_damage_given: i64,
    pub team_damage_received: i64,
    pub gibs: i64,
    pub self_kills: i64,
    pub team_kills: i64,
    pub team_gibs: i64,
    pub time_played_percent: f64,
    pub xp: i64,
    pub killing_spree: i64,
    pub death_spree: i64,
    pub kill_assists: i64,
    pub kill_steals: i64,
    pub headshot_kills: i64,
    pub objectives_stolen: i64,
    pub objectives_returned: i64,
    pub dynamites_planted: i64,
    pub dynamites_defused: i64,
    pub times_revived: i64,
    pub bullets_fired: i64,
    pub dpm: f64,
    pub time_played_minutes: f64,
    pub tank_meatshield: f64,
    pub time_dead_ratio: f64,
    pub time_dead_minutes: f64,
    pub kd_ratio: f64,
    pub useful_kills: i64,
    /// Seconds.
    pub denied_playtime: i64,
    #[serde(rename = "multikill_2x")]
    pub multikill_2x: i64,
    #[serde(rename = "multikill_3x")]
    pub multikill_3x: i64,
    #[serde(rename = "multikill_4x")]
    pub multikill_4x: i64,
    #[serde(rename = "multikill_5x")]
    pub multikill_5x: i64,
    #[serde(rename = "multikill_6x")]
    pub multikill_6x: i64,
    pub useless_kills: i64,
    pub full_selfkills: i64,
    pub repairs_constructions: i64,
    pub revives_given: i64,
    pub kills_sum_of_weapons: i64,
    pub deaths_sum_of_weapons: i64,
    pub headshots_sum_of_weapons: i64,
}

/// What a reconnecting player did before he disconnected; in no file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeforeReconnect {
    pub kills: i64,
    pub deaths: i64,
    pub damage_given: i64,
    pub damage_received: i64,
    pub time_played_seconds: i64,
}
