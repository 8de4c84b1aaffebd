/// Everything that can go wrong storing or reading rounds.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: expected postgres://… or sqlite://PATH")]
    UnsupportedUrl(String),

    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },

    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),

    #[error("cannot apply migrations: {0}")]
    Migration(String),

    #[error("stored round {file} cannot be read again: {source}")]
    StoredRound {
        file: String,
        source: etl_parser::ParseError,
    },

    #[error("team detection refused session {session}: {source}")]
    Teams {
        session: String,
        source: etl_teams::TeamsError,
    },

    #[error("cannot back up the database: {0}")]
    Backup(String),

    #[error("cannot restore: {0}")]
    Restore(String),

    /// Restoring under a running bot would leave it with what it read before.
    #[error("{0} is in use by other connections: stop the bot first")]
    InUse(String),
}

impl StoreError {
    pub(crate) fn pool(url: &str, error: impl std::fmt::Display) -> Self {
        Self::Connect {
            url: redact(url),
            reason: error.to_string(),
        }
    }
}

/// A database URL without its password, fit for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = url.get(scheme + 3..at).unwrap_or_default();
            let user = credentials.split(':').next().unwrap_or_default();
            format!(
                "{}{user}:***{}",
                url.get(..scheme + 3).unwrap_or_default(),
                url.get(at..).unwrap_or_default()
            )
        }
        _ => url.to_owned(),
    }
}
