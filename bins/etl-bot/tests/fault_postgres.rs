//! PostgreSQL restarted while the bot runs: commands fail politely during the
//! outage, nothing is lost, it recovers without a restart.
//!
//! The real `etl-bot serve` against the fake Discord, on a private PostgreSQL
//! cluster of its own (the machine's shared server is never stopped), with a
//! local game-server folder. Three outages: a clean shutdown (`pg_ctl stop -m
//! fast`), a crash (`-m immediate`, recovered from the WAL on start), and a
//! server that hangs without closing anything (every process SIGSTOPped).
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
#[path = "support/postgres.rs"]
mod postgres;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use bot::{
    BotProcess, Scratch, WAIT, cards, drop_file, posted, ready, sample, start_session, text, title,
};
use etl_store::{ImportOptions, Store};
use fake_discord::{FakeDiscord, TEXT_CHANNEL_ID};
use postgres::{PrivatePostgres, Stop};
use serde_json::json;

const R1: &str = "2025-11-02-201530-supply-round-1.txt";
const R2: &str = "2025-11-02-203304-supply-round-2.txt";
const R3: &str = "2025-11-02-205012-te_escape2-round-1.txt";
const R4: &str = "2025-11-02-210611-te_escape2-round-2.txt";

/// How the database goes away.
#[derive(Debug, Clone, Copy)]
enum Fault {
    Stopped(Stop),
    /// Up, connections open, but nothing answers.
    Frozen,
}

/// What the bot must say instead of an answer while the database is away.
const POLITE: &str = "The database is not answering right now";

/// Words of a raw error that must never reach a Discord user.
const RAW: &[&str] = &[
    "postgres://",
    "127.0.0.1",
    "Connection refused",
    "connection refused",
    "database error",
    "panicked",
    "os error",
];

fn assert_polite(what: &str, body: &str) {
    assert!(
        body.contains(POLITE),
        "{what}: not the polite reply: {body}"
    );
    for raw in RAW {
        assert!(
            !body.contains(raw),
            "{what}: a raw error ({raw}) reached the user: {body}"
        );
    }
}

/// `!player_stats` in the channel; returns the reply.
async fn channel_command(fake: &FakeDiscord, user: u64) -> fake_discord::RecordedRequest {
    let since = fake.request_count();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, user, "!player_stats Slomix", &[]),
    );
    posted(fake, since, |_, _| true).await
}

/// `/leaderboard metric:kills`: the interaction's first answer as Discord
/// took it (type 4, the answer, or 5, "thinking…") and the answer the user
/// ends up with (after the edit of a deferred one).
async fn slash_command(fake: &FakeDiscord, user: u64) -> (u64, serde_json::Value) {
    let since = fake.request_count();
    let interaction =
        fake.slash_interaction("leaderboard", vec![("metric", json!("kills"))], user, &[]);
    let token = interaction["token"].as_str().unwrap().to_owned();
    fake.dispatch("INTERACTION_CREATE", interaction);
    let callback = fake
        .wait_for_request_since(
            since,
            |r| r.is("POST", "/interactions/") && r.route.ends_with("/callback"),
            WAIT,
        )
        .await
        .expect("the slash command was answered");
    // Discord refuses a first answer later than three seconds (the fake too).
    assert!(
        callback.status < 300,
        "the first answer came too late: {}",
        callback.status
    );
    let kind = callback.json.as_ref().unwrap()["type"].as_u64().unwrap();
    let started = Instant::now();
    loop {
        let answer = fake.original_response(&token).unwrap_or_default();
        if answer["embeds"][0].is_object() {
            return (kind, answer);
        }
        assert!(
            started.elapsed() < WAIT,
            "the deferred answer was never given: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The running bot and where its rounds come from and go.
struct Scene<'a> {
    fake: &'a FakeDiscord,
    bot: &'a BotProcess,
    /// The game server's folder.
    server: PathBuf,
    /// Where the fetcher keeps what it downloaded.
    fetched: PathBuf,
}

/// One outage: the database goes away while the bot runs, a user asks in
/// the channel and by slash command, a round is played meanwhile; then the
/// database comes back and the round is imported and posted.
async fn outage(
    scene: &Scene<'_>,
    pg: &mut PrivatePostgres,
    how: Fault,
    users: u64,
    (round, card): (&str, &str),
) {
    let Scene {
        fake,
        bot,
        server,
        fetched,
    } = scene;
    match how {
        Fault::Stopped(stop) => pg.stop(stop),
        Fault::Frozen => pg.freeze(),
    }

    // Asked during the outage: a polite answer, both ways, not silence.
    let reply = channel_command(fake, users).await;
    assert_eq!(title(&reply), "Sorry", "{how:?}: {}", reply.body_text);
    assert_polite(&format!("{how:?} channel reply"), &reply.body_text);
    // Stopped, the store fails at once and answers at once. Frozen, the
    // answer comes only when the store gives up on a connection (10 s), past
    // the three seconds Discord waits: the bot says "thinking…" in time and
    // edits the polite answer in.
    let (kind, answer) = slash_command(fake, users + 1).await;
    let expected = match how {
        Fault::Stopped(_) => 4,
        Fault::Frozen => 5,
    };
    assert_eq!(kind, expected, "{how:?}: {answer}");
    assert_polite(
        &format!("{how:?} slash reply"),
        &answer["embeds"][0]["description"].to_string(),
    );
    assert_polite(&format!("{how:?} slash reply"), &answer.to_string());

    // A round finishes during the outage: the fetcher takes it into the
    // local folder and keeps it while the import cannot be done.
    drop_file(server, round, &sample(round));
    let started = Instant::now();
    while !fetched.join(round).exists() {
        assert!(
            started.elapsed() < WAIT,
            "{how:?}: the round written during the outage was never fetched"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A few more polls with the database away: still no card, the file kept.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        cards(fake, card),
        0,
        "{how:?}: posted while the database was away"
    );
    assert_eq!(
        std::fs::read(fetched.join(round)).unwrap(),
        sample(round),
        "{how:?}: the fetched copy is whole"
    );
    assert!(
        bot.log().contains("command failed"),
        "{how:?}: the failing command is logged for the operator"
    );

    // Back on the same port; the bot is not restarted.
    let since = fake.request_count();
    match how {
        Fault::Stopped(_) => pg.start_again(),
        Fault::Frozen => pg.thaw(),
    }
    posted(fake, since, |t, _| t.starts_with(card)).await;

    // Commands answer normally again, both ways.
    let reply = channel_command(fake, users + 2).await;
    assert!(
        title(&reply).contains("Slomix") && !text(&reply).contains(POLITE),
        "{how:?}: after the outage: {}",
        reply.body_text
    );
    let (_, answer) = slash_command(fake, users + 3).await;
    let answered = answer["embeds"][0]["title"].as_str().unwrap_or_default();
    assert!(
        answered.to_lowercase().contains("kills") && !answer.to_string().contains(POLITE),
        "{how:?}: after the outage: {answer}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_restarted_under_the_bot_loses_nothing_and_recovers_without_a_restart() {
    let Some(mut pg) = PrivatePostgres::start("fault-bot") else {
        return;
    };
    let fake = FakeDiscord::start().await;
    let scratch = Scratch::new("fault-postgres");
    scratch.write_config(&scratch.config_on(&fake, &pg.url()));
    let bot = scratch.start();
    ready(&fake).await;
    start_session(&fake).await;

    // With the database up: a round is imported and its card posted.
    let since = fake.request_count();
    drop_file(&scratch.server, R1, &sample(R1));
    posted(&fake, since, |t, _| t.starts_with("supply · round 1")).await;
    let scene = Scene {
        fake: &fake,
        bot: &bot,
        server: scratch.server.clone(),
        fetched: scratch.fetched(),
    };

    outage(
        &scene,
        &mut pg,
        Fault::Stopped(Stop::Fast),
        7100,
        (R2, "supply · round 2"),
    )
    .await;
    outage(
        &scene,
        &mut pg,
        Fault::Stopped(Stop::Immediate),
        7200,
        (R3, "te_escape2 · round 1"),
    )
    .await;
    outage(
        &scene,
        &mut pg,
        Fault::Frozen,
        7300,
        (R4, "te_escape2 · round 2"),
    )
    .await;

    // Some more polls: nothing is imported or posted twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for card in [
        "supply · round 1",
        "supply · round 2",
        "te_escape2 · round 1",
        "te_escape2 · round 2",
    ] {
        assert_eq!(cards(&fake, card), 1, "{card}: {:#?}", bot::seen(&fake, 0));
    }
    let store = Store::connect(&pg.url(), ImportOptions::default())
        .await
        .unwrap();
    let mut processed = store.processed_files().await.unwrap();
    processed.sort_by(|a, b| a.file_name.cmp(&b.file_name));
    let summary: Vec<_> = processed
        .iter()
        .map(|p| (p.file_name.as_str(), p.success, p.attempts))
        .collect();
    assert_eq!(
        summary,
        [(R1, true, 1), (R2, true, 1), (R3, true, 1), (R4, true, 1)],
        "each file imported once, no failure recorded on the way"
    );
    let export = store.export().await.unwrap();
    let rounds: Vec<_> = export
        .sessions
        .iter()
        .flat_map(|s| s.rounds.iter())
        .map(|r| (r.file.clone(), r.players.len()))
        .collect();
    assert_eq!(
        rounds,
        [
            (R1.to_owned(), 12),
            (R2.to_owned(), 12),
            (R3.to_owned(), 12),
            (R4.to_owned(), 12)
        ],
        "every round whole, once"
    );
    drop(store);
    bot.stop();
}
