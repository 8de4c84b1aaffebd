//! Every command line in `testdata/commands/*.txt`, run against the sample
//! night imported into a fresh database; the text of each reply is a golden
//! file under `testdata/snapshots/` (re-bless with `INSTA_UPDATE=always`).
//! The same lines on PostgreSQL must give the same text.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use etl_store::testing::{TestDb, repo_root};
use support::{answer, sample_store};

/// `(file stem, command line)` for every line of every command file.
fn command_lines() -> Vec<(String, String)> {
    let mut files: Vec<_> = std::fs::read_dir(repo_root().join("testdata/commands"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    let mut lines = Vec::new();
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        for line in std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .map(str::trim)
        {
            if !line.is_empty() && !line.starts_with('#') {
                lines.push((stem.clone(), line.to_owned()));
            }
        }
    }
    lines
}

fn snapshot_name(stem: &str, line: &str) -> String {
    let line: String = line
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("command@{stem}@{line}")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_line_matches_its_golden_reply_on_both_backends() {
    let lines = command_lines();
    let sqlite = TestDb::sqlite();
    let store = sample_store(&sqlite).await;
    let mut insta_settings = insta::Settings::clone_current();
    insta_settings.set_snapshot_path("../../../testdata/snapshots");
    insta_settings.set_prepend_module_to_snapshot(false);
    let _guard = insta_settings.bind_to_scope();
    let mut texts = Vec::new();
    for (stem, line) in &lines {
        let text = answer(&store, line).await;
        insta::assert_snapshot!(snapshot_name(stem, line), text.clone(), line);
        texts.push(text);
    }
    let Some(postgres) = TestDb::postgres().await else {
        return;
    };
    let store = sample_store(&postgres).await;
    for ((_, line), expected) in lines.iter().zip(&texts) {
        assert_eq!(
            &answer(&store, line).await,
            expected,
            "PostgreSQL differs from SQLite for `{line}`"
        );
    }
}
