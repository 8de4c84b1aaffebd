//! What the command engine reads: player rows with their round, players and
//! their names, sessions, Discord links.

use std::collections::HashMap;

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};

use crate::db::with_conn;
use crate::models::{PlayerRow, RoundRow, StatsRow, WeaponRow};
use crate::{Store, StoreError};

/// A player's sums over the sessions a window holds whole (from
/// `player_session_totals`): what [`PlayerRecord`]s of those rounds add up to.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct SummedTotals {
    #[diesel(sql_type = BigInt)]
    pub player_id: i64,
    /// The player's last name, colour codes removed.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Sessions summed here (each whole for this player).
    #[diesel(sql_type = BigInt)]
    pub sessions: i64,
    #[diesel(sql_type = BigInt)]
    pub rounds: i64,
    #[diesel(sql_type = BigInt)]
    pub kills: i64,
    #[diesel(sql_type = BigInt)]
    pub deaths: i64,
    #[diesel(sql_type = BigInt)]
    pub headshots: i64,
    #[diesel(sql_type = BigInt)]
    pub hits: i64,
    #[diesel(sql_type = BigInt)]
    pub shots: i64,
    #[diesel(sql_type = BigInt)]
    pub damage_given: i64,
    #[diesel(sql_type = BigInt)]
    pub damage_received: i64,
    #[diesel(sql_type = BigInt)]
    pub team_damage_given: i64,
    #[diesel(sql_type = BigInt)]
    pub team_damage_received: i64,
    #[diesel(sql_type = BigInt)]
    pub gibs: i64,
    #[diesel(sql_type = BigInt)]
    pub self_kills: i64,
    #[diesel(sql_type = BigInt)]
    pub team_kills: i64,
    #[diesel(sql_type = BigInt)]
    pub xp: i64,
    #[diesel(sql_type = BigInt)]
    pub kill_assists: i64,
    #[diesel(sql_type = BigInt)]
    pub kill_steals: i64,
    #[diesel(sql_type = BigInt)]
    pub headshot_kills: i64,
    #[diesel(sql_type = BigInt)]
    pub objectives_stolen: i64,
    #[diesel(sql_type = BigInt)]
    pub objectives_returned: i64,
    #[diesel(sql_type = BigInt)]
    pub dynamites_planted: i64,
    #[diesel(sql_type = BigInt)]
    pub dynamites_defused: i64,
    #[diesel(sql_type = BigInt)]
    pub times_revived: i64,
    #[diesel(sql_type = BigInt)]
    pub revives_given: i64,
    #[diesel(sql_type = BigInt)]
    pub repairs_constructions: i64,
    #[diesel(sql_type = BigInt)]
    pub bullets_fired: i64,
    #[diesel(sql_type = BigInt)]
    pub time_played_s: i64,
    #[diesel(sql_type = BigInt)]
    pub time_dead_s: i64,
    #[diesel(sql_type = BigInt)]
    pub useful_kills: i64,
    #[diesel(sql_type = BigInt)]
    pub useless_kills: i64,
    #[diesel(sql_type = BigInt)]
    pub denied_playtime_s: i64,
    #[diesel(sql_type = BigInt)]
    pub multikill_2: i64,
    #[diesel(sql_type = BigInt)]
    pub multikill_3: i64,
    #[diesel(sql_type = BigInt)]
    pub multikill_4: i64,
    #[diesel(sql_type = BigInt)]
    pub multikill_5: i64,
    #[diesel(sql_type = BigInt)]
    pub multikill_6: i64,
    /// The longest killing spree of a single round.
    #[diesel(sql_type = BigInt)]
    pub best_spree: i64,
    #[diesel(sql_type = BigInt)]
    pub worst_death_spree: i64,
    #[diesel(sql_type = BigInt)]
    pub wins: i64,
    #[diesel(sql_type = BigInt)]
    pub losses: i64,
}

/// Everyone's play in a time window, cheap to read over years: sums for each
/// player's sessions that lie wholly inside, and the raw rows of the rest
/// (the sessions cut by the window's ends). Together they are exactly the
/// rows [`Store::records`] gives for the window.
#[derive(Debug, Clone, Default)]
pub struct WindowTotals {
    pub summed: Vec<SummedTotals>,
    pub records: Vec<PlayerRecord>,
}

/// How [`Store::player_sums`] groups a player's rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumBy {
    /// One group: the whole window.
    Window,
    /// Per session; rounds without a session per day played.
    Session,
    /// Per map.
    Map,
    /// Per day played (`YYYY-MM-DD`).
    Day,
}

/// A player's round-only rows in one group, added up by the database.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct GroupSums {
    /// The session id, map or day; empty for [`SumBy::Window`].
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub maps: i64,
    #[diesel(sql_type = Text)]
    pub first_played: String,
    #[diesel(sql_type = Text)]
    pub last_played: String,
    /// `sessions` counts the distinct sessions of the group's rounds.
    #[diesel(embed)]
    pub sums: SummedTotals,
}

/// One weapon's sums over a player's round-only rows, added up by the database
/// so years of weapon rows never leave it.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct WeaponSums {
    #[diesel(sql_type = Text)]
    pub weapon: String,
    #[diesel(sql_type = BigInt)]
    pub kills: i64,
    #[diesel(sql_type = BigInt)]
    pub deaths: i64,
    #[diesel(sql_type = BigInt)]
    pub hits: i64,
    #[diesel(sql_type = BigInt)]
    pub shots: i64,
    #[diesel(sql_type = BigInt)]
    pub headshots: i64,
}

/// Another player met in a player's rounds, on his side or the other, with
/// both players' sums over the rounds they shared. Only rounds where both
/// ended on axis or allies count; `wins` and `losses` are the player's.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct MetSums {
    #[diesel(sql_type = BigInt)]
    pub player_id: i64,
    /// The other player's last name, colour codes removed.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// 1 when on the player's side, 0 when against him.
    #[diesel(sql_type = BigInt)]
    pub same_side: i64,
    #[diesel(sql_type = BigInt)]
    pub rounds: i64,
    #[diesel(sql_type = BigInt)]
    pub wins: i64,
    #[diesel(sql_type = BigInt)]
    pub losses: i64,
    #[diesel(sql_type = BigInt)]
    pub kills: i64,
    #[diesel(sql_type = BigInt)]
    pub deaths: i64,
    #[diesel(sql_type = BigInt)]
    pub their_kills: i64,
    #[diesel(sql_type = BigInt)]
    pub their_deaths: i64,
}

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
    /// Only the newest this many rows (still in the order played).
    pub newest: Option<usize>,
    /// Only rows of these sessions.
    pub sessions: Option<Vec<String>>,
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
    /// Round-only play of everyone (bots too when asked) in `[from, to)`, as
    /// [`WindowTotals`]: a leaderboard over ten years reads a few thousand
    /// sums instead of every player row.
    pub async fn window_totals(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        include_bots: bool,
    ) -> Result<WindowTotals, StoreError> {
        with_conn!(self, |conn, queries| {
            let summed = queries::summed_totals(conn, from, to, include_bots).await?;
            let records = queries::unsummed_records(conn, from, to, include_bots).await?;
            Ok(WindowTotals { summed, records })
        })
    }

    /// Sessions whose per-session totals do not match their raw rows: empty
    /// unless something wrote rows behind the importer's back.
    pub async fn session_totals_out_of_step(&self) -> Result<Vec<String>, StoreError> {
        with_conn!(self, |conn, queries| queries::session_totals_out_of_step(
            conn
        )
        .await)
    }

    /// `player`'s round-only rows in `[from, to)` added up per group, in the
    /// order the groups were first played: what [`crate::PlayerRecord`]s add
    /// up to, without years of rows leaving the database.
    pub async fn player_sums(
        &self,
        player: i64,
        from: Option<&str>,
        to: Option<&str>,
        by: SumBy,
    ) -> Result<Vec<GroupSums>, StoreError> {
        with_conn!(self, |conn, queries| queries::player_sums(
            conn, player, from, to, by
        )
        .await)
    }

    /// Per weapon, the sums of `player`'s round-only weapon rows in
    /// `[from, to)`, most kills first.
    pub async fn weapon_sums(
        &self,
        player: i64,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<WeaponSums>, StoreError> {
        with_conn!(self, |conn, queries| queries::weapon_sums(
            conn, player, from, to
        )
        .await)
    }

    /// Everyone (no bots) who shared a round with `player` in `[from, to)`,
    /// once per side, with the sums of those rounds.
    pub async fn met_sums(
        &self,
        player: i64,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<MetSums>, StoreError> {
        with_conn!(self, |conn, queries| queries::met_sums(
            conn, player, from, to
        )
        .await)
    }

    pub async fn weapons_of(
        &self,
        records: &[PlayerRecord],
    ) -> Result<HashMap<(i64, i32), Vec<WeaponRow>>, StoreError> {
        let mut round_ids: Vec<i64> = records.iter().map(|r| r.round.id).collect();
        round_ids.sort_unstable();
        round_ids.dedup();
        let mut player_ids: Vec<i64> = records.iter().map(|r| r.player.id).collect();
        player_ids.sort_unstable();
        player_ids.dedup();
        let rows = with_conn!(self, |conn, queries| queries::weapon_rows(
            conn,
            &round_ids,
            &player_ids
        )
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
