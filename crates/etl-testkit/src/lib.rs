#![doc = include_str!("../README.md")]
// Test support: a failed check is meant to stop the test, loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

pub mod corpus;
pub mod truth;
