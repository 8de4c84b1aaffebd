//! The real `etl-bot serve` for end-to-end tests: a child process on a
//! config file, its log kept in a file the test can read (and prints when it
//! fails), the config every test starts from, a scratch folder per test, and
//! the few questions the tests ask the fake Discord about the bot.
//!
//! Needs `mod fake_discord` (support/fake_discord.rs) at the test's root.
//!
//! ```ignore
//! #[path = "support/fake_discord.rs"]
//! mod fake_discord;
//! #[path = "support/bot.rs"]
//! mod bot;
//! ```
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fake_discord::{
    ADMIN_ROLE_ID, FakeDiscord, GUILD_ID, RecordedRequest, TEXT_CHANNEL_ID, TOKEN, VOICE_CHANNEL_ID,
};

pub const WAIT: Duration = Duration::from_secs(30);

/// A file of the sample night (`testdata/sample-night`).
pub fn sample(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../testdata/sample-night")
            .join(name),
    )
    .unwrap()
}

/// Writes `bytes` as `folder/name` in one rename, the way a finished round
/// file appears: no poll sees half of it.
pub fn drop_file(folder: &Path, name: &str, bytes: &[u8]) {
    let temporary = folder.join(format!(".{name}.writing"));
    std::fs::write(&temporary, bytes).unwrap();
    std::fs::rename(&temporary, folder.join(name)).unwrap();
}

/// The config every test starts from: the fake Discord, one stats channel,
/// a session that starts with one person in voice, a poll every second and
/// no waiting for files to settle. `sources` are `[[sources]]` TOML lines.
pub fn config_text(
    fake: &FakeDiscord,
    database_url: &str,
    local_dir: &Path,
    sources: &str,
) -> String {
    format!(
        r#"database_url = "{database_url}"

[discord]
guild_id = {GUILD_ID}
stats_channel_id = {TEXT_CHANNEL_ID}
admin_role_id = {ADMIN_ROLE_ID}
voice_channel_ids = [{VOICE_CHANNEL_ID}]
api_proxy = "{http}"
gateway_url = "{gateway}"

[session]
start_threshold = 1
end_threshold = 0
end_delay_s = 3600
idle_end_min = 600

[ingest]
local_dir = "{local}"
poll_interval_s = 1
settle_s = 0
quiet_s = 0

[commands]
backup_dir = "{backups}"

{sources}
"#,
        http = fake.http_addr(),
        gateway = fake.gateway_url(),
        local = local_dir.display(),
        // Beside the downloads, never in the working folder.
        backups = local_dir.with_file_name("backups").display(),
    )
}

/// `config` with `key = value` in `[table]`: the key's line there replaced,
/// or added under the table's header.
pub fn set(config: &str, table: &str, key: &str, value: impl std::fmt::Display) -> String {
    let header = format!("[{table}]");
    let mut lines: Vec<String> = config.lines().map(str::to_owned).collect();
    let start = lines
        .iter()
        .position(|line| line.trim() == header)
        .unwrap_or_else(|| panic!("no {header} in the config"));
    let end = lines
        .iter()
        .skip(start + 1)
        .position(|line| line.starts_with('['))
        .map_or(lines.len(), |offset| start + 1 + offset);
    let line = format!("{key} = {value}");
    match lines[start + 1..end]
        .iter()
        .position(|l| l.split('=').next().map(str::trim) == Some(key))
    {
        Some(at) => lines[start + 1 + at] = line,
        None => lines.insert(start + 1, line),
    }
    lines.join("\n") + "\n"
}

/// A folder of its own for one test, removed afterwards (kept when the test
/// fails, for its log): `server` is the game server's folder the bot's local
/// source reads, the database a SQLite file beside it.
pub struct Scratch {
    pub dir: PathBuf,
    pub server: PathBuf,
}

impl Scratch {
    pub fn new(test: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("etl-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let server = dir.join("gamestats");
        std::fs::create_dir_all(&server).unwrap();
        Self { dir, server }
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.join("etl.db").display())
    }

    /// The shared config ([`config_text`]) with the local source `game`
    /// reading [`Self::server`], on the scratch SQLite file.
    pub fn config(&self, fake: &FakeDiscord) -> String {
        self.config_on(fake, &self.database_url())
    }

    /// [`Self::config`] on another database.
    pub fn config_on(&self, fake: &FakeDiscord, database_url: &str) -> String {
        let source = format!(
            "[[sources]]\nname = \"game\"\nkind = \"local\"\npath = \"{}\"\n",
            self.server.display()
        );
        config_text(fake, database_url, &self.dir.join("stats"), &source)
    }

    /// Where the bot keeps what it fetched from the source `game`.
    pub fn fetched(&self) -> PathBuf {
        self.dir.join("stats").join("game")
    }

    /// Writes `config` as the test's `etl.toml`; returns its path.
    pub fn write_config(&self, config: &str) -> PathBuf {
        let path = self.dir.join("etl.toml");
        std::fs::write(&path, config).unwrap();
        path
    }

    /// The game server finishes a round: the sample night's `sample_name`,
    /// written as `name` into [`Self::server`].
    pub fn round_ends(&self, name: &str, sample_name: &str) {
        drop_file(&self.server, name, &sample(sample_name));
    }

    /// `etl-bot serve` on the written config, logging to `serve.log`.
    pub fn start(&self) -> BotProcess {
        BotProcess::start(&self.dir.join("etl.toml"), &self.dir.join("serve.log"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

pub struct BotProcess {
    child: Child,
    log: PathBuf,
}

impl BotProcess {
    /// `etl-bot --config <config> serve`, its log (debug for the bot and
    /// the fetcher) in `log`.
    pub fn start(config: &Path, log: &Path) -> Self {
        let file = std::fs::File::create(log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_etl-bot"))
            .arg("--config")
            .arg(config)
            .arg("serve")
            .env("ETL_DISCORD__TOKEN", TOKEN)
            .env_remove("ETL_DATABASE_URL")
            .env("RUST_LOG", "warn,etl_bot=debug,etl_ingest=debug")
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap();
        Self {
            child,
            log: log.to_owned(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the bot logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits until the log has a line with every one of `words`; returns it.
    pub fn wait_for_log(&self, words: &[&str], timeout: Duration) -> Option<String> {
        let started = Instant::now();
        loop {
            if let Some(line) = self
                .log()
                .lines()
                .find(|line| words.iter().all(|w| line.contains(w)))
            {
                return Some(line.to_owned());
            }
            if started.elapsed() > timeout {
                return None;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL: the process dies where it stands, as in a power cut or an
    /// OOM kill. Panics if it had already exited.
    pub fn kill(mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "serve exited before it could be killed"
        );
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "{status}");
    }

    /// SIGTERM, as systemd stops it; the bot must exit cleanly within 20 s.
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .unwrap();
        assert!(status.success());
        for _ in 0..400 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "serve exited with {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("serve did not stop within 20 s of SIGTERM");
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        // Only our own child, by its pid.
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("----- etl-bot serve log -----\n{}\n-----", self.log());
        }
    }
}

pub fn embeds(request: &RecordedRequest) -> Vec<Value> {
    let json = request.json.clone().unwrap_or(Value::Null);
    let embeds = json
        .get("embeds")
        .or_else(|| json.pointer("/data/embeds"))
        .cloned()
        .unwrap_or(Value::Null);
    embeds.as_array().cloned().unwrap_or_default()
}

pub fn title(request: &RecordedRequest) -> String {
    embeds(request)
        .first()
        .and_then(|e| e["title"].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// The first embed's description (or the plain content).
pub fn text(request: &RecordedRequest) -> String {
    embeds(request)
        .first()
        .and_then(|e| e["description"].as_str())
        .or_else(|| {
            request.json.as_ref().and_then(|j| {
                j["content"]
                    .as_str()
                    .or_else(|| j["data"]["content"].as_str())
            })
        })
        .unwrap_or_default()
        .to_owned()
}

/// Connected, commands registered.
pub async fn ready(fake: &FakeDiscord) {
    assert!(
        fake.wait_for_identify(WAIT).await.is_some(),
        "the bot never identified"
    );
    let registered = fake
        .wait_for_request(
            |r| r.is("PUT", "/applications/") && r.route.ends_with("/commands"),
            WAIT,
        )
        .await;
    assert!(registered.is_some(), "slash commands were not registered");
}

/// A post to the stats channel made after request number `since` that
/// `what` accepts (given its title and the request).
pub async fn posted(
    fake: &FakeDiscord,
    since: usize,
    what: impl Fn(&str, &RecordedRequest) -> bool,
) -> RecordedRequest {
    let path = format!("/channels/{TEXT_CHANNEL_ID}/messages");
    fake.wait_for_request_since(
        since,
        |r| r.is("POST", &path) && r.status < 300 && what(&title(r), r),
        WAIT,
    )
    .await
    .unwrap_or_else(|| panic!("no matching post; saw {:#?}", seen(fake, since)))
}

/// Every request after `since`, one line each, for failure messages.
pub fn seen(fake: &FakeDiscord, since: usize) -> Vec<String> {
    fake.requests()
        .iter()
        .skip(since)
        .map(|r| {
            format!(
                "{} {} {} {}",
                r.method,
                r.route,
                title(r),
                r.body_text.chars().take(300).collect::<String>()
            )
        })
        .collect()
}

/// Round cards posted so far whose title starts with `prefix`
/// (`"supply · round 1"`).
pub fn cards(fake: &FakeDiscord, prefix: &str) -> usize {
    let path = format!("/channels/{TEXT_CHANNEL_ID}/messages");
    fake.requests()
        .iter()
        .filter(|r| r.is("POST", &path) && r.status < 300 && title(r).starts_with(prefix))
        .count()
}

/// Someone joins the watched voice channel: with `start_threshold = 1` the
/// session starts and the fetcher is switched on.
pub async fn start_session(fake: &FakeDiscord) {
    let since = fake.request_count();
    fake.dispatch(
        "VOICE_STATE_UPDATE",
        fake.voice_state_update(501, Some(VOICE_CHANNEL_ID), false),
    );
    posted(fake, since, |_, r| r.body_text.contains("Session started")).await;
}
