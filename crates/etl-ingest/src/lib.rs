#![doc = include_str!("../README.md")]

mod error;
mod monitor;
mod prune;
mod source;

pub use error::IngestError;
pub use monitor::{
    IngestEvent, Monitor, MonitorConfig, MonitorStatus, NamedSource, PollReport, SourceStatus,
};
pub use prune::{PruneReport, PruneRules, prune_downloads};
pub use source::{LocalFolder, RemoteFile, Source};
