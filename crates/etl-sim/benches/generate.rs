//! How fast nights are generated: plain timing, printed. Measures only when
//! run by `cargo bench` (which passes `--bench`).
#![allow(clippy::print_stdout, clippy::unwrap_used)]

use std::time::Instant;

use etl_sim::{Config, generate};

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        return;
    }
    for (nights, team_size) in [(100, None), (20, Some(16))] {
        let config = Config {
            nights,
            seed: 1,
            every_day: true,
            team_size,
            ..Config::default()
        };
        let started = Instant::now();
        let generated = generate(&config).unwrap();
        let elapsed = started.elapsed();
        let files: usize = generated.iter().map(|n| n.files.len()).sum();
        let bytes: usize = generated
            .iter()
            .flat_map(|n| n.files.iter().map(|f| f.bytes.len()))
            .sum();
        let lines: usize = generated
            .iter()
            .flat_map(|n| n.truth.files.iter().map(|f| f.players.len()))
            .sum();
        println!(
            "generate {nights} nights (team size {}): {:.3} s, {files} files, {lines} player lines, {:.1} MB ({:.2} ms per night)",
            team_size.map_or("varied".to_owned(), |t| t.to_string()),
            elapsed.as_secs_f64(),
            bytes as f64 / 1e6,
            elapsed.as_secs_f64() * 1000.0 / nights as f64
        );
    }
}
