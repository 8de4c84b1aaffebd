//! The monitor against a real local folder and a real SQLite file.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use etl_ingest::{IngestEvent, LocalFolder, Monitor, MonitorConfig, NamedSource};
use etl_store::{ImportOptions, Store};

struct Setup {
    root: PathBuf,
    server: PathBuf,
    store: Arc<Store>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

async fn setup(test: &str) -> Setup {
    let root = std::env::temp_dir().join(format!("etl-ingest-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let server = root.join("gamestats");
    std::fs::create_dir_all(&server).unwrap();
    let url = format!("sqlite://{}", root.join("etl.db").display());
    let store = Arc::new(Store::open(&url, ImportOptions::default()).await.unwrap());
    Setup {
        root,
        server,
        store,
    }
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/sample-night")
            .join(name),
    )
    .unwrap()
}

const R1: &str = "2025-11-02-201530-supply-round-1.txt";
const R2: &str = "2025-11-02-203304-supply-round-2.txt";

async fn monitor(setup: &Setup, settle: Duration) -> Monitor {
    monitor_with(setup, |config| config.settle = settle).await
}

/// A monitor of the one local source, its config changed by `adjust`.
async fn monitor_with(setup: &Setup, adjust: impl FnOnce(&mut MonitorConfig)) -> Monitor {
    let mut config = MonitorConfig::new(setup.root.join("local"));
    config.max_backoff = Duration::from_millis(50);
    adjust(&mut config);
    let sources = vec![NamedSource {
        name: "main".into(),
        source: Arc::new(LocalFolder::new(&setup.server)),
    }];
    Monitor::new(Arc::clone(&setup.store), sources, config)
        .await
        .unwrap()
}

async fn rounds(store: &Store) -> i64 {
    store
        .info()
        .await
        .unwrap()
        .counts
        .iter()
        .find(|(t, _)| *t == "rounds")
        .unwrap()
        .1
}

#[tokio::test(flavor = "multi_thread")]
async fn new_files_are_imported_once_with_an_event() {
    let setup = setup("once").await;
    std::fs::write(setup.server.join(R1), sample(R1)).unwrap();
    std::fs::write(setup.server.join(R2), sample(R2)).unwrap();
    std::fs::write(
        setup
            .server
            .join("2025-11-02-203304-supply-round-2-endstats.txt"),
        b"awards",
    )
    .unwrap();
    let mut monitor = monitor(&setup, Duration::ZERO).await;
    let mut events = monitor.subscribe();

    let report = monitor.poll_once().await;
    assert_eq!(report.imported, [R1, R2]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(
        setup.root.join("local/main").join(R2).is_file(),
        "kept in the local folder"
    );
    let IngestEvent::NewRound { file, pairing, .. } = events.recv().await.unwrap() else {
        panic!()
    };
    assert_eq!(file, R1);
    let IngestEvent::NewRound {
        pairing: second, ..
    } = events.recv().await.unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (pairing, second),
        (etl_store::Pairing::Round1, etl_store::Pairing::Paired)
    );

    assert_eq!(monitor.poll_once().await, etl_ingest::PollReport::default());
    // A restarted monitor knows the names from the store.
    let mut again = self::monitor(&setup, Duration::ZERO).await;
    assert!(again.poll_once().await.imported.is_empty());
    assert_eq!(rounds(&setup.store).await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_being_written_is_imported_only_once_complete() {
    let setup = setup("append").await;
    let mut monitor = monitor(&setup, Duration::from_secs(3600)).await;
    // The writer pauses 1.3 s between chunks: longer than a poll, shorter than quiet.
    monitor.set_quiet(Duration::from_secs(2));
    let content = sample(R1);
    let path = setup.server.join(R1);
    let writer = {
        let (path, content) = (path.clone(), content.clone());
        std::thread::spawn(move || {
            let mut file = std::fs::File::create(&path).unwrap();
            for chunk in content.chunks(content.len() / 5 + 1) {
                file.write_all(chunk).unwrap();
                file.flush().unwrap();
                std::thread::sleep(Duration::from_millis(1300));
            }
        })
    };
    let mut imported = Vec::new();
    while !writer.is_finished() {
        let report = monitor.poll_once().await;
        assert!(
            report.failed.is_empty(),
            "a partial file was imported: {:?}",
            report.failed
        );
        imported.extend(report.imported);
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    writer.join().unwrap();
    for _ in 0..20 {
        imported.extend(monitor.poll_once().await.imported);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(imported, [R1]);
    let export = setup.store.export().await.unwrap();
    assert_eq!(
        export.sessions[0].rounds[0].players.len(),
        12,
        "the whole file"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_complete_file_is_recorded_once_not_retried() {
    let setup = setup("broken").await;
    std::fs::write(
        setup.server.join("2025-11-02-201530-supply-round-1.txt"),
        b"garbage\n",
    )
    .unwrap();
    let mut monitor = monitor(&setup, Duration::ZERO).await;
    let first = monitor.poll_once().await;
    assert_eq!(first.failed.len(), 1, "{first:?}");
    assert_eq!(monitor.poll_once().await.failed.len(), 0);
    let records = setup.store.processed_files().await.unwrap();
    assert_eq!(
        (records.len(), records[0].attempts, records[0].success),
        (1, 1, false)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn files_left_by_a_crash_between_download_and_import_are_imported_on_start() {
    let setup = setup("recover").await;
    let local = setup.root.join("local/main");
    std::fs::create_dir_all(&local).unwrap();
    std::fs::write(local.join(R1), sample(R1)).unwrap();
    std::fs::write(local.join(format!("{R2}.part")), &sample(R2)[..100]).unwrap();
    let mut monitor = monitor(&setup, Duration::ZERO).await;
    let report = monitor.recover_local().await.unwrap();
    assert_eq!(report.imported, [R1]);
    assert!(
        !local.join(format!("{R2}.part")).exists(),
        "half downloads are removed"
    );
    // The game server still has it: not fetched again.
    std::fs::write(setup.server.join(R1), sample(R1)).unwrap();
    assert!(monitor.poll_once().await.imported.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_source_backs_off_and_catches_up() {
    let setup = setup("down").await;
    std::fs::remove_dir_all(&setup.server).unwrap();
    let mut monitor = monitor(&setup, Duration::ZERO).await;
    let mut events = monitor.subscribe();
    assert_eq!(monitor.poll_once().await.errors.len(), 1);
    assert!(matches!(
        events.recv().await.unwrap(),
        IngestEvent::SourceDown { .. }
    ));
    // Inside the backoff the source is not asked again.
    assert_eq!(monitor.poll_once().await.waiting, 1);

    std::fs::create_dir_all(&setup.server).unwrap();
    std::fs::write(setup.server.join(R1), sample(R1)).unwrap();
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(monitor.poll_once().await.imported, [R1]);
    assert!(matches!(
        events.recv().await.unwrap(),
        IngestEvent::SourceUp { .. }
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sync_window_takes_only_its_dates() {
    let setup = setup("window").await;
    std::fs::write(setup.server.join(R1), sample(R1)).unwrap();
    std::fs::write(
        setup.server.join("2025-12-24-201530-supply-round-1.txt"),
        sample(R1),
    )
    .unwrap();
    let mut monitor = monitor(&setup, Duration::ZERO).await;
    let day = jiff::civil::date(2025, 11, 2);
    assert_eq!(monitor.sync_window(day, day).await.imported, [R1]);
    assert_eq!(rounds(&setup.store).await, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_announcing_monitor_queues_each_round_it_imports() {
    let setup = setup("announce").await;
    std::fs::write(setup.server.join(R1), sample(R1)).unwrap();
    let mut quiet = monitor(&setup, Duration::ZERO).await;
    assert_eq!(quiet.poll_once().await.imported, [R1]);
    assert_eq!(setup.store.waiting_announcements(10).await.unwrap(), []);

    std::fs::write(setup.server.join(R2), sample(R2)).unwrap();
    let mut announcing = monitor_with(&setup, |config| {
        config.settle = Duration::ZERO;
        config.announce = true;
    })
    .await;
    let mut events = announcing.subscribe();
    assert_eq!(announcing.poll_once().await.imported, [R2]);
    let IngestEvent::NewRound { round_id, .. } = events.recv().await.unwrap() else {
        panic!()
    };
    let waiting = setup.store.waiting_announcements(10).await.unwrap();
    assert_eq!(
        waiting.iter().map(|w| w.round_id).collect::<Vec<_>>(),
        [round_id]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backlog_from_nights_ago_is_imported_without_announcing_it() {
    let setup = setup("backlog").await;
    const OLD: &str = "2025-11-01-201530-supply-round-1.txt";
    std::fs::write(setup.server.join(OLD), sample(R1)).unwrap();
    let two_days_ago = std::time::SystemTime::now() - Duration::from_secs(2 * 24 * 3600);
    std::fs::File::options()
        .write(true)
        .open(setup.server.join(OLD))
        .unwrap()
        .set_modified(two_days_ago)
        .unwrap();
    std::fs::write(setup.server.join(R1), sample(R1)).unwrap();

    let mut monitor = monitor_with(&setup, |config| {
        config.settle = Duration::ZERO;
        config.announce = true;
        config.announce_within = Some(Duration::from_secs(12 * 3600));
    })
    .await;
    let mut events = monitor.subscribe();
    assert_eq!(monitor.poll_once().await.imported, [OLD, R1]);
    let mut imported = Vec::new();
    for _ in 0..2 {
        let IngestEvent::NewRound { file, round_id, .. } = events.recv().await.unwrap() else {
            panic!()
        };
        imported.push((file, round_id));
    }
    let fresh = imported.iter().find(|(f, _)| f == R1).unwrap().1;
    let waiting = setup.store.waiting_announcements(10).await.unwrap();
    assert_eq!(
        waiting.iter().map(|w| w.round_id).collect::<Vec<_>>(),
        [fresh],
        "only the round written just now"
    );
}
