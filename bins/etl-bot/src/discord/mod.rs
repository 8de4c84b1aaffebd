//! `etl-bot serve`: the Discord bot. One gateway shard, one dispatch loop,
//! handlers on a task set, the fetcher and the session machine beside it.

mod cards;
mod render;
mod session;
pub mod slash;

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use etl_commands::{Caller, CommandError, Context, Reply};
use etl_ingest::{IngestEvent, Monitor};
use etl_store::Store;
use tokio::sync::{Mutex, watch};
use tokio::task::JoinSet;
use tracing::{info, warn};
use twilight_gateway::{
    CloseFrame, ConfigBuilder, Event, EventTypeFlags, Intents, Shard, ShardId, StreamExt as _,
};
use twilight_http::Client;
use twilight_model::application::command::{CommandOptionChoice, CommandOptionChoiceValue};
use twilight_model::application::interaction::{Interaction, InteractionData, InteractionType};
use twilight_model::channel::message::MessageFlags;
use twilight_model::guild::Permissions;
use twilight_model::http::interaction::{
    InteractionResponse, InteractionResponseData, InteractionResponseType,
};
use twilight_model::id::Id;
use twilight_model::id::marker::{ApplicationMarker, ChannelMarker, GuildMarker, RoleMarker};

use crate::config::Config;
pub use session::SessionHandle;

/// Only what the bot needs: guild events for roles, voice states, and
/// messages; MESSAGE_CONTENT only for `!` commands (a privileged intent).
pub const INTENTS: Intents = Intents::GUILDS
    .union(Intents::GUILD_VOICE_STATES)
    .union(Intents::GUILD_MESSAGES)
    .union(Intents::MESSAGE_CONTENT);

const PAGE_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a slash command may think before it tells Discord it will
/// answer later (Discord waits three seconds for the first answer).
const DEFER_AFTER: Duration = Duration::from_millis(1500);
const COMMANDS_PER_SECOND: usize = 2;

struct Paged {
    reply: Reply,
    page: usize,
    owner: u64,
    created: Instant,
}

impl std::fmt::Debug for Bot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bot")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

pub struct Bot {
    http: Arc<Client>,
    store: Arc<Store>,
    config: Config,
    settings: etl_commands::Settings,
    application_id: std::sync::OnceLock<Id<ApplicationMarker>>,
    pages: Mutex<HashMap<u64, Paged>>,
    next_page_key: std::sync::atomic::AtomicU64,
    recent: Mutex<HashMap<u64, VecDeque<Instant>>>,
    /// Role permissions and the owner, from GUILD_CREATE, for admin checks.
    roles: Mutex<HashMap<Id<RoleMarker>, Permissions>>,
    owner: Mutex<Option<u64>>,
    bots: Mutex<HashSet<u64>>,
    /// Who the session machine was told sits in a voice channel.
    in_voice: Mutex<HashSet<u64>>,
    session: SessionHandle,
    ops: Arc<crate::ops::BotOps>,
}

fn token(config: &Config) -> anyhow::Result<String> {
    let token = config.discord.token.clone().unwrap_or_default();
    let token = token.trim().to_owned();
    if token.is_empty() {
        anyhow::bail!(
            "no Discord token: set ETL_DISCORD__TOKEN (or [discord] token in the config)"
        );
    }
    if token.chars().any(char::is_whitespace) {
        anyhow::bail!(
            "the Discord token does not look like a bot token (check ETL_DISCORD__TOKEN)"
        );
    }
    Ok(token)
}

pub fn http_client(config: &Config, token: String) -> Client {
    let mut builder = Client::builder()
        .token(token)
        .timeout(Duration::from_secs(15));
    if let Some(proxy) = &config.discord.api_proxy {
        builder = builder.proxy(proxy.clone(), true);
    }
    builder.build()
}

/// Runs until SIGINT / SIGTERM, then lets handlers finish and closes the shard.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let token = token(&config)?;
    let guild_id = config.discord.guild_id.context("no [discord] guild_id")?;
    // twilight ships no crypto provider; an earlier install (tests) is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store = Arc::new(
        Store::open(&config.database_url, config.import_options())
            .await
            .with_context(|| {
                format!(
                    "cannot open the database {}",
                    etl_store::redact(&config.database_url)
                )
            })?,
    );
    let http = Arc::new(http_client(&config, token.clone()));
    let mut gateway = ConfigBuilder::new(token, INTENTS);
    if let Some(url) = &config.discord.gateway_url {
        gateway = gateway.proxy_url(url.clone());
    }
    let mut shard = Shard::with_config(ShardId::ONE, gateway.build());
    let ops = Arc::new(crate::ops::BotOps::new(
        Arc::clone(&store),
        config.command_settings().health,
    ));
    let metrics_listener = if config.metrics.enabled {
        Some(crate::ops::bind_metrics(&config.metrics).await?)
    } else {
        None
    };

    let (monitoring_tx, monitoring_rx) = watch::channel(false);
    let (stop_tx, stop_rx) = watch::channel(false);
    let (session, session_events) = SessionHandle::new(
        config.session.machine_config()?,
        config.discord.voice_channel_ids.clone(),
    );
    let bot = Arc::new(Bot {
        http,
        store: Arc::clone(&store),
        settings: config.command_settings(),
        config: config.clone(),
        application_id: std::sync::OnceLock::new(),
        pages: Mutex::new(HashMap::new()),
        next_page_key: std::sync::atomic::AtomicU64::new(1),
        recent: Mutex::new(HashMap::new()),
        roles: Mutex::new(HashMap::new()),
        owner: Mutex::new(None),
        bots: Mutex::new(HashSet::new()),
        in_voice: Mutex::new(HashSet::new()),
        session: session.clone(),
        ops: Arc::clone(&ops),
    });

    let mut background = JoinSet::new();
    background.spawn(session::run(
        Arc::clone(&bot),
        session_events,
        monitoring_tx,
        stop_rx.clone(),
    ));
    let named = crate::sources::build(&config);
    if named.is_empty() {
        warn!("no [[sources]] configured: rounds are not fetched");
    } else {
        let mut monitor_config = crate::sources::monitor_config(&config);
        // Round cards are posted from the queue the imports fill; without a
        // stats channel nothing would ever take them off.
        monitor_config.announce = config.discord.stats_channel_id.is_some();
        monitor_config.announce_within = config.discord.round_card_max_age();
        let mut monitor = Monitor::new(Arc::clone(&store), named, monitor_config).await?;
        monitor.recover_local().await?;
        ops.ops().watch_sources(monitor.status());
        let events = monitor.subscribe();
        let interval = Duration::from_secs(config.ingest.poll_interval_s);
        background.spawn(monitor.run(interval, monitoring_rx, stop_rx.clone()));
        background.spawn(cards::post_rounds(Arc::clone(&bot), events));
    }

    // Backups, vacuum, pruning: a task of its own, never in a command's way.
    let maintenance = crate::maintenance::Maintenance::new(Arc::clone(&store), &config);
    if !maintenance.enabled().is_empty() {
        background.spawn(maintenance.run(crate::maintenance::CHECK_EVERY, stop_rx.clone()));
    }
    if config.health.interval_s > 0 {
        let admin = config
            .discord
            .admin_channel_id
            .map(Id::<ChannelMarker>::new);
        if admin.is_none() {
            warn!("no [discord] admin_channel_id: health alerts only go to the log");
        }
        let poster = Arc::clone(&bot);
        background.spawn(crate::ops::self_check(
            Arc::clone(&ops),
            Duration::from_secs(config.health.interval_s),
            config.health.policy(),
            stop_rx.clone(),
            move |card| {
                let poster = Arc::clone(&poster);
                async move {
                    match admin {
                        Some(channel) => poster.post(channel, &card).await,
                        None => Ok(()),
                    }
                }
            },
        ));
    }
    if let Some(listener) = metrics_listener {
        background.spawn(crate::ops::serve_metrics(
            listener,
            ops.ops().clone(),
            stop_rx.clone(),
        ));
    }

    let mut handlers = JoinSet::new();
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    // Once closing, the shard gets a few seconds to finish its close handshake.
    let mut close_deadline: Option<tokio::time::Instant> = None;
    info!(guild = guild_id, "connecting to Discord");
    loop {
        let deadline = close_deadline;
        let item = tokio::select! {
            item = shard.next_event(EventTypeFlags::all()) => item,
            _ = tokio::signal::ctrl_c(), if deadline.is_none() => {
                shard.close(CloseFrame::NORMAL);
                close_deadline = Some(tokio::time::Instant::now() + Duration::from_secs(5));
                continue;
            }
            _ = terminate.recv(), if deadline.is_none() => {
                shard.close(CloseFrame::NORMAL);
                close_deadline = Some(tokio::time::Instant::now() + Duration::from_secs(5));
                continue;
            }
            () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)), if deadline.is_some() => break,
            Some(_) = handlers.join_next(), if !handlers.is_empty() => continue,
        };
        let Some(item) = item else { break };
        let event = match item {
            Ok(event) => event,
            Err(error) => {
                warn!(%error, "gateway");
                continue;
            }
        };
        if close_deadline.is_some() {
            if matches!(event, Event::GatewayClose(_)) {
                break;
            }
            continue;
        }
        ops.gateway_event(&event);
        let bot = Arc::clone(&bot);
        handlers.spawn(async move {
            if let Err(error) = bot.handle(event).await {
                warn!(error = format!("{error:#}"), "handler failed");
            }
        });
    }
    info!("shutting down: waiting for running commands");
    let _ = stop_tx.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(20), async {
        while handlers.join_next().await.is_some() {}
    })
    .await;
    bot.session.shutdown().await;
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while background.join_next().await.is_some() {}
    })
    .await;
    Ok(())
}

/// The bot runs unattended: a source that fails (a full disk, a server
/// away) or a file that cannot be read must reach the operator's log, not
/// only the next `!sync` report.
fn log_trouble(event: &IngestEvent) {
    match event {
        IngestEvent::SourceDown { source, error } => {
            warn!(%source, %error, "cannot fetch from the source; retrying with backoff");
        }
        IngestEvent::SourceUp { source } => info!(%source, "the source answers again"),
        IngestEvent::Failed {
            source,
            file,
            error,
        } => warn!(%source, %file, %error, "the file cannot be imported; recorded, not retried"),
        IngestEvent::ImportDeferred {
            source,
            file,
            error,
        } => {
            warn!(%source, %file, %error, "cannot store the file now; trying again on the next poll")
        }
        _ => {}
    }
}

/// How long one Discord call may take in all. twilight waits out 429s by
/// itself, retrying for as long as Discord keeps answering 429: this bound
/// keeps a handler from hanging behind a route that never frees up.
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends a request to Discord within [`CALL_TIMEOUT`].
macro_rules! send {
    ($request:expr) => {{
        match tokio::time::timeout(CALL_TIMEOUT, $request).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(anyhow::Error::from(error)),
            Err(_) => Err(anyhow::anyhow!(
                "Discord did not answer within {CALL_TIMEOUT:?}"
            )),
        }
    }};
}

/// Waits before each new attempt at an automatic post Discord failed on:
/// an outage of about four minutes delays a round card, a longer one loses it
/// (with a warning; the round itself is in the database).
const AUTO_POST_RETRY_WAITS: [Duration; 8] = [
    Duration::from_secs(1),
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(15),
    Duration::from_secs(30),
    Duration::from_secs(60),
    Duration::from_secs(120),
];

/// A server error, a timeout or a broken connection: worth another try, and
/// Discord may have done the work. A 4xx (no permission, a deleted channel,
/// a refused embed) fails the same way every time.
fn worth_retrying(error: &anyhow::Error) -> bool {
    use twilight_http::error::ErrorType;
    match error.downcast_ref::<twilight_http::Error>() {
        Some(error) => match error.kind() {
            ErrorType::Response { status, .. } => status.is_server_error(),
            ErrorType::RequestError | ErrorType::RequestTimedOut => true,
            _ => false,
        },
        // `send!`'s own deadline.
        None => true,
    }
}

impl Bot {
    async fn handle(self: &Arc<Self>, event: Event) -> anyhow::Result<()> {
        match event {
            Event::Ready(ready) => {
                let _ = self.application_id.set(ready.application.id);
                info!(user = %ready.user.name, "connected");
                self.register_commands().await?;
            }
            Event::GuildCreate(guild) => {
                if let twilight_model::gateway::payload::incoming::GuildCreate::Available(guild) =
                    guild.as_ref()
                {
                    *self.owner.lock().await = Some(guild.owner_id.get());
                    let mut roles = self.roles.lock().await;
                    for role in &guild.roles {
                        roles.insert(role.id, role.permissions);
                    }
                    drop(roles);
                    let mut bots = self.bots.lock().await;
                    for member in &guild.members {
                        if member.user.bot {
                            bots.insert(member.user.id.get());
                        }
                    }
                    drop(bots);
                    // After a re-identify this list is the whole truth: whoever
                    // left while the gateway session was lost sent no update
                    // the bot saw, and would otherwise stay seated for good.
                    let listed: HashSet<u64> = guild
                        .voice_states
                        .iter()
                        .filter(|state| state.channel_id.is_some())
                        .map(|state| state.user_id.get())
                        .collect();
                    let gone: Vec<u64> = {
                        let mut in_voice = self.in_voice.lock().await;
                        let gone = in_voice.difference(&listed).copied().collect();
                        *in_voice = listed;
                        gone
                    };
                    for user in gone {
                        self.session.voice(user, None, false).await;
                    }
                    for state in &guild.voice_states {
                        let is_bot = self.bots.lock().await.contains(&state.user_id.get());
                        self.session
                            .voice(
                                state.user_id.get(),
                                state.channel_id.map(|c| c.get()),
                                is_bot,
                            )
                            .await;
                    }
                }
            }
            Event::RoleCreate(role) => {
                self.roles
                    .lock()
                    .await
                    .insert(role.role.id, role.role.permissions);
            }
            Event::RoleUpdate(role) => {
                self.roles
                    .lock()
                    .await
                    .insert(role.role.id, role.role.permissions);
            }
            Event::VoiceStateUpdate(state) => {
                let is_bot = state.member.as_ref().is_some_and(|m| m.user.bot)
                    || self.bots.lock().await.contains(&state.user_id.get());
                let mut in_voice = self.in_voice.lock().await;
                if state.channel_id.is_some() {
                    in_voice.insert(state.user_id.get());
                } else {
                    in_voice.remove(&state.user_id.get());
                }
                drop(in_voice);
                self.session
                    .voice(
                        state.user_id.get(),
                        state.channel_id.map(|c| c.get()),
                        is_bot,
                    )
                    .await;
            }
            Event::MessageCreate(message) => {
                let Some(line) = message.content.strip_prefix('!') else {
                    return Ok(());
                };
                if message.author.bot || line.trim().is_empty() {
                    return Ok(());
                }
                let user = message.author.id.get();
                if !self.allow(user).await {
                    send!(
                        self.http
                            .create_message(message.channel_id)
                            .content("Slow down a little: at most two commands a second, please.")
                    )?;
                    return Ok(());
                }
                let roles = message
                    .member
                    .as_ref()
                    .map(|m| m.roles.clone())
                    .unwrap_or_default();
                let caller = Caller {
                    discord_id: Some(user.to_string()),
                    is_admin: self.is_admin(user, &roles, None).await,
                };
                let reply = self.answer(caller, line).await;
                self.post_paged(message.channel_id, &reply, user).await?;
            }
            Event::InteractionCreate(interaction) => self.interaction(&interaction).await?,
            _ => {}
        }
        Ok(())
    }

    async fn register_commands(&self) -> anyhow::Result<()> {
        let (Some(application), Some(guild)) =
            (self.application_id.get(), self.config.discord.guild_id)
        else {
            return Ok(());
        };
        let commands = slash::commands();
        send!(
            self.http
                .interaction(*application)
                .set_guild_commands(Id::<GuildMarker>::new(guild), &commands)
        )?;
        info!(count = commands.len(), "slash commands registered");
        Ok(())
    }

    /// True unless the user fired more than two commands in the last second.
    async fn allow(&self, user: u64) -> bool {
        let mut recent = self.recent.lock().await;
        let times = recent.entry(user).or_default();
        let now = Instant::now();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) > Duration::from_secs(1))
        {
            times.pop_front();
        }
        if times.len() >= COMMANDS_PER_SECOND {
            return false;
        }
        times.push_back(now);
        true
    }

    async fn is_admin(
        &self,
        user: u64,
        roles: &[Id<RoleMarker>],
        permissions: Option<Permissions>,
    ) -> bool {
        if self
            .config
            .discord
            .admin_role_id
            .is_some_and(|admin| roles.iter().any(|r| r.get() == admin))
        {
            return true;
        }
        if *self.owner.lock().await == Some(user) {
            return true;
        }
        let granted = match permissions {
            Some(permissions) => permissions,
            None => {
                let known = self.roles.lock().await;
                roles
                    .iter()
                    .filter_map(|r| known.get(r))
                    .fold(Permissions::empty(), |all, p| all | *p)
            }
        };
        granted.intersects(Permissions::MANAGE_GUILD | Permissions::ADMINISTRATOR)
    }

    /// The command's reply, or a one-line explanation; details go to the log.
    async fn answer(&self, caller: Caller, line: &str) -> Reply {
        let now = match self.config.session.now() {
            Ok(now) => now,
            Err(error) => {
                return Reply::message(
                    "Error",
                    error.to_string(),
                    etl_commands::reply::colour::ERROR,
                );
            }
        };
        let ctx = Context {
            store: &self.store,
            settings: &self.settings,
            caller,
            session: Some(&self.session),
            sync: None,
            ops: Some(self.ops.as_ref()),
            now,
        };
        let started = Instant::now();
        let answered = etl_commands::run(&ctx, line).await;
        self.ops.command_answered(line, started.elapsed());
        match answered {
            Ok(reply) => reply,
            Err(error) => {
                if matches!(error, CommandError::Store(_)) {
                    warn!(%error, line, "command failed");
                }
                let text = match &error {
                    CommandError::Store(_) => {
                        "The database is not answering right now; try again in a minute.".to_owned()
                    }
                    other => other.to_string(),
                };
                Reply::message("Sorry", text, etl_commands::reply::colour::ERROR)
            }
        }
    }

    async fn remember(&self, reply: &Reply, owner: u64) -> u64 {
        let key = self
            .next_page_key
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if reply.pages.len() > 1 {
            let mut pages = self.pages.lock().await;
            pages.retain(|_, p| p.created.elapsed() < PAGE_TIMEOUT);
            pages.insert(
                key,
                Paged {
                    reply: reply.clone(),
                    page: 0,
                    owner,
                    created: Instant::now(),
                },
            );
        }
        key
    }

    async fn post_paged(
        &self,
        channel: Id<ChannelMarker>,
        reply: &Reply,
        owner: u64,
    ) -> anyhow::Result<()> {
        let Some(first) = reply.pages.first() else {
            return Ok(());
        };
        let key = self.remember(reply, owner).await;
        let embeds = [render::embed(first)];
        let buttons = render::page_buttons(key, 0, reply.pages.len());
        let files = render::attachments(reply);
        send!(
            self.http
                .create_message(channel)
                .embeds(&embeds)
                .components(&buttons)
                .attachments(&files)
        )?;
        Ok(())
    }

    /// An automatic post: every page as its own embed (up to ten per message).
    pub async fn post(&self, channel: Id<ChannelMarker>, reply: &Reply) -> anyhow::Result<()> {
        let embeds: Vec<_> = reply.pages.iter().map(render::embed).collect();
        let files = render::attachments(reply);
        for (index, chunk) in embeds.chunks(10).enumerate() {
            let attachments: &[_] = if index == 0 { &files } else { &[] };
            send!(
                self.http
                    .create_message(channel)
                    .embeds(chunk)
                    .attachments(attachments)
            )?;
        }
        Ok(())
    }

    /// [`Self::post`] for a post that must not be lost nor doubled (a round
    /// card): a message Discord fails on (a 5xx, no answer) is sent again
    /// after [`AUTO_POST_RETRY_WAITS`]. Such a failure may come after Discord
    /// created the message, so before each new attempt the channel's latest
    /// messages are read, and a bot message with the same embed counts as
    /// posted. Later cards wait meanwhile, so they stay in order.
    /// With `look_first`, the channel is looked at before the first attempt
    /// too (the card may have gone out before the bot was stopped).
    async fn post_until_taken(
        &self,
        channel: Id<ChannelMarker>,
        reply: &Reply,
        look_first: bool,
    ) -> anyhow::Result<()> {
        let embeds: Vec<_> = reply.pages.iter().map(render::embed).collect();
        let files = render::attachments(reply);
        for (index, chunk) in embeds.chunks(10).enumerate() {
            let attachments: &[_] = if index == 0 { &files } else { &[] };
            if look_first {
                match self.posted_already(channel, chunk).await {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(error) if worth_retrying(&error) => return Err(error),
                    // Unreadable history: a duplicate is better than a lost card.
                    Err(_) => {}
                }
            }
            let mut waits = AUTO_POST_RETRY_WAITS.iter();
            'attempts: loop {
                let sent = send!(
                    self.http
                        .create_message(channel)
                        .embeds(chunk)
                        .attachments(attachments)
                );
                let mut error = match sent {
                    Ok(_) => break,
                    Err(error) if worth_retrying(&error) => error,
                    Err(error) => return Err(error),
                };
                // Wait, then look whether the failed attempt went through after all.
                loop {
                    let Some(wait) = waits.next() else {
                        return Err(error.context("Discord kept failing; gave up"));
                    };
                    warn!(
                        error = format!("{error:#}"),
                        retry_in_s = wait.as_secs(),
                        "Discord did not take an automatic post; trying again"
                    );
                    tokio::time::sleep(*wait).await;
                    match self.posted_already(channel, chunk).await {
                        Ok(true) => break 'attempts,
                        Ok(false) => continue 'attempts,
                        Err(failed) if worth_retrying(&failed) => error = failed,
                        // Unreadable history (no permission): a duplicate is
                        // better than a lost card.
                        Err(_) => continue 'attempts,
                    }
                }
            }
        }
        Ok(())
    }

    /// Whether one of the channel's latest messages is a bot's with the
    /// same first embed as `embeds`.
    async fn posted_already(
        &self,
        channel: Id<ChannelMarker>,
        embeds: &[twilight_model::channel::message::Embed],
    ) -> anyhow::Result<bool> {
        let Some(wanted) = embeds.first() else {
            return Ok(false);
        };
        let response = send!(self.http.channel_messages(channel).limit(50))?;
        // An answer that cannot be read tells nothing: as if the card were
        // not there (a duplicate is better than a lost card).
        let Ok(latest) = response.models().await else {
            return Ok(false);
        };
        let key = |embed: &twilight_model::channel::message::Embed| {
            (
                embed.title.as_deref().map(str::trim).map(str::to_owned),
                embed
                    .description
                    .as_deref()
                    .map(str::trim)
                    .map(str::to_owned),
                embed.footer.as_ref().map(|f| f.text.trim().to_owned()),
            )
        };
        Ok(latest.iter().any(|message| {
            message.author.bot && message.embeds.first().map(key) == Some(key(wanted))
        }))
    }

    async fn interaction(&self, interaction: &Interaction) -> anyhow::Result<()> {
        let Some(application) = self
            .application_id
            .get()
            .copied()
            .or(Some(interaction.application_id))
        else {
            return Ok(());
        };
        let client = self.http.interaction(application);
        let user = interaction
            .author_id()
            .map(|id| id.get())
            .unwrap_or_default();
        match (&interaction.kind, &interaction.data) {
            (
                InteractionType::ApplicationCommand,
                Some(InteractionData::ApplicationCommand(data)),
            ) => {
                let Some(spec) = etl_commands::registry::find(&data.name) else {
                    return Ok(());
                };
                if !self.allow(user).await {
                    let response =
                        ephemeral("Slow down a little: at most two commands a second, please.");
                    send!(client.create_response(interaction.id, &interaction.token, &response))?;
                    return Ok(());
                }
                let member = interaction.member.as_ref();
                let caller = Caller {
                    discord_id: Some(user.to_string()),
                    is_admin: self
                        .is_admin(
                            user,
                            member.map(|m| m.roles.as_slice()).unwrap_or(&[]),
                            member.and_then(|m| m.permissions),
                        )
                        .await,
                };
                let line = format!(
                    "{} {}",
                    spec.name,
                    quote(&slash::tokens(spec, &data.options))
                );
                // Discord drops an interaction not answered within three
                // seconds: a slow command, or any command while the database
                // is slow, answers "thinking…" first and edits it later.
                let answering = self.answer(caller, &line);
                tokio::pin!(answering);
                let patience = if spec.slow {
                    Duration::ZERO
                } else {
                    DEFER_AFTER
                };
                if let Ok(reply) = tokio::time::timeout(patience, &mut answering).await {
                    let key = self.remember(&reply, user).await;
                    let response = InteractionResponse {
                        kind: InteractionResponseType::ChannelMessageWithSource,
                        data: Some(InteractionResponseData {
                            embeds: Some(
                                reply.pages.first().map(render::embed).into_iter().collect(),
                            ),
                            components: Some(render::page_buttons(key, 0, reply.pages.len())),
                            attachments: Some(render::attachments(&reply))
                                .filter(|a| !a.is_empty()),
                            ..InteractionResponseData::default()
                        }),
                    };
                    send!(client.create_response(interaction.id, &interaction.token, &response))?;
                } else {
                    let defer = InteractionResponse {
                        kind: InteractionResponseType::DeferredChannelMessageWithSource,
                        data: None,
                    };
                    send!(client.create_response(interaction.id, &interaction.token, &defer))?;
                    let reply = answering.await;
                    let key = self.remember(&reply, user).await;
                    let embeds: Vec<_> =
                        reply.pages.first().map(render::embed).into_iter().collect();
                    let buttons = render::page_buttons(key, 0, reply.pages.len());
                    let files = render::attachments(&reply);
                    send!(
                        client
                            .update_response(&interaction.token)
                            .embeds(Some(&embeds))
                            .components(Some(&buttons))
                            .attachments(&files)
                    )?;
                }
            }
            (
                InteractionType::ApplicationCommandAutocomplete,
                Some(InteractionData::ApplicationCommand(data)),
            ) => {
                let choices = self.autocomplete(&data.name, &data.options).await;
                let response = InteractionResponse {
                    kind: InteractionResponseType::ApplicationCommandAutocompleteResult,
                    data: Some(InteractionResponseData {
                        choices: Some(choices),
                        ..InteractionResponseData::default()
                    }),
                };
                send!(client.create_response(interaction.id, &interaction.token, &response))?;
            }
            (InteractionType::MessageComponent, Some(InteractionData::MessageComponent(data))) => {
                let response = self.turn_page(&data.custom_id, user).await;
                send!(client.create_response(interaction.id, &interaction.token, &response))?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn turn_page(&self, custom_id: &str, user: u64) -> InteractionResponse {
        let mut parts = custom_id.split(':');
        let (Some("page"), Some(key), Some(action)) = (
            parts.next(),
            parts.next().and_then(|k| k.parse::<u64>().ok()),
            parts.next(),
        ) else {
            return ephemeral("That button is not mine.");
        };
        let mut pages = self.pages.lock().await;
        let Some(paged) = pages
            .get_mut(&key)
            .filter(|p| p.created.elapsed() < PAGE_TIMEOUT)
        else {
            return ephemeral("These buttons have expired: ask again.");
        };
        if paged.owner != user {
            return ephemeral("Only the person who asked can turn these pages.");
        }
        let last = paged.reply.pages.len().saturating_sub(1);
        paged.page = match action {
            "first" => 0,
            "prev" => paged.page.saturating_sub(1),
            "next" => (paged.page + 1).min(last),
            _ => last,
        };
        let embeds = paged
            .reply
            .pages
            .get(paged.page)
            .map(render::embed)
            .into_iter()
            .collect();
        InteractionResponse {
            kind: InteractionResponseType::UpdateMessage,
            data: Some(InteractionResponseData {
                embeds: Some(embeds),
                components: Some(render::page_buttons(
                    key,
                    paged.page,
                    paged.reply.pages.len(),
                )),
                ..InteractionResponseData::default()
            }),
        }
    }

    async fn autocomplete(
        &self,
        command: &str,
        options: &[twilight_model::application::interaction::application_command::CommandDataOption],
    ) -> Vec<CommandOptionChoice> {
        let Some(spec) = etl_commands::registry::find(command) else {
            return Vec::new();
        };
        let Some((option, typed)) = slash::focused(options) else {
            return Vec::new();
        };
        let typed = typed.to_lowercase();
        let candidates: Vec<String> = match slash::arg_kind(spec, &option) {
            Some(etl_commands::ArgKind::Player) => match self.store.players().await {
                Ok(players) => {
                    let mut names: Vec<String> = players
                        .into_iter()
                        .filter(|p| !p.is_bot)
                        .map(|p| p.last_clean_name)
                        .filter(|n| n.to_lowercase().contains(&typed))
                        .collect();
                    names
                        .sort_by_key(|n| (!n.to_lowercase().starts_with(&typed), n.to_lowercase()));
                    names.dedup();
                    names
                }
                Err(_) => Vec::new(),
            },
            Some(etl_commands::ArgKind::Metric) => etl_commands::stats::METRICS
                .iter()
                .map(|m| m.name.to_owned())
                .filter(|n| n.contains(&typed))
                .collect(),
            Some(etl_commands::ArgKind::Command) => etl_commands::COMMANDS
                .iter()
                .map(|c| c.name.to_owned())
                .filter(|n| n.contains(&typed))
                .collect(),
            _ => Vec::new(),
        };
        candidates
            .into_iter()
            .take(25)
            .map(|name| CommandOptionChoice {
                name: name.chars().take(100).collect(),
                name_localizations: None,
                value: CommandOptionChoiceValue::String(name.chars().take(100).collect()),
            })
            .collect()
    }
}

/// Words with spaces stay one argument.
fn quote(tokens: &[String]) -> String {
    tokens
        .iter()
        .map(|t| {
            if t.contains(char::is_whitespace) {
                format!("\"{t}\"")
            } else {
                t.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn ephemeral(text: &str) -> InteractionResponse {
    InteractionResponse {
        kind: InteractionResponseType::ChannelMessageWithSource,
        data: Some(InteractionResponseData {
            content: Some(text.to_owned()),
            flags: Some(MessageFlags::EPHEMERAL),
            ..InteractionResponseData::default()
        }),
    }
}
