//! What the command engine reads: player rows with their round, players and
//! their names, sessions, Discord links.

use std::collections::HashMap;

use crate::db::with_conn;
use crate::models::{PlayerRow, RoundRow, StatsRow, WeaponRow};
use crate::{Store, StoreError};

/// Which round-only player rows to read. Times are `YYYY-MM-DD HH:MM:SS`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    pub players: Option<Vec<i64>>,
    /// Played at or after.
    pub from: Option<String>,
    /// Played before.
    pub to: Option<String>,
    pub session: Option<String>,
    pub map: Option<String>,
    pub include_bots: bool,
}

/// One player in one round (round-only values), with the round and the player.
#[derive(Debug, Clone)]
pub struct PlayerRecord {
    pub round: RoundRow,
    pub player: PlayerRow,
    pub stats: StatsRow,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: String,
    pub source: String,
    pub started_at: String,
    pub ended_at: String,
}

/// A name a player used, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownName {
    pub player_id: i64,
    pub name: String,
    pub clean_name: String,
    pub times_seen: i64,
}

impl Store {
    /// Round-only player rows matching `filter`, in the order they were played.
    pub async fn records(&self, filter: &RecordFilter) -> Result<Vec<PlayerRecord>, StoreError> {
        with_conn!(self, |conn, queries| queries::records(conn, filter).await)
    }

    /// The weapon rows of these records, keyed by (round id, line index).
    pub async fn weapons_of(
        &self,
        records: &[PlayerRecord],
    ) -> Result<HashMap<(i64, i32), Vec<WeaponRow>>, StoreError> {
        let mut round_ids: Vec<i64> = records.iter().map(|r| r.round.id).collect();
        round_ids.sort_unstable();
        round_ids.dedup();
        let rows = with_conn!(self, |conn, queries| queries::weapon_rows(conn, &round_ids)
            .await)?;
        let mut out: HashMap<(i64, i32), Vec<WeaponRow>> = HashMap::new();
        for row in rows {
            out.entry((row.round_id, row.line_index))
                .or_default()
                .push(row);
        }
        Ok(out)
    }

    pub async fn players(&self) -> Result<Vec<PlayerRow>, StoreError> {
        with_conn!(self, |conn, queries| queries::all_players(conn).await)
    }

    /// Every name every player has used, most recent first per player.
    pub async fn known_names(&self) -> Result<Vec<KnownName>, StoreError> {
        let rows = with_conn!(self, |conn, queries| queries::all_player_names(conn).await)?;
        Ok(rows
            .into_iter()
            .map(|(player_id, name, clean_name, times_seen)| KnownName {
                player_id,
                name,
                clean_name,
                times_seen,
            })
            .collect())
    }

    pub async fn sessions(
        &self,
        newest_first: bool,
        limit: i64,
    ) -> Result<Vec<SessionRow>, StoreError> {
        with_conn!(self, |conn, queries| queries::session_rows(
            conn,
            newest_first,
            limit
        )
        .await)
    }

    pub async fn latest_round(&self) -> Result<Option<RoundRow>, StoreError> {
        with_conn!(self, |conn, queries| queries::latest_round(conn).await)
    }

    pub async fn round(&self, id: i64) -> Result<Option<RoundRow>, StoreError> {
        with_conn!(self, |conn, queries| queries::round_by_id(conn, id).await)
    }

    pub async fn link_discord(
        &self,
        discord_user_id: &str,
        player_id: i64,
    ) -> Result<(), StoreError> {
        let now = crate::time::now_text();
        with_conn!(self, |conn, queries| queries::link_discord(
            conn,
            discord_user_id,
            player_id,
            &now
        )
        .await)
    }

    /// True when there was a link to remove.
    pub async fn unlink_discord(&self, discord_user_id: &str) -> Result<bool, StoreError> {
        with_conn!(self, |conn, queries| queries::unlink_discord(
            conn,
            discord_user_id
        )
        .await)
    }

    pub async fn linked_player(&self, discord_user_id: &str) -> Result<Option<i64>, StoreError> {
        with_conn!(self, |conn, queries| queries::linked_player(
            conn,
            discord_user_id
        )
        .await)
    }
}
