#![doc = include_str!("../README.md")]

mod alerts;
mod checks;
mod error;
mod gateway;
mod health;
mod metrics;
pub mod text;

use std::sync::Arc;
use std::time::Duration;

use etl_ingest::MonitorStatus;
use etl_store::Store;
use jiff::Timestamp;
use prometheus_client::registry::Registry;

pub use alerts::{Alert, AlertPolicy, Alerts};
pub use checks::{disk_check, gateway_check, source_checks, store_checks};
pub use error::OpsError;
pub use gateway::GatewayState;
pub use health::{Check, HealthReport, HealthSettings, Status};
pub use metrics::{LatencySummary, MetricsSummary, SourceCounts};

use metrics::{COMMAND_BUCKETS, Histogram, Recorder, lock};

/// The HTTP content type of [`Ops::encode`]'s text (OpenMetrics, which
/// Prometheus scrapes natively).
pub const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What can be checked without the running bot: the database, the last
/// import, failed imports and the disk.
pub async fn offline_report(
    store: &Store,
    settings: &HealthSettings,
    now: Timestamp,
) -> HealthReport {
    let mut checks = store_checks(store, settings, now).await;
    checks.push(disk_check(settings));
    HealthReport {
        checks,
        live: false,
    }
}

/// The running bot's operational state: what its tasks record (commands,
/// posts, the gateway) and what the monitor counts, for health checks, the
/// `metrics` command and the metrics endpoint. Cheap to clone; every clone
/// shares the same numbers.
#[derive(Debug, Clone)]
pub struct Ops {
    recorder: Arc<Recorder>,
    registry: Arc<Registry>,
}

impl Default for Ops {
    fn default() -> Self {
        Self::new()
    }
}

impl Ops {
    pub fn new() -> Self {
        let recorder = Arc::new(Recorder::new(Timestamp::now()));
        let mut registry = Registry::default();
        registry.register_collector(Box::new(Arc::clone(&recorder)));
        Self {
            recorder,
            registry: Arc::new(registry),
        }
    }

    /// From now on the sources' checks and counters come from this monitor
    /// (the first one given stays).
    pub fn watch_sources(&self, status: MonitorStatus) {
        let _ = self.recorder.sources.set(status);
    }

    /// `command` is the command's registry name, never what the user typed,
    /// so the metric has one series per command.
    pub fn record_command(&self, command: &str, took: Duration) {
        lock(&self.recorder.commands)
            .entry(command.to_owned())
            .or_insert_with(|| Histogram::new(COMMAND_BUCKETS))
            .observe(took);
    }

    /// From a round file's modification time to its card posted.
    pub fn record_file_to_post(&self, took: Duration) {
        lock(&self.recorder.file_to_post).observe(took);
    }

    /// A READY (`resumed` false) or RESUMED (`resumed` true) from the gateway.
    pub fn gateway_session(&self, resumed: bool) {
        lock(&self.recorder.gateway).session(Timestamp::now(), resumed);
    }

    /// The gateway connection closed or dropped.
    pub fn gateway_closed(&self) {
        lock(&self.recorder.gateway).closed(Timestamp::now());
    }

    pub fn gateway(&self) -> GatewayState {
        *lock(&self.recorder.gateway)
    }

    /// Every check, the live ones included; the result also becomes the
    /// `etl_health_check_status` gauges.
    pub async fn health(&self, store: &Store, settings: &HealthSettings) -> HealthReport {
        let now = Timestamp::now();
        let mut report = offline_report(store, settings, now).await;
        let sources = self
            .recorder
            .sources
            .get()
            .map(MonitorStatus::snapshot)
            .unwrap_or_default();
        report.checks.extend(source_checks(&sources, now));
        report.checks.push(gateway_check(&self.gateway(), now));
        report.checks.push(checks::cards_check(store, now).await);
        report.live = true;
        *lock(&self.recorder.health) = report
            .checks
            .iter()
            .map(|c| (c.key.clone(), c.status))
            .collect();
        report
    }

    pub fn summary(&self) -> MetricsSummary {
        self.recorder.summary()
    }

    /// Every metric in the OpenMetrics text format ([`METRICS_CONTENT_TYPE`]).
    pub fn encode(&self) -> Result<String, OpsError> {
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}
