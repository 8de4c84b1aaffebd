//! Text in the embedded font: skrifa reads the glyph outlines and metrics,
//! ab_glyph_rasterizer turns each outline into pixel coverage.

use std::sync::OnceLock;

use ab_glyph_rasterizer::{Point, Rasterizer, point};
use skrifa::instance::{LocationRef, Size};
use skrifa::outline::{DrawSettings, OutlinePen};
use skrifa::{FontRef, GlyphId, MetadataProvider};

use crate::ChartError;

/// One face of the embedded font.
pub(crate) struct Face {
    font: FontRef<'static>,
    /// Pixels per em for a font size of one pixel: sizes here are the
    /// height from the lowest descender to the highest ascender.
    em_per_size: f32,
    /// The height of a capital letter, in ems.
    cap: f32,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("em_per_size", &self.em_per_size)
            .finish_non_exhaustive()
    }
}

/// Noto Sans regular or bold.
pub(crate) fn face(bold: bool) -> Result<&'static Face, ChartError> {
    static REGULAR: OnceLock<Option<Face>> = OnceLock::new();
    static BOLD: OnceLock<Option<Face>> = OnceLock::new();
    let (cell, bytes) = if bold {
        (&BOLD, ttf_noto_sans::BOLD)
    } else {
        (&REGULAR, ttf_noto_sans::REGULAR)
    };
    cell.get_or_init(|| Face::new(bytes))
        .as_ref()
        .ok_or(ChartError::Font)
}

/// Records an outline, in pixels with y down, for the rasterizer.
#[derive(Debug, Default)]
struct Path {
    segments: Vec<Segment>,
    start: Option<Point>,
    at: Option<Point>,
    origin: (f32, f32),
}

#[derive(Debug, Clone, Copy)]
enum Segment {
    Line(Point, Point),
    Quad(Point, Point, Point),
    Cubic(Point, Point, Point, Point),
}

impl Path {
    fn at(origin: (f32, f32)) -> Self {
        Self {
            origin,
            ..Self::default()
        }
    }

    fn map(&self, x: f32, y: f32) -> Point {
        point(self.origin.0 + x, self.origin.1 - y)
    }

    fn close_contour(&mut self) {
        if let (Some(start), Some(at)) = (self.start, self.at)
            && (start.x != at.x || start.y != at.y)
        {
            self.segments.push(Segment::Line(at, start));
        }
        self.at = self.start;
    }

    fn points(&self) -> impl Iterator<Item = Point> + '_ {
        self.segments.iter().flat_map(|s| match *s {
            Segment::Line(a, b) => vec![a, b],
            Segment::Quad(a, b, c) => vec![a, b, c],
            Segment::Cubic(a, b, c, d) => vec![a, b, c, d],
        })
    }
}

impl OutlinePen for Path {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close_contour();
        let p = self.map(x, y);
        self.start = Some(p);
        self.at = Some(p);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.map(x, y);
        if let Some(at) = self.at {
            self.segments.push(Segment::Line(at, p));
        }
        self.at = Some(p);
    }

    fn quad_to(&mut self, cx0: f32, cy0: f32, x: f32, y: f32) {
        let (c, p) = (self.map(cx0, cy0), self.map(x, y));
        if let Some(at) = self.at {
            self.segments.push(Segment::Quad(at, c, p));
        }
        self.at = Some(p);
    }

    fn curve_to(&mut self, cx0: f32, cy0: f32, cx1: f32, cy1: f32, x: f32, y: f32) {
        let (c0, c1, p) = (self.map(cx0, cy0), self.map(cx1, cy1), self.map(x, y));
        if let Some(at) = self.at {
            self.segments.push(Segment::Cubic(at, c0, c1, p));
        }
        self.at = Some(p);
    }

    fn close(&mut self) {
        self.close_contour();
    }
}

impl Face {
    fn new(bytes: &'static [u8]) -> Option<Self> {
        let font = FontRef::new(bytes).ok()?;
        let metrics = font.metrics(Size::unscaled(), LocationRef::default());
        let em = f32::from(metrics.units_per_em);
        let height = metrics.ascent - metrics.descent;
        if em <= 0.0 || height <= 0.0 {
            return None;
        }
        let mut face = Self {
            font,
            em_per_size: em / height,
            cap: 0.7,
        };
        // The cap height from the font's H, else the OS/2 table's.
        let h_top = face.glyph('H').and_then(|id| {
            let mut path = Path::at((0.0, 0.0));
            let outlines = face.font.outline_glyphs();
            let glyph = outlines.get(id)?;
            glyph
                .draw(
                    DrawSettings::unhinted(Size::unscaled(), LocationRef::default()),
                    &mut path,
                )
                .ok()?;
            path.close_contour();
            path.points().map(|p| -p.y).reduce(f32::max)
        });
        face.cap = h_top.or(metrics.cap_height).map_or(0.7, |top| top / em);
        Some(face)
    }

    fn glyph(&self, c: char) -> Option<GlyphId> {
        self.font.charmap().map(c).filter(|id| id.to_u32() != 0)
    }

    /// Can the font draw this character?
    pub fn has(&self, c: char) -> bool {
        self.glyph(c).is_some()
    }

    fn ppem(&self, size: f64) -> f32 {
        size as f32 * self.em_per_size
    }

    /// The height of a capital letter in pixels at a font size.
    pub fn cap_height(&self, size: f64) -> f32 {
        self.cap * self.ppem(size)
    }

    /// The width of a text in pixels at a font size.
    pub fn advance(&self, text: &str, size: f64) -> f32 {
        let metrics = self
            .font
            .glyph_metrics(Size::new(self.ppem(size)), LocationRef::default());
        text.chars()
            .filter_map(|c| self.glyph(c))
            .filter_map(|id| metrics.advance_width(id))
            .sum()
    }

    /// Rasterizes a text with its baseline starting at (`left`, `baseline`),
    /// calling `pixel` with each covered pixel and its coverage (0 to 1).
    pub fn draw(
        &self,
        text: &str,
        size: f64,
        (left, baseline): (f32, f32),
        mut pixel: impl FnMut(i32, i32, f32),
    ) {
        let ppem = Size::new(self.ppem(size));
        let metrics = self.font.glyph_metrics(ppem, LocationRef::default());
        let outlines = self.font.outline_glyphs();
        let mut caret = left;
        for id in text.chars().filter_map(|c| self.glyph(c)) {
            let mut path = Path::at((caret, baseline));
            caret += metrics.advance_width(id).unwrap_or(0.0);
            let Some(glyph) = outlines.get(id) else {
                continue;
            };
            if glyph
                .draw(
                    DrawSettings::unhinted(ppem, LocationRef::default()),
                    &mut path,
                )
                .is_err()
            {
                continue;
            }
            path.close_contour();
            let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
            for p in path.points() {
                (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
            }
            if x0 > x1 || y0 > y1 {
                continue;
            }
            let (ox, oy) = (x0.floor(), y0.floor());
            let width = (x1.ceil() - ox) as usize + 1;
            let height = (y1.ceil() - oy) as usize + 1;
            if width > 4096 || height > 4096 {
                continue;
            }
            let shift = |p: Point| point(p.x - ox, p.y - oy);
            let mut raster = Rasterizer::new(width, height);
            for segment in &path.segments {
                match *segment {
                    Segment::Line(a, b) => raster.draw_line(shift(a), shift(b)),
                    Segment::Quad(a, b, c) => raster.draw_quad(shift(a), shift(b), shift(c)),
                    Segment::Cubic(a, b, c, d) => {
                        raster.draw_cubic(shift(a), shift(b), shift(c), shift(d));
                    }
                }
            }
            raster.for_each_pixel_2d(|x, y, coverage| {
                if coverage > 0.02 {
                    pixel(
                        ox as i32 + x as i32,
                        oy as i32 + y as i32,
                        coverage.min(1.0),
                    );
                }
            });
        }
    }
}
