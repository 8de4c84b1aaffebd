use etl_parser::Player;
use serde::Serialize;

use crate::db::with_conn;
use crate::models::{CUMULATIVE, ROUND_ONLY};
use crate::{Store, StoreError};

/// Every session with its rounds and players, in the order they were played.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub sessions: Vec<ExportedSession>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportedSession {
    pub id: String,
    pub source: String,
    pub started_at: String,
    pub ended_at: String,
    pub rounds: Vec<ExportedRound>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExportedRound {
    pub file: String,
    pub map: String,
    pub round: i32,
    pub played_at: String,
    /// False for a round 2 stored from its cumulative values (no round 1 found).
    pub round_only: bool,
    pub pairing: String,
    pub players: Vec<ExportedPlayer>,
}

/// The parse contract's player object plus what team detection decided.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedPlayer {
    #[serde(flatten)]
    pub player: Player,
    pub squad: Option<String>,
    pub team_confidence: Option<String>,
}

impl Store {
    /// The whole history, for other tools and for round-trip checks.
    pub async fn export(&self) -> Result<Export, StoreError> {
        self.export_where(|_| true).await
    }

    /// The named sessions only (unknown ids are left out), in the order they
    /// were played: what an import touched, without reading years of rounds.
    pub async fn export_sessions(&self, ids: &[String]) -> Result<Export, StoreError> {
        let wanted: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        self.export_where(|id| wanted.contains(id)).await
    }

    async fn export_where(&self, keep: impl Fn(&str) -> bool) -> Result<Export, StoreError> {
        with_conn!(self, |conn, queries| {
            let mut sessions = Vec::new();
            for (id, source, started_at, ended_at) in queries::sessions_in_order(conn).await? {
                if !keep(&id) {
                    continue;
                }
                let mut rounds = Vec::new();
                for row in queries::rounds_of_session(conn, &id).await? {
                    let mut players = queries::load_round_players(conn, row.id, ROUND_ONLY).await?;
                    let mut round_only = row.round_only;
                    if players.is_empty() && row.round_number == 2 {
                        players = queries::load_round_players(conn, row.id, CUMULATIVE).await?;
                        round_only = false;
                    }
                    rounds.push(ExportedRound {
                        file: row.file_name,
                        map: row.map,
                        round: row.round_number,
                        played_at: row.played_at,
                        round_only,
                        pairing: row.pairing,
                        players: players
                            .into_iter()
                            .map(|(guid, stats, weapons)| ExportedPlayer {
                                player: stats.to_player(&guid, &weapons),
                                squad: stats.squad,
                                team_confidence: stats.team_confidence,
                            })
                            .collect(),
                    });
                }
                sessions.push(ExportedSession {
                    id,
                    source,
                    started_at,
                    ended_at,
                    rounds,
                });
            }
            Ok(Export { sessions })
        })
    }
}
