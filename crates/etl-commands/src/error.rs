/// Why a command did not answer. Every variant reads well as one line to a user.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    #[error("unknown command `{name}`{}", did_you_mean(.suggestions))]
    UnknownCommand {
        name: String,
        suggestions: Vec<String>,
    },

    /// A bad argument: the message, then the command's usage.
    #[error("{message}\nusage: {usage}")]
    BadArgument { message: String, usage: String },

    #[error("`{0}` is for admins")]
    NotAllowed(String),

    #[error("{0}")]
    Unavailable(String),

    #[error("the database did not answer: {0}")]
    Store(#[from] etl_store::StoreError),
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        String::new()
    } else {
        format!(
            "; did you mean {}?",
            suggestions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}
