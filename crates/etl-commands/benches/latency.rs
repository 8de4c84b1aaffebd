//! How long every command takes, median and p99 over repeated runs:
//!
//! ```text
//! ETL_BENCH_DB_URL=sqlite:///path/ten-years.db cargo bench -p etl-commands --bench latency
//! ```
//!
//! - `ETL_BENCH_DB_URL`: the database to ask (SQLite or PostgreSQL, e.g. one
//!   `etl-bot import` filled with ten simulated years); without it, the
//!   sample night in a throwaway SQLite file.
//! - `ETL_BENCH_RUNS` (default 30) runs per command line, fewer when a line
//!   has used up `ETL_BENCH_SECONDS` (default 10; at least `ETL_BENCH_MIN_RUNS`,
//!   default 5), after one unmeasured warm-up run.
//! - `ETL_BENCH_ONLY=word,word`: only the lines containing one of the words;
//!   `ETL_BENCH_SKIP=word,word`: not those (on ten years, `player_rivals`
//!   reads everyone's rows of the player's whole span: minutes and gigabytes).
//!
//! The lines are every command's help examples, with two real players of the
//! database in place of the examples' names. `now` is an hour after the last
//! round, so `30d` and `today` hold data. Not timed: the session and sync
//! commands (they drive the bot's voice watcher and the fetcher, absent
//! here) and `backup_database` / `vacuum_database` (they copy or rewrite the
//! whole database; see BENCHMARKS.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stdout,
    clippy::print_stderr
)]

use std::time::{Duration, Instant};

use etl_commands::{COMMANDS, Caller, Context, Settings};
use etl_store::testing::{TestDb, repo_root, round_files};
use etl_store::{ImportOptions, Store};

/// Commands that are not timed, and why.
const NOT_TIMED: &[(&str, &str)] = &[
    ("session_start", "drives the bot's session controller"),
    ("session_end", "drives the bot's session controller"),
    ("sync_stats", "drives the fetcher"),
    ("sync_today", "drives the fetcher"),
    ("sync_week", "drives the fetcher"),
    ("sync_month", "drives the fetcher"),
    ("sync_all", "drives the fetcher"),
    ("backup_database", "copies the whole database"),
    ("vacuum_database", "rewrites the whole database"),
];

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The two most active players whose names are one plain word.
async fn two_players(store: &Store) -> (String, String) {
    let mut seen: std::collections::HashMap<i64, i64> = std::collections::HashMap::new();
    for name in store.known_names().await.unwrap() {
        *seen.entry(name.player_id).or_default() += name.times_seen;
    }
    let mut players: Vec<_> = store
        .players()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| !p.is_bot && p.last_clean_name.chars().all(char::is_alphanumeric))
        .map(|p| (seen.get(&p.id).copied().unwrap_or(0), p.last_clean_name))
        .collect();
    players.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut names = players.into_iter().map(|(_, name)| name);
    let first = names.next().expect("a player with a one-word name");
    let second = names.next().unwrap_or_else(|| first.clone());
    (first, second)
}

fn lines(first: &str, second: &str) -> Vec<String> {
    let mut lines = Vec::new();
    for spec in COMMANDS {
        if NOT_TIMED.iter().any(|(name, _)| *name == spec.name) {
            continue;
        }
        for example in spec.examples {
            let line = example
                .trim_start_matches('!')
                .replace("Slomix", first)
                .replace("Nova", second);
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    // The heaviest shapes beside the examples: everything, and a month.
    for extra in [
        "leaderboard kills all",
        "leaderboard dpm 30d",
        "team_synergy all",
    ] {
        lines.push(extra.to_owned());
    }
    if let Ok(skip) = std::env::var("ETL_BENCH_SKIP") {
        let words: Vec<&str> = skip.split(',').collect();
        lines.retain(|line| !words.iter().any(|w| line.contains(w)));
    }
    if let Ok(only) = std::env::var("ETL_BENCH_ONLY") {
        let words: Vec<&str> = only.split(',').collect();
        lines.retain(|line| words.iter().any(|w| line.contains(w)));
    }
    lines
}

fn quantile(sorted: &[Duration], q: f64) -> Duration {
    // Nearest rank: below 100 runs the p99 is the slowest run.
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

async fn bench(store: &Store) {
    let runs: usize = env("ETL_BENCH_RUNS", 30);
    let budget = Duration::from_secs_f64(env("ETL_BENCH_SECONDS", 10.0));
    let min_runs: usize = env("ETL_BENCH_MIN_RUNS", 5);
    let now = match store.latest_round().await.unwrap() {
        Some(round) => jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", &round.played_at)
            .unwrap()
            .checked_add(jiff::SignedDuration::from_hours(1))
            .unwrap(),
        None => jiff::civil::date(2025, 11, 3).at(12, 0, 0, 0),
    };
    let (first, second) = two_players(store).await;
    let settings = Settings {
        backup_dir: std::env::temp_dir().join(format!("etl-latency-{}", std::process::id())),
        ..Settings::default()
    };
    let ctx = Context {
        store,
        settings: &settings,
        caller: Caller {
            discord_id: Some("1001".into()),
            is_admin: true,
        },
        session: None,
        sync: None,
        ops: None,
        now,
    };
    // `me` is the first player.
    etl_commands::run(&ctx, &format!("link {first}"))
        .await
        .unwrap();
    let info = store.info().await.unwrap();
    let rounds = info
        .counts
        .iter()
        .find(|(t, _)| *t == "rounds")
        .map_or(0, |(_, n)| *n);
    println!(
        "{} ({} rounds, {} to {}), now {now}, players `{first}` and `{second}`\n",
        store.url(),
        rounds,
        info.first_round.as_deref().unwrap_or("-"),
        info.last_round.as_deref().unwrap_or("-"),
    );
    println!("| command | runs | median ms | p99 ms | reply |");
    println!("|---|---:|---:|---:|---|");
    let mut slow = Vec::new();
    for line in lines(&first, &second) {
        let outcome = match etl_commands::run(&ctx, &line).await {
            Ok(reply) => format!("{} page(s)", reply.pages.len()),
            Err(error) => format!("error: {error}"),
        };
        let started = Instant::now();
        let mut times = Vec::new();
        while times.len() < runs && (times.len() < min_runs || started.elapsed() < budget) {
            let at = Instant::now();
            let _ = etl_commands::run(&ctx, &line).await;
            times.push(at.elapsed());
        }
        times.sort();
        let (median, p99) = (quantile(&times, 0.5), quantile(&times, 0.99));
        if p99 > Duration::from_millis(50) {
            slow.push(line.clone());
        }
        println!(
            "| `{line}` | {} | {:.1} | {:.1} | {outcome} |",
            times.len(),
            ms(median),
            ms(p99)
        );
    }
    etl_commands::run(&ctx, "unlink").await.unwrap();
    println!("\np99 above 50 ms: {} line(s)", slow.len());
    for (name, why) in NOT_TIMED {
        println!("not timed: {name} ({why})");
    }
}

fn main() {
    // `cargo test --benches` runs this too; measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        match std::env::var("ETL_BENCH_DB_URL") {
            Ok(url) => {
                let store = Store::open(&url, ImportOptions::default()).await.unwrap();
                bench(&store).await;
            }
            Err(_) => {
                let db = TestDb::sqlite();
                let store = db.open().await;
                for path in round_files(&repo_root().join("testdata/sample-night")) {
                    let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                    store
                        .import_file(&name, &std::fs::read(&path).unwrap())
                        .await
                        .unwrap();
                }
                bench(&store).await;
            }
        }
    });
}
