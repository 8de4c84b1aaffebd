//! Scheduled maintenance against a real SQLite file and real folders: the
//! schedule (what is due when, across restarts and failures), the scheduler
//! loop, and `etl-bot maintain` as cron would run it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use etl_bot::config::Config;
use etl_bot::maintenance::{Maintenance, Task};
use etl_store::{ImportOptions, Store};
use jiff::{SignedDuration, Timestamp};

const R1: &str = "2025-11-02-201530-supply-round-1.txt";
const R2: &str = "2025-11-02-203304-supply-round-2.txt";

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/sample-night")
        .join(name)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("etl-bot-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn config(dir: &Path) -> Config {
    let mut config = Config {
        database_url: format!("sqlite://{}", dir.join("etl.db").display()),
        ..Config::default()
    };
    config.commands.backup_dir = dir.join("backups");
    config.ingest.local_dir = dir.join("stats");
    config.maintenance.backup_every_h = 24;
    config.maintenance.vacuum_every_h = 0;
    config.maintenance.prune_downloads_after_days = 0;
    config
}

async fn store(config: &Config) -> Arc<Store> {
    let store = Store::open(&config.database_url, ImportOptions::default())
        .await
        .unwrap();
    store
        .import_file(R1, &std::fs::read(sample(R1)).unwrap())
        .await
        .unwrap();
    Arc::new(store)
}

fn backups(config: &Config) -> usize {
    etl_store::list_backups(&config.commands.backup_dir)
        .unwrap()
        .len()
}

fn later(hours: i64) -> Timestamp {
    Timestamp::now()
        .checked_add(SignedDuration::from_hours(hours))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scheduler_backs_up_when_due_and_not_again() {
    let dir = scratch("maint-schedule");
    let config = config(&dir);
    let maintenance = Maintenance::new(store(&config).await, &config);
    assert_eq!(maintenance.enabled(), [Task::Backup]);
    // No backup yet: due at once.
    assert_eq!(maintenance.due(Timestamp::now()), [Task::Backup]);

    let mut status = maintenance.status();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(maintenance.run(Duration::from_millis(50), stop_rx));
    tokio::time::timeout(
        Duration::from_secs(120),
        status.wait_for(|s| s.last_backup.is_some()),
    )
    .await
    .expect("no backup was written")
    .unwrap();
    // Many more looks: the next backup is a day away.
    for _ in 0..10 {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    stop_tx.send(true).unwrap();
    running.await.unwrap();
    assert_eq!(backups(&config), 1);
    let done = status.borrow().clone();
    assert_eq!(done.failures_in_a_row, 0);
    assert_eq!(done.last_error, None);
    let backup = done.last_backup.unwrap();
    assert_eq!(backup.rounds, 1);
    assert!(backup.path.is_file());

    // A restarted bot counts from the newest backup on disk.
    let restarted = Maintenance::new(store(&config).await, &config);
    assert!(restarted.due(Timestamp::now()).is_empty());
    assert!(restarted.due(later(23)).is_empty());
    assert_eq!(restarted.due(later(25)), [Task::Backup]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn vacuum_is_remembered_across_restarts() {
    let dir = scratch("maint-vacuum");
    let mut config = config(&dir);
    config.maintenance.backup_every_h = 0;
    config.maintenance.vacuum_every_h = 168;
    let maintenance = Maintenance::new(store(&config).await, &config);
    assert_eq!(maintenance.enabled(), [Task::Vacuum]);
    // Never recorded: a week after start, not at once.
    assert!(maintenance.due(Timestamp::now()).is_empty());
    assert_eq!(maintenance.due(later(169)), [Task::Vacuum]);

    let line = maintenance.run_task(Task::Vacuum).await.unwrap();
    assert!(line.contains("vacuum"), "{line}");
    let at = maintenance.status().borrow().last_vacuum_at.unwrap();
    assert!(dir.join("backups/.etl-maintenance.json").is_file());
    // The state file is not a backup, and retention never sees it.
    assert_eq!(backups(&config), 0);

    let restarted = Maintenance::new(store(&config).await, &config);
    assert_eq!(restarted.status().borrow().last_vacuum_at, Some(at));
    assert!(restarted.due(later(167)).is_empty());
    assert_eq!(restarted.due(later(169)), [Task::Vacuum]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_backup_is_reported_and_retried_later() {
    let dir = scratch("maint-failure");
    let config = config(&dir);
    // A file where the backup folder should be.
    std::fs::write(&config.commands.backup_dir, "in the way").unwrap();
    let maintenance = Maintenance::new(store(&config).await, &config);
    assert!(maintenance.run_task(Task::Backup).await.is_err());
    let status = maintenance.status().borrow().clone();
    assert_eq!(status.failures_in_a_row, 1);
    let failure = status.last_error.unwrap();
    assert_eq!(failure.task, Task::Backup);
    assert!(failure.error.contains("backups"), "{}", failure.error);
    // Not again at the next look, but after an hour.
    assert!(maintenance.due(Timestamp::now()).is_empty());
    assert_eq!(maintenance.due(later(2)), [Task::Backup]);

    std::fs::remove_file(&config.commands.backup_dir).unwrap();
    maintenance.run_task(Task::Backup).await.unwrap();
    let status = maintenance.status().borrow().clone();
    assert_eq!(status.failures_in_a_row, 0);
    assert!(status.last_backup.is_some());
    // The failure stays visible (when and what), only no longer current.
    assert!(status.last_error.is_some());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Writes `path` with `bytes`, last modified `days` ago.
fn put_old(path: &Path, bytes: &[u8], days: u64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(SystemTime::now() - Duration::from_secs(days * 24 * 3600))
        .unwrap();
}

#[test]
fn maintain_runs_every_task_once_from_the_command_line() {
    let dir = scratch("maint-cli");
    let game = dir.join("stats/game");
    let toml = format!(
        r#"database_url = "sqlite://{db}"

[commands]
backup_dir = "{backups}"

[ingest]
local_dir = "{stats}"

[maintenance]
backup_every_h = 24
keep_backups = 2
vacuum_every_h = 168
prune_downloads_after_days = 1

[[sources]]
name = "game"
kind = "local"
path = "{game}"
"#,
        db = dir.join("etl.db").display(),
        backups = dir.join("backups").display(),
        stats = dir.join("stats").display(),
        game = game.display(),
    );
    let config_path = dir.join("etl.toml");
    std::fs::write(&config_path, toml).unwrap();
    let bot = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_etl-bot"));
        command
            .env_remove("ETL_DATABASE_URL")
            .arg("--config")
            .arg(&config_path)
            .stdin(Stdio::null());
        command
    };
    let imported = bot()
        .arg("import")
        .arg(sample(R1))
        .arg(sample(R2))
        .output()
        .unwrap();
    assert!(imported.status.success());
    // Downloaded two days ago, and the store holds them; the game server's
    // own folder (a local source) holds the same files and is never pruned.
    for name in [R1, R2] {
        let bytes = std::fs::read(sample(name)).unwrap();
        put_old(&dir.join("stats/main").join(name), &bytes, 2);
        put_old(&game.join(name), &bytes, 2);
    }

    for run in 0..3 {
        let output = bot().arg("maintain").output().unwrap();
        let out = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{out}");
        assert!(out.contains("backup written:"), "{out}");
        assert!(out.contains("vacuum and analyze done"), "{out}");
        let pruned = if run == 0 { "2 file(s)" } else { "0 file(s)" };
        assert!(
            out.contains(&format!("downloads pruned: {pruned}")),
            "{out}"
        );
    }
    // Retention: the newest two.
    assert_eq!(
        etl_store::list_backups(&dir.join("backups")).unwrap().len(),
        2
    );
    assert!(!dir.join("stats/main").join(R1).exists());
    assert!(game.join(R1).is_file() && game.join(R2).is_file());

    let only = bot()
        .args(["maintain", "--only", "vacuum"])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&only.stdout).into_owned();
    assert!(only.status.success());
    assert_eq!(out.lines().count(), 1, "{out}");

    // A task asked for but switched off fails, and says why.
    let off = bot()
        .args(["maintain", "--only", "prune"])
        .env("ETL_MAINTENANCE__PRUNE_DOWNLOADS_AFTER_DAYS", "0")
        .output()
        .unwrap();
    assert!(!off.status.success());
    assert!(String::from_utf8_lossy(&off.stdout).contains("prune_downloads_after_days"));

    // The configuration knows the section and checks it.
    let check = bot().arg("check-config").output().unwrap();
    let out = String::from_utf8_lossy(&check.stdout).into_owned();
    assert!(out.contains("the newest 2 kept"), "{out}");
    assert!(out.contains("after 1 days"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_key_has_a_default_and_unknown_keys_are_refused() {
    let config = Config::default();
    assert_eq!(config.maintenance.backup_every_h, 24);
    assert_eq!(config.maintenance.keep_backups, 7);
    assert_eq!(config.maintenance.vacuum_every_h, 168);
    assert_eq!(config.maintenance.prune_downloads_after_days, 0);
    let dir = scratch("maint-config");
    let path = dir.join("etl.toml");
    std::fs::write(&path, "[maintenance]\nbackup_every_hours = 1\n").unwrap();
    assert!(Config::load(Some(&path), None).is_err());
    std::fs::write(&path, "[maintenance]\nkeep_backups = 3\n").unwrap();
    let loaded = Config::load(Some(&path), None).unwrap();
    assert_eq!(loaded.maintenance.keep_backups, 3);
    assert_eq!(loaded.maintenance.backup_every_h, 24);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The example an admin copies to /etc/etl/etl.toml loads as written, with
/// the values it shows.
#[test]
fn the_example_configuration_loads() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/etl.toml.example");
    let config = Config::load(Some(&example), None).unwrap();
    assert!(config.discord.stats_channel_id.is_some());
    assert_eq!(config.discord.round_card_max_age_h, 12);
    assert_eq!(
        config.discord.round_card_max_age(),
        Some(Duration::from_secs(12 * 3600))
    );
    assert!(!config.sources.is_empty());
    assert_eq!(Config::default().discord.round_card_max_age_h, 12);
}
