//! `etl-bot backup` and `etl-bot restore` end to end, as an operator runs
//! them, on a SQLite file and on a real PostgreSQL: import the sample night,
//! back up, change and destroy data, restore, and `etl-bot export --json`
//! gives what it gave before.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use etl_store::testing::TestDb;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn bot(url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_etl-bot"));
    command
        .env_remove("ETL_DATABASE_URL")
        .env_remove("ETL_MAINTENANCE__PG_DUMP")
        .args(["--db", url])
        .stdin(Stdio::null());
    command
}

fn run(command: &mut Command) -> Output {
    let output = command.output().unwrap();
    assert!(
        output.status.success(),
        "{:?} failed: {}\n{}",
        command,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn export(url: &str) -> serde_json::Value {
    serde_json::from_slice(&run(bot(url).args(["export", "--json"])).stdout).unwrap()
}

fn rounds(export: &serde_json::Value) -> usize {
    export["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["rounds"].as_array().unwrap().len())
        .sum()
}

/// `backup written: PATH (…` → PATH.
fn backup_path(output: &Output) -> PathBuf {
    let out = text(output);
    let line = out
        .lines()
        .find_map(|l| l.strip_prefix("backup written: "))
        .unwrap_or_else(|| panic!("no backup line in {out}"));
    PathBuf::from(line.split_once(" (").unwrap().0)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("etl-bot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The sample night, and the export it gives.
fn import_sample(url: &str) -> serde_json::Value {
    let sample = repo().join("testdata/sample-night");
    run(bot(url).arg("import").arg(&sample));
    let before = export(url);
    assert_eq!(rounds(&before), 8);
    before
}

/// Another night imported after the backup: the change a restore undoes.
fn import_later_round(url: &str) {
    let later = repo().join("testdata/parser/2025-11-14-225010-braundorf_b4-round-1.txt");
    run(bot(url).arg("import").arg(&later));
    assert_eq!(rounds(&export(url)), 9);
}

#[test]
fn sqlite_backup_restores_a_destroyed_database() {
    let dir = scratch("restore-sqlite");
    let db = dir.join("etl.db");
    let url = format!("sqlite://{}", db.display());
    let backups = dir.join("backups");
    let before = import_sample(&url);
    let backup = backup_path(&run(bot(&url).args(["backup", "--dir"]).arg(&backups)));
    assert!(backup.starts_with(&backups));
    assert!(backup.to_string_lossy().ends_with(".db"));
    import_later_round(&url);

    // Without --yes: it says what it would replace, and changes nothing.
    let dry = bot(&url).arg("restore").arg(&backup).output().unwrap();
    assert_eq!(dry.status.code(), Some(2));
    let said = text(&dry);
    assert!(said.contains("8 rounds"), "{said}");
    assert!(said.contains("9 rounds in 2 sessions"), "{said}");
    assert!(said.contains("nothing changed"), "{said}");
    assert_eq!(rounds(&export(&url)), 9);

    // The database file destroyed (garbage over it).
    std::fs::write(&db, vec![0x5a; 64 * 1024]).unwrap();
    for side in ["etl.db-wal", "etl.db-shm"] {
        let _ = std::fs::remove_file(dir.join(side));
    }
    let restored = run(bot(&url).arg("restore").arg(&backup).arg("--yes"));
    let said = text(&restored);
    assert!(said.contains("restored 8 rounds"), "{said}");
    assert!(said.contains("kept as"), "{said}");
    assert_eq!(export(&url), before);
    // The destroyed file is kept beside it, not deleted.
    let kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("etl.db.before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read(dir.join(&kept[0])).unwrap(),
        vec![0x5a; 64 * 1024]
    );

    // A logical export of the SQLite database restores into a new one.
    let logical = backup_path(&run(bot(&url)
        .args(["backup", "--logical", "--dir"])
        .arg(&backups)));
    assert!(logical.to_string_lossy().ends_with(".json"));
    let moved = format!("sqlite://{}", dir.join("moved.db").display());
    run(bot(&moved).arg("restore").arg(&logical).arg("--yes"));
    assert_eq!(export(&moved), before);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_is_refused_while_the_database_is_open() {
    let dir = scratch("restore-in-use");
    let url = format!("sqlite://{}", dir.join("etl.db").display());
    import_sample(&url);
    let backup = backup_path(&run(bot(&url)
        .args(["backup", "--dir"])
        .arg(dir.join("backups"))));
    import_later_round(&url);

    // Another process (the running bot) has the database open.
    let holder = etl_store::Store::open(&url, etl_store::ImportOptions::default())
        .await
        .unwrap();
    let refused = bot(&url)
        .arg("restore")
        .arg(&backup)
        .arg("--yes")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        text(&refused).contains("stop the bot first"),
        "{}",
        text(&refused)
    );
    drop(holder);
    assert_eq!(rounds(&export(&url)), 9);

    run(bot(&url).arg("restore").arg(&backup).arg("--yes"));
    assert_eq!(rounds(&export(&url)), 8);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs `sql` on the database with psql (the PostgreSQL client CI installs).
fn psql(url: &str, sql: &str) {
    let status = Command::new("psql")
        .args([
            "--no-psqlrc",
            "--quiet",
            "-v",
            "ON_ERROR_STOP=1",
            "--dbname",
            url,
        ])
        .args(["--command", sql])
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "psql {sql}");
}

fn has_pg_tools() -> bool {
    ["pg_dump", "psql"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_dump_and_logical_backups_restore() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    if !has_pg_tools() {
        if std::env::var("ETL_REQUIRE_PG").as_deref() == Ok("1") {
            panic!("ETL_REQUIRE_PG=1 but pg_dump / psql are not installed");
        }
        eprintln!("\n!!!!! SKIPPED: pg_dump / psql not installed !!!!!\n");
        return;
    }
    let url = db.url.clone();
    let dir = scratch("restore-pg");
    let backups = dir.join("backups");
    let before = import_sample(&url);

    // pg_dump.
    let dump = backup_path(&run(bot(&url).args(["backup", "--dir"]).arg(&backups)));
    assert!(dump.to_string_lossy().ends_with(".sql"));
    // No pg_dump: the logical JSON export.
    let logical = backup_path(&run(bot(&url)
        .env("ETL_MAINTENANCE__PG_DUMP", "/nonexistent/pg_dump")
        .args(["backup", "--dir"])
        .arg(&backups)));
    assert!(logical.to_string_lossy().ends_with(".json"));

    for backup in [&dump, &logical] {
        import_later_round(&url);
        psql(&url, "DROP TABLE team_history; DELETE FROM discord_links;");
        let restored = run(bot(&url)
            .env("ETL_COMMANDS__BACKUP_DIR", &backups)
            .arg("restore")
            .arg(backup)
            .arg("--yes"));
        let said = text(&restored);
        // The damaged database was backed up before it was replaced.
        assert!(said.contains("backed up the current database to"), "{said}");
        assert!(said.contains("restored 8 rounds"), "{said}");
        assert_eq!(export(&url), before, "{}", backup.display());
    }
    // After a restore the bot takes new rounds again.
    import_later_round(&url);

    // The logical export also restores into a new SQLite database.
    let sqlite = format!("sqlite://{}", dir.join("moved.db").display());
    run(bot(&sqlite).arg("restore").arg(&logical).arg("--yes"));
    assert_eq!(export(&sqlite), before);
    std::fs::remove_dir_all(&dir).unwrap();
}
