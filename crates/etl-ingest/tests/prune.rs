//! Pruning downloaded files against a real SQLite store and real folders:
//! only old round files the store holds byte for byte go, nothing else.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use etl_ingest::{LocalFolder, Monitor, MonitorConfig, NamedSource, PruneRules, prune_downloads};
use etl_store::{ImportOptions, ImportOutcome, Store};

const R1: &str = "2025-11-02-201530-supply-round-1.txt";
const R2: &str = "2025-11-02-203304-supply-round-2.txt";
const ESCAPE1: &str = "2025-11-02-205012-te_escape2-round-1.txt";
const ESCAPE2: &str = "2025-11-02-210611-te_escape2-round-2.txt";
const ADLER1: &str = "2025-11-02-212240-etl_adlernest-round-1.txt";
const BROKEN: &str = "2025-11-20-200000-empty-round-1.txt";

const MONTH: Duration = Duration::from_secs(30 * 24 * 3600);

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata")
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(testdata().join("sample-night").join(name)).unwrap()
}

fn broken() -> Vec<u8> {
    std::fs::read(testdata().join("parser/broken").join(BROKEN)).unwrap()
}

/// Writes `bytes` at `path`, last modified `age` ago.
fn put(path: &Path, bytes: &[u8], age: Duration) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - age).unwrap();
}

struct Setup {
    root: PathBuf,
    store: Arc<Store>,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

impl Setup {
    async fn new(test: &str) -> Self {
        let root = std::env::temp_dir().join(format!("etl-prune-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let url = format!("sqlite://{}", root.join("etl.db").display());
        let store = Arc::new(Store::open(&url, ImportOptions::default()).await.unwrap());
        Self { root, store }
    }

    fn local(&self) -> PathBuf {
        self.root.join("local")
    }

    async fn import(&self, name: &str, bytes: &[u8]) -> ImportOutcome {
        self.store
            .import_file_from("main", name, bytes)
            .await
            .unwrap()
    }

    fn rules(&self, older_than: Duration, protected: Vec<PathBuf>) -> PruneRules {
        PruneRules {
            local_dir: self.local(),
            older_than,
            protected,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_old_files_the_store_holds_are_deleted() {
    let setup = Setup::new("rules").await;
    for name in [R1, R2, ESCAPE1] {
        assert!(matches!(
            setup.import(name, &sample(name)).await,
            ImportOutcome::Imported { .. }
        ));
    }
    assert!(matches!(
        setup.import(BROKEN, &broken()).await,
        ImportOutcome::Failed { .. }
    ));
    let main = setup.local().join("main");
    let old = 2 * MONTH;

    // Go: imported and old; recorded as failed and old.
    put(&main.join(R1), &sample(R1), old);
    put(&main.join(BROKEN), &broken(), old);
    // Stay: imported but young.
    put(&main.join(R2), &sample(R2), Duration::ZERO);
    // Stay: old, but never imported; imported under this name with other bytes.
    put(&main.join(ESCAPE2), &sample(ESCAPE2), old);
    let mut edited = sample(ESCAPE1);
    edited.extend_from_slice(b"one more line\n");
    put(&main.join(ESCAPE1), &edited, old);
    // Stay: a download in flight, a side file, a deeper folder, the top folder.
    put(&main.join(format!("{R1}.part")), &sample(R1), old);
    put(&main.join("notes.txt"), b"keep me", old);
    put(&main.join("archive").join(R1), &sample(R1), old);
    put(&setup.local().join(R1), &sample(R1), old);
    // Stay: a symlink to an imported file elsewhere, and a symlinked source folder.
    let elsewhere = setup.root.join("elsewhere");
    put(&elsewhere.join(R1), &sample(R1), old);
    std::fs::create_dir_all(setup.local().join("other")).unwrap();
    std::os::unix::fs::symlink(elsewhere.join(R1), setup.local().join("other").join(R1)).unwrap();
    std::os::unix::fs::symlink(&elsewhere, setup.local().join("linked")).unwrap();

    let report = prune_downloads(&setup.store, &setup.rules(MONTH, Vec::new()))
        .await
        .unwrap();

    let mut removed = report.removed.clone();
    removed.sort();
    let mut expected = vec![main.join(BROKEN), main.join(R1)];
    expected.sort();
    assert_eq!(removed, expected);
    assert_eq!(report.bytes, (sample(R1).len() + broken().len()) as u64);
    assert_eq!(report.not_recorded, 2);
    for kept in [
        main.join(R2),
        main.join(ESCAPE2),
        main.join(ESCAPE1),
        main.join(format!("{R1}.part")),
        main.join("notes.txt"),
        main.join("archive").join(R1),
        setup.local().join(R1),
        elsewhere.join(R1),
    ] {
        assert!(kept.is_file(), "{} was deleted", kept.display());
    }
    assert!(
        std::fs::symlink_metadata(setup.local().join("other").join(R1))
            .unwrap()
            .file_type()
            .is_symlink()
    );

    // Again: nothing more to do.
    let again = prune_downloads(&setup.store, &setup.rules(MONTH, Vec::new()))
        .await
        .unwrap();
    assert!(again.removed.is_empty());
    // With a shorter threshold the young imported file goes too.
    let short = prune_downloads(&setup.store, &setup.rules(Duration::ZERO, Vec::new()))
        .await
        .unwrap();
    assert_eq!(short.removed, [main.join(R2)]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_sources_own_folder_is_never_touched() {
    let setup = Setup::new("protected").await;
    setup.import(R1, &sample(R1)).await;
    let old = 2 * MONTH;
    // The game server writes into local/game, and a source reads it there.
    let game = setup.local().join("game");
    put(&game.join(R1), &sample(R1), old);
    put(&setup.local().join("main").join(R1), &sample(R1), old);

    let report = prune_downloads(&setup.store, &setup.rules(MONTH, vec![game.clone()]))
        .await
        .unwrap();
    assert_eq!(report.removed, [setup.local().join("main").join(R1)]);
    assert_eq!(report.protected, std::slice::from_ref(&game));
    assert!(game.join(R1).is_file());

    // A source reading a folder inside a download folder protects that
    // download folder; a source reading the whole download folder, all.
    put(&setup.local().join("main").join(R1), &sample(R1), old);
    let inner = setup.local().join("main").join("incoming");
    std::fs::create_dir_all(&inner).unwrap();
    let report = prune_downloads(&setup.store, &setup.rules(MONTH, vec![game.clone(), inner]))
        .await
        .unwrap();
    assert!(report.removed.is_empty(), "{report:?}");
    let report = prune_downloads(&setup.store, &setup.rules(MONTH, vec![setup.local()]))
        .await
        .unwrap();
    assert!(report.removed.is_empty());
    assert_eq!(report.protected.len(), 2);
    assert!(setup.local().join("main").join(R1).is_file());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pruned_file_is_not_fetched_again() {
    let setup = Setup::new("refetch").await;
    let server = setup.root.join("gamestats");
    put(&server.join(R1), &sample(R1), 2 * MONTH);
    put(&server.join(ADLER1), &sample(ADLER1), 2 * MONTH);
    let mut config = MonitorConfig::new(setup.local());
    config.settle = Duration::ZERO;
    let sources = vec![NamedSource {
        name: "main".into(),
        source: Arc::new(LocalFolder::new(&server)),
    }];
    let mut monitor = Monitor::new(Arc::clone(&setup.store), sources.clone(), config.clone())
        .await
        .unwrap();
    let report = monitor.poll_once().await;
    assert_eq!(report.imported.len(), 2, "{report:?}");
    let downloaded = setup.local().join("main").join(R1);
    assert!(downloaded.is_file());

    let report = prune_downloads(&setup.store, &setup.rules(Duration::ZERO, Vec::new()))
        .await
        .unwrap();
    assert_eq!(report.removed.len(), 2);

    // A monitor started afresh (the bot restarted) neither fetches nor imports them again.
    let mut monitor = Monitor::new(Arc::clone(&setup.store), sources, config)
        .await
        .unwrap();
    assert!(monitor.recover_local().await.unwrap().imported.is_empty());
    let report = monitor.poll_once().await;
    assert!(
        report.imported.is_empty() && report.failed.is_empty(),
        "{report:?}"
    );
    assert!(!downloaded.exists());
    assert_eq!(setup.store.processed_files().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_download_folder_is_nothing_to_do() {
    let setup = Setup::new("missing").await;
    let report = prune_downloads(&setup.store, &setup.rules(MONTH, Vec::new()))
        .await
        .unwrap();
    assert_eq!(report, etl_ingest::PruneReport::default());
}
