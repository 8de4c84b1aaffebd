use serde::Serialize;

use crate::db::with_conn;
use crate::models::ProcessedFile;
use crate::{BackendKind, Store, StoreError};

/// What `etl-bot db info` shows.
#[derive(Debug, Clone, Serialize)]
pub struct DbInfo {
    pub backend: &'static str,
    pub url: String,
    pub counts: Vec<(&'static str, i64)>,
    pub first_round: Option<String>,
    pub last_round: Option<String>,
}

impl Store {
    pub async fn info(&self) -> Result<DbInfo, StoreError> {
        let (counts, (first_round, last_round)) = with_conn!(self, |conn, queries| {
            (
                queries::count_rows(conn).await?,
                queries::played_range(conn).await?,
            )
        });
        Ok(DbInfo {
            backend: match self.backend() {
                BackendKind::Postgres => "postgresql",
                BackendKind::Sqlite => "sqlite",
            },
            url: self.url(),
            counts,
            first_round,
            last_round,
        })
    }

    /// Every file the importer has seen, newest first.
    pub async fn processed_files(&self) -> Result<Vec<ProcessedFile>, StoreError> {
        with_conn!(self, |conn, queries| queries::processed_files_list(conn)
            .await)
    }

    /// The names of every file recorded, imported or failed, in no order:
    /// what a watcher needs to skip them, without years of records.
    pub async fn processed_names(&self) -> Result<Vec<String>, StoreError> {
        with_conn!(self, |conn, queries| queries::processed_names(conn).await)
    }
}
