//! `backup`, `restore`, `maintain`: the database's safety from the command line.

use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use etl_store::{BackendKind, BackupFormat, BackupInfo, RestoreOptions, Store, StoreError};

use etl_bot::config::Config;
use etl_bot::maintenance::{Maintenance, Task};

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// Folder to write into (default: [commands] backup_dir).
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// Then delete all but the newest N backups in that folder (only files
    /// named etl-YYYYMMDD-HHMMSS.{db,sql,json}).
    #[arg(long, value_name = "N")]
    keep: Option<NonZeroUsize>,
    /// A logical JSON export of every table instead (restores into
    /// PostgreSQL and SQLite alike).
    #[arg(long)]
    logical: bool,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// The backup: a SQLite file (.db), a pg_dump file (.sql) or a logical
    /// JSON export (.json), as `etl-bot backup` writes them.
    backup: PathBuf,
    /// Replace the database's data. Without it, only say what would happen.
    #[arg(long)]
    yes: bool,
    /// Restore although other connections use the database. Never under a
    /// running bot: it keeps what it has read and would not see the restore.
    #[arg(long)]
    force: bool,
    /// Do not back up the current database first.
    #[arg(long)]
    no_backup_first: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TaskArg {
    Backup,
    Vacuum,
    Prune,
}

#[derive(Debug, clap::Args)]
pub struct MaintainArgs {
    /// Run only this task (repeatable). Default: every task [maintenance]
    /// switches on, whatever their schedule.
    #[arg(long, value_enum, value_name = "TASK")]
    only: Vec<TaskArg>,
}

fn size(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes >= 1024 * 1024 {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{bytes} bytes")
    }
}

pub async fn backup(config: &Config, args: &BackupArgs) -> anyhow::Result<ExitCode> {
    let store = crate::store_cmds::open(config).await?;
    let dir = args.dir.as_ref().unwrap_or(&config.commands.backup_dir);
    let (report, removed) = if args.logical {
        let report = store.logical_backup_into(dir).await?;
        let removed = match args.keep {
            Some(keep) => etl_store::prune_backups(dir, keep)?,
            None => Vec::new(),
        };
        (report, removed)
    } else {
        store
            .backup_and_prune(dir, &config.maintenance.pg_dump, args.keep)
            .await?
    };
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "backup written: {} ({}, {}, {} rounds, read back)",
        report.path.display(),
        report.format.as_str(),
        size(report.bytes),
        report.rounds
    )?;
    for path in &removed {
        writeln!(out, "deleted older backup {}", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn describe(info: &BackupInfo) -> String {
    format!(
        "{} ({}, {}, {} rounds{})",
        info.path.display(),
        info.format.as_str(),
        size(info.bytes),
        info.rounds,
        info.taken_at
            .as_ref()
            .map(|t| format!(", taken {t}"))
            .unwrap_or_default()
    )
}

/// What the target database holds now, in one line.
async fn current_contents(config: &Config) -> anyhow::Result<Option<String>> {
    let url = &config.database_url;
    if let Some(path) = etl_store::sqlite_path(url)
        && !std::path::Path::new(path).exists()
    {
        return Ok(None);
    }
    let store = match Store::connect(url, config.import_options()).await {
        Ok(store) => store,
        // A damaged SQLite file is what a restore is for; PostgreSQL must answer.
        Err(error) if etl_store::sqlite_path(url).is_some() => {
            return Ok(Some(format!("not readable ({error})")));
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("cannot connect to {}", etl_store::redact(url)));
        }
    };
    Ok(Some(match store.info().await {
        Ok(info) => {
            let count = |table: &str| {
                info.counts
                    .iter()
                    .find(|(t, _)| *t == table)
                    .map_or(0, |(_, n)| *n)
            };
            format!(
                "{} rounds in {} sessions, last round {}",
                count("rounds"),
                count("sessions"),
                info.last_round.as_deref().unwrap_or("-")
            )
        }
        Err(error) => format!("not readable as an etl-stats database ({error})"),
    }))
}

pub async fn restore(config: &Config, args: &RestoreArgs) -> anyhow::Result<ExitCode> {
    let url = &config.database_url;
    let target_kind = if etl_store::sqlite_path(url).is_some() {
        BackendKind::Sqlite
    } else {
        BackendKind::Postgres
    };
    let info = etl_store::inspect_backup(&args.backup).await?;
    let contents = current_contents(config).await?;
    let in_use = etl_store::database_in_use(url).await?;
    // A SQLite file replaced by a SQLite backup is kept beside it anyway.
    let file_swap = target_kind == BackendKind::Sqlite && info.format == BackupFormat::SqliteFile;
    let backup_first = !args.no_backup_first && !file_swap && contents.is_some();

    let mut out = io::stdout().lock();
    writeln!(out, "backup:   {}", describe(&info))?;
    writeln!(
        out,
        "database: {}: {}",
        etl_store::redact(url),
        contents.as_deref().unwrap_or("does not exist yet")
    )?;
    writeln!(
        out,
        "restore:  replaces every etl-stats table of the database with the backup's"
    )?;
    if file_swap && contents.is_some() {
        writeln!(
            out,
            "          (the current file is kept beside it as NAME.before-restore-STAMP)"
        )?;
    }
    if backup_first {
        writeln!(
            out,
            "first:    the current database is backed up to {}",
            config.commands.backup_dir.display()
        )?;
    }
    if in_use {
        writeln!(
            out,
            "problem:  the database is in use by other connections: stop the bot first \
             (systemctl stop etl-bot){}",
            if args.force {
                "; going on anyway (--force)"
            } else {
                ""
            }
        )?;
        if !args.force {
            return Ok(ExitCode::FAILURE);
        }
    }
    if !args.yes {
        writeln!(out, "nothing changed: run again with --yes to restore")?;
        return Ok(ExitCode::from(2));
    }
    drop(out);

    if backup_first {
        let store = crate::store_cmds::open(config).await?;
        let safety = store
            .backup_with(&config.commands.backup_dir, &config.maintenance.pg_dump)
            .await
            .context(
                "the backup of the current database failed (skip it with --no-backup-first)",
            )?;
        writeln!(
            io::stdout().lock(),
            "backed up the current database to {}",
            safety.path.display()
        )?;
    }
    let mut options = RestoreOptions::default();
    options.psql = config.maintenance.psql.clone();
    options.ignore_open_connections = args.force;
    let report = match etl_store::restore(url, &args.backup, &options).await {
        Err(StoreError::InUse(what)) => {
            anyhow::bail!("{what} is in use by other connections: stop the bot first (or --force)")
        }
        other => other?,
    };
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "restored {} rounds into {}",
        report.rounds,
        etl_store::redact(url)
    )?;
    if let Some(previous) = &report.previous_file {
        writeln!(
            out,
            "the replaced database file is kept as {}",
            previous.display()
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub async fn maintain(config: &Config, args: &MaintainArgs) -> anyhow::Result<ExitCode> {
    let store = Arc::new(crate::store_cmds::open(config).await?);
    let maintenance = Maintenance::new(store, config);
    let tasks: Vec<Task> = if args.only.is_empty() {
        maintenance.enabled()
    } else {
        args.only
            .iter()
            .map(|task| match task {
                TaskArg::Backup => Task::Backup,
                TaskArg::Vacuum => Task::Vacuum,
                TaskArg::Prune => Task::Prune,
            })
            .collect()
    };
    if tasks.is_empty() {
        writeln!(
            io::stdout().lock(),
            "no maintenance task is switched on in [maintenance]"
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut failed = false;
    for task in tasks {
        let line = match maintenance.run_task(task).await {
            Ok(done) => done,
            Err(error) => {
                failed = true;
                format!("{} failed: {error:#}", task.name())
            }
        };
        writeln!(io::stdout().lock(), "{line}")?;
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
