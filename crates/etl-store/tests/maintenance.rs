//! The maintenance API (schema check, counts, size, backup, vacuum, import
//! log) on a real SQLite file and a real PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::path::{Path, PathBuf};

use common::{TestDb, import_all, repo_root, round_files};
use etl_store::{BackendKind, BackupFormat, ImportOptions, ImportOutcome, Store, TABLES, VIEWS};
use serde_json::Value;

/// Stamps each test once per backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let db = super::TestDb::sqlite();
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let Some(db) = super::TestDb::postgres().await else { return };
                    super::$name(&db).await;
                }
            )*
        }
    };
}

on_both_backends!(
    a_migrated_database_passes_the_schema_check,
    an_empty_database_fails_the_schema_check,
    every_table_is_counted,
    the_size_is_reported,
    a_backup_holds_every_round,
    without_pg_dump_the_backup_is_a_logical_export,
    the_logical_export_is_the_export_as_json,
    vacuum_keeps_the_data,
    the_import_log_lists_recent_and_failed_files,
    analyze_leaves_statistics_for_the_planner,
);

fn sample_night() -> Vec<PathBuf> {
    round_files(&repo_root().join("testdata/sample-night"))
}

async fn sample_store(db: &TestDb) -> Store {
    let store = db.open().await;
    import_all(&store, &sample_night()).await;
    store
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(common::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn a_migrated_database_passes_the_schema_check(db: &TestDb) {
    let store = db.open().await;
    let report = store.check_schema().await.unwrap();
    assert!(report.is_ok(), "{report:#?}");
    let names: Vec<_> = report
        .migrations
        .iter()
        .map(|m| (m.version.as_str(), m.name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("20261203000001", Some("2026-12-03-000001_initial")),
            ("20261203000002", Some("2026-12-03-000002_scale_indexes")),
            (
                "20261203000003",
                Some("2026-12-03-000003_player_session_totals")
            ),
            (
                "20261203000004",
                Some("2026-12-03-000004_round_announcements")
            ),
        ]
    );
    assert!(report.migrations.iter().all(|m| m.applied && m.embedded));
    let names: Vec<&str> = report.objects.iter().map(|o| o.name).collect();
    assert_eq!(names.len(), TABLES.len() + VIEWS.len());
    assert!(names.contains(&"player_comprehensive_stats"));
    assert!(report.unexpected.is_empty(), "{:?}", report.unexpected);
    assert_eq!(report.pending().count(), 0);
    assert_eq!(report.missing().count(), 0);
}

async fn an_empty_database_fails_the_schema_check(db: &TestDb) {
    // Connected but never migrated.
    let store = Store::connect(&db.url, ImportOptions::default())
        .await
        .unwrap();
    let report = store.check_schema().await.unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.pending().count(), 4);
    assert_eq!(report.missing().count(), TABLES.len() + VIEWS.len());

    // Migrated, plus a table of someone else's, minus the view.
    store.migrate().await.unwrap();
    raw_execute(
        &store,
        &db.url,
        "CREATE TABLE notes (id INTEGER PRIMARY KEY); DROP VIEW player_comprehensive_stats;",
    )
    .await;
    let report = store.check_schema().await.unwrap();
    assert!(!report.is_ok());
    assert_eq!(report.pending().count(), 0);
    let missing: Vec<&str> = report.missing().map(|o| o.name).collect();
    assert_eq!(missing, ["player_comprehensive_stats"]);
    assert_eq!(report.unexpected, ["notes"]);
}

async fn raw_execute(store: &Store, url: &str, sql: &str) {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    match store.backend() {
        BackendKind::Postgres => {
            let mut conn = diesel_async::AsyncPgConnection::establish(url)
                .await
                .unwrap();
            conn.batch_execute(sql).await.unwrap();
        }
        BackendKind::Sqlite => {
            let path = etl_store::sqlite_path(url).unwrap();
            let mut conn = diesel_async::sync_connection_wrapper::SyncConnectionWrapper::<
                diesel::SqliteConnection,
            >::establish(path)
            .await
            .unwrap();
            conn.batch_execute(sql).await.unwrap();
        }
    }
}

async fn every_table_is_counted(db: &TestDb) {
    let store = sample_store(db).await;
    let counts = store.table_counts().await.unwrap();
    let names: Vec<&str> = counts.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, TABLES);
    let count = |name: &str| counts.iter().find(|(n, _)| *n == name).unwrap().1;
    assert_eq!(count("rounds"), 8);
    assert_eq!(count("round_files"), 8);
    assert_eq!(count("sessions"), 1);
    assert_eq!(count("processed_files"), 8);
    assert_eq!(count("discord_links"), 0);
    // The same numbers as `info` where both count.
    for (name, rows) in store.info().await.unwrap().counts {
        if let Some((_, mine)) = counts.iter().find(|(n, _)| *n == name) {
            assert_eq!(*mine, rows, "{name}");
        }
    }
}

async fn the_size_is_reported(db: &TestDb) {
    let store = sample_store(db).await;
    let size = store.database_size().await.unwrap();
    assert!(size > 64 * 1024, "{size}");
    if let Some(path) = etl_store::sqlite_path(&db.url) {
        let file = std::fs::metadata(path).unwrap().len();
        let wal = std::fs::metadata(format!("{path}-wal")).map_or(0, |m| m.len());
        assert_eq!(size, file + wal);
    }
}

async fn a_backup_holds_every_round(db: &TestDb) {
    let store = sample_store(db).await;
    let dir = scratch_dir("etl-backup");
    let backup = store.backup(&dir.join("nested")).await.unwrap();
    assert!(backup.path.starts_with(dir.join("nested")));
    let file_name = backup
        .path
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(file_name.starts_with("etl-"), "{file_name}");
    assert_eq!(backup.rounds, 8);
    assert_eq!(backup.bytes, std::fs::metadata(&backup.path).unwrap().len());
    let expected = serde_json::to_value(store.export().await.unwrap()).unwrap();
    match store.backend() {
        BackendKind::Sqlite => {
            assert_eq!(backup.format, BackupFormat::SqliteFile);
            assert!(file_name.ends_with(".db"));
            let copy = Store::open(
                &format!("sqlite://{}", backup.path.display()),
                ImportOptions::default(),
            )
            .await
            .unwrap();
            assert_eq!(
                serde_json::to_value(copy.export().await.unwrap()).unwrap(),
                expected
            );
        }
        BackendKind::Postgres => {
            assert_eq!(backup.format, BackupFormat::PgDump);
            assert!(file_name.ends_with(".sql"));
            let dump = std::fs::read_to_string(&backup.path).unwrap();
            assert!(dump.contains("COPY public.rounds "));
            restore_and_compare(&backup.path, &expected).await;
        }
    }
    // A second backup in the same second gets a name of its own.
    let again = store.backup(&dir.join("nested")).await.unwrap();
    assert_ne!(again.path, backup.path);
    assert!(backup.path.exists() && again.path.exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Loads a plain dump into a new database with `psql` and compares its export.
async fn restore_and_compare(dump: &Path, expected: &Value) {
    let Some(target) = TestDb::postgres().await else {
        return;
    };
    let status = std::process::Command::new("psql")
        .args([
            "--quiet",
            "--no-psqlrc",
            "-v",
            "ON_ERROR_STOP=1",
            "--dbname",
        ])
        .arg(&target.url)
        .arg("--file")
        .arg(dump)
        .stdout(std::process::Stdio::null())
        .status();
    match status {
        Ok(status) => assert!(status.success(), "psql failed to restore the dump"),
        Err(error) => {
            eprintln!("\n!!!!! SKIPPED restoring the dump: no psql ({error}) !!!!!\n");
            return;
        }
    }
    let restored = target.open().await;
    assert_eq!(
        &serde_json::to_value(restored.export().await.unwrap()).unwrap(),
        expected
    );
}

async fn without_pg_dump_the_backup_is_a_logical_export(db: &TestDb) {
    let store = sample_store(db).await;
    let dir = scratch_dir("etl-backup-logical");
    let backup = store
        .backup_with(&dir, Path::new("/nonexistent/pg_dump"))
        .await
        .unwrap();
    assert_eq!(backup.rounds, 8);
    match store.backend() {
        // SQLite never needs pg_dump.
        BackendKind::Sqlite => assert_eq!(backup.format, BackupFormat::SqliteFile),
        BackendKind::Postgres => {
            assert_eq!(backup.format, BackupFormat::LogicalJson);
            assert!(backup.path.to_string_lossy().ends_with(".json"));
            let document: Value =
                serde_json::from_slice(&std::fs::read(&backup.path).unwrap()).unwrap();
            assert_eq!(
                document["export"],
                serde_json::to_value(store.export().await.unwrap()).unwrap()
            );
            assert_eq!(document["processed_files"].as_array().unwrap().len(), 8);
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

async fn the_logical_export_is_the_export_as_json(db: &TestDb) {
    let store = sample_store(db).await;
    let broken =
        repo_root().join("testdata/parser/broken/2025-11-20-200300-binary_garbage-round-1.txt");
    store
        .import_file(
            broken.file_name().unwrap().to_str().unwrap(),
            &std::fs::read(&broken).unwrap(),
        )
        .await
        .unwrap();
    let text = store.logical_export().await.unwrap();
    let document: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(document["format"], "etl-stats logical export");
    assert_eq!(
        document["export"],
        serde_json::to_value(store.export().await.unwrap()).unwrap()
    );
    let files = document["processed_files"].as_array().unwrap();
    assert_eq!(files.len(), 9);
    let failed: Vec<&Value> = files.iter().filter(|f| f["success"] == false).collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["error"].as_str().unwrap().len() > 10);
    assert_eq!(failed[0]["round_id"], Value::Null);
}

async fn vacuum_keeps_the_data(db: &TestDb) {
    let store = sample_store(db).await;
    let before = serde_json::to_value(store.export().await.unwrap()).unwrap();
    store.vacuum().await.unwrap();
    store.vacuum().await.unwrap();
    assert_eq!(
        serde_json::to_value(store.export().await.unwrap()).unwrap(),
        before
    );
    assert!(store.check_schema().await.unwrap().is_ok());
}

async fn the_import_log_lists_recent_and_failed_files(db: &TestDb) {
    let store = sample_store(db).await;
    assert!(store.failed_imports(10).await.unwrap().is_empty());
    let broken = repo_root().join("testdata/parser/broken/2025-11-20-200000-empty-round-1.txt");
    let name = broken.file_name().unwrap().to_str().unwrap();
    let bytes = std::fs::read(&broken).unwrap();
    for attempt in 1..=2 {
        let outcome = store.import_file(name, &bytes).await.unwrap();
        assert!(matches!(outcome, ImportOutcome::Failed { .. }), "{attempt}");
    }
    let failed = store.failed_imports(10).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].file_name, name);
    assert_eq!(failed[0].attempts, 2);
    assert!(!failed[0].success);
    assert!(failed[0].error.as_deref().unwrap().contains(name));

    let recent = store.recent_imports(3).await.unwrap();
    assert_eq!(recent.len(), 3);
    assert!(recent.iter().all(|f| f.success && f.round_id.is_some()));
    // Newest first; files imported in the same second, the later file first.
    let all = store.recent_imports(100).await.unwrap();
    assert_eq!(all.len(), 8);
    for pair in all.windows(2) {
        assert!(
            (&pair[0].processed_at, &pair[0].file_name)
                >= (&pair[1].processed_at, &pair[1].file_name)
        );
    }
    let names = |files: &[etl_store::models::ProcessedFile]| -> Vec<String> {
        files.iter().map(|f| f.file_name.clone()).collect()
    };
    assert_eq!(names(&all[..3]), names(&recent));
}

/// `analyze` leaves the planner numbers for the stats tables: SQLite's
/// `sqlite_stat1` rows, PostgreSQL's `last_analyze`.
async fn analyze_leaves_statistics_for_the_planner(db: &TestDb) {
    let store = sample_store(db).await;
    store.analyze().await.unwrap();
    let analyzed: i64 = match store.backend() {
        BackendKind::Sqlite => {
            use diesel::{Connection, RunQueryDsl};
            #[derive(diesel::QueryableByName)]
            struct Count {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                n: i64,
            }
            let mut conn =
                diesel::SqliteConnection::establish(etl_store::sqlite_path(&db.url).unwrap())
                    .unwrap();
            diesel::sql_query(
                "SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = 'player_round_stats'",
            )
            .get_result::<Count>(&mut conn)
            .unwrap()
            .n
        }
        BackendKind::Postgres => {
            let output = std::process::Command::new("psql")
                .args([
                    &db.url,
                    "-Atc",
                    "SELECT COUNT(*) FROM pg_stat_user_tables \
                     WHERE relname = 'player_round_stats' AND last_analyze IS NOT NULL",
                ])
                .output()
                .unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
            String::from_utf8(output.stdout)
                .unwrap()
                .trim()
                .parse()
                .unwrap()
        }
    };
    assert!(analyzed > 0, "no statistics for player_round_stats");
    assert_eq!(store.table_counts().await.unwrap().len(), TABLES.len());
}
