//! Where the shared corpus is, and its truth files.

use std::path::{Path, PathBuf};

use serde_json::Value;

pub fn dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ETL_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("ETL_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!(
            "ETL_REQUIRE_CORPUS=1 but the corpus is missing at {}",
            dir.display()
        );
    }
    eprintln!(
        "\n!!!!! SKIPPED: no corpus at {} (set ETL_CORPUS_DIR) !!!!!\n",
        dir.display()
    );
    None
}

pub fn truths(dir: &Path) -> Vec<(PathBuf, Value)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap() == "truth.json" {
                let truth = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                found.push((path.parent().unwrap().to_path_buf(), truth));
            }
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!found.is_empty(), "no truth.json under {}", dir.display());
    found
}

/// Finds the file wherever it sits below the night's folder (the held-out set
/// keeps broken files in `corrupt/`).
pub fn locate(night: &Path, name: &str) -> PathBuf {
    let direct = night.join(name);
    if direct.exists() {
        return direct;
    }
    for entry in std::fs::read_dir(night).unwrap() {
        let candidate = entry.unwrap().path().join(name);
        if candidate.exists() {
            return candidate;
        }
    }
    panic!(
        "{name} listed in truth but not found under {}",
        night.display()
    );
}
