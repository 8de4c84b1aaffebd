use diesel_async::AsyncConnection;
use sha2::{Digest, Sha256};

use crate::db::with_conn;
use crate::{Store, StoreError};

/// How files are grouped and paired on import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportOptions {
    /// The server the files come from; rounds and sessions are per source.
    pub source: String,
    /// Consecutive rounds closer than this form one session.
    pub session_gap_min: i64,
    /// How long after its round 1 a round 2 may be written and still pair.
    pub round2_window_min: i64,
    /// Queue each imported round for announcement (a round card), in the
    /// import's transaction: see [`Store::waiting_announcements`]. The
    /// fetcher of a running bot sets it; bulk imports do not.
    pub announce: bool,
}

impl Default for ImportOptions {
    fn default() -> Self {
        Self {
            source: "default".to_owned(),
            session_gap_min: 60,
            round2_window_min: 45,
            announce: false,
        }
    }
}

/// A file to import: its bare name and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct FileInput<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub(crate) hash: &'a str,
}

/// Where a round 2 stands with its round 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Pairing {
    /// A round 1.
    Round1,
    /// A round 2 stored round-only with its round 1.
    Paired,
    /// A round 2 whose round 1 has not arrived yet: only its cumulative values are stored.
    Waiting,
    /// A round 2 past the window without a round 1: stored from its cumulative values.
    Unpaired,
}

impl Pairing {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Round1 => "round1",
            Self::Paired => "paired",
            Self::Waiting => "waiting",
            Self::Unpaired => "unpaired",
        }
    }
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportOutcome {
    Imported {
        file: String,
        round_id: i64,
        session_id: String,
        pairing: Pairing,
    },
    /// The same name and content were imported before: nothing changed.
    AlreadyImported { file: String },
    /// The file could not be read; recorded in `processed_files`.
    Failed { file: String, error: String },
    /// A file of this name was imported before with other content; recorded, not overwritten.
    Refused { file: String, error: String },
}

impl ImportOutcome {
    pub fn file(&self) -> &str {
        match self {
            Self::Imported { file, .. }
            | Self::AlreadyImported { file }
            | Self::Failed { file, .. }
            | Self::Refused { file, .. } => file,
        }
    }
}

/// The content hash stored with every file: lowercase hex SHA-256.
pub fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl Store {
    /// Imports one file in one transaction: all of it lands, or none of it.
    /// `name` is the bare file name (it carries the round's date and map).
    pub async fn import_file(&self, name: &str, bytes: &[u8]) -> Result<ImportOutcome, StoreError> {
        self.import_file_from(&self.options.source, name, bytes)
            .await
    }

    /// Imports files in the order given, in one transaction, each file all or
    /// nothing as with [`Store::import_file`] (a savepoint each), and with the
    /// same result as importing them one by one; only faster, since the
    /// commit and the squad detection of a session run once per call instead
    /// of once per file. Give files in time order, a few hundred per call
    /// (the database is locked for writing while a call runs). When a file
    /// fails with a database error, the files before it stay imported, the
    /// rest are not tried, and the error is returned.
    pub async fn import_files(
        &self,
        files: &[(&str, &[u8])],
    ) -> Result<Vec<ImportOutcome>, StoreError> {
        let hashes: Vec<String> = files.iter().map(|(_, bytes)| content_hash(bytes)).collect();
        let inputs: Vec<FileInput<'_>> = files
            .iter()
            .zip(&hashes)
            .map(|((name, bytes), hash)| FileInput { name, bytes, hash })
            .collect();
        let options = &self.options;
        let now = crate::time::now_text();
        let (outcomes, error) = crate::db::sqlite_inline(async {
            with_conn!(self, |conn, queries| {
                conn.transaction(async |conn| {
                    queries::import_files(conn, &inputs, options, &now).await
                })
                .await
            })
        })
        .await?;
        match error {
            Some(error) => Err(error),
            None => Ok(outcomes),
        }
    }

    /// [`Store::import_file`] for a file of the given source (game server).
    pub async fn import_file_from(
        &self,
        source: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<ImportOutcome, StoreError> {
        let options = ImportOptions {
            source: source.to_owned(),
            ..self.options.clone()
        };
        self.import_file_with(&options, name, bytes).await
    }

    /// [`Store::import_file`] with options of its own (another source, or
    /// queued for announcement).
    pub async fn import_file_with(
        &self,
        options: &ImportOptions,
        name: &str,
        bytes: &[u8],
    ) -> Result<ImportOutcome, StoreError> {
        let hash = content_hash(bytes);
        let file = FileInput {
            name,
            bytes,
            hash: &hash,
        };
        let now = crate::time::now_text();
        crate::db::sqlite_inline(async {
            with_conn!(self, |conn, queries| {
                conn.transaction(async |conn| {
                    queries::import_file(conn, &file, options, &now).await
                })
                .await
            })
        })
        .await
    }
}
