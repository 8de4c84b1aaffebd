//! The handlers, one module per category.

mod admin;
mod general;
mod leaderboard;
pub(crate) mod ops;
mod player;
mod session;
mod sync;
mod team;

use crate::args::{Window, split_window};
use crate::registry::CommandSpec;
use crate::{CommandError, Context, Reply};

/// One invocation: the command and the words after its name.
pub(crate) struct Call<'a> {
    pub spec: &'static CommandSpec,
    pub tokens: &'a [String],
}

impl Call<'_> {
    pub fn bad(&self, message: impl Into<String>) -> CommandError {
        CommandError::BadArgument {
            message: message.into(),
            usage: self.spec.usage.to_owned(),
        }
    }

    /// `<player words...> [window]`.
    pub async fn player_and_window(
        &self,
        ctx: &Context<'_>,
    ) -> Result<(crate::args::PlayerRef, Window), CommandError> {
        let (name, window) = split_window(self.tokens, ctx.now);
        let player = crate::args::resolve_player(ctx, &name, self.spec.usage).await?;
        Ok((player, window.unwrap_or_else(Window::all)))
    }

    /// An optional window as the only argument.
    pub fn window_only(&self, ctx: &Context<'_>) -> Result<Window, CommandError> {
        match self.tokens {
            [] => Ok(Window::all()),
            [text] => Window::parse(text, ctx.now)
                .ok_or_else(|| self.bad(format!("`{text}` is not a time window"))),
            _ => Err(self.bad("too many arguments")),
        }
    }

    /// An optional count as the only argument.
    pub fn count_only(&self, default: usize, max: usize) -> Result<usize, CommandError> {
        match self.tokens {
            [] => Ok(default),
            [text] => text
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| self.bad(format!("`{text}` is not a number from 1 to {max}"))),
            _ => Err(self.bad("too many arguments")),
        }
    }

    pub fn no_arguments(&self) -> Result<(), CommandError> {
        if self.tokens.is_empty() {
            Ok(())
        } else {
            Err(self.bad("this command takes no arguments"))
        }
    }
}

pub(crate) async fn dispatch(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    match call.spec.name {
        "help" => general::help(ctx, call).await,
        "link" => general::link(ctx, call).await,
        "unlink" => general::unlink(ctx, call).await,
        name if player::handles(name) => player::run(ctx, call).await,
        name if session::handles(name) => session::run(ctx, call).await,
        name if team::handles(name) => team::run(ctx, call).await,
        name if leaderboard::handles(name) => leaderboard::run(ctx, call).await,
        name if sync::handles(name) => sync::run(ctx, call).await,
        name if admin::handles(name) => admin::run(ctx, call).await,
        name if ops::handles(name) => ops::run(ctx, call).await,
        name => Err(CommandError::Unavailable(format!(
            "`{name}` has no handler yet"
        ))),
    }
}

/// Formats a count of seconds as `1h 02m` or `12m 30s`.
pub(crate) fn duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds >= 3600 {
        format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60)
    } else {
        format!("{}m {:02}s", seconds / 60, seconds % 60)
    }
}
