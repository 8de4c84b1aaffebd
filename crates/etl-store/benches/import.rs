//! Import throughput on each backend, through `Store::import_file` (one
//! transaction per file, as `etl-bot import` and the bot do):
//!
//! ```text
//! cargo bench -p etl-store --bench import
//! ```
//!
//! What it imports:
//! - `ETL_BENCH_DIR=DIR`: every round file under DIR, in time order, e.g. the
//!   simulator's `etl-bot simulate --nights 365 --every-day --flat --out DIR`;
//!   `ETL_BENCH_FILES=N` keeps the first N;
//! - otherwise the sample night, once per day for `ETL_BENCH_NIGHTS` days
//!   (default 100: 800 files of 12 players).
//!
//! `ETL_BENCH_BATCH=N` imports N files per `Store::import_files` call (one
//! transaction) instead of one `Store::import_file` call per file.
//!
//! `ETL_BENCH_BACKENDS=sqlite,postgres` (the default) picks the backends
//! (PostgreSQL: a throwaway database on `ETL_TEST_PG_URL`, skipped when none
//! answers; `ETL_BENCH_SQLITE_URL` / `ETL_BENCH_PG_URL` name an empty
//! database to fill and keep instead). `ETL_BENCH_PROFILE=1` adds the time
//! spent in each SQL statement.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::panic
)]

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent};
use etl_store::testing::{TestDb, repo_root, round_files};

fn files() -> (String, Vec<(String, Vec<u8>)>) {
    if let Some(dir) = std::env::var_os("ETL_BENCH_DIR") {
        let limit: usize = std::env::var("ETL_BENCH_FILES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(usize::MAX);
        let dir = Path::new(&dir);
        let files: Vec<_> = round_files(dir)
            .into_iter()
            .take(limit)
            .map(|path| {
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                (name, std::fs::read(&path).unwrap())
            })
            .collect();
        return (dir.display().to_string(), files);
    }
    let count: i64 = std::env::var("ETL_BENCH_NIGHTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let sample = round_files(&repo_root().join("testdata/sample-night"));
    let mut files = Vec::new();
    for night in 0..count {
        let date = jiff::civil::date(2020, 1, 1)
            .checked_add(jiff::Span::new().days(night))
            .unwrap();
        for path in &sample {
            let name = path.file_name().unwrap().to_str().unwrap();
            files.push((
                format!("{}{}", date.strftime("%Y-%m-%d"), &name[10..]),
                std::fs::read(path).unwrap(),
            ));
        }
    }
    (format!("the sample night x {count} days"), files)
}

/// Time per SQL statement (text with its bound-parameter lists folded).
static PROFILE: Mutex<Option<HashMap<String, (u64, Duration)>>> = Mutex::new(None);

struct Profiler {
    started: Option<(String, Instant)>,
}

impl Instrumentation for Profiler {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { query, .. } => {
                self.started = Some((fold(&query.to_string()), Instant::now()));
            }
            InstrumentationEvent::FinishQuery { .. } => {
                if let Some((sql, at)) = self.started.take() {
                    let mut profile = PROFILE.lock().unwrap();
                    let entry = profile
                        .get_or_insert_with(HashMap::new)
                        .entry(sql)
                        .or_default();
                    entry.0 += 1;
                    entry.1 += at.elapsed();
                }
            }
            _ => {}
        }
    }
}

/// `IN (?, ?, ?)` and multi-row `VALUES (..), (..)` as one shape; no binds.
fn fold(sql: &str) -> String {
    let sql = sql.split(" -- binds:").next().unwrap_or(sql);
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            while chars.peek().is_some_and(char::is_ascii_digit) {
                chars.next();
            }
            out.push('?');
        } else {
            out.push(c);
        }
    }
    while out.contains("?, ?") {
        out = out.replace("?, ?", "?");
    }
    while out.contains("), (?") {
        let Some(at) = out.find("), (?") else { break };
        let Some(end) = out[at + 3..].find(')') else {
            break;
        };
        out.replace_range(at + 1..at + 3 + end + 1, "");
    }
    if out.len() > 150 {
        out.truncate(150);
        out.push('…');
    }
    out
}

async fn run(label: &str, url: &str, files: &[(String, Vec<u8>)]) {
    let store = etl_store::Store::open(url, etl_store::ImportOptions::default())
        .await
        .unwrap();
    let count_of = |info: &etl_store::DbInfo, table: &str| {
        info.counts
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    };
    let before = store.info().await.unwrap();
    if let Ok(mut profile) = PROFILE.lock() {
        *profile = None;
    }
    let started = Instant::now();
    let mut lap = Instant::now();
    let step = (files.len() / 5).max(1);
    let batch: usize = std::env::var("ETL_BENCH_BATCH")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let (mut done, mut lap_done) = (0, 0);
    for chunk in files.chunks(batch.max(1)) {
        if batch > 1 {
            let chunk: Vec<(&str, &[u8])> = chunk
                .iter()
                .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
                .collect();
            store.import_files(&chunk).await.unwrap();
        } else {
            for (name, bytes) in chunk {
                store.import_file(name, bytes).await.unwrap();
            }
        }
        let before = done;
        done += chunk.len();
        if done / step > before / step && done < files.len() {
            eprintln!(
                "  {label}: {done} files, the last {} at {:.0} files/s",
                done - lap_done,
                (done - lap_done) as f64 / lap.elapsed().as_secs_f64()
            );
            lap = Instant::now();
            lap_done = done;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let info = store.info().await.unwrap();
    let count = |table: &str| count_of(&info, table) - count_of(&before, table);
    let (rounds, rows, weapons) = (
        count("rounds"),
        count("player_round_stats"),
        count("player_round_weapons"),
    );
    println!(
        "{label:<10} {} files in {elapsed:.2} s ({}): {:.0} rounds/s, {:.0} player rows/s \
         ({rounds} rounds, {rows} player rows, {weapons} weapon rows)",
        files.len(),
        if batch > 1 {
            format!("import_files, {batch} per call")
        } else {
            "import_file per file".to_owned()
        },
        rounds as f64 / elapsed,
        rows as f64 / elapsed,
    );
    let profile = PROFILE.lock().unwrap().take();
    if let Some(profile) = profile {
        let mut lines: Vec<_> = profile.into_iter().collect();
        lines.sort_by_key(|line| std::cmp::Reverse(line.1.1));
        let total: Duration = lines.iter().map(|(_, (_, t))| *t).sum();
        let count: u64 = lines.iter().map(|(_, (n, _))| *n).sum();
        println!(
            "  SQL: {count} statements ({:.1} per file), {:.2} s executing; the rest is \
             round trips, Rust and detection",
            count as f64 / files.len() as f64,
            total.as_secs_f64()
        );
        for (sql, (n, time)) in lines.iter().take(25) {
            println!(
                "  {:>7.3} s {:>8} x {:>7.1} us  {sql}",
                time.as_secs_f64(),
                n,
                time.as_secs_f64() * 1e6 / *n as f64
            );
        }
    }
}

fn main() {
    // `cargo test --benches` runs this too; measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if std::env::var("ETL_BENCH_PROFILE").as_deref() == Ok("1") {
        diesel::connection::set_default_instrumentation(|| {
            Some(Box::new(Profiler { started: None }))
        })
        .unwrap();
    }
    let backends =
        std::env::var("ETL_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".to_owned());
    let (what, files) = files();
    let megabytes = files.iter().map(|(_, b)| b.len()).sum::<usize>() as f64 / 1e6;
    println!(
        "importing {} files ({megabytes:.1} MB) of {what}",
        files.len()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if backends.contains("sqlite") {
            match std::env::var("ETL_BENCH_SQLITE_URL") {
                Ok(url) => run("sqlite", &url, &files).await,
                Err(_) => run("sqlite", &TestDb::sqlite().url, &files).await,
            }
        }
        if backends.contains("postgres") {
            match std::env::var("ETL_BENCH_PG_URL") {
                Ok(url) => run("postgresql", &url, &files).await,
                Err(_) => match TestDb::postgres().await {
                    Some(db) => run("postgresql", &db.url, &files).await,
                    None => eprintln!("postgresql: skipped, no server"),
                },
            }
        }
    });
}
