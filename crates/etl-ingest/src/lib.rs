#![doc = include_str!("../README.md")]

mod error;
mod monitor;
mod source;

pub use error::IngestError;
pub use monitor::{IngestEvent, Monitor, MonitorConfig, NamedSource, PollReport};
pub use source::{LocalFolder, RemoteFile, Source};
