/// What can go wrong fetching and importing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// A source could not be reached or refused us (the message says why).
    #[error("{0}")]
    Source(String),

    #[error(transparent)]
    Store(#[from] etl_store::StoreError),

    #[error("a blocking source call did not finish: {0}")]
    Task(String),
}

impl IngestError {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}
