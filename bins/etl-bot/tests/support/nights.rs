//! Backlogs of round files and what a database made of them holds, for the
//! tests that kill an import and compare what survived with a clean one.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::process::{Command, Stdio};

use etl_store::{ImportOptions, Store};

/// `etl-bot`, with no database from the environment.
pub fn bot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_etl-bot"));
    command.env_remove("ETL_DATABASE_URL").stdin(Stdio::null());
    command
}

/// The sample night written into `dir` again under `nights` consecutive
/// dates from `first`; the file names in play order.
pub fn write_nights(dir: &Path, first: jiff::civil::Date, nights: u32) -> Vec<String> {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample-night");
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&sample).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let bytes = std::fs::read(&path).unwrap();
        for night in 0..nights {
            let date = first
                .checked_add(jiff::Span::new().days(i64::from(night)))
                .unwrap();
            let renamed = format!("{}{}", date.strftime("%Y-%m-%d"), &name[10..]);
            std::fs::write(dir.join(&renamed), &bytes).unwrap();
            names.push(renamed);
        }
    }
    names.sort();
    names
}

/// `etl-bot export --json` of the database.
pub fn export(url: &str) -> serde_json::Value {
    let output = bot()
        .args(["export", "--json", "--db", url])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The stored rounds' files, and each round's player count.
pub fn rounds_in(export: &serde_json::Value) -> Vec<(String, usize)> {
    export["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["rounds"].as_array().unwrap().iter())
        .map(|r| {
            (
                r["file"].as_str().unwrap().to_owned(),
                r["players"].as_array().unwrap().len(),
            )
        })
        .collect()
}

/// Files the store has recorded: (name, success, attempts), by name; empty
/// while the database or its schema is not there yet.
pub async fn recorded(url: &str) -> Vec<(String, bool, i32)> {
    let Ok(store) = Store::connect(url, ImportOptions::default()).await else {
        return Vec::new();
    };
    let mut files: Vec<_> = store
        .processed_files()
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| (p.file_name, p.success, p.attempts))
        .collect();
    files.sort();
    files
}

/// Rows in every table of the database.
pub async fn table_counts(url: &str) -> Vec<(&'static str, i64)> {
    let store = Store::connect(url, ImportOptions::default()).await.unwrap();
    store.table_counts().await.unwrap()
}
