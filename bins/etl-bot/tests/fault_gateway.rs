//! Fault rehearsal: the Discord gateway drops (closed with 4000, cut without
//! a close frame, a resume refused) and Discord's HTTP API fails for a while,
//! while round files keep arriving. The real `etl-bot serve` against the fake
//! Discord, a local source and a real SQLite file.
//!
//! What a player sees must not change: every round card once, in order, late
//! at worst; commands answered after each reconnect; the session that voice
//! started still running.
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

use bot::{BotProcess, Scratch, WAIT};
use fake_discord::{
    FakeChannel, FakeDiscord, FakeDiscordConfig, TEXT_CHANNEL_ID, VOICE_CHANNEL_ID,
};
use serde_json::Value;
/// Commands are asked here, so that their replies never mix with the round
/// cards in the stats channel.
const COMMAND_CHANNEL_ID: u64 = 1_100_000_000_000_000_401;
/// In voice when the bot connects, and still there after every reconnect.
const PLAYERS: [u64; 3] = [7001, 7002, 7003];

/// The sample night in play order: two files per map.
const NIGHT: [&str; 8] = [
    "2025-11-02-201530-supply-round-1.txt",
    "2025-11-02-203304-supply-round-2.txt",
    "2025-11-02-205012-te_escape2-round-1.txt",
    "2025-11-02-210611-te_escape2-round-2.txt",
    "2025-11-02-212240-etl_adlernest-round-1.txt",
    "2025-11-02-213552-etl_adlernest-round-2.txt",
    "2025-11-02-215130-sw_goldrush_te-round-1.txt",
    "2025-11-02-220902-sw_goldrush_te-round-2.txt",
];

fn stats_route() -> String {
    format!("/channels/{TEXT_CHANNEL_ID}/messages")
}

struct Rehearsal {
    fake: FakeDiscord,
    bot: Option<BotProcess>,
    scratch: Scratch,
    next_user: u64,
}

impl Rehearsal {
    async fn start(test: &str) -> Self {
        let mut channels = FakeDiscordConfig::default().channels;
        channels.push(FakeChannel::text(COMMAND_CHANNEL_ID, "commands"));
        let fake = FakeDiscord::start_with(FakeDiscordConfig {
            channels,
            voice_states: PLAYERS
                .iter()
                .map(|&user| (user, VOICE_CHANNEL_ID, false))
                .collect(),
            ..FakeDiscordConfig::default()
        })
        .await;
        let scratch = Scratch::new(test);
        scratch.write_config(&scratch.config(&fake));
        let bot = scratch.start();
        Self {
            fake,
            bot: Some(bot),
            scratch,
            next_user: 8000,
        }
    }

    /// The game server finishes a round.
    fn round_ends(&self, name: &str) {
        self.scratch.round_ends(name, name);
    }

    /// Round cards in the stats channel, as Discord holds them (a message
    /// Discord created but whose answer failed counts), by file name.
    fn cards(&self) -> Vec<String> {
        self.fake
            .messages()
            .iter()
            .filter(|m| in_stats_channel(m))
            .filter_map(|m| m["embeds"][0]["footer"]["text"].as_str().map(str::to_owned))
            .filter(|footer| footer.ends_with(".txt"))
            .collect()
    }

    async fn wait_for_card(&self, name: &str) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while !self.cards().iter().any(|c| c == name) {
            assert!(
                tokio::time::Instant::now() < deadline,
                "no round card for {name}; cards so far: {:?}",
                self.cards()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// POST requests to the stats channel carrying the card of `name`, with
    /// the status the fake answered.
    fn card_posts(&self, name: &str) -> Vec<u16> {
        self.fake
            .requests_matching("POST", &stats_route())
            .iter()
            .filter(|r| footer(r) == Some(name))
            .map(|r| r.status)
            .collect()
    }

    /// How many session announcements ("Session started", "Session ended")
    /// the stats channel holds.
    fn announcements(&self, what: &str) -> usize {
        self.fake
            .messages()
            .iter()
            .filter(|m| in_stats_channel(m))
            .filter(|m| {
                m["embeds"][0]["description"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(what))
            })
            .count()
    }

    /// Asks a `!` command in the command channel (each time as another user,
    /// so the cooldown never answers) and returns the reply's first embed.
    async fn ask(&mut self, line: &str) -> Value {
        self.next_user += 1;
        let since = self.fake.request_count();
        let route = format!("/channels/{COMMAND_CHANNEL_ID}/messages");
        self.fake.dispatch(
            "MESSAGE_CREATE",
            self.fake
                .message_create(COMMAND_CHANNEL_ID, self.next_user, line, &[]),
        );
        let reply = self
            .fake
            .wait_for_request_since(since, |r| r.is("POST", &route) && r.status < 300, WAIT)
            .await
            .unwrap_or_else(|| panic!("{line} was not answered"));
        reply.json.unwrap()["embeds"][0].clone()
    }

    async fn session_status(&mut self) -> (String, String) {
        let status = self.ask("!session_status").await;
        let people = status["fields"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == "people in voice")
            .map(|f| f["value"].as_str().unwrap().to_owned())
            .unwrap_or_default();
        (
            status["description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            people,
        )
    }

    /// Until the shard has identified `count` times and is connected again.
    async fn wait_for_identifies(&self, count: usize) {
        let deadline = tokio::time::Instant::now() + WAIT;
        while self.fake.identifies().len() < count {
            assert!(
                tokio::time::Instant::now() < deadline,
                "the shard did not identify again after the refused resume"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(self.fake.wait_for_connected(WAIT).await);
    }

    fn stop(mut self) {
        if let Some(bot) = self.bot.take() {
            bot.stop();
        }
    }
}

impl Drop for Rehearsal {
    fn drop(&mut self) {
        // The bot first, then its folder.
        drop(self.bot.take());
    }
}

fn footer(request: &fake_discord::RecordedRequest) -> Option<&str> {
    request.json.as_ref()?["embeds"][0]["footer"]["text"].as_str()
}

#[tokio::test(flavor = "multi_thread")]
async fn gateway_drops_and_an_http_outage_lose_or_double_no_round_card() {
    let mut rehearsal = Rehearsal::start("fault-gateway").await;
    let fake = &rehearsal.fake;
    assert!(
        fake.wait_for_identify(WAIT).await.is_some(),
        "the bot never identified"
    );
    // The players were in voice when the bot connected: the session starts
    // from GUILD_CREATE.
    let started = fake
        .wait_for_request(
            |r| r.is("POST", &stats_route()) && r.body_text.contains("Session started"),
            WAIT,
        )
        .await;
    assert!(started.is_some(), "voice did not start the session");
    let (running, people) = rehearsal.session_status().await;
    assert!(running.starts_with("A session is running"), "{running}");
    assert_eq!(people, "3");

    // Before any fault.
    rehearsal.round_ends(NIGHT[0]);
    rehearsal.wait_for_card(NIGHT[0]).await;

    // Closed with 4000: the shard resumes. A round ends meanwhile.
    let fake = &rehearsal.fake;
    assert!(fake.close_connection(4000));
    rehearsal.round_ends(NIGHT[1]);
    assert!(
        rehearsal.fake.wait_for_resumes(1, WAIT).await.is_some(),
        "no resume after close 4000"
    );
    rehearsal.wait_for_card(NIGHT[1]).await;
    let (after_close, _) = rehearsal.session_status().await;
    assert_eq!(after_close, running, "the session survived the resume");

    // Cut without a close frame: the shard resumes again; a command asked
    // while it is away is answered once it is back.
    let fake = &rehearsal.fake;
    assert!(fake.drop_connection());
    rehearsal.round_ends(NIGHT[2]);
    let asked = rehearsal.ask("!last_round").await;
    assert!(
        asked["title"].as_str().is_some_and(|t| t.contains("round")),
        "{asked}"
    );
    assert!(
        rehearsal.fake.wait_for_resumes(2, WAIT).await.is_some(),
        "no resume after the cut"
    );
    rehearsal.wait_for_card(NIGHT[2]).await;

    // Cut, and the resume refused: the shard identifies afresh and gets a
    // new GUILD_CREATE (the same three in voice).
    let fake = &rehearsal.fake;
    fake.reject_next_resume();
    assert!(fake.drop_connection());
    rehearsal.round_ends(NIGHT[3]);
    rehearsal.wait_for_identifies(2).await;
    rehearsal.wait_for_card(NIGHT[3]).await;
    let answer = rehearsal.ask("!last_round").await;
    assert!(
        answer["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("te_escape2 · round 2")),
        "commands work after the re-identify: {answer}"
    );
    let (after_identify, people) = rehearsal.session_status().await;
    assert_eq!(
        after_identify, running,
        "the same session, started at the same time, survived the re-identify"
    );
    assert_eq!(people, "3");

    // After the drops.
    rehearsal.round_ends(NIGHT[4]);
    rehearsal.wait_for_card(NIGHT[4]).await;

    // Discord's HTTP API fails for a while (three 502s) as a card is posted:
    // the card is late, not lost.
    rehearsal.fake.fail_next("POST", &stats_route(), 502, 3);
    rehearsal.round_ends(NIGHT[5]);
    rehearsal.wait_for_card(NIGHT[5]).await;
    assert_eq!(
        rehearsal.card_posts(NIGHT[5]),
        [502, 502, 502, 200],
        "retried until Discord took it"
    );

    // Discord creates the message but the answer is lost (a 500): the card
    // must not be posted a second time.
    rehearsal
        .fake
        .fail_next_after_accepting("POST", &stats_route(), 500, 1);
    rehearsal.round_ends(NIGHT[6]);
    rehearsal.wait_for_card(NIGHT[6]).await;
    rehearsal.round_ends(NIGHT[7]);
    rehearsal.wait_for_card(NIGHT[7]).await;
    assert_eq!(
        rehearsal.card_posts(NIGHT[6]),
        [500],
        "the bot looked before posting again, and found its card"
    );
    assert!(
        !rehearsal
            .fake
            .requests_matching("GET", &stats_route())
            .is_empty(),
        "it read the channel's latest messages"
    );
    assert_eq!(rehearsal.card_posts(NIGHT[7]), [200]);
    let log = rehearsal.bot.as_ref().unwrap().log();
    let retries = log
        .lines()
        .filter(|line| line.contains("Discord did not take an automatic post"))
        .count();
    assert_eq!(retries, 4, "each failed attempt is in the log once: {log}");

    // Every card once, in the order the rounds were played.
    assert_eq!(
        rehearsal.cards(),
        NIGHT,
        "one card per round file, in order"
    );
    for name in NIGHT.iter().take(5) {
        assert_eq!(rehearsal.card_posts(name), [200], "{name} posted once");
    }
    assert_eq!(rehearsal.announcements("Session started"), 1);
    assert_eq!(rehearsal.announcements("Session ended"), 0);
    let (at_the_end, people) = rehearsal.session_status().await;
    assert_eq!(at_the_end, running);
    assert_eq!(people, "3");
    rehearsal.stop();
}

/// A refused resume loses the voice updates sent meanwhile; the fresh
/// GUILD_CREATE is then the whole truth about who is in voice. Players who
/// left during the gap must not stay seated, or the session would only end
/// by idleness, half an hour late.
#[tokio::test(flavor = "multi_thread")]
async fn players_who_left_while_the_gateway_session_was_lost_are_gone_after_it() {
    let mut rehearsal = Rehearsal::start("fault-gateway-voice").await;
    let started = rehearsal
        .fake
        .wait_for_request(
            |r| r.is("POST", &stats_route()) && r.body_text.contains("Session started"),
            WAIT,
        )
        .await;
    assert!(started.is_some(), "voice did not start the session");
    assert_eq!(rehearsal.session_status().await.1, "3");

    // Two of the three leave while the bot is cut off and its session lost.
    rehearsal
        .fake
        .set_voice_states(vec![(PLAYERS[0], VOICE_CHANNEL_ID, false)]);
    rehearsal.fake.reject_next_resume();
    assert!(rehearsal.fake.drop_connection());
    rehearsal.wait_for_identifies(2).await;

    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let (_, people) = rehearsal.session_status().await;
        if people == "1" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "after the re-identify the bot still counts {people} in voice, not 1"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    rehearsal.stop();
}

/// Whether a message (as the fake holds it) is in the stats channel.
fn in_stats_channel(message: &serde_json::Value) -> bool {
    message["channel_id"].as_str() == Some(&*TEXT_CHANNEL_ID.to_string())
}
