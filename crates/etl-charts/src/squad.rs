//! Squad results over time: maps won and lost per session, and the win
//! rate so far.

use serde::{Deserialize, Serialize};

use crate::ChartError;
use crate::canvas::{self, Area, BODY_TOP, Frame, H, LegendEntry, SIDE, Side, Swatch, W};
use crate::theme::{self, Anchor};

/// Maps won, lost and without a result per session, oldest first (the
/// last 40 drawn); the win rate line sums over every session given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SquadResults {
    pub title: String,
    pub subtitle: String,
    /// Whose maps the `won` counts are: `Squad A`, `his squad`.
    pub won_label: String,
    /// Whose maps the `lost` counts are: `Squad B`, `the other squad`.
    pub lost_label: String,
    pub sessions: Vec<SessionResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionResult {
    /// The session, as an axis label (a `\n` starts a second line).
    pub label: String,
    pub won: u32,
    pub lost: u32,
    /// Maps without a result.
    pub open: u32,
}

const MAX_SESSIONS: usize = 40;

impl SquadResults {
    /// The win rate (maps won per map decided, in percent) after each
    /// session, over every session so far; `None` while no map is decided.
    pub fn running_win_rate(&self) -> Vec<Option<f64>> {
        let (mut won, mut decided) = (0u64, 0u64);
        self.sessions
            .iter()
            .map(|s| {
                won += u64::from(s.won);
                decided += u64::from(s.won) + u64::from(s.lost);
                (decided > 0).then(|| won as f64 * 100.0 / decided as f64)
            })
            .collect()
    }
}

pub(crate) fn results(chart: &SquadResults, data: &str) -> Result<Vec<u8>, ChartError> {
    if chart.sessions.is_empty() {
        return Err(ChartError::NoData("no sessions"));
    }
    let legend = [
        LegendEntry::new(
            format!("{} won", chart.won_label),
            theme::GREEN,
            Swatch::Square,
        ),
        LegendEntry::new(
            format!("{} won", chart.lost_label),
            theme::VERMILLION,
            Swatch::Square,
        ),
        LegendEntry::new("no result", theme::NEUTRAL, Swatch::Square),
        LegendEntry::new("win rate so far", theme::TEXT, Swatch::Line),
    ];
    canvas::render(&chart.title, &chart.subtitle, &legend, data, |root| {
        draw_results(root, chart)
    })
}

fn draw_results(root: &Area<'_>, chart: &SquadResults) -> Result<(), ChartError> {
    let rates = chart.running_win_rate();
    let skip = chart.sessions.len().saturating_sub(MAX_SESSIONS);
    let shown: Vec<(&SessionResult, Option<f64>)> =
        chart.sessions.iter().zip(rates).skip(skip).collect();
    let n = shown.len() as f64;
    let top = shown
        .iter()
        .map(|(s, _)| s.won + s.lost + s.open)
        .max()
        .unwrap_or(0)
        .max(1);
    let ticks = if top <= 8 {
        (0..=top).map(f64::from).collect()
    } else {
        canvas::ticks(f64::from(top), 6.0)
    };
    let y_max = ticks.last().copied().unwrap_or(1.0).max(f64::from(top)) * 1.08;
    let frame = Frame {
        left: SIDE + 48,
        top: BODY_TOP + 44,
        right: W - SIDE - 56,
        bottom: H - 70,
        x: (-0.5, n - 0.5),
        y: (0.0, y_max),
    };
    // The win rate's own axis, 0 to 100 %, over the same height.
    let percent = Frame {
        y: (0.0, 108.0),
        ..frame
    };
    frame.grid(root, &ticks, |v| format!("{v:.0}"), Side::Left, true)?;
    percent.grid(
        root,
        &[0.0, 25.0, 50.0, 75.0, 100.0],
        |v| format!("{v:.0}%"),
        Side::Right,
        false,
    )?;
    frame.axis_title(root, "maps per session", theme::MUTED, Side::Left)?;
    frame.axis_title(root, "win rate so far", theme::TEXT, Side::Right)?;
    frame.axes(root, &[])?;
    // Bars a little over half their slot, 90 px at most.
    let slot = f64::from(frame.right - frame.left) / n.max(1.0);
    let half = (slot * if shown.len() > 20 { 0.4 } else { 0.3 }).min(45.0);
    for (index, (session, _)) in shown.iter().enumerate() {
        let x = index as f64;
        let centre = frame.px(x, 0.0).0;
        let (left, right) = (centre - half.round() as i32, centre + half.round() as i32);
        let mut floor = 0.0;
        for (count, colour) in [
            (session.won, theme::GREEN),
            (session.lost, theme::VERMILLION),
            (session.open, theme::NEUTRAL),
        ] {
            if count == 0 {
                continue;
            }
            let ceiling = floor + f64::from(count);
            let y0 = frame.px(x, ceiling).1;
            let y1 = frame.px(x, floor).1;
            canvas::fill(root, (left, y0 + 1), (right, y1), colour)?;
            if shown.len() <= 20 && y1 - y0 >= 18 {
                canvas::text(
                    root,
                    &count.to_string(),
                    (centre, (y0 + y1) / 2),
                    &theme::font(16.0, theme::DARK_TEXT, true, Anchor::Centre),
                )?;
            }
            floor = ceiling;
        }
    }
    let line: Vec<(f64, f64)> = shown
        .iter()
        .enumerate()
        .filter_map(|(index, (_, rate))| rate.map(|r| (index as f64, r)))
        .collect();
    canvas::polyline(root, &percent, &line, theme::TEXT, 3)?;
    canvas::dots(root, &percent, &line, theme::TEXT, 5)?;
    if let Some((x, rate)) = line.last() {
        let (px, py) = percent.px(*x, *rate);
        canvas::text(
            root,
            &format!("{rate:.0}%"),
            (px, py - 12),
            &theme::font(16.0, theme::TEXT, true, Anchor::Bottom),
        )?;
    }
    let labels: Vec<(i32, String)> = shown
        .iter()
        .enumerate()
        .map(|(index, (session, _))| (frame.px(index as f64, 0.0).0, session.label.clone()))
        .collect();
    canvas::axis_labels(root, &labels, frame.bottom + 12, 15.0)
}
