//! Configuration: `etl.toml` (or `--config PATH`), then `ETL_*` environment
//! variables (nested keys joined by `__`), then command-line flags.

use std::path::{Path, PathBuf};

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::ssh::SshSettings;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub database_url: String,
    pub ingest: IngestConfig,
    pub sources: Vec<SourceConfig>,
    pub commands: CommandsConfig,
    pub discord: DiscordConfig,
    pub session: SessionSettings,
    pub health: HealthConfig,
    pub metrics: MetricsConfig,
    pub maintenance: MaintenanceConfig,
}

/// `[discord]`: where the bot lives. The token comes from the environment in
/// practice (`ETL_DISCORD__TOKEN`) and is never logged.
#[derive(Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DiscordConfig {
    pub token: Option<String>,
    pub guild_id: Option<u64>,
    pub stats_channel_id: Option<u64>,
    pub admin_channel_id: Option<u64>,
    pub admin_role_id: Option<u64>,
    pub voice_channel_ids: Vec<u64>,
    /// A round gets its card only if its file was written at most this many
    /// hours before the bot imports it (a backlog from nights the bot was
    /// away is imported quietly), and a card still unposted this long after
    /// the import is given up. 0: no limit.
    pub round_card_max_age_h: u64,
    /// `host:port` of a twilight http-proxy (plain HTTP); default: Discord itself.
    pub api_proxy: Option<String>,
    /// `ws://` or `wss://` gateway URL; default: Discord's.
    pub gateway_url: Option<String>,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        Self {
            token: None,
            guild_id: None,
            stats_channel_id: None,
            admin_channel_id: None,
            admin_role_id: None,
            voice_channel_ids: Vec::new(),
            round_card_max_age_h: 12,
            api_proxy: None,
            gateway_url: None,
        }
    }
}

impl DiscordConfig {
    /// [`Self::round_card_max_age_h`] as a span; `None` for no limit.
    pub fn round_card_max_age(&self) -> Option<std::time::Duration> {
        (self.round_card_max_age_h > 0)
            .then(|| std::time::Duration::from_secs(self.round_card_max_age_h.saturating_mul(3600)))
    }
}

impl std::fmt::Debug for DiscordConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DiscordConfig")
            .field("token", &self.token.as_ref().map(|_| "***"))
            .field("guild_id", &self.guild_id)
            .field("stats_channel_id", &self.stats_channel_id)
            .field("admin_channel_id", &self.admin_channel_id)
            .field("admin_role_id", &self.admin_role_id)
            .field("voice_channel_ids", &self.voice_channel_ids)
            .field("round_card_max_age_h", &self.round_card_max_age_h)
            .field("api_proxy", &self.api_proxy)
            .field("gateway_url", &self.gateway_url)
            .finish()
    }
}

/// `[session]`: when sessions start and end by themselves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    pub start_threshold: usize,
    pub end_threshold: usize,
    pub end_delay_s: u64,
    pub idle_end_min: u64,
    /// `HH:MM`, every day monitoring is switched on at this time.
    pub daily_start: String,
    pub time_zone: String,
}

impl Default for SessionSettings {
    fn default() -> Self {
        Self {
            start_threshold: 6,
            end_threshold: 2,
            end_delay_s: 180,
            idle_end_min: 30,
            daily_start: "20:00".to_owned(),
            time_zone: "Europe/Paris".to_owned(),
        }
    }
}

impl SessionSettings {
    /// Now on the server's wall clock.
    pub fn now(&self) -> anyhow::Result<jiff::civil::DateTime> {
        let zone = jiff::tz::TimeZone::get(&self.time_zone)
            .with_context(|| format!("unknown time zone {:?}", self.time_zone))?;
        Ok(zone.to_datetime(jiff::Timestamp::now()))
    }

    pub fn machine_config(&self) -> anyhow::Result<etl_session::SessionConfig> {
        let daily_start: jiff::civil::Time = self
            .daily_start
            .parse()
            .with_context(|| format!("session.daily_start {:?} is not HH:MM", self.daily_start))?;
        Ok(etl_session::SessionConfig::new(
            self.start_threshold,
            self.end_threshold,
            std::time::Duration::from_secs(self.end_delay_s),
            std::time::Duration::from_secs(self.idle_end_min * 60),
            daily_start,
            &self.time_zone,
        )?)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommandsConfig {
    /// Rounds a player must have played before leaderboards rank him.
    pub min_rounds: usize,
    pub backup_dir: PathBuf,
}

impl Default for CommandsConfig {
    fn default() -> Self {
        let defaults = etl_commands::Settings::default();
        Self {
            min_rounds: defaults.min_rounds,
            backup_dir: defaults.backup_dir,
        }
    }
}

impl CommandsConfig {
    pub fn settings(&self) -> etl_commands::Settings {
        etl_commands::Settings {
            min_rounds: self.min_rounds,
            backup_dir: self.backup_dir.clone(),
            ..etl_commands::Settings::default()
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IngestConfig {
    /// Where fetched files are kept, one folder per source.
    pub local_dir: PathBuf,
    pub poll_interval_s: u64,
    /// How long after its round 1 a round 2 may come and still pair.
    pub r2_window_min: i64,
    /// A longer gap between rounds starts a new session.
    pub session_gap_min: i64,
    /// The server name files imported by hand (`etl-bot import`) are stored under.
    pub default_source: String,
    /// A file at least this old is complete on the first look.
    pub settle_s: u64,
    /// A younger file must stay unchanged this long before it is fetched.
    pub quiet_s: u64,
    /// The longest wait between retries of a source that fails (a game
    /// server whose SSH is down): retries wait 2 s, 4 s, 8 s, ... up to this.
    pub max_backoff_s: u64,
}

/// One `[[sources]]` entry: where a game server's stats files come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceConfig {
    /// The server's name; its rounds are stored under it.
    pub name: String,
    #[serde(flatten)]
    pub kind: SourceKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum SourceKind {
    /// The game server writes on this host.
    Local {
        path: PathBuf,
    },
    Ssh(SshSettings),
}

impl Default for Config {
    fn default() -> Self {
        Self {
            database_url: etl_store::DEFAULT_DATABASE_URL.to_owned(),
            ingest: IngestConfig::default(),
            sources: Vec::new(),
            commands: CommandsConfig::default(),
            discord: DiscordConfig::default(),
            session: SessionSettings::default(),
            health: HealthConfig::default(),
            metrics: MetricsConfig::default(),
            maintenance: MaintenanceConfig::default(),
        }
    }
}

impl Default for IngestConfig {
    fn default() -> Self {
        let defaults = etl_store::ImportOptions::default();
        Self {
            local_dir: PathBuf::from("stats"),
            poll_interval_s: 30,
            r2_window_min: defaults.round2_window_min,
            session_gap_min: defaults.session_gap_min,
            default_source: defaults.source,
            settle_s: 10,
            quiet_s: 1,
            max_backoff_s: 300,
        }
    }
}

/// `[health]`: the self-check of the running bot and its alerts to
/// `[discord] admin_channel_id`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealthConfig {
    /// Seconds between self-checks; 0 turns them (and so the alerts) off.
    pub interval_s: u64,
    /// A problem seen on this many consecutive checks is posted, once.
    pub alert_after_checks: u32,
    /// A posted problem absent from this many consecutive checks is posted
    /// as cleared, once.
    pub clear_after_checks: u32,
    /// Free space for `[ingest] local_dir` below this is a warning.
    pub disk_warning_mb: u64,
    /// ... and below this a problem.
    pub disk_problem_mb: u64,
    /// A database slower than this to answer is a warning.
    pub slow_database_ms: u64,
    /// This many failed imports in 24 h are a problem (one is a warning).
    pub failed_imports_problem: usize,
}

impl Default for HealthConfig {
    fn default() -> Self {
        let checks = etl_ops::HealthSettings::default();
        let policy = etl_ops::AlertPolicy::default();
        Self {
            interval_s: 60,
            alert_after_checks: policy.raise_after,
            clear_after_checks: policy.clear_after,
            disk_warning_mb: checks.disk_warning_mb,
            disk_problem_mb: checks.disk_problem_mb,
            slow_database_ms: checks.slow_database_ms,
            failed_imports_problem: checks.failed_imports_problem,
        }
    }
}

impl HealthConfig {
    pub fn settings(&self, stats_dir: &Path) -> etl_ops::HealthSettings {
        etl_ops::HealthSettings {
            stats_dir: stats_dir.to_path_buf(),
            disk_warning_mb: self.disk_warning_mb,
            disk_problem_mb: self.disk_problem_mb,
            slow_database_ms: self.slow_database_ms,
            failed_imports_problem: self.failed_imports_problem,
        }
    }

    pub fn policy(&self) -> etl_ops::AlertPolicy {
        etl_ops::AlertPolicy {
            raise_after: self.alert_after_checks,
            clear_after: self.clear_after_checks,
        }
    }
}

/// `[metrics]`: the Prometheus (OpenMetrics) endpoint, `GET /metrics`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsConfig {
    /// Off unless asked for.
    pub enabled: bool,
    pub listen: Listen,
}

/// `ADDRESS:PORT`, or only a port for `127.0.0.1:PORT` (a number, as
/// `ETL_METRICS__LISTEN=9187` arrives, or text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Listen {
    Port(u16),
    Address(String),
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            listen: Listen::Address("127.0.0.1:9187".to_owned()),
        }
    }
}

impl MetricsConfig {
    pub fn address(&self) -> anyhow::Result<std::net::SocketAddr> {
        let localhost = |port| std::net::SocketAddr::from(([127, 0, 0, 1], port));
        let listen = match &self.listen {
            Listen::Port(port) => return Ok(localhost(*port)),
            Listen::Address(text) => text.trim(),
        };
        if let Ok(port) = listen.parse::<u16>() {
            return Ok(localhost(port));
        }
        listen.parse().with_context(|| {
            format!("metrics.listen {listen:?} is not ADDRESS:PORT (e.g. 127.0.0.1:9187) or a port")
        })
    }
}

/// The top-level keys of the configuration.
const SECTIONS: &[&str] = &[
    "database_url",
    "ingest",
    "sources",
    "commands",
    "discord",
    "session",
    "health",
    "metrics",
    "maintenance",
];

impl Config {
    /// `path` is `--config`; without it `./etl.toml` is read when present.
    pub fn load(path: Option<&Path>, database_url: Option<&str>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match path {
            Some(path) => {
                if !path.is_file() {
                    anyhow::bail!("config file {} does not exist", path.display());
                }
                figment = figment.merge(Toml::file(path));
            }
            None => {
                let default = PathBuf::from("etl.toml");
                if default.is_file() {
                    figment = figment.merge(Toml::file(default));
                }
            }
        }
        // Other ETL_* variables (test switches like ETL_REQUIRE_PG) are not settings.
        let env = Env::prefixed("ETL_").split("__").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            SECTIONS
                .iter()
                .any(|section| key == *section || key.starts_with(&format!("{section}.")))
        });
        figment = figment.merge(env);
        if let Some(url) = database_url {
            figment = figment.merge(("database_url", url));
        }
        let config: Config = figment.extract().context("invalid configuration")?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> anyhow::Result<()> {
        self.session.machine_config().context("[session]")?;
        if self.ingest.poll_interval_s == 0 {
            anyhow::bail!("ingest.poll_interval_s must be at least 1");
        }
        if self.health.alert_after_checks == 0 || self.health.clear_after_checks == 0 {
            anyhow::bail!(
                "health.alert_after_checks and health.clear_after_checks must be at least 1"
            );
        }
        if self.metrics.enabled {
            self.metrics.address()?;
        }
        let mut names = std::collections::HashSet::new();
        for source in &self.sources {
            if source.name.trim().is_empty() {
                anyhow::bail!("a [[sources]] entry has an empty name");
            }
            if !names.insert(&source.name) {
                anyhow::bail!("two [[sources]] entries are named {:?}", source.name);
            }
        }
        Ok(())
    }

    /// What the commands follow: `[commands]`, and `[health]` for `health`.
    pub fn command_settings(&self) -> etl_commands::Settings {
        etl_commands::Settings {
            health: self.health.settings(&self.ingest.local_dir),
            ..self.commands.settings()
        }
    }

    pub fn import_options(&self) -> etl_store::ImportOptions {
        etl_store::ImportOptions {
            source: self.ingest.default_source.clone(),
            session_gap_min: self.ingest.session_gap_min,
            round2_window_min: self.ingest.r2_window_min,
            // Only the fetcher of `serve` queues round cards.
            announce: false,
        }
    }
}

/// `[maintenance]`: what the bot does by itself to stay healthy for months.
/// Backups go to `[commands] backup_dir`. Every interval 0 = off.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaintenanceConfig {
    /// Hours between backups (counted from the newest backup in backup_dir).
    pub backup_every_h: u64,
    /// Backups kept in backup_dir (the newest); 0 keeps them all.
    pub keep_backups: usize,
    /// Hours between VACUUM / ANALYZE runs (SQLite: writers wait meanwhile).
    pub vacuum_every_h: u64,
    /// Downloaded round files the store holds are deleted from
    /// `[ingest] local_dir` this many days after they were fetched.
    pub prune_downloads_after_days: u64,
    /// The programs PostgreSQL backups and restores run (bare names are
    /// looked up in PATH).
    pub pg_dump: PathBuf,
    pub psql: PathBuf,
}

impl Default for MaintenanceConfig {
    fn default() -> Self {
        Self {
            backup_every_h: 24,
            keep_backups: 7,
            vacuum_every_h: 168,
            prune_downloads_after_days: 0,
            pg_dump: PathBuf::from("pg_dump"),
            psql: PathBuf::from("psql"),
        }
    }
}
