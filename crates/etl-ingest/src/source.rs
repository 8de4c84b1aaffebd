use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::IngestError;

/// A file a source offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteFile {
    /// The bare file name.
    pub name: String,
    pub size: u64,
    /// Last modification, in whole seconds since the Unix epoch (SFTP's resolution).
    pub mtime: u64,
}

/// Where round files come from: a folder on this host, or a game server over
/// SSH (that one lives in the bot, which alone knows SSH).
///
/// Methods block; the monitor calls them on tokio's blocking pool.
pub trait Source: Send + Sync {
    /// The files in the stats folder (not recursive).
    fn list(&self) -> Result<Vec<RemoteFile>, IngestError>;

    /// Writes the file's bytes to `destination` (a temporary path the caller
    /// renames into place once the copy is whole).
    fn fetch(&self, name: &str, destination: &Path) -> Result<(), IngestError>;
}

/// The game server writes into a folder on this host.
#[derive(Debug, Clone)]
pub struct LocalFolder {
    pub path: PathBuf,
}

impl LocalFolder {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Source for LocalFolder {
    fn list(&self) -> Result<Vec<RemoteFile>, IngestError> {
        let io = |e| IngestError::io(format!("cannot list {}", self.path.display()), e);
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&self.path).map_err(io)? {
            let entry = entry.map_err(io)?;
            let metadata = entry.metadata().map_err(io)?;
            if !metadata.is_file() {
                continue;
            }
            files.push(RemoteFile {
                name: entry.file_name().to_string_lossy().into_owned(),
                size: metadata.len(),
                mtime: metadata.modified().map(unix_seconds).unwrap_or(0),
            });
        }
        Ok(files)
    }

    fn fetch(&self, name: &str, destination: &Path) -> Result<(), IngestError> {
        std::fs::copy(self.path.join(name), destination)
            .map(|_| ())
            .map_err(|e| {
                IngestError::io(
                    format!("cannot copy {name} from {}", self.path.display()),
                    e,
                )
            })
    }
}
