//! The announcement queue: rounds a running bot still has to post.
//!
//! An import with [`crate::ImportOptions::announce`] queues its round in the
//! same transaction that stores it, so a round is never imported without
//! its place in the queue, whatever happens to the process after the commit.

use crate::db::with_conn;
use crate::{Store, StoreError};

/// A round waiting for its announcement.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitingAnnouncement {
    pub round_id: i64,
    /// When the import queued it (UTC); `None` if the stored text is not a
    /// time (never written by this crate).
    pub queued_at: Option<jiff::Timestamp>,
}

impl Store {
    /// Up to `limit` rounds waiting for their announcement, in import order
    /// (a round 1 before its round 2).
    pub async fn waiting_announcements(
        &self,
        limit: usize,
    ) -> Result<Vec<WaitingAnnouncement>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = with_conn!(self, |conn, queries| queries::waiting_announcements(
            conn, limit
        )
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(round_id, queued_at)| WaitingAnnouncement {
                round_id,
                queued_at: queued_at.parse().ok(),
            })
            .collect())
    }

    /// Takes a round off the queue: `outcome` is `"posted"` or why it was
    /// given up. False when it was not waiting (already finished, or never
    /// queued).
    pub async fn finish_announcement(
        &self,
        round_id: i64,
        outcome: &str,
    ) -> Result<bool, StoreError> {
        let now = crate::time::now_text();
        let changed = with_conn!(self, |conn, queries| queries::finish_announcement(
            conn, round_id, outcome, &now
        )
        .await)?;
        Ok(changed > 0)
    }
}
