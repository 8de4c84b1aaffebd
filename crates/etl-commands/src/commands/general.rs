use crate::registry::{COMMANDS, Category, find};
use crate::reply::colour;
use crate::{CommandError, Context, Reply};

use super::Call;

pub(super) async fn help(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    if let Some(name) = call.tokens.first() {
        let Some(spec) = find(name) else {
            let names = COMMANDS.iter().map(|c| c.name);
            let suggestions = crate::args::closest(name, names, 3);
            return Err(call.bad(if suggestions.is_empty() {
                format!("no command `{name}`")
            } else {
                format!(
                    "no command `{name}`; did you mean {}?",
                    suggestions.join(", ")
                )
            }));
        };
        let mut builder = Reply::builder(format!("!{}", spec.name))
            .description(spec.help)
            .field("Usage", format!("`{}`", spec.usage), false)
            .field(
                "Examples",
                spec.examples
                    .iter()
                    .map(|e| format!("`{e}`"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                false,
            );
        if !spec.args.is_empty() {
            let args = spec
                .args
                .iter()
                .map(|a| {
                    format!(
                        "`{}`{}: {}",
                        a.name,
                        if a.required { "" } else { " (optional)" },
                        a.help
                    )
                })
                .collect::<Vec<_>>()
                .join("\n");
            builder = builder.field("Arguments", args, false);
        }
        if !spec.aliases.is_empty() {
            builder = builder.field(
                "Aliases",
                spec.aliases
                    .iter()
                    .map(|a| format!("`!{a}`"))
                    .collect::<Vec<_>>()
                    .join(" "),
                false,
            );
        }
        if spec.admin {
            builder = builder.footer("admins only");
        }
        return Ok(builder.build());
    }
    let mut builder = Reply::builder("Commands")
        .description("Type `!help <command>` for its usage. Players can be named by any name they used, a GUID, `me` or a mention.");
    for category in Category::ALL {
        let lines: Vec<String> = COMMANDS
            .iter()
            .filter(|c| {
                c.category == category
                    && (!c.admin || ctx.caller.is_admin || category != Category::Admin)
            })
            .map(|c| format!("`!{}` {}", c.name, c.help))
            .collect();
        if !lines.is_empty() {
            builder = builder.field(category.title(), lines.join("\n"), false);
        }
    }
    Ok(builder
        .footer(format!("{} commands", COMMANDS.len()))
        .build())
}

pub(super) async fn link(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some(discord_id) = ctx.caller.discord_id.clone() else {
        return Err(CommandError::Unavailable(
            "linking needs a Discord account: use it from Discord".into(),
        ));
    };
    let player = crate::args::resolve_player(ctx, &call.tokens.join(" "), call.spec.usage).await?;
    if player.is_bot {
        return Err(call.bad("that is a bot"));
    }
    ctx.store.link_discord(&discord_id, player.id).await?;
    Ok(Reply::message(
        "Linked",
        format!(
            "<@{discord_id}> is now {} ({}); `me` means him.",
            player.name, player.guid
        ),
        colour::SUCCESS,
    ))
}

pub(super) async fn unlink(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let Some(discord_id) = ctx.caller.discord_id.clone() else {
        return Err(CommandError::Unavailable(
            "unlinking needs a Discord account: use it from Discord".into(),
        ));
    };
    Ok(if ctx.store.unlink_discord(&discord_id).await? {
        Reply::message(
            "Unlinked",
            format!("<@{discord_id}> is no longer linked to a player."),
            colour::SUCCESS,
        )
    } else {
        Reply::message(
            "Not linked",
            format!("<@{discord_id}> was not linked to a player."),
            colour::WARNING,
        )
    })
}
