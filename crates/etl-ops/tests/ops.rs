//! The checks and the metrics against real parts: a real SQLite file (and a
//! real PostgreSQL when one answers), the real monitor polling a real folder.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use etl_ingest::{LocalFolder, Monitor, MonitorConfig, NamedSource};
use etl_ops::{HealthSettings, Ops, Status, offline_report};
use etl_store::Store;
use etl_store::testing::{TestDb, repo_root};

const R1: &str = "2025-11-02-201530-supply-round-1.txt";
const R2: &str = "2025-11-02-203304-supply-round-2.txt";
const BROKEN: &str = "2025-11-20-200400-non_numeric_field-round-1.txt";

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(repo_root().join("testdata/sample-night").join(name)).unwrap()
}

fn broken() -> Vec<u8> {
    std::fs::read(repo_root().join("testdata/parser/broken").join(BROKEN)).unwrap()
}

fn settings(dir: &Path) -> HealthSettings {
    HealthSettings {
        stats_dir: dir.to_path_buf(),
        disk_warning_mb: 0,
        disk_problem_mb: 0,
        ..HealthSettings::default()
    }
}

async fn store_checks_on(store: &Store, dir: &Path) {
    let empty = offline_report(store, &settings(dir), jiff::Timestamp::now()).await;
    assert!(!empty.live);
    let keys: Vec<&str> = empty.checks.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["database", "last_import", "failed_imports", "disk"]);
    assert_eq!(empty.check("database").unwrap().status, Status::Ok);
    assert_eq!(empty.check("last_import").unwrap().status, Status::Warning);
    assert_eq!(empty.check("failed_imports").unwrap().status, Status::Ok);

    store.import_file(R1, &sample(R1)).await.unwrap();
    store.import_file(BROKEN, &broken()).await.unwrap();
    let now = jiff::Timestamp::now();
    let report = offline_report(store, &settings(dir), now).await;
    let last = report.check("last_import").unwrap();
    assert_eq!(last.status, Status::Ok);
    assert!(
        last.detail.starts_with(&format!("{R1} imported ")),
        "{}",
        last.detail
    );
    let failed = report.check("failed_imports").unwrap();
    assert_eq!(failed.status, Status::Warning, "one failure is a warning");
    assert!(
        failed
            .detail
            .starts_with(&format!("1 in the last 24 h; latest {BROKEN}: ")),
        "{}",
        failed.detail
    );
    let strict = HealthSettings {
        failed_imports_problem: 1,
        ..settings(dir)
    };
    let report = offline_report(store, &strict, now).await;
    assert_eq!(
        report.check("failed_imports").unwrap().status,
        Status::Problem
    );
    // A day and more later the failure no longer counts.
    let later = now
        .checked_add(jiff::SignedDuration::from_hours(25))
        .unwrap();
    let report = offline_report(store, &strict, later).await;
    assert_eq!(report.check("failed_imports").unwrap().status, Status::Ok);
}

#[tokio::test(flavor = "multi_thread")]
async fn store_checks_see_the_last_import_and_the_failures_on_both_backends() {
    let dir = std::env::temp_dir();
    let sqlite = TestDb::sqlite();
    store_checks_on(&sqlite.open().await, &dir).await;
    if let Some(postgres) = TestDb::postgres().await {
        store_checks_on(&postgres.open().await, &dir).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_that_cannot_answer_is_a_problem_not_a_failure() {
    // A SQLite file without the schema: every query of the checks fails.
    let db = TestDb::sqlite();
    let store = Store::connect(&db.url, etl_store::ImportOptions::default())
        .await
        .unwrap();
    let report = offline_report(
        &store,
        &settings(&std::env::temp_dir()),
        jiff::Timestamp::now(),
    )
    .await;
    let database = report.check("database").unwrap();
    assert_eq!(database.status, Status::Problem, "{}", database.detail);
    assert!(
        database.detail.starts_with("SQLite does not answer: "),
        "{}",
        database.detail
    );
    for key in ["last_import", "failed_imports"] {
        let check = report.check(key).unwrap();
        assert_eq!(check.status, Status::Warning);
        assert_eq!(check.detail, "not known: the database did not answer");
    }
    assert_eq!(report.status(), Status::Problem);
}

struct Folder(PathBuf);

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sources_come_from_the_monitor_and_the_metrics_follow_it() {
    let root = Folder(std::env::temp_dir().join(format!("etl-ops-monitor-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&root.0);
    let server = root.0.join("gamestats");
    std::fs::create_dir_all(&server).unwrap();
    let db = TestDb::sqlite();
    let store = Arc::new(db.open().await);
    let mut config = MonitorConfig::new(root.0.join("local"));
    config.settle = Duration::ZERO;
    config.max_backoff = Duration::from_millis(10);
    let sources = vec![NamedSource {
        name: "main".into(),
        source: Arc::new(LocalFolder::new(&server)),
    }];
    let mut monitor = Monitor::new(Arc::clone(&store), sources, config)
        .await
        .unwrap();
    let ops = Ops::new();
    ops.watch_sources(monitor.status());
    let settings = settings(&root.0.join("local"));

    let before = ops.health(&store, &settings).await;
    assert!(before.live);
    let source = before.check("source:main").unwrap();
    assert_eq!(source.status, Status::Ok);
    assert!(
        source.detail.starts_with("not polled yet"),
        "{}",
        source.detail
    );
    assert_eq!(before.check("gateway").unwrap().status, Status::Problem);

    std::fs::write(server.join(R1), sample(R1)).unwrap();
    std::fs::write(server.join(R2), sample(R2)).unwrap();
    std::fs::write(server.join(BROKEN), broken()).unwrap();
    let report = monitor.poll_once().await;
    assert_eq!(report.imported.len(), 2);
    assert_eq!(report.failed.len(), 1);
    let status = monitor.status().snapshot();
    assert_eq!(
        (status[0].fetched, status[0].imported, status[0].failed),
        (3, 2, 1)
    );
    assert!(status[0].last_success.is_some());

    ops.gateway_session(false);
    ops.record_command("last_round", Duration::from_millis(30));
    ops.record_command("last_round", Duration::from_millis(40));
    ops.record_command("help", Duration::from_millis(2));
    ops.record_file_to_post(Duration::from_secs(12));
    let healthy = ops.health(&store, &settings).await;
    assert_eq!(healthy.check("source:main").unwrap().status, Status::Ok);
    assert_eq!(healthy.check("gateway").unwrap().status, Status::Ok);
    assert_eq!(
        healthy.check("failed_imports").unwrap().status,
        Status::Warning
    );

    let text = ops.encode().unwrap();
    for line in [
        "# TYPE etl_files_fetched counter",
        "etl_files_fetched_total{source=\"main\"} 3",
        "etl_files_imported_total{source=\"main\"} 2",
        "etl_files_failed_total{source=\"main\"} 1",
        "etl_command_duration_seconds_count{command=\"last_round\"} 2",
        "etl_command_duration_seconds_bucket{le=\"0.05\",command=\"last_round\"} 2",
        "etl_command_duration_seconds_count{command=\"help\"} 1",
        "etl_file_to_post_seconds_count 1",
        "etl_file_to_post_seconds_bucket{le=\"15.0\"} 1",
        "etl_gateway_reconnects_total 0",
        "etl_gateway_connected 1",
        "etl_health_check_status{check=\"failed_imports\"} 1",
        "etl_health_check_status{check=\"database\"} 0",
        "# EOF",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "no line {line:?} in\n{text}"
        );
    }

    let summary = ops.summary();
    assert_eq!(summary.commands[0].name, "last_round", "busiest first");
    assert_eq!(summary.commands[0].count, 2);
    let median = summary.commands[0].median.unwrap();
    assert!(
        median > Duration::from_millis(25) && median <= Duration::from_millis(50),
        "{median:?}"
    );
    assert_eq!(summary.file_to_post.count, 1);
    assert_eq!(summary.sources[0].imported, 2);
    assert!(summary.gateway_connected);

    // The source folder disappears: the next poll fails and the check says so.
    std::fs::remove_dir_all(&server).unwrap();
    monitor.poll_once().await;
    ops.gateway_closed();
    ops.gateway_session(true);
    let failing = ops.health(&store, &settings).await;
    let source = failing.check("source:main").unwrap();
    assert_eq!(source.status, Status::Problem);
    assert!(
        source.detail.starts_with("failing (1 in a row), last "),
        "{}",
        source.detail
    );
    assert!(source.detail.contains("cannot list"), "{}", source.detail);
    assert_eq!(ops.summary().reconnects, 1);
    assert!(
        ops.encode()
            .unwrap()
            .contains("etl_health_check_status{check=\"source:main\"} 2")
    );
}
