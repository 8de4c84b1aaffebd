#![doc = include_str!("../README.md")]

pub mod args;
mod cards;
mod commands;
mod error;
pub mod registry;
pub mod reply;
pub mod stats;

use std::future::Future;
use std::pin::Pin;

pub use cards::round_card;
pub use commands::ops::alert_card;
pub use error::CommandError;
pub use registry::{ArgKind, ArgSpec, COMMANDS, Category, CommandSpec};
pub use reply::{Align, Attachment, Field, Page, Reply, ReplyBuilder, Table};

/// A boxed future, for the traits the bot implements.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Starts and ends stats sessions; the Discord bot implements it.
pub trait SessionController: Send + Sync {
    /// A line about the current state (running since when, players in voice, ...).
    fn status(&self) -> BoxFuture<'_, SessionState>;
    fn start(&self) -> BoxFuture<'_, Result<String, String>>;
    fn end(&self) -> BoxFuture<'_, Result<String, String>>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    pub monitoring: bool,
    pub since: Option<String>,
    pub details: Vec<(String, String)>,
}

/// Fetches and imports the round files of a date window; the fetcher implements it.
pub trait SyncService: Send + Sync {
    fn sync(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'_, Result<SyncSummary, String>>;
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncSummary {
    pub imported: Vec<String>,
    pub failed: Vec<String>,
    pub errors: Vec<String>,
}

/// What only the running bot knows about itself: the full health report
/// (sources and gateway included) and its metrics. The bot implements it.
pub trait Operations: Send + Sync {
    fn health(&self) -> BoxFuture<'_, etl_ops::HealthReport>;
    fn metrics(&self) -> etl_ops::MetricsSummary;
}

/// Who asked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    pub discord_id: Option<String>,
    pub is_admin: bool,
}

/// Settings the commands follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Rounds a player must have played in the window before he is ranked.
    pub min_rounds: usize,
    /// Where `backup_database` writes.
    pub backup_dir: std::path::PathBuf,
    /// What `health` checks against when the bot is not running.
    pub health: etl_ops::HealthSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            min_rounds: 5,
            backup_dir: std::path::PathBuf::from("backups"),
            health: etl_ops::HealthSettings::default(),
        }
    }
}

/// Everything a command may use.
pub struct Context<'a> {
    pub store: &'a etl_store::Store,
    pub settings: &'a Settings,
    pub caller: Caller,
    pub session: Option<&'a dyn SessionController>,
    pub sync: Option<&'a dyn SyncService>,
    /// The running bot's health and metrics; `None` outside it (`etl-bot ask`).
    pub ops: Option<&'a dyn Operations>,
    /// The server's local time now (windows like `today` are relative to it).
    pub now: jiff::civil::DateTime,
}

impl std::fmt::Debug for Context<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("caller", &self.caller)
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// Runs one command line, as a user would type it (`!player_stats Slomix 30d`,
/// with or without the `!`).
pub async fn run(ctx: &Context<'_>, line: &str) -> Result<Reply, CommandError> {
    let tokens = args::tokenize(line.trim());
    let Some((name, rest)) = tokens.split_first() else {
        return run_spec(
            ctx,
            registry::find("help").ok_or_else(|| CommandError::Unavailable("no help".into()))?,
            &[],
        )
        .await;
    };
    let Some(spec) = registry::find(name) else {
        let names = COMMANDS
            .iter()
            .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()));
        return Err(CommandError::UnknownCommand {
            name: name.trim_start_matches('!').to_owned(),
            suggestions: args::closest(name.trim_start_matches('!'), names, 3),
        });
    };
    run_spec(ctx, spec, rest).await
}

/// Runs a command already looked up (slash commands arrive this way).
pub async fn run_spec(
    ctx: &Context<'_>,
    spec: &'static CommandSpec,
    tokens: &[String],
) -> Result<Reply, CommandError> {
    if spec.admin && !ctx.caller.is_admin {
        return Err(CommandError::NotAllowed(spec.name.to_owned()));
    }
    commands::dispatch(ctx, &commands::Call { spec, tokens }).await
}
