//! Keeping the database healthy: the schema check, row counts, size, backups,
//! VACUUM, and the import log.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use diesel::migration::MigrationSource;
use serde::Serialize;

use crate::backup::{TablesJson, publish, unused_paths, verify_pg_dump, verify_sqlite_copy};
use crate::db::with_conn;
use crate::export::Export;
use crate::models::ProcessedFile;
use crate::{BackendKind, Store, StoreError, sqlite_path};

/// The same migrations `Store::migrate` applies, to compare with what ran.
use crate::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS};

/// Where diesel's migration harness records what it applied.
pub(crate) const MIGRATIONS_TABLE: &str = "__diesel_schema_migrations";

/// Every table the project keeps, in the order [`Store::table_counts`] gives them.
pub const TABLES: [&str; 13] = [
    "sessions",
    "rounds",
    "round_files",
    "players",
    "player_names",
    "player_round_stats",
    "player_round_weapons",
    "processed_files",
    "session_teams",
    "team_history",
    "discord_links",
    "player_session_totals",
    "round_announcements",
];

/// Every view the project keeps (for SQL dashboards).
pub const VIEWS: [&str; 1] = ["player_comprehensive_stats"];

const SQLITE_CATALOG: &str =
    "SELECT name, type AS kind FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name";
const POSTGRES_CATALOG: &str = "SELECT CAST(table_name AS TEXT) AS name, \
     CASE WHEN table_type = 'VIEW' THEN 'view' ELSE 'table' END AS kind \
     FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1";
const POSTGRES_SIZE: &str = "SELECT CAST(pg_database_size(current_database()) AS BIGINT) AS value";
const SQLITE_PAGES: &str =
    "SELECT page_count * page_size AS value FROM pragma_page_count(), pragma_page_size()";

/// One migration, embedded in this build or recorded as applied (or both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationState {
    /// The version diesel records, e.g. `20261203000001`.
    pub version: String,
    /// The folder name, e.g. `2026-12-03-000001_initial`; `None` when this
    /// build does not know the migration.
    pub name: Option<String>,
    pub embedded: bool,
    pub applied: bool,
}

/// A table or view the project expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaObject {
    pub name: &'static str,
    pub view: bool,
    /// Present, and of the right kind (a table as a table, a view as a view).
    pub present: bool,
}

/// What [`Store::check_schema`] found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchemaReport {
    /// Every migration by version, oldest first.
    pub migrations: Vec<MigrationState>,
    /// [`TABLES`] then [`VIEWS`], each with whether it is there.
    pub objects: Vec<SchemaObject>,
    /// Tables and views the project does not know (the backend's own left out).
    pub unexpected: Vec<String>,
}

impl SchemaReport {
    /// Every migration applied, none unknown, every table and view present.
    pub fn is_ok(&self) -> bool {
        self.migrations.iter().all(|m| m.embedded && m.applied)
            && self.objects.iter().all(|o| o.present)
    }

    /// Embedded migrations not applied yet.
    pub fn pending(&self) -> impl Iterator<Item = &MigrationState> {
        self.migrations.iter().filter(|m| m.embedded && !m.applied)
    }

    /// Applied migrations this build does not know (a newer build ran here).
    pub fn unknown(&self) -> impl Iterator<Item = &MigrationState> {
        self.migrations.iter().filter(|m| m.applied && !m.embedded)
    }

    /// Expected tables and views that are not there.
    pub fn missing(&self) -> impl Iterator<Item = &SchemaObject> {
        self.objects.iter().filter(|o| !o.present)
    }
}

/// How a backup was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BackupFormat {
    /// SQLite: a consistent copy of the database file (`VACUUM INTO`).
    SqliteFile,
    /// PostgreSQL: a plain SQL dump written by `pg_dump`.
    PgDump,
    /// PostgreSQL without `pg_dump`: the JSON of [`Store::logical_export`].
    LogicalJson,
}

impl BackupFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SqliteFile => "SQLite database file",
            Self::PgDump => "pg_dump SQL",
            Self::LogicalJson => "logical JSON export (pg_dump not found)",
        }
    }
}

/// A backup written and read back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub format: BackupFormat,
    /// Rounds found in the backup when it was read back.
    pub rounds: i64,
}

impl Store {
    /// The URL with its password, for tools that connect on their own.
    pub(crate) fn raw_url(&self) -> &str {
        &self.url
    }

    /// Compares the applied migrations with those embedded in this build, and
    /// looks for every project table and the `player_comprehensive_stats` view.
    pub async fn check_schema(&self) -> Result<SchemaReport, StoreError> {
        let kind = self.backend();
        let catalog = match kind {
            BackendKind::Postgres => POSTGRES_CATALOG,
            BackendKind::Sqlite => SQLITE_CATALOG,
        };
        let (found, applied) = with_conn!(self, |conn, queries| {
            let found = queries::catalog_objects(conn, catalog).await?;
            let applied = if found.iter().any(|(name, _)| name == MIGRATIONS_TABLE) {
                queries::applied_migration_versions(conn).await?
            } else {
                Vec::new()
            };
            (found, applied)
        });

        let mut migrations: BTreeMap<String, MigrationState> = BTreeMap::new();
        for (version, name) in embedded_migrations(kind)? {
            migrations.insert(
                version.clone(),
                MigrationState {
                    version,
                    name: Some(name),
                    embedded: true,
                    applied: false,
                },
            );
        }
        for version in applied {
            migrations
                .entry(version.clone())
                .or_insert(MigrationState {
                    version,
                    name: None,
                    embedded: false,
                    applied: false,
                })
                .applied = true;
        }

        let has = |name: &str, kind: &str| found.iter().any(|(n, k)| n == name && k == kind);
        let objects = TABLES
            .iter()
            .map(|name| SchemaObject {
                name,
                view: false,
                present: has(name, "table"),
            })
            .chain(VIEWS.iter().map(|name| SchemaObject {
                name,
                view: true,
                present: has(name, "view"),
            }))
            .collect();
        let unexpected = found
            .iter()
            .map(|(name, _)| name)
            .filter(|name| {
                let known = TABLES.contains(&name.as_str()) || VIEWS.contains(&name.as_str());
                let internal = name.as_str() == MIGRATIONS_TABLE
                    || (kind == BackendKind::Sqlite && name.starts_with("sqlite_"));
                !known && !internal
            })
            .cloned()
            .collect();
        Ok(SchemaReport {
            migrations: migrations.into_values().collect(),
            objects,
            unexpected,
        })
    }

    /// Rows in every project table, in [`TABLES`] order.
    pub async fn table_counts(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        with_conn!(self, |conn, queries| queries::table_row_counts(conn).await)
    }

    /// Bytes the database takes: SQLite, the file plus its write-ahead log;
    /// PostgreSQL, `pg_database_size` of the current database.
    pub async fn database_size(&self) -> Result<u64, StoreError> {
        if self.backend() == BackendKind::Sqlite
            && let Some(path) = sqlite_path(self.raw_url())
            && let Ok(main) = std::fs::metadata(path)
        {
            let wal = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
            return Ok(main.len() + wal);
        }
        // PostgreSQL, or a SQLite database without a file of its own.
        let sql = match self.backend() {
            BackendKind::Postgres => POSTGRES_SIZE,
            BackendKind::Sqlite => SQLITE_PAGES,
        };
        let bytes = with_conn!(self, |conn, queries| queries::single_number(conn, sql)
            .await)?;
        Ok(u64::try_from(bytes).unwrap_or_default())
    }

    /// Writes a consistent backup into `dir` (created when missing) as
    /// `etl-YYYYMMDD-HHMMSS.{db,sql,json}` (UTC), then reads it back and counts
    /// its rounds. SQLite: `VACUUM INTO`. PostgreSQL: `pg_dump`, or the JSON
    /// of [`Store::logical_export`] when `pg_dump` is not installed. The file
    /// is written as `NAME.partial` and gets its name only once checked, so a
    /// backup under its name is always whole.
    pub async fn backup(&self, dir: &Path) -> Result<BackupReport, StoreError> {
        self.backup_with(dir, Path::new("pg_dump")).await
    }

    /// [`Store::backup`] with the `pg_dump` program to run on PostgreSQL (a
    /// bare name is looked up in `PATH`).
    pub async fn backup_with(
        &self,
        dir: &Path,
        pg_dump: &Path,
    ) -> Result<BackupReport, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backup(format!("cannot create {}: {e}", dir.display())))?;
        let (path, format, rounds) = match self.backend() {
            BackendKind::Sqlite => {
                let (path, partial) = unused_paths(dir, BackupFormat::SqliteFile);
                let rounds = self.sqlite_backup(&partial).await?;
                publish(&partial, &path)?;
                (path, BackupFormat::SqliteFile, rounds)
            }
            BackendKind::Postgres => {
                let (path, partial) = unused_paths(dir, BackupFormat::PgDump);
                match self.pg_dump(pg_dump, &partial).await? {
                    Some(rounds) => {
                        publish(&partial, &path)?;
                        (path, BackupFormat::PgDump, rounds)
                    }
                    None => {
                        let (path, partial) = unused_paths(dir, BackupFormat::LogicalJson);
                        let rounds = self.logical_backup(&partial).await?;
                        publish(&partial, &path)?;
                        (path, BackupFormat::LogicalJson, rounds)
                    }
                }
            }
        };
        let bytes = std::fs::metadata(&path)
            .map_err(|e| StoreError::Backup(format!("cannot read {}: {e}", path.display())))?
            .len();
        Ok(BackupReport {
            path,
            bytes,
            format,
            rounds,
        })
    }

    /// One JSON document: every session, round and player
    /// ([`Store::export`]) and every processed file, for people and tools,
    /// and the rows of every table (`tables`, read in one snapshot), from
    /// which [`crate::restore`] rebuilds the database on either backend.
    pub async fn logical_export(&self) -> Result<String, StoreError> {
        Ok(self.logical_export_counted().await?.0)
    }

    /// [`Store::logical_export`] and the rounds it holds.
    async fn logical_export_counted(&self) -> Result<(String, i64), StoreError> {
        let tables = self.dump_tables().await?;
        let migrations = self
            .check_schema()
            .await?
            .migrations
            .into_iter()
            .filter(|m| m.applied)
            .map(|m| m.version)
            .collect();
        let export = self.export().await?;
        let files = self.processed_files().await?;
        let rounds = export
            .sessions
            .iter()
            .map(|s| s.rounds.len())
            .sum::<usize>();
        let document = LogicalExport {
            format: "etl-stats logical export",
            version: 2,
            created_at: jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            backend: match self.backend() {
                BackendKind::Postgres => "postgresql",
                BackendKind::Sqlite => "sqlite",
            },
            migrations,
            export: &export,
            processed_files: files.iter().map(ProcessedFileJson::from).collect(),
            tables: TablesJson(&tables),
        };
        let mut text = serde_json::to_string(&document)
            .map_err(|e| StoreError::Backup(format!("cannot write the export as JSON: {e}")))?;
        text.push('\n');
        Ok((text, i64::try_from(rounds).unwrap_or(i64::MAX)))
    }

    /// Reclaims free space and refreshes the planner's statistics. SQLite:
    /// `VACUUM`, `ANALYZE`, then a WAL checkpoint so the file shrinks now;
    /// PostgreSQL: `VACUUM ANALYZE` (outside any transaction).
    pub async fn vacuum(&self) -> Result<(), StoreError> {
        let sql = match self.backend() {
            BackendKind::Postgres => "VACUUM ANALYZE",
            BackendKind::Sqlite => "VACUUM; ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);",
        };
        with_conn!(self, |conn, queries| queries::run_outside_transaction(
            conn, sql
        )
        .await)
    }

    /// Refreshes the planner's statistics, without the rewrite `vacuum`
    /// does: after a bulk load PostgreSQL otherwise plans with the empty
    /// tables' numbers (a player's rivals took 4.8 s instead of 0.9 s on ten
    /// years). SQLite samples at most 1,000 rows per index.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        let sql = match self.backend() {
            BackendKind::Postgres => "ANALYZE",
            BackendKind::Sqlite => "PRAGMA analysis_limit = 1000; ANALYZE;",
        };
        with_conn!(self, |conn, queries| queries::run_outside_transaction(
            conn, sql
        )
        .await)
    }

    /// The last `n` files imported successfully, newest first.
    pub async fn recent_imports(&self, n: usize) -> Result<Vec<ProcessedFile>, StoreError> {
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        with_conn!(self, |conn, queries| queries::processed_files_page(
            conn, true, limit
        )
        .await)
    }

    /// The last `n` files that could not be imported (or were refused), newest
    /// first, with their reason and attempts.
    pub async fn failed_imports(&self, n: usize) -> Result<Vec<ProcessedFile>, StoreError> {
        let limit = i64::try_from(n).unwrap_or(i64::MAX);
        with_conn!(self, |conn, queries| queries::processed_files_page(
            conn, false, limit
        )
        .await)
    }

    /// `VACUUM INTO` a new file, then opens it and counts its rounds.
    async fn sqlite_backup(&self, path: &Path) -> Result<i64, StoreError> {
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Backup(format!("{} is not UTF-8", path.display())))?;
        let sql = format!("VACUUM INTO '{}'", target.replace('\'', "''"));
        with_conn!(self, |conn, queries| queries::run_outside_transaction(
            conn, &sql
        )
        .await)?;
        let target = path.to_owned();
        let checked = tokio::task::spawn_blocking(move || verify_sqlite_copy(&target))
            .await
            .map_err(|e| StoreError::Backup(e.to_string()))?;
        if checked.is_err() {
            let _ = std::fs::remove_file(path);
        }
        checked.map(|c| c.rounds)
    }

    /// Runs `pg_dump` into `path`; `None` when the program is not installed.
    async fn pg_dump(&self, program: &Path, path: &Path) -> Result<Option<i64>, StoreError> {
        let (url, password) = split_password(self.raw_url());
        let program = program.to_owned();
        let target = path.to_owned();
        tokio::task::spawn_blocking(move || -> Result<Option<i64>, StoreError> {
            let mut command = std::process::Command::new(&program);
            // Without owners and grants, the dump loads as whichever role restores it.
            command
                .arg("--no-password")
                .arg("--format=plain")
                .arg("--no-owner")
                .arg("--no-privileges")
                .arg("--file")
                .arg(&target)
                .arg("--dbname")
                .arg(&url)
                .stdin(std::process::Stdio::null());
            // The password goes through the environment, not the process list.
            if let Some(password) = &password {
                command.env("PGPASSWORD", password);
            }
            let output = match command.output() {
                Ok(output) => output,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(e) => {
                    return Err(StoreError::Backup(format!(
                        "cannot run {}: {e}",
                        program.display()
                    )));
                }
            };
            if !output.status.success() {
                let _ = std::fs::remove_file(&target);
                return Err(StoreError::Backup(format!(
                    "{} failed ({}): {}",
                    program.display(),
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
            match verify_pg_dump(&target) {
                Ok(checked) => Ok(Some(checked.rounds)),
                Err(e) => {
                    let _ = std::fs::remove_file(&target);
                    Err(e)
                }
            }
        })
        .await
        .map_err(|e| StoreError::Backup(e.to_string()))?
    }

    /// Writes [`Store::logical_export`] to `path`; returns the rounds it holds.
    pub(crate) async fn logical_backup(&self, path: &Path) -> Result<i64, StoreError> {
        let (text, rounds) = self.logical_export_counted().await?;
        std::fs::write(path, &text)
            .map_err(|e| StoreError::Backup(format!("cannot write {}: {e}", path.display())))?;
        // Read back what landed on disk.
        let written = std::fs::read(path)
            .map_err(|e| StoreError::Backup(format!("cannot read {}: {e}", path.display())))?;
        if written != text.as_bytes() {
            let _ = std::fs::remove_file(path);
            return Err(StoreError::Backup(format!(
                "{} does not hold what was written",
                path.display()
            )));
        }
        Ok(rounds)
    }
}

/// `(version, name)` of every migration this build embeds for `kind`.
pub(crate) fn embedded_migrations(kind: BackendKind) -> Result<Vec<(String, String)>, StoreError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| StoreError::Migration(e.to_string());
    Ok(match kind {
        BackendKind::Postgres => {
            MigrationSource::<diesel::pg::Pg>::migrations(&POSTGRES_MIGRATIONS)
                .map_err(failed)?
                .iter()
                .map(|m| (m.name().version().to_string(), m.name().to_string()))
                .collect()
        }
        BackendKind::Sqlite => {
            MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
                .map_err(failed)?
                .iter()
                .map(|m| (m.name().version().to_string(), m.name().to_string()))
                .collect()
        }
    })
}

/// The URL without its password, and the password (percent-decoded).
pub(crate) fn split_password(url: &str) -> (String, Option<String>) {
    let (Some(scheme), Some(at)) = (url.find("://"), url.rfind('@')) else {
        return (url.to_owned(), None);
    };
    let credentials = url.get(scheme + 3..at).unwrap_or_default();
    let Some((user, password)) = credentials.split_once(':') else {
        return (url.to_owned(), None);
    };
    let without = format!(
        "{}{user}{}",
        url.get(..scheme + 3).unwrap_or_default(),
        url.get(at..).unwrap_or_default()
    );
    (without, Some(percent_decode(password)))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        let hex = bytes
            .get(index + 1..index + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (byte, hex) {
            (b'%', Some(decoded)) => {
                out.push(decoded);
                index += 3;
            }
            _ => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Serialize)]
struct LogicalExport<'a> {
    format: &'static str,
    version: u32,
    created_at: String,
    backend: &'static str,
    /// The migrations applied to the database the rows come from.
    migrations: Vec<String>,
    export: &'a Export,
    processed_files: Vec<ProcessedFileJson<'a>>,
    tables: TablesJson<'a>,
}

#[derive(Serialize)]
struct ProcessedFileJson<'a> {
    file_name: &'a str,
    content_hash: &'a str,
    processed_at: &'a str,
    success: bool,
    error: Option<&'a str>,
    attempts: i32,
    round_id: Option<i64>,
}

impl<'a> From<&'a ProcessedFile> for ProcessedFileJson<'a> {
    fn from(file: &'a ProcessedFile) -> Self {
        Self {
            file_name: &file.file_name,
            content_hash: &file.content_hash,
            processed_at: &file.processed_at,
            success: file.success,
            error: file.error.as_deref(),
            attempts: file.attempts,
            round_id: file.round_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_leave_the_url_for_the_environment() {
        assert_eq!(
            split_password("postgres://etl:s%40cret@db:5432/etl"),
            (
                "postgres://etl@db:5432/etl".to_owned(),
                Some("s@cret".to_owned())
            )
        );
        assert_eq!(
            split_password("postgres://etl@db/etl"),
            ("postgres://etl@db/etl".to_owned(), None)
        );
        assert_eq!(
            split_password("postgres://db/etl"),
            ("postgres://db/etl".to_owned(), None)
        );
    }
}
