//! Health alerts, the metrics endpoint and the `health` / `metrics` commands
//! end to end: the real `etl-bot serve` against the fake Discord on
//! loopback, a real local source folder and a real SQLite file.
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

use std::time::Duration;

use bot::{BotProcess, Scratch, ready, title};

use fake_discord::{
    ADMIN_ROLE_ID, FakeChannel, FakeDiscord, FakeDiscordConfig, RecordedRequest, TEXT_CHANNEL_ID,
    VOICE_CHANNEL_ID,
};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WAIT: Duration = Duration::from_secs(30);
const ADMIN_CHANNEL_ID: u64 = 1_100_000_000_000_000_410;

/// Checks every second, alerts after two checks, and never warns about the
/// disk (the test machine's is what it is).
const HEALTH: &str = "[health]
interval_s = 1
alert_after_checks = 2
clear_after_checks = 2
disk_warning_mb = 0
disk_problem_mb = 0
";

/// The bot with one local source and an admin channel, checking its health
/// every second; `extra` is appended to its configuration.
fn start(test: &str, fake: &FakeDiscord, extra: &str) -> (Scratch, BotProcess) {
    let scratch = Scratch::new(&format!("ops-{test}"));
    let config = bot::set(
        &scratch.config(fake),
        "discord",
        "admin_channel_id",
        ADMIN_CHANNEL_ID,
    );
    let config = bot::set(&config, "ingest", "max_backoff_s", 1);
    scratch.write_config(&format!("{config}\n{HEALTH}\n{extra}"));
    let bot = scratch.start();
    (scratch, bot)
}

/// The fake with an admin channel beside the stats channel.
async fn fake() -> FakeDiscord {
    let mut config = FakeDiscordConfig::default();
    config
        .channels
        .push(FakeChannel::text(ADMIN_CHANNEL_ID, "admins"));
    FakeDiscord::start_with(config).await
}

fn first_embed(request: &RecordedRequest) -> Value {
    let json = request.json.clone().unwrap_or(Value::Null);
    json.get("embeds")
        .or_else(|| json.pointer("/data/embeds"))
        .and_then(|e| e.get(0))
        .cloned()
        .unwrap_or(Value::Null)
}

fn is_post_to(request: &RecordedRequest, channel: u64) -> bool {
    request.is("POST", &format!("/channels/{channel}/messages")) && request.status < 300
}

/// Posts to `channel` whose first embed's title is `wanted`, so far.
fn posts_titled(fake: &FakeDiscord, channel: u64, wanted: &str) -> usize {
    fake.requests()
        .iter()
        .filter(|r| is_post_to(r, channel) && title(r) == wanted)
        .count()
}

async fn wait_for_post(
    fake: &FakeDiscord,
    since: usize,
    channel: u64,
    what: impl Fn(&RecordedRequest) -> bool,
) -> RecordedRequest {
    fake.wait_for_request_since(since, |r| is_post_to(r, channel) && what(r), WAIT)
        .await
        .unwrap_or_else(|| {
            let seen: Vec<String> = fake
                .requests()
                .iter()
                .skip(since)
                .map(|r| format!("{} {} {}", r.method, r.route, title(r)))
                .collect();
            panic!("no matching post in channel {channel}; saw {seen:#?}")
        })
}

/// One player in voice: a session starts and the fetcher polls every second.
async fn start_monitoring(fake: &FakeDiscord) {
    let since = fake.request_count();
    fake.dispatch(
        "VOICE_STATE_UPDATE",
        fake.voice_state_update(101, Some(VOICE_CHANNEL_ID), false),
    );
    wait_for_post(fake, since, TEXT_CHANNEL_ID, |r| {
        r.body_text.contains("Session started")
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lasting_problem_is_posted_once_and_its_end_once() {
    let fake = fake().await;
    let (scratch, bot) = start("alerts", &fake, "");
    ready(&fake).await;
    start_monitoring(&fake).await;

    // The game server's stats folder disappears: every poll fails.
    let since = fake.request_count();
    std::fs::remove_dir_all(&scratch.server).unwrap();
    let alert = wait_for_post(&fake, since, ADMIN_CHANNEL_ID, |r| {
        title(r) == "Problem: Source game"
    })
    .await;
    let detail = first_embed(&alert)["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(detail.starts_with("failing ("), "{detail}");
    assert!(detail.contains("cannot list"), "{detail}");
    // Several more checks see it: nothing more is posted.
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(
        posts_titled(&fake, ADMIN_CHANNEL_ID, "Problem: Source game"),
        1,
        "posted once, not on every check"
    );

    // The folder is back: "cleared" comes once, and nothing after it.
    let since = fake.request_count();
    std::fs::create_dir_all(&scratch.server).unwrap();
    let cleared = wait_for_post(&fake, since, ADMIN_CHANNEL_ID, |r| {
        title(r) == "Cleared: Source game"
    })
    .await;
    assert!(
        first_embed(&cleared)["description"]
            .as_str()
            .unwrap()
            .starts_with("Now: last answered"),
        "{:?}",
        first_embed(&cleared)
    );
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        posts_titled(&fake, ADMIN_CHANNEL_ID, "Cleared: Source game"),
        1
    );
    assert_eq!(
        posts_titled(&fake, ADMIN_CHANNEL_ID, "Problem: Source game"),
        1
    );
    // Alerts go to the admin channel only.
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| is_post_to(r, TEXT_CHANNEL_ID) && title(r).starts_with("Problem:"))
            .count(),
        0
    );
    bot.stop();
}

/// A port nobody listens on right now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET path` over plain HTTP/1.1: the status line, the headers, the body.
async fn get(port: u16, path: &str) -> std::io::Result<(String, String, String)> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await?;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_string(&mut answer))
        .await
        .map_err(|_| std::io::Error::other("no answer within 10 s"))??;
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let (status, headers) = head.split_once("\r\n").unwrap_or((head, ""));
    Ok((status.to_owned(), headers.to_lowercase(), body.to_owned()))
}

/// The metrics until `line` is one of them.
async fn metrics_with(port: u16, line: &str) -> String {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, _, body) = get(port, "/metrics").await.unwrap();
        if body.lines().any(|l| l == line) {
            return body;
        }
        if tokio::time::Instant::now() > deadline {
            panic!("no line {line:?} in the metrics:\n{body}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_metrics_endpoint_counts_imports_posts_and_commands() {
    let fake = fake().await;
    let port = free_port();
    let (scratch, bot) = start(
        "metrics",
        &fake,
        &format!("\n[metrics]\nenabled = true\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    ready(&fake).await;

    let (status, headers, body) = get(port, "/metrics").await.unwrap();
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(
        headers.contains("content-type: application/openmetrics-text; version=1.0.0"),
        "{headers}"
    );
    assert!(body.ends_with("# EOF\n"), "{body}");
    assert!(body.contains("# TYPE etl_file_to_post_seconds histogram"));
    let (missing, _, _) = get(port, "/nothing").await.unwrap();
    assert_eq!(missing, "HTTP/1.1 404 Not Found");

    // A round file on the game server: fetched, imported, its card posted.
    start_monitoring(&fake).await;
    let since = fake.request_count();
    scratch.round_ends(
        "2025-11-09-201530-supply-round-1.txt",
        "2025-11-02-201530-supply-round-1.txt",
    );
    wait_for_post(&fake, since, TEXT_CHANNEL_ID, |r| {
        title(r).starts_with("supply · round 1")
    })
    .await;
    let body = metrics_with(port, "etl_file_to_post_seconds_count 1").await;
    for line in [
        "etl_files_fetched_total{source=\"game\"} 1",
        "etl_files_imported_total{source=\"game\"} 1",
        "etl_files_failed_total{source=\"game\"} 0",
        "etl_gateway_connected 1",
        "etl_gateway_reconnects_total 0",
    ] {
        assert!(body.lines().any(|l| l == line), "no {line:?} in\n{body}");
    }
    assert!(
        body.lines()
            .any(|l| l.starts_with("etl_file_to_post_seconds_sum ")),
        "{body}"
    );

    // A command answered: its latency is counted under its name, aliases included.
    let since = fake.request_count();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, 4101, "!lr", &[]),
    );
    wait_for_post(&fake, since, TEXT_CHANNEL_ID, |r| !title(r).is_empty()).await;
    let body = metrics_with(
        port,
        "etl_command_duration_seconds_count{command=\"last_round\"} 1",
    )
    .await;
    assert!(
        body.contains("etl_command_duration_seconds_bucket{le=\"+Inf\",command=\"last_round\"} 1"),
        "{body}"
    );
    // The self-check's verdicts are there too.
    metrics_with(port, "etl_health_check_status{check=\"source:game\"} 0").await;
    bot.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_metrics_endpoint_is_not_listening_unless_enabled() {
    let fake = fake().await;
    let port = free_port();
    let (_scratch, bot) = start(
        "no-metrics",
        &fake,
        &format!("\n[metrics]\nlisten = \"127.0.0.1:{port}\"\n"),
    );
    ready(&fake).await;
    // Up and answering commands, yet nothing listens on the port.
    let since = fake.request_count();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, 4201, "!help", &[]),
    );
    wait_for_post(&fake, since, TEXT_CHANNEL_ID, |r| !title(r).is_empty()).await;
    let refused = get(port, "/metrics").await.unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::ConnectionRefused);
    bot.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn health_and_metrics_answer_through_discord() {
    let fake = fake().await;
    let (_scratch, bot) = start("commands", &fake, "");
    ready(&fake).await;
    start_monitoring(&fake).await;

    // An admin sees every check with its detail.
    let since = fake.request_count();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, 4301, "!health", &[ADMIN_ROLE_ID]),
    );
    let health = wait_for_post(&fake, since, TEXT_CHANNEL_ID, |r| title(r) == "Health").await;
    let embed = first_embed(&health);
    let fields = embed["fields"].as_array().unwrap();
    let field = |name: &str| -> String {
        fields
            .iter()
            .find(|f| f["name"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("no field {name} in {embed}"))["value"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        field("Database").starts_with("SQLite answered in"),
        "{embed}"
    );
    assert_eq!(field("Last round"), "no round file imported yet");
    assert_eq!(field("Failed imports"), "none in the last 24 h");
    assert!(field("Disk").contains(" free of "), "{embed}");
    let source = field("Source game");
    assert!(
        source.starts_with("last answered") || source.starts_with("not polled yet"),
        "{source}"
    );
    assert!(
        field("Discord gateway").starts_with("connected since"),
        "{embed}"
    );
    assert_eq!(field("Round cards"), "none waiting");

    // Anyone else sees whether each part is well, not the details.
    let since = fake.request_count();
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.slash_interaction("health", vec![], 4302, &[]),
    );
    let callback = fake
        .wait_for_request_since(
            since,
            |r| r.is("POST", "/interactions/") && r.route.ends_with("/callback"),
            WAIT,
        )
        .await
        .expect("the interaction was answered");
    let embed = first_embed(&callback);
    assert_eq!(embed["title"], "Health", "{embed}");
    let values: Vec<&str> = embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["value"].as_str().unwrap())
        .collect();
    assert!(
        values
            .iter()
            .all(|v| ["ok", "warning", "problem"].contains(v)),
        "{values:?}"
    );
    assert!(
        embed["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("details are for admins")
    );

    // `metrics` is for admins, and counts the commands answered so far.
    let since = fake.request_count();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, 4303, "!metrics", &[ADMIN_ROLE_ID]),
    );
    let metrics = wait_for_post(&fake, since, TEXT_CHANNEL_ID, |r| title(r) == "Metrics").await;
    let embed = first_embed(&metrics);
    let description = embed["description"].as_str().unwrap();
    assert!(description.starts_with("Up "), "{embed}");
    assert!(
        description.contains("Discord gateway connected, 0 reconnects since start."),
        "{embed}"
    );
    assert!(
        description.contains("health"),
        "the health commands are counted: {embed}"
    );
    assert!(
        embed
            .to_string()
            .contains("game: 0 fetched, 0 imported, 0 failed"),
        "{embed}"
    );
    let since = fake.request_count();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, 4304, "!metrics", &[]),
    );
    let refused = wait_for_post(&fake, since, TEXT_CHANNEL_ID, |r| title(r) == "Sorry").await;
    assert!(
        first_embed(&refused)["description"]
            .as_str()
            .unwrap()
            .contains("is for admins")
    );
    bot.stop();
}

/// Discord refuses the round card (the bot lost its permission in the
/// stats channel): the card is given up, not retried forever, and `!health`
/// tells the admin why.
#[tokio::test(flavor = "multi_thread")]
async fn a_round_card_discord_refuses_is_reported_by_health() {
    let fake = fake().await;
    let (scratch, bot) = start("refused", &fake, "");
    ready(&fake).await;
    start_monitoring(&fake).await;
    let stats = format!("/channels/{TEXT_CHANNEL_ID}/messages");
    fake.respond(
        "POST",
        &stats,
        403,
        Some(serde_json::json!({"message": "Missing Permissions", "code": 50013})),
    );
    let since = fake.request_count();
    scratch.round_ends(
        "2025-11-09-201530-supply-round-1.txt",
        "2025-11-02-201530-supply-round-1.txt",
    );
    let refused = fake
        .wait_for_request_since(since, |r| r.is("POST", &stats) && r.status == 403, WAIT)
        .await;
    assert!(refused.is_some(), "the card was never tried");

    let started = std::time::Instant::now();
    let cards = loop {
        let since = fake.request_count();
        fake.dispatch(
            "MESSAGE_CREATE",
            fake.message_create(ADMIN_CHANNEL_ID, 4401, "!health", &[ADMIN_ROLE_ID]),
        );
        let health = wait_for_post(&fake, since, ADMIN_CHANNEL_ID, |r| title(r) == "Health").await;
        let embed = first_embed(&health);
        let cards = embed["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"].as_str().unwrap().ends_with("Round cards"))
            .unwrap_or_else(|| panic!("no round cards in {embed}"))["value"]
            .as_str()
            .unwrap()
            .to_owned();
        if cards != "none waiting" || started.elapsed() > WAIT {
            break cards;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert!(
        cards
            .starts_with("none waiting; 1 not posted in the last 24 h, latest: refused by Discord")
            && cards.contains("Missing Permissions"),
        "{cards}"
    );
    // Given up once, not retried.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let tries = fake
        .requests()
        .iter()
        .filter(|r| r.is("POST", &stats) && r.body_text.contains("supply-round-1.txt"))
        .count();
    assert_eq!(tries, 1);
    bot.stop();
}

#[test]
fn the_metrics_address_is_an_address_or_a_port_and_off_by_default() {
    use etl_bot::config::Config;
    let dir = std::env::temp_dir().join(format!("etl-ops-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let load = |text: &str| {
        let path = dir.join("etl.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path), None)
    };
    let defaults = load("").unwrap();
    assert!(!defaults.metrics.enabled);
    assert_eq!(
        defaults.metrics.address().unwrap().to_string(),
        "127.0.0.1:9187"
    );
    assert_eq!(defaults.health.interval_s, 60);
    assert_eq!(defaults.health.policy(), etl_ops::AlertPolicy::default());
    let port = load("[metrics]\nenabled = true\nlisten = 9300\n").unwrap();
    assert_eq!(
        port.metrics.address().unwrap().to_string(),
        "127.0.0.1:9300"
    );
    let text_port = load("[metrics]\nlisten = \"9301\"\n").unwrap();
    assert_eq!(
        text_port.metrics.address().unwrap().to_string(),
        "127.0.0.1:9301"
    );
    let anywhere = load("[metrics]\nlisten = \"[::]:9302\"\n").unwrap();
    assert_eq!(anywhere.metrics.address().unwrap().to_string(), "[::]:9302");
    let wrong = load("[metrics]\nenabled = true\nlisten = \"localhost\"\n").unwrap_err();
    assert!(
        format!("{wrong:#}").contains("is not ADDRESS:PORT"),
        "{wrong:#}"
    );
    let never = load("[health]\nalert_after_checks = 0\n").unwrap_err();
    assert!(format!("{never:#}").contains("at least 1"), "{never:#}");
    let _ = std::fs::remove_dir_all(&dir);
}
