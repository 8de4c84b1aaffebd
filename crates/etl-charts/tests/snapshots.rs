//! Every chart drawn from the fixtures, compared with a committed reference
//! that anti-aliasing and font hinting cannot upset: the PNG is decoded,
//! turned grey and averaged over 25x25 blocks (1200x675 -> 48x27), and
//! each block may differ from the reference a little. The references are
//! small grey PNGs under `tests/snapshots/`, readable as pictures.
//!
//! Re-bless after an intended change: `ETL_BLESS_CHARTS=1 cargo test -p etl-charts`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod fixtures;

use std::io::Cursor;
use std::path::PathBuf;

use etl_charts::{Chart, HEIGHT, WIDTH};

const BLOCK: u32 = 25;
const SMALL_W: u32 = WIDTH / BLOCK;
const SMALL_H: u32 = HEIGHT / BLOCK;
/// A block may be this much off (0-255 grey)...
const TOLERANCE: u8 = 12;
/// ...and this many blocks may be further off than that.
const OUTLIERS: usize = 4;

fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
    let mut reader = png::Decoder::new(Cursor::new(png_bytes))
        .read_info()
        .unwrap();
    let mut buffer = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buffer).unwrap();
    buffer.truncate(info.buffer_size());
    (info, buffer)
}

/// The chart as a 48x27 grey image, each pixel the mean of a 25x25 block.
fn small_grey(png_bytes: &[u8]) -> Vec<u8> {
    let (info, rgb) = decode(png_bytes);
    assert_eq!((info.width, info.height), (WIDTH, HEIGHT));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let mut out = Vec::with_capacity((SMALL_W * SMALL_H) as usize);
    for by in 0..SMALL_H {
        for bx in 0..SMALL_W {
            let mut sum = 0u64;
            for y in by * BLOCK..(by + 1) * BLOCK {
                for x in bx * BLOCK..(bx + 1) * BLOCK {
                    let i = ((y * WIDTH + x) * 3) as usize;
                    let (r, g, b) = (rgb[i] as u64, rgb[i + 1] as u64, rgb[i + 2] as u64);
                    sum += (r * 299 + g * 587 + b * 114) / 1000;
                }
            }
            out.push((sum / u64::from(BLOCK * BLOCK)) as u8);
        }
    }
    out
}

fn encode_grey(pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, SMALL_W, SMALL_H);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().unwrap();
    writer.write_image_data(pixels).unwrap();
    writer.finish().unwrap();
    out
}

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(format!("{name}.png"))
}

#[test]
fn every_chart_looks_like_its_reference() {
    let bless = std::env::var("ETL_BLESS_CHARTS").is_ok_and(|v| v == "1");
    let mut failures = Vec::new();
    for (name, chart) in fixtures::all() {
        let actual = small_grey(&chart.render().unwrap());
        let path = snapshot_path(name);
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, encode_grey(&actual)).unwrap();
            continue;
        }
        let Ok(reference) = std::fs::read(&path) else {
            failures.push(format!(
                "{name}: no reference at {} (run with ETL_BLESS_CHARTS=1)",
                path.display()
            ));
            continue;
        };
        let (info, expected) = decode(&reference);
        assert_eq!((info.width, info.height), (SMALL_W, SMALL_H), "{name}");
        let off: Vec<u8> = actual
            .iter()
            .zip(&expected)
            .map(|(a, e)| a.abs_diff(*e))
            .filter(|d| *d > TOLERANCE)
            .collect();
        if off.len() > OUTLIERS {
            failures.push(format!(
                "{name}: {} of {} blocks differ by more than {TOLERANCE} (worst {}); \
                 look at the chart, then re-bless with ETL_BLESS_CHARTS=1",
                off.len(),
                actual.len(),
                off.iter().max().unwrap()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Equal data, floats to within their last bits (JSON numbers are read
/// back without a correctly rounded parser).
fn assert_same_data(read: &Chart, written: &Chart, name: &str) {
    fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * x.abs().max(y.abs()).max(1.0),
                _ => x == y,
            },
            (Value::Array(x), Value::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y))
            }
            (Value::Object(x), Value::Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
            }
            _ => a == b,
        }
    }
    let (a, b) = (
        serde_json::to_value(read).unwrap(),
        serde_json::to_value(written).unwrap(),
    );
    assert!(close(&a, &b), "{name} round trip:\n{a}\n{b}");
}

#[test]
fn the_same_data_gives_the_same_bytes_and_reads_back() {
    for (name, chart) in fixtures::all() {
        let first = chart.render().unwrap();
        assert_eq!(first, chart.render().unwrap(), "{name} is deterministic");
        assert!(first.starts_with(b"\x89PNG\r\n\x1a\n"), "{name}");
        assert_same_data(&Chart::from_png(&first).unwrap(), &chart, name);
        assert_eq!(chart.kind(), name);
        // Discord takes files up to 8 MiB without Nitro; charts stay far below.
        assert!(first.len() < 400_000, "{name}: {} bytes", first.len());
    }
}

#[test]
fn the_snapshot_comparison_notices_a_different_chart() {
    let mut changed = fixtures::session_players();
    changed.players.reverse();
    for player in &mut changed.players {
        player.damage *= 3;
    }
    let a = small_grey(&fixtures::session_players().render().unwrap());
    let b = small_grey(&Chart::from(changed).render().unwrap());
    let off = a
        .iter()
        .zip(&b)
        .filter(|(x, y)| x.abs_diff(**y) > TOLERANCE)
        .count();
    assert!(off > OUTLIERS, "only {off} blocks differ");
}
