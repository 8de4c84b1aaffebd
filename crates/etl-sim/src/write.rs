//! Writing nights to a folder: the only IO of the crate.

use std::io;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::Night;

/// Where the files of a night go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// `OUT/sim-YYYY-MM-DD/` with the round files and `truth.json`, as the
    /// shared corpus.
    #[default]
    Nights,
    /// Every round file directly in `OUT/` (for bulk imports), the truths in
    /// `OUT/truth/sim-YYYY-MM-DD.json`.
    Flat,
}

/// One line of `index.json`, as the shared corpus's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexEntry {
    pub night_id: String,
    pub folder: String,
    pub files: usize,
    pub session_start: String,
    pub session_end: String,
    pub description: String,
}

impl IndexEntry {
    pub fn new(night: &Night, layout: Layout) -> Self {
        Self {
            night_id: night.id.clone(),
            folder: match layout {
                Layout::Nights => night.id.clone(),
                Layout::Flat => ".".to_owned(),
            },
            files: night.files.len(),
            session_start: night.truth.session.start.clone(),
            session_end: night.truth.session.end.clone(),
            description: night.truth.description.clone(),
        }
    }
}

/// Writes a night's files and truth under `out`; returns the truth's path.
pub fn write_night(night: &Night, out: &Path, layout: Layout) -> io::Result<PathBuf> {
    let (folder, truth) = match layout {
        Layout::Nights => {
            let folder = out.join(&night.id);
            let truth = folder.join("truth.json");
            (folder, truth)
        }
        Layout::Flat => {
            let truth_dir = out.join("truth");
            std::fs::create_dir_all(&truth_dir)?;
            (
                out.to_path_buf(),
                truth_dir.join(format!("{}.json", night.id)),
            )
        }
    };
    std::fs::create_dir_all(&folder)?;
    for file in &night.files {
        std::fs::write(folder.join(&file.name), &file.bytes)?;
    }
    std::fs::write(&truth, night.truth_bytes())?;
    Ok(truth)
}

/// Writes `OUT/index.json`: the list of nights.
pub fn write_index(entries: &[IndexEntry], out: &Path) -> io::Result<PathBuf> {
    #[derive(Serialize)]
    struct Index<'a> {
        nights: &'a [IndexEntry],
    }
    std::fs::create_dir_all(out)?;
    let path = out.join("index.json");
    let mut bytes = Vec::new();
    let formatter = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut serializer = serde_json::Serializer::with_formatter(&mut bytes, formatter);
    Index { nights: entries }
        .serialize(&mut serializer)
        .map_err(io::Error::other)?;
    bytes.push(b'\n');
    std::fs::write(&path, bytes)?;
    Ok(path)
}
