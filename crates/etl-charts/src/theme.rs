//! Colours, fonts and text measuring: a dark theme that reads well in
//! Discord, the Okabe-Ito palette (safe for the common kinds of colour
//! blindness), and Noto Sans embedded in the binary.

use plotters::style::RGBColor;

use crate::text::face;

/// Discord's dark theme: the chat background and the embed's.
pub(crate) const BACKGROUND: RGBColor = RGBColor(0x2b, 0x2d, 0x31);
pub(crate) const STRIPE: RGBColor = RGBColor(0x31, 0x33, 0x38);
pub(crate) const EMPTY: RGBColor = RGBColor(0x3f, 0x41, 0x47);
pub(crate) const GRID: RGBColor = RGBColor(0x4e, 0x50, 0x58);
pub(crate) const TEXT: RGBColor = RGBColor(0xf2, 0xf3, 0xf5);
pub(crate) const MUTED: RGBColor = RGBColor(0xb5, 0xba, 0xc1);
pub(crate) const DARK_TEXT: RGBColor = RGBColor(0x1e, 0x1f, 0x22);

/// Okabe-Ito: orange, sky blue, bluish green, yellow, blue, vermillion,
/// reddish purple, and a light grey for its black (invisible on dark).
pub(crate) const PALETTE: [RGBColor; 8] = [
    RGBColor(0xe6, 0x9f, 0x00),
    RGBColor(0x56, 0xb4, 0xe9),
    RGBColor(0x00, 0x9e, 0x73),
    RGBColor(0xf0, 0xe4, 0x42),
    RGBColor(0x00, 0x72, 0xb2),
    RGBColor(0xd5, 0x5e, 0x00),
    RGBColor(0xcc, 0x79, 0xa7),
    RGBColor(0xdd, 0xdd, 0xdd),
];
pub(crate) const ORANGE: RGBColor = PALETTE[0];
pub(crate) const SKY_BLUE: RGBColor = PALETTE[1];
pub(crate) const GREEN: RGBColor = PALETTE[2];
pub(crate) const VERMILLION: RGBColor = PALETTE[5];
pub(crate) const NEUTRAL: RGBColor = RGBColor(0x8e, 0x92, 0x97);

/// The colour of the `index`th series.
pub(crate) fn series(index: usize) -> RGBColor {
    PALETTE.get(index % PALETTE.len()).copied().unwrap_or(TEXT)
}

/// A squad's colour: A orange, B sky blue, anyone else grey.
pub(crate) fn squad(label: Option<&str>) -> RGBColor {
    match label {
        Some("A" | "a") => ORANGE,
        Some("B" | "b") => SKY_BLUE,
        _ => NEUTRAL,
    }
}

/// `colour` laid over the background with opacity `alpha`, as one opaque colour.
pub(crate) fn blend(colour: RGBColor, alpha: f64) -> RGBColor {
    let alpha = alpha.clamp(0.0, 1.0);
    let mix = |over: u8, under: u8| {
        (f64::from(over) * alpha + f64::from(under) * (1.0 - alpha)).round() as u8
    };
    RGBColor(
        mix(colour.0, BACKGROUND.0),
        mix(colour.1, BACKGROUND.1),
        mix(colour.2, BACKGROUND.2),
    )
}

/// Where a text is anchored on the point it is drawn at. The vertical
/// centre is the middle of a capital letter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    TopLeft,
    Left,
    Centre,
    Right,
    Top,
    Bottom,
}

/// How a text is drawn.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub size: f64,
    pub colour: RGBColor,
    pub bold: bool,
    pub anchor: Anchor,
}

pub(crate) fn font(size: f64, colour: RGBColor, bold: bool, anchor: Anchor) -> Style {
    Style {
        size,
        colour,
        bold,
        anchor,
    }
}

/// The text without what the font cannot draw (emoji, control characters).
pub(crate) fn clean(text: &str) -> String {
    let kept: String = match face(false) {
        Ok(font) => text
            .chars()
            .map(|c| if c.is_whitespace() { ' ' } else { c })
            .filter(|c| !c.is_control() && (*c == ' ' || font.has(*c)))
            .collect(),
        Err(_) => text
            .chars()
            .filter(|c| c.is_ascii_graphic() || *c == ' ')
            .collect(),
    };
    let words: Vec<&str> = kept.split_whitespace().collect();
    if words.is_empty() {
        "?".to_owned()
    } else {
        words.join(" ")
    }
}

/// The width of a text in pixels at a font size, regular face.
pub(crate) fn width(text: &str, size: f64) -> f64 {
    advance(text, size, false)
}

/// The width of a text in pixels at a font size.
pub(crate) fn advance(text: &str, size: f64, bold: bool) -> f64 {
    match face(bold) {
        Ok(font) => f64::from(font.advance(text, size)),
        Err(_) => text.chars().count() as f64 * size * 0.6,
    }
}

/// The text cleaned and cut with an ellipsis to fit `max` pixels.
pub(crate) fn fit(text: &str, size: f64, max: f64) -> String {
    let text = clean(text);
    if width(&text, size) <= max {
        return text;
    }
    let ellipsis = if face(false).is_ok_and(|f| f.has('…')) {
        "…"
    } else {
        "..."
    };
    let mut chars: Vec<char> = text.chars().collect();
    while chars.pop().is_some() {
        let kept: String = chars.iter().collect();
        let candidate = format!("{}{ellipsis}", kept.trim_end());
        if width(&candidate, size) <= max {
            return candidate;
        }
    }
    ellipsis.to_owned()
}
