#![doc = include_str!("../README.md")]

mod canvas;
mod error;
mod player;
mod session;
mod squad;
mod text;
mod theme;

use serde::{Deserialize, Serialize};

pub use error::ChartError;
pub use player::{
    ComparedMetric, DayRounds, PlayerActivity, PlayerComparison, PlayerTrends, PlayerWeapons,
    TrendPoint, WeaponLine,
};
pub use session::{
    DpmLine, DpmPoint, MapScore, PlayerLine, SessionDpm, SessionPlayers, SessionScore,
};
pub use squad::{SessionResult, SquadResults};

/// Every chart is this wide, in pixels (16:9, what Discord shows uncropped).
pub const WIDTH: u32 = 1200;
/// Every chart is this high, in pixels.
pub const HEIGHT: u32 = 675;
/// The keyword of the PNG iTXt chunk that carries a chart's data as JSON.
pub const DATA_KEYWORD: &str = "etl-charts";

/// A chart: its data, which is all it draws. [`Chart::render`] makes the
/// PNG, with the data embedded so that [`Chart::from_png`] reads it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "chart", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Chart {
    /// Per-player damage and kills of a session, as bars.
    SessionPlayers(SessionPlayers),
    /// The squads' running map score, map by map, as steps.
    SessionScore(SessionScore),
    /// Each player's running DPM over the rounds of a night, as lines.
    SessionDpm(SessionDpm),
    /// A player's K/D, DPM and accuracy per session with a rolling value.
    PlayerTrends(PlayerTrends),
    /// A player's rounds per day, as a calendar.
    PlayerActivity(PlayerActivity),
    /// Two players side by side over normalised metrics, as mirrored bars.
    PlayerComparison(PlayerComparison),
    /// A player's kills and accuracy per weapon, as bars.
    PlayerWeapons(PlayerWeapons),
    /// Maps won and lost per session and the win rate over time.
    SquadResults(SquadResults),
}

impl Chart {
    /// Draws the chart: a 1200x675 PNG on a dark background. The same data
    /// gives the same bytes.
    pub fn render(&self) -> Result<Vec<u8>, ChartError> {
        let data = serde_json::to_string(self)
            .map_err(|error| ChartError::InvalidData(error.to_string()))?;
        match self {
            Self::SessionPlayers(chart) => session::players(chart, &data),
            Self::SessionScore(chart) => session::score(chart, &data),
            Self::SessionDpm(chart) => session::dpm(chart, &data),
            Self::PlayerTrends(chart) => player::trends(chart, &data),
            Self::PlayerActivity(chart) => player::activity(chart, &data),
            Self::PlayerComparison(chart) => player::comparison(chart, &data),
            Self::PlayerWeapons(chart) => player::weapons(chart, &data),
            Self::SquadResults(chart) => squad::results(chart, &data),
        }
    }

    /// The data a PNG made by [`Chart::render`] was drawn from.
    pub fn from_png(png: &[u8]) -> Result<Self, ChartError> {
        let data = canvas::embedded_data(png)?;
        serde_json::from_str(&data).map_err(|error| ChartError::NotAChart(error.to_string()))
    }

    /// A short name for the kind of chart: `session_players`, `player_trends`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Self::SessionPlayers(_) => "session_players",
            Self::SessionScore(_) => "session_score",
            Self::SessionDpm(_) => "session_dpm",
            Self::PlayerTrends(_) => "player_trends",
            Self::PlayerActivity(_) => "player_activity",
            Self::PlayerComparison(_) => "player_comparison",
            Self::PlayerWeapons(_) => "player_weapons",
            Self::SquadResults(_) => "squad_results",
        }
    }
}

/// JSON writes a NaN or an infinity as `null`; it reads back as NaN.
pub(crate) fn number_or_nan<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(deserializer)?.unwrap_or(f64::NAN))
}

macro_rules! into_chart {
    ($($variant:ident),*) => {$(
        impl From<$variant> for Chart {
            fn from(chart: $variant) -> Self {
                Self::$variant(chart)
            }
        }

        impl $variant {
            /// Draws this chart; see [`Chart::render`].
            pub fn render(&self) -> Result<Vec<u8>, ChartError> {
                Chart::from(self.clone()).render()
            }
        }
    )*};
}

into_chart!(
    SessionPlayers,
    SessionScore,
    SessionDpm,
    PlayerTrends,
    PlayerActivity,
    PlayerComparison,
    PlayerWeapons,
    SquadResults
);
