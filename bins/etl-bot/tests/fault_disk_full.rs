//! A disk-full error while downloading: the partial file is removed and the
//! download retried later.
//!
//! The download folder is a tiny tmpfs filled by a filler file, so the
//! kernel itself answers ENOSPC; freeing the filler gives the space back. The
//! files come over SSH from a real sshd on loopback. Once at the fetcher's
//! level, where each poll's report says exactly what failed, then through
//! the whole bot (`etl-bot serve` against the fake Discord).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

#[path = "support/bot.rs"]
mod bot;
#[path = "support/fake_discord.rs"]
mod fake_discord;
// Not every helper of the shared sshd support is used here.
#[allow(dead_code)]
#[path = "support/sshd.rs"]
mod sshd;
#[path = "support/tmpfs.rs"]
mod tmpfs;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bot::{BotProcess, WAIT, cards, drop_file, posted, ready, sample, start_session};
use etl_bot::ssh::{SshSettings, SshSource};
use etl_ingest::{LocalFolder, Monitor, MonitorConfig, NamedSource, Source};
use etl_store::{ImportOptions, Store};
use fake_discord::FakeDiscord;
use sshd::Sshd;
use tmpfs::TinyTmpfs;

const R1: &str = "2025-11-02-201530-supply-round-1.txt";
const R2: &str = "2025-11-02-203304-supply-round-2.txt";

/// What the kernel's ENOSPC reads as.
const DISK_FULL: &str = "No space left on device";

/// 64 KiB: room for a round file (about 2.5 KB) once the filler is gone.
const TMPFS_KB: u32 = 64;

fn settings(sshd: &Sshd) -> SshSettings {
    SshSettings {
        host: "127.0.0.1".into(),
        port: sshd.port,
        user: sshd.user(),
        key_path: sshd.client_key.clone(),
        passphrase_env: None,
        known_hosts: sshd.known_hosts(),
        remote_dir: sshd.remote_dir.display().to_string(),
        trust_new_host_key: false,
        connect_timeout_s: 5,
        transfer_timeout_s: 10,
    }
}

/// Everything in a folder, names only (the filler aside).
fn listing(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(folder)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "filler")
        .collect();
    names.sort();
    names
}

async fn recorded(store: &Store) -> Vec<(String, bool, i32)> {
    let mut files: Vec<_> = store
        .processed_files()
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.file_name, p.success, p.attempts))
        .collect();
    files.sort();
    files
}

/// Polls until `what` accepts a report or `timeout` passes; returns every
/// report seen.
async fn poll_until(
    monitor: &mut Monitor,
    timeout: Duration,
    what: impl Fn(&etl_ingest::PollReport) -> bool,
) -> Vec<etl_ingest::PollReport> {
    let started = Instant::now();
    let mut reports = Vec::new();
    loop {
        let report = monitor.poll_once().await;
        let done = what(&report);
        reports.push(report);
        if done || started.elapsed() > timeout {
            return reports;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The fetcher alone, for each kind of source that downloads: the failed
/// download says "no space", leaves nothing behind, is not recorded in the
/// store, and once there is room again the file is imported exactly once.
async fn rehearse_at_the_fetcher(
    kind: &str,
    source: Arc<dyn Source>,
    put: impl Fn(&str),
    root: &Path,
) {
    let disk = root.join(format!("downloads-{kind}"));
    let Some(tmpfs) = TinyTmpfs::mount(&disk, TMPFS_KB) else {
        return;
    };
    let store = Arc::new(
        Store::open(
            &format!("sqlite://{}", root.join(format!("{kind}.db")).display()),
            ImportOptions::default(),
        )
        .await
        .unwrap(),
    );
    let mut config = MonitorConfig::new(&disk);
    config.settle = Duration::ZERO;
    config.quiet = Duration::ZERO;
    let mut monitor = Monitor::new(
        Arc::clone(&store),
        vec![NamedSource {
            name: "game".into(),
            source,
        }],
        config,
    )
    .await
    .unwrap();
    let mut events = monitor.subscribe();
    let folder = disk.join("game");
    std::fs::create_dir_all(&folder).unwrap();
    assert!(tmpfs.fill() > 0);
    put(R1);

    let report = monitor.poll_once().await;
    assert!(report.imported.is_empty(), "{kind}: {report:?}");
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains(DISK_FULL) && e.contains(R1)),
        "{kind}: the failed download names the file and the full disk: {report:?}"
    );
    assert_eq!(
        listing(&folder),
        Vec::<String>::new(),
        "{kind}: no partial file is left behind"
    );
    assert_eq!(
        recorded(&store).await,
        [],
        "{kind}: not recorded as processed or failed"
    );
    let down = events.try_recv().unwrap();
    assert!(
        matches!(&down, etl_ingest::IngestEvent::SourceDown { error, .. } if error.contains(DISK_FULL)),
        "{kind}: {down:?}"
    );

    // Still full: every retry fails the same clean way, backing off.
    let reports = poll_until(&mut monitor, Duration::from_secs(10), |r| {
        !r.errors.is_empty()
    })
    .await;
    let retried = reports.last().unwrap();
    assert!(
        retried.errors.iter().any(|e| e.contains(DISK_FULL)),
        "{kind}: retried while full: {reports:?}"
    );
    assert!(
        reports.iter().any(|r| r.waiting > 0),
        "{kind}: a retry waits its backoff: {reports:?}"
    );
    assert_eq!(
        listing(&folder),
        Vec::<String>::new(),
        "{kind}: still nothing left behind"
    );

    // Space is back: imported on a later poll, exactly once.
    tmpfs.free();
    put(R2);
    // The failed file waits out its own backoff (2 s, then 4 s, ...), so
    // the other file may land first; the store pairs them either way.
    let mut imported = Vec::new();
    let started = Instant::now();
    while imported.len() < 2 && started.elapsed() < Duration::from_secs(30) {
        let report = monitor.poll_once().await;
        assert!(
            report.errors.is_empty() && report.failed.is_empty(),
            "{kind}: {report:?}"
        );
        imported.extend(report.imported);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    imported.sort();
    assert_eq!(
        imported,
        [R1, R2],
        "{kind}: each imported once there is room"
    );
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        let report = monitor.poll_once().await;
        assert_eq!(
            report,
            etl_ingest::PollReport::default(),
            "{kind}: nothing twice"
        );
    }
    assert_eq!(
        listing(&folder),
        [R1, R2],
        "{kind}: the kept copies, no partial"
    );
    assert_eq!(std::fs::read(folder.join(R1)).unwrap(), sample(R1));
    assert_eq!(
        recorded(&store).await,
        [(R1.to_owned(), true, 1), (R2.to_owned(), true, 1)],
        "{kind}: each imported once, no failure recorded"
    );
    let rounds: Vec<_> = store
        .export()
        .await
        .unwrap()
        .sessions
        .iter()
        .flat_map(|s| s.rounds.iter())
        .map(|r| (r.file.clone(), r.pairing.clone(), r.players.len()))
        .collect();
    assert_eq!(
        rounds,
        [
            (R1.to_owned(), "round1".to_owned(), 12),
            (R2.to_owned(), "paired".to_owned(), 12)
        ],
        "{kind}: both rounds whole, the round 2 paired with its round 1"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_fails_the_download_cleanly_and_it_is_retried_once_there_is_room() {
    let Some(sshd) = Sshd::start("diskfull") else {
        return;
    };
    let root = sshd.dir.join("fetcher");
    std::fs::create_dir_all(&root).unwrap();

    let remote = sshd.remote_dir.clone();
    rehearse_at_the_fetcher(
        "ssh",
        Arc::new(SshSource::new(settings(&sshd))),
        |name| drop_file(&remote, name, &sample(name)),
        &root,
    )
    .await;

    // A game server on this host: the copy into the full folder fails alike.
    let server = root.join("local-server");
    std::fs::create_dir_all(&server).unwrap();
    let local = server.clone();
    rehearse_at_the_fetcher(
        "local",
        Arc::new(LocalFolder::new(&server)),
        |name| drop_file(&local, name, &sample(name)),
        &root,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bot_survives_a_full_disk_and_posts_the_round_once_there_is_room() {
    let Some(sshd) = Sshd::start("diskfull-bot") else {
        return;
    };
    let dir: PathBuf = sshd.dir.join("bot");
    let downloads = dir.join("stats");
    let Some(tmpfs) = TinyTmpfs::mount(&downloads, TMPFS_KB) else {
        return;
    };
    let folder = downloads.join("game");
    std::fs::create_dir_all(&folder).unwrap();
    assert!(tmpfs.fill() > 0);

    let fake = FakeDiscord::start().await;
    let database = format!("sqlite://{}", dir.join("etl.db").display());
    let s = settings(&sshd);
    let config = dir.join("etl.toml");
    std::fs::write(
        &config,
        bot::config_text(
            &fake,
            &database,
            &downloads,
            &format!(
                "[[sources]]\nname = \"game\"\nkind = \"ssh\"\nhost = \"{}\"\nport = {}\nuser = \"{}\"\n\
                 key_path = \"{}\"\nknown_hosts = \"{}\"\nremote_dir = \"{}\"\n\
                 connect_timeout_s = 5\ntransfer_timeout_s = 10\n",
                s.host,
                s.port,
                s.user,
                s.key_path.display(),
                s.known_hosts.display(),
                s.remote_dir
            ),
        ),
    )
    .unwrap();
    let bot = BotProcess::start(&config, &dir.join("serve.log"));
    ready(&fake).await;
    start_session(&fake).await;

    // A round ends while the download folder is full.
    drop_file(&sshd.remote_dir, R1, &sample(R1));
    let logged = bot.wait_for_log(&[DISK_FULL], WAIT);
    assert!(
        logged.as_deref().is_some_and(|l| l.contains(R1)),
        "the operator is told the download failed for lack of space: {logged:?}"
    );
    // Give it a couple of retries while full.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        listing(&folder),
        Vec::<String>::new(),
        "no partial file is left behind"
    );
    let store = Store::connect(&database, ImportOptions::default())
        .await
        .unwrap();
    assert_eq!(
        recorded(&store).await,
        [],
        "not recorded as processed or failed"
    );
    assert_eq!(cards(&fake, "supply · round 1"), 0);

    // Space is back: fetched, imported and posted once.
    let since = fake.request_count();
    tmpfs.free();
    posted(&fake, since, |t, _| t.starts_with("supply · round 1")).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(cards(&fake, "supply · round 1"), 1, "posted once");
    assert_eq!(listing(&folder), [R1], "the kept copy, no partial");
    assert_eq!(std::fs::read(folder.join(R1)).unwrap(), sample(R1));
    assert_eq!(
        recorded(&store).await,
        [(R1.to_owned(), true, 1)],
        "imported once, no failure recorded"
    );
    drop(store);
    bot.stop();
}
