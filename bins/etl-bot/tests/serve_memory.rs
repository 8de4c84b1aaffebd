//! The resident size of `etl-bot serve` when idle: the real binary against
//! the fake Discord, connected, its commands registered, the file watcher
//! polling, nobody talking. A measurement, so ignored by default:
//!
//! ```text
//! cargo test -p etl-bot --release --test serve_memory -- --ignored --nocapture
//! ```
//!
//! `ETL_BENCH_BIN=target/release/etl-bot` measures that binary instead of
//! the one built with the tests.
//!
//! `ETL_BENCH_DB_URL` points it at a database of your own (e.g. ten
//! simulated years); without it, the sample night in a fresh SQLite file.
//! `ETL_BENCH_IDLE_S` (default 20) is how long it idles before the last
//! reading. It prints `VmRSS` every few seconds and `VmHWM` (the peak) at the
//! end, as `/proc/<pid>/status` reports them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

#[path = "support/bot.rs"]
mod bot;
#[path = "support/fake_discord.rs"]
mod fake_discord;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use bot::Scratch;
use fake_discord::{FakeDiscord, TOKEN};

/// The binary to measure: `ETL_BENCH_BIN` (e.g. `target/release/etl-bot`,
/// without building the tests in release; a relative path is from the
/// workspace root, not from the folder cargo runs tests in), else the one
/// cargo built.
fn binary() -> std::path::PathBuf {
    match std::env::var_os("ETL_BENCH_BIN") {
        Some(path) => Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path),
        None => env!("CARGO_BIN_EXE_etl-bot").into(),
    }
}

/// `VmRSS` / `VmHWM` of a process, in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').split_whitespace().next())
        .and_then(|kb| kb.parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement: cargo test -p etl-bot --release --test serve_memory -- --ignored --nocapture"]
async fn serve_idle_resident_size() {
    let idle_s: u64 = std::env::var("ETL_BENCH_IDLE_S")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let fake = FakeDiscord::start_with(fake_discord::FakeDiscordConfig {
        max_lifetime: Duration::from_secs(idle_s + 300),
        ..Default::default()
    })
    .await;
    let scratch = Scratch::new("serve-memory");
    let database_url = std::env::var("ETL_BENCH_DB_URL").unwrap_or_else(|_| scratch.database_url());
    let config = scratch.write_config(&scratch.config_on(&fake, &database_url));
    if std::env::var("ETL_BENCH_DB_URL").is_err() {
        let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample-night");
        let import = Command::new(binary())
            .arg("--config")
            .arg(&config)
            .arg("import")
            .arg(&sample)
            .output()
            .unwrap();
        assert!(import.status.success(), "{import:?}");
    }
    let mut child = Command::new(binary())
        .arg("--config")
        .arg(&config)
        .arg("serve")
        .env("ETL_DISCORD__TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let pid = child.id();
    bot::ready(&fake).await;
    println!("serve pid {pid}, ready; idling {idle_s} s");
    let mut readings = Vec::new();
    for second in 1..=idle_s {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let rss = status_kb(pid, "VmRSS");
        readings.push(rss);
        if second % 5 == 0 || second == idle_s {
            println!(
                "  after {second:>3} s idle: VmRSS {:.1} MB",
                rss as f64 / 1024.0
            );
        }
    }
    let hwm = status_kb(pid, "VmHWM");
    let last = readings.last().copied().unwrap_or_default();
    println!(
        "serve idle: VmRSS {:.1} MB (min {:.1}, max {:.1} over {idle_s} s), VmHWM {:.1} MB; database {}",
        last as f64 / 1024.0,
        readings.iter().min().copied().unwrap_or_default() as f64 / 1024.0,
        readings.iter().max().copied().unwrap_or_default() as f64 / 1024.0,
        hwm as f64 / 1024.0,
        etl_store::redact(&database_url),
    );
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status();
    for _ in 0..200 {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}
