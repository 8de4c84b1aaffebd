//! Backup retention and restore of every backup kind, on a real SQLite file
//! and a real PostgreSQL: import the sample night, back up, damage the
//! database, restore, and the data is what it was.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use common::{TestDb, import_all, repo_root, round_files};
use etl_store::{
    BackendKind, BackupFormat, ImportOptions, ImportOutcome, RestoreOptions, Store, StoreError,
};
use serde_json::Value;

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(common::unique(name));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Everything a restore must bring back: the export, every table's rows (in
/// the backend's own representation) and the row counts.
async fn snapshot(store: &Store) -> Snapshot {
    let export = serde_json::to_value(store.export().await.unwrap()).unwrap();
    let logical: Value = serde_json::from_str(&store.logical_export().await.unwrap()).unwrap();
    (
        export,
        logical["tables"].clone(),
        store.table_counts().await.unwrap(),
    )
}

/// The sample night, a Discord link and a failed file: every table has rows.
async fn sample_store(db: &TestDb) -> Store {
    let store = db.open().await;
    let mut night = round_files(&repo_root().join("testdata/sample-night"));
    // The last round as the bot's fetcher imports it: queued for its card.
    let last = night.pop().unwrap();
    import_all(&store, &night).await;
    let announced = ImportOptions {
        announce: true,
        ..store.options().clone()
    };
    store
        .import_file_with(
            &announced,
            last.file_name().unwrap().to_str().unwrap(),
            &std::fs::read(&last).unwrap(),
        )
        .await
        .unwrap();
    let broken = repo_root().join("testdata/parser/broken/2025-11-20-200000-empty-round-1.txt");
    store
        .import_file(
            broken.file_name().unwrap().to_str().unwrap(),
            &std::fs::read(&broken).unwrap(),
        )
        .await
        .unwrap();
    store.link_discord("123456789", 1).await.unwrap();
    let counts = store.table_counts().await.unwrap();
    for (table, rows) in &counts {
        assert!(*rows > 0, "{table} is empty: {counts:?}");
    }
    store
}

/// Changes and destroys data after the backup: another night imported, a
/// link removed, a table dropped.
async fn damage(store: &Store, url: &str) {
    let later = repo_root().join("testdata/parser/2025-11-14-225010-braundorf_b4-round-1.txt");
    let outcome = store
        .import_file(
            later.file_name().unwrap().to_str().unwrap(),
            &std::fs::read(&later).unwrap(),
        )
        .await
        .unwrap();
    assert!(matches!(outcome, ImportOutcome::Imported { .. }));
    assert!(store.unlink_discord("123456789").await.unwrap());
    raw_execute(store.backend(), url, "DROP TABLE team_history").await;
}

async fn raw_execute(backend: BackendKind, url: &str, sql: &str) {
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    match backend {
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

/// What [`snapshot`] gives.
type Snapshot = (Value, Value, Vec<(&'static str, i64)>);

/// The restored database holds what it held before the damage, passes the
/// schema check and takes new rounds.
async fn as_before(db: &TestDb, before: &Snapshot) {
    let restored = db.open().await;
    assert_eq!(&snapshot(&restored).await, before);
    assert!(restored.check_schema().await.unwrap().is_ok());
    drop(restored);
    still_imports(&db.url).await;
}

/// After a restore the database takes new rounds again (PostgreSQL: the
/// identity sequences follow the restored ids).
async fn still_imports(url: &str) {
    let store = Store::open(url, ImportOptions::default()).await.unwrap();
    let later = repo_root().join("testdata/parser/2025-11-14-231500-etl_frostbite-round-1.txt");
    let outcome = store
        .import_file(
            later.file_name().unwrap().to_str().unwrap(),
            &std::fs::read(&later).unwrap(),
        )
        .await
        .unwrap();
    assert!(
        matches!(outcome, ImportOutcome::Imported { .. }),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_file_backup_restores_over_a_damaged_database() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let before = snapshot(&store).await;
    let dir = scratch_dir("etl-restore-sqlite");
    let backup = store.backup(&dir).await.unwrap();
    assert_eq!(backup.format, BackupFormat::SqliteFile);
    damage(&store, &db.url).await;

    // The store still has the file open: refused, nothing changed.
    let refused = etl_store::restore(&db.url, &backup.path, &RestoreOptions::default()).await;
    assert!(matches!(refused, Err(StoreError::InUse(_))), "{refused:?}");
    drop(store);

    let report = etl_store::restore(&db.url, &backup.path, &RestoreOptions::default())
        .await
        .unwrap();
    assert_eq!(report.rounds, 8);
    assert_eq!(report.backup.format, BackupFormat::SqliteFile);
    let previous = report.previous_file.unwrap();
    assert!(
        previous
            .to_string_lossy()
            .contains("test.db.before-restore-")
    );
    // The replaced database is kept, with what it held (the later round).
    let kept = Store::open(
        &format!("sqlite://{}", previous.display()),
        ImportOptions::default(),
    )
    .await
    .unwrap();
    let rounds: usize = kept
        .export()
        .await
        .unwrap()
        .sessions
        .iter()
        .map(|s| s.rounds.len())
        .sum();
    assert_eq!(rounds, 9);
    drop(kept);

    as_before(&db, &before).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_logical_export_restores_into_sqlite() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let before = snapshot(&store).await;
    let dir = scratch_dir("etl-restore-sqlite-json");
    let path = dir.join("etl-20260101-000000.json");
    std::fs::write(&path, store.logical_export().await.unwrap()).unwrap();
    damage(&store, &db.url).await;
    drop(store);

    let report = etl_store::restore(&db.url, &path, &RestoreOptions::default())
        .await
        .unwrap();
    assert_eq!(report.backup.format, BackupFormat::LogicalJson);
    assert_eq!(report.rounds, 8);
    assert_eq!(report.previous_file, None);
    as_before(&db, &before).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_dump_restores_over_a_damaged_database() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = sample_store(&db).await;
    let before = snapshot(&store).await;
    let dir = scratch_dir("etl-restore-pg");
    let backup = store.backup(&dir).await.unwrap();
    if backup.format != BackupFormat::PgDump {
        eprintln!("\n!!!!! SKIPPED the pg_dump restore: no pg_dump !!!!!\n");
        return;
    }
    damage(&store, &db.url).await;

    let refused = etl_store::restore(&db.url, &backup.path, &RestoreOptions::default()).await;
    assert!(matches!(refused, Err(StoreError::InUse(_))), "{refused:?}");
    drop(store);

    let report = etl_store::restore(&db.url, &backup.path, &RestoreOptions::default())
        .await
        .unwrap();
    assert_eq!(report.backup.format, BackupFormat::PgDump);
    assert_eq!(report.rounds, 8);
    as_before(&db, &before).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_logical_backup_restores_into_postgres_and_sqlite() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let store = sample_store(&db).await;
    let before = snapshot(&store).await;
    let dir = scratch_dir("etl-restore-pg-json");
    let backup = store
        .backup_with(&dir, Path::new("/nonexistent/pg_dump"))
        .await
        .unwrap();
    assert_eq!(backup.format, BackupFormat::LogicalJson);
    damage(&store, &db.url).await;
    drop(store);

    etl_store::restore(&db.url, &backup.path, &RestoreOptions::default())
        .await
        .unwrap();
    as_before(&db, &before).await;

    // The same file into a new SQLite database: the export and every count
    // come through (booleans and blobs change representation, not value).
    let sqlite = TestDb::sqlite();
    etl_store::restore(&sqlite.url, &backup.path, &RestoreOptions::default())
        .await
        .unwrap();
    let copy = sqlite.open().await;
    let (export, _, counts) = snapshot(&copy).await;
    assert_eq!(export, before.0);
    assert_eq!(counts, before.2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sqlite_backup_restores_into_postgres() {
    let Some(pg) = TestDb::postgres().await else {
        return;
    };
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let (export, _, counts) = snapshot(&store).await;
    let dir = scratch_dir("etl-restore-cross");
    let backup = store.backup(&dir).await.unwrap();
    etl_store::restore(&pg.url, &backup.path, &RestoreOptions::default())
        .await
        .unwrap();
    let moved = pg.open().await;
    let after = snapshot(&moved).await;
    assert_eq!(after.0, export);
    assert_eq!(after.2, counts);
    drop(moved);
    still_imports(&pg.url).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn what_cannot_be_restored_is_refused_and_changes_nothing() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let before = snapshot(&store).await;
    let dir = scratch_dir("etl-restore-refused");
    let mut document: Value = serde_json::from_str(&store.logical_export().await.unwrap()).unwrap();
    drop(store);
    let restore = |path: PathBuf| {
        let url = db.url.clone();
        async move { etl_store::restore(&url, &path, &RestoreOptions::default()).await }
    };

    // Not a backup at all.
    let text = dir.join("notes.txt");
    std::fs::write(&text, "hello\n").unwrap();
    let error = restore(text).await.unwrap_err().to_string();
    assert!(error.contains("is not a backup"), "{error}");

    // A pg_dump file cannot go into SQLite.
    let dump = dir.join("etl-20260101-000000.sql");
    std::fs::write(
        &dump,
        "--\n-- PostgreSQL database dump\n--\n\n-- PostgreSQL database dump complete\n",
    )
    .unwrap();
    let error = restore(dump).await.unwrap_err().to_string();
    assert!(error.contains("PostgreSQL only"), "{error}");

    // A cut SQL dump is refused before anything happens.
    let cut = dir.join("cut.sql");
    std::fs::write(
        &cut,
        "--\n-- PostgreSQL database dump\n--\nCREATE TABLE x ();\n",
    )
    .unwrap();
    let error = restore(cut).await.unwrap_err().to_string();
    assert!(error.contains("completion line"), "{error}");

    // A backup of a newer build.
    document["migrations"]
        .as_array_mut()
        .unwrap()
        .push("29990101000000".into());
    let newer = dir.join("newer.json");
    std::fs::write(&newer, document.to_string()).unwrap();
    let error = restore(newer).await.unwrap_err().to_string();
    assert!(error.contains("newer etl-bot"), "{error}");

    // A first-version export (no tables).
    document["migrations"].as_array_mut().unwrap().pop();
    document.as_object_mut().unwrap().remove("tables");
    document["version"] = 1.into();
    let old = dir.join("old.json");
    std::fs::write(&old, document.to_string()).unwrap();
    let error = restore(old).await.unwrap_err().to_string();
    assert!(error.contains("not the tables"), "{error}");

    // A row the schema refuses: the whole load rolls back.
    let mut broken: Value = serde_json::from_str(
        &Store::open(&db.url, ImportOptions::default())
            .await
            .unwrap()
            .logical_export()
            .await
            .unwrap(),
    )
    .unwrap();
    let rows = broken["tables"]["rounds"]["rows"].as_array_mut().unwrap();
    let duplicate = rows[0].clone();
    rows.push(duplicate);
    let bad = dir.join("bad.json");
    std::fs::write(&bad, broken.to_string()).unwrap();
    assert!(restore(bad).await.is_err());

    let store = db.open().await;
    assert_eq!(snapshot(&store).await, before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn retention_keeps_the_newest_and_touches_nothing_else() {
    let dir = scratch_dir("etl-retention");
    let ours = [
        "etl-20260101-030000.db",
        "etl-20260102-030000.sql",
        "etl-20260103-030000.json",
        "etl-20260103-030000-2.db",
        "etl-20260104-030000.db",
    ];
    for name in ours {
        std::fs::write(dir.join(name), name).unwrap();
    }
    // Not ours, however close.
    let foreign = [
        "etl.db",
        "etl-20200101-030000.db.bak",
        "etl-20200101-030000.txt",
        "etl-2020-01-01.db",
        "notes.txt",
        "ETL-20200101-030000.db",
    ];
    for name in foreign {
        std::fs::write(dir.join(name), name).unwrap();
    }
    std::fs::create_dir(dir.join("etl-20200101-030000.db.d")).unwrap();
    // A folder and a symlink with our names are not backups either.
    std::fs::create_dir(dir.join("etl-20200101-000000.db")).unwrap();
    let outside = scratch_dir("etl-retention-outside");
    std::fs::write(outside.join("precious.db"), "precious").unwrap();
    std::os::unix::fs::symlink(
        outside.join("precious.db"),
        dir.join("etl-20200102-000000.db"),
    )
    .unwrap();
    // An unfinished backup from long ago, and one being written now.
    std::fs::write(dir.join("etl-20200101-030000.db.partial"), "stale").unwrap();
    let (_, fresh_partial) = {
        let stamp = jiff::tz::TimeZone::UTC
            .to_datetime(jiff::Timestamp::now())
            .strftime("%Y%m%d-%H%M%S")
            .to_string();
        let path = dir.join(format!("etl-{stamp}.db.partial"));
        std::fs::write(&path, "writing").unwrap();
        ((), path)
    };

    let listed: Vec<String> = etl_store::list_backups(&dir)
        .unwrap()
        .iter()
        .map(|b| b.name.file_name())
        .collect();
    assert_eq!(listed, ours);

    let removed = etl_store::prune_backups(&dir, NonZeroUsize::new(2).unwrap()).unwrap();
    let mut removed: Vec<String> = removed
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    removed.sort();
    assert_eq!(
        removed,
        [
            "etl-20200101-030000.db.partial",
            "etl-20260101-030000.db",
            "etl-20260102-030000.sql",
            "etl-20260103-030000.json",
        ]
    );
    for name in ["etl-20260103-030000-2.db", "etl-20260104-030000.db"] {
        assert!(dir.join(name).is_file(), "{name}");
    }
    for name in foreign {
        assert_eq!(std::fs::read_to_string(dir.join(name)).unwrap(), name);
    }
    assert!(dir.join("etl-20200101-000000.db").is_dir());
    assert!(dir.join("etl-20200101-030000.db.d").is_dir());
    assert!(fresh_partial.is_file());
    assert_eq!(
        std::fs::read_to_string(outside.join("precious.db")).unwrap(),
        "precious"
    );
    assert!(
        std::fs::symlink_metadata(dir.join("etl-20200102-000000.db"))
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // Keeping more than there are deletes nothing; a missing folder holds none.
    assert!(
        etl_store::prune_backups(&dir, NonZeroUsize::new(10).unwrap())
            .unwrap()
            .is_empty()
    );
    assert!(
        etl_store::list_backups(&dir.join("missing"))
            .unwrap()
            .is_empty()
    );
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&outside).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn backup_and_prune_deletes_only_after_a_good_backup() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let dir = scratch_dir("etl-backup-prune");
    let keep = NonZeroUsize::new(2);
    let mut written = Vec::new();
    for _ in 0..3 {
        let (report, _) = store
            .backup_and_prune(&dir, Path::new("pg_dump"), keep)
            .await
            .unwrap();
        written.push(report.path);
    }
    let left: Vec<PathBuf> = etl_store::list_backups(&dir)
        .unwrap()
        .into_iter()
        .map(|b| b.path)
        .collect();
    assert_eq!(left, written[1..]);
    for path in &left {
        let info = etl_store::inspect_backup(path).await.unwrap();
        assert_eq!(info.rounds, 8);
        assert_eq!(info.format, BackupFormat::SqliteFile);
        let applied = store.check_schema().await.unwrap().migrations.len();
        assert_eq!(info.migrations.len(), applied);
        assert!(info.taken_at.unwrap().ends_with(" UTC"));
    }
    // No side files beside the checked copies, no partials left.
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");

    // A backup that cannot be written deletes nothing.
    let blocked = dir.join("blocked");
    std::fs::write(&blocked, "a file where the folder should be").unwrap();
    assert!(
        store
            .backup_and_prune(&blocked, Path::new("pg_dump"), NonZeroUsize::new(1))
            .await
            .is_err()
    );
    assert_eq!(etl_store::list_backups(&dir).unwrap().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}
