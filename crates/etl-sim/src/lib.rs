#![doc = include_str!("../README.md")]

mod catalog;
mod counters;
mod night;
mod rng;
mod sim;
pub mod truth;
mod write;

use jiff::civil::Date;

pub use sim::Producer;
pub use truth::Truth;
pub use write::{IndexEntry, Layout, write_index, write_night};

/// The most maps a night may have (50 rounds).
pub const MAX_MAPS: u8 = 25;
/// Team sizes a night may have.
pub const TEAM_SIZES: std::ops::RangeInclusive<u8> = 3..=16;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// How many nights.
    pub nights: usize,
    /// The run's seed: the same seed gives the same bytes.
    pub seed: u64,
    /// The date of the first night.
    pub start: Date,
    /// One night every day instead of one a week.
    pub every_day: bool,
    /// Players per squad for every night (3-16); `None`: varies per night, mostly 6.
    pub team_size: Option<u8>,
    /// Maps per night (1-25); `None`: varies per night, 6 to 12.
    pub maps: Option<u8>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            nights: 1,
            seed: 1,
            // A Friday.
            start: jiff::civil::date(2025, 1, 3),
            every_day: false,
            team_size: None,
            maps: None,
        }
    }
}

/// What is wrong with a [`Config`].
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum SimError {
    #[error("team size {0} is outside 3-16")]
    TeamSize(u8),
    #[error("{0} maps is outside 1-25 (a night has at most 50 rounds)")]
    Maps(u8),
    #[error("date out of range: {0}")]
    Date(String),
}

/// One night to generate: everything [`generate_night`] needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NightPlan {
    /// 0-based number of the night in the run.
    pub index: usize,
    pub date: Date,
    /// The night's own seed (from the run's seed and `index`).
    pub seed: u64,
    /// The run's seed: the community of players the squads come from.
    pub pool_seed: u64,
    pub team_size: Option<u8>,
    pub maps: Option<u8>,
}

impl Config {
    /// The nights of this run, checked.
    pub fn plans(&self) -> Result<Vec<NightPlan>, SimError> {
        if let Some(size) = self.team_size
            && !TEAM_SIZES.contains(&size)
        {
            return Err(SimError::TeamSize(size));
        }
        if let Some(maps) = self.maps
            && !(1..=MAX_MAPS).contains(&maps)
        {
            return Err(SimError::Maps(maps));
        }
        let step = if self.every_day { 1 } else { 7 };
        (0..self.nights)
            .map(|index| {
                let days = i64::try_from(index)
                    .unwrap_or(i64::MAX)
                    .saturating_mul(step);
                let date = self
                    .start
                    .checked_add(
                        jiff::Span::new()
                            .try_days(days)
                            .map_err(|e| SimError::Date(e.to_string()))?,
                    )
                    .map_err(|e| SimError::Date(e.to_string()))?;
                Ok(NightPlan {
                    index,
                    date,
                    // Below 2^53 so that every JSON reader keeps it exact.
                    seed: rng::derive(self.seed, index as u64) & ((1 << 53) - 1),
                    pool_seed: self.seed,
                    team_size: self.team_size,
                    maps: self.maps,
                })
            })
            .collect()
    }
}

/// One generated file: its bare name and its bytes, exactly as the server
/// would have written them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One generated night: its round files in the order written, and the truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Night {
    /// `sim-YYYY-MM-DD`; also the folder name.
    pub id: String,
    pub date: Date,
    pub files: Vec<SimFile>,
    pub truth: Truth,
}

impl Night {
    /// The truth as JSON, in the shared corpus's `truth.json` layout.
    pub fn truth_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.truth).unwrap_or(serde_json::Value::Null)
    }

    /// The bytes of `truth.json` (pretty-printed, one-space indent as the corpus).
    pub fn truth_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        if serde::Serialize::serialize(&self.truth, &mut serializer).is_err() {
            return Vec::new();
        }
        out.push(b'\n');
        out
    }
}

/// Generates one night. Pure and deterministic: the same plan gives the same
/// bytes.
pub fn generate_night(plan: &NightPlan) -> Result<Night, SimError> {
    night::build(plan)
}

/// Generates every night of a run (see [`Config::plans`] and
/// [`generate_night`] to go night by night).
pub fn generate(config: &Config) -> Result<Vec<Night>, SimError> {
    config.plans()?.iter().map(generate_night).collect()
}
