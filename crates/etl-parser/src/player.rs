use crate::error::At;
use crate::{ParseError, PlayerName, Team, Weapon, WeaponStats, WeaponTable, scalar};

/// How a round-2 value relates to round 1; decides the round-2 differential.
macro_rules! differential {
    (cumulative, $written:expr, $round1:expr) => {
        ($written - $round1).max(0)
    };
    (per_round, $written:expr, $round1:expr) => {
        $written
    };
    // Recomputed from the round-only base values afterwards.
    (derived, $written:expr, $round1:expr) => {
        $written
    };
}

macro_rules! value_type {
    (int) => { i64 };
    (seconds) => { i64 };
    (float) => { f64 };
    (optional_int) => { Option<i64> };
}

macro_rules! parse_value {
    (int, $field:expr, $name:expr, $at:expr) => {
        scalar::int(required($field))
            .ok_or_else(|| $at.error($name, "expected a whole number", required($field)))?
    };
    (seconds, $field:expr, $name:expr, $at:expr) => {
        scalar::minutes_as_seconds(required($field)).ok_or_else(|| {
            $at.error(
                $name,
                "expected minutes as a decimal number",
                required($field),
            )
        })?
    };
    (float, $field:expr, $name:expr, $at:expr) => {
        scalar::float(required($field))
            .ok_or_else(|| $at.error($name, "expected a decimal number", required($field)))?
    };
    (optional_int, $field:expr, $name:expr, $at:expr) => {
        match $field {
            None => None,
            Some(field) => Some(
                scalar::int(field)
                    .ok_or_else(|| $at.error($name, "expected a whole number", field))?,
            ),
        }
    };
}

macro_rules! optional_differential {
    (optional_int, $kind:ident, $written:expr, $round1:expr) => {
        $written
    };
    ($ty:ident, $kind:ident, $written:expr, $round1:expr) => {
        differential!($kind, $written, $round1)
    };
}

macro_rules! stats_fields {
    ($( $index:literal $name:ident: $ty:ident, $kind:ident; )*) => {
        /// The 38 TAB-separated fields of a player line, by the names of the
        /// JSON contract. Times are whole seconds; fields 33-37 are `None`
        /// when the file's writer did not emit them.
        #[derive(Debug, Clone, Default, PartialEq)]
        #[non_exhaustive]
        pub struct Stats {
            $( pub $name: value_type!($ty), )*
        }

        /// The contract names of the TAB-separated fields, by index.
        pub const FIELD_NAMES: [&str; 38] = [$( stringify!($name) ),*];

        impl Stats {
            fn parse(fields: &[&[u8]], at: At) -> Result<Self, ParseError> {
                Ok(Self {
                    $( $name: parse_value!($ty, fields.get($index).copied(), stringify!($name), at), )*
                })
            }

            /// Cumulative fields minus round 1 (never negative), per-round fields as written.
            fn minus_round_one(&self, round1: &Self) -> Self {
                Self {
                    $( $name: optional_differential!($ty, $kind, self.$name, round1.$name), )*
                }
            }
        }
    };
}

fn required(field: Option<&[u8]>) -> &[u8] {
    field.unwrap_or_default()
}

stats_fields! {
    0 damage_given: int, cumulative;
    1 damage_received: int, cumulative;
    2 team_damage_given: int, cumulative;
    3 team_damage_received: int, cumulative;
    4 gibs: int, cumulative;
    5 self_kills: int, cumulative;
    6 team_kills: int, cumulative;
    7 team_gibs: int, cumulative;
    8 time_played_pct: float, derived;
    9 xp: int, per_round;
    10 killing_spree: int, per_round;
    11 death_spree: int, per_round;
    12 kill_assists: int, per_round;
    13 kill_steals: int, per_round;
    14 headshot_kills: int, per_round;
    15 objectives_stolen: int, per_round;
    16 objectives_returned: int, per_round;
    17 dynamites_planted: int, per_round;
    18 dynamites_defused: int, per_round;
    19 times_revived: int, per_round;
    20 bullets_fired: int, cumulative;
    21 dpm: float, derived;
    22 time_played_s: seconds, cumulative;
    23 tank_meatshield: float, derived;
    24 time_dead_ratio: float, derived;
    25 time_dead_s: seconds, per_round;
    26 kd: float, derived;
    27 useful_kills: int, per_round;
    28 denied_playtime_s: int, per_round;
    29 multikill_2: int, per_round;
    30 multikill_3: int, per_round;
    31 multikill_4: int, per_round;
    32 multikill_5: int, per_round;
    33 multikill_6: optional_int, per_round;
    34 useless_kills: optional_int, per_round;
    35 full_selfkills: optional_int, per_round;
    36 repairs_constructions: optional_int, per_round;
    37 revives_given: optional_int, per_round;
}

/// The trailing-field counts real writers produce (older scripts emit fewer).
pub const KNOWN_FIELD_COUNTS: [usize; 4] = [33, 36, 37, 38];

/// One player line.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Player {
    /// The first 8 characters of the upper-cased client GUID (bots share one).
    pub guid: String,
    pub name: PlayerName,
    /// The game's per-session round counter.
    pub rounds: i64,
    /// The side when the file was written; `None` for a value the format does not define.
    pub team: Option<Team>,
    pub weapons: WeaponTable,
    pub stats: Stats,
    /// How many TAB-separated fields the writer emitted (33, 36, 37 or 38).
    pub field_count: usize,
}

impl Player {
    /// A player with no activity, for building rounds from stored values.
    pub fn new(guid: impl Into<String>, name: PlayerName) -> Self {
        Self {
            guid: guid.into(),
            name,
            rounds: 0,
            team: None,
            weapons: WeaponTable::default(),
            stats: Stats::default(),
            field_count: FIELD_NAMES.len(),
        }
    }

    /// Enemy kills: the sum over weapons.
    pub fn kills(&self) -> i64 {
        self.weapons.total().kills
    }

    /// Deaths by an enemy: the sum over weapons.
    pub fn deaths(&self) -> i64 {
        self.weapons.total().deaths
    }

    /// Headshot hits: the sum over weapons.
    pub fn headshots(&self) -> i64 {
        self.weapons.total().headshots
    }

    pub fn hits(&self) -> i64 {
        self.weapons.total().hits
    }

    pub fn shots(&self) -> i64 {
        self.weapons.total().shots
    }

    /// Hits per shot in percent, `None` without shots.
    pub fn accuracy(&self) -> Option<f64> {
        let total = self.weapons.total();
        (total.shots > 0).then(|| total.hits as f64 * 100.0 / total.shots as f64)
    }

    /// Multi-kills from double (2) to mega (6).
    pub fn multikills(&self) -> [Option<i64>; 5] {
        let s = &self.stats;
        [
            Some(s.multikill_2),
            Some(s.multikill_3),
            Some(s.multikill_4),
            Some(s.multikill_5),
            s.multikill_6,
        ]
    }

    /// Bots are written with a truncated shared GUID and a `[BOT]` name.
    pub fn is_bot(&self) -> bool {
        self.guid.starts_with("OMNIBOT") || self.name.clean().starts_with("[BOT]")
    }

    pub(crate) fn parse(line: &[u8], number: usize) -> Result<Self, ParseError> {
        let at = At { line: number };
        let Some(tab) = line.iter().position(|&b| b == b'\t') else {
            return Err(at.error(
                "damage_given",
                "no TAB-separated fields after the weapon block",
                line,
            ));
        };
        let (head, tail) = line.split_at(tab);
        let tail = tail.get(1..).unwrap_or_default();

        // GUID \ name \ rounds \ team \ MASK W...: the name may hold anything
        // but the GUID and the last three parts cannot, so split from both ends.
        let Some(first) = head.iter().position(|&b| b == b'\\') else {
            return Err(at.error("guid", "expected GUID\\name\\rounds\\team\\weapons", head));
        };
        let (guid, rest) = head.split_at(first);
        let rest = rest.get(1..).unwrap_or_default();
        let mut parts = rest.rsplitn(4, |&b| b == b'\\');
        let weapon_block = parts.next().unwrap_or_default();
        let (Some(team), Some(rounds), Some(name)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(at.error("name", "expected GUID\\name\\rounds\\team\\weapons", head));
        };

        if guid.is_empty() || guid.len() > 32 || !guid.iter().all(u8::is_ascii_alphanumeric) {
            return Err(at.error(
                "guid",
                "expected the player's GUID (letters and digits)",
                guid,
            ));
        }
        let rounds = scalar::int(rounds)
            .ok_or_else(|| at.error("rounds", "expected a whole number", rounds))?;
        let team_code =
            scalar::int(team).ok_or_else(|| at.error("team", "expected 1, 2 or 3", team))?;
        let weapons = parse_weapons(weapon_block, at)?;

        let fields: Vec<&[u8]> = tail.split(|&b| b == b'\t').collect();
        if !KNOWN_FIELD_COUNTS.contains(&fields.len()) {
            let field = FIELD_NAMES
                .get(fields.len())
                .copied()
                .unwrap_or("revives_given");
            return Err(at.error(
                field,
                "expected 33, 36, 37 or 38 TAB-separated fields",
                tail,
            ));
        }
        let stats = Stats::parse(&fields, at)?;
        Ok(Self {
            guid: String::from_utf8_lossy(guid).into_owned(),
            name: PlayerName::from_bytes(name),
            rounds,
            team: Team::from_code(team_code),
            weapons,
            stats,
            field_count: fields.len(),
        })
    }

    /// This player's round-2-only values, from his round 2 line and his round 1 line.
    pub(crate) fn minus_round_one(&self, round1: &Self) -> Self {
        // A reconnect restarts the game's counters: anything lower than in
        // round 1 means the round 2 line already is round 2 alone.
        let restarted = self.kills() < round1.kills()
            || self.deaths() < round1.deaths()
            || self.stats.damage_given < round1.stats.damage_given
            || self.stats.damage_received < round1.stats.damage_received
            || self.stats.time_played_s < round1.stats.time_played_s;
        if restarted {
            return self.clone();
        }
        Self {
            weapons: self.weapons.minus(&round1.weapons),
            stats: self.stats.minus_round_one(&round1.stats),
            ..self.clone()
        }
    }

    /// Recomputes kd, dpm, time played %, and time dead ratio from this
    /// player's own (round-only) values, the way the script computes them.
    pub(crate) fn recompute_derived(&mut self, round_length_s: i64) {
        let kills = self.kills();
        let deaths = self.deaths();
        let s = &mut self.stats;
        s.kd = one_decimal(if deaths == 0 {
            (kills + 1) as f64
        } else {
            kills as f64 / deaths as f64
        });
        s.dpm = one_decimal(ratio(s.damage_given as f64 * 60.0, s.time_played_s));
        s.time_played_pct = one_decimal(ratio(s.time_played_s as f64 * 100.0, round_length_s));
        s.time_dead_ratio = one_decimal(ratio(s.time_dead_s as f64 * 100.0, s.time_played_s));
    }
}

fn ratio(numerator: f64, denominator: i64) -> f64 {
    if denominator > 0 {
        numerator / denominator as f64
    } else {
        0.0
    }
}

fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

fn parse_weapons(block: &[u8], at: At) -> Result<WeaponTable, ParseError> {
    let mut numbers = block.split(|&b| b == b' ').filter(|part| !part.is_empty());
    let mask_text = numbers.next().unwrap_or_default();
    let mask = scalar::int(mask_text)
        .filter(|mask| (0..1 << Weapon::COUNT).contains(mask))
        .ok_or_else(|| {
            at.error(
                "weapon_mask",
                "expected a weapon bit mask (0 to 2^28-1)",
                mask_text,
            )
        })?;
    let mut table = WeaponTable::default();
    for weapon in Weapon::ALL {
        if mask & (1 << weapon.slot()) == 0 {
            continue;
        }
        let mut next = |counter: &str| -> Result<i64, ParseError> {
            let text = numbers.next().ok_or_else(|| {
                at.error(
                    format!("{}.{counter}", weapon.code()),
                    "the weapon block is shorter than its mask says",
                    block,
                )
            })?;
            scalar::int(text).ok_or_else(|| {
                at.error(
                    format!("{}.{counter}", weapon.code()),
                    "expected a whole number",
                    text,
                )
            })
        };
        let stats = WeaponStats {
            hits: next("hits")?,
            shots: next("shots")?,
            kills: next("kills")?,
            deaths: next("deaths")?,
            headshots: next("headshots")?,
        };
        table.set(weapon, stats);
    }
    if let Some(extra) = numbers.next() {
        return Err(at.error(
            "weapon_mask",
            "the weapon block is longer than its mask says",
            extra,
        ));
    }
    Ok(table)
}
