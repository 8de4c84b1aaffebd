//! The health model: checks with a status and a one-line detail.

use std::path::PathBuf;

/// How a check came out. Ordered: the worst of a report is its maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Ok,
    /// Worth a look, never alerted.
    Warning,
    /// Alerted to the admin channel once it persists.
    Problem,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Warning => "warning",
            Self::Problem => "problem",
        }
    }

    /// The value of the `etl_health_check_status` gauge.
    pub fn level(self) -> i64 {
        match self {
            Self::Ok => 0,
            Self::Warning => 1,
            Self::Problem => 2,
        }
    }
}

/// One thing checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// Stable, what alerts and the metrics are keyed by: `database`,
    /// `source:main`, `gateway`, ...
    pub key: String,
    /// For people: `Database`, `Source main`, ...
    pub title: String,
    pub status: Status,
    /// One line: what was seen.
    pub detail: String,
}

impl Check {
    pub fn new(
        key: impl Into<String>,
        title: impl Into<String>,
        status: Status,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            key: key.into(),
            title: title.into(),
            status,
            detail: detail.into(),
        }
    }
}

/// Every check of one round of checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthReport {
    pub checks: Vec<Check>,
    /// True when the running bot made it (sources and gateway included);
    /// false when only the database and the disk could be looked at.
    pub live: bool,
}

impl HealthReport {
    /// The worst status of any check (`Ok` for no checks).
    pub fn status(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Ok)
    }

    pub fn check(&self, key: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.key == key)
    }
}

/// The thresholds the checks apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthSettings {
    /// The local stats folder (`[ingest] local_dir`), whose disk is checked.
    pub stats_dir: PathBuf,
    /// Less free space than this is a warning.
    pub disk_warning_mb: u64,
    /// Less free space than this is a problem.
    pub disk_problem_mb: u64,
    /// A database answering slower than this is a warning.
    pub slow_database_ms: u64,
    /// Failed imports in the last 24 h from which on it is a problem (any
    /// failed import is a warning).
    pub failed_imports_problem: usize,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            stats_dir: PathBuf::from("stats"),
            disk_warning_mb: 2048,
            disk_problem_mb: 256,
            slow_database_ms: 1000,
            failed_imports_problem: 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worst_check_decides_the_report() {
        let mut report = HealthReport::default();
        assert_eq!(report.status(), Status::Ok);
        report
            .checks
            .push(Check::new("a", "A", Status::Warning, "meh"));
        report.checks.push(Check::new("b", "B", Status::Ok, "fine"));
        assert_eq!(report.status(), Status::Warning);
        report
            .checks
            .push(Check::new("c", "C", Status::Problem, "down"));
        assert_eq!(report.status(), Status::Problem);
        assert_eq!(report.check("b").map(|c| c.detail.as_str()), Some("fine"));
    }
}
