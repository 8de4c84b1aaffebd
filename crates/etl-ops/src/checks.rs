//! The checks: the database, the last import and failed imports (from the
//! store), the disk of the stats folder, each source (from the monitor) and
//! the gateway (from the bot).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use etl_ingest::SourceStatus;
use etl_store::Store;
use etl_store::models::ProcessedFile;
use jiff::Timestamp;

use crate::gateway::GatewayState;
use crate::text::{ago, bytes, latency, since, utc};
use crate::{Check, HealthSettings, Status};

/// How many failed imports one check reads at most; more in a day is "at least".
const FAILED_READ_LIMIT: usize = 500;
const DAY: Duration = Duration::from_secs(24 * 3600);

/// The database (how long reading the last import took), the last imported
/// round and the failed imports of the last 24 h.
pub async fn store_checks(store: &Store, settings: &HealthSettings, now: Timestamp) -> Vec<Check> {
    let started = Instant::now();
    let last = store.recent_imports(1).await;
    let took = started.elapsed();
    let backend = match store.backend() {
        etl_store::BackendKind::Postgres => "PostgreSQL",
        etl_store::BackendKind::Sqlite => "SQLite",
    };
    let last = match last {
        Ok(files) => files.into_iter().next(),
        Err(error) => {
            let unknown = "not known: the database did not answer";
            return vec![
                Check::new(
                    "database",
                    "Database",
                    Status::Problem,
                    format!("{backend} does not answer: {error}"),
                ),
                Check::new("last_import", "Last round", Status::Warning, unknown),
                Check::new("failed_imports", "Failed imports", Status::Warning, unknown),
            ];
        }
    };
    let slow = Duration::from_millis(settings.slow_database_ms);
    let database = if took > slow {
        Check::new(
            "database",
            "Database",
            Status::Warning,
            format!(
                "{backend} answered in {} (slower than {})",
                latency(took),
                latency(slow)
            ),
        )
    } else {
        Check::new(
            "database",
            "Database",
            Status::Ok,
            format!("{backend} answered in {}", latency(took)),
        )
    };
    let failed = match store.failed_imports(FAILED_READ_LIMIT).await {
        Ok(files) => failed_check(&files, settings, now),
        Err(error) => Check::new(
            "failed_imports",
            "Failed imports",
            Status::Warning,
            format!("not known: {error}"),
        ),
    };
    vec![database, last_import_check(last.as_ref(), now), failed]
}

/// `processed_at` is the importer's clock in UTC (`2025-11-20T08:00:00Z`).
fn processed_at(file: &ProcessedFile) -> Option<Timestamp> {
    file.processed_at.parse().ok()
}

fn last_import_check(last: Option<&ProcessedFile>, now: Timestamp) -> Check {
    let Some(file) = last else {
        return Check::new(
            "last_import",
            "Last round",
            Status::Warning,
            "no round file imported yet",
        );
    };
    let when = match processed_at(file) {
        Some(at) => format!("{} ({} ago)", utc(at), ago(since(at, now))),
        None => file.processed_at.clone(),
    };
    Check::new(
        "last_import",
        "Last round",
        Status::Ok,
        format!("{} imported {when}", file.file_name),
    )
}

/// `files` newest first, as the store lists them.
pub(crate) fn failed_check(
    files: &[ProcessedFile],
    settings: &HealthSettings,
    now: Timestamp,
) -> Check {
    let recent: Vec<&ProcessedFile> = files
        .iter()
        .filter(|f| processed_at(f).is_some_and(|at| since(at, now) < DAY && at <= now))
        .collect();
    let Some(latest) = recent.first() else {
        return Check::new(
            "failed_imports",
            "Failed imports",
            Status::Ok,
            "none in the last 24 h",
        );
    };
    let count = if recent.len() >= FAILED_READ_LIMIT {
        format!("at least {}", recent.len())
    } else {
        recent.len().to_string()
    };
    let status = if recent.len() >= settings.failed_imports_problem.max(1) {
        Status::Problem
    } else {
        Status::Warning
    };
    let reason = latest.error.as_deref().unwrap_or("no reason recorded");
    Check::new(
        "failed_imports",
        "Failed imports",
        status,
        format!(
            "{count} in the last 24 h; latest {}: {}",
            latest.file_name,
            first_line(reason)
        ),
    )
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text).trim()
}

/// Free space on the disk that holds the stats folder (or, before its first
/// file, the nearest folder above it that exists).
pub fn disk_check(settings: &HealthSettings) -> Check {
    let folder = existing_folder(&settings.stats_dir);
    let stats = match rustix::fs::statvfs(&folder) {
        Ok(stats) => stats,
        Err(error) => {
            return Check::new(
                "disk",
                "Disk",
                Status::Warning,
                format!("cannot measure {}: {error}", folder.display()),
            );
        }
    };
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    let total = stats.f_blocks.saturating_mul(stats.f_frsize);
    disk_verdict(&settings.stats_dir, free, total, settings)
}

pub(crate) fn disk_verdict(dir: &Path, free: u64, total: u64, settings: &HealthSettings) -> Check {
    const MB: u64 = 1024 * 1024;
    let problem = settings.disk_problem_mb.saturating_mul(MB);
    let warning = settings.disk_warning_mb.saturating_mul(MB);
    let percent = if total == 0 {
        0.0
    } else {
        free as f64 * 100.0 / total as f64
    };
    let seen = format!(
        "{} free of {} ({percent:.0}%) for {}",
        bytes(free),
        bytes(total),
        dir.display()
    );
    let (status, detail) = if free < problem {
        (Status::Problem, format!("{seen}: below {}", bytes(problem)))
    } else if free < warning {
        (Status::Warning, format!("{seen}: below {}", bytes(warning)))
    } else {
        (Status::Ok, seen)
    };
    Check::new("disk", "Disk", status, detail)
}

fn existing_folder(dir: &Path) -> PathBuf {
    dir.ancestors()
        .find(|p| !p.as_os_str().is_empty() && p.is_dir())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// One check per source: a source whose last look failed is a problem.
pub fn source_checks(sources: &[SourceStatus], now: Timestamp) -> Vec<Check> {
    if sources.is_empty() {
        return vec![Check::new(
            "sources",
            "Sources",
            Status::Warning,
            "no [[sources]] configured: rounds are not fetched",
        )];
    }
    sources.iter().map(|s| source_check(s, now)).collect()
}

fn source_check(source: &SourceStatus, now: Timestamp) -> Check {
    let key = format!("source:{}", source.name);
    let title = format!("Source {}", source.name);
    let counts = format!(
        "{} fetched, {} imported, {} failed since start",
        source.fetched, source.imported, source.failed
    );
    let last_success = source.last_success.map_or_else(
        || "never answered since start".to_owned(),
        |at| format!("last answered {} ago", ago(since(at, now))),
    );
    if source.is_failing() {
        let error = source.last_error.as_ref().map_or_else(
            || "no reason recorded".to_owned(),
            |(at, error)| format!("{} ago: {}", ago(since(*at, now)), first_line(error)),
        );
        return Check::new(
            key,
            title,
            Status::Problem,
            format!(
                "failing ({} in a row), last {error}; {last_success}",
                source.consecutive_failures
            ),
        );
    }
    if source.last_success.is_none() {
        return Check::new(
            key,
            title,
            Status::Ok,
            "not polled yet: the fetcher polls while monitoring is on",
        );
    }
    Check::new(key, title, Status::Ok, format!("{last_success}; {counts}"))
}

/// A round card waiting this long means Discord does not take posts.
const CARDS_SLOW: Duration = Duration::from_secs(10 * 60);
const CARDS_STUCK: Duration = Duration::from_secs(60 * 60);

/// The round cards the bot owes: a warning when one waits for more than ten
/// minutes or one was given up in the last day, a problem past an hour.
pub async fn cards_check(store: &Store, now: Timestamp) -> Check {
    let day_ago = now
        .checked_sub(jiff::SignedDuration::from_secs(24 * 3600))
        .unwrap_or(now);
    match store.announcement_backlog(day_ago).await {
        Ok(backlog) => cards_verdict(&backlog, now),
        Err(error) => Check::new(
            "round_cards",
            "Round cards",
            Status::Warning,
            format!("not known: {error}"),
        ),
    }
}

pub(crate) fn cards_verdict(backlog: &etl_store::AnnouncementBacklog, now: Timestamp) -> Check {
    let waited = backlog.oldest_waiting.map(|at| since(at, now));
    let mut status = match waited {
        Some(waited) if waited > CARDS_STUCK => Status::Problem,
        Some(waited) if waited > CARDS_SLOW => Status::Warning,
        _ => Status::Ok,
    };
    let mut text = match (backlog.waiting, waited) {
        (0, _) | (_, None) => "none waiting".to_owned(),
        (1, Some(waited)) => format!("1 waiting for {}", ago(waited)),
        (n, Some(waited)) => format!("{n} waiting, the oldest for {}", ago(waited)),
    };
    if status != Status::Ok {
        text.push_str(": Discord does not take them (see the log)");
    }
    if backlog.given_up > 0 {
        status = status.max(Status::Warning);
        let reason = backlog
            .last_given_up
            .as_deref()
            .unwrap_or("no reason recorded");
        text.push_str(&format!(
            "; {} not posted in the last 24 h, latest: {}",
            backlog.given_up,
            first_line(reason)
        ));
    }
    Check::new("round_cards", "Round cards", status, text)
}

/// The Discord gateway: a problem while disconnected.
pub fn gateway_check(gateway: &GatewayState, now: Timestamp) -> Check {
    let reconnects = match gateway.reconnects {
        0 => "no reconnects".to_owned(),
        1 => "1 reconnect".to_owned(),
        n => format!("{n} reconnects"),
    };
    match (gateway.connected_since, gateway.disconnected_since) {
        (Some(at), _) => Check::new(
            "gateway",
            "Discord gateway",
            Status::Ok,
            format!(
                "connected since {} ({} ago); {reconnects} since start",
                utc(at),
                ago(since(at, now))
            ),
        ),
        (None, Some(at)) if gateway.sessions == 0 => Check::new(
            "gateway",
            "Discord gateway",
            Status::Problem,
            format!("not connected yet, {} after start", ago(since(at, now))),
        ),
        (None, at) => Check::new(
            "gateway",
            "Discord gateway",
            Status::Problem,
            format!(
                "disconnected since {}; {reconnects} since start",
                at.map_or_else(
                    || "an unknown time".to_owned(),
                    |at| format!("{} ({} ago)", utc(at), ago(since(at, now)))
                )
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn failed(name: &str, when: &str) -> ProcessedFile {
        ProcessedFile {
            file_name: name.into(),
            content_hash: String::new(),
            processed_at: when.into(),
            success: false,
            error: Some(format!("{name}: line 2: bad field\nmore")),
            attempts: 1,
            round_id: None,
        }
    }

    #[test]
    fn round_cards_waiting_long_or_given_up_are_reported() {
        let now = at("2025-11-20T12:00:00Z");
        let backlog = |waiting, oldest: Option<&str>, given_up, last: Option<&str>| {
            let mut backlog = etl_store::AnnouncementBacklog::default();
            backlog.waiting = waiting;
            backlog.oldest_waiting = oldest.map(at);
            backlog.given_up = given_up;
            backlog.last_given_up = last.map(str::to_owned);
            backlog
        };
        let quiet = cards_verdict(&backlog(0, None, 0, None), now);
        assert_eq!(
            (quiet.status, quiet.detail.as_str()),
            (Status::Ok, "none waiting")
        );
        let posting = cards_verdict(&backlog(3, Some("2025-11-20T11:59:00Z"), 0, None), now);
        assert_eq!(posting.status, Status::Ok, "{}", posting.detail);
        let slow = cards_verdict(&backlog(3, Some("2025-11-20T11:45:00Z"), 0, None), now);
        assert_eq!(slow.status, Status::Warning);
        assert!(
            slow.detail.starts_with("3 waiting, the oldest for 15 min"),
            "{}",
            slow.detail
        );
        let stuck = cards_verdict(&backlog(40, Some("2025-11-20T10:00:00Z"), 0, None), now);
        assert_eq!(stuck.status, Status::Problem);
        let refused = cards_verdict(
            &backlog(
                0,
                None,
                2,
                Some("refused by Discord: Missing Permissions\nmore"),
            ),
            now,
        );
        assert_eq!(refused.status, Status::Warning);
        assert!(
            refused.detail.ends_with(
                "2 not posted in the last 24 h, latest: refused by Discord: Missing Permissions"
            ),
            "{}",
            refused.detail
        );
    }

    #[test]
    fn failed_imports_count_only_the_last_day() {
        let settings = HealthSettings {
            failed_imports_problem: 2,
            ..HealthSettings::default()
        };
        let now = at("2025-11-20T12:00:00Z");
        let none = failed_check(&[failed("old", "2025-11-18T12:00:00Z")], &settings, now);
        assert_eq!(none.status, Status::Ok);
        let one = failed_check(
            &[
                failed("new", "2025-11-20T11:00:00Z"),
                failed("old", "2025-11-18T12:00:00Z"),
            ],
            &settings,
            now,
        );
        assert_eq!(one.status, Status::Warning);
        assert_eq!(
            one.detail,
            "1 in the last 24 h; latest new: new: line 2: bad field"
        );
        let two = failed_check(
            &[
                failed("b", "2025-11-20T11:00:00Z"),
                failed("a", "2025-11-19T13:00:00Z"),
            ],
            &settings,
            now,
        );
        assert_eq!(two.status, Status::Problem);
        assert!(two.detail.starts_with("2 in the last 24 h; latest b"));
    }

    #[test]
    fn disk_thresholds_are_warning_then_problem() {
        let settings = HealthSettings {
            disk_warning_mb: 1000,
            disk_problem_mb: 100,
            ..HealthSettings::default()
        };
        let mb = 1024 * 1024;
        let dir = Path::new("/var/lib/etl/stats");
        let total = 10_000 * mb;
        assert_eq!(
            disk_verdict(dir, 5000 * mb, total, &settings).status,
            Status::Ok
        );
        let low = disk_verdict(dir, 500 * mb, total, &settings);
        assert_eq!(low.status, Status::Warning);
        assert_eq!(
            low.detail,
            "500 MB free of 9.8 GB (5%) for /var/lib/etl/stats: below 1000 MB"
        );
        assert_eq!(
            disk_verdict(dir, 50 * mb, total, &settings).status,
            Status::Problem
        );
    }

    #[test]
    fn the_real_disk_is_measured_even_before_the_folder_exists() {
        let settings = HealthSettings {
            stats_dir: std::env::temp_dir().join("etl-ops-no-such-folder/stats"),
            disk_warning_mb: 0,
            disk_problem_mb: 0,
            ..HealthSettings::default()
        };
        let check = disk_check(&settings);
        assert_eq!(check.status, Status::Ok, "{}", check.detail);
        assert!(check.detail.contains(" free of "), "{}", check.detail);
        let impossible = HealthSettings {
            disk_problem_mb: u64::MAX / (1024 * 1024),
            ..settings
        };
        assert_eq!(disk_check(&impossible).status, Status::Problem);
    }

    #[test]
    fn a_failing_source_is_a_problem_with_its_error() {
        let now = at("2025-11-20T12:00:00Z");
        let mut source = SourceStatus::default();
        source.name = "main".into();
        let fresh = source_checks(std::slice::from_ref(&source), now);
        assert_eq!(fresh[0].status, Status::Ok);
        assert!(fresh[0].detail.contains("not polled yet"));

        source.last_success = Some(at("2025-11-20T11:59:30Z"));
        source.fetched = 3;
        source.imported = 2;
        source.failed = 1;
        let fine = source_check(&source, now);
        assert_eq!(fine.key, "source:main");
        assert_eq!(
            fine.detail,
            "last answered 30 s ago; 3 fetched, 2 imported, 1 failed since start"
        );

        source.consecutive_failures = 2;
        source.last_error = Some((at("2025-11-20T11:58:00Z"), "cannot list /x: gone".into()));
        let failing = source_check(&source, now);
        assert_eq!(failing.status, Status::Problem);
        assert_eq!(
            failing.detail,
            "failing (2 in a row), last 2 min ago: cannot list /x: gone; last answered 30 s ago"
        );
        assert_eq!(source_checks(&[], now)[0].status, Status::Warning);
    }

    #[test]
    fn the_gateway_is_a_problem_while_disconnected() {
        let now = at("2025-11-20T12:00:00Z");
        let mut state = GatewayState::started(at("2025-11-20T11:59:00Z"));
        let waiting = gateway_check(&state, now);
        assert_eq!(waiting.status, Status::Problem);
        assert_eq!(waiting.detail, "not connected yet, 1 min after start");
        state.session(at("2025-11-20T11:59:10Z"), false);
        assert_eq!(gateway_check(&state, now).status, Status::Ok);
        state.closed(at("2025-11-20T11:59:20Z"));
        let down = gateway_check(&state, now);
        assert_eq!(down.status, Status::Problem);
        assert!(
            down.detail
                .starts_with("disconnected since 2025-11-20 11:59 UTC (40 s ago)")
        );
        state.session(at("2025-11-20T11:59:30Z"), true);
        let back = gateway_check(&state, now);
        assert_eq!(back.status, Status::Ok);
        assert!(
            back.detail.ends_with("1 reconnect since start"),
            "{}",
            back.detail
        );
    }
}
