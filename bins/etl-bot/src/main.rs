//! `etl-bot`: the operator CLI and (later) the Discord bot.

mod ask;
mod backup_cmds;
mod check_config;
mod parse;
mod simulate;
mod store_cmds;
mod sync;

use etl_bot::config;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "etl-bot",
    version,
    about = "ET:Legacy stats: parse, store and serve round files"
)]
struct Cli {
    /// Configuration file (default: ./etl.toml when present).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Database URL: postgres://… or sqlite://PATH (else ETL_DATABASE_URL, else
    /// database_url in the config, else sqlite://etl.db).
    #[arg(long, global = true, value_name = "URL")]
    db: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Parse stats files and print them as tables or JSON Lines.
    Parse(parse::ParseArgs),
    /// Generate simulated stopwatch nights (round files + truth.json) for tests and benchmarks.
    Simulate(simulate::SimulateArgs),
    /// Import round files (and folders of them) into the database.
    Import(store_cmds::ImportArgs),
    /// Print every session, round and player as JSON.
    Export {
        /// JSON (the only format for now).
        #[arg(long)]
        json: bool,
    },
    /// Database commands.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Fetch new round files from the configured sources and import them.
    Sync(sync::SyncArgs),
    /// Run one command the way a Discord user would type it and print the reply.
    Ask(ask::AskArgs),
    /// Run the Discord bot: commands, automatic posts, voice-driven sessions.
    Serve,
    /// Check the configuration and say exactly what is missing or wrong.
    CheckConfig,
    /// Write a backup of the database now (and optionally keep only the newest N).
    Backup(backup_cmds::BackupArgs),
    /// Replace the database's data with a backup's (stop the bot first).
    Restore(backup_cmds::RestoreArgs),
    /// Run the [maintenance] tasks once, now: backup, vacuum, prune (for cron).
    Maintain(backup_cmds::MaintainArgs),
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Backend, row counts and the range of rounds stored.
    Info,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to stderr; RUST_LOG refines (default: info for the bot's crates).
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,etl_bot=info,etl_ingest=info")
            }),
        )
        .init();
    let result = match &cli.command {
        Command::Parse(args) => parse::run(args),
        Command::Simulate(args) => simulate::run(args),
        command => run_with_store(&cli, command),
    };
    match result {
        Ok(code) => code,
        // A reader that stops early (`| head`) is not an error worth reporting.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            report(&format!("error: {error:#}"));
            ExitCode::FAILURE
        }
    }
}

fn run_with_store(cli: &Cli, command: &Command) -> anyhow::Result<ExitCode> {
    let config = config::Config::load(cli.config.as_deref(), cli.db.as_deref())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match command {
            Command::Import(args) => store_cmds::import(&config, args).await,
            Command::Export { .. } => store_cmds::export(&config).await,
            Command::Db {
                command: DbCommand::Info,
            } => store_cmds::info(&config).await,
            Command::Migrate => store_cmds::migrate(&config).await,
            Command::Sync(args) => sync::run(&config, args).await,
            Command::Ask(args) => ask::run(&config, args).await,
            Command::Serve => etl_bot::discord::serve(config.clone())
                .await
                .map(|()| ExitCode::SUCCESS),
            Command::CheckConfig => check_config::run(&config).await,
            Command::Backup(args) => backup_cmds::backup(&config, args).await,
            Command::Restore(args) => backup_cmds::restore(&config, args).await,
            Command::Maintain(args) => backup_cmds::maintain(&config, args).await,
            Command::Parse(_) | Command::Simulate(_) => unreachable_parse(),
        }
    })
}

fn unreachable_parse() -> anyhow::Result<ExitCode> {
    anyhow::bail!("parse needs no database")
}

/// Operator-facing messages go to stderr; stdout carries only the command's output.
#[allow(clippy::print_stderr)]
fn report(message: &str) {
    eprintln!("{message}");
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
