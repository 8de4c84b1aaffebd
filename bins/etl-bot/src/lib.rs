//! The parts of the bot that its tests drive directly: configuration and the
//! SSH source. The commands live in the binary.

pub mod config;
pub mod discord;
pub mod maintenance;
pub mod ops;
pub mod sources;
pub mod ssh;
