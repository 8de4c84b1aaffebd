use std::sync::Arc;
use std::time::Duration;

use etl_ingest::{LocalFolder, MonitorConfig, NamedSource};

use crate::config::{Config, SourceKind};
use crate::ssh::SshSource;

/// The configured sources, ready for the monitor.
pub fn build(config: &Config) -> Vec<NamedSource> {
    config
        .sources
        .iter()
        .map(|source| NamedSource {
            name: source.name.clone(),
            source: match &source.kind {
                SourceKind::Local { path } => Arc::new(LocalFolder::new(path)),
                SourceKind::Ssh(settings) => Arc::new(SshSource::new(settings.clone())),
            },
        })
        .collect()
}

pub fn monitor_config(config: &Config) -> MonitorConfig {
    let mut monitor = MonitorConfig::new(&config.ingest.local_dir);
    monitor.settle = Duration::from_secs(config.ingest.settle_s);
    monitor.quiet = Duration::from_secs(config.ingest.quiet_s);
    monitor.max_backoff = Duration::from_secs(config.ingest.max_backoff_s);
    monitor
}
