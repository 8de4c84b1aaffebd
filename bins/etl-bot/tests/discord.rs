//! `etl-bot serve` end to end against a fake Discord on loopback: the real
//! binary, the real twilight shard and HTTP client, a real SQLite file.
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

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use bot::{BotProcess, Scratch, embeds, posted, ready, title};

use fake_discord::{FakeDiscord, GUILD_ID, TEXT_CHANNEL_ID, VOICE_CHANNEL_ID};
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(20);

/// The sample night imported, then the bot started against the fake; three
/// in voice start a session, and it ends a second after one is left.
fn start(test: &str, fake: &FakeDiscord) -> (Scratch, BotProcess) {
    let scratch = Scratch::new(&format!("discord-{test}"));
    let mut config = scratch.config(fake);
    for (key, value) in [
        ("start_threshold", 3),
        ("end_threshold", 1),
        ("end_delay_s", 1),
        ("idle_end_min", 30),
    ] {
        config = bot::set(&config, "session", key, value);
    }
    let config = scratch.write_config(&config);
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample-night");
    let import = Command::new(env!("CARGO_BIN_EXE_etl-bot"))
        .arg("--config")
        .arg(&config)
        .arg("import")
        .arg(&sample)
        .env_remove("ETL_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let bot = scratch.start();
    (scratch, bot)
}

/// Each step speaks as its own user: one user firing commands back to back
/// would (rightly) meet the cooldown.
fn user_message(fake: &FakeDiscord, user: u64, content: &str) -> Value {
    fake.message_create(TEXT_CHANNEL_ID, user, content, &[])
}

#[tokio::test(flavor = "multi_thread")]
async fn commands_answer_as_embeds_both_ways_and_pages_turn() {
    let fake = FakeDiscord::start().await;
    let (_scratch, bot) = start("commands", &fake);
    ready(&fake).await;
    let commands = fake.registered_commands(Some(GUILD_ID));
    assert_eq!(
        commands.len(),
        etl_commands_count(),
        "every registry command is a slash command"
    );

    // A `!` command, answered in the channel with the right embed.
    let since = fake.request_count();
    fake.dispatch(
        "MESSAGE_CREATE",
        user_message(&fake, 4001, "!player_stats Slomix"),
    );
    let reply = posted(&fake, since, |title, _| title.contains("Slomix")).await;
    assert!(
        embeds(&reply)[0]["fields"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
    );

    // A slash command, answered through the interaction callback.
    let since = fake.request_count();
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.slash_interaction("leaderboard", vec![("metric", json!("kills"))], 4002, &[]),
    );
    let callback = fake
        .wait_for_request_since(
            since,
            |r| r.is("POST", "/interactions/") && r.route.ends_with("/callback"),
            WAIT,
        )
        .await
        .expect("the interaction was answered");
    let data = callback.json.clone().unwrap();
    assert_eq!(data["type"], 4);
    assert!(
        data["data"]["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("kills"),
        "{data}"
    );

    // A paged reply gets buttons; the caller turns the page, others cannot.
    let since = fake.request_count();
    fake.dispatch("MESSAGE_CREATE", user_message(&fake, 4003, "!last_session"));
    let paged = posted(&fake, since, |_, r| {
        r.json
            .as_ref()
            .is_some_and(|j| j["components"].as_array().is_some_and(|c| !c.is_empty()))
    })
    .await;
    let message_id: u64 = fake.messages().last().unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let buttons = paged.json.clone().unwrap()["components"][0]["components"].clone();
    let next = buttons
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["custom_id"].as_str().unwrap().ends_with(":next"))
        .unwrap()["custom_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let since = fake.request_count();
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.component_interaction(&next, message_id, 4003),
    );
    let turned = fake
        .wait_for_request_since(
            since,
            |r| r.is("POST", "/interactions/") && r.route.ends_with("/callback"),
            WAIT,
        )
        .await
        .unwrap();
    let turned = turned.json.unwrap();
    assert_eq!(turned["type"], 7, "UPDATE_MESSAGE");
    assert!(
        turned["data"]["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("page 2/"),
        "{turned}"
    );
    let since = fake.request_count();
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.component_interaction(&next, message_id, 9999),
    );
    let refused = fake
        .wait_for_request_since(
            since,
            |r| r.is("POST", "/interactions/") && r.route.ends_with("/callback"),
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        refused.json.unwrap()["data"]["content"]
            .as_str()
            .unwrap()
            .contains("Only the person who asked")
    );

    // More than two commands a second: a polite notice.
    let since = fake.request_count();
    for _ in 0..4 {
        fake.dispatch("MESSAGE_CREATE", user_message(&fake, 4004, "!help"));
    }
    let notice = fake
        .wait_for_request_since(since, |r| r.body_text.contains("Slow down"), WAIT)
        .await;
    assert!(notice.is_some(), "no cooldown notice");
    bot.stop();
}

fn etl_commands_count() -> usize {
    etl_commands::COMMANDS.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn voice_starts_a_session_rounds_are_posted_and_leaving_ends_it() {
    let fake = FakeDiscord::start().await;
    let (scratch, bot) = start("voice", &fake);
    ready(&fake).await;

    let since = fake.request_count();
    for user in 1..=3 {
        fake.dispatch(
            "VOICE_STATE_UPDATE",
            fake.voice_state_update(100 + user, Some(VOICE_CHANNEL_ID), false),
        );
    }
    let started = posted(&fake, since, |_, r| r.body_text.contains("Session started")).await;
    assert!(started.body_text.contains("3 players"));

    // A new round file on the game server is fetched, imported and posted.
    let since = fake.request_count();
    scratch.round_ends(
        "2025-11-09-201530-supply-round-1.txt",
        "2025-11-02-201530-supply-round-1.txt",
    );
    let card = posted(&fake, since, |title, _| {
        title.starts_with("supply · round 1")
    })
    .await;
    assert!(
        embeds(&card)[0]["description"]
            .as_str()
            .unwrap()
            .contains("won")
    );

    // Everyone leaves: after the delay the session ends and its summary is
    // posted once, though Discord fails the first two attempts.
    let since = fake.request_count();
    fake.fail_next(
        "POST",
        &format!("/channels/{TEXT_CHANNEL_ID}/messages"),
        502,
        2,
    );
    for user in 1..=3 {
        fake.dispatch(
            "VOICE_STATE_UPDATE",
            fake.voice_state_update(100 + user, None, false),
        );
    }
    posted(&fake, since, |_, r| r.body_text.contains("Session ended")).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let summaries = fake
        .requests()
        .iter()
        .skip(since)
        .filter(|r| {
            r.is("POST", "/channels/")
                && title(r).to_lowercase().contains("session")
                && !r.body_text.contains("Session ended")
        })
        .count();
    assert_eq!(summaries, 1, "one session summary");
    let ended: Vec<u16> = fake
        .requests()
        .iter()
        .skip(since)
        .filter(|r| r.is("POST", "/channels/") && r.body_text.contains("Session ended"))
        .map(|r| r.status)
        .collect();
    assert_eq!(ended, [502, 502, 200], "retried until taken, once");
    bot.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dropped_gateway_resumes_and_rate_limits_are_waited_out() {
    let fake = FakeDiscord::start().await;
    let (_scratch, bot) = start("resume", &fake);
    ready(&fake).await;

    assert!(fake.drop_connection());
    assert!(
        fake.wait_for_resume(WAIT).await.is_some(),
        "the shard did not resume"
    );
    assert_eq!(fake.identifies().len(), 1, "resumed, not re-identified");

    fake.rate_limit_next(&format!("/channels/{TEXT_CHANNEL_ID}/messages"), 2);
    let since = fake.request_count();
    fake.dispatch("MESSAGE_CREATE", user_message(&fake, 4005, "!last_round"));
    let answered = posted(&fake, since, |_, _| true).await;
    let limited = fake
        .requests()
        .iter()
        .skip(since)
        .filter(|r| r.status == 429)
        .count();
    assert_eq!(limited, 2, "two 429s before the answer");
    assert!(!title(&answered).is_empty());
    bot.stop();
}

#[test]
fn a_bad_token_is_a_clear_message_not_a_panic() {
    let output = Command::new(env!("CARGO_BIN_EXE_etl-bot"))
        .args(["--db", "sqlite:///nonexistent-dir-for-test/x.db", "serve"])
        .env("ETL_DISCORD__TOKEN", "Bot abc def")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("does not look like a bot token"),
        "{stderr}"
    );
}

#[test]
fn a_missing_token_is_a_clear_message_not_a_panic() {
    let output = Command::new(env!("CARGO_BIN_EXE_etl-bot"))
        .args(["--db", "sqlite:///nonexistent-dir-for-test/x.db", "serve"])
        .env_remove("ETL_DISCORD__TOKEN")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no Discord token: set ETL_DISCORD__TOKEN"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}
