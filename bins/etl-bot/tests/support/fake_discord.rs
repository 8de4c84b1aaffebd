//! A fake Discord for end-to-end tests: the HTTP API (axum) and the gateway
//! (tokio-tungstenite, plain `ws://`, JSON text frames, no compression), both
//! on 127.0.0.1 with random ports.
//!
//! * Every HTTP request is recorded ([`RecordedRequest`]) and answered with
//!   JSON that twilight-http 0.18 deserialises (messages, interaction
//!   responses, command registrations, `GET /gateway/bot`, ...). The next N
//!   requests under a route prefix can be answered with HTTP 429
//!   ([`FakeDiscord::rate_limit_next`]), or with a server error, the
//!   request dropped or carried out ([`FakeDiscord::fail_next`],
//!   [`FakeDiscord::fail_next_after_accepting`]).
//!   `GET /channels/{id}/messages` lists what the bot posted there.
//! * The gateway sends HELLO, acknowledges heartbeats, answers IDENTIFY with
//!   READY + GUILD_CREATE and RESUME with a replay of missed dispatches +
//!   RESUMED. Tests push events with [`FakeDiscord::dispatch`] (built with
//!   the payload helpers such as [`FakeDiscord::slash_interaction`]) and
//!   force a RESUME with [`FakeDiscord::drop_connection`] (a fresh IDENTIFY
//!   with [`FakeDiscord::reject_next_resume`]; who sits in voice then with
//!   [`FakeDiscord::set_voice_states`]).
//!
//! Everything stops when the [`FakeDiscord`] is dropped, or at the latest
//! after [`FakeDiscordConfig::max_lifetime`].
//!
//! Use from a test file:
//!
//! ```ignore
//! #[path = "support/fake_discord.rs"]
//! mod fake_discord;
//! ```
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State as AxumState};
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Map, Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

/// Default application id; also the bot user's id.
pub const APPLICATION_ID: u64 = 1_100_000_000_000_000_001;
pub const GUILD_ID: u64 = 1_100_000_000_000_000_100;
pub const OWNER_ID: u64 = 1_100_000_000_000_000_200;
pub const ADMIN_ROLE_ID: u64 = 1_100_000_000_000_000_300;
pub const TEXT_CHANNEL_ID: u64 = 1_100_000_000_000_000_400;
pub const VOICE_CHANNEL_ID: u64 = 1_100_000_000_000_000_500;
/// Any token works; this one is as good as another.
pub const TOKEN: &str = "fake-discord-token";

/// Permissions of a plain member (view, send, read history, connect, speak...).
const MEMBER_PERMISSIONS: u64 = 1_071_698_660_929;
/// `ADMINISTRATOR` on top of the plain ones.
const ADMIN_PERMISSIONS: u64 = MEMBER_PERMISSIONS | 8;
/// First id handed out by the fake (messages, interactions, commands, ...).
const FIRST_ID: u64 = 1_200_000_000_000_000_000;
/// Dispatches kept per session for replay on RESUME.
const HISTORY_LIMIT: usize = 1000;

#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub id: u64,
    /// Discord channel type: 0 text, 2 voice, 4 category, ...
    pub kind: u8,
    pub name: String,
}

impl FakeChannel {
    pub fn text(id: u64, name: &str) -> Self {
        Self {
            id,
            kind: 0,
            name: name.to_owned(),
        }
    }

    pub fn voice(id: u64, name: &str) -> Self {
        Self {
            id,
            kind: 2,
            name: name.to_owned(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct FakeMember {
    pub user_id: u64,
    pub username: String,
    pub roles: Vec<u64>,
    pub bot: bool,
}

impl FakeMember {
    pub fn new(user_id: u64, username: &str, roles: &[u64]) -> Self {
        Self {
            user_id,
            username: username.to_owned(),
            roles: roles.to_vec(),
            bot: false,
        }
    }
}

#[derive(Clone, Debug)]
pub struct FakeDiscordConfig {
    pub application_id: u64,
    pub bot_user_id: u64,
    pub bot_username: String,
    pub guild_id: u64,
    pub guild_name: String,
    pub owner_id: u64,
    pub admin_role_id: u64,
    pub admin_role_name: String,
    /// More roles in GUILD_CREATE: (id, name).
    pub extra_roles: Vec<(u64, String)>,
    pub channels: Vec<FakeChannel>,
    /// Members in GUILD_CREATE (the bot's own member is always added). Their
    /// roles and names are also used by the payload helpers.
    pub members: Vec<FakeMember>,
    /// Voice states in GUILD_CREATE: (user id, voice channel id, is bot).
    pub voice_states: Vec<(u64, u64, bool)>,
    /// HELLO's heartbeat interval.
    pub heartbeat_interval_ms: u64,
    /// Both servers stop after this long even if the fake is never dropped.
    pub max_lifetime: Duration,
}

impl Default for FakeDiscordConfig {
    fn default() -> Self {
        Self {
            application_id: APPLICATION_ID,
            bot_user_id: APPLICATION_ID,
            bot_username: "etl-stats-test".to_owned(),
            guild_id: GUILD_ID,
            guild_name: "Fake ET:Legacy".to_owned(),
            owner_id: OWNER_ID,
            admin_role_id: ADMIN_ROLE_ID,
            admin_role_name: "Admin".to_owned(),
            extra_roles: Vec::new(),
            channels: vec![
                FakeChannel::text(TEXT_CHANNEL_ID, "general"),
                FakeChannel::voice(VOICE_CHANNEL_ID, "Game night"),
            ],
            members: Vec::new(),
            voice_states: Vec::new(),
            heartbeat_interval_ms: 41_250,
            max_lifetime: Duration::from_secs(300),
        }
    }
}

/// One part of a `multipart/form-data` body.
#[derive(Clone, Debug)]
pub struct MultipartPart {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
}

/// One HTTP request the fake received, with what it answered.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// `GET`, `POST`, ...
    pub method: String,
    /// Path and query as received: `/api/v10/channels/1/messages?wait=true`.
    pub path: String,
    /// The path after `/api/v10`, without the query: `/channels/1/messages`.
    pub route: String,
    pub query: Option<String>,
    /// All headers, names lower case (`authorization`, `content-type`,
    /// `x-audit-log-reason`, `user-agent`, ...).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// The body as (lossy) UTF-8; for multipart bodies the raw text.
    pub body_text: String,
    /// The JSON body; for a multipart body its `payload_json` part.
    pub json: Option<Value>,
    /// Parts of a multipart body (empty otherwise).
    pub parts: Vec<MultipartPart>,
    /// Status the fake answered with.
    pub status: u16,
    /// When the request arrived.
    pub at: Instant,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Method (case-insensitive) and route prefix (after `/api/v10`).
    pub fn is(&self, method: &str, route_prefix: &str) -> bool {
        self.method.eq_ignore_ascii_case(method) && self.route.starts_with(route_prefix)
    }

    pub fn is_multipart(&self) -> bool {
        self.header("content-type")
            .is_some_and(|ct| ct.starts_with("multipart/"))
    }

    /// Uploaded files: parts with a file name.
    pub fn files(&self) -> Vec<&MultipartPart> {
        self.parts.iter().filter(|p| p.filename.is_some()).collect()
    }
}

/// What the connection task is told to do.
#[derive(Debug)]
enum Outgoing {
    Dispatch(String, Value),
    Frame(String),
    Close(u16, String),
    Drop,
}

#[derive(Debug)]
struct Active {
    conn_id: u64,
    tx: mpsc::UnboundedSender<Outgoing>,
}

#[derive(Debug)]
struct RateLimitRule {
    prefix: String,
    remaining: usize,
    retry_after: Duration,
    global: bool,
}

#[derive(Debug)]
struct Stub {
    method: String,
    prefix: String,
    status: u16,
    body: Option<Value>,
}

#[derive(Clone, Debug)]
struct InteractionInfo {
    id: u64,
    kind: u8,
    channel_id: u64,
    message_id: Option<u64>,
    created: Instant,
}

#[derive(Debug, Default)]
struct State {
    requests: Vec<RecordedRequest>,
    rate_limits: Vec<RateLimitRule>,
    stubs: Vec<Stub>,
    /// Messages the bot created, in order (full Message JSON).
    messages: Vec<Value>,
    /// Interaction token → original response message.
    originals: HashMap<String, Value>,
    interactions: HashMap<String, InteractionInfo>,
    /// Registered commands: `None` global, `Some(guild)` per guild.
    commands: HashMap<Option<String>, Vec<Value>>,
    identifies: Vec<Value>,
    resumes: Vec<Value>,
    gateway_commands: Vec<Value>,
    heartbeats: u64,
    connections: u64,
    drops: u64,
    session_id: Option<String>,
    sessions: u64,
    seq: u64,
    history: VecDeque<(u64, String)>,
    reject_next_resume: bool,
    outages: Vec<Outage>,
    /// (method or `"*"`, route prefix, how long): a slow Discord.
    delays: Vec<(String, String, Duration)>,
    /// Requests carried out whose answer a delay still holds back.
    answers_held: usize,
    /// (method or `"*"`, route prefix, a text the body holds): answers held
    /// until released.
    holds: Vec<(String, String, String)>,
    /// Replaces the config's voice states in later GUILD_CREATEs.
    voice_states: Option<Vec<(u64, u64, bool)>>,
    active: Option<Active>,
    pending: VecDeque<(String, Value)>,
}

#[derive(Debug)]
struct Shared {
    cfg: FakeDiscordConfig,
    http_addr: SocketAddr,
    gateway_url: String,
    next_id: AtomicU64,
    state: Mutex<State>,
    changed: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn bump(&self) {
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
    }

    fn new_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The first text channel of the config: where interactions happen.
    fn text_channel(&self) -> u64 {
        self.cfg
            .channels
            .iter()
            .find(|c| c.kind == 0)
            .map_or(TEXT_CHANNEL_ID, |c| c.id)
    }

    fn member(&self, user_id: u64) -> Option<&FakeMember> {
        self.cfg.members.iter().find(|m| m.user_id == user_id)
    }

    fn username(&self, user_id: u64) -> String {
        if user_id == self.cfg.bot_user_id {
            return self.cfg.bot_username.clone();
        }
        self.member(user_id)
            .map_or_else(|| format!("user{user_id}"), |m| m.username.clone())
    }

    fn roles_of(&self, user_id: u64) -> Vec<u64> {
        self.member(user_id)
            .map(|m| m.roles.clone())
            .unwrap_or_default()
    }

    fn user_json(&self, user_id: u64, bot: bool) -> Value {
        let name = self.username(user_id);
        json!({
            "id": user_id.to_string(),
            "username": name,
            "global_name": name,
            "discriminator": "0",
            "avatar": null,
            "bot": bot,
            "public_flags": 0,
        })
    }

    fn bot_user_json(&self) -> Value {
        self.user_json(self.cfg.bot_user_id, true)
    }

    fn permissions(&self, roles: &[u64]) -> String {
        if roles.contains(&self.cfg.admin_role_id) {
            ADMIN_PERMISSIONS.to_string()
        } else {
            MEMBER_PERMISSIONS.to_string()
        }
    }

    /// A guild member (with `user`), as in GUILD_CREATE and member chunks.
    fn member_json(&self, user_id: u64, roles: &[u64], bot: bool) -> Value {
        json!({
            "user": self.user_json(user_id, bot),
            "roles": ids(roles),
            "nick": null,
            "avatar": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "joined_at": now_iso(),
        })
    }

    fn role_json(&self, id: u64, name: &str, permissions: u64, position: u64) -> Value {
        json!({
            "id": id.to_string(),
            "name": name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
            "hoist": false,
            "icon": null,
            "unicode_emoji": null,
            "managed": false,
            "mentionable": false,
            "permissions": permissions.to_string(),
            "position": position,
            "flags": 0,
        })
    }

    fn channel_json(&self, ch: &FakeChannel, position: usize) -> Value {
        let mut v = json!({
            "id": ch.id.to_string(),
            "type": ch.kind,
            "name": ch.name,
            "guild_id": self.cfg.guild_id.to_string(),
            "position": position,
            "permission_overwrites": [],
            "parent_id": null,
        });
        if ch.kind == 2
            && let Some(o) = v.as_object_mut()
        {
            o.insert("bitrate".to_owned(), json!(64_000));
            o.insert("user_limit".to_owned(), json!(0));
            o.insert("rtc_region".to_owned(), Value::Null);
        }
        v
    }

    fn voice_state_json(&self, user_id: u64, channel_id: Option<u64>, is_bot: bool) -> Value {
        json!({
            "guild_id": self.cfg.guild_id.to_string(),
            "channel_id": channel_id.map(|c| c.to_string()),
            "user_id": user_id.to_string(),
            "session_id": format!("fake-voice-session-{user_id}"),
            "deaf": false,
            "mute": false,
            "self_deaf": false,
            "self_mute": false,
            "self_stream": false,
            "self_video": false,
            "suppress": false,
            "request_to_speak_timestamp": null,
            "member": self.member_json(user_id, &self.roles_of(user_id), is_bot),
        })
    }

    fn ready_json(&self, session_id: &str, shard: Option<&Value>) -> Value {
        json!({
            "v": 10,
            "user": {
                "id": self.cfg.bot_user_id.to_string(),
                "username": self.cfg.bot_username,
                "global_name": null,
                "discriminator": "0",
                "avatar": null,
                "bot": true,
                "mfa_enabled": false,
                "verified": true,
                "flags": 0,
            },
            "guilds": [{"id": self.cfg.guild_id.to_string(), "unavailable": true}],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "shard": shard.cloned().unwrap_or_else(|| json!([0, 1])),
            "application": {"id": self.cfg.application_id.to_string(), "flags": 0},
        })
    }

    fn guild_create_json(&self) -> Value {
        let cfg = &self.cfg;
        let mut roles = vec![
            self.role_json(cfg.guild_id, "@everyone", MEMBER_PERMISSIONS, 0),
            self.role_json(
                cfg.admin_role_id,
                &cfg.admin_role_name,
                ADMIN_PERMISSIONS,
                1,
            ),
        ];
        for (i, (id, name)) in cfg.extra_roles.iter().enumerate() {
            roles.push(self.role_json(*id, name, MEMBER_PERMISSIONS, 2 + i as u64));
        }
        let channels: Vec<Value> = cfg
            .channels
            .iter()
            .enumerate()
            .map(|(i, c)| self.channel_json(c, i))
            .collect();
        let mut members = vec![self.member_json(cfg.bot_user_id, &[], true)];
        members.extend(
            cfg.members
                .iter()
                .map(|m| self.member_json(m.user_id, &m.roles, m.bot)),
        );
        let voice_states: Vec<Value> = cfg
            .voice_states
            .iter()
            .map(|&(user, channel, bot)| self.voice_state_json(user, Some(channel), bot))
            .collect();
        let member_count = members.len();
        json!({
            "id": cfg.guild_id.to_string(),
            "name": cfg.guild_name,
            "icon": null,
            "owner_id": cfg.owner_id.to_string(),
            "afk_channel_id": null,
            "afk_timeout": 300,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "features": [],
            "mfa_level": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "premium_progress_bar_enabled": false,
            "premium_tier": 0,
            "system_channel_flags": 0,
            "verification_level": 0,
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "channels": channels,
            "threads": [],
            "members": members,
            "member_count": member_count,
            "voice_states": voice_states,
            "presences": [],
            "large": false,
            "unavailable": false,
            "joined_at": now_iso(),
        })
    }

    /// A dispatch frame with `"t"` and `"s"` before `"d"` (twilight finds
    /// them by text search); takes the next sequence number.
    fn dispatch_frame(&self, st: &mut State, event_type: &str, data: &Value) -> String {
        st.seq += 1;
        let frame = format!(
            r#"{{"t":{},"s":{},"op":0,"d":{}}}"#,
            Value::String(event_type.to_owned()),
            st.seq,
            data
        );
        st.history.push_back((st.seq, frame.clone()));
        while st.history.len() > HISTORY_LIMIT {
            st.history.pop_front();
        }
        frame
    }

    /// Makes `tx` the connection that receives dispatches, sending it what
    /// was queued meanwhile.
    fn activate(&self, conn_id: u64, tx: mpsc::UnboundedSender<Outgoing>) {
        let mut st = self.lock();
        while let Some((t, d)) = st.pending.pop_front() {
            if let Err(err) = tx.send(Outgoing::Dispatch(t, d))
                && let Outgoing::Dispatch(t, d) = err.0
            {
                st.pending.push_front((t, d));
                return;
            }
        }
        st.active = Some(Active { conn_id, tx });
        drop(st);
        self.bump();
    }

    /// Called when a connection ends: dispatches it had not sent yet go back
    /// to the front of the queue for the next connection.
    fn deactivate(&self, conn_id: u64, rx: &mut mpsc::UnboundedReceiver<Outgoing>) {
        let mut st = self.lock();
        if st.active.as_ref().is_some_and(|a| a.conn_id == conn_id) {
            st.active = None;
        }
        rx.close();
        let mut unsent = Vec::new();
        while let Ok(msg) = rx.try_recv() {
            if let Outgoing::Dispatch(t, d) = msg {
                unsent.push((t, d));
            }
        }
        for item in unsent.into_iter().rev() {
            st.pending.push_front(item);
        }
        drop(st);
        self.bump();
    }
}

/// What a gateway command asks the connection to do.
struct Reply {
    frames: Vec<String>,
    activate: bool,
}

/// The fake Discord. Stops both servers when dropped.
#[derive(Debug)]
pub struct FakeDiscord {
    shared: Arc<Shared>,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl FakeDiscord {
    /// Starts with [`FakeDiscordConfig::default`]. Needs a tokio runtime.
    pub async fn start() -> Self {
        Self::start_with(FakeDiscordConfig::default()).await
    }

    pub async fn start_with(cfg: FakeDiscordConfig) -> Self {
        let http = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake HTTP API");
        let gateway = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake gateway");
        let http_addr = http.local_addr().expect("HTTP address");
        let gateway_addr = gateway.local_addr().expect("gateway address");
        let lifetime = cfg.max_lifetime;
        let (changed, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            cfg,
            http_addr,
            gateway_url: format!("ws://{gateway_addr}"),
            next_id: AtomicU64::new(FIRST_ID),
            state: Mutex::new(State::default()),
            changed,
        });

        let router = Router::new()
            .fallback(handle_http)
            .with_state(Arc::clone(&shared));
        let http_task = tokio::spawn(async move {
            let _ = tokio::time::timeout(lifetime, async move { axum::serve(http, router).await })
                .await;
        });

        let gw_shared = Arc::clone(&shared);
        let gateway_task = tokio::spawn(async move {
            let mut conns = JoinSet::new();
            let mut conn_id = 0u64;
            let accept = async {
                loop {
                    match gateway.accept().await {
                        Ok((stream, _)) => {
                            conn_id += 1;
                            while conns.try_join_next().is_some() {}
                            conns.spawn(serve_gateway(Arc::clone(&gw_shared), stream, conn_id));
                        }
                        Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                    }
                }
            };
            let _ = tokio::time::timeout(lifetime, accept).await;
            // Dropping `conns` aborts the open connections.
        });

        Self {
            shared,
            tasks: vec![http_task, gateway_task],
        }
    }

    pub fn config(&self) -> &FakeDiscordConfig {
        &self.shared.cfg
    }

    /// `127.0.0.1:PORT`, for `twilight_http::Client::builder().proxy(addr, true)`.
    pub fn http_addr(&self) -> String {
        self.shared.http_addr.to_string()
    }

    /// `ws://127.0.0.1:PORT`, for `twilight_gateway::ConfigBuilder::proxy_url`.
    pub fn gateway_url(&self) -> String {
        self.shared.gateway_url.clone()
    }

    /// A fresh snowflake (unique within this fake).
    pub fn new_id(&self) -> u64 {
        self.shared.new_id()
    }

    // ---- HTTP log and switches -------------------------------------------

    /// Snapshot of all recorded HTTP requests, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.lock().requests.clone()
    }

    pub fn request_count(&self) -> usize {
        self.shared.lock().requests.len()
    }

    /// Recorded requests with this method and route prefix.
    pub fn requests_matching(&self, method: &str, route_prefix: &str) -> Vec<RecordedRequest> {
        self.shared
            .lock()
            .requests
            .iter()
            .filter(|r| r.is(method, route_prefix))
            .cloned()
            .collect()
    }

    pub fn clear_requests(&self) {
        self.shared.lock().requests.clear();
    }

    /// The first recorded request (old ones included) matching `pred`,
    /// waiting up to `timeout` for it.
    pub async fn wait_for_request(
        &self,
        pred: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> Option<RecordedRequest> {
        self.wait_for_request_since(0, pred, timeout).await
    }

    /// Like [`Self::wait_for_request`] but only among requests with an
    /// index `>= since` (take `since` from [`Self::request_count`]).
    pub async fn wait_for_request_since(
        &self,
        since: usize,
        pred: impl Fn(&RecordedRequest) -> bool,
        timeout: Duration,
    ) -> Option<RecordedRequest> {
        self.wait_until(timeout, |st| {
            st.requests.iter().skip(since).find(|r| pred(r)).cloned()
        })
        .await
    }

    /// Answers the next `count` requests whose route (after `/api/v10`)
    /// starts with `route_prefix` with a 429 (user scope, retry after 0.2 s).
    pub fn rate_limit_next(&self, route_prefix: &str, count: usize) {
        self.rate_limit_next_with(route_prefix, count, Duration::from_millis(200), false);
    }

    /// Like [`Self::rate_limit_next`], with the wait and scope (`global`
    /// sends `x-ratelimit-scope: global` and `x-ratelimit-global: true`).
    pub fn rate_limit_next_with(
        &self,
        route_prefix: &str,
        count: usize,
        retry_after: Duration,
        global: bool,
    ) {
        self.shared.lock().rate_limits.push(RateLimitRule {
            prefix: route_prefix.to_owned(),
            remaining: count,
            retry_after,
            global,
        });
    }

    /// From now on answer `method` (`"*"` for any) requests under
    /// `route_prefix` with `status` and `body` (`None`: empty body). Later
    /// stubs win over earlier ones; rate limits win over stubs.
    pub fn respond(&self, method: &str, route_prefix: &str, status: u16, body: Option<Value>) {
        self.shared.lock().stubs.push(Stub {
            method: method.to_owned(),
            prefix: route_prefix.to_owned(),
            status,
            body,
        });
    }

    /// Answers the next `count` `method` (`"*"` for any) requests under
    /// `route_prefix` with `status` (a 500 or 502 outage) without carrying
    /// them out. Outages win over rate limits and stubs; each request takes
    /// one from the oldest outage that matches.
    pub fn fail_next(&self, method: &str, route_prefix: &str, status: u16, count: usize) {
        self.push_outage(method, route_prefix, status, count, false);
    }

    /// Like [`Self::fail_next`], but each request is carried out (a message
    /// is created) before the error is answered: Discord did the work and
    /// the answer was lost on the way back.
    pub fn fail_next_after_accepting(
        &self,
        method: &str,
        route_prefix: &str,
        status: u16,
        count: usize,
    ) {
        self.push_outage(method, route_prefix, status, count, true);
    }

    /// From now on answer `method` (`"*"` for any) requests under
    /// `route_prefix` only `delay` after carrying them out (the message is
    /// created at once), as a slow Discord does.
    pub fn slow_down(&self, method: &str, route_prefix: &str, delay: Duration) {
        self.shared
            .lock()
            .delays
            .push((method.to_owned(), route_prefix.to_owned(), delay));
    }

    /// Carries out `method` (`"*"` for any) requests under `route_prefix`
    /// whose body contains `needle`, but answers none of them until
    /// [`Self::release_answers`]: Discord did the work, the answer is on its
    /// way.
    pub fn hold_answers(&self, method: &str, route_prefix: &str, needle: &str) {
        self.shared.lock().holds.push((
            method.to_owned(),
            route_prefix.to_owned(),
            needle.to_owned(),
        ));
    }

    pub fn release_answers(&self) {
        self.shared.lock().holds.clear();
    }

    /// Requests carried out (a message created) whose answer a
    /// [`Self::slow_down`] or [`Self::hold_answers`] still holds back.
    pub fn answers_held(&self) -> usize {
        self.shared.lock().answers_held
    }

    fn push_outage(&self, method: &str, prefix: &str, status: u16, count: usize, accepted: bool) {
        self.shared.lock().outages.push(Outage {
            method: method.to_owned(),
            prefix: prefix.to_owned(),
            status,
            remaining: count,
            accepted,
        });
    }

    /// Messages created through the API (channel messages, followups,
    /// original responses), in their current (edited) state, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        self.shared.lock().messages.clone()
    }

    pub fn message(&self, id: u64) -> Option<Value> {
        let id = id.to_string();
        self.shared
            .lock()
            .messages
            .iter()
            .find(|m| m["id"] == id.as_str())
            .cloned()
    }

    /// The original response of an interaction (after callbacks and edits).
    pub fn original_response(&self, token: &str) -> Option<Value> {
        self.shared.lock().originals.get(token).cloned()
    }

    /// Commands last registered for a guild (`Some`) or globally (`None`).
    pub fn registered_commands(&self, guild_id: Option<u64>) -> Vec<Value> {
        self.shared
            .lock()
            .commands
            .get(&guild_id.map(|g| g.to_string()))
            .cloned()
            .unwrap_or_default()
    }

    // ---- gateway ---------------------------------------------------------

    /// Sends a dispatch (op 0) to the current connection, or queues it until
    /// a connection has received READY/RESUMED.
    pub fn dispatch(&self, event_type: &str, data: Value) {
        let mut st = self.shared.lock();
        let msg = Outgoing::Dispatch(event_type.to_owned(), data);
        let unsent = match &st.active {
            Some(active) => active.tx.send(msg).err().map(|e| e.0),
            None => Some(msg),
        };
        if let Some(Outgoing::Dispatch(t, d)) = unsent {
            st.active = None;
            st.pending.push_back((t, d));
        }
    }

    /// Sends any JSON frame (e.g. `{"op":7,"d":null}`) to the current
    /// connection. False without one.
    pub fn send_raw(&self, payload: Value) -> bool {
        self.send_outgoing(Outgoing::Frame(payload.to_string()))
    }

    /// Closes the current connection with a WebSocket close frame (4000:
    /// twilight resumes; 4004: fatal). False without one.
    pub fn close_connection(&self, code: u16) -> bool {
        let mut st = self.shared.lock();
        let Some(active) = st.active.take() else {
            return false;
        };
        active
            .tx
            .send(Outgoing::Close(code, "fake close".to_owned()))
            .is_ok()
    }

    /// Drops the current connection's TCP stream without a close frame
    /// (twilight reconnects at once and RESUMEs). Dispatches sent meanwhile
    /// are queued for the next connection. False without one.
    pub fn drop_connection(&self) -> bool {
        let mut st = self.shared.lock();
        let Some(active) = st.active.take() else {
            return false;
        };
        st.drops += 1;
        active.tx.send(Outgoing::Drop).is_ok()
    }

    /// The next RESUME is answered with INVALID_SESSION (not resumable), so
    /// the shard identifies again.
    pub fn reject_next_resume(&self) {
        self.shared.lock().reject_next_resume = true;
    }

    fn send_outgoing(&self, msg: Outgoing) -> bool {
        let st = self.shared.lock();
        st.active.as_ref().is_some_and(|a| a.tx.send(msg).is_ok())
    }

    /// Who sits in voice from now on, as the next GUILD_CREATE (after an
    /// IDENTIFY) reports it: (user id, voice channel id, is bot). Nothing is
    /// dispatched: like Discord, the fake only tells a fresh session.
    pub fn set_voice_states(&self, states: Vec<(u64, u64, bool)>) {
        self.shared.lock().voice_states = Some(states);
    }

    /// Whether a connection has received READY or RESUMED and is open.
    pub fn is_connected(&self) -> bool {
        self.shared.lock().active.is_some()
    }

    pub async fn wait_for_connected(&self, timeout: Duration) -> bool {
        self.wait_until(timeout, |st| st.active.as_ref().map(|_| ()))
            .await
            .is_some()
    }

    /// The first IDENTIFY's `d`.
    pub async fn wait_for_identify(&self, timeout: Duration) -> Option<Value> {
        self.wait_until(timeout, |st| st.identifies.first().cloned())
            .await
    }

    /// The first RESUME's `d`.
    pub async fn wait_for_resume(&self, timeout: Duration) -> Option<Value> {
        self.wait_for_resumes(1, timeout).await
    }

    /// The `n`-th (1-based) RESUME's `d`.
    pub async fn wait_for_resumes(&self, n: usize, timeout: Duration) -> Option<Value> {
        let index = n.saturating_sub(1);
        self.wait_until(timeout, |st| st.resumes.get(index).cloned())
            .await
    }

    pub fn identifies(&self) -> Vec<Value> {
        self.shared.lock().identifies.clone()
    }

    pub fn resumes(&self) -> Vec<Value> {
        self.shared.lock().resumes.clone()
    }

    /// Every payload the shard sent (heartbeats included), oldest first.
    pub fn gateway_commands(&self) -> Vec<Value> {
        self.shared.lock().gateway_commands.clone()
    }

    pub fn heartbeat_count(&self) -> u64 {
        self.shared.lock().heartbeats
    }

    /// WebSocket connections accepted so far.
    pub fn connection_count(&self) -> u64 {
        self.shared.lock().connections
    }

    /// The current session's last sequence number.
    pub fn sequence(&self) -> u64 {
        self.shared.lock().seq
    }

    async fn wait_until<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&State) -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.shared.changed.subscribe();
        loop {
            rx.borrow_and_update();
            if let Some(v) = check(&self.shared.lock()) {
                return Some(v);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) | Err(_) => return check(&self.shared.lock()),
            }
        }
    }

    // ---- payload builders (they build `d`; send with `dispatch`) -----------

    /// MESSAGE_CREATE `d` of a user in the guild. `<@id>` and `<@&id>` in the
    /// content fill `mentions` / `mention_roles`.
    pub fn message_create(
        &self,
        channel_id: u64,
        author_id: u64,
        content: &str,
        member_roles: &[u64],
    ) -> Value {
        let sh = &self.shared;
        let (users, roles) = parse_mentions(content);
        let mentions: Vec<Value> = users
            .iter()
            .map(|&u| {
                let mut user = sh.user_json(u, u == sh.cfg.bot_user_id);
                if let Some(o) = user.as_object_mut() {
                    o.insert(
                        "member".to_owned(),
                        json!({
                            "roles": ids(&sh.roles_of(u)),
                            "deaf": false,
                            "mute": false,
                            "flags": 0,
                            "joined_at": now_iso(),
                        }),
                    );
                }
                user
            })
            .collect();
        json!({
            "id": sh.new_id().to_string(),
            "channel_id": channel_id.to_string(),
            "guild_id": sh.cfg.guild_id.to_string(),
            "author": sh.user_json(author_id, false),
            "member": {
                "roles": ids(member_roles),
                "deaf": false,
                "mute": false,
                "flags": 0,
                "joined_at": now_iso(),
            },
            "content": content,
            "timestamp": now_iso(),
            "edited_timestamp": null,
            "tts": false,
            "mention_everyone": false,
            "mentions": mentions,
            "mention_roles": ids(&roles),
            "attachments": [],
            "embeds": [],
            "components": [],
            "pinned": false,
            "type": 0,
            "flags": 0,
        })
    }

    /// INTERACTION_CREATE `d` of a slash command (type 2) in the text
    /// channel. Option types follow the JSON value (string 3, integer 4,
    /// bool 5, float 10); use [`opt_user`], [`opt_channel`], [`opt_role`],
    /// [`opt_subcommand`] or any `{"type": .., "value": ..}` object for the
    /// others. User, channel and role options are also put in `resolved`.
    pub fn slash_interaction(
        &self,
        name: &str,
        options: Vec<(&str, Value)>,
        user_id: u64,
        roles: &[u64],
    ) -> Value {
        let data = self.command_data(name, &options, None);
        self.interaction(2, user_id, roles, data, self.shared.text_channel(), None)
    }

    /// INTERACTION_CREATE `d` of an autocomplete request (type 4): like a
    /// slash command, with the option named `focused` marked as focused
    /// (its value should be the partial string). Roles from the config's
    /// members.
    pub fn autocomplete_interaction(
        &self,
        name: &str,
        options: Vec<(&str, Value)>,
        focused: &str,
        user_id: u64,
    ) -> Value {
        let data = self.command_data(name, &options, Some(focused));
        let roles = self.shared.roles_of(user_id);
        self.interaction(4, user_id, &roles, data, self.shared.text_channel(), None)
    }

    /// INTERACTION_CREATE `d` of a button click (type 3) on `message_id`
    /// (the message as the bot created it, if it did). Roles from the
    /// config's members.
    pub fn component_interaction(&self, custom_id: &str, message_id: u64, user_id: u64) -> Value {
        let data = json!({"custom_id": custom_id, "component_type": 2});
        self.component(data, message_id, user_id)
    }

    /// INTERACTION_CREATE `d` of a string select (type 3, component type 3).
    pub fn select_interaction(
        &self,
        custom_id: &str,
        message_id: u64,
        user_id: u64,
        values: &[&str],
    ) -> Value {
        let data = json!({"custom_id": custom_id, "component_type": 3, "values": values});
        self.component(data, message_id, user_id)
    }

    /// VOICE_STATE_UPDATE `d` (`channel_id: None` = left voice).
    pub fn voice_state_update(&self, user_id: u64, channel_id: Option<u64>, is_bot: bool) -> Value {
        self.shared.voice_state_json(user_id, channel_id, is_bot)
    }

    fn component(&self, data: Value, message_id: u64, user_id: u64) -> Value {
        let sh = &self.shared;
        let stored = {
            let st = sh.lock();
            let id = message_id.to_string();
            st.messages.iter().find(|m| m["id"] == id.as_str()).cloned()
        };
        let message = stored.unwrap_or_else(|| {
            json!({
                "id": message_id.to_string(),
                "channel_id": sh.text_channel().to_string(),
                "author": sh.bot_user_json(),
                "content": "",
                "timestamp": now_iso(),
                "edited_timestamp": null,
                "tts": false,
                "mention_everyone": false,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "components": [],
                "pinned": false,
                "type": 0,
                "flags": 0,
            })
        });
        let channel_id = message["channel_id"]
            .as_str()
            .and_then(|c| c.parse().ok())
            .unwrap_or_else(|| sh.text_channel());
        let roles = sh.roles_of(user_id);
        let mut v = self.interaction(3, user_id, &roles, data, channel_id, Some(message_id));
        if let Some(o) = v.as_object_mut() {
            o.insert("message".to_owned(), message);
        }
        v
    }

    fn command_data(&self, name: &str, options: &[(&str, Value)], focused: Option<&str>) -> Value {
        let sh = &self.shared;
        let command_id = {
            let st = sh.lock();
            st.commands
                .values()
                .flatten()
                .find(|c| c["name"] == name)
                .and_then(|c| c["id"].as_str().map(str::to_owned))
        }
        .unwrap_or_else(|| sh.new_id().to_string());
        let mut opts: Vec<Value> = options.iter().map(|(n, v)| option_json(n, v)).collect();
        if let Some(focused) = focused {
            mark_focused(&mut opts, focused);
        }
        let mut resolved = Map::new();
        self.resolve(&opts, &mut resolved);
        let mut data = json!({
            "id": command_id,
            "name": name,
            "type": 1,
            "guild_id": sh.cfg.guild_id.to_string(),
            "options": opts,
        });
        if !resolved.is_empty()
            && let Some(o) = data.as_object_mut()
        {
            o.insert("resolved".to_owned(), Value::Object(resolved));
        }
        data
    }

    fn resolve(&self, opts: &[Value], resolved: &mut Map<String, Value>) {
        let sh = &self.shared;
        for opt in opts {
            if let Some(inner) = opt["options"].as_array() {
                self.resolve(inner, resolved);
            }
            let Some(id) = opt["value"].as_str().and_then(|v| v.parse::<u64>().ok()) else {
                continue;
            };
            let mut put = |kind: &str, value: Value| {
                if let Value::Object(m) =
                    resolved.entry(kind.to_owned()).or_insert_with(|| json!({}))
                {
                    m.insert(id.to_string(), value);
                }
            };
            match opt["type"].as_u64() {
                Some(6) => {
                    let member = sh.member(id);
                    let roles = member.map(|m| m.roles.clone()).unwrap_or_default();
                    put("users", sh.user_json(id, member.is_some_and(|m| m.bot)));
                    put(
                        "members",
                        json!({
                            "roles": ids(&roles),
                            "joined_at": now_iso(),
                            "nick": null,
                            "avatar": null,
                            "flags": 0,
                            "pending": false,
                            "permissions": sh.permissions(&roles),
                        }),
                    );
                }
                Some(7) => {
                    let ch = sh.cfg.channels.iter().find(|c| c.id == id);
                    put(
                        "channels",
                        json!({
                            "id": id.to_string(),
                            "name": ch.map_or_else(|| format!("channel{id}"), |c| c.name.clone()),
                            "type": ch.map_or(0, |c| c.kind),
                            "permissions": MEMBER_PERMISSIONS.to_string(),
                        }),
                    );
                }
                Some(8) => {
                    let name = if id == sh.cfg.admin_role_id {
                        sh.cfg.admin_role_name.clone()
                    } else {
                        sh.cfg
                            .extra_roles
                            .iter()
                            .find(|(r, _)| *r == id)
                            .map_or_else(|| format!("role{id}"), |(_, n)| n.clone())
                    };
                    put("roles", sh.role_json(id, &name, MEMBER_PERMISSIONS, 1));
                }
                _ => {}
            }
        }
    }

    fn interaction(
        &self,
        kind: u8,
        user_id: u64,
        roles: &[u64],
        data: Value,
        channel_id: u64,
        message_id: Option<u64>,
    ) -> Value {
        let sh = &self.shared;
        let id = sh.new_id();
        let token = format!("fake-interaction-token-{id}");
        sh.lock().interactions.insert(
            token.clone(),
            InteractionInfo {
                id,
                kind,
                channel_id,
                message_id,
                created: Instant::now(),
            },
        );
        let channel_name = sh
            .cfg
            .channels
            .iter()
            .find(|c| c.id == channel_id)
            .map_or_else(|| format!("channel{channel_id}"), |c| c.name.clone());
        json!({
            "id": id.to_string(),
            "application_id": sh.cfg.application_id.to_string(),
            "type": kind,
            "token": token,
            "version": 1,
            "guild_id": sh.cfg.guild_id.to_string(),
            "channel_id": channel_id.to_string(),
            "channel": {
                "id": channel_id.to_string(),
                "type": 0,
                "name": channel_name,
                "guild_id": sh.cfg.guild_id.to_string(),
            },
            "member": {
                "user": sh.user_json(user_id, false),
                "roles": ids(roles),
                "nick": null,
                "avatar": null,
                "deaf": false,
                "mute": false,
                "flags": 0,
                "pending": false,
                "joined_at": now_iso(),
                "permissions": sh.permissions(roles),
            },
            "app_permissions": ADMIN_PERMISSIONS.to_string(),
            "locale": "en-US",
            "guild_locale": "en-US",
            "attachment_size_limit": 26_214_400,
            "authorizing_integration_owners": {"0": sh.cfg.guild_id.to_string()},
            "context": 0,
            "entitlements": [],
            "data": data,
        })
    }
}

/// A user option value (type 6) for [`FakeDiscord::slash_interaction`].
pub fn opt_user(id: u64) -> Value {
    json!({"type": 6, "value": id.to_string()})
}

/// A channel option value (type 7).
pub fn opt_channel(id: u64) -> Value {
    json!({"type": 7, "value": id.to_string()})
}

/// A role option value (type 8).
pub fn opt_role(id: u64) -> Value {
    json!({"type": 8, "value": id.to_string()})
}

/// A subcommand (type 1) with its own options.
pub fn opt_subcommand(options: Vec<(&str, Value)>) -> Value {
    let opts: Vec<Value> = options.iter().map(|(n, v)| option_json(n, v)).collect();
    json!({"type": 1, "options": opts})
}

/// A subcommand group (type 2) holding one subcommand.
pub fn opt_subcommand_group(subcommand: &str, options: Vec<(&str, Value)>) -> Value {
    json!({"type": 2, "options": [option_json(subcommand, &opt_subcommand(options))]})
}

fn option_json(name: &str, value: &Value) -> Value {
    match value {
        Value::Object(m) if m.contains_key("type") => {
            let mut m = m.clone();
            m.insert("name".to_owned(), Value::String(name.to_owned()));
            Value::Object(m)
        }
        Value::Bool(_) => json!({"name": name, "type": 5, "value": value}),
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            json!({"name": name, "type": 4, "value": value})
        }
        Value::Number(_) => json!({"name": name, "type": 10, "value": value}),
        Value::String(_) => json!({"name": name, "type": 3, "value": value}),
        other => json!({"name": name, "type": 3, "value": other.to_string()}),
    }
}

fn mark_focused(opts: &mut [Value], focused: &str) {
    for opt in opts {
        if opt["name"] == focused && opt.get("value").is_some() {
            if let Some(o) = opt.as_object_mut() {
                o.insert("focused".to_owned(), Value::Bool(true));
                if let Some(v) = o.get("value").filter(|v| !v.is_string()) {
                    let s = v.to_string();
                    o.insert("value".to_owned(), Value::String(s));
                }
            }
        } else if let Some(inner) = opt.get_mut("options").and_then(Value::as_array_mut) {
            mark_focused(inner, focused);
        }
    }
}

/// `<@id>`, `<@!id>` (users) and `<@&id>` (roles) in message content.
fn parse_mentions(content: &str) -> (Vec<u64>, Vec<u64>) {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = rest.get(start + 2..).unwrap_or("");
        let (is_role, body) = match rest.strip_prefix('&') {
            Some(b) => (true, b),
            None => (false, rest.strip_prefix('!').unwrap_or(rest)),
        };
        let Some(end) = body.find('>') else { break };
        if let Some(id) = body.get(..end).and_then(|s| s.parse::<u64>().ok()) {
            let list = if is_role { &mut roles } else { &mut users };
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    (users, roles)
}

fn ids(ids: &[u64]) -> Vec<String> {
    ids.iter().map(u64::to_string).collect()
}

fn now_iso() -> String {
    let micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(0));
    twilight_model::util::Timestamp::from_micros(micros)
        .map(|t| t.iso_8601().to_string())
        .unwrap_or_else(|_| "2026-01-01T00:00:00.000000+00:00".to_owned())
}

// ---- gateway -----------------------------------------------------------------

async fn serve_gateway(shared: Arc<Shared>, stream: TcpStream, conn_id: u64) {
    let _ = stream.set_nodelay(true);
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    shared.lock().connections += 1;
    shared.bump();
    let hello = format!(
        r#"{{"t":null,"s":null,"op":10,"d":{{"heartbeat_interval":{}}}}}"#,
        shared.cfg.heartbeat_interval_ms
    );
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut inactive_tx = Some(tx);
    if ws.send(WsMessage::text(hello)).await.is_ok() {
        'conn: loop {
            tokio::select! {
                incoming = ws.next() => {
                    let text = match incoming {
                        Some(Ok(WsMessage::Text(t))) => t.as_str().to_owned(),
                        Some(Ok(WsMessage::Binary(b))) => String::from_utf8_lossy(&b).into_owned(),
                        Some(Ok(WsMessage::Close(_)) | Err(_)) | None => break 'conn,
                        Some(Ok(_)) => continue 'conn,
                    };
                    let reply = on_gateway_command(&shared, &text);
                    for frame in reply.frames {
                        if ws.send(WsMessage::text(frame)).await.is_err() {
                            break 'conn;
                        }
                    }
                    if reply.activate
                        && let Some(tx) = inactive_tx.take()
                    {
                        shared.activate(conn_id, tx);
                    }
                }
                out = rx.recv() => {
                    let frame = match out {
                        Some(Outgoing::Dispatch(t, d)) => {
                            let mut st = shared.lock();
                            shared.dispatch_frame(&mut st, &t, &d)
                        }
                        Some(Outgoing::Frame(f)) => f,
                        Some(Outgoing::Close(code, reason)) => {
                            let _ = ws
                                .close(Some(CloseFrame { code: code.into(), reason: reason.into() }))
                                .await;
                            break 'conn;
                        }
                        Some(Outgoing::Drop) | None => break 'conn,
                    };
                    if ws.send(WsMessage::text(frame)).await.is_err() {
                        break 'conn;
                    }
                }
            }
        }
    }
    // Dropping `ws` here closes the TCP stream without a close frame.
    drop(ws);
    shared.deactivate(conn_id, &mut rx);
}

fn on_gateway_command(shared: &Shared, text: &str) -> Reply {
    let mut reply = Reply {
        frames: Vec::new(),
        activate: false,
    };
    let payload: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let data = payload.get("d").cloned().unwrap_or(Value::Null);
    let mut st = shared.lock();
    st.gateway_commands.push(payload.clone());
    match payload["op"].as_u64() {
        Some(1) => {
            st.heartbeats += 1;
            reply
                .frames
                .push(r#"{"t":null,"s":null,"op":11,"d":null}"#.to_owned());
        }
        Some(2) => {
            st.identifies.push(data.clone());
            st.sessions += 1;
            let session_id = format!("fake-session-{}", st.sessions);
            st.session_id = Some(session_id.clone());
            st.seq = 0;
            st.history.clear();
            let ready = shared.ready_json(&session_id, data.get("shard"));
            reply
                .frames
                .push(shared.dispatch_frame(&mut st, "READY", &ready));
            let mut guild = shared.guild_create_json();
            if let Some(states) = &st.voice_states {
                guild["voice_states"] = states
                    .iter()
                    .map(|&(user, channel, bot)| shared.voice_state_json(user, Some(channel), bot))
                    .collect();
            }
            reply
                .frames
                .push(shared.dispatch_frame(&mut st, "GUILD_CREATE", &guild));
            reply.activate = true;
        }
        Some(6) => {
            st.resumes.push(data.clone());
            let known =
                st.session_id.is_some() && data["session_id"].as_str() == st.session_id.as_deref();
            if std::mem::take(&mut st.reject_next_resume) || !known {
                reply
                    .frames
                    .push(r#"{"t":null,"s":null,"op":9,"d":false}"#.to_owned());
            } else {
                let since = data["seq"].as_u64().unwrap_or(0);
                let missed: Vec<String> = st
                    .history
                    .iter()
                    .filter(|(s, _)| *s > since)
                    .map(|(_, f)| f.clone())
                    .collect();
                reply.frames.extend(missed);
                reply
                    .frames
                    .push(shared.dispatch_frame(&mut st, "RESUMED", &json!({})));
                reply.activate = true;
            }
        }
        Some(8) => {
            let wanted: Option<Vec<u64>> = match &data["user_ids"] {
                Value::Array(a) => Some(
                    a.iter()
                        .filter_map(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()))
                        .collect(),
                ),
                Value::String(s) => s.parse().ok().map(|id| vec![id]),
                _ => None,
            };
            let members: Vec<Value> = shared
                .cfg
                .members
                .iter()
                .filter(|m| wanted.as_ref().is_none_or(|w| w.contains(&m.user_id)))
                .map(|m| shared.member_json(m.user_id, &m.roles, m.bot))
                .collect();
            let mut chunk = json!({
                "guild_id": shared.cfg.guild_id.to_string(),
                "members": members,
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [],
                "presences": [],
            });
            if let (Some(nonce), Some(o)) = (data.get("nonce"), chunk.as_object_mut()) {
                o.insert("nonce".to_owned(), nonce.clone());
            }
            reply
                .frames
                .push(shared.dispatch_frame(&mut st, "GUILD_MEMBERS_CHUNK", &chunk));
        }
        _ => {}
    }
    drop(st);
    shared.bump();
    reply
}

// ---- HTTP --------------------------------------------------------------------

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Option<Value>,
}

impl Answer {
    fn json(body: Value) -> Self {
        Self {
            status: 200,
            headers: Vec::new(),
            body: Some(body),
        }
    }

    fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: None,
        }
    }
}

async fn handle_http(AxumState(shared): AxumState<Arc<Shared>>, req: Request) -> Response {
    let at = Instant::now();
    let (parts, body) = req.into_parts();
    let body = to_bytes(body, 64 << 20)
        .await
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let full_path = parts.uri.path();
    let route = full_path
        .strip_prefix("/api/v10")
        .unwrap_or(full_path)
        .to_owned();
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (json, mp_parts) = match content_type
        .split(';')
        .map(str::trim)
        .find_map(|p| p.strip_prefix("boundary="))
    {
        Some(boundary) if content_type.starts_with("multipart/") => {
            let mp = parse_multipart(&body, boundary.trim_matches('"'));
            let json = mp
                .iter()
                .find(|p| p.name == "payload_json")
                .and_then(|p| serde_json::from_slice(&p.data).ok());
            (json, mp)
        }
        _ => (serde_json::from_slice(&body).ok(), Vec::new()),
    };
    let mut rec = RecordedRequest {
        method: parts.method.as_str().to_owned(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| full_path.to_owned(), |pq| pq.as_str().to_owned()),
        route,
        query: parts.uri.query().map(str::to_owned),
        headers,
        body_text: String::from_utf8_lossy(&body).into_owned(),
        body,
        json,
        parts: mp_parts,
        status: 0,
        at,
    };
    let delay = shared
        .lock()
        .delays
        .iter()
        .rev()
        .find_map(|(method, prefix, delay)| {
            ((method == "*" || method.eq_ignore_ascii_case(&rec.method))
                && rec.route.starts_with(prefix.as_str()))
            .then_some(*delay)
        });
    let (method, route, body) = (rec.method.clone(), rec.route.clone(), rec.body_text.clone());
    let answer = {
        let mut st = shared.lock();
        let answer = match take_outage(&mut st, &rec) {
            Some(outage) if outage.accepted => {
                let _ = route_answer(&shared, &mut st, &rec);
                outage.answer()
            }
            Some(outage) => outage.answer(),
            None => route_answer(&shared, &mut st, &rec),
        };
        rec.status = answer.status;
        st.requests.push(rec);
        answer
    };
    shared.bump();
    let held = |shared: &Shared| {
        shared
            .lock()
            .holds
            .iter()
            .any(|(held_method, prefix, needle)| {
                (held_method == "*" || held_method.eq_ignore_ascii_case(&method))
                    && route.starts_with(prefix.as_str())
                    && body.contains(needle.as_str())
            })
    };
    if delay.is_some() || held(&shared) {
        shared.lock().answers_held += 1;
        if let Some(delay) = delay {
            tokio::time::sleep(delay).await;
        }
        while held(&shared) {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        shared.lock().answers_held -= 1;
    }

    let mut builder = axum::http::Response::builder().status(answer.status);
    for (k, v) in &answer.headers {
        builder = builder.header(k.as_str(), v.as_str());
    }
    let body = match answer.body {
        Some(v) => {
            builder = builder.header(CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

fn route_answer(shared: &Shared, st: &mut State, r: &RecordedRequest) -> Answer {
    if let Some(rule) = st
        .rate_limits
        .iter_mut()
        .find(|rule| rule.remaining > 0 && r.route.starts_with(&rule.prefix))
    {
        rule.remaining -= 1;
        let answer = rate_limited(rule);
        st.rate_limits.retain(|rule| rule.remaining > 0);
        return answer;
    }
    if let Some(stub) = st.stubs.iter().rev().find(|s| {
        (s.method == "*" || s.method.eq_ignore_ascii_case(&r.method))
            && r.route.starts_with(&s.prefix)
    }) {
        return Answer {
            status: stub.status,
            headers: Vec::new(),
            body: stub.body.clone(),
        };
    }

    let cfg = &shared.cfg;
    let segs: Vec<&str> = r.route.trim_matches('/').split('/').collect();
    let payload = r.json.clone().unwrap_or(Value::Null);
    match (r.method.as_str(), segs.as_slice()) {
        ("GET", ["gateway", "bot"]) => Answer::json(json!({
            "url": shared.gateway_url,
            "shards": 1,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        })),
        ("GET", ["gateway"]) => Answer::json(json!({"url": shared.gateway_url})),
        ("GET", ["users", "@me"]) => Answer::json(json!({
            "id": cfg.bot_user_id.to_string(),
            "username": cfg.bot_username,
            "global_name": null,
            "discriminator": "0",
            "avatar": null,
            "bot": true,
            "mfa_enabled": false,
            "verified": true,
            "flags": 0,
            "public_flags": 0,
        })),
        ("GET", ["applications", "@me"] | ["oauth2", "applications", "@me"]) => {
            Answer::json(json!({
                "id": cfg.application_id.to_string(),
                "name": cfg.bot_username,
                "description": "",
                "icon": null,
                "bot_public": false,
                "bot_require_code_grant": false,
                "verify_key": "0".repeat(64),
                "team": null,
                "flags": 0,
                "bot": shared.bot_user_json(),
                "owner": shared.user_json(cfg.owner_id, false),
            }))
        }
        ("POST", ["channels", channel, "messages"]) => {
            let msg = new_message(shared, st, channel, &payload, r, false);
            Answer::json(msg)
        }
        ("GET", ["channels", channel, "messages"]) => {
            Answer::json(channel_history(st, channel, r.query.as_deref()))
        }
        ("GET", ["channels", _, "messages", mid]) => match find_message(st, mid) {
            Some(m) => Answer::json(m.clone()),
            None => not_found(),
        },
        ("PATCH", ["channels", channel, "messages", mid]) => {
            Answer::json(edit_message(shared, st, channel, mid, &payload, r))
        }
        ("POST", ["interactions", iid, token, "callback"]) => {
            interaction_callback(shared, st, iid, token, &payload, r)
        }
        ("GET", ["webhooks", _, token, "messages", "@original"]) => {
            match st.originals.get(*token) {
                Some(m) => Answer::json(m.clone()),
                None => not_found(),
            }
        }
        ("PATCH", ["webhooks", _, token, "messages", "@original"]) => {
            let channel = interaction_channel(shared, st, token);
            let id = st
                .originals
                .get(*token)
                .and_then(|m| m["id"].as_str().map(str::to_owned))
                .unwrap_or_else(|| shared.new_id().to_string());
            let msg = edit_message(shared, st, &channel, &id, &payload, r);
            st.originals.insert((*token).to_owned(), msg.clone());
            Answer::json(msg)
        }
        ("GET", ["webhooks", _, _, "messages", mid]) => match find_message(st, mid) {
            Some(m) => Answer::json(m.clone()),
            None => not_found(),
        },
        ("PATCH", ["webhooks", _, token, "messages", mid]) => {
            let channel = interaction_channel(shared, st, token);
            Answer::json(edit_message(shared, st, &channel, mid, &payload, r))
        }
        ("POST", ["webhooks", _, token]) => {
            let channel = interaction_channel(shared, st, token);
            Answer::json(new_message(shared, st, &channel, &payload, r, true))
        }
        ("PUT", ["applications", _, "guilds", guild, "commands"]) => {
            Answer::json(register_commands(shared, st, Some(*guild), &payload))
        }
        ("PUT", ["applications", _, "commands"]) => {
            Answer::json(register_commands(shared, st, None, &payload))
        }
        ("GET", ["applications", _, "guilds", guild, "commands"]) => Answer::json(Value::Array(
            st.commands
                .get(&Some((*guild).to_owned()))
                .cloned()
                .unwrap_or_default(),
        )),
        ("GET", ["applications", _, "commands"]) => Answer::json(Value::Array(
            st.commands.get(&None).cloned().unwrap_or_default(),
        )),
        ("POST", ["applications", _, "guilds", guild, "commands"]) => {
            let cmd = command_json(shared, &payload, Some(*guild));
            upsert_command(st, Some(*guild), &cmd);
            Answer::json(cmd)
        }
        ("POST", ["applications", _, "commands"]) => {
            let cmd = command_json(shared, &payload, None);
            upsert_command(st, None, &cmd);
            Answer::json(cmd)
        }
        ("DELETE" | "PUT", _) => Answer::no_content(),
        _ => Answer::json(json!({})),
    }
}

/// A channel's messages, newest first, at most `limit` (default 50), as
/// `GET /channels/{id}/messages` answers.
fn channel_history(st: &State, channel: &str, query: Option<&str>) -> Value {
    let limit = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .find_map(|pair| pair.strip_prefix("limit="))
        .and_then(|n| n.parse::<usize>().ok())
        .unwrap_or(50);
    Value::Array(
        st.messages
            .iter()
            .rev()
            .filter(|m| m["channel_id"] == channel)
            .take(limit)
            .cloned()
            .collect(),
    )
}

/// Server errors for the next requests under a route (see
/// [`FakeDiscord::fail_next`]).
#[derive(Debug)]
struct Outage {
    method: String,
    prefix: String,
    status: u16,
    remaining: usize,
    /// The request is carried out before the error is answered.
    accepted: bool,
}

impl Outage {
    fn answer(&self) -> Answer {
        Answer {
            status: self.status,
            headers: Vec::new(),
            body: Some(json!({"message": "fake outage", "code": 0})),
        }
    }
}

fn take_outage(st: &mut State, r: &RecordedRequest) -> Option<Outage> {
    let index = st.outages.iter().position(|o| {
        o.remaining > 0
            && (o.method == "*" || o.method.eq_ignore_ascii_case(&r.method))
            && r.route.starts_with(&o.prefix)
    })?;
    let outage = st.outages.get_mut(index)?;
    outage.remaining -= 1;
    let taken = Outage {
        method: outage.method.clone(),
        prefix: outage.prefix.clone(),
        status: outage.status,
        remaining: 0,
        accepted: outage.accepted,
    };
    st.outages.retain(|o| o.remaining > 0);
    Some(taken)
}

fn not_found() -> Answer {
    Answer {
        status: 404,
        headers: Vec::new(),
        body: Some(json!({"message": "Unknown Message", "code": 10008})),
    }
}

fn rate_limited(rule: &RateLimitRule) -> Answer {
    let secs = rule.retry_after.as_secs_f64();
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
        + secs;
    let mut headers = vec![
        // The header carries whole seconds (twilight parses it as an integer
        // for the shared scope); the body has the precise value.
        (
            "retry-after".to_owned(),
            format!("{}", secs.ceil().max(1.0)),
        ),
        ("x-ratelimit-limit".to_owned(), "5".to_owned()),
        ("x-ratelimit-remaining".to_owned(), "0".to_owned()),
        ("x-ratelimit-reset".to_owned(), format!("{reset:.3}")),
        ("x-ratelimit-reset-after".to_owned(), format!("{secs:.3}")),
        (
            "x-ratelimit-bucket".to_owned(),
            format!("fake-bucket-{}", rule.prefix.replace('/', "-")),
        ),
    ];
    if rule.global {
        headers.push(("x-ratelimit-global".to_owned(), "true".to_owned()));
        headers.push(("x-ratelimit-scope".to_owned(), "global".to_owned()));
    } else {
        headers.push(("x-ratelimit-scope".to_owned(), "user".to_owned()));
    }
    Answer {
        status: 429,
        headers,
        body: Some(json!({
            "message": "You are being rate limited.",
            "retry_after": secs,
            "global": rule.global,
        })),
    }
}

fn find_message<'a>(st: &'a State, id: &str) -> Option<&'a Value> {
    st.messages.iter().find(|m| m["id"] == id)
}

fn interaction_channel(shared: &Shared, st: &State, token: &str) -> String {
    st.interactions
        .get(token)
        .map_or_else(|| shared.text_channel(), |i| i.channel_id)
        .to_string()
}

/// Embeds with `type` (twilight needs it).
fn embeds_of(payload: &Value) -> Value {
    let embeds = payload["embeds"].as_array().cloned().unwrap_or_default();
    Value::Array(
        embeds
            .into_iter()
            .map(|mut e| {
                if let Some(o) = e.as_object_mut() {
                    o.entry("type").or_insert_with(|| json!("rich"));
                }
                e
            })
            .collect(),
    )
}

/// Attachments of a message after a request: the kept old ones (those the
/// request lists by id, all when it lists none) plus the uploaded files.
fn attachments_of(
    shared: &Shared,
    channel: &str,
    old: &[Value],
    payload: &Value,
    r: &RecordedRequest,
) -> Vec<Value> {
    let mut out: Vec<Value> = match payload["attachments"].as_array() {
        Some(keep) => old
            .iter()
            .filter(|a| keep.iter().any(|k| k["id"] == a["id"]))
            .cloned()
            .collect(),
        None => old.to_vec(),
    };
    for file in r.files() {
        let id = shared.new_id();
        let filename = file.filename.clone().unwrap_or_default();
        let url = format!(
            "http://{}/attachments/{channel}/{id}/{filename}",
            shared.http_addr
        );
        out.push(json!({
            "id": id.to_string(),
            "filename": filename,
            "size": file.data.len(),
            "url": url,
            "proxy_url": url,
            "content_type": file.content_type,
        }));
    }
    out
}

fn new_message(
    shared: &Shared,
    st: &mut State,
    channel: &str,
    payload: &Value,
    r: &RecordedRequest,
    webhook: bool,
) -> Value {
    let id = shared.new_id().to_string();
    let mut msg = json!({
        "id": id,
        "channel_id": channel,
        "guild_id": shared.cfg.guild_id.to_string(),
        "author": shared.bot_user_json(),
        "content": payload["content"].as_str().unwrap_or(""),
        "timestamp": now_iso(),
        "edited_timestamp": null,
        "tts": payload["tts"].as_bool().unwrap_or(false),
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": attachments_of(shared, channel, &[], payload, r),
        "embeds": embeds_of(payload),
        "components": payload["components"].as_array().cloned().unwrap_or_default(),
        "pinned": false,
        "type": 0,
        "flags": payload["flags"].as_u64().unwrap_or(0),
    });
    if webhook && let Some(o) = msg.as_object_mut() {
        o.insert(
            "webhook_id".to_owned(),
            json!(shared.cfg.application_id.to_string()),
        );
        o.insert(
            "application_id".to_owned(),
            json!(shared.cfg.application_id.to_string()),
        );
    }
    st.messages.push(msg.clone());
    msg
}

/// Applies an edit to a stored message (creating it if unknown).
fn edit_message(
    shared: &Shared,
    st: &mut State,
    channel: &str,
    id: &str,
    payload: &Value,
    r: &RecordedRequest,
) -> Value {
    let existing = st.messages.iter().position(|m| m["id"] == id);
    let mut msg = match existing {
        Some(i) => st.messages[i].clone(),
        None => {
            let mut m = new_message(shared, st, channel, &json!({}), r, false);
            st.messages.pop();
            m["id"] = json!(id);
            m
        }
    };
    if let Some(p) = payload.as_object() {
        if p.contains_key("content") {
            msg["content"] = json!(p["content"].as_str().unwrap_or(""));
        }
        if p.contains_key("embeds") {
            msg["embeds"] = embeds_of(payload);
        }
        if p.contains_key("components") {
            msg["components"] = json!(p["components"].as_array().cloned().unwrap_or_default());
        }
        if let Some(flags) = p.get("flags").and_then(Value::as_u64) {
            msg["flags"] = json!(flags);
        }
    }
    let old = msg["attachments"].as_array().cloned().unwrap_or_default();
    msg["attachments"] = json!(attachments_of(shared, channel, &old, payload, r));
    msg["edited_timestamp"] = json!(now_iso());
    match existing {
        Some(i) => st.messages[i] = msg.clone(),
        None => st.messages.push(msg.clone()),
    }
    msg
}

/// How long Discord waits for an interaction's first answer.
pub const INTERACTION_DEADLINE: Duration = Duration::from_secs(3);

fn interaction_callback(
    shared: &Shared,
    st: &mut State,
    iid: &str,
    token: &str,
    payload: &Value,
    r: &RecordedRequest,
) -> Answer {
    let info = st.interactions.get(token).cloned();
    // Discord forgets an interaction not answered within three seconds.
    if info
        .as_ref()
        .is_some_and(|i| i.created.elapsed() > INTERACTION_DEADLINE)
    {
        return Answer {
            status: 404,
            headers: Vec::new(),
            body: Some(json!({"message": "Unknown interaction", "code": 10062})),
        };
    }
    let channel = interaction_channel(shared, st, token);
    let kind = payload["type"].as_u64().unwrap_or(0);
    let data = payload.get("data").cloned().unwrap_or_else(|| json!({}));
    let mut message = None;
    match kind {
        // CHANNEL_MESSAGE_WITH_SOURCE, DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
        4 | 5 => {
            let msg = new_message(shared, st, &channel, &data, r, true);
            st.originals.insert(token.to_owned(), msg.clone());
            message = Some(msg);
        }
        // UPDATE_MESSAGE: edits the component's message.
        7 => {
            if let Some(mid) = info.as_ref().and_then(|i| i.message_id) {
                message = Some(edit_message(
                    shared,
                    st,
                    &channel,
                    &mid.to_string(),
                    &data,
                    r,
                ));
            }
        }
        _ => {}
    }
    if !r
        .query
        .as_deref()
        .is_some_and(|q| q.contains("with_response=true"))
    {
        return Answer::no_content();
    }
    let mut interaction = json!({
        "id": iid,
        "type": info.as_ref().map_or(2, |i| i.kind),
    });
    if let Some(m) = &message {
        interaction["response_message_id"] = m["id"].clone();
        interaction["response_message_loading"] = json!(kind == 5);
        interaction["response_message_ephemeral"] =
            json!(m["flags"].as_u64().is_some_and(|f| f & 64 != 0));
    }
    let mut body = json!({"interaction": interaction});
    if let Some(m) = message {
        body["resource"] = json!({"type": kind, "message": m});
    }
    Answer::json(body)
}

fn command_json(shared: &Shared, cmd: &Value, guild: Option<&str>) -> Value {
    let mut c = cmd.as_object().cloned().unwrap_or_default();
    if !c.get("id").is_some_and(Value::is_string) {
        c.insert("id".to_owned(), json!(shared.new_id().to_string()));
    }
    c.insert(
        "application_id".to_owned(),
        json!(shared.cfg.application_id.to_string()),
    );
    match guild {
        Some(g) => {
            c.insert("guild_id".to_owned(), json!(g));
        }
        None => {
            c.remove("guild_id");
        }
    }
    c.insert("version".to_owned(), json!(shared.new_id().to_string()));
    c.entry("type").or_insert_with(|| json!(1));
    c.entry("description").or_insert_with(|| json!(""));
    c.entry("default_member_permissions").or_insert(Value::Null);
    c.entry("nsfw").or_insert_with(|| json!(false));
    c.entry("options").or_insert_with(|| json!([]));
    Value::Object(c)
}

fn register_commands(
    shared: &Shared,
    st: &mut State,
    guild: Option<&str>,
    payload: &Value,
) -> Value {
    let cmds: Vec<Value> = payload
        .as_array()
        .map(|a| a.iter().map(|c| command_json(shared, c, guild)).collect())
        .unwrap_or_default();
    st.commands.insert(guild.map(str::to_owned), cmds.clone());
    Value::Array(cmds)
}

fn upsert_command(st: &mut State, guild: Option<&str>, cmd: &Value) {
    let list = st.commands.entry(guild.map(str::to_owned)).or_default();
    list.retain(|c| c["name"] != cmd["name"]);
    list.push(cmd.clone());
}

/// Splits a `multipart/form-data` body.
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<MultipartPart> {
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = Vec::new();
    let mut chunks = split_bytes(body, delimiter).into_iter().skip(1);
    for chunk in chunks.by_ref() {
        if chunk.starts_with(b"--") {
            break;
        }
        let chunk = chunk.strip_prefix(b"\r\n").unwrap_or(chunk);
        let chunk = chunk.strip_suffix(b"\r\n").unwrap_or(chunk);
        let Some(split) = find_bytes(chunk, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(chunk.get(..split).unwrap_or_default());
        let data = chunk.get(split + 4..).unwrap_or_default().to_vec();
        let mut part = MultipartPart {
            name: String::new(),
            filename: None,
            content_type: None,
            data,
        };
        for line in head.lines() {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                part.name = quoted_param(line, "name").unwrap_or_default();
                part.filename = quoted_param(line, "filename");
            } else if lower.starts_with("content-type:") {
                part.content_type = line.split_once(':').map(|(_, v)| v.trim().to_owned());
            }
        }
        parts.push(part);
    }
    parts
}

fn quoted_param(line: &str, key: &str) -> Option<String> {
    line.split(';').map(str::trim).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

fn find_bytes(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn split_bytes<'a>(mut haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    while let Some(i) = find_bytes(haystack, needle) {
        out.push(haystack.get(..i).unwrap_or_default());
        haystack = haystack.get(i + needle.len()..).unwrap_or_default();
    }
    out.push(haystack);
    out
}
