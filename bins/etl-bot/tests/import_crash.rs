//! An import killed (SIGKILL) in the middle of a bulk import leaves no
//! partial round; running it again imports every file exactly once, and the
//! database ends as a clean import leaves it. On SQLite and on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "support/nights.rs"]
mod nights;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use etl_store::testing::TestDb;
use nights::{bot, export, recorded, rounds_in, table_counts};

/// Starts a bulk import into `crashed`, kills it (SIGKILL) as soon as its
/// first transaction is committed, so the next one is under way; checks what
/// survived is whole; runs it again; compares with a clean import into `clean`.
async fn rehearse(crashed: &str, clean: &str, files: &Path, total: usize) {
    let mut child = bot()
        .args(["import", files.to_str().unwrap(), "--db", crashed])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while recorded(crashed).await.is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "nothing was committed within two minutes"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "the import ended before anything was seen committed"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import finished before it could be killed; give it more files"
    );

    // What survived is whole: every recorded file has its round with all its
    // players, every stored round its record, and no failure was recorded.
    let survived = recorded(crashed).await;
    let stored = survived.len();
    assert!(0 < stored && stored < total, "stored {stored} of {total}");
    assert!(
        survived
            .iter()
            .all(|(_, success, attempts)| *success && *attempts == 1),
        "a file was recorded as failed: {survived:?}"
    );
    let rounds = rounds_in(&export(crashed));
    for (file, players) in &rounds {
        assert_eq!(*players, 12, "partial round {file}");
    }
    let round_files: BTreeSet<&str> = rounds.iter().map(|(f, _)| f.as_str()).collect();
    let recorded_files: BTreeSet<&str> = survived.iter().map(|(f, _, _)| f.as_str()).collect();
    assert_eq!(rounds.len(), stored, "one round per recorded file");
    assert_eq!(round_files, recorded_files, "the same files");

    let resumed = bot()
        .args(["import", files.to_str().unwrap(), "--db", crashed])
        .output()
        .unwrap();
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    let summary = String::from_utf8_lossy(&resumed.stdout)
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(
        summary.starts_with(&format!("imported {}, skipped {stored} ", total - stored)),
        "{summary}"
    );
    let all = recorded(crashed).await;
    assert_eq!(all.len(), total);
    assert!(
        all.iter()
            .all(|(_, success, attempts)| *success && *attempts == 1),
        "every file imported once, none after a recorded failure"
    );

    let fresh = bot()
        .args(["import", files.to_str().unwrap(), "--db", clean])
        .output()
        .unwrap();
    assert!(
        fresh.status.success(),
        "{}",
        String::from_utf8_lossy(&fresh.stderr)
    );
    assert_eq!(export(crashed), export(clean));
    // Rows no export shows (stats of a round rolled back, detection runs)
    // would make the counts differ.
    assert_eq!(table_counts(crashed).await, table_counts(clean).await);
}

fn files_dir(test: &str) -> (PathBuf, PathBuf, usize) {
    let root: PathBuf =
        std::env::temp_dir().join(format!("etl-crash-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let total = nights::write_nights(&files, jiff::civil::date(2024, 1, 1), 60).len();
    (root, files, total)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_import_leaves_no_partial_round_and_resumes_on_sqlite() {
    let (root, files, total) = files_dir("sqlite");
    let crashed = format!("sqlite://{}", root.join("crashed.db").display());
    let clean = format!("sqlite://{}", root.join("clean.db").display());
    rehearse(&crashed, &clean, &files, total).await;
    std::fs::remove_dir_all(&root).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_import_leaves_no_partial_round_and_resumes_on_postgres() {
    let (Some(crashed), Some(clean)) = (TestDb::postgres().await, TestDb::postgres().await) else {
        return;
    };
    let (root, files, total) = files_dir("postgres");
    rehearse(&crashed.url, &clean.url, &files, total).await;
    std::fs::remove_dir_all(&root).unwrap();
}
