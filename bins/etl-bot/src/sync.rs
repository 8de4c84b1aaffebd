//! `etl-bot sync`: poll the configured sources and import what is new.

use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use etl_bot::config::Config;
use etl_bot::sources;
use etl_ingest::{IngestEvent, Monitor, PollReport};
use jiff::civil::Date;
use tokio::sync::watch;

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// One poll of every source, then exit (otherwise poll until Ctrl-C).
    #[arg(long)]
    once: bool,
    /// Fetch every round file dated from this day (YYYY-MM-DD) on, then exit.
    #[arg(long, value_name = "DATE")]
    from: Option<Date>,
    /// ... up to this day (default: no end).
    #[arg(long, value_name = "DATE", requires = "from")]
    to: Option<Date>,
}

pub async fn run(config: &Config, args: &SyncArgs) -> anyhow::Result<ExitCode> {
    let named = sources::build(config);
    if named.is_empty() {
        anyhow::bail!("no [[sources]] in the configuration: nothing to sync");
    }
    let store = Arc::new(crate::store_cmds::open(config).await?);
    let mut monitor = Monitor::new(store, named, sources::monitor_config(config))
        .await
        .context("cannot start the monitor")?;
    let events = monitor.subscribe();
    let printer = tokio::spawn(print_events(events));

    let mut total = monitor.recover_local().await?;
    if let Some(from) = args.from {
        let to = args.to.unwrap_or(Date::MAX);
        merge(&mut total, monitor.sync_window(from, to).await);
    } else if args.once {
        let first = monitor.poll_once().await;
        let young = first.waiting > 0;
        merge(&mut total, first);
        // A file still settling gets its second look now rather than next time.
        if young {
            tokio::time::sleep(
                Duration::from_secs(config.ingest.quiet_s) + Duration::from_millis(100),
            )
            .await;
            merge(&mut total, monitor.poll_once().await);
        }
    } else {
        let (_enabled_tx, enabled) = watch::channel(true);
        let (stop_tx, stop) = watch::channel(false);
        let interval = Duration::from_secs(config.ingest.poll_interval_s);
        let watcher = tokio::spawn(monitor.run(interval, enabled, stop));
        tokio::signal::ctrl_c().await?;
        let _ = stop_tx.send(true);
        watcher.await?;
        printer.await?;
        return Ok(ExitCode::SUCCESS);
    }
    drop(monitor);
    printer.await?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "imported {}, failed {}, waiting {}, errors {}",
        total.imported.len(),
        total.failed.len(),
        total.waiting,
        total.errors.len()
    )?;
    for error in total.failed.iter().chain(&total.errors) {
        writeln!(out, "  {error}")?;
    }
    Ok(if total.errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn merge(total: &mut PollReport, report: PollReport) {
    total.imported.extend(report.imported);
    total.failed.extend(report.failed);
    total.errors.extend(report.errors);
    total.waiting = report.waiting;
}

async fn print_events(mut events: tokio::sync::mpsc::UnboundedReceiver<IngestEvent>) {
    while let Some(event) = events.recv().await {
        let line = match event {
            IngestEvent::NewRound {
                source,
                file,
                session_id,
                pairing,
                latency,
                ..
            } => format!(
                "imported {file} from {source} (session {session_id}, {}) {:.1} s after it was written",
                pairing.as_str(),
                latency.as_secs_f64()
            ),
            IngestEvent::Failed {
                source,
                file,
                error,
            } => format!("failed {file} from {source}: {error}"),
            IngestEvent::SourceDown { source, error } => {
                format!("source {source} is down: {error}")
            }
            IngestEvent::SourceUp { source } => format!("source {source} is back"),
            _ => continue,
        };
        let _ = writeln!(io::stdout().lock(), "{line}");
    }
}
