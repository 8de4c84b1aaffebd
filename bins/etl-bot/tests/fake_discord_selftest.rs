//! The fake Discord (tests/support/fake_discord.rs) against the real
//! twilight 0.18 crates, without any bot code: what it sends must
//! deserialise, what twilight sends must be recorded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

#[path = "support/fake_discord.rs"]
mod fake_discord;

use std::time::{Duration, Instant};

use fake_discord::{
    ADMIN_ROLE_ID, APPLICATION_ID, FakeDiscord, FakeDiscordConfig, FakeMember, GUILD_ID,
    TEXT_CHANNEL_ID, TOKEN, VOICE_CHANNEL_ID, opt_channel, opt_role, opt_subcommand, opt_user,
};
use serde_json::json;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use twilight_gateway::error::ReceiveMessageErrorType;
use twilight_gateway::{
    ConfigBuilder, Event, EventTypeFlags, Intents, MessageSender, Shard, ShardId, StreamExt as _,
};
use twilight_http::Client;
use twilight_model::application::command::{Command, CommandOptionType};
use twilight_model::application::interaction::application_command::CommandOptionValue;
use twilight_model::application::interaction::{InteractionData, InteractionType};
use twilight_model::channel::message::{Component, Embed};
use twilight_model::gateway::payload::incoming::GuildCreate;
use twilight_model::gateway::payload::outgoing::RequestGuildMembers;
use twilight_model::http::attachment::Attachment;
use twilight_model::http::interaction::{
    InteractionResponse, InteractionResponseData, InteractionResponseType,
};
use twilight_model::id::Id;

const WAIT: Duration = Duration::from_secs(10);
const ADMIN: u64 = 1_300_000_000_000_000_001;
const PLAYER: u64 = 1_300_000_000_000_000_002;

fn install_crypto() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

fn http_client(fake: &FakeDiscord) -> Client {
    Client::builder()
        .token(TOKEN.to_owned())
        .proxy(fake.http_addr(), true)
        .timeout(WAIT)
        .build()
}

/// A shard driven by its own task (as in the bot), its events forwarded.
struct ShardEvents {
    rx: mpsc::UnboundedReceiver<Result<Event, String>>,
    sender: MessageSender,
    task: JoinHandle<()>,
}

impl Drop for ShardEvents {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ShardEvents {
    fn spawn(fake: &FakeDiscord) -> Self {
        let intents = Intents::GUILDS
            | Intents::GUILD_MEMBERS
            | Intents::GUILD_MESSAGES
            | Intents::MESSAGE_CONTENT
            | Intents::GUILD_VOICE_STATES;
        let config = ConfigBuilder::new(TOKEN.to_owned(), intents)
            .proxy_url(fake.gateway_url())
            .build();
        let mut shard = Shard::with_config(ShardId::ONE, config);
        let sender = shard.sender();
        let (tx, rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            while let Some(item) = shard.next_event(EventTypeFlags::all()).await {
                let item = match item {
                    Ok(event) => Ok(event),
                    // A payload twilight cannot read is a bug in the fake.
                    Err(e) if matches!(e.kind(), ReceiveMessageErrorType::Deserializing { .. }) => {
                        Err(format!("{e}: {e:?}"))
                    }
                    Err(e) => {
                        eprintln!("shard error (continuing): {e}");
                        continue;
                    }
                };
                if tx.send(item).is_err() {
                    break;
                }
            }
        });
        Self { rx, sender, task }
    }

    /// Skips events until `f` picks one.
    async fn next<T>(&mut self, what: &str, mut f: impl FnMut(Event) -> Option<T>) -> T {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let item = tokio::time::timeout_at(deadline, self.rx.recv())
                .await
                .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
                .unwrap_or_else(|| panic!("shard stopped while waiting for {what}"));
            match item {
                Ok(event) => {
                    if let Some(v) = f(event) {
                        return v;
                    }
                }
                Err(e) => panic!("twilight could not read a payload while waiting for {what}: {e}"),
            }
        }
    }
}

fn guild_config() -> FakeDiscordConfig {
    FakeDiscordConfig {
        heartbeat_interval_ms: 300,
        members: vec![
            FakeMember::new(ADMIN, "admin", &[ADMIN_ROLE_ID]),
            FakeMember::new(PLAYER, "player", &[]),
        ],
        voice_states: vec![(PLAYER, VOICE_CHANNEL_ID, false)],
        ..FakeDiscordConfig::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_ready_dispatches_heartbeats_and_resume() {
    install_crypto();
    let fake = FakeDiscord::start_with(guild_config()).await;
    let mut shard = ShardEvents::spawn(&fake);

    // READY and GUILD_CREATE.
    let ready = shard
        .next("READY", |e| match e {
            Event::Ready(r) => Some(r),
            _ => None,
        })
        .await;
    assert_eq!(ready.application.id.get(), APPLICATION_ID);
    assert_eq!(ready.user.id.get(), APPLICATION_ID);
    assert_eq!(ready.guilds.len(), 1);
    assert_eq!(ready.guilds[0].id.get(), GUILD_ID);
    assert_eq!(ready.resume_gateway_url, fake.gateway_url());
    let guild = shard
        .next("GUILD_CREATE", |e| match e {
            Event::GuildCreate(g) => Some(*g),
            _ => None,
        })
        .await;
    let GuildCreate::Available(guild) = guild else {
        panic!("guild unavailable: {guild:?}");
    };
    assert_eq!(guild.id.get(), GUILD_ID);
    assert!(guild.roles.iter().any(|r| r.id.get() == ADMIN_ROLE_ID));
    assert_eq!(guild.channels.len(), 2);
    assert_eq!(guild.members.len(), 3, "bot + 2 members");
    assert!(
        guild
            .members
            .iter()
            .any(|m| m.user.id.get() == ADMIN && m.roles.iter().any(|r| r.get() == ADMIN_ROLE_ID))
    );
    assert_eq!(guild.voice_states.len(), 1);
    assert_eq!(
        guild.voice_states[0].channel_id.map(Id::get),
        Some(VOICE_CHANNEL_ID)
    );

    let identify = fake.wait_for_identify(WAIT).await.expect("IDENTIFY");
    assert_eq!(identify["token"], format!("Bot {TOKEN}"));
    assert!(identify["intents"].as_u64().unwrap() > 0);
    assert!(fake.wait_for_connected(WAIT).await);

    // MESSAGE_CREATE.
    let before = fake.sequence();
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, PLAYER, &format!("!stats <@{ADMIN}>"), &[]),
    );
    let msg = shard
        .next("MESSAGE_CREATE", |e| match e {
            Event::MessageCreate(m) => Some(m),
            _ => None,
        })
        .await;
    assert_eq!(msg.content, format!("!stats <@{ADMIN}>"));
    assert_eq!(msg.author.id.get(), PLAYER);
    assert_eq!(msg.channel_id.get(), TEXT_CHANNEL_ID);
    assert_eq!(msg.guild_id.map(Id::get), Some(GUILD_ID));
    assert_eq!(msg.mentions.len(), 1);
    assert_eq!(msg.mentions[0].id.get(), ADMIN);
    assert!(msg.member.is_some());
    assert_eq!(fake.sequence(), before + 1, "sequence goes up");

    // INTERACTION_CREATE: slash command with every option kind.
    let slash = fake.slash_interaction(
        "stats",
        vec![
            ("player", opt_user(PLAYER)),
            ("days", json!(7)),
            ("map", json!("supply")),
            ("public", json!(true)),
            ("ratio", json!(1.5)),
            ("where", opt_channel(TEXT_CHANNEL_ID)),
            ("role", opt_role(ADMIN_ROLE_ID)),
        ],
        ADMIN,
        &[ADMIN_ROLE_ID],
    );
    fake.dispatch("INTERACTION_CREATE", slash.clone());
    let interaction = shard
        .next("slash INTERACTION_CREATE", |e| match e {
            Event::InteractionCreate(i) => Some(i.0),
            _ => None,
        })
        .await;
    assert_eq!(interaction.kind, InteractionType::ApplicationCommand);
    assert_eq!(interaction.token, slash["token"].as_str().unwrap());
    assert_eq!(interaction.id.to_string(), slash["id"].as_str().unwrap());
    assert_eq!(interaction.guild_id.map(Id::get), Some(GUILD_ID));
    let member = interaction.member.as_ref().expect("member");
    assert!(member.roles.iter().any(|r| r.get() == ADMIN_ROLE_ID));
    assert_eq!(member.user.as_ref().map(|u| u.id.get()), Some(ADMIN));
    let Some(InteractionData::ApplicationCommand(data)) = &interaction.data else {
        panic!("no command data: {interaction:?}");
    };
    assert_eq!(data.name, "stats");
    let values: Vec<_> = data.options.iter().map(|o| o.value.clone()).collect();
    assert_eq!(
        values,
        vec![
            CommandOptionValue::User(Id::new(PLAYER)),
            CommandOptionValue::Integer(7),
            CommandOptionValue::String("supply".to_owned()),
            CommandOptionValue::Boolean(true),
            CommandOptionValue::Number(1.5),
            CommandOptionValue::Channel(Id::new(TEXT_CHANNEL_ID)),
            CommandOptionValue::Role(Id::new(ADMIN_ROLE_ID)),
        ]
    );
    let resolved = data.resolved.as_ref().expect("resolved");
    assert!(resolved.users.contains_key(&Id::new(PLAYER)));
    assert!(resolved.members.contains_key(&Id::new(PLAYER)));
    assert!(resolved.channels.contains_key(&Id::new(TEXT_CHANNEL_ID)));
    assert!(resolved.roles.contains_key(&Id::new(ADMIN_ROLE_ID)));

    // Subcommand.
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.slash_interaction(
            "admin",
            vec![("sync", opt_subcommand(vec![("full", json!(false))]))],
            ADMIN,
            &[ADMIN_ROLE_ID],
        ),
    );
    let interaction = shard
        .next("subcommand INTERACTION_CREATE", |e| match e {
            Event::InteractionCreate(i) => Some(i.0),
            _ => None,
        })
        .await;
    let Some(InteractionData::ApplicationCommand(data)) = &interaction.data else {
        panic!("no command data: {interaction:?}");
    };
    assert_eq!(data.options[0].name, "sync");
    let CommandOptionValue::SubCommand(inner) = &data.options[0].value else {
        panic!("not a subcommand: {data:?}");
    };
    assert_eq!(inner[0].value, CommandOptionValue::Boolean(false));

    // Button click and select menu.
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.component_interaction("refresh:42", 4242, PLAYER),
    );
    let interaction = shard
        .next("component INTERACTION_CREATE", |e| match e {
            Event::InteractionCreate(i) => Some(i.0),
            _ => None,
        })
        .await;
    assert_eq!(interaction.kind, InteractionType::MessageComponent);
    assert_eq!(interaction.message.as_ref().map(|m| m.id.get()), Some(4242));
    let Some(InteractionData::MessageComponent(data)) = &interaction.data else {
        panic!("no component data: {interaction:?}");
    };
    assert_eq!(data.custom_id, "refresh:42");
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.select_interaction("pick", 4242, PLAYER, &["a", "b"]),
    );
    let interaction = shard
        .next("select INTERACTION_CREATE", |e| match e {
            Event::InteractionCreate(i) => Some(i.0),
            _ => None,
        })
        .await;
    let Some(InteractionData::MessageComponent(data)) = &interaction.data else {
        panic!("no component data: {interaction:?}");
    };
    assert_eq!(data.values, vec!["a".to_owned(), "b".to_owned()]);

    // Autocomplete.
    fake.dispatch(
        "INTERACTION_CREATE",
        fake.autocomplete_interaction(
            "stats",
            vec![("days", json!(7)), ("map", json!("sup"))],
            "map",
            PLAYER,
        ),
    );
    let interaction = shard
        .next("autocomplete INTERACTION_CREATE", |e| match e {
            Event::InteractionCreate(i) => Some(i.0),
            _ => None,
        })
        .await;
    assert_eq!(
        interaction.kind,
        InteractionType::ApplicationCommandAutocomplete
    );
    let Some(InteractionData::ApplicationCommand(data)) = &interaction.data else {
        panic!("no command data: {interaction:?}");
    };
    assert_eq!(data.options[0].value, CommandOptionValue::Integer(7));
    assert_eq!(
        data.options[1].value,
        CommandOptionValue::Focused("sup".to_owned(), CommandOptionType::String)
    );

    // VOICE_STATE_UPDATE: a player joins, a bot leaves.
    fake.dispatch(
        "VOICE_STATE_UPDATE",
        fake.voice_state_update(PLAYER, Some(VOICE_CHANNEL_ID), false),
    );
    let vs = shard
        .next("VOICE_STATE_UPDATE", |e| match e {
            Event::VoiceStateUpdate(v) => Some(v.0),
            _ => None,
        })
        .await;
    assert_eq!(vs.user_id.get(), PLAYER);
    assert_eq!(vs.channel_id.map(Id::get), Some(VOICE_CHANNEL_ID));
    assert_eq!(vs.guild_id.map(Id::get), Some(GUILD_ID));
    assert!(!vs.member.as_ref().unwrap().user.bot);
    fake.dispatch(
        "VOICE_STATE_UPDATE",
        fake.voice_state_update(77, None, true),
    );
    let vs = shard
        .next("VOICE_STATE_UPDATE (leave)", |e| match e {
            Event::VoiceStateUpdate(v) => Some(v.0),
            _ => None,
        })
        .await;
    assert_eq!(vs.channel_id, None);
    assert!(vs.member.as_ref().unwrap().user.bot);

    // REQUEST_GUILD_MEMBERS → GUILD_MEMBERS_CHUNK.
    shard
        .sender
        .command(
            &RequestGuildMembers::builder(Id::new(GUILD_ID))
                .nonce("n1")
                .user_id(Id::new(ADMIN)),
        )
        .unwrap();
    let chunk = shard
        .next("GUILD_MEMBERS_CHUNK", |e| match e {
            Event::MemberChunk(c) => Some(c),
            _ => None,
        })
        .await;
    assert_eq!(chunk.nonce.as_deref(), Some("n1"));
    assert_eq!(chunk.members.len(), 1);
    assert_eq!(chunk.members[0].user.id.get(), ADMIN);

    // Heartbeats are acknowledged: with a 300 ms interval the shard would
    // reconnect (zombie connection) after a missed ack.
    let deadline = Instant::now() + WAIT;
    while fake.heartbeat_count() < 3 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(fake.heartbeat_count() >= 3);
    assert_eq!(fake.connection_count(), 1);
    assert_eq!(fake.identifies().len(), 1);
    assert!(fake.resumes().is_empty());

    // An abrupt TCP drop: the shard resumes; a dispatch queued meanwhile
    // arrives after RESUMED.
    let seq = fake.sequence();
    assert!(fake.drop_connection());
    fake.dispatch(
        "MESSAGE_CREATE",
        fake.message_create(TEXT_CHANNEL_ID, PLAYER, "after resume", &[]),
    );
    let resume = fake.wait_for_resume(WAIT).await.expect("RESUME");
    assert_eq!(resume["session_id"], ready.session_id.as_str());
    assert_eq!(resume["seq"], seq);
    assert_eq!(resume["token"], format!("Bot {TOKEN}"));
    shard
        .next("RESUMED", |e| matches!(e, Event::Resumed).then_some(()))
        .await;
    let msg = shard
        .next("MESSAGE_CREATE after resume", |e| match e {
            Event::MessageCreate(m) => Some(m),
            _ => None,
        })
        .await;
    assert_eq!(msg.content, "after resume");
    assert_eq!(fake.connection_count(), 2);
    assert_eq!(fake.identifies().len(), 1);
    assert_eq!(fake.sequence(), seq + 2, "RESUMED + the queued message");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_resume_and_close_codes() {
    install_crypto();
    let fake = FakeDiscord::start_with(guild_config()).await;
    let mut shard = ShardEvents::spawn(&fake);
    shard
        .next("READY", |e| matches!(e, Event::Ready(_)).then_some(()))
        .await;
    assert!(fake.wait_for_connected(WAIT).await);

    // A resumable close code: twilight resumes.
    assert!(fake.close_connection(4000));
    assert!(fake.wait_for_resume(WAIT).await.is_some());
    shard
        .next("RESUMED", |e| matches!(e, Event::Resumed).then_some(()))
        .await;

    // A rejected RESUME (INVALID_SESSION false): twilight identifies again.
    assert!(fake.wait_for_connected(WAIT).await);
    fake.reject_next_resume();
    assert!(fake.drop_connection());
    assert!(fake.wait_for_resumes(2, WAIT).await.is_some());
    shard
        .next("INVALID_SESSION", |e| {
            matches!(e, Event::GatewayInvalidateSession(false)).then_some(())
        })
        .await;
    shard
        .next("second READY", |e| {
            matches!(e, Event::Ready(_)).then_some(())
        })
        .await;
    assert_eq!(fake.identifies().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_requests_are_recorded_and_answered() {
    install_crypto();
    let fake = FakeDiscord::start_with(guild_config()).await;
    let client = http_client(&fake);
    let channel = Id::new(TEXT_CHANNEL_ID);

    // GET /gateway/bot, /users/@me, /applications/@me.
    let info = client
        .gateway()
        .authed()
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(info.url, fake.gateway_url());
    assert_eq!(info.shards, 1);
    assert_eq!(info.session_start_limit.max_concurrency, 1);
    let me = client.current_user().await.unwrap().model().await.unwrap();
    assert_eq!(me.id.get(), APPLICATION_ID);
    let app = client
        .current_user_application()
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(app.id.get(), APPLICATION_ID);

    // POST /channels/{id}/messages.
    let msg = client
        .create_message(channel)
        .content("hi")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(msg.content, "hi");
    assert_eq!(msg.channel_id, channel);
    assert!(msg.author.bot);
    let rec = fake
        .wait_for_request(
            |r| r.is("POST", &format!("/channels/{TEXT_CHANNEL_ID}/messages")),
            WAIT,
        )
        .await
        .expect("create_message recorded");
    assert_eq!(
        rec.path,
        format!("/api/v10/channels/{TEXT_CHANNEL_ID}/messages")
    );
    assert_eq!(rec.json.as_ref().unwrap()["content"], "hi");
    assert_eq!(
        rec.header("authorization"),
        Some(format!("Bot {TOKEN}").as_str())
    );
    assert_eq!(rec.status, 200);

    // Embeds and components are echoed and deserialise.
    let embed: Embed = serde_json::from_value(json!({
        "type": "rich",
        "title": "Top fraggers",
        "description": "last 7 days",
        "fields": [{"name": "player", "value": "42 kills", "inline": true}],
    }))
    .unwrap();
    let row: Component = serde_json::from_value(json!({
        "type": 1,
        "components": [{"type": 2, "style": 1, "label": "Refresh", "custom_id": "refresh"}],
    }))
    .unwrap();
    let since = fake.request_count();
    let edited = client
        .update_message(channel, msg.id)
        .content(Some("edited"))
        .embeds(Some(&[embed]))
        .components(Some(&[row]))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(edited.id, msg.id);
    assert_eq!(edited.content, "edited");
    assert_eq!(edited.embeds[0].title.as_deref(), Some("Top fraggers"));
    assert_eq!(edited.components.len(), 1);
    assert!(edited.edited_timestamp.is_some());
    let rec = fake
        .wait_for_request_since(since, |r| r.is("PATCH", "/channels/"), WAIT)
        .await
        .unwrap();
    assert_eq!(
        rec.route,
        format!("/channels/{TEXT_CHANNEL_ID}/messages/{}", msg.id)
    );
    assert_eq!(
        fake.message(msg.id.get()).unwrap()["content"],
        "edited",
        "the fake keeps the edited message"
    );

    // Attachments go as multipart/form-data.
    let csv = b"player,kills\nadmin,42\n".to_vec();
    let file = Attachment::from_bytes("stats.csv".to_owned(), csv.clone(), 1);
    let with_file = client
        .create_message(channel)
        .content("file")
        .attachments(&[file])
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(with_file.attachments.len(), 1);
    assert_eq!(with_file.attachments[0].filename, "stats.csv");
    assert_eq!(with_file.attachments[0].size, csv.len() as u64);
    let rec = fake
        .wait_for_request(|r| r.is_multipart(), WAIT)
        .await
        .unwrap();
    assert_eq!(rec.json.as_ref().unwrap()["content"], "file");
    assert_eq!(rec.files().len(), 1);
    assert_eq!(rec.files()[0].data, csv);
    assert!(rec.body_text.contains("player,kills"));

    // Interaction callback, original response, followup.
    let interaction = fake.slash_interaction("stats", vec![], PLAYER, &[]);
    let interaction_id = Id::new(interaction["id"].as_str().unwrap().parse().unwrap());
    let token = interaction["token"].as_str().unwrap();
    let ic = client.interaction(Id::new(APPLICATION_ID));
    let response = InteractionResponse {
        kind: InteractionResponseType::DeferredChannelMessageWithSource,
        data: None,
    };
    let answered = ic
        .create_response(interaction_id, token, &response)
        .await
        .unwrap();
    assert_eq!(answered.status().get(), 204);
    let rec = fake
        .wait_for_request(|r| r.route.ends_with("/callback"), WAIT)
        .await
        .unwrap();
    assert_eq!(
        rec.route,
        format!("/interactions/{interaction_id}/{token}/callback")
    );
    assert_eq!(rec.method, "POST");
    assert_eq!(rec.json.as_ref().unwrap()["type"], 5);
    let original = ic
        .update_response(token)
        .content(Some("done"))
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(original.content, "done");
    assert_eq!(fake.original_response(token).unwrap()["content"], "done");
    let rec = fake
        .wait_for_request(|r| r.route.ends_with("/messages/@original"), WAIT)
        .await
        .unwrap();
    assert_eq!(rec.method, "PATCH");
    assert_eq!(
        rec.route,
        format!("/webhooks/{APPLICATION_ID}/{token}/messages/@original")
    );
    let followup = ic
        .create_followup(token)
        .content("more")
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(followup.content, "more");

    // A callback with `?with_response=true` answers the callback resource.
    let clicked = fake.component_interaction("refresh", with_file.id.get(), PLAYER);
    let clicked_id = Id::new(clicked["id"].as_str().unwrap().parse().unwrap());
    let clicked_token = clicked["token"].as_str().unwrap();
    let update = InteractionResponse {
        kind: InteractionResponseType::UpdateMessage,
        data: Some(InteractionResponseData {
            content: Some("refreshed".to_owned()),
            ..InteractionResponseData::default()
        }),
    };
    let callback = ic
        .create_response(clicked_id, clicked_token, &update)
        .with_response()
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(callback.interaction.id, clicked_id);
    assert_eq!(callback.interaction.response_message_id, Some(with_file.id));
    assert_eq!(
        fake.message(with_file.id.get()).unwrap()["content"],
        "refreshed",
        "UPDATE_MESSAGE edits the clicked message"
    );

    // Command registration; later interactions carry the registered id.
    let commands: Vec<Command> = serde_json::from_value(json!([
        {
            "type": 1,
            "name": "stats",
            "description": "Show stats",
            "version": "1",
            "options": [{"type": 3, "name": "map", "description": "Map", "autocomplete": true}],
        },
        {"type": 1, "name": "top", "description": "Top players", "version": "1"},
    ]))
    .unwrap();
    let registered = ic
        .set_guild_commands(Id::new(GUILD_ID), &commands)
        .await
        .unwrap()
        .model()
        .await
        .unwrap();
    assert_eq!(registered.len(), 2);
    assert_eq!(registered[0].name, "stats");
    assert_eq!(registered[0].options.len(), 1);
    assert_eq!(registered[0].guild_id.map(Id::get), Some(GUILD_ID));
    let stats_id = registered[0].id.expect("id");
    let rec = fake
        .wait_for_request(|r| r.is("PUT", "/applications/"), WAIT)
        .await
        .unwrap();
    assert_eq!(
        rec.route,
        format!("/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands")
    );
    assert_eq!(rec.json.as_ref().unwrap().as_array().unwrap().len(), 2);
    assert_eq!(fake.registered_commands(Some(GUILD_ID)).len(), 2);
    let slash = fake.slash_interaction("stats", vec![], PLAYER, &[]);
    assert_eq!(slash["data"]["id"], stats_id.to_string());

    // Anything else is answered plausibly.
    let deleted = client.delete_message(channel, msg.id).await.unwrap();
    assert_eq!(deleted.status().get(), 204);
    // A stub answers a route the fake does not know.
    fake.respond(
        "GET",
        "/guilds/",
        404,
        Some(json!({"message": "Unknown Guild", "code": 10004})),
    );
    let err = client.guild(Id::new(GUILD_ID)).await.unwrap_err();
    assert!(err.to_string().contains("404"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_requests_are_retried_after_the_reset() {
    install_crypto();
    let fake = FakeDiscord::start().await;
    let client = http_client(&fake);
    let channel = Id::new(TEXT_CHANNEL_ID);

    // User-scope 429 with x-ratelimit-reset-after 0.2: twilight-http retries
    // on its own after the reset, and the caller sees only the success.
    fake.rate_limit_next("/channels/", 2);
    let start = Instant::now();
    let msg = client
        .create_message(channel)
        .content("limited")
        .await
        .expect("the 429s are retried inside twilight")
        .model()
        .await
        .unwrap();
    let elapsed = start.elapsed();
    assert_eq!(msg.content, "limited");
    let recs = fake.requests_matching("POST", "/channels/");
    let statuses: Vec<u16> = recs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 429, 200]);
    let gaps: Vec<Duration> = recs.windows(2).map(|w| w[1].at - w[0].at).collect();
    eprintln!("user-scope 429: total {elapsed:?}, gaps between attempts {gaps:?}");
    for gap in &gaps {
        assert!(
            *gap >= Duration::from_millis(150),
            "retried before the reset: {gaps:?}"
        );
    }

    // Global 429: twilight does not read the body's retry_after nor the
    // retry-after header for the global scope; it retries at once.
    fake.clear_requests();
    fake.rate_limit_next_with("/channels/", 1, Duration::from_millis(500), true);
    let start = Instant::now();
    client
        .create_message(channel)
        .content("global")
        .await
        .expect("retried")
        .model()
        .await
        .unwrap();
    let recs = fake.requests_matching("POST", "/channels/");
    let statuses: Vec<u16> = recs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 200]);
    eprintln!(
        "global 429 (retry_after 0.5 s): total {:?}, gap {:?}",
        start.elapsed(),
        recs[1].at - recs[0].at
    );

    // There is no retry cap: a route that keeps answering 429 stalls the
    // call (no error comes back); only a caller's own timeout ends it.
    fake.clear_requests();
    fake.rate_limit_next_with("/channels/", 10_000, Duration::from_millis(50), false);
    let stalled = tokio::time::timeout(
        Duration::from_secs(1),
        client.create_message(channel).content("stalled"),
    )
    .await;
    assert!(stalled.is_err(), "expected the call to still be retrying");
    let attempts = fake.requests_matching("POST", "/channels/").len();
    eprintln!("persistent 429 (reset-after 0.05 s): {attempts} attempts in 1 s, no error");
    assert!(attempts >= 5, "{attempts}");
}
