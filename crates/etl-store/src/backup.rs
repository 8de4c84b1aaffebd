//! Backups an operator can rely on: names that sort by date, retention that
//! touches those names only, and restore of every kind [`Store::backup`]
//! writes (a SQLite file, a `pg_dump` file, a logical JSON export).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, Read};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use diesel::{Connection, RunQueryDsl};
use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;
use jiff::civil::DateTime;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::db::{POSTGRES_MIGRATIONS, SQLITE_MIGRATIONS, SQLITE_SETUP, SqliteConn, with_conn};
use crate::maintenance::{BackupFormat, MIGRATIONS_TABLE, embedded_migrations};
use crate::{BackendKind, ImportOptions, Store, StoreError, TABLES, VIEWS, redact, sqlite_path};

/// The stamp in a backup's name (UTC).
const STAMP: &str = "%Y%m%d-%H%M%S";
/// What a backup is called while it is written and checked.
const PARTIAL: &str = ".partial";
/// An unfinished backup this old was left by a process that died.
const STALE_PARTIAL_HOURS: i64 = 24;

/// The name of a backup [`Store::backup`] wrote:
/// `etl-YYYYMMDD-HHMMSS.{db,sql,json}`, or `etl-YYYYMMDD-HHMMSS-N.…` for the
/// N-th backup of the same second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupName {
    /// When the backup was taken, UTC.
    pub taken_at: DateTime,
    /// 1, or the N of `-N`.
    pub sequence: u32,
    pub format: BackupFormat,
}

impl BackupName {
    /// `None` for every name that is not exactly one of ours.
    pub fn parse(name: &str) -> Option<Self> {
        let rest = name.strip_prefix("etl-")?;
        let (stem, extension) = rest.rsplit_once('.')?;
        let format = match extension {
            "db" => BackupFormat::SqliteFile,
            "sql" => BackupFormat::PgDump,
            "json" => BackupFormat::LogicalJson,
            _ => return None,
        };
        let stamp = stem.get(..15)?;
        let sequence = match stem.get(15..)? {
            "" => 1,
            tail => {
                let digits = tail.strip_prefix('-')?;
                let n: u32 = digits.parse().ok()?;
                // One spelling per name: no `-02`, no `-1`.
                if n < 2 || n.to_string() != digits {
                    return None;
                }
                n
            }
        };
        let shaped = stamp.bytes().enumerate().all(|(i, b)| {
            if i == 8 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
        if !shaped {
            return None;
        }
        let taken_at = DateTime::strptime(STAMP, stamp).ok()?;
        Some(Self {
            taken_at,
            sequence,
            format,
        })
    }

    pub fn file_name(&self) -> String {
        let stamp = self.taken_at.strftime(STAMP);
        let extension = extension(self.format);
        match self.sequence {
            0 | 1 => format!("etl-{stamp}.{extension}"),
            n => format!("etl-{stamp}-{n}.{extension}"),
        }
    }

    /// Newer names sort after older ones.
    fn order(&self) -> (DateTime, u32) {
        (self.taken_at, self.sequence)
    }
}

fn extension(format: BackupFormat) -> &'static str {
    match format {
        BackupFormat::SqliteFile => "db",
        BackupFormat::PgDump => "sql",
        BackupFormat::LogicalJson => "json",
    }
}

/// A backup found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupFile {
    pub path: PathBuf,
    pub name: BackupName,
    pub bytes: u64,
}

/// The backups in `dir`, oldest first: regular files named as
/// [`Store::backup`] names them (anything else is not ours and is left out).
/// A folder that does not exist holds none.
pub fn list_backups(dir: &Path) -> Result<Vec<BackupFile>, StoreError> {
    let failed =
        |e: std::io::Error| StoreError::Backup(format!("cannot list {}: {e}", dir.display()));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(failed(e)),
    };
    let mut backups = Vec::new();
    for entry in entries {
        let entry = entry.map_err(failed)?;
        let Some(name) = entry.file_name().to_str().and_then(BackupName::parse) else {
            continue;
        };
        // Never a symlink (it could point anywhere) nor a folder.
        let Ok(metadata) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        if metadata.is_file() {
            backups.push(BackupFile {
                path: entry.path(),
                name,
                bytes: metadata.len(),
            });
        }
    }
    backups.sort_by_key(|b| b.name.order());
    Ok(backups)
}

/// Deletes every backup in `dir` but the newest `keep` (by the date in their
/// names), and unfinished backups (`etl-….partial`) a day old. Files that are
/// not ours are never touched. Returns what was deleted.
pub fn prune_backups(dir: &Path, keep: NonZeroUsize) -> Result<Vec<PathBuf>, StoreError> {
    let backups = list_backups(dir)?;
    let surplus = backups.len().saturating_sub(keep.get());
    let mut removed = Vec::new();
    for backup in backups.into_iter().take(surplus) {
        std::fs::remove_file(&backup.path).map_err(|e| {
            StoreError::Backup(format!("cannot delete {}: {e}", backup.path.display()))
        })?;
        removed.push(backup.path);
    }
    let stale_before = utc_now()
        .checked_sub(jiff::Span::new().hours(STALE_PARTIAL_HOURS))
        .unwrap_or(DateTime::MIN);
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name
                .to_str()
                .and_then(|n| n.strip_suffix(PARTIAL))
                .and_then(BackupName::parse)
            else {
                continue;
            };
            let is_file = std::fs::symlink_metadata(entry.path()).is_ok_and(|m| m.is_file());
            if is_file && name.taken_at < stale_before && std::fs::remove_file(entry.path()).is_ok()
            {
                removed.push(entry.path());
            }
        }
    }
    Ok(removed)
}

fn utc_now() -> DateTime {
    jiff::tz::TimeZone::UTC.to_datetime(jiff::Timestamp::now())
}

/// A free name for a backup taken now in `dir`: the final path and the path
/// it is written to until it has been checked.
pub(crate) fn unused_paths(dir: &Path, format: BackupFormat) -> (PathBuf, PathBuf) {
    let mut name = BackupName {
        taken_at: utc_now(),
        sequence: 1,
        format,
    };
    loop {
        let path = dir.join(name.file_name());
        let partial = dir.join(format!("{}{PARTIAL}", name.file_name()));
        if !path.exists() && !partial.exists() {
            return (path, partial);
        }
        name.sequence += 1;
    }
}

/// Moves a checked backup from its temporary name to its final one, durably.
pub(crate) fn publish(partial: &Path, path: &Path) -> Result<(), StoreError> {
    let failed = |e: std::io::Error| {
        let _ = std::fs::remove_file(partial);
        StoreError::Backup(format!("cannot finish {}: {e}", path.display()))
    };
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .map_err(failed)?;
    std::fs::rename(partial, path).map_err(failed)?;
    sync_folder(path);
    Ok(())
}

/// Makes a rename in `path`'s folder durable (best effort: not every file
/// system lets a folder be synced).
fn sync_folder(path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
}

/// What a backup file holds, read without changing it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub format: BackupFormat,
    pub bytes: u64,
    /// Rows of its `rounds` table.
    pub rounds: i64,
    /// When it was taken (UTC), from its name or, for a logical export, its header.
    pub taken_at: Option<String>,
    /// The migrations applied to the database it was taken from.
    pub migrations: Vec<String>,
}

/// Reads a backup and checks it is whole: a SQLite file passes
/// `quick_check`, a dump ends with `pg_dump`'s completion line, a logical
/// export parses and carries its tables.
pub async fn inspect_backup(path: &Path) -> Result<BackupInfo, StoreError> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || inspect_blocking(&path))
        .await
        .map_err(|e| StoreError::Restore(e.to_string()))?
}

fn inspect_blocking(path: &Path) -> Result<BackupInfo, StoreError> {
    let failed =
        |e: &dyn std::fmt::Display| StoreError::Restore(format!("{}: {e}", path.display()));
    let metadata = std::fs::metadata(path).map_err(|e| failed(&e))?;
    if !metadata.is_file() {
        return Err(failed(&"not a file"));
    }
    let format = detect_format(path)?;
    let named = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(BackupName::parse)
        .map(|n| format!("{} UTC", n.taken_at.strftime("%Y-%m-%d %H:%M:%S")));
    let (rounds, migrations, taken_at) = match format {
        BackupFormat::SqliteFile => {
            let checked = verify_sqlite_copy(path)?;
            (checked.rounds, checked.migrations, named)
        }
        BackupFormat::PgDump => {
            let checked = verify_pg_dump(path)?;
            (checked.rounds, checked.migrations, named)
        }
        BackupFormat::LogicalJson => {
            let text = std::fs::read_to_string(path).map_err(|e| failed(&e))?;
            let document = LogicalDocument::parse(&text).map_err(|e| failed(&e))?;
            let rounds = document.rounds()?;
            let taken_at = named.or_else(|| document.created_at.clone());
            (rounds, document.migrations, taken_at)
        }
    };
    Ok(BackupInfo {
        path: path.to_owned(),
        format,
        bytes: metadata.len(),
        rounds,
        taken_at,
        migrations,
    })
}

/// Tells the kinds apart by their first bytes, not by their names.
fn detect_format(path: &Path) -> Result<BackupFormat, StoreError> {
    let mut head = Vec::with_capacity(4096);
    std::fs::File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|e| StoreError::Restore(format!("cannot read {}: {e}", path.display())))?;
    if head.starts_with(b"SQLite format 3\0") {
        return Ok(BackupFormat::SqliteFile);
    }
    if head.starts_with(b"--") && head.windows(25).any(|w| w == b"PostgreSQL database dump\n") {
        return Ok(BackupFormat::PgDump);
    }
    if head.trim_ascii_start().starts_with(b"{") {
        return Ok(BackupFormat::LogicalJson);
    }
    Err(StoreError::Restore(format!(
        "{} is not a backup (neither a SQLite file, a pg_dump file nor a logical JSON export)",
        path.display()
    )))
}

/// What a check of a SQLite copy or a dump found.
pub(crate) struct Checked {
    pub rounds: i64,
    pub migrations: Vec<String>,
}

/// Opens a SQLite copy read-only (no journal, no side files), checks it and
/// counts its rounds.
pub(crate) fn verify_sqlite_copy(path: &Path) -> Result<Checked, StoreError> {
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        quick_check: String,
    }
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let failed = |e: &dyn std::fmt::Display| {
        StoreError::Backup(format!("the copy {} cannot be read: {e}", path.display()))
    };
    let mut conn =
        diesel::SqliteConnection::establish(&read_only_uri(path)?).map_err(|e| failed(&e))?;
    let checks: Vec<Check> = diesel::sql_query("PRAGMA quick_check")
        .load(&mut conn)
        .map_err(|e| failed(&e))?;
    if let Some(problem) = checks.iter().find(|c| c.quick_check != "ok") {
        return Err(failed(&problem.quick_check));
    }
    let rounds: crate::queries::sqlite::SingleNumber =
        diesel::sql_query("SELECT COUNT(*) AS value FROM rounds")
            .get_result(&mut conn)
            .map_err(|e| failed(&e))?;
    let migrations: Vec<Version> = diesel::sql_query(format!(
        "SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"
    ))
    .load(&mut conn)
    .map_err(|e| failed(&e))?;
    Ok(Checked {
        rounds: rounds.value,
        migrations: migrations.into_iter().map(|m| m.version).collect(),
    })
}

/// `file:PATH?mode=ro&immutable=1`: SQLite reads the file as it is, writes
/// nothing, and makes no `-wal` / `-shm` beside it.
fn read_only_uri(path: &Path) -> Result<String, StoreError> {
    let text = path
        .to_str()
        .ok_or_else(|| StoreError::Backup(format!("{} is not UTF-8", path.display())))?;
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => escaped.push_str("%25"),
            '?' => escaped.push_str("%3f"),
            '#' => escaped.push_str("%23"),
            c => escaped.push(c),
        }
    }
    Ok(format!("file:{escaped}?mode=ro&immutable=1"))
}

/// Checks that a plain `pg_dump` file is complete; counts the rows of its
/// `rounds` table and reads its applied migrations.
pub(crate) fn verify_pg_dump(path: &Path) -> Result<Checked, StoreError> {
    let failed = |e: &dyn std::fmt::Display| {
        StoreError::Backup(format!("the dump {} cannot be read: {e}", path.display()))
    };
    #[derive(PartialEq)]
    enum Section {
        Other,
        Rounds,
        Migrations,
    }
    let migrations_copy = format!(".{MIGRATIONS_TABLE} ");
    let file = std::fs::File::open(path).map_err(|e| failed(&e))?;
    let mut reader = std::io::BufReader::new(file);
    let mut line = Vec::new();
    let mut section = Section::Other;
    let (mut rounds, mut migrations, mut complete) = (0i64, Vec::new(), false);
    loop {
        line.clear();
        if reader
            .read_until(b'\n', &mut line)
            .map_err(|e| failed(&e))?
            == 0
        {
            break;
        }
        let text = line.trim_ascii_end();
        if section != Section::Other {
            if text == b"\\." {
                section = Section::Other;
            } else if section == Section::Rounds {
                rounds += 1;
            } else if let Some(version) = text.split(|b| *b == b'\t').next() {
                migrations.push(String::from_utf8_lossy(version).into_owned());
            }
        } else if text.starts_with(b"COPY ") && text.windows(8).any(|w| w == b".rounds ") {
            section = Section::Rounds;
        } else if text.starts_with(b"COPY ")
            && text
                .windows(migrations_copy.len())
                .any(|w| w == migrations_copy.as_bytes())
        {
            section = Section::Migrations;
        } else if text == b"-- PostgreSQL database dump complete" {
            complete = true;
        }
    }
    if !complete {
        return Err(failed(&"it ends before pg_dump's completion line"));
    }
    migrations.sort();
    Ok(Checked { rounds, migrations })
}

/// A column of a project table as the database's catalog describes it.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub(crate) struct CatalogColumn {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    /// The declared type, lower case (`bigint`, `bytea`, `blob`, …).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    /// Position in the primary key from 1; 0 when not part of it.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub pk: i32,
    /// 1 for a PostgreSQL identity column (its sequence follows restored rows).
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub identity: i32,
}

impl CatalogColumn {
    fn binary(&self) -> bool {
        matches!(self.kind.as_str(), "bytea" | "blob")
    }
}

/// The columns of one of our tables (names come from [`TABLES`], never from input).
pub(crate) fn columns_sql(backend: BackendKind, table: &str) -> String {
    match backend {
        BackendKind::Postgres => format!(
            "SELECT CAST(a.attname AS TEXT) AS name, \
             CAST(format_type(a.atttypid, a.atttypmod) AS TEXT) AS kind, \
             CAST(COALESCE(array_position(CAST(i.indkey AS int2[]), a.attnum), 0) AS INTEGER) AS pk, \
             CAST(CASE WHEN a.attidentity <> '' THEN 1 ELSE 0 END AS INTEGER) AS identity \
             FROM pg_attribute a \
             LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary \
             WHERE a.attrelid = CAST('{table}' AS regclass) AND a.attnum > 0 AND NOT a.attisdropped \
             ORDER BY a.attnum"
        ),
        BackendKind::Sqlite => format!(
            "SELECT name, lower(type) AS kind, pk, 0 AS identity \
             FROM pragma_table_info('{table}') ORDER BY cid"
        ),
    }
}

/// Makes the reads of every table one snapshot (PostgreSQL; a SQLite read
/// transaction is one already).
pub(crate) fn snapshot_sql(backend: BackendKind) -> Option<&'static str> {
    match backend {
        BackendKind::Postgres => Some("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"),
        BackendKind::Sqlite => None,
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn key_order(columns: &[CatalogColumn]) -> String {
    let mut key: Vec<&CatalogColumn> = columns.iter().filter(|c| c.pk > 0).collect();
    key.sort_by_key(|c| c.pk);
    key.iter()
        .map(|c| quoted(&c.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// One query giving a table's rows as one JSON array of arrays (binary
/// columns as lowercase hex), in primary-key order. PostgreSQL's
/// `json_build_array` takes at most 100 values: far above our widest table.
pub(crate) fn dump_sql(backend: BackendKind, table: &str, columns: &[CatalogColumn]) -> String {
    let values: Vec<String> = columns
        .iter()
        .map(|c| match (backend, c.binary()) {
            (BackendKind::Postgres, true) => format!("encode({}, 'hex')", quoted(&c.name)),
            (BackendKind::Sqlite, true) => format!("lower(hex({}))", quoted(&c.name)),
            (_, false) => quoted(&c.name),
        })
        .collect();
    let values = values.join(", ");
    let order = key_order(columns);
    let order = if order.is_empty() {
        String::new()
    } else {
        format!(" ORDER BY {order}")
    };
    let table = quoted(table);
    match backend {
        BackendKind::Postgres => format!(
            "SELECT CAST(COALESCE(json_agg(json_build_array({values}){order}), '[]') AS TEXT) AS value \
             FROM {table}"
        ),
        BackendKind::Sqlite => {
            format!("SELECT json_group_array(json_array({values}){order}) AS value FROM {table}")
        }
    }
}

/// One statement inserting a dump's rows (bound as one JSON text) into the
/// target's table: the dump's columns, typed as the target declares them.
fn load_sql(
    backend: BackendKind,
    table: &str,
    dumped: &[String],
    target: &[CatalogColumn],
) -> Result<String, StoreError> {
    let mut names = Vec::with_capacity(dumped.len());
    let mut values = Vec::with_capacity(dumped.len());
    for (index, name) in dumped.iter().enumerate() {
        let column = target.iter().find(|c| &c.name == name).ok_or_else(|| {
            StoreError::Restore(format!(
                "the backup's {table}.{name} is not a column of this database"
            ))
        })?;
        names.push(quoted(name));
        values.push(match (backend, column.binary()) {
            (BackendKind::Postgres, true) => format!("decode(value->>{index}, 'hex')"),
            (BackendKind::Postgres, false) => {
                format!("CAST(value->>{index} AS {})", column.kind)
            }
            (BackendKind::Sqlite, true) => format!("unhex(json_extract(value, '$[{index}]'))"),
            (BackendKind::Sqlite, false) => format!("json_extract(value, '$[{index}]')"),
        });
    }
    let (names, values, table) = (names.join(", "), values.join(", "), quoted(table));
    Ok(match backend {
        BackendKind::Postgres => format!(
            "INSERT INTO {table} ({names}) SELECT {values} \
             FROM json_array_elements(CAST($1 AS json)) AS source(value)"
        ),
        BackendKind::Sqlite => {
            format!("INSERT INTO {table} ({names}) SELECT {values} FROM json_each(?)")
        }
    })
}

/// Drops every object of ours (children first), and only ours.
fn drop_ours_sql() -> String {
    let mut sql = String::new();
    for view in VIEWS {
        sql.push_str(&format!("DROP VIEW IF EXISTS {};\n", quoted(view)));
    }
    for table in TABLES.iter().rev() {
        sql.push_str(&format!("DROP TABLE IF EXISTS {};\n", quoted(table)));
    }
    sql.push_str(&format!("DROP TABLE IF EXISTS {MIGRATIONS_TABLE};\n"));
    sql
}

/// One project table's rows: a JSON array of rows, each an array in
/// `columns` order (binary columns as lowercase hex).
#[derive(Debug, Clone)]
pub(crate) struct TableRows<'a> {
    pub table: Cow<'a, str>,
    pub columns: Vec<String>,
    pub rows: Cow<'a, str>,
}

impl TableRows<'static> {
    pub(crate) fn new(table: &str, columns: &[CatalogColumn], rows: String) -> Self {
        Self {
            table: Cow::Owned(table.to_owned()),
            columns: columns.iter().map(|c| c.name.clone()).collect(),
            rows: Cow::Owned(rows),
        }
    }
}

/// The `tables` member of a logical export, in [`TABLES`] order.
pub(crate) struct TablesJson<'a>(pub &'a [TableRows<'a>]);

impl Serialize for TablesJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Table<'a> {
            columns: &'a [String],
            rows: &'a RawValue,
        }
        let mut entries = Vec::with_capacity(self.0.len());
        for table in self.0 {
            let rows: &RawValue =
                serde_json::from_str(&table.rows).map_err(serde::ser::Error::custom)?;
            entries.push((
                table.table.as_ref(),
                Table {
                    columns: &table.columns,
                    rows,
                },
            ));
        }
        serializer.collect_map(entries)
    }
}

/// What restore reads from a logical export (the rest is for people and tools).
#[derive(Deserialize)]
struct LogicalDocument<'a> {
    format: String,
    version: u32,
    created_at: Option<String>,
    #[serde(default)]
    migrations: Vec<String>,
    #[serde(default, borrow)]
    tables: Option<BTreeMap<String, LogicalTable<'a>>>,
}

#[derive(Deserialize)]
struct LogicalTable<'a> {
    columns: Vec<String>,
    #[serde(borrow)]
    rows: &'a RawValue,
}

const LOGICAL_FORMAT: &str = "etl-stats logical export";

impl<'a> LogicalDocument<'a> {
    fn parse(text: &'a str) -> Result<Self, String> {
        let document: Self =
            serde_json::from_str(text).map_err(|e| format!("not a logical export: {e}"))?;
        if document.format != LOGICAL_FORMAT {
            return Err(format!(
                "not a logical export (format {:?})",
                document.format
            ));
        }
        if document.tables.is_none() {
            return Err(format!(
                "a version {} logical export holds the export only, not the tables a restore needs",
                document.version
            ));
        }
        Ok(document)
    }

    fn rounds(&self) -> Result<i64, StoreError> {
        let Some(rounds) = self.tables.as_ref().and_then(|t| t.get("rounds")) else {
            return Ok(0);
        };
        let rows: Vec<&RawValue> = serde_json::from_str(rounds.rows.get())
            .map_err(|e| StoreError::Restore(format!("the rounds of the export: {e}")))?;
        Ok(i64::try_from(rows.len()).unwrap_or(i64::MAX))
    }

    fn into_tables(self) -> Result<Vec<TableRows<'a>>, StoreError> {
        let mut tables = self.tables.unwrap_or_default();
        if let Some(unknown) = tables.keys().find(|t| !TABLES.contains(&t.as_str())) {
            return Err(StoreError::Restore(format!(
                "the export has a table {unknown:?} this build does not know"
            )));
        }
        Ok(TABLES
            .iter()
            .filter_map(|name| {
                tables.remove(*name).map(|table| TableRows {
                    table: Cow::Borrowed(name),
                    columns: table.columns,
                    rows: Cow::Borrowed(table.rows.get()),
                })
            })
            .collect())
    }
}

/// How [`restore`] goes about it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RestoreOptions {
    /// The `psql` program that loads a `pg_dump` file (a bare name is looked
    /// up in `PATH`).
    pub psql: PathBuf,
    /// Restore even when other connections use the database. The bot keeps
    /// what it read (the files it has seen) in memory: stop it first.
    pub ignore_open_connections: bool,
}

impl Default for RestoreOptions {
    fn default() -> Self {
        Self {
            psql: PathBuf::from("psql"),
            ignore_open_connections: false,
        }
    }
}

/// What [`restore`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    pub backup: BackupInfo,
    /// Rounds in the database after the restore (= the backup's).
    pub rounds: i64,
    /// SQLite: the database file that was replaced, kept under this name.
    pub previous_file: Option<PathBuf>,
}

/// Whether other connections use the database at `url`. PostgreSQL: other
/// client sessions on it; SQLite: another connection has the file open (it
/// cannot leave WAL mode then). A SQLite file that does not exist is unused.
pub async fn database_in_use(url: &str) -> Result<bool, StoreError> {
    if let Some(path) = sqlite_path(url) {
        let path = PathBuf::from(path);
        return tokio::task::spawn_blocking(move || sqlite_in_use(&path, false))
            .await
            .map_err(|e| StoreError::Restore(e.to_string()))?;
    }
    let store = Store::connect(url, ImportOptions::default()).await?;
    // A session that just closed can linger in pg_stat_activity for a moment.
    let mut others = 0;
    for _ in 0..10 {
        others = with_conn!(store, |conn, queries| queries::single_number(
            conn,
            "SELECT CAST(COUNT(*) AS BIGINT) AS value FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND backend_type = 'client backend'"
        )
        .await)?;
        if others == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    Ok(others > 0)
}

/// SQLite lets a connection leave WAL mode only when it is the only one: try.
/// On success the WAL has been checkpointed into the file and removed;
/// `stay_in_rollback_mode` leaves it so (a file about to be moved away),
/// else WAL mode is set back.
fn sqlite_in_use(path: &Path, stay_in_rollback_mode: bool) -> Result<bool, StoreError> {
    if !path.exists() {
        return Ok(false);
    }
    let text = path
        .to_str()
        .ok_or_else(|| StoreError::Restore(format!("{} is not UTF-8", path.display())))?;
    let mut conn = diesel::SqliteConnection::establish(text)
        .map_err(|e| StoreError::Restore(format!("cannot open {text}: {e}")))?;
    match diesel::connection::SimpleConnection::batch_execute(
        &mut conn,
        "PRAGMA journal_mode = DELETE",
    ) {
        Ok(()) => {
            if !stay_in_rollback_mode {
                diesel::connection::SimpleConnection::batch_execute(
                    &mut conn,
                    "PRAGMA journal_mode = WAL",
                )?;
            }
            Ok(false)
        }
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("locked") || info.message().contains("busy") =>
        {
            Ok(true)
        }
        // A damaged file (what a restore is for) tells nothing: nobody can use it.
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("not a database") =>
        {
            Ok(false)
        }
        Err(e) => Err(e.into()),
    }
}

/// Replaces the etl-stats data of the database at `url` with the backup's.
///
/// - a SQLite file into SQLite: the file takes the database's place; the
///   replaced file is kept beside it as `NAME.before-restore-STAMP`;
/// - a `pg_dump` file into PostgreSQL: `psql` drops our tables and loads the
///   dump, in one transaction;
/// - a logical export into either, or a SQLite file into PostgreSQL: our
///   tables are dropped, the migrations create them again and the rows are
///   loaded, in one transaction.
///
/// The migrations then bring an older backup up to this build; a backup of
/// a newer build is refused. Refuses while other connections use the
/// database (see [`RestoreOptions::ignore_open_connections`]). Objects that
/// are not ours are never dropped: a restore that would need to fails and
/// changes nothing.
pub async fn restore(
    url: &str,
    backup: &Path,
    options: &RestoreOptions,
) -> Result<RestoreReport, StoreError> {
    let info = inspect_backup(backup).await?;
    let kind = if sqlite_path(url).is_some() {
        BackendKind::Sqlite
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        BackendKind::Postgres
    } else {
        return Err(StoreError::UnsupportedUrl(redact(url)));
    };
    let embedded: Vec<String> = embedded_migrations(kind)?
        .into_iter()
        .map(|(version, _)| version)
        .collect();
    if let Some(newer) = info.migrations.iter().find(|v| !embedded.contains(v)) {
        return Err(StoreError::Restore(format!(
            "{} was taken by a newer etl-bot (migration {newer} is unknown here): restore it with that version",
            backup.display()
        )));
    }
    if !options.ignore_open_connections && database_in_use(url).await? {
        return Err(StoreError::InUse(redact(url)));
    }
    let mut previous_file = None;
    match (info.format, kind) {
        (BackupFormat::SqliteFile, BackendKind::Sqlite) => {
            let target = PathBuf::from(sqlite_path(url).unwrap_or_default());
            let source = backup.to_owned();
            let force = options.ignore_open_connections;
            previous_file =
                tokio::task::spawn_blocking(move || replace_sqlite_file(&target, &source, force))
                    .await
                    .map_err(|e| StoreError::Restore(e.to_string()))??;
        }
        (BackupFormat::SqliteFile, BackendKind::Postgres) => {
            let tables = tables_of_sqlite_file(backup).await?;
            load_tables(url, kind, tables, info.rounds).await?;
        }
        (BackupFormat::LogicalJson, _) => {
            let path = backup.to_owned();
            let tables = tokio::task::spawn_blocking(move || tables_of_logical_export(&path))
                .await
                .map_err(|e| StoreError::Restore(e.to_string()))??;
            load_tables(url, kind, tables, info.rounds).await?;
        }
        (BackupFormat::PgDump, BackendKind::Postgres) => {
            run_psql(url, backup, &options.psql).await?;
        }
        (BackupFormat::PgDump, BackendKind::Sqlite) => {
            return Err(StoreError::Restore(
                "a pg_dump file restores into PostgreSQL only".to_owned(),
            ));
        }
    }
    // Brings an older backup's schema up to this build.
    let store = Store::open(url, ImportOptions::default()).await?;
    let rounds = store
        .table_counts()
        .await?
        .into_iter()
        .find(|(table, _)| *table == "rounds")
        .map_or(0, |(_, n)| n);
    if rounds != info.rounds {
        return Err(StoreError::Restore(format!(
            "the database holds {rounds} rounds after the restore, the backup {}",
            info.rounds
        )));
    }
    Ok(RestoreReport {
        backup: info,
        rounds,
        previous_file,
    })
}

/// Puts a copy of `backup` where the SQLite database `target` is; the old
/// file (with its WAL checkpointed into it) is kept beside it.
fn replace_sqlite_file(
    target: &Path,
    backup: &Path,
    force: bool,
) -> Result<Option<PathBuf>, StoreError> {
    let failed = |what: &str, e: std::io::Error| StoreError::Restore(format!("{what}: {e}"));
    let same = target
        .canonicalize()
        .ok()
        .zip(backup.canonicalize().ok())
        .is_some_and(|(a, b)| a == b);
    if same {
        return Err(StoreError::Restore(format!(
            "{} is the database itself",
            backup.display()
        )));
    }
    // Folds the WAL into the file (and proves nobody else has it open).
    if sqlite_in_use(target, true)? && !force {
        return Err(StoreError::InUse(target.display().to_string()));
    }
    let stamp = utc_now().strftime(STAMP).to_string();
    let beside = |suffix: &str| {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    let incoming = beside(".restoring");
    std::fs::copy(backup, &incoming)
        .and_then(|_| std::fs::File::open(&incoming)?.sync_all())
        .map_err(|e| {
            let _ = std::fs::remove_file(&incoming);
            failed(&format!("cannot copy {}", backup.display()), e)
        })?;
    let mut previous = None;
    if target.exists() {
        let kept = beside(&format!(".before-restore-{stamp}"));
        std::fs::rename(target, &kept)
            .map_err(|e| failed(&format!("cannot move {} aside", target.display()), e))?;
        for side in ["-wal", "-shm"] {
            let path = beside(side);
            if path.exists() {
                let mut moved = kept.as_os_str().to_owned();
                moved.push(side);
                std::fs::rename(&path, PathBuf::from(moved))
                    .map_err(|e| failed(&format!("cannot move {} aside", path.display()), e))?;
            }
        }
        previous = Some(kept);
    }
    std::fs::rename(&incoming, target)
        .map_err(|e| failed(&format!("cannot put {} in place", target.display()), e))?;
    sync_folder(target);
    Ok(previous)
}

/// Every table of a logical export.
fn tables_of_logical_export(path: &Path) -> Result<Vec<TableRows<'static>>, StoreError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::Restore(format!("cannot read {}: {e}", path.display())))?;
    let tables = LogicalDocument::parse(&text)
        .map_err(StoreError::Restore)?
        .into_tables()?;
    Ok(tables
        .into_iter()
        .map(|t| TableRows {
            table: Cow::Owned(t.table.into_owned()),
            columns: t.columns,
            rows: Cow::Owned(t.rows.into_owned()),
        })
        .collect())
}

/// Every table of a SQLite backup, read from a migrated copy (the backup
/// itself is not touched).
async fn tables_of_sqlite_file(backup: &Path) -> Result<Vec<TableRows<'static>>, StoreError> {
    let copy = std::env::temp_dir().join(format!(
        "etl-restore-{}-{}.db",
        std::process::id(),
        jiff::Timestamp::now().as_nanosecond()
    ));
    let remove_copy = |copy: &Path| {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = copy.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    };
    std::fs::copy(backup, &copy)
        .map_err(|e| StoreError::Restore(format!("cannot copy {}: {e}", backup.display())))?;
    let result = async {
        let store = Store::open(
            &format!("sqlite://{}", copy.display()),
            ImportOptions::default(),
        )
        .await?;
        store.dump_tables().await
    }
    .await;
    remove_copy(&copy);
    result
}

impl Store {
    /// [`Store::backup_with`], then — only once the new backup is written
    /// and checked — [`prune_backups`] down to the newest `keep`.
    pub async fn backup_and_prune(
        &self,
        dir: &Path,
        pg_dump: &Path,
        keep: Option<NonZeroUsize>,
    ) -> Result<(crate::BackupReport, Vec<PathBuf>), StoreError> {
        let report = self.backup_with(dir, pg_dump).await?;
        let removed = match keep {
            Some(keep) => prune_backups(dir, keep)?,
            None => Vec::new(),
        };
        Ok((report, removed))
    }

    /// A logical JSON export ([`Store::logical_export`]) as a backup in
    /// `dir`, on either backend: the kind of backup that restores into
    /// both.
    pub async fn logical_backup_into(&self, dir: &Path) -> Result<crate::BackupReport, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backup(format!("cannot create {}: {e}", dir.display())))?;
        let (path, partial) = unused_paths(dir, BackupFormat::LogicalJson);
        let rounds = self.logical_backup(&partial).await?;
        publish(&partial, &path)?;
        let bytes = std::fs::metadata(&path)
            .map_err(|e| StoreError::Backup(format!("cannot read {}: {e}", path.display())))?
            .len();
        Ok(crate::BackupReport {
            path,
            bytes,
            format: BackupFormat::LogicalJson,
            rounds,
        })
    }

    /// Every project table's rows, read in one snapshot.
    pub(crate) async fn dump_tables(&self) -> Result<Vec<TableRows<'static>>, StoreError> {
        let backend = self.backend();
        with_conn!(self, |conn, queries| queries::dump_tables(conn, backend)
            .await)
    }
}

/// Drops our tables, creates them again with the migrations and loads the
/// rows, in one transaction: all of it, or nothing.
async fn load_tables(
    url: &str,
    kind: BackendKind,
    tables: Vec<TableRows<'static>>,
    expected_rounds: i64,
) -> Result<(), StoreError> {
    let url = url.to_owned();
    // diesel's migration harness is blocking: all of it runs on the blocking pool.
    tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
        match kind {
            BackendKind::Postgres => {
                let mut conn: AsyncConnectionWrapper<AsyncPgConnection> =
                    Connection::establish(&url).map_err(|e| StoreError::pool(&url, e))?;
                conn.transaction(|conn| load_into(conn, kind, &tables, expected_rounds))
            }
            BackendKind::Sqlite => {
                let path = sqlite_path(&url).unwrap_or_default();
                let mut conn: AsyncConnectionWrapper<SqliteConn> =
                    Connection::establish(path).map_err(|e| StoreError::pool(&url, e))?;
                diesel::connection::SimpleConnection::batch_execute(&mut conn, SQLITE_SETUP)?;
                conn.transaction(|conn| load_into(conn, kind, &tables, expected_rounds))
            }
        }
    })
    .await
    .map_err(|e| StoreError::Restore(e.to_string()))?
}

/// The few things a restore asks of a blocking connection, one impl per backend.
trait LoadTarget {
    fn run(&mut self, sql: &str) -> Result<(), StoreError>;
    fn run_with_text(&mut self, sql: &str, text: &str) -> Result<(), StoreError>;
    fn columns(&mut self, sql: &str) -> Result<Vec<CatalogColumn>, StoreError>;
    fn number(&mut self, sql: &str) -> Result<i64, StoreError>;
    fn migrate(&mut self) -> Result<(), StoreError>;
}

macro_rules! load_target {
    ($conn:ty, $migrations:expr) => {
        impl LoadTarget for $conn {
            fn run(&mut self, sql: &str) -> Result<(), StoreError> {
                diesel::connection::SimpleConnection::batch_execute(self, sql)?;
                Ok(())
            }

            fn run_with_text(&mut self, sql: &str, text: &str) -> Result<(), StoreError> {
                diesel::sql_query(sql)
                    .bind::<diesel::sql_types::Text, _>(text)
                    .execute(self)?;
                Ok(())
            }

            fn columns(&mut self, sql: &str) -> Result<Vec<CatalogColumn>, StoreError> {
                Ok(diesel::sql_query(sql).load(self)?)
            }

            fn number(&mut self, sql: &str) -> Result<i64, StoreError> {
                #[derive(diesel::QueryableByName)]
                struct Number {
                    #[diesel(sql_type = diesel::sql_types::BigInt)]
                    value: i64,
                }
                let row: Number = diesel::sql_query(sql).get_result(self)?;
                Ok(row.value)
            }

            fn migrate(&mut self) -> Result<(), StoreError> {
                self.run_pending_migrations($migrations)
                    .map_err(|e| StoreError::Migration(e.to_string()))?;
                Ok(())
            }
        }
    };
}

load_target!(
    AsyncConnectionWrapper<AsyncPgConnection>,
    POSTGRES_MIGRATIONS
);
load_target!(AsyncConnectionWrapper<SqliteConn>, SQLITE_MIGRATIONS);

fn load_into(
    conn: &mut impl LoadTarget,
    kind: BackendKind,
    tables: &[TableRows<'_>],
    expected_rounds: i64,
) -> Result<(), StoreError> {
    conn.run(&drop_ours_sql())?;
    conn.migrate()?;
    for table in TABLES {
        let columns = conn.columns(&columns_sql(kind, table))?;
        let Some(dump) = tables.iter().find(|t| t.table == *table) else {
            continue;
        };
        conn.run_with_text(&load_sql(kind, table, &dump.columns, &columns)?, &dump.rows)?;
        if kind == BackendKind::Postgres {
            // Identity columns: the next id follows the restored ones.
            for column in columns.iter().filter(|c| c.identity == 1) {
                let (name, table) = (quoted(&column.name), quoted(table));
                conn.run(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{}'), \
                     COALESCE((SELECT MAX({name}) FROM {table}), 0) + 1, false)",
                    column.name
                ))?;
            }
        }
    }
    let rounds = conn.number("SELECT CAST(COUNT(*) AS BIGINT) AS value FROM rounds")?;
    if rounds != expected_rounds {
        return Err(StoreError::Restore(format!(
            "loaded {rounds} rounds, the backup holds {expected_rounds}"
        )));
    }
    Ok(())
}

/// Loads a plain dump with `psql`: our tables are dropped first, and all of
/// it is one transaction.
async fn run_psql(url: &str, dump: &Path, psql: &Path) -> Result<(), StoreError> {
    let (url, password) = crate::maintenance::split_password(url);
    let (dump, psql) = (dump.to_owned(), psql.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut command = std::process::Command::new(&psql);
        command
            .args(["--no-psqlrc", "--quiet", "--single-transaction"])
            .args(["--set", "ON_ERROR_STOP=1"])
            .arg("--dbname")
            .arg(&url)
            .arg("--command")
            .arg(drop_ours_sql())
            .arg("--file")
            .arg(&dump)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null());
        if let Some(password) = &password {
            command.env("PGPASSWORD", password);
        }
        let output = command.output().map_err(|e| {
            StoreError::Restore(if e.kind() == std::io::ErrorKind::NotFound {
                format!(
                    "{} not found: a pg_dump file is loaded with psql (the PostgreSQL client)",
                    psql.display()
                )
            } else {
                format!("cannot run {}: {e}", psql.display())
            })
        })?;
        if !output.status.success() {
            return Err(StoreError::Restore(format!(
                "{} failed ({}), nothing was changed: {}",
                psql.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(())
    })
    .await
    .map_err(|e| StoreError::Restore(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(text: &str) -> Option<(String, u32, BackupFormat)> {
        BackupName::parse(text).map(|n| {
            (
                n.taken_at.strftime("%Y-%m-%d %H:%M:%S").to_string(),
                n.sequence,
                n.format,
            )
        })
    }

    #[test]
    fn our_names_parse_and_print_back() {
        assert_eq!(
            name("etl-20260105-031500.db"),
            Some(("2026-01-05 03:15:00".into(), 1, BackupFormat::SqliteFile))
        );
        assert_eq!(
            name("etl-20260105-031500-3.sql"),
            Some(("2026-01-05 03:15:00".into(), 3, BackupFormat::PgDump))
        );
        assert_eq!(
            name("etl-20261231-235959.json"),
            Some(("2026-12-31 23:59:59".into(), 1, BackupFormat::LogicalJson))
        );
        for text in [
            "etl-20260105-031500.db",
            "etl-20260105-031500-2.sql",
            "etl-20260105-031500-17.json",
        ] {
            assert_eq!(BackupName::parse(text).unwrap().file_name(), text);
        }
    }

    #[test]
    fn other_names_are_not_ours() {
        for text in [
            "etl.db",
            "etl-20260105-031500.db.partial",
            "etl-20260105-031500.txt",
            "etl-20260105-031500.DB",
            "etl-20260105-0315.db",
            "etl-20260105_031500.db",
            "etl-2026010-5031500.db",
            "etl-20261305-031500.db",
            "etl-20260105-031500-1.db",
            "etl-20260105-031500-02.db",
            "etl-20260105-031500-.db",
            "etl-20260105-031500-x.db",
            "my-etl-20260105-031500.db",
            "etl-+2026010-031500.db",
            "2025-11-02-201530-supply-round-1.txt",
        ] {
            assert_eq!(name(text), None, "{text}");
        }
    }

    #[test]
    fn later_names_sort_after_earlier_ones() {
        let mut names: Vec<BackupName> = [
            "etl-20260105-031500-2.db",
            "etl-20260106-000000.json",
            "etl-20260105-031500.db",
            "etl-20251231-235959.sql",
            "etl-20260105-031500-10.db",
        ]
        .iter()
        .map(|n| BackupName::parse(n).unwrap())
        .collect();
        names.sort_by_key(BackupName::order);
        let sorted: Vec<String> = names.iter().map(BackupName::file_name).collect();
        assert_eq!(
            sorted,
            [
                "etl-20251231-235959.sql",
                "etl-20260105-031500.db",
                "etl-20260105-031500-2.db",
                "etl-20260105-031500-10.db",
                "etl-20260106-000000.json",
            ]
        );
    }

    #[test]
    fn a_load_names_the_dumps_columns_typed_as_the_target_declares() {
        let column = |name: &str, kind: &str| CatalogColumn {
            name: name.into(),
            kind: kind.into(),
            pk: 0,
            identity: 0,
        };
        let target = [column("round_id", "bigint"), column("content", "bytea")];
        let sql = load_sql(
            BackendKind::Postgres,
            "round_files",
            &["content".into(), "round_id".into()],
            &target,
        )
        .unwrap();
        assert_eq!(
            sql,
            "INSERT INTO \"round_files\" (\"content\", \"round_id\") SELECT decode(value->>0, 'hex'), \
             CAST(value->>1 AS bigint) FROM json_array_elements(CAST($1 AS json)) AS source(value)"
        );
        let target = [column("round_id", "bigint"), column("content", "blob")];
        let sql = load_sql(
            BackendKind::Sqlite,
            "round_files",
            &["round_id".into(), "content".into()],
            &target,
        )
        .unwrap();
        assert_eq!(
            sql,
            "INSERT INTO \"round_files\" (\"round_id\", \"content\") SELECT json_extract(value, '$[0]'), \
             unhex(json_extract(value, '$[1]')) FROM json_each(?)"
        );
        let error = load_sql(
            BackendKind::Sqlite,
            "round_files",
            &["extra".into()],
            &target,
        );
        assert!(error.is_err());
    }

    #[test]
    fn only_our_objects_are_dropped_children_first() {
        let sql = drop_ours_sql();
        let position = |name: &str| sql.find(&format!("\"{name}\"")).unwrap();
        assert!(position("player_comprehensive_stats") < position("rounds"));
        assert!(position("round_files") < position("rounds"));
        assert!(position("rounds") < position("sessions"));
        assert!(position("discord_links") < position("players"));
        assert_eq!(sql.matches("DROP ").count(), TABLES.len() + VIEWS.len() + 1);
        assert!(sql.contains(MIGRATIONS_TABLE));
    }

    /// The SQLite dump writes REAL columns through `json_array`: it must
    /// print doubles so they read back exactly.
    #[test]
    fn sqlite_json_keeps_every_digit_of_a_double() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        #[derive(diesel::QueryableByName)]
        struct Text {
            #[diesel(sql_type = diesel::sql_types::Text)]
            value: String,
        }
        let row: Text =
            diesel::sql_query("SELECT json_array(0.1 + 0.2, 1.0 / 3, 1e300 * 10, 5e-324) AS value")
                .get_result(&mut conn)
                .unwrap();
        let values: Vec<f64> = serde_json::from_str(&row.value).unwrap();
        assert_eq!(values, [0.1 + 0.2, 1.0 / 3.0, 1e301, 5e-324]);
    }

    #[test]
    fn a_read_only_uri_escapes_what_sqlite_would_read_as_query() {
        assert_eq!(
            read_only_uri(Path::new("/b/a?b#c%d.db")).unwrap(),
            "file:/b/a%3fb%23c%25d.db?mode=ro&immutable=1"
        );
    }
}
