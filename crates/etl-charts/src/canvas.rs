//! The frame every chart shares: a 1200x675 RGB buffer on the dark
//! background, a header with title, subtitle and legend, small drawing
//! helpers, and the PNG that carries the chart's data as an iTXt chunk.

use std::io::Cursor;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::theme::{self, Anchor, Style};
use crate::{ChartError, DATA_KEYWORD, HEIGHT, WIDTH};

pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Where the header ends and the chart's body begins.
pub(crate) const BODY_TOP: i32 = 100;
/// The left and right margin of the body.
pub(crate) const SIDE: i32 = 32;
pub(crate) const W: i32 = WIDTH as i32;
pub(crate) const H: i32 = HEIGHT as i32;

/// Plotters' errors, as this crate's.
pub(crate) trait Drawn<T> {
    fn drawn(self) -> Result<T, ChartError>;
}

impl<T, E: std::fmt::Display> Drawn<T> for Result<T, E> {
    fn drawn(self) -> Result<T, ChartError> {
        self.map_err(|error| ChartError::Draw(error.to_string()))
    }
}

/// How a legend entry shows its colour.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Swatch {
    Square,
    Line,
    Dashed,
}

#[derive(Debug, Clone)]
pub(crate) struct LegendEntry {
    pub label: String,
    pub colour: RGBColor,
    pub swatch: Swatch,
}

impl LegendEntry {
    pub fn new(label: impl Into<String>, colour: RGBColor, swatch: Swatch) -> Self {
        Self {
            label: label.into(),
            colour,
            swatch,
        }
    }
}

/// Draws a chart: the header, then `body` on the whole canvas (it keeps
/// below [`BODY_TOP`]); returns the PNG with `data` embedded.
pub(crate) fn render(
    title: &str,
    subtitle: &str,
    legend: &[LegendEntry],
    data: &str,
    body: impl FnOnce(&Area<'_>) -> Result<(), ChartError>,
) -> Result<Vec<u8>, ChartError> {
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (WIDTH, HEIGHT)).into_drawing_area();
        root.fill(&theme::BACKGROUND).drawn()?;
        header(&root, title, subtitle, legend)?;
        body(&root)?;
        root.present().drawn()?;
    }
    encode(&rgb, data)
}

fn header(
    root: &Area<'_>,
    title: &str,
    subtitle: &str,
    legend: &[LegendEntry],
) -> Result<(), ChartError> {
    const LEGEND_SIZE: f64 = 17.0;
    // The legend sits on the right of the subtitle line, from the right edge.
    let entries: Vec<(String, &LegendEntry)> = legend
        .iter()
        .map(|e| (theme::fit(&e.label, LEGEND_SIZE, 260.0), e))
        .collect();
    let legend_width: f64 = entries
        .iter()
        .map(|(label, _)| 34.0 + theme::width(label, LEGEND_SIZE) + 22.0)
        .sum();
    let max = f64::from(W - 2 * SIDE);
    text(
        root,
        &theme::fit(title, 30.0, max),
        (SIDE, 18),
        &theme::font(30.0, theme::TEXT, true, Anchor::TopLeft),
    )?;
    text(
        root,
        &theme::fit(subtitle, 18.0, (max - legend_width - 20.0).max(200.0)),
        (SIDE, 62),
        &theme::font(18.0, theme::MUTED, false, Anchor::TopLeft),
    )?;
    let mut x = f64::from(W - SIDE) - legend_width + 22.0;
    let y = 72;
    for (label, entry) in entries {
        let left = x.round() as i32;
        match entry.swatch {
            Swatch::Square => fill(root, (left, y - 7), (left + 14, y + 7), entry.colour)?,
            Swatch::Line => line(root, &[(left - 4, y), (left + 22, y)], entry.colour, 4)?,
            Swatch::Dashed => {
                line(root, &[(left - 4, y), (left + 5, y)], entry.colour, 3)?;
                line(root, &[(left + 10, y), (left + 19, y)], entry.colour, 3)?;
            }
        }
        text(
            root,
            &label,
            (left + 30, y),
            &theme::font(LEGEND_SIZE, theme::TEXT, false, Anchor::Left),
        )?;
        x += 34.0 + theme::width(&label, LEGEND_SIZE) + 22.0;
    }
    line(root, &[(SIDE, 92), (W - SIDE, 92)], theme::GRID, 1)
}

/// Draws a text in the embedded font, anchored as its style says.
pub(crate) fn text(
    area: &Area<'_>,
    text: &str,
    at: (i32, i32),
    style: &Style,
) -> Result<(), ChartError> {
    if text.is_empty() {
        return Ok(());
    }
    let font = crate::text::face(style.bold)?;
    let width = font.advance(text, style.size);
    let cap = font.cap_height(style.size);
    let (x, y) = (at.0 as f32, at.1 as f32);
    let left = match style.anchor {
        Anchor::TopLeft | Anchor::Left => x,
        Anchor::Centre | Anchor::Top | Anchor::Bottom => x - width / 2.0,
        Anchor::Right => x - width,
    };
    let baseline = match style.anchor {
        Anchor::TopLeft | Anchor::Top => y + cap,
        Anchor::Left | Anchor::Centre | Anchor::Right => y + cap / 2.0,
        Anchor::Bottom => y,
    };
    let mut pixels: Vec<(i32, i32, f32)> = Vec::new();
    font.draw(text, style.size, (left, baseline), |px, py, coverage| {
        pixels.push((px, py, coverage));
    });
    for (px, py, coverage) in pixels {
        area.draw_pixel((px, py), &style.colour.mix(f64::from(coverage)))
            .drawn()?;
    }
    Ok(())
}

/// A filled rectangle between two corners.
pub(crate) fn fill(
    area: &Area<'_>,
    from: (i32, i32),
    to: (i32, i32),
    colour: RGBColor,
) -> Result<(), ChartError> {
    area.draw(&Rectangle::new([from, to], colour.filled()))
        .drawn()
}

pub(crate) fn line(
    area: &Area<'_>,
    points: &[(i32, i32)],
    colour: RGBColor,
    width: u32,
) -> Result<(), ChartError> {
    area.draw(&PathElement::new(
        points.to_vec(),
        colour.stroke_width(width),
    ))
    .drawn()
}

/// Labels under a plot at the given pixel centres, a `\n` starting a
/// second line; every `step`th one when they would be too crowded.
pub(crate) fn axis_labels(
    area: &Area<'_>,
    labels: &[(i32, String)],
    y: i32,
    size: f64,
) -> Result<(), ChartError> {
    const ROOM: f64 = 64.0;
    let spacing = match labels {
        [first, second, ..] => f64::from((second.0 - first.0).abs().max(1)),
        _ => f64::from(W),
    };
    let widest = labels
        .iter()
        .flat_map(|(_, label)| label.lines())
        .map(|line| theme::width(&theme::clean(line), size))
        .fold(0.0, f64::max);
    // Labels are cut to their room; below 64 px a label, some are left out.
    let wanted = widest.min(ROOM) + 10.0;
    let step = (wanted / spacing).ceil().max(1.0) as usize;
    let max = (spacing * step as f64 - 10.0).max(30.0);
    let style = theme::font(size, theme::MUTED, false, Anchor::Top);
    let line_height = (size * 1.3).round() as i32;
    for (x, label) in labels.iter().step_by(step) {
        for (row, line) in label.lines().enumerate() {
            let y = y + line_height * i32::try_from(row).unwrap_or(0);
            text(area, &theme::fit(line, size, max), (*x, y), &style)?;
        }
    }
    Ok(())
}

/// A plot's box in pixels and the values at its edges.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    pub left: i32,
    pub top: i32,
    pub right: i32,
    pub bottom: i32,
    pub x: (f64, f64),
    pub y: (f64, f64),
}

/// Which side of a plot its value labels go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Left,
    Right,
}

impl Frame {
    /// The pixel of a value.
    pub fn px(&self, x: f64, y: f64) -> (i32, i32) {
        let share = |v: f64, (from, to): (f64, f64)| {
            if (to - from).abs() < f64::EPSILON || !v.is_finite() {
                0.0
            } else {
                (v - from) / (to - from)
            }
        };
        let width = f64::from(self.right - self.left);
        let height = f64::from(self.bottom - self.top);
        (
            self.left + (share(x, self.x) * width).round() as i32,
            self.bottom - (share(y, self.y) * height).round() as i32,
        )
    }

    /// Horizontal grid lines at the ticks, labelled on one side.
    pub fn grid(
        &self,
        area: &Area<'_>,
        ticks: &[f64],
        label: impl Fn(f64) -> String,
        side: Side,
        lines: bool,
    ) -> Result<(), ChartError> {
        for tick in ticks {
            let y = self.px(self.x.0, *tick).1;
            if lines {
                line(area, &[(self.left, y), (self.right, y)], theme::GRID, 1)?;
            }
            let (x, anchor) = match side {
                Side::Left => (self.left - 10, Anchor::Right),
                Side::Right => (self.right + 10, Anchor::Left),
            };
            text(
                area,
                &label(*tick),
                (x, y),
                &theme::font(15.0, theme::MUTED, false, anchor),
            )?;
        }
        Ok(())
    }

    /// What the values on one side are, over the axis.
    pub fn axis_title(
        &self,
        area: &Area<'_>,
        title: &str,
        colour: RGBColor,
        side: Side,
    ) -> Result<(), ChartError> {
        let (x, anchor) = match side {
            Side::Left => (self.left - 10, Anchor::Left),
            Side::Right => (self.right + 10, Anchor::Right),
        };
        let x = match side {
            Side::Left => x.min(SIDE),
            Side::Right => x.max(W - SIDE),
        };
        text(
            area,
            &theme::fit(title, 16.0, 400.0),
            (x, self.top - 20),
            &theme::font(16.0, colour, true, anchor),
        )
    }

    /// The axis lines: the baseline and the side(s) given.
    pub fn axes(&self, area: &Area<'_>, sides: &[Side]) -> Result<(), ChartError> {
        line(
            area,
            &[(self.left, self.bottom), (self.right, self.bottom)],
            theme::MUTED,
            1,
        )?;
        for side in sides {
            let x = match side {
                Side::Left => self.left,
                Side::Right => self.right,
            };
            line(area, &[(x, self.top), (x, self.bottom)], theme::GRID, 1)?;
        }
        Ok(())
    }
}

/// Ticks from 0 at a nice step, about `count` of them, the last at or
/// above `max`.
pub(crate) fn ticks(max: f64, count: f64) -> Vec<f64> {
    let step = nice_step(max, count);
    (0..=1000)
        .map(|i| f64::from(i) * step)
        .take_while(|t| *t < max + step * (1.0 - 1e-9))
        .collect()
}

/// A polyline through value points.
pub(crate) fn polyline(
    area: &Area<'_>,
    frame: &Frame,
    points: &[(f64, f64)],
    colour: RGBColor,
    width: u32,
) -> Result<(), ChartError> {
    let pixels: Vec<(i32, i32)> = points.iter().map(|(x, y)| frame.px(*x, *y)).collect();
    if pixels.len() > 1 {
        line(area, &pixels, colour, width)?;
    }
    Ok(())
}

/// A dashed polyline through value points.
pub(crate) fn dashed(
    area: &Area<'_>,
    frame: &Frame,
    points: &[(f64, f64)],
    colour: RGBColor,
    width: u32,
) -> Result<(), ChartError> {
    let pixels: Vec<(i32, i32)> = points.iter().map(|(x, y)| frame.px(*x, *y)).collect();
    if pixels.len() > 1 {
        area.draw(&plotters::element::DashedPathElement::new(
            pixels,
            9,
            6,
            colour.stroke_width(width),
        ))
        .drawn()?;
    }
    Ok(())
}

/// Filled dots at value points.
pub(crate) fn dots(
    area: &Area<'_>,
    frame: &Frame,
    points: &[(f64, f64)],
    colour: RGBColor,
    radius: i32,
) -> Result<(), ChartError> {
    for (x, y) in points {
        area.draw(&Circle::new(frame.px(*x, *y), radius, colour.filled()))
            .drawn()?;
    }
    Ok(())
}

/// Horizontal bar rows: where row `index` is and how thick its bar.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Rows {
    pub top: i32,
    pub height: i32,
}

impl Rows {
    /// `count` rows between `top` and `bottom`, at most `max` pixels high each.
    pub fn new(count: usize, top: i32, bottom: i32, max: i32) -> Self {
        let count = i32::try_from(count.max(1)).unwrap_or(i32::MAX);
        Self {
            top,
            height: ((bottom - top) / count).clamp(1, max),
        }
    }

    pub fn centre(&self, index: usize) -> i32 {
        self.top + self.height * i32::try_from(index).unwrap_or(0) + self.height / 2
    }

    /// The bar's top and bottom in row `index`.
    pub fn bar(&self, index: usize) -> (i32, i32) {
        let half = (self.height * 32 / 100).max(2);
        let centre = self.centre(index);
        (centre - half, centre + half)
    }

    /// The row's full band, for zebra stripes.
    pub fn band(&self, index: usize) -> (i32, i32) {
        let top = self.top + self.height * i32::try_from(index).unwrap_or(0);
        (top, top + self.height)
    }
}

/// A bar of `value` out of `max` on a track of `length` pixels.
pub(crate) fn bar_length(value: f64, max: f64, length: i32) -> i32 {
    if max <= 0.0 || !value.is_finite() || value <= 0.0 {
        return 0;
    }
    ((value / max).min(1.0) * f64::from(length)).round() as i32
}

/// Nice round steps for an axis from 0 to `max`: 1, 2 or 5 times a power of ten.
pub(crate) fn nice_step(max: f64, ticks: f64) -> f64 {
    if max <= 0.0 || !max.is_finite() {
        return 1.0;
    }
    let raw = max / ticks.max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    let fraction = raw / power;
    let nice = if fraction <= 1.0 {
        1.0
    } else if fraction <= 2.0 {
        2.0
    } else if fraction <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

fn encode(rgb: &[u8], data: &str) -> Result<Vec<u8>, ChartError> {
    let png_error = |error: png::EncodingError| ChartError::Png(error.to_string());
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    encoder
        .add_itxt_chunk(DATA_KEYWORD.to_owned(), data.to_owned())
        .map_err(png_error)?;
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(rgb).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

/// The chart data embedded in a PNG made by this crate.
pub(crate) fn embedded_data(png_bytes: &[u8]) -> Result<String, ChartError> {
    let decoder = png::Decoder::new(Cursor::new(png_bytes));
    let reader = decoder
        .read_info()
        .map_err(|error| ChartError::Png(error.to_string()))?;
    let chunk = reader
        .info()
        .utf8_text
        .iter()
        .find(|chunk| chunk.keyword == DATA_KEYWORD)
        .ok_or_else(|| ChartError::NotAChart(format!("no `{DATA_KEYWORD}` text chunk")))?;
    chunk
        .get_text()
        .map_err(|error| ChartError::Png(error.to_string()))
}

/// One bar of a [`bar_table`] column.
#[derive(Debug, Clone)]
pub(crate) struct Bar {
    pub value: f64,
    pub text: String,
    pub colour: RGBColor,
    /// The value's text in bold (the better of two, ...).
    pub strong: bool,
}

/// A column of bars under a title, one bar per row.
#[derive(Debug, Clone)]
pub(crate) struct BarColumn {
    pub title: String,
    pub bars: Vec<Bar>,
}

/// Names down the left, then a column of horizontal bars per metric,
/// each scaled to its own largest value, the value written after the bar.
pub(crate) fn bar_table(
    root: &Area<'_>,
    names: &[String],
    columns: &[BarColumn],
    note: Option<&str>,
) -> Result<(), ChartError> {
    const NAME_WIDTH: i32 = 190;
    const GAP: i32 = 40;
    let top = BODY_TOP + 46;
    let bottom = H - if note.is_some() { 44 } else { 20 };
    let rows = Rows::new(names.len(), top, bottom, 44);
    let size = (f64::from(rows.height) * 0.5).clamp(13.0, 19.0);
    for index in (1..names.len()).step_by(2) {
        let (from, to) = rows.band(index);
        fill(root, (SIDE - 12, from), (W - SIDE + 12, to), theme::STRIPE)?;
    }
    for (index, name) in names.iter().enumerate() {
        text(
            root,
            &theme::fit(name, size, f64::from(NAME_WIDTH - 12)),
            (SIDE + NAME_WIDTH, rows.centre(index)),
            &theme::font(size, theme::TEXT, false, Anchor::Right),
        )?;
    }
    let count = i32::try_from(columns.len().max(1)).unwrap_or(1);
    let first = SIDE + NAME_WIDTH + 16;
    let column_width = (W - SIDE - first - GAP * (count - 1)) / count;
    let (_, rows_end) = rows.band(names.len().saturating_sub(1));
    for (index, column) in columns.iter().enumerate() {
        let x0 = first + (column_width + GAP) * i32::try_from(index).unwrap_or(0);
        text(
            root,
            &theme::fit(&column.title, 18.0, f64::from(column_width)),
            (x0, BODY_TOP + 14),
            &theme::font(18.0, theme::MUTED, true, Anchor::TopLeft),
        )?;
        let max = column.bars.iter().map(|b| b.value).fold(0.0, f64::max);
        let widest = column
            .bars
            .iter()
            .map(|b| theme::width(&b.text, size))
            .fold(0.0, f64::max);
        let track = column_width - widest.ceil() as i32 - 16;
        line(root, &[(x0, top - 4), (x0, rows_end + 4)], theme::GRID, 1)?;
        for (row, bar) in column.bars.iter().enumerate().take(names.len()) {
            let length = bar_length(bar.value, max, track);
            let (bar_top, bar_bottom) = rows.bar(row);
            if length > 0 {
                fill(
                    root,
                    (x0 + 1, bar_top),
                    (x0 + length, bar_bottom),
                    bar.colour,
                )?;
            }
            text(
                root,
                &bar.text,
                (x0 + length + 8, rows.centre(row)),
                &theme::font(size, theme::TEXT, bar.strong, Anchor::Left),
            )?;
        }
    }
    if let Some(note) = note {
        text(
            root,
            note,
            (SIDE, H - 30),
            &theme::font(16.0, theme::MUTED, false, Anchor::Left),
        )?;
    }
    Ok(())
}
