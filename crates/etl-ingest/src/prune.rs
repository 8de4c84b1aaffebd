//! Deleting downloaded round files once the store holds them: the monitor
//! keeps each fetched file in `<local_dir>/<source>/`, and after a while
//! that copy is only clutter.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use etl_parser::FileKind;
use etl_store::Store;

use crate::IngestError;

/// What [`prune_downloads`] may delete.
#[derive(Debug, Clone)]
pub struct PruneRules {
    /// The monitor's download folder: files are looked for in its
    /// `<source>/` folders only.
    pub local_dir: PathBuf,
    /// Files modified more recently are kept.
    pub older_than: Duration,
    /// Folders never touched, nor anything inside them, nor a folder that
    /// contains one: the folders `kind = "local"` sources read, which are
    /// the game server's own.
    pub protected: Vec<PathBuf>,
}

/// What one prune did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PruneReport {
    pub removed: Vec<PathBuf>,
    pub bytes: u64,
    /// Round files old enough but not recorded in the store with these
    /// exact bytes: kept (the monitor imports them on its next start).
    pub not_recorded: usize,
    /// Source folders left alone because they are, hold or sit inside a
    /// protected folder.
    pub protected: Vec<PathBuf>,
}

/// Deletes downloaded round files that the store has recorded as processed
/// (imported, or failed and not to be retried) with the same content hash,
/// whose modification time is older than `rules.older_than`. Only regular
/// files directly inside `<local_dir>/<source>/` whose names are round file
/// names are considered: never `.part` downloads in flight, other files,
/// symlinks, anything in `local_dir` itself or deeper folders, nor the
/// protected folders.
pub async fn prune_downloads(
    store: &Store,
    rules: &PruneRules,
) -> Result<PruneReport, IngestError> {
    let processed: HashSet<(String, String)> = store
        .processed_files()
        .await?
        .into_iter()
        .map(|file| (file.file_name, file.content_hash))
        .collect();
    let rules = rules.clone();
    tokio::task::spawn_blocking(move || prune_blocking(&rules, &processed))
        .await
        .map_err(|e| IngestError::Task(e.to_string()))?
}

fn prune_blocking(
    rules: &PruneRules,
    processed: &HashSet<(String, String)>,
) -> Result<PruneReport, IngestError> {
    let mut report = PruneReport::default();
    let entries = match std::fs::read_dir(&rules.local_dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(report),
        Err(e) => {
            return Err(IngestError::io(
                format!("cannot list {}", rules.local_dir.display()),
                e,
            ));
        }
    };
    let protected: Vec<PathBuf> = rules
        .protected
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    let cutoff = SystemTime::now()
        .checked_sub(rules.older_than)
        .unwrap_or(SystemTime::UNIX_EPOCH);
    for entry in entries.flatten() {
        let folder = entry.path();
        // A symlinked source folder could lead anywhere: not followed.
        if !std::fs::symlink_metadata(&folder).is_ok_and(|m| m.is_dir()) {
            continue;
        }
        let Ok(real) = folder.canonicalize() else {
            continue;
        };
        if protected
            .iter()
            .any(|p| real.starts_with(p) || p.starts_with(&real))
        {
            report.protected.push(folder);
            continue;
        }
        prune_folder(&folder, cutoff, processed, &mut report)?;
    }
    Ok(report)
}

fn prune_folder(
    folder: &Path,
    cutoff: SystemTime,
    processed: &HashSet<(String, String)>,
    report: &mut PruneReport,
) -> Result<(), IngestError> {
    let io = |e| IngestError::io(format!("cannot list {}", folder.display()), e);
    for entry in std::fs::read_dir(folder).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".part") || !is_round_file(&name) {
            continue;
        }
        let path = entry.path();
        let Ok(metadata) = std::fs::symlink_metadata(&path) else {
            continue;
        };
        let old_enough = metadata.modified().is_ok_and(|m| m < cutoff);
        if !metadata.is_file() || !old_enough {
            continue;
        }
        // The store must hold these very bytes, not just the name.
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        if !processed.contains(&(name, etl_store::content_hash(&bytes))) {
            report.not_recorded += 1;
            continue;
        }
        std::fs::remove_file(&path)
            .map_err(|e| IngestError::io(format!("cannot delete {}", path.display()), e))?;
        report.bytes += metadata.len();
        report.removed.push(path);
    }
    Ok(())
}

fn is_round_file(name: &str) -> bool {
    matches!(FileKind::classify(name), Ok(FileKind::Round(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_round_file_names_are_candidates() {
        assert!(is_round_file("2025-11-02-201530-supply-round-1.txt"));
        assert!(!is_round_file("2025-11-02-201530-supply-round-1.txt.part"));
        assert!(!is_round_file("notes.txt"));
        assert!(!is_round_file("etl-20260101-000000.db"));
    }
}
