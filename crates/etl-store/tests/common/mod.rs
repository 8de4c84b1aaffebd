//! The store's own test support, shared with other crates' tests.
pub use etl_store::testing::*;
