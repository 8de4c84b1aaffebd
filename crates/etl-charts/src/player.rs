//! A player's charts: trends per session, activity per day, a comparison
//! with another player, and his weapons.

use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

use crate::ChartError;
use crate::canvas::{
    self, Area, BODY_TOP, Bar, BarColumn, Frame, H, LegendEntry, Rows, SIDE, Side, Swatch, W,
};
use crate::theme::{self, Anchor};

/// K/D, DPM and accuracy per session, oldest first, each with its rolling
/// value (the sums over the last `rolling` sessions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerTrends {
    pub title: String,
    pub subtitle: String,
    /// How many sessions the rolling values sum over.
    pub rolling: u32,
    pub sessions: Vec<TrendPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrendPoint {
    /// The session, as an axis label (a `\n` starts a second line).
    pub label: String,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub kd: f64,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub dpm: f64,
    /// Hits per shot, in percent.
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub accuracy: f64,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub kd_rolling: f64,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub dpm_rolling: f64,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub accuracy_rolling: f64,
}

/// Rounds per day, as a calendar of weeks (the last 53 at most).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerActivity {
    pub title: String,
    pub subtitle: String,
    /// The days he played, in any order; a day listed twice adds up.
    pub days: Vec<DayRounds>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRounds {
    pub day: jiff::civil::Date,
    pub rounds: u32,
}

/// Two players over the same metrics, as mirrored bars: each metric's bars
/// are scaled to the larger of the two values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerComparison {
    pub title: String,
    pub subtitle: String,
    /// The left player's name.
    pub a: String,
    /// The right player's name.
    pub b: String,
    pub metrics: Vec<ComparedMetric>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedMetric {
    pub label: String,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub a: f64,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub b: f64,
    /// The values as the reply writes them; equal texts are a draw.
    pub a_text: String,
    pub b_text: String,
    pub higher_is_better: bool,
}

impl ComparedMetric {
    /// Which side is better: `Some(true)` for A, `Some(false)` for B, `None` for even.
    pub fn a_is_better(&self) -> Option<bool> {
        if self.a_text == self.b_text {
            None
        } else {
            Some((self.a > self.b) == self.higher_is_better)
        }
    }
}

/// Kills and accuracy per weapon, drawn in the given order (the first 14).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerWeapons {
    pub title: String,
    pub subtitle: String,
    pub weapons: Vec<WeaponLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeaponLine {
    pub name: String,
    pub kills: i64,
    /// Hits per shot, in percent.
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub accuracy: f64,
    pub hits: i64,
    pub shots: i64,
}

const MAX_WEAPONS: usize = 14;
const MAX_SESSIONS: usize = 60;
const MAX_WEEKS: i32 = 53;
const MIN_WEEKS: i32 = 26;

// ---------------------------------------------------------------------------
// player_trends

pub(crate) fn trends(chart: &PlayerTrends, data: &str) -> Result<Vec<u8>, ChartError> {
    if chart.sessions.is_empty() {
        return Err(ChartError::NoData("no sessions"));
    }
    let skip = chart.sessions.len().saturating_sub(MAX_SESSIONS);
    let sessions: Vec<&TrendPoint> = chart.sessions.iter().skip(skip).collect();
    let legend = [
        LegendEntry::new("per session", theme::TEXT, Swatch::Line),
        LegendEntry::new(
            format!("last {} sessions", chart.rolling.max(1)),
            theme::TEXT,
            Swatch::Dashed,
        ),
    ];
    canvas::render(&chart.title, &chart.subtitle, &legend, data, |root| {
        draw_trends(root, &sessions)
    })
}

type Metric = (
    &'static str,
    fn(&TrendPoint) -> f64,
    fn(&TrendPoint) -> f64,
    RGBColor,
    usize,
);

fn draw_trends(root: &Area<'_>, sessions: &[&TrendPoint]) -> Result<(), ChartError> {
    let metrics: [Metric; 3] = [
        ("K/D", |p| p.kd, |p| p.kd_rolling, theme::ORANGE, 2),
        ("DPM", |p| p.dpm, |p| p.dpm_rolling, theme::SKY_BLUE, 0),
        (
            "Accuracy %",
            |p| p.accuracy,
            |p| p.accuracy_rolling,
            theme::GREEN,
            0,
        ),
    ];
    let n = sessions.len() as f64;
    let top = BODY_TOP + 8;
    let height = (H - 52 - top) / 3;
    let finite = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let mut frame = None;
    for (index, (label, value, rolling, colour, decimals)) in metrics.into_iter().enumerate() {
        let panel_top = top + height * i32::try_from(index).unwrap_or(0);
        let highest = sessions
            .iter()
            .flat_map(|p| [finite(value(p)), finite(rolling(p))])
            .fold(0.0, f64::max);
        let ticks = canvas::ticks(if highest > 0.0 { highest * 1.05 } else { 1.0 }, 4.0);
        let y_max = ticks.last().copied().unwrap_or(1.0).max(highest * 1.05);
        let panel = Frame {
            left: SIDE + 60,
            top: panel_top + 30,
            right: W - SIDE - 16,
            bottom: panel_top + height - 6,
            x: (-0.5, n - 0.5),
            y: (0.0, y_max),
        };
        let tick_decimals = if ticks.get(1).is_some_and(|t| *t < 1.0) {
            1
        } else {
            0
        };
        panel.grid(
            root,
            &ticks,
            |v| format!("{v:.tick_decimals$}"),
            Side::Left,
            true,
        )?;
        panel.axes(root, &[])?;
        let points = |f: fn(&TrendPoint) -> f64| -> Vec<(f64, f64)> {
            sessions
                .iter()
                .enumerate()
                .map(|(i, p)| (i as f64, finite(f(p))))
                .collect()
        };
        canvas::dashed(root, &panel, &points(rolling), theme::TEXT, 2)?;
        canvas::polyline(root, &panel, &points(value), colour, 3)?;
        let radius = if sessions.len() > 30 { 3 } else { 5 };
        canvas::dots(root, &panel, &points(value), colour, radius)?;
        // The panel's name and its latest values, over the plot.
        let latest = sessions.last().map_or(String::new(), |p| {
            format!(
                "last session {:.decimals$} · rolling {:.decimals$}",
                finite(value(p)),
                finite(rolling(p))
            )
        });
        canvas::text(
            root,
            label,
            (panel.left, panel_top + 14),
            &theme::font(17.0, colour, true, Anchor::Left),
        )?;
        canvas::text(
            root,
            &latest,
            (panel.right, panel_top + 14),
            &theme::font(15.0, theme::MUTED, false, Anchor::Right),
        )?;
        frame = Some(panel);
    }
    let Some(frame) = frame else {
        return Ok(());
    };
    let labels: Vec<(i32, String)> = sessions
        .iter()
        .enumerate()
        .map(|(i, p)| (frame.px(i as f64, 0.0).0, p.label.clone()))
        .collect();
    canvas::axis_labels(root, &labels, frame.bottom + 10, 15.0)
}

// ---------------------------------------------------------------------------
// player_history: the activity calendar

fn days_between(from: jiff::civil::Date, to: jiff::civil::Date) -> Result<i32, ChartError> {
    from.until((jiff::Unit::Day, to))
        .map(|span| span.get_days())
        .map_err(|error| ChartError::InvalidData(error.to_string()))
}

fn add_days(day: jiff::civil::Date, days: i32) -> Result<jiff::civil::Date, ChartError> {
    day.checked_add(jiff::Span::new().days(days))
        .map_err(|error| ChartError::InvalidData(error.to_string()))
}

fn monday_of(day: jiff::civil::Date) -> Result<jiff::civil::Date, ChartError> {
    add_days(day, -i32::from(day.weekday().to_monday_zero_offset()))
}

pub(crate) fn activity(chart: &PlayerActivity, data: &str) -> Result<Vec<u8>, ChartError> {
    let played: Vec<&DayRounds> = chart.days.iter().filter(|d| d.rounds > 0).collect();
    let (Some(first), Some(last)) = (
        played.iter().map(|d| d.day).min(),
        played.iter().map(|d| d.day).max(),
    ) else {
        return Err(ChartError::NoData("no rounds"));
    };
    let end = monday_of(last)?;
    let span_weeks = days_between(monday_of(first)?, end)? / 7 + 1;
    let weeks = span_weeks.clamp(MIN_WEEKS, MAX_WEEKS);
    let start = add_days(end, -7 * (weeks - 1))?;
    // Rounds per cell (week, weekday), and what falls before the first week.
    let mut cells = vec![0u32; usize::try_from(weeks * 7).unwrap_or(0)];
    let mut older = 0u32;
    for day in &played {
        let offset = days_between(start, day.day)?;
        match usize::try_from(offset).ok().and_then(|i| cells.get_mut(i)) {
            Some(cell) => *cell = cell.saturating_add(day.rounds),
            None => older = older.saturating_add(day.rounds),
        }
    }
    let legend = [LegendEntry::new(
        "rounds per day",
        theme::SKY_BLUE,
        Swatch::Square,
    )];
    canvas::render(&chart.title, &chart.subtitle, &legend, data, |root| {
        draw_calendar(root, start, weeks, &cells, older)
    })
}

fn level_colour(rounds: u32, max: u32) -> RGBColor {
    if rounds == 0 || max == 0 {
        return theme::EMPTY;
    }
    let level = (f64::from(rounds) * 4.0 / f64::from(max))
        .ceil()
        .clamp(1.0, 4.0);
    theme::blend(theme::SKY_BLUE, 0.2 + 0.2 * level)
}

fn draw_calendar(
    root: &Area<'_>,
    start: jiff::civil::Date,
    weeks: i32,
    cells: &[u32],
    older: u32,
) -> Result<(), ChartError> {
    const GAP: i32 = 4;
    const LABELS: i32 = 56;
    let max = cells.iter().copied().max().unwrap_or(0);
    let cell = ((W - 2 * SIDE - LABELS) / weeks - GAP).clamp(8, 34);
    let pitch = cell + GAP;
    let grid_width = pitch * weeks - GAP;
    let left = SIDE + LABELS + (W - 2 * SIDE - LABELS - grid_width) / 2;
    let top = BODY_TOP + 48;
    // Weekday names on the left, month names over the week they begin in.
    for (row, name) in [(0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")] {
        canvas::text(
            root,
            name,
            (left - 10, top + row * pitch + cell / 2),
            &theme::font(15.0, theme::MUTED, false, Anchor::Right),
        )?;
    }
    let mut last_month = None;
    for week in 0..weeks {
        let monday = add_days(start, week * 7)?;
        let sunday = add_days(monday, 6)?;
        // The week that holds the 1st of a month (or the first week) names it.
        let month = (sunday.year(), sunday.month());
        if last_month != Some(month) && (week == 0 || sunday.day() <= 7) {
            let label = if week == 0 || month.1 == 1 {
                sunday.strftime("%b %Y").to_string()
            } else {
                sunday.strftime("%b").to_string()
            };
            canvas::text(
                root,
                &label,
                (left + week * pitch, top - 22),
                &theme::font(15.0, theme::MUTED, false, Anchor::Left),
            )?;
            last_month = Some(month);
        }
        for weekday in 0..7 {
            let index = usize::try_from(week * 7 + weekday).unwrap_or(0);
            let rounds = cells.get(index).copied().unwrap_or(0);
            let x = left + week * pitch;
            let y = top + weekday * pitch;
            let colour = level_colour(rounds, max);
            canvas::fill(root, (x, y), (x + cell, y + cell), colour)?;
            if rounds > 0 && cell >= 22 {
                let ink = if rounds * 2 > max {
                    theme::DARK_TEXT
                } else {
                    theme::TEXT
                };
                canvas::text(
                    root,
                    &rounds.to_string(),
                    (x + cell / 2, y + cell / 2),
                    &theme::font(14.0, ink, true, Anchor::Centre),
                )?;
            }
        }
    }
    // Rounds per week under the calendar, in the same columns.
    let grid_bottom = top + 7 * pitch - GAP;
    let bars_top = grid_bottom + 56;
    let bars_bottom = H - 56;
    let per_week: Vec<u32> = cells.chunks(7).map(|w| w.iter().sum()).collect();
    let week_max = per_week.iter().copied().max().unwrap_or(0);
    canvas::text(
        root,
        "rounds per week",
        (left, grid_bottom + 26),
        &theme::font(15.0, theme::MUTED, false, Anchor::Left),
    )?;
    canvas::line(
        root,
        &[
            (left - 4, bars_bottom),
            (left + grid_width + 4, bars_bottom),
        ],
        theme::GRID,
        1,
    )?;
    for (week, rounds) in per_week.iter().enumerate() {
        let x = left + pitch * i32::try_from(week).unwrap_or(0);
        let height = canvas::bar_length(
            f64::from(*rounds),
            f64::from(week_max),
            bars_bottom - bars_top - 20,
        );
        if height > 0 {
            canvas::fill(
                root,
                (x, bars_bottom - height),
                (x + cell, bars_bottom),
                theme::SKY_BLUE,
            )?;
            if cell >= 18 {
                canvas::text(
                    root,
                    &rounds.to_string(),
                    (x + cell / 2, bars_bottom - height - 4),
                    &theme::font(13.0, theme::TEXT, false, Anchor::Bottom),
                )?;
            }
        }
    }
    // The summary line and the colour scale.
    let total: u32 = cells.iter().sum();
    let active = cells.iter().filter(|c| **c > 0).count();
    let busiest = cells
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(&a.0)))
        .map(|(index, rounds)| (index, *rounds));
    let mut summary = format!(
        "{total} rounds on {active} {} in the {weeks} weeks shown",
        if active == 1 { "day" } else { "days" }
    );
    if let Some((index, rounds)) = busiest.filter(|(_, r)| *r > 0) {
        let day = add_days(start, i32::try_from(index).unwrap_or(0))?;
        summary.push_str(&format!(
            " · busiest day {} ({rounds})",
            day.strftime("%a %Y-%m-%d")
        ));
    }
    if older > 0 {
        summary.push_str(&format!(" · {older} earlier rounds not shown"));
    }
    canvas::text(
        root,
        &theme::fit(&summary, 17.0, f64::from(W - 2 * SIDE - 260)),
        (SIDE, H - 26),
        &theme::font(17.0, theme::MUTED, false, Anchor::Left),
    )?;
    let scale_left = W - SIDE - 5 * 22 - 96;
    canvas::text(
        root,
        "fewer",
        (scale_left - 8, H - 26),
        &theme::font(15.0, theme::MUTED, false, Anchor::Right),
    )?;
    for (step, colour) in [
        theme::EMPTY,
        level_colour(1, 4),
        level_colour(2, 4),
        level_colour(3, 4),
        level_colour(4, 4),
    ]
    .into_iter()
    .enumerate()
    {
        let x = scale_left + 22 * i32::try_from(step).unwrap_or(0);
        canvas::fill(root, (x, H - 34), (x + 16, H - 18), colour)?;
    }
    canvas::text(
        root,
        "more",
        (scale_left + 5 * 22 + 4, H - 26),
        &theme::font(15.0, theme::MUTED, false, Anchor::Left),
    )
}

// ---------------------------------------------------------------------------
// compare_players

pub(crate) fn comparison(chart: &PlayerComparison, data: &str) -> Result<Vec<u8>, ChartError> {
    if chart.metrics.is_empty() {
        return Err(ChartError::NoData("no metrics"));
    }
    let legend = [
        LegendEntry::new(chart.a.clone(), theme::ORANGE, Swatch::Square),
        LegendEntry::new(chart.b.clone(), theme::SKY_BLUE, Swatch::Square),
    ];
    canvas::render(&chart.title, &chart.subtitle, &legend, data, |root| {
        draw_comparison(root, chart)
    })
}

fn draw_comparison(root: &Area<'_>, chart: &PlayerComparison) -> Result<(), ChartError> {
    const LABEL_WIDTH: i32 = 230;
    const VALUE_ROOM: i32 = 110;
    let centre = W / 2;
    let left_axis = centre - LABEL_WIDTH / 2;
    let right_axis = centre + LABEL_WIDTH / 2;
    let track = left_axis - SIDE - VALUE_ROOM;
    let top = BODY_TOP + 50;
    let rows = Rows::new(chart.metrics.len(), top, H - 36, 52);
    let name_style = |colour| theme::font(20.0, colour, true, Anchor::Left);
    let a_name = theme::fit(&chart.a, 20.0, f64::from(track));
    let b_name = theme::fit(&chart.b, 20.0, f64::from(track));
    canvas::text(
        root,
        &a_name,
        (
            left_axis - theme::width(&a_name, 20.0).ceil() as i32,
            BODY_TOP + 22,
        ),
        &name_style(theme::ORANGE),
    )?;
    canvas::text(
        root,
        &b_name,
        (right_axis, BODY_TOP + 22),
        &name_style(theme::SKY_BLUE),
    )?;
    canvas::text(
        root,
        "each metric scaled to the larger of the two; the better value in bold",
        (centre, H - 16),
        &theme::font(14.0, theme::MUTED, false, Anchor::Centre),
    )?;
    let size = (f64::from(rows.height) * 0.42).clamp(13.0, 19.0);
    for (index, metric) in chart.metrics.iter().enumerate() {
        let (band_top, band_bottom) = rows.band(index);
        if index % 2 == 1 {
            canvas::fill(
                root,
                (SIDE - 12, band_top),
                (W - SIDE + 12, band_bottom),
                theme::STRIPE,
            )?;
        }
        let y = rows.centre(index);
        canvas::text(
            root,
            &theme::fit(&metric.label, size, f64::from(LABEL_WIDTH - 16)),
            (centre, y),
            &theme::font(size, theme::TEXT, true, Anchor::Centre),
        )?;
        let scale = metric.a.abs().max(metric.b.abs());
        let better = metric.a_is_better();
        let (bar_top, bar_bottom) = rows.bar(index);
        for (value, text, colour, is_a) in [
            (metric.a, &metric.a_text, theme::ORANGE, true),
            (metric.b, &metric.b_text, theme::SKY_BLUE, false),
        ] {
            let wins = better.is_none_or(|a| a == is_a);
            let colour = if wins {
                colour
            } else {
                theme::blend(colour, 0.55)
            };
            let length = canvas::bar_length(value.abs(), scale, track);
            let style = |anchor| {
                theme::font(
                    size,
                    if wins { theme::TEXT } else { theme::MUTED },
                    wins && better.is_some(),
                    anchor,
                )
            };
            let text = theme::fit(text, size, f64::from(VALUE_ROOM - 12));
            if is_a {
                if length > 0 {
                    canvas::fill(
                        root,
                        (left_axis - length, bar_top),
                        (left_axis - 1, bar_bottom),
                        colour,
                    )?;
                }
                canvas::text(
                    root,
                    &text,
                    (left_axis - length - 8, y),
                    &style(Anchor::Right),
                )?;
            } else {
                if length > 0 {
                    canvas::fill(
                        root,
                        (right_axis + 1, bar_top),
                        (right_axis + length, bar_bottom),
                        colour,
                    )?;
                }
                canvas::text(
                    root,
                    &text,
                    (right_axis + length + 8, y),
                    &style(Anchor::Left),
                )?;
            }
        }
    }
    let (_, end) = rows.band(chart.metrics.len().saturating_sub(1));
    canvas::line(
        root,
        &[(left_axis, top - 4), (left_axis, end + 4)],
        theme::GRID,
        1,
    )?;
    canvas::line(
        root,
        &[(right_axis, top - 4), (right_axis, end + 4)],
        theme::GRID,
        1,
    )
}

// ---------------------------------------------------------------------------
// player_weapons

pub(crate) fn weapons(chart: &PlayerWeapons, data: &str) -> Result<Vec<u8>, ChartError> {
    if chart.weapons.is_empty() {
        return Err(ChartError::NoData("no weapons"));
    }
    let shown: Vec<&WeaponLine> = chart.weapons.iter().take(MAX_WEAPONS).collect();
    let names: Vec<String> = shown.iter().map(|w| w.name.clone()).collect();
    let columns = [
        BarColumn {
            title: "Kills".to_owned(),
            bars: shown
                .iter()
                .map(|w| Bar {
                    value: w.kills as f64,
                    text: w.kills.to_string(),
                    colour: theme::ORANGE,
                    strong: false,
                })
                .collect(),
        },
        BarColumn {
            title: "Accuracy (hits/shots)".to_owned(),
            bars: shown
                .iter()
                .map(|w| Bar {
                    value: w.accuracy,
                    text: format!("{:.1}% ({}/{})", w.accuracy, w.hits, w.shots),
                    colour: theme::SKY_BLUE,
                    strong: false,
                })
                .collect(),
        },
    ];
    let hidden = chart.weapons.len() - shown.len();
    let note = (hidden > 0).then(|| format!("+{hidden} more weapons not shown"));
    let legend = [
        LegendEntry::new("kills", theme::ORANGE, Swatch::Square),
        LegendEntry::new("accuracy", theme::SKY_BLUE, Swatch::Square),
    ];
    canvas::render(&chart.title, &chart.subtitle, &legend, data, |root| {
        canvas::bar_table(root, &names, &columns, note.as_deref())
    })
}
