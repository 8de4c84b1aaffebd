//! Rows as diesel reads and writes them, and their conversion to and from
//! the parser's types.

use diesel::prelude::*;
use etl_parser::{Player, PlayerName, Team, Weapon, WeaponStats};

use crate::schema::{player_round_stats, player_round_weapons, players, processed_files, rounds};

/// Which copy of a player's line a stats row holds.
pub const ROUND_ONLY: &str = "round_only";
pub const CUMULATIVE: &str = "cumulative";

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rounds)]
pub(crate) struct NewRound<'a> {
    pub file_name: &'a str,
    pub content_hash: &'a str,
    pub source: &'a str,
    pub server_name: &'a str,
    pub map: &'a str,
    pub config: &'a str,
    pub round_number: i32,
    pub played_at: &'a str,
    pub defender: Option<&'a str>,
    pub winner: Option<&'a str>,
    pub time_limit_s: i32,
    pub actual_time_s: Option<i32>,
    pub duration_ms: Option<i64>,
    pub header_fields: i32,
    pub session_id: Option<&'a str>,
    pub round1_id: Option<i64>,
    pub pairing: &'a str,
    pub round_only: bool,
    pub imported_at: &'a str,
}

/// A stored round, without its players.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rounds)]
pub struct RoundRow {
    pub id: i64,
    pub file_name: String,
    pub content_hash: String,
    pub source: String,
    pub server_name: String,
    pub map: String,
    pub config: String,
    pub round_number: i32,
    pub played_at: String,
    pub defender: Option<String>,
    pub winner: Option<String>,
    pub time_limit_s: i32,
    pub actual_time_s: Option<i32>,
    pub duration_ms: Option<i64>,
    pub header_fields: i32,
    pub session_id: Option<String>,
    pub round1_id: Option<i64>,
    pub pairing: String,
    pub round_only: bool,
    pub imported_at: String,
}

/// A player: one GUID, or GUID + name for bots.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = players)]
pub struct PlayerRow {
    pub id: i64,
    pub guid: String,
    pub bot_name: String,
    pub is_bot: bool,
    pub last_name: String,
    pub last_clean_name: String,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = processed_files)]
pub struct ProcessedFile {
    pub file_name: String,
    pub content_hash: String,
    pub processed_at: String,
    pub success: bool,
    pub error: Option<String>,
    pub attempts: i32,
    pub round_id: Option<i64>,
}

macro_rules! stats_row {
    ($( $field:ident: $ty:ty, )*) => {
        /// One player's line in one round, as stored.
        #[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
        #[diesel(table_name = player_round_stats, treat_none_as_default_value = false)]
        pub struct StatsRow {
            pub round_id: i64,
            pub kind: String,
            pub line_index: i32,
            pub player_id: i64,
            pub name: String,
            pub clean_name: String,
            pub name_bytes: Vec<u8>,
            pub team: Option<String>,
            pub rounds: i64,
            pub kills: i64,
            pub deaths: i64,
            pub headshots: i64,
            pub hits: i64,
            pub shots: i64,
            $( pub $field: $ty, )*
            pub field_count: i32,
            pub squad: Option<String>,
            pub team_confidence: Option<String>,
            pub team_layer: Option<String>,
        }

        impl StatsRow {
            pub(crate) fn from_player(round_id: i64, kind: &str, line_index: usize, player_id: i64, player: &Player) -> Self {
                let total = player.weapons.total();
                Self {
                    round_id,
                    kind: kind.to_owned(),
                    line_index: i32::try_from(line_index).unwrap_or(i32::MAX),
                    player_id,
                    name: player.name.raw().into_owned(),
                    clean_name: player.name.clean(),
                    name_bytes: player.name.as_bytes().to_vec(),
                    team: player.team.map(|t| t.as_str().to_owned()),
                    rounds: player.rounds,
                    kills: total.kills,
                    deaths: total.deaths,
                    headshots: total.headshots,
                    hits: total.hits,
                    shots: total.shots,
                    $( $field: player.stats.$field, )*
                    field_count: i32::try_from(player.field_count).unwrap_or(i32::MAX),
                    squad: None,
                    team_confidence: None,
                    team_layer: None,
                }
            }

            /// The parser's player for this row, with its weapons.
            pub fn to_player(&self, guid: &str, weapons: &[WeaponRow]) -> Player {
                let mut player = Player::new(guid, PlayerName::from_bytes(&self.name_bytes));
                player.rounds = self.rounds;
                player.team = self.team.as_deref().and_then(Team::from_name);
                player.field_count = usize::try_from(self.field_count).unwrap_or_default();
                $( player.stats.$field = self.$field; )*
                for row in weapons {
                    if let Some(weapon) = Weapon::from_code(&row.weapon) {
                        player.weapons.set(weapon, WeaponStats {
                            hits: row.hits,
                            shots: row.shots,
                            kills: row.kills,
                            deaths: row.deaths,
                            headshots: row.headshots,
                        });
                    }
                }
                player
            }
        }
    };
}

stats_row! {
    damage_given: i64,
    damage_received: i64,
    team_damage_given: i64,
    team_damage_received: i64,
    gibs: i64,
    self_kills: i64,
    team_kills: i64,
    team_gibs: i64,
    time_played_pct: f64,
    xp: i64,
    killing_spree: i64,
    death_spree: i64,
    kill_assists: i64,
    kill_steals: i64,
    headshot_kills: i64,
    objectives_stolen: i64,
    objectives_returned: i64,
    dynamites_planted: i64,
    dynamites_defused: i64,
    times_revived: i64,
    bullets_fired: i64,
    dpm: f64,
    time_played_s: i64,
    tank_meatshield: f64,
    time_dead_ratio: f64,
    time_dead_s: i64,
    kd: f64,
    useful_kills: i64,
    denied_playtime_s: i64,
    multikill_2: i64,
    multikill_3: i64,
    multikill_4: i64,
    multikill_5: i64,
    multikill_6: Option<i64>,
    useless_kills: Option<i64>,
    full_selfkills: Option<i64>,
    repairs_constructions: Option<i64>,
    revives_given: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = player_round_weapons, treat_none_as_default_value = false)]
pub struct WeaponRow {
    pub round_id: i64,
    pub kind: String,
    pub line_index: i32,
    pub weapon: String,
    pub hits: i64,
    pub shots: i64,
    pub kills: i64,
    pub deaths: i64,
    pub headshots: i64,
}

impl WeaponRow {
    pub(crate) fn from_player(
        round_id: i64,
        kind: &str,
        line_index: usize,
        player: &Player,
    ) -> Vec<Self> {
        player
            .weapons
            .iter()
            .map(|(weapon, stats)| Self {
                round_id,
                kind: kind.to_owned(),
                line_index: i32::try_from(line_index).unwrap_or(i32::MAX),
                weapon: weapon.code().to_owned(),
                hits: stats.hits,
                shots: stats.shots,
                kills: stats.kills,
                deaths: stats.deaths,
                headshots: stats.headshots,
            })
            .collect()
    }
}

/// What squad detection reads of a round-only row (and what it decided last time).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = player_round_stats)]
pub(crate) struct DetectionRow {
    pub round_id: i64,
    pub line_index: i32,
    pub player_id: i64,
    pub name_bytes: Vec<u8>,
    pub team: Option<String>,
    pub rounds: i64,
    pub kills: i64,
    pub damage_given: i64,
    pub time_played_pct: f64,
    pub time_played_s: i64,
    pub dynamites_planted: i64,
    pub dynamites_defused: i64,
    pub objectives_stolen: i64,
    pub objectives_returned: i64,
    pub squad: Option<String>,
    pub team_confidence: Option<String>,
    pub team_layer: Option<String>,
}

impl DetectionRow {
    /// The player as squad detection sees him: name, side, presence, round
    /// counter, objectives and the skill inputs (damage, time, kills; the
    /// kills ride on one weapon slot, the detector only reads their total).
    pub(crate) fn to_player(&self, guid: &str) -> Player {
        let mut player = Player::new(guid, PlayerName::from_bytes(&self.name_bytes));
        player.rounds = self.rounds;
        player.team = self.team.as_deref().and_then(Team::from_name);
        player.stats.damage_given = self.damage_given;
        player.stats.time_played_pct = self.time_played_pct;
        player.stats.time_played_s = self.time_played_s;
        player.stats.dynamites_planted = self.dynamites_planted;
        player.stats.dynamites_defused = self.dynamites_defused;
        player.stats.objectives_stolen = self.objectives_stolen;
        player.stats.objectives_returned = self.objectives_returned;
        player.weapons.set(
            Weapon::Knife,
            WeaponStats {
                kills: self.kills,
                ..WeaponStats::default()
            },
        );
        player
    }
}

/// The header a stored round was read from.
pub(crate) fn header_of(row: &RoundRow) -> etl_parser::Header {
    etl_parser::Header {
        server: row.server_name.clone(),
        map: row.map.clone(),
        config: row.config.clone(),
        round: if row.round_number == 2 {
            etl_parser::RoundNumber::Two
        } else {
            etl_parser::RoundNumber::One
        },
        defender: row
            .defender
            .as_deref()
            .and_then(etl_parser::Side::from_name),
        winner: row.winner.as_deref().and_then(etl_parser::Side::from_name),
        time_limit_s: u32::try_from(row.time_limit_s).unwrap_or_default(),
        actual_time_s: row.actual_time_s.and_then(|t| u32::try_from(t).ok()),
        duration_ms: row.duration_ms.and_then(|d| u64::try_from(d).ok()),
        field_count: usize::try_from(row.header_fields).unwrap_or_default(),
    }
}
