//! Import throughput on each backend: `cargo bench -p etl-store --bench import`
//! (`ETL_BENCH_NIGHTS` sets the size; default 100 nights of 8 rounds, 12 players).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    clippy::print_stderr,
    clippy::panic
)]

use std::time::Instant;

use etl_store::testing::{TestDb, repo_root, round_files};

fn nights() -> Vec<(String, Vec<u8>)> {
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
    files
}

async fn run(label: &str, db: &TestDb, files: &[(String, Vec<u8>)]) {
    let store = db.open().await;
    let started = Instant::now();
    for (name, bytes) in files {
        store.import_file(name, bytes).await.unwrap();
    }
    let elapsed = started.elapsed().as_secs_f64();
    let info = store.info().await.unwrap();
    let rows = info
        .counts
        .iter()
        .find(|(t, _)| *t == "player_round_stats")
        .unwrap()
        .1;
    println!(
        "{label:<10} {} files in {elapsed:.2} s: {:.0} rounds/s, {:.0} player rows/s",
        files.len(),
        files.len() as f64 / elapsed,
        rows as f64 / elapsed
    );
}

fn main() {
    // `cargo test --benches` runs this too; measure only under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let files = nights();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        run("sqlite", &TestDb::sqlite(), &files).await;
        match TestDb::postgres().await {
            Some(db) => run("postgresql", &db, &files).await,
            None => eprintln!("postgresql: skipped, no server"),
        }
    });
}
