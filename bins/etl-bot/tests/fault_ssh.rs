//! Fault rehearsal: the game server's SSH goes away for minutes while rounds
//! are played. The real `etl-bot serve` polls a real OpenSSH server on
//! loopback and posts to the fake Discord; a real SQLite file.
//!
//! The bot must back off (retries further and further apart, not one per
//! poll), stay quiet meanwhile, and once the server is back fetch every file
//! it missed exactly once and post their cards once each, in order.
//!
//! "Minutes" in test time: the outage here is about half a minute with
//! `max_backoff_s = 6` and a poll every second. In production (a poll every
//! 30 s, `max_backoff_s = 300`) the same doubling gives about eleven attempts
//! in a twenty-minute outage and a catch-up at most five minutes after the
//! server returns; here it gives about five attempts in 32 s (waits of 2, 4,
//! then 6 s) and a catch-up at most 6 s after. Same curve, scaled down about
//! forty times.
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
#[allow(dead_code)]
#[path = "support/sshd.rs"]
mod sshd;

use std::time::{Duration, Instant};

use bot::{BotProcess, WAIT, drop_file, ready, sample, start_session};
use etl_store::{ImportOptions, Store};
use fake_discord::{FakeDiscord, TEXT_CHANNEL_ID};
use sshd::Sshd;

/// The longest wait between two attempts, for this test (default 300).
const MAX_BACKOFF_S: u64 = 6;
/// How long the server stays away: several backoff steps, the last ones at
/// the ceiling.
const OUTAGE: Duration = Duration::from_secs(32);

/// The sample night in play order.
const NIGHT: [&str; 6] = [
    "2025-11-02-201530-supply-round-1.txt",
    "2025-11-02-203304-supply-round-2.txt",
    "2025-11-02-205012-te_escape2-round-1.txt",
    "2025-11-02-210611-te_escape2-round-2.txt",
    "2025-11-02-212240-etl_adlernest-round-1.txt",
    "2025-11-02-213552-etl_adlernest-round-2.txt",
];

/// Round cards in the stats channel as Discord holds them, by file name
/// (the card's footer), oldest first.
fn cards(fake: &FakeDiscord) -> Vec<String> {
    fake.messages()
        .iter()
        .filter(|m| in_stats_channel(m))
        .filter_map(|m| m["embeds"][0]["footer"]["text"].as_str().map(str::to_owned))
        .filter(|footer| footer.ends_with(".txt"))
        .collect()
}

async fn wait_for_cards(fake: &FakeDiscord, count: usize) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while cards(fake).len() < count {
        assert!(
            tokio::time::Instant::now() < deadline,
            "expected {count} round cards, have {:?}",
            cards(fake)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_ssh_server_away_for_minutes_backoff_then_every_missed_round_once() {
    let Some(mut sshd) = Sshd::start("fault-ssh") else {
        return;
    };
    // The server's own log says which files were read, and how often.
    sshd.log_sftp_operations();
    let fake = FakeDiscord::start().await;
    let dir = sshd.dir.join("bot");
    std::fs::create_dir_all(&dir).unwrap();
    let database = format!("sqlite://{}", dir.join("etl.db").display());
    let source = format!(
        r#"[[sources]]
name = "game"
kind = "ssh"
host = "127.0.0.1"
port = {port}
user = "{user}"
key_path = "{key}"
known_hosts = "{known_hosts}"
remote_dir = "{remote}"
connect_timeout_s = 5
transfer_timeout_s = 10
"#,
        port = sshd.port,
        user = sshd.user(),
        key = sshd.client_key.display(),
        known_hosts = sshd.known_hosts().display(),
        remote = sshd.remote_dir.display(),
    );
    let config = bot::set(
        &bot::config_text(&fake, &database, &dir.join("stats"), &source),
        "ingest",
        "max_backoff_s",
        MAX_BACKOFF_S,
    );
    std::fs::write(dir.join("etl.toml"), config).unwrap();
    let bot = BotProcess::start(&dir.join("etl.toml"), &dir.join("serve.log"));
    ready(&fake).await;
    start_session(&fake).await;

    // The first round of the night arrives while all is well.
    drop_file(&sshd.remote_dir, NIGHT[0], &sample(NIGHT[0]));
    wait_for_cards(&fake, 1).await;

    // The SSH server dies. Something on its port notes every connection
    // attempt and hangs up (a closed port would refuse them unseen).
    sshd.kill();
    let holder = sshd.hold_port();
    let outage_began = Instant::now();
    let requests_before = fake.request_count();
    // Rounds go on meanwhile.
    for name in &NIGHT[1..] {
        tokio::time::sleep(OUTAGE / 6).await;
        drop_file(&sshd.remote_dir, name, &sample(name));
    }
    tokio::time::sleep(OUTAGE.saturating_sub(outage_began.elapsed())).await;
    let attempts = holder.attempts();
    let posted_meanwhile = fake
        .requests()
        .iter()
        .skip(requests_before)
        .filter(|r| r.is("POST", "/channels/"))
        .count();
    // Back on the same port with the same host key.
    drop(holder);
    sshd.spawn();

    let gaps: Vec<Duration> = attempts.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        attempts.len() >= 3,
        "the bot kept trying while the server was away: {} attempts",
        attempts.len()
    );
    // Polling every second, a bot without backoff would try ~32 times.
    assert!(
        attempts.len() <= 8,
        "backoff: {} attempts in {OUTAGE:?}, gaps {gaps:?}",
        attempts.len()
    );
    // The shortest wait is 2 s; each is at least its backoff step (waits are
    // only ever longer on a busy machine, never shorter), and the last ones
    // sit at the ceiling.
    let slack = Duration::from_millis(250);
    assert!(
        gaps.iter().all(|g| *g + slack >= Duration::from_secs(2)),
        "retries are spaced out: {gaps:?}"
    );
    assert!(
        gaps.last()
            .is_some_and(|g| *g + slack >= Duration::from_secs(MAX_BACKOFF_S)),
        "the waits grew to max_backoff_s: {gaps:?}"
    );
    // ... and stopped growing there (with the default ceiling the last wait
    // would be about twice the one before): the setting is in force.
    if let [.., before, last] = gaps.as_slice() {
        assert!(
            last.as_secs_f64() < before.as_secs_f64() * 1.5,
            "the waits kept doubling past max_backoff_s: {gaps:?}"
        );
    }
    assert!(
        posted_meanwhile <= 1,
        "no Discord spam while the server is away: {posted_meanwhile} posts"
    );

    // The catch-up: every round missed, once, in order.
    wait_for_cards(&fake, NIGHT.len()).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(cards(&fake), NIGHT, "every card once, in play order");
    for name in NIGHT {
        assert_eq!(sshd.reads_of(name), 1, "{name} was downloaded once");
    }
    let log = bot.log();
    let failures_logged = log
        .lines()
        .filter(|line| line.contains(&format!("127.0.0.1:{}", sshd.port)))
        .count();
    // The operator is told in the log, but not once per attempt.
    assert!(
        (1..=attempts.len() + 2).contains(&failures_logged),
        "{failures_logged} log lines about the source:\n{log}"
    );
    bot.stop();

    let store = Store::open(&database, ImportOptions::default())
        .await
        .unwrap();
    let mut processed: Vec<String> = store
        .processed_files()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.file_name)
        .collect();
    processed.sort();
    assert_eq!(processed, NIGHT, "each file imported once");
    let local: Vec<String> = std::fs::read_dir(dir.join("stats/game"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".part"))
        .collect();
    assert!(local.is_empty(), "no half download left behind: {local:?}");
}

/// Whether a message (as the fake holds it) is in the stats channel.
fn in_stats_channel(message: &serde_json::Value) -> bool {
    message["channel_id"].as_str() == Some(&*TEXT_CHANNEL_ID.to_string())
}
