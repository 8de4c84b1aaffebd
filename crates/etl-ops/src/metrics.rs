//! Counters and histograms, kept as plain numbers the summary reads and
//! written out by `prometheus-client` on each scrape.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use etl_ingest::MonitorStatus;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::registry::Unit;

use crate::Status;
use crate::gateway::GatewayState;

/// Upper bounds (seconds) for a command's answer time.
pub(crate) const COMMAND_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// Upper bounds (seconds) from a file's modification time to its card in
/// Discord: the settle time and the poll interval come first.
pub(crate) const FILE_TO_POST_BUCKETS: &[f64] = &[
    1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

/// A histogram with fixed buckets; the last count is the `+Inf` bucket.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    pub fn new(bounds: &'static [f64]) -> Self {
        Self {
            bounds,
            counts: vec![0; bounds.len() + 1],
            sum: 0.0,
            count: 0,
        }
    }

    pub fn observe(&mut self, value: Duration) {
        let seconds = value.as_secs_f64();
        let index = self
            .bounds
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(self.bounds.len());
        if let Some(count) = self.counts.get_mut(index) {
            *count = count.saturating_add(1);
        }
        self.sum += seconds;
        self.count = self.count.saturating_add(1);
    }

    /// `(upper bound, count in that bucket)`, `f64::MAX` standing for `+Inf`.
    fn buckets(&self) -> Vec<(f64, u64)> {
        self.bounds
            .iter()
            .copied()
            .chain(std::iter::once(f64::MAX))
            .zip(self.counts.iter().copied())
            .collect()
    }

    /// The `q` quantile estimated from the buckets the way Prometheus's
    /// `histogram_quantile` does: linear within the bucket, and the highest
    /// finite bound for values above it.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        let rank = q.clamp(0.0, 1.0) * self.count as f64;
        let mut below = 0u64;
        let mut lower = 0.0;
        for (upper, count) in self.bounds.iter().copied().zip(self.counts.iter().copied()) {
            let reached = below.saturating_add(count);
            if count > 0 && reached as f64 >= rank {
                let within = (rank - below as f64) / count as f64;
                return Duration::try_from_secs_f64(lower + (upper - lower) * within).ok();
            }
            below = reached;
            lower = upper;
        }
        Duration::try_from_secs_f64(lower).ok()
    }

    fn summary(&self, name: &str) -> LatencySummary {
        LatencySummary {
            name: name.to_owned(),
            count: self.count,
            median: self.quantile(0.5),
            p99: self.quantile(0.99),
        }
    }
}

/// Files per source, as the monitor counted them since start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceCounts {
    pub name: String,
    pub fetched: u64,
    pub imported: u64,
    pub failed: u64,
}

/// How many, and how long (estimated from the histogram's buckets).
#[derive(Debug, Clone, PartialEq)]
pub struct LatencySummary {
    pub name: String,
    pub count: u64,
    pub median: Option<Duration>,
    pub p99: Option<Duration>,
}

/// What the `metrics` command shows.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsSummary {
    pub uptime: Duration,
    pub sources: Vec<SourceCounts>,
    /// Busiest first (then by name).
    pub commands: Vec<LatencySummary>,
    pub file_to_post: LatencySummary,
    pub reconnects: u64,
    pub gateway_connected: bool,
}

/// The numbers behind the metrics and the live checks; `Ops` shares one and
/// registers it as a collector, so every scrape reads them as they are.
#[derive(Debug)]
pub(crate) struct Recorder {
    pub started: Instant,
    pub gateway: Mutex<GatewayState>,
    /// The monitor's per-source status, once the fetcher runs.
    pub sources: OnceLock<MonitorStatus>,
    pub commands: Mutex<BTreeMap<String, Histogram>>,
    pub file_to_post: Mutex<Histogram>,
    /// The last self-check, per check key.
    pub health: Mutex<Vec<(String, Status)>>,
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Recorder {
    pub fn new(now: jiff::Timestamp) -> Self {
        Self {
            started: Instant::now(),
            gateway: Mutex::new(GatewayState::started(now)),
            sources: OnceLock::new(),
            commands: Mutex::new(BTreeMap::new()),
            file_to_post: Mutex::new(Histogram::new(FILE_TO_POST_BUCKETS)),
            health: Mutex::new(Vec::new()),
        }
    }

    pub fn source_counts(&self) -> Vec<SourceCounts> {
        self.sources
            .get()
            .map(MonitorStatus::snapshot)
            .unwrap_or_default()
            .into_iter()
            .map(|s| SourceCounts {
                name: s.name,
                fetched: s.fetched,
                imported: s.imported,
                failed: s.failed,
            })
            .collect()
    }

    pub fn summary(&self) -> MetricsSummary {
        let mut commands: Vec<LatencySummary> = lock(&self.commands)
            .iter()
            .map(|(name, histogram)| histogram.summary(name))
            .collect();
        commands.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
        let gateway = *lock(&self.gateway);
        MetricsSummary {
            uptime: self.started.elapsed(),
            sources: self.source_counts(),
            commands,
            file_to_post: lock(&self.file_to_post).summary("file_to_post"),
            reconnects: gateway.reconnects,
            gateway_connected: gateway.is_connected(),
        }
    }
}

type Pick = fn(&SourceCounts) -> u64;

impl Collector for Recorder {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let sources = self.source_counts();
        let gateway = *lock(&self.gateway);
        let per_source: [(&str, &str, Pick); 3] = [
            (
                "etl_files_fetched",
                "Round files downloaded whole into the local folder.",
                |s| s.fetched,
            ),
            (
                "etl_files_imported",
                "Round files imported as rounds.",
                |s| s.imported,
            ),
            (
                "etl_files_failed",
                "Complete round files the importer could not read.",
                |s| s.failed,
            ),
        ];
        if !sources.is_empty() {
            for (name, help, pick) in per_source {
                let mut metric =
                    encoder.encode_descriptor(name, help, None, MetricType::Counter)?;
                for source in &sources {
                    let labels = [("source", source.name.as_str())];
                    metric
                        .encode_family(&labels)?
                        .encode_counter::<NoLabelSet, u64, u64>(&pick(source), None)?;
                }
            }
        }

        let file_to_post = lock(&self.file_to_post).clone();
        encoder
            .encode_descriptor(
                "etl_file_to_post",
                "From a round file's modification time to its card posted in Discord.",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?
            .encode_histogram::<NoLabelSet>(
                file_to_post.sum,
                file_to_post.count,
                &file_to_post.buckets(),
                None,
            )?;

        let commands = lock(&self.commands).clone();
        if !commands.is_empty() {
            let mut metric = encoder.encode_descriptor(
                "etl_command_duration",
                "How long a command took to answer, by command.",
                Some(&Unit::Seconds),
                MetricType::Histogram,
            )?;
            for (command, histogram) in &commands {
                let labels = [("command", command.as_str())];
                metric
                    .encode_family(&labels)?
                    .encode_histogram::<NoLabelSet>(
                        histogram.sum,
                        histogram.count,
                        &histogram.buckets(),
                        None,
                    )?;
            }
        }

        encoder
            .encode_descriptor(
                "etl_gateway_reconnects",
                "Discord gateway sessions resumed or re-established after the first.",
                None,
                MetricType::Counter,
            )?
            .encode_counter::<NoLabelSet, u64, u64>(&gateway.reconnects, None)?;
        encoder
            .encode_descriptor(
                "etl_gateway_connected",
                "1 while the Discord gateway is connected.",
                None,
                MetricType::Gauge,
            )?
            .encode_gauge(&i64::from(gateway.is_connected()))?;
        encoder
            .encode_descriptor(
                "etl_uptime",
                "Time since the bot started.",
                Some(&Unit::Seconds),
                MetricType::Gauge,
            )?
            .encode_gauge(&self.started.elapsed().as_secs_f64())?;

        let health = lock(&self.health).clone();
        if !health.is_empty() {
            let mut metric = encoder.encode_descriptor(
                "etl_health_check_status",
                "The last self-check per check: 0 ok, 1 warning, 2 problem.",
                None,
                MetricType::Gauge,
            )?;
            for (check, status) in &health {
                let labels = [("check", check.as_str())];
                metric
                    .encode_family(&labels)?
                    .encode_gauge(&status.level())?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn quantiles_interpolate_within_buckets_like_prometheus() {
        let mut histogram = Histogram::new(COMMAND_BUCKETS);
        assert_eq!(histogram.quantile(0.5), None);
        // Four answers between 50 and 100 ms: the median is the bucket's middle.
        for _ in 0..4 {
            histogram.observe(ms(70));
        }
        assert_eq!(histogram.quantile(0.5), Some(ms(75)));
        assert_eq!(histogram.quantile(1.0), Some(ms(100)));
        // 96 fast ones: the median drops into the first bucket, p99 stays high.
        for _ in 0..96 {
            histogram.observe(ms(1));
        }
        assert_eq!(histogram.count, 100);
        let median = histogram.quantile(0.5).unwrap();
        assert!(median <= ms(5), "{median:?}");
        let p99 = histogram.quantile(0.99).unwrap();
        assert!(p99 > ms(50) && p99 <= ms(100), "{p99:?}");
    }

    #[test]
    fn values_past_the_last_bound_count_as_that_bound() {
        let mut histogram = Histogram::new(&[1.0, 2.0]);
        histogram.observe(Duration::from_secs(60));
        assert_eq!(histogram.quantile(0.5), Some(Duration::from_secs(2)));
        assert_eq!(histogram.buckets(), [(1.0, 0), (2.0, 0), (f64::MAX, 1)]);
        assert!((histogram.sum - 60.0).abs() < 1e-9);
    }
}
