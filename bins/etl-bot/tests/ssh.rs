//! The SSH source against a real OpenSSH server on loopback.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

#[path = "support/sshd.rs"]
mod sshd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use etl_bot::ssh::{SshSettings, SshSource};
use etl_ingest::{Monitor, MonitorConfig, NamedSource, Source};
use etl_store::{ImportOptions, Store};
use sshd::Sshd;

const R1: &str = "2025-11-02-201530-supply-round-1.txt";
const R2: &str = "2025-11-02-203304-supply-round-2.txt";

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/sample-night")
            .join(name),
    )
    .unwrap()
}

fn settings(sshd: &Sshd, known_hosts: PathBuf) -> SshSettings {
    SshSettings {
        host: "127.0.0.1".into(),
        port: sshd.port,
        user: sshd.user(),
        key_path: sshd.client_key.clone(),
        passphrase_env: None,
        known_hosts,
        remote_dir: sshd.remote_dir.display().to_string(),
        trust_new_host_key: false,
        connect_timeout_s: 5,
        transfer_timeout_s: 10,
    }
}

fn error_of<T: std::fmt::Debug>(result: Result<T, etl_ingest::IngestError>) -> String {
    result.expect_err("must be refused").to_string()
}

#[test]
fn lists_and_downloads() {
    let Some(sshd) = Sshd::start("list") else {
        return;
    };
    std::fs::write(sshd.remote_dir.join(R1), sample(R1)).unwrap();
    std::fs::write(sshd.remote_dir.join(R2), sample(R2)).unwrap();
    let source = SshSource::new(settings(&sshd, sshd.known_hosts()));
    let mut files = source.list().unwrap();
    files.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<_> = files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, [R1, R2]);
    assert_eq!(files[0].size, sample(R1).len() as u64);
    let target = sshd.dir.join("copy.txt");
    source.fetch(R2, &target).unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), sample(R2));
    // The session is reused: a second listing works on the same connection.
    assert_eq!(source.list().unwrap().len(), 2);
}

#[test]
fn a_changed_host_key_is_refused_with_its_fingerprint() {
    let Some(sshd) = Sshd::start("changed") else {
        return;
    };
    let source = SshSource::new(settings(&sshd, sshd.wrong_known_hosts()));
    let error = error_of(source.list());
    assert!(error.contains("HOST KEY CHANGED"), "{error}");
    assert!(error.contains("SHA256:"), "{error}");
}

#[test]
fn an_unknown_host_is_refused_unless_trusted_then_remembered() {
    let Some(sshd) = Sshd::start("unknown") else {
        return;
    };
    let known_hosts = sshd.dir.join("empty_known_hosts");
    let error = error_of(SshSource::new(settings(&sshd, known_hosts.clone())).list());
    assert!(error.contains("unknown host key SHA256:"), "{error}");

    let mut trusting = settings(&sshd, known_hosts.clone());
    trusting.trust_new_host_key = true;
    SshSource::new(trusting).list().unwrap();
    // Recorded: the strict setting now connects.
    SshSource::new(settings(&sshd, known_hosts.clone()))
        .list()
        .unwrap();
    assert!(
        std::fs::read_to_string(&known_hosts)
            .unwrap()
            .contains(&format!("[127.0.0.1]:{}", sshd.port))
    );
}

#[test]
fn a_wrong_client_key_is_refused_clearly() {
    let Some(sshd) = Sshd::start("wrongkey") else {
        return;
    };
    let other = sshd.dir.join("not_authorized");
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "rsa", "-N", "", "-m", "PEM", "-f"])
        .arg(&other)
        .status()
        .unwrap();
    assert!(status.success());
    let mut wrong = settings(&sshd, sshd.known_hosts());
    wrong.key_path = other.clone();
    let error = error_of(SshSource::new(wrong).list());
    assert!(
        error.contains("refused key") && error.contains(&other.display().to_string()),
        "{error}"
    );
}

async fn store(dir: &Path) -> Arc<Store> {
    let url = format!("sqlite://{}", dir.join("etl.db").display());
    Arc::new(Store::open(&url, ImportOptions::default()).await.unwrap())
}

fn monitor_config(dir: &Path) -> MonitorConfig {
    let mut config = MonitorConfig::new(dir.join("local"));
    config.settle = Duration::ZERO;
    config.max_backoff = Duration::from_millis(50);
    config
}

/// A valid round file of about 20 MB (one player with a very long name), so
/// that a transfer takes long enough to be cut.
fn big_round() -> Vec<u8> {
    let mut bytes = sample(R1);
    let header_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let line_end = header_end
        + bytes[header_end..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap()
        + 1;
    let line = bytes[header_end..line_end].to_vec();
    let name_start = line.iter().position(|&b| b == b'\\').unwrap() + 1;
    let name_end = name_start + line[name_start..].iter().position(|&b| b == b'\\').unwrap();
    let mut big = line[..name_start].to_vec();
    big.extend(std::iter::repeat_n(b'N', 20 * 1024 * 1024));
    big.extend_from_slice(&line[name_end..]);
    bytes.truncate(header_end);
    bytes.extend(big);
    bytes
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_transfer_is_caught_up_without_duplicates() {
    let Some(mut sshd) = Sshd::start("killed") else {
        return;
    };
    let big = big_round();
    std::fs::write(sshd.remote_dir.join(R1), &big).unwrap();
    let store = store(&sshd.dir).await;
    let source = NamedSource {
        name: "game".into(),
        source: Arc::new(SshSource::new(settings(&sshd, sshd.known_hosts()))),
    };
    let mut monitor = Monitor::new(Arc::clone(&store), vec![source], monitor_config(&sshd.dir))
        .await
        .unwrap();

    let partial = sshd.dir.join("local/game").join(format!("{R1}.part"));
    let poll = tokio::spawn(async move {
        let report = monitor.poll_once().await;
        (monitor, report)
    });
    // Kill the server once the download is under way.
    let started = Instant::now();
    while std::fs::metadata(&partial).map(|m| m.len()).unwrap_or(0) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the download never started"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    sshd.kill();
    let (mut monitor, report) = poll.await.unwrap();
    assert!(report.imported.is_empty(), "{report:?}");
    assert!(
        !report.errors.is_empty(),
        "the cut must be noticed: {report:?}"
    );
    assert!(!partial.exists(), "no half file is left behind");
    assert!(
        store.processed_files().await.unwrap().is_empty(),
        "nothing was imported or recorded"
    );

    // While it is down, polls fail politely.
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(!monitor.poll_once().await.errors.is_empty());

    sshd.spawn();
    std::fs::write(sshd.remote_dir.join(R2), sample(R2)).unwrap();
    tokio::time::sleep(Duration::from_millis(60)).await;
    let report = monitor.poll_once().await;
    assert_eq!(report.imported, [R1, R2], "{report:?}");
    tokio::time::sleep(Duration::from_millis(60)).await;
    assert!(
        monitor.poll_once().await.imported.is_empty(),
        "no duplicate"
    );

    let export = store.export().await.unwrap();
    let round1 = &export.sessions[0].rounds[0];
    assert_eq!(
        round1.players[0].player.name.as_bytes().len(),
        20 * 1024 * 1024,
        "the whole file"
    );
    assert_eq!(export.sessions[0].rounds.len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_appended_over_ssh_is_imported_once_complete() {
    let Some(sshd) = Sshd::start("append") else {
        return;
    };
    let store = store(&sshd.dir).await;
    let source = NamedSource {
        name: "game".into(),
        source: Arc::new(SshSource::new(settings(&sshd, sshd.known_hosts()))),
    };
    let mut config = monitor_config(&sshd.dir);
    config.settle = Duration::from_secs(3600);
    config.quiet = Duration::from_secs(2);
    let mut monitor = Monitor::new(Arc::clone(&store), vec![source], config)
        .await
        .unwrap();
    let content = sample(R1);
    let path = sshd.remote_dir.join(R1);
    let writer = std::thread::spawn(move || {
        let mut file = std::fs::File::create(&path).unwrap();
        for chunk in content.chunks(content.len() / 4 + 1) {
            file.write_all(chunk).unwrap();
            file.flush().unwrap();
            std::thread::sleep(Duration::from_millis(1300));
        }
    });
    let mut imported = Vec::new();
    let started = Instant::now();
    while imported.is_empty() && started.elapsed() < Duration::from_secs(30) {
        let report = monitor.poll_once().await;
        assert!(
            report.failed.is_empty(),
            "a partial file was imported: {report:?}"
        );
        imported.extend(report.imported);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(writer.is_finished(), "imported before the writer finished");
    writer.join().unwrap();
    assert_eq!(imported, [R1]);
    assert_eq!(
        store.export().await.unwrap().sessions[0].rounds[0]
            .players
            .len(),
        12
    );
}
