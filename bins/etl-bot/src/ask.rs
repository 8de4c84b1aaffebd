//! `etl-bot ask "<command line>"`: a command answered the way Discord would,
//! printed for a terminal.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use etl_bot::config::Config;
use etl_bot::sources;
use etl_commands::{BoxFuture, Caller, Context, SyncService, SyncSummary};
use etl_ingest::Monitor;
use tokio::sync::Mutex;

#[derive(Debug, clap::Args)]
pub struct AskArgs {
    /// The command as a Discord user types it: `"!player_stats Slomix 30d"` (the `!` is optional).
    line: String,
    /// Print the reply as JSON instead of text.
    #[arg(long)]
    json: bool,
    /// Answer as this Discord user (for `me` and `link`).
    #[arg(long = "as", value_name = "DISCORD_ID")]
    as_user: Option<String>,
    /// The time to answer at, `YYYY-MM-DDTHH:MM` on the server's clock (default: now).
    #[arg(long, value_name = "TIME")]
    now: Option<jiff::civil::DateTime>,
    /// Write the reply's attachments (PNG, CSV) into this folder.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

/// Offline, the `sync_*` commands fetch from the configured sources.
struct LocalSync {
    monitor: Mutex<Monitor>,
}

impl SyncService for LocalSync {
    fn sync(
        &self,
        from: jiff::civil::Date,
        to: jiff::civil::Date,
    ) -> BoxFuture<'_, Result<SyncSummary, String>> {
        Box::pin(async move {
            let mut monitor = self.monitor.lock().await;
            let report = monitor.sync_window(from, to).await;
            Ok(SyncSummary {
                imported: report.imported,
                failed: report.failed,
                errors: report.errors,
            })
        })
    }
}

pub async fn run(config: &Config, args: &AskArgs) -> anyhow::Result<ExitCode> {
    let store = Arc::new(crate::store_cmds::open(config).await?);
    let settings = config.command_settings();
    let now = match args.now {
        Some(now) => now,
        None => config.session.now()?,
    };
    let sync = if config.sources.is_empty() {
        None
    } else {
        let monitor = Monitor::new(
            Arc::clone(&store),
            sources::build(config),
            sources::monitor_config(config),
        )
        .await?;
        Some(LocalSync {
            monitor: Mutex::new(monitor),
        })
    };
    let ctx = Context {
        store: &store,
        settings: &settings,
        // The operator at the terminal is an admin.
        caller: Caller {
            discord_id: args.as_user.clone(),
            is_admin: true,
        },
        session: None,
        sync: sync.as_ref().map(|s| s as &dyn SyncService),
        ops: None,
        now,
    };
    let mut out = io::stdout().lock();
    match etl_commands::run(&ctx, &args.line).await {
        Ok(reply) => {
            if args.json {
                serde_json::to_writer_pretty(&mut out, &reply).map_err(io::Error::from)?;
                writeln!(out)?;
            } else {
                write!(out, "{}", reply.to_text())?;
            }
            if let Some(dir) = &args.out {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
                for attachment in &reply.attachments {
                    let path = dir.join(&attachment.filename);
                    std::fs::write(&path, &attachment.bytes)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    writeln!(out, "wrote {}", path.display())?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            drop(out);
            crate::report(&format!("{error}"));
            Ok(ExitCode::FAILURE)
        }
    }
}
