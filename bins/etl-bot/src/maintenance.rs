//! The bot's own upkeep, on a schedule (`[maintenance]`): backups with
//! retention, VACUUM / ANALYZE, and pruning of downloaded files the store
//! holds. `etl-bot maintain` runs the same tasks once, now.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use etl_ingest::{PruneRules, prune_downloads};
use etl_store::{BackupFormat, Store};
use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;
use tracing::{info, warn};

use crate::config::{Config, MaintenanceConfig, SourceKind};

/// How often the bot looks for due tasks.
pub const CHECK_EVERY: Duration = Duration::from_secs(600);
/// A failed task is tried again after this long (or its interval, if shorter).
const RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Pruning is cheap and its threshold is in days: a few looks a day suffice.
const PRUNE_EVERY: Duration = Duration::from_secs(6 * 3600);
/// The first look after start waits this long, so startup work goes first.
const FIRST_CHECK_AFTER: Duration = Duration::from_secs(60);
/// When the last VACUUM ran, kept in the backup folder across restarts.
const STATE_FILE: &str = ".etl-maintenance.json";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Task {
    Backup,
    Vacuum,
    Prune,
}

impl Task {
    pub const ALL: [Task; 3] = [Task::Backup, Task::Vacuum, Task::Prune];

    pub fn name(self) -> &'static str {
        match self {
            Self::Backup => "backup",
            Self::Vacuum => "vacuum",
            Self::Prune => "prune",
        }
    }
}

/// The last backup the bot wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupDone {
    pub at: Timestamp,
    pub path: PathBuf,
    pub bytes: u64,
    pub rounds: i64,
    pub format: BackupFormat,
    /// Older backups deleted after it (retention).
    pub removed: usize,
}

/// The last prune of downloaded files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneDone {
    pub at: Timestamp,
    pub removed: usize,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    pub at: Timestamp,
    pub task: Task,
    pub error: String,
}

/// What maintenance did last, for the health checks (read it through
/// [`Maintenance::status`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MaintenanceStatus {
    pub last_backup: Option<BackupDone>,
    pub last_vacuum_at: Option<Timestamp>,
    pub last_prune: Option<PruneDone>,
    /// The last failure of any task; it stays after later successes (see
    /// `failures_in_a_row`).
    pub last_error: Option<TaskFailure>,
    /// Failed runs since the last successful one (0: all is well).
    pub failures_in_a_row: u32,
}

/// Runs the maintenance tasks: once ([`Maintenance::run_task`]) or on
/// schedule ([`Maintenance::run`]).
#[derive(Debug)]
pub struct Maintenance {
    store: Arc<Store>,
    settings: MaintenanceConfig,
    backup_dir: PathBuf,
    prune: Option<PruneRules>,
    status: watch::Sender<MaintenanceStatus>,
    /// When each task last ran, successful or not (in memory only).
    attempts: std::sync::Mutex<Vec<(Task, Timestamp)>>,
    /// Vacuum runs are counted from here when none was recorded.
    started: Timestamp,
}

impl Maintenance {
    pub fn new(store: Arc<Store>, config: &Config) -> Self {
        let settings = config.maintenance.clone();
        let backup_dir = config.commands.backup_dir.clone();
        let prune = (settings.prune_downloads_after_days > 0).then(|| PruneRules {
            local_dir: config.ingest.local_dir.clone(),
            older_than: Duration::from_secs(
                settings
                    .prune_downloads_after_days
                    .saturating_mul(24 * 3600),
            ),
            // A local source's folder is the game server's own: never pruned.
            protected: config
                .sources
                .iter()
                .filter_map(|source| match &source.kind {
                    SourceKind::Local { path } => Some(path.clone()),
                    SourceKind::Ssh(_) => None,
                })
                .collect(),
        });
        let status = MaintenanceStatus {
            last_vacuum_at: read_state(&backup_dir).last_vacuum,
            ..MaintenanceStatus::default()
        };
        Self {
            store,
            settings,
            backup_dir,
            prune,
            status: watch::Sender::new(status),
            attempts: std::sync::Mutex::new(Vec::new()),
            started: Timestamp::now(),
        }
    }

    /// The latest status; it changes after every task.
    pub fn status(&self) -> watch::Receiver<MaintenanceStatus> {
        self.status.subscribe()
    }

    /// The tasks `[maintenance]` switches on.
    pub fn enabled(&self) -> Vec<Task> {
        Task::ALL
            .into_iter()
            .filter(|task| self.interval(*task).is_some())
            .collect()
    }

    fn interval(&self, task: Task) -> Option<Duration> {
        let hours = |h: u64| Duration::from_secs(h.saturating_mul(3600));
        match task {
            Task::Backup => {
                (self.settings.backup_every_h > 0).then(|| hours(self.settings.backup_every_h))
            }
            Task::Vacuum => {
                (self.settings.vacuum_every_h > 0).then(|| hours(self.settings.vacuum_every_h))
            }
            Task::Prune => self.prune.as_ref().map(|_| PRUNE_EVERY),
        }
    }

    /// When the task last succeeded. Backups: the newest in the backup
    /// folder, whoever wrote it (the admin command, cron, an earlier run).
    fn last_success(&self, task: Task) -> Option<Timestamp> {
        let status = self.status.borrow();
        match task {
            Task::Backup => {
                let on_disk = etl_store::list_backups(&self.backup_dir)
                    .ok()
                    .and_then(|backups| backups.last().cloned())
                    .and_then(|b| jiff::tz::TimeZone::UTC.to_timestamp(b.name.taken_at).ok());
                on_disk.max(status.last_backup.as_ref().map(|b| b.at))
            }
            Task::Vacuum => Some(status.last_vacuum_at.unwrap_or(self.started)),
            Task::Prune => status.last_prune.as_ref().map(|p| p.at),
        }
    }

    fn last_attempt(&self, task: Task) -> Option<Timestamp> {
        self.attempts
            .lock()
            .ok()?
            .iter()
            .find(|(t, _)| *t == task)
            .map(|(_, at)| *at)
    }

    /// The enabled tasks whose interval has passed at `now` (a failed task
    /// waits an hour, or its interval if shorter, before the next try).
    pub fn due(&self, now: Timestamp) -> Vec<Task> {
        let since = |then: Option<Timestamp>| {
            then.map(|t| now.duration_since(t))
                .unwrap_or(SignedDuration::MAX)
        };
        self.enabled()
            .into_iter()
            .filter(|task| {
                let Some(every) = self.interval(*task) else {
                    return false;
                };
                let every = SignedDuration::try_from(every).unwrap_or(SignedDuration::MAX);
                let retry = SignedDuration::try_from(RETRY_AFTER)
                    .unwrap_or(SignedDuration::MAX)
                    .min(every);
                since(self.last_success(*task)) >= every && since(self.last_attempt(*task)) >= retry
            })
            .collect()
    }

    /// Runs one task now, whatever the schedule says; logs and records the
    /// outcome. The line says what was done.
    pub async fn run_task(&self, task: Task) -> anyhow::Result<String> {
        let now = Timestamp::now();
        if let Ok(mut attempts) = self.attempts.lock() {
            attempts.retain(|(t, _)| *t != task);
            attempts.push((task, now));
        }
        let outcome = match task {
            Task::Backup => self.backup(now).await,
            Task::Vacuum => self.vacuum(now).await,
            Task::Prune => self.prune(now).await,
        };
        match &outcome {
            Ok(done) => {
                info!(task = task.name(), "{done}");
                self.status.send_modify(|s| s.failures_in_a_row = 0);
            }
            Err(error) => {
                let error = format!("{error:#}");
                warn!(task = task.name(), %error, "maintenance task failed");
                self.status.send_modify(|s| {
                    s.failures_in_a_row = s.failures_in_a_row.saturating_add(1);
                    s.last_error = Some(TaskFailure {
                        at: now,
                        task,
                        error,
                    });
                });
            }
        }
        outcome
    }

    async fn backup(&self, now: Timestamp) -> anyhow::Result<String> {
        let keep = NonZeroUsize::new(self.settings.keep_backups);
        let (report, removed) = self
            .store
            .backup_and_prune(&self.backup_dir, &self.settings.pg_dump, keep)
            .await?;
        let line = format!(
            "backup written: {} ({}, {} bytes, {} rounds); {} older backup(s) deleted",
            report.path.display(),
            report.format.as_str(),
            report.bytes,
            report.rounds,
            removed.len()
        );
        self.status.send_modify(|s| {
            s.last_backup = Some(BackupDone {
                at: now,
                path: report.path,
                bytes: report.bytes,
                rounds: report.rounds,
                format: report.format,
                removed: removed.len(),
            });
        });
        Ok(line)
    }

    async fn vacuum(&self, now: Timestamp) -> anyhow::Result<String> {
        let before = self.store.database_size().await?;
        self.store.vacuum().await?;
        let after = self.store.database_size().await?;
        self.status.send_modify(|s| s.last_vacuum_at = Some(now));
        if let Err(error) = write_state(
            &self.backup_dir,
            &State {
                last_vacuum: Some(now),
            },
        ) {
            // The vacuum is done; only its date is not remembered.
            warn!(error = format!("{error:#}"), "cannot record the vacuum");
        }
        Ok(format!(
            "vacuum and analyze done: {before} bytes before, {after} after"
        ))
    }

    async fn prune(&self, now: Timestamp) -> anyhow::Result<String> {
        let Some(rules) = &self.prune else {
            anyhow::bail!("pruning is off: set [maintenance] prune_downloads_after_days");
        };
        let report = prune_downloads(&self.store, rules).await?;
        self.status.send_modify(|s| {
            s.last_prune = Some(PruneDone {
                at: now,
                removed: report.removed.len(),
                bytes: report.bytes,
            });
        });
        Ok(format!(
            "downloads pruned: {} file(s), {} bytes deleted from {}",
            report.removed.len(),
            report.bytes,
            rules.local_dir.display()
        ))
    }

    /// Looks every `check_every` (the first time after a minute at most) and
    /// runs the tasks that are due, one after the other, until `stop`.
    pub async fn run(self, check_every: Duration, mut stop: watch::Receiver<bool>) {
        let tasks: Vec<&str> = self.enabled().iter().map(|t| t.name()).collect();
        info!(?tasks, backup_dir = %self.backup_dir.display(), "maintenance scheduled");
        let mut wait = check_every.min(FIRST_CHECK_AFTER);
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                _ = stop.changed() => {}
            }
            if *stop.borrow() {
                return;
            }
            for task in self.due(Timestamp::now()) {
                if *stop.borrow() {
                    return;
                }
                // Failures are logged and kept in the status; the next look retries.
                let _ = self.run_task(task).await;
            }
            wait = check_every;
        }
    }
}

/// What is remembered across restarts (RFC 3339 times).
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct StateFile {
    last_vacuum: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    last_vacuum: Option<Timestamp>,
}

fn read_state(dir: &Path) -> State {
    let file: StateFile = std::fs::read(dir.join(STATE_FILE))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default();
    State {
        last_vacuum: file.last_vacuum.and_then(|t| t.parse().ok()),
    }
}

fn write_state(dir: &Path, state: &State) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(STATE_FILE);
    let partial = dir.join(format!("{STATE_FILE}.partial"));
    let file = StateFile {
        last_vacuum: state.last_vacuum.map(|t| t.to_string()),
    };
    std::fs::write(&partial, serde_json::to_vec(&file)?)
        .with_context(|| format!("cannot write {}", partial.display()))?;
    std::fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
