//! An import killed (SIGKILL) in the middle of a batch leaves no partial round;
//! running it again imports every file exactly once.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bot() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_etl-bot"));
    command.env_remove("ETL_DATABASE_URL").stdin(Stdio::null());
    command
}

/// Many nights: the sample night written again under other dates.
fn many_nights(dir: &Path, nights: u32) -> usize {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample-night");
    let mut count = 0;
    for entry in std::fs::read_dir(&sample).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        let bytes = std::fs::read(&path).unwrap();
        for night in 0..nights {
            let date = jiff::civil::date(2024, 1, 1)
                .checked_add(jiff::Span::new().days(i64::from(night)))
                .unwrap();
            let renamed = format!("{}{}", date.strftime("%Y-%m-%d"), &name[10..]);
            std::fs::write(dir.join(renamed), &bytes).unwrap();
            count += 1;
        }
    }
    count
}

fn export(url: &str) -> serde_json::Value {
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

fn rounds_in(export: &serde_json::Value) -> usize {
    export["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rounds"].as_array().unwrap().len())
        .sum()
}

#[test]
fn a_killed_import_leaves_no_partial_round_and_resumes() {
    let root: PathBuf = std::env::temp_dir().join(format!("etl-crash-{}", std::process::id()));
    let files = root.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let total = many_nights(&files, 60);
    let crashed = format!("sqlite://{}", root.join("crashed.db").display());
    let clean = format!("sqlite://{}", root.join("clean.db").display());

    // Kill it once some files are in but well before the end.
    let mut child = bot()
        .args(["import", files.to_str().unwrap(), "--db", &crashed])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let db_file = root.join("crashed.db");
    while started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
        if db_file.exists() && std::fs::metadata(&db_file).map(|m| m.len()).unwrap_or(0) > 0 {
            std::thread::sleep(Duration::from_millis(400));
            break;
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the import finished before it could be killed; make the batch larger"
    );

    // What survived is whole: every stored round has its players, every
    // processed file its round.
    let partial = export(&crashed);
    let stored = rounds_in(&partial);
    assert!(stored < total, "stored {stored} of {total}");
    for session in partial["sessions"].as_array().unwrap() {
        for round in session["rounds"].as_array().unwrap() {
            assert_eq!(
                round["players"].as_array().unwrap().len(),
                12,
                "partial round {}",
                round["file"]
            );
        }
    }

    let resumed = bot()
        .args(["import", files.to_str().unwrap(), "--db", &crashed])
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

    let fresh = bot()
        .args(["import", files.to_str().unwrap(), "--db", &clean])
        .output()
        .unwrap();
    assert!(fresh.status.success());
    assert_eq!(export(&crashed), export(&clean));
    std::fs::remove_dir_all(&root).unwrap();
}
