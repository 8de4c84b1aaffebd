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

/// How the queue stands, for the health check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AnnouncementBacklog {
    /// Rounds waiting for their card.
    pub waiting: u64,
    /// When the oldest of them was queued.
    pub oldest_waiting: Option<jiff::Timestamp>,
    /// Rounds given up (not posted) since the time asked about.
    pub given_up: u64,
    /// Why the latest of those was given up.
    pub last_given_up: Option<String>,
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

    /// Rounds waiting, and rounds given up since `since`.
    pub async fn announcement_backlog(
        &self,
        since: jiff::Timestamp,
    ) -> Result<AnnouncementBacklog, StoreError> {
        let since = since.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
        let (waiting, oldest, given_up, last) =
            with_conn!(self, |conn, queries| queries::announcement_backlog(
                conn, &since
            )
            .await)?;
        Ok(AnnouncementBacklog {
            waiting: u64::try_from(waiting).unwrap_or_default(),
            oldest_waiting: oldest.and_then(|at| at.parse().ok()),
            given_up: u64::try_from(given_up).unwrap_or_default(),
            last_given_up: last,
        })
    }
}
