#![doc = include_str!("../README.md")]

mod announce;
mod backup;
mod db;
mod error;
mod export;
mod import;
mod info;
mod maintenance;
pub mod models;
mod queries;
mod read;
pub mod schema;
#[cfg(feature = "testing")]
pub mod testing;
mod time;

pub use announce::{AnnouncementBacklog, WaitingAnnouncement};
pub use backup::{
    BackupFile, BackupInfo, BackupName, RestoreOptions, RestoreReport, database_in_use,
    inspect_backup, list_backups, prune_backups, restore,
};
pub use db::{BackendKind, sqlite_path};
pub use error::{StoreError, redact};
pub use export::{Export, ExportedPlayer, ExportedRound, ExportedSession};
pub use import::{ImportOptions, ImportOutcome, Pairing, content_hash};
pub use info::DbInfo;
pub use maintenance::{
    BackupFormat, BackupReport, MigrationState, SchemaObject, SchemaReport, TABLES, VIEWS,
};
pub use read::{
    GroupSums, KnownName, MetSums, PlayerRecord, RecordFilter, SessionRow, SumBy, SummedTotals,
    WeaponSums, WindowTotals,
};

/// The embedded default database: a SQLite file in the working folder.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://etl.db";

/// A connection pool to PostgreSQL or SQLite, and how imports group rounds.
#[derive(Debug)]
pub struct Store {
    pub(crate) backend: db::Backend,
    pub(crate) options: ImportOptions,
    url: String,
}

impl Store {
    /// Connects and applies any pending migrations.
    pub async fn open(url: &str, options: ImportOptions) -> Result<Self, StoreError> {
        let store = Self::connect(url, options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without touching the schema.
    pub async fn connect(url: &str, options: ImportOptions) -> Result<Self, StoreError> {
        Ok(Self {
            backend: db::connect(url).await?,
            options,
            url: url.to_owned(),
        })
    }

    /// Applies pending migrations; returns the names of those applied now.
    pub async fn migrate(&self) -> Result<Vec<String>, StoreError> {
        db::migrate(&self.url, &self.backend).await
    }

    pub fn backend(&self) -> BackendKind {
        self.backend.kind()
    }

    pub fn options(&self) -> &ImportOptions {
        &self.options
    }

    /// The URL without its password.
    pub fn url(&self) -> String {
        redact(&self.url)
    }
}
