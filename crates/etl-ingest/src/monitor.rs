use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use etl_parser::FileKind;
use etl_store::{ImportOutcome, Pairing, Store};
use jiff::civil::Date;
use tokio::sync::{mpsc, watch};

use crate::source::unix_seconds;
use crate::{IngestError, RemoteFile, Source};

/// A source with the server name its rounds are stored under.
#[derive(Clone)]
pub struct NamedSource {
    pub name: String,
    pub source: Arc<dyn Source>,
}

impl std::fmt::Debug for NamedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamedSource")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
pub struct MonitorConfig {
    /// Fetched files are kept in `<local_dir>/<source name>/`.
    pub local_dir: PathBuf,
    /// A file whose modification time is at least this old is complete even on
    /// the first look.
    pub settle: Duration,
    /// A younger file must keep its size and modification time this long
    /// (across looks) and end with a complete line before it is imported.
    pub quiet: Duration,
    /// The longest wait between retries of a failing source or file.
    pub max_backoff: Duration,
    /// Queue every imported round for announcement in the import's own
    /// transaction ([`etl_store::ImportOptions::announce`]): set by a bot
    /// that posts rounds, so none is lost if it stops between the import
    /// and the post.
    pub announce: bool,
    /// With `announce`, only rounds whose file was written at most this long
    /// ago are queued: a backlog from nights the bot was away is imported
    /// without flooding the channel. `None`: whatever their age.
    pub announce_within: Option<Duration>,
}

impl MonitorConfig {
    pub fn new(local_dir: impl Into<PathBuf>) -> Self {
        Self {
            local_dir: local_dir.into(),
            settle: Duration::from_secs(10),
            quiet: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            announce: false,
            announce_within: None,
        }
    }
}

/// What the monitor tells the rest of the bot.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IngestEvent {
    /// A round was imported and committed.
    NewRound {
        source: String,
        file: String,
        round_id: i64,
        session_id: String,
        pairing: Pairing,
        /// From the file's modification time to the commit.
        latency: Duration,
        /// The file's modification time, for latencies measured later (the
        /// bot's file-to-post); `None` when the file system did not say.
        modified: Option<SystemTime>,
    },
    /// A complete file could not be read; it is recorded and not retried.
    Failed {
        source: String,
        file: String,
        error: String,
    },
    /// A complete file could not be stored (the database is away or busy);
    /// it is kept and tried again on a later poll.
    ImportDeferred {
        source: String,
        file: String,
        error: String,
    },
    /// A source failed; it is retried with backoff.
    SourceDown { source: String, error: String },
    /// A source answers again after failing.
    SourceUp { source: String },
}

/// What one poll did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollReport {
    pub imported: Vec<String>,
    pub failed: Vec<String>,
    /// Files seen but not yet complete (or waiting for a retry).
    pub waiting: usize,
    pub errors: Vec<String>,
}

/// What the monitor knows about one source, for health checks and metrics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SourceStatus {
    pub name: String,
    /// When a look at the source (a listing) last went through.
    pub last_success: Option<jiff::Timestamp>,
    /// The last listing or download that failed: when, and why.
    pub last_error: Option<(jiff::Timestamp, String)>,
    /// Failures since the last success; 0 while the source answers.
    pub consecutive_failures: u32,
    /// Files downloaded whole into the local folder.
    pub fetched: u64,
    /// Files imported as rounds.
    pub imported: u64,
    /// Complete files the store could not read (recorded, never retried).
    pub failed: u64,
}

impl SourceStatus {
    /// True while the last look at the source failed.
    pub fn is_failing(&self) -> bool {
        self.consecutive_failures > 0
    }
}

/// The monitor's per-source status, shared: every clone sees the same
/// numbers, so the health check and the metrics read what the poller writes
/// without waiting for it.
#[derive(Debug, Clone, Default)]
pub struct MonitorStatus {
    sources: Arc<Mutex<Vec<SourceStatus>>>,
}

impl MonitorStatus {
    fn new(sources: &[NamedSource]) -> Self {
        let sources = sources
            .iter()
            .map(|s| SourceStatus {
                name: s.name.clone(),
                ..SourceStatus::default()
            })
            .collect();
        Self {
            sources: Arc::new(Mutex::new(sources)),
        }
    }

    /// Every configured source as it is now, in configuration order.
    pub fn snapshot(&self) -> Vec<SourceStatus> {
        self.sources
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Changes the status of a configured source (others, like a stray folder
    /// found by `recover_local`, are not tracked).
    fn update(&self, source: &str, change: impl FnOnce(&mut SourceStatus)) {
        let mut sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(status) = sources.iter_mut().find(|s| s.name == source) {
            change(status);
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Look {
    size: u64,
    mtime: u64,
    /// When this size and mtime were first seen.
    since: Instant,
}

#[derive(Debug, Clone, Copy)]
struct Backoff {
    failures: u32,
    next_try: Instant,
}

impl Backoff {
    fn after_failure(previous: Option<Backoff>, max: Duration) -> Self {
        let failures = previous.map_or(1, |b| b.failures.saturating_add(1));
        let delay = Duration::from_secs(1u64 << failures.min(16)).min(max);
        Self {
            failures,
            next_try: Instant::now() + delay,
        }
    }

    fn ready(this: Option<&Backoff>) -> bool {
        this.is_none_or(|b| Instant::now() >= b.next_try)
    }
}

/// Notices new round files on every source, fetches each safely (temporary
/// file, size check, atomic rename) and imports it exactly once.
pub struct Monitor {
    store: Arc<Store>,
    sources: Vec<NamedSource>,
    config: MonitorConfig,
    /// Every name the store has seen (imported or recorded as failed): never fetched again.
    processed: HashSet<String>,
    looks: HashMap<(String, String), Look>,
    file_backoff: HashMap<(String, String), Backoff>,
    source_backoff: HashMap<String, Backoff>,
    events: Option<mpsc::UnboundedSender<IngestEvent>>,
    status: MonitorStatus,
}

impl std::fmt::Debug for Monitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Monitor")
            .field("sources", &self.sources)
            .field("processed", &self.processed.len())
            .finish_non_exhaustive()
    }
}

impl Monitor {
    /// Loads the names already processed from the store.
    pub async fn new(
        store: Arc<Store>,
        sources: Vec<NamedSource>,
        config: MonitorConfig,
    ) -> Result<Self, IngestError> {
        let processed = store.processed_names().await?.into_iter().collect();
        Ok(Self {
            store,
            status: MonitorStatus::new(&sources),
            sources,
            config,
            processed,
            looks: HashMap::new(),
            file_backoff: HashMap::new(),
            source_backoff: HashMap::new(),
            events: None,
        })
    }

    /// Events from now on (new rounds for the auto-post, failures for the log).
    pub fn subscribe(&mut self) -> mpsc::UnboundedReceiver<IngestEvent> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.events = Some(sender);
        receiver
    }

    /// Changes how long a young file must stay unchanged.
    pub fn set_quiet(&mut self, quiet: Duration) {
        self.config.quiet = quiet;
    }

    pub fn sources(&self) -> &[NamedSource] {
        &self.sources
    }

    /// A handle on the per-source status that stays valid after `run` takes
    /// the monitor.
    pub fn status(&self) -> MonitorStatus {
        self.status.clone()
    }

    fn emit(&self, event: IngestEvent) {
        if let Some(events) = &self.events {
            // Nobody listening is fine: the monitor's work is the import.
            let _ = events.send(event);
        }
    }

    /// Imports files already in the local folder that the store has not seen:
    /// a crash between download and import loses nothing.
    pub async fn recover_local(&mut self) -> Result<PollReport, IngestError> {
        let mut report = PollReport::default();
        let Ok(folders) = std::fs::read_dir(&self.config.local_dir) else {
            return Ok(report);
        };
        for folder in folders.flatten() {
            let source = folder.file_name().to_string_lossy().into_owned();
            let Ok(files) = std::fs::read_dir(folder.path()) else {
                continue;
            };
            for file in files.flatten() {
                let name = file.file_name().to_string_lossy().into_owned();
                if name.ends_with(".part") {
                    // A download that never finished.
                    let _ = std::fs::remove_file(file.path());
                    continue;
                }
                if !is_round_file(&name) || self.processed.contains(&name) {
                    continue;
                }
                let modified = file.metadata().and_then(|m| m.modified()).ok();
                self.import_local(&source, &name, &file.path(), modified, &mut report)
                    .await;
            }
        }
        Ok(report)
    }

    /// One look at every source; complete new files are fetched and imported.
    pub async fn poll_once(&mut self) -> PollReport {
        let mut report = PollReport::default();
        for source in self.sources.clone() {
            self.poll_source(&source, None, &mut report).await;
        }
        report
    }

    /// Fetches every round file whose name's date lies in `from..=to`, through
    /// the same safe path (for the `sync_*` commands).
    pub async fn sync_window(&mut self, from: Date, to: Date) -> PollReport {
        let mut report = PollReport::default();
        for source in self.sources.clone() {
            self.poll_source(&source, Some((from, to)), &mut report)
                .await;
        }
        report
    }

    /// Polls every `interval` while `enabled` is true, until `stop` turns true.
    pub async fn run(
        mut self,
        interval: Duration,
        mut enabled: watch::Receiver<bool>,
        mut stop: watch::Receiver<bool>,
    ) {
        loop {
            if *stop.borrow() {
                return;
            }
            if *enabled.borrow() {
                self.poll_once().await;
            }
            tokio::select! {
                () = tokio::time::sleep(interval) => {}
                _ = stop.changed() => {}
                _ = enabled.changed() => {}
            }
        }
    }

    async fn poll_source(
        &mut self,
        named: &NamedSource,
        window: Option<(Date, Date)>,
        report: &mut PollReport,
    ) {
        if !Backoff::ready(self.source_backoff.get(&named.name)) {
            report.waiting += 1;
            return;
        }
        let source = Arc::clone(&named.source);
        let listing = blocking(move || source.list()).await;
        let files = match listing {
            Ok(files) => {
                self.status.update(&named.name, |status| {
                    status.last_success = Some(jiff::Timestamp::now());
                    status.consecutive_failures = 0;
                });
                if self.source_backoff.remove(&named.name).is_some() {
                    self.emit(IngestEvent::SourceUp {
                        source: named.name.clone(),
                    });
                }
                files
            }
            Err(error) => {
                self.source_failed(named, &error, report);
                return;
            }
        };
        let mut files: Vec<RemoteFile> = files
            .into_iter()
            .filter(|f| !self.processed.contains(&f.name))
            .filter(|f| match (FileKind::classify(&f.name), window) {
                (Ok(FileKind::Round(file)), Some((from, to))) => (from..=to).contains(&file.date()),
                (Ok(FileKind::Round(_)), None) => true,
                _ => false,
            })
            .collect();
        // In time order, so a round 1 lands before its round 2.
        files.sort_by(|a, b| a.name.cmp(&b.name));
        let now = unix_seconds(SystemTime::now());
        for file in files {
            let key = (named.name.clone(), file.name.clone());
            let seen = self
                .looks
                .get(&key)
                .filter(|p| p.size == file.size && p.mtime == file.mtime);
            let look = Look {
                size: file.size,
                mtime: file.mtime,
                since: seen.map_or_else(Instant::now, |p| p.since),
            };
            self.looks.insert(key.clone(), look);
            let quiet = look.since.elapsed() >= self.config.quiet;
            let settled = now.saturating_sub(file.mtime) >= self.config.settle.as_secs();
            if !(quiet || settled) || !Backoff::ready(self.file_backoff.get(&key)) {
                report.waiting += 1;
                continue;
            }
            match self.fetch(named, &file, settled).await {
                Ok(Some(path)) => {
                    self.status
                        .update(&named.name, |status| status.fetched += 1);
                    self.file_backoff.remove(&key);
                    let modified =
                        SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(file.mtime));
                    self.import_local(&named.name, &file.name, &path, modified, report)
                        .await;
                    self.looks.remove(&key);
                }
                // It changed between listing and download, or is still being
                // written: look again next time.
                Ok(None) => report.waiting += 1,
                Err(error) => {
                    let backoff = Backoff::after_failure(
                        self.file_backoff.get(&key).copied(),
                        self.config.max_backoff,
                    );
                    self.file_backoff.insert(key, backoff);
                    report
                        .errors
                        .push(format!("{}: {}: {error}", named.name, file.name));
                    self.source_failed(named, &error, report);
                    // The connection is likely gone: leave the rest for the next poll.
                    return;
                }
            }
        }
    }

    fn source_failed(&mut self, named: &NamedSource, error: &IngestError, report: &mut PollReport) {
        let previous = self.source_backoff.get(&named.name).copied();
        self.source_backoff.insert(
            named.name.clone(),
            Backoff::after_failure(previous, self.config.max_backoff),
        );
        report.errors.push(format!("{}: {error}", named.name));
        self.status.update(&named.name, |status| {
            status.last_error = Some((jiff::Timestamp::now(), error.to_string()));
            status.consecutive_failures = status.consecutive_failures.saturating_add(1);
        });
        if previous.is_none() {
            self.emit(IngestEvent::SourceDown {
                source: named.name.clone(),
                error: error.to_string(),
            });
        }
    }

    /// Downloads to `<name>.part`, checks the size (and, for a young file, that
    /// it ends with a complete line), renames into place. `Ok(None)` when the
    /// file changed under us or is still being written.
    async fn fetch(
        &self,
        named: &NamedSource,
        file: &RemoteFile,
        settled: bool,
    ) -> Result<Option<PathBuf>, IngestError> {
        let folder = self.config.local_dir.join(&named.name);
        std::fs::create_dir_all(&folder)
            .map_err(|e| IngestError::io(format!("cannot create {}", folder.display()), e))?;
        let partial = folder.join(format!("{}.part", file.name));
        let destination = folder.join(&file.name);
        let source = Arc::clone(&named.source);
        let (name, target) = (file.name.clone(), partial.clone());
        let fetched = blocking(move || source.fetch(&name, &target)).await;
        if let Err(error) = fetched {
            // Never leave half a file behind (a full disk, a dropped connection).
            let _ = std::fs::remove_file(&partial);
            return Err(error);
        }
        let size = std::fs::metadata(&partial)
            .map_err(|e| IngestError::io(format!("cannot read {}", partial.display()), e))?
            .len();
        // The writer ends every line with a newline; a young file without one is
        // still being written (an old one is a cut file: the import records it).
        let whole_line = settled || ends_with_newline(&partial);
        if size != file.size || !whole_line {
            let _ = std::fs::remove_file(&partial);
            return Ok(None);
        }
        std::fs::rename(&partial, &destination).map_err(|e| {
            IngestError::io(format!("cannot move {} into place", partial.display()), e)
        })?;
        Ok(Some(destination))
    }

    async fn import_local(
        &mut self,
        source: &str,
        name: &str,
        path: &Path,
        modified: Option<SystemTime>,
        report: &mut PollReport,
    ) {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                report
                    .errors
                    .push(format!("{source}: cannot read {}: {error}", path.display()));
                return;
            }
        };
        // A file from the future (a clock ahead) counts as new.
        let age = modified.and_then(|m| m.elapsed().ok());
        let recent = match (self.config.announce_within, age) {
            (Some(limit), Some(age)) => age <= limit,
            _ => true,
        };
        let options = etl_store::ImportOptions {
            source: source.to_owned(),
            announce: self.config.announce && recent,
            ..self.store.options().clone()
        };
        match self.store.import_file_with(&options, name, &bytes).await {
            Ok(ImportOutcome::Imported {
                file,
                round_id,
                session_id,
                pairing,
            }) => {
                self.processed.insert(name.to_owned());
                self.status.update(source, |status| status.imported += 1);
                report.imported.push(file.clone());
                let latency = modified.and_then(|m| m.elapsed().ok()).unwrap_or_default();
                self.emit(IngestEvent::NewRound {
                    source: source.to_owned(),
                    file,
                    round_id,
                    session_id,
                    pairing,
                    latency,
                    modified,
                });
            }
            Ok(ImportOutcome::Failed { error, .. } | ImportOutcome::Refused { error, .. }) => {
                // Recorded by the store; a complete file that cannot be read is not retried.
                self.processed.insert(name.to_owned());
                self.status.update(source, |status| status.failed += 1);
                report.failed.push(error.clone());
                self.emit(IngestEvent::Failed {
                    source: source.to_owned(),
                    file: name.to_owned(),
                    error,
                });
            }
            Ok(_) => {
                self.processed.insert(name.to_owned());
            }
            // The database is away: keep the file, try again on a later poll.
            Err(error) => {
                report.errors.push(format!("{source}: {name}: {error}"));
                self.emit(IngestEvent::ImportDeferred {
                    source: source.to_owned(),
                    file: name.to_owned(),
                    error: error.to_string(),
                });
            }
        }
    }
}

fn ends_with_newline(path: &Path) -> bool {
    use std::io::{Read, Seek, SeekFrom};
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let mut last = [0u8; 1];
    file.seek(SeekFrom::End(-1)).is_ok() && file.read_exact(&mut last).is_ok() && last == *b"\n"
}

fn is_round_file(name: &str) -> bool {
    matches!(FileKind::classify(name), Ok(FileKind::Round(_)))
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, IngestError> + Send + 'static,
) -> Result<T, IngestError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| IngestError::Task(e.to_string()))?
}
