//! Fault rehearsal: the bot killed (SIGKILL) while it catches up on a
//! backlog of rounds, then started again. The real `etl-bot serve` against
//! the fake Discord, a local game-server folder and a real SQLite file.
//!
//! Discord holds back its answer to the first round card (the card is in
//! the channel, the bot does not know), and the bot is killed while it
//! imports and waits: rounds imported whose cards were never posted, one
//! card posted but never recorded. After the restart: every file imported
//! exactly once, no partial round, the database as a clean import leaves
//! it, and every round card in the channel exactly once, in play order.
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
#[path = "support/nights.rs"]
mod nights;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use bot::{BotProcess, Scratch};
use etl_store::{ImportOptions, Store};
use fake_discord::{FakeDiscord, FakeDiscordConfig, TEXT_CHANNEL_ID, VOICE_CHANNEL_ID};
use nights::{bot, export, recorded, rounds_in};

/// Nights of the sample night (eight files each) waiting on the game server.
const NIGHTS: u32 = 20;

/// Round cards in the stats channel as Discord holds them, by file name
/// (their footer), oldest first.
fn cards(fake: &FakeDiscord) -> Vec<String> {
    let channel = TEXT_CHANNEL_ID.to_string();
    fake.messages()
        .iter()
        .filter(|m| m["channel_id"].as_str() == Some(channel.as_str()))
        .filter_map(|m| m["embeds"][0]["footer"]["text"].as_str().map(str::to_owned))
        .filter(|footer| footer.ends_with(".txt"))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_bot_imports_each_file_once_and_posts_each_card_once_after_a_restart() {
    let fake = FakeDiscord::start_with(FakeDiscordConfig {
        // Someone in voice: the session, and so the fetcher, starts at once.
        voice_states: vec![(7001, VOICE_CHANNEL_ID, false)],
        ..FakeDiscordConfig::default()
    })
    .await;
    let stats_route = format!("/channels/{TEXT_CHANNEL_ID}/messages");
    // Discord is slow after the restart: cards trail the imports.
    fake.slow_down("POST", &stats_route, Duration::from_millis(20));

    let scratch = Scratch::new("killed");
    let names = nights::write_nights(&scratch.server, jiff::civil::date(2026, 1, 1), NIGHTS);
    let total = names.len();
    let database = scratch.database_url();
    let config = scratch.write_config(&scratch.config(&fake));

    // Discord creates the first round card but its answer never reaches
    // the bot, which is killed meanwhile: it cannot know that card went out.
    fake.hold_answers("POST", &stats_route, ".txt");
    let first = BotProcess::start(&config, &scratch.dir.join("serve-1.log"));
    let started = Instant::now();
    loop {
        let committed = recorded(&database).await.len();
        if committed >= total / 4 && fake.answers_held() > 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "only {committed} of {total} files imported within two minutes:\n{}",
            first.log()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    first.kill();
    fake.release_answers();

    // What survived is whole: each recorded file has its round with every
    // player, and nothing was recorded as failed.
    let survived = recorded(&database).await;
    let stored = survived.len();
    assert!(stored < total, "the import finished before the kill");
    assert!(
        survived
            .iter()
            .all(|(_, success, attempts)| *success && *attempts == 1),
        "{survived:?}"
    );
    let rounds = rounds_in(&export(&database));
    assert!(
        rounds.iter().all(|(_, players)| *players == 12),
        "a partial round: {rounds:?}"
    );
    assert_eq!(
        rounds
            .iter()
            .map(|(f, _)| f.as_str())
            .collect::<BTreeSet<_>>(),
        survived
            .iter()
            .map(|(f, _, _)| f.as_str())
            .collect::<BTreeSet<_>>(),
    );
    // In the channel: the first card only, which Discord created while the
    // bot waited for the answer. Queued: every imported round, that one too.
    let posted_before = cards(&fake);
    assert_eq!(posted_before, names[..1], "only the held card went out");
    let waiting = {
        let store = Store::connect(&database, ImportOptions::default())
            .await
            .unwrap();
        store.waiting_announcements(usize::MAX).await.unwrap().len()
    };
    assert_eq!(waiting, stored, "every imported round waits for its card");
    eprintln!(
        "killed after {stored} of {total} files imported; the first card posted but not recorded"
    );

    let second = BotProcess::start(&config, &scratch.dir.join("serve-2.log"));
    let started = Instant::now();
    while cards(&fake).len() < total {
        assert!(
            started.elapsed() < Duration::from_secs(180),
            "{} of {total} cards after the restart:\n{}",
            cards(&fake).len(),
            second.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A little longer: a card posted twice would show up now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(cards(&fake), names, "every card once, in play order");
    let all = recorded(&database).await;
    assert_eq!(all.len(), total);
    assert!(
        all.iter()
            .all(|(_, success, attempts)| *success && *attempts == 1),
        "every file imported exactly once: {all:?}"
    );
    {
        let store = Store::connect(&database, ImportOptions::default())
            .await
            .unwrap();
        assert_eq!(store.waiting_announcements(10).await.unwrap(), []);
    }
    second.stop();

    // The same files imported in one clean run give the same database.
    let clean = format!("sqlite://{}", scratch.dir.join("clean.db").display());
    let imported = bot()
        .args(["import", scratch.server.to_str().unwrap(), "--db", &clean])
        // Stored under the source's name, as the bot stores them.
        .env("ETL_INGEST__DEFAULT_SOURCE", "game")
        .output()
        .unwrap();
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    assert_eq!(export(&database), export(&clean));
    let counts = |url: String| async move {
        let store = Store::connect(&url, ImportOptions::default())
            .await
            .unwrap();
        let mut counts = store.table_counts().await.unwrap();
        // Only the bot queues round cards.
        counts.retain(|(table, _)| *table != "round_announcements");
        counts
    };
    assert_eq!(counts(database.clone()).await, counts(clean).await);
}
