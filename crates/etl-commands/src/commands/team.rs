use crate::{CommandError, Context, Reply};

use super::Call;

pub(super) fn handles(_name: &str) -> bool {
    false
}

pub(super) async fn run(_ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    Err(CommandError::Unavailable(format!(
        "`{}` has no handler yet",
        call.spec.name
    )))
}
