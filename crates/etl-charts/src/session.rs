//! The charts of a session's summary: who did the damage and the kills,
//! how the squads' map score went, and each player's DPM over the night.

use std::collections::BTreeSet;

use plotters::style::RGBColor;
use serde::{Deserialize, Serialize};

use crate::ChartError;
use crate::canvas::{
    self, Area, BODY_TOP, BarColumn, Frame, H, LegendEntry, SIDE, Side, Swatch, W, bar_table,
};
use crate::theme::{self, Anchor};

/// Per-player damage and kills of a session, drawn in the given order
/// (the first 16 rows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionPlayers {
    pub title: String,
    pub subtitle: String,
    pub players: Vec<PlayerLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlayerLine {
    pub name: String,
    /// `A` or `B` colours the bars by squad; anything else is grey.
    pub squad: Option<String>,
    pub damage: i64,
    pub kills: i64,
}

/// The two squads' running map score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionScore {
    pub title: String,
    pub subtitle: String,
    /// `Squad A`.
    pub a_label: String,
    /// `Squad B`.
    pub b_label: String,
    /// The maps in play order, each with the score after it.
    pub maps: Vec<MapScore>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapScore {
    pub map: String,
    /// Maps won by A so far, this one included.
    pub a: u32,
    /// Maps won by B so far, this one included.
    pub b: u32,
}

/// Each player's running DPM over the rounds of a night: the first 8 lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionDpm {
    pub title: String,
    pub subtitle: String,
    /// The rounds in play order, as axis labels (`supply\nR1`: a `\n`
    /// starts a second line).
    pub rounds: Vec<String>,
    pub players: Vec<DpmLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpmLine {
    pub name: String,
    /// After each round he played: his DPM over his rounds so far.
    pub points: Vec<DpmPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DpmPoint {
    /// The index of the round in [`SessionDpm::rounds`].
    pub round: usize,
    #[serde(deserialize_with = "crate::number_or_nan")]
    pub dpm: f64,
}

const MAX_ROWS: usize = 16;
const MAX_LINES: usize = 8;

pub(crate) fn players(chart: &SessionPlayers, data: &str) -> Result<Vec<u8>, ChartError> {
    if chart.players.is_empty() {
        return Err(ChartError::NoData("no players"));
    }
    let shown: Vec<&PlayerLine> = chart.players.iter().take(MAX_ROWS).collect();
    let squads: BTreeSet<&str> = shown.iter().filter_map(|p| p.squad.as_deref()).collect();
    let mut legend = Vec::new();
    for (label, name) in [("A", "Squad A"), ("B", "Squad B")] {
        if squads.contains(label) {
            legend.push(LegendEntry::new(
                name,
                theme::squad(Some(label)),
                Swatch::Square,
            ));
        }
    }
    let hidden = chart.players.len() - shown.len();
    let names: Vec<String> = shown.iter().map(|p| p.name.clone()).collect();
    let column = |title: &str, value: fn(&PlayerLine) -> i64| BarColumn {
        title: title.to_owned(),
        bars: shown
            .iter()
            .map(|p| canvas::Bar {
                value: value(p) as f64,
                text: value(p).to_string(),
                colour: theme::squad(p.squad.as_deref()),
                strong: false,
            })
            .collect(),
    };
    let columns = [
        column("Damage given", |p| p.damage),
        column("Kills", |p| p.kills),
    ];
    let note = (hidden > 0).then(|| format!("+{hidden} more not shown"));
    canvas::render(&chart.title, &chart.subtitle, &legend, data, |root| {
        bar_table(root, &names, &columns, note.as_deref())
    })
}

pub(crate) fn score(chart: &SessionScore, data: &str) -> Result<Vec<u8>, ChartError> {
    let Some(last) = chart.maps.last() else {
        return Err(ChartError::NoData("no maps"));
    };
    let top = chart
        .maps
        .iter()
        .map(|m| m.a.max(m.b))
        .max()
        .unwrap_or(0)
        .max(1);
    let legend = [
        LegendEntry::new(
            format!("{} {}", chart.a_label, last.a),
            theme::ORANGE,
            Swatch::Line,
        ),
        LegendEntry::new(
            format!("{} {}", chart.b_label, last.b),
            theme::SKY_BLUE,
            Swatch::Line,
        ),
    ];
    canvas::render(&chart.title, &chart.subtitle, &legend, data, |root| {
        draw_score(root, chart, top)
    })
}

fn draw_score(root: &Area<'_>, chart: &SessionScore, top: u32) -> Result<(), ChartError> {
    let n = chart.maps.len() as f64;
    let ticks: Vec<f64> = if top <= 12 {
        (0..=top).map(f64::from).collect()
    } else {
        canvas::ticks(f64::from(top), 6.0)
    };
    let highest = ticks.last().copied().unwrap_or(0.0).max(f64::from(top));
    let frame = Frame {
        left: SIDE + 48,
        top: BODY_TOP + 76,
        right: W - SIDE - 24,
        bottom: H - 70,
        x: (-0.4, n + 0.4),
        y: (-0.2, highest + 0.4),
    };
    frame.grid(root, &ticks, |v| format!("{v:.0}"), Side::Left, true)?;
    frame.axis_title(root, "maps won", theme::MUTED, Side::Left)?;
    frame.axes(root, &[])?;
    type Line = (fn(&MapScore) -> u32, RGBColor, f64);
    let lines: [Line; 2] = [
        (|m| m.a, theme::ORANGE, 0.03),
        (|m| m.b, theme::SKY_BLUE, -0.03),
    ];
    for (value, colour, offset) in lines {
        let mut points = vec![(0.0, offset)];
        let mut previous = 0.0;
        for (index, map) in chart.maps.iter().enumerate() {
            let x = index as f64 + 1.0;
            let now = f64::from(value(map));
            points.push((x, previous + offset));
            points.push((x, now + offset));
            previous = now;
        }
        canvas::polyline(root, &frame, &points, colour, 4)?;
        let marks: Vec<(f64, f64)> = chart
            .maps
            .iter()
            .enumerate()
            .map(|(index, map)| (index as f64 + 1.0, f64::from(value(map)) + offset))
            .collect();
        canvas::dots(root, &frame, &marks, colour, 6)?;
    }
    canvas::dots(root, &frame, &[(0.0, 0.0)], theme::MUTED, 6)?;
    // Who took each map, over the plot; the maps under it.
    let mut labels = vec![(frame.px(0.0, 0.0).0, "start".to_owned())];
    let (mut a, mut b) = (0, 0);
    for (index, map) in chart.maps.iter().enumerate() {
        let x = frame.px(index as f64 + 1.0, 0.0).0;
        labels.push((x, map.map.clone()));
        let (point, colour) = if map.a > a {
            (chart.a_label.as_str(), theme::ORANGE)
        } else if map.b > b {
            (chart.b_label.as_str(), theme::SKY_BLUE)
        } else {
            ("no point", theme::MUTED)
        };
        (a, b) = (map.a, map.b);
        canvas::text(
            root,
            &theme::fit(point, 16.0, 120.0),
            (x, BODY_TOP + 30),
            &theme::font(16.0, colour, true, Anchor::Centre),
        )?;
    }
    canvas::axis_labels(root, &labels, frame.bottom + 12, 16.0)
}

pub(crate) fn dpm(chart: &SessionDpm, data: &str) -> Result<Vec<u8>, ChartError> {
    let rounds = chart.rounds.len();
    let lines: Vec<(&DpmLine, Vec<(f64, f64)>)> = chart
        .players
        .iter()
        .take(MAX_LINES)
        .map(|line| {
            let points = line
                .points
                .iter()
                .filter(|p| p.round < rounds && p.dpm.is_finite())
                .map(|p| (p.round as f64, p.dpm))
                .collect::<Vec<_>>();
            (line, points)
        })
        .filter(|(_, points)| !points.is_empty())
        .collect();
    if lines.is_empty() {
        return Err(ChartError::NoData("no player has a round"));
    }
    let top = lines
        .iter()
        .flat_map(|(_, points)| points.iter().map(|p| p.1))
        .fold(0.0, f64::max);
    canvas::render(&chart.title, &chart.subtitle, &[], data, |root| {
        draw_dpm(root, chart, &lines, top)
    })
}

fn draw_dpm(
    root: &Area<'_>,
    chart: &SessionDpm,
    lines: &[(&DpmLine, Vec<(f64, f64)>)],
    top: f64,
) -> Result<(), ChartError> {
    const LEGEND: i32 = 250;
    let rounds = chart.rounds.len() as f64;
    let ticks = canvas::ticks(top * 1.08, 6.0);
    let y_max = ticks
        .last()
        .copied()
        .unwrap_or(0.0)
        .max(top * 1.05)
        .max(10.0);
    let frame = Frame {
        left: SIDE + 48,
        top: BODY_TOP + 44,
        right: W - SIDE - LEGEND - 24,
        bottom: H - 78,
        x: (-0.5, rounds - 0.5),
        y: (0.0, y_max),
    };
    frame.grid(root, &ticks, |v| format!("{v:.0}"), Side::Left, true)?;
    frame.axis_title(root, "DPM over his rounds so far", theme::MUTED, Side::Left)?;
    frame.axes(root, &[])?;
    for (index, (_, points)) in lines.iter().enumerate() {
        let colour = theme::series(index);
        canvas::polyline(root, &frame, points, colour, 3)?;
        canvas::dots(root, &frame, points, colour, 5)?;
    }
    let labels: Vec<(i32, String)> = chart
        .rounds
        .iter()
        .enumerate()
        .map(|(index, label)| (frame.px(index as f64, 0.0).0, label.clone()))
        .collect();
    canvas::axis_labels(root, &labels, frame.bottom + 12, 15.0)?;
    // The legend: each line's colour, name and final DPM.
    let x = W - SIDE - LEGEND + 20;
    canvas::text(
        root,
        "Final DPM",
        (x, frame.top - 20),
        &theme::font(16.0, theme::MUTED, true, Anchor::Left),
    )?;
    for (index, (line, points)) in lines.iter().enumerate() {
        let y = frame.top + 16 + 42 * i32::try_from(index).unwrap_or(0);
        let colour = theme::series(index);
        canvas::line(root, &[(x, y), (x + 26, y)], colour, 4)?;
        canvas::text(
            root,
            &theme::fit(&line.name, 18.0, 140.0),
            (x + 36, y),
            &theme::font(18.0, theme::TEXT, false, Anchor::Left),
        )?;
        let last = points.last().map_or(0.0, |p| p.1);
        canvas::text(
            root,
            &format!("{last:.1}"),
            (W - SIDE, y),
            &theme::font(18.0, theme::TEXT, true, Anchor::Right),
        )?;
    }
    Ok(())
}
