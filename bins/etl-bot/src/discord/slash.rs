//! Slash commands from the command registry, and interactions back to
//! command lines the engine understands.

use std::collections::HashMap;

use etl_commands::{ArgKind, COMMANDS, CommandSpec};
use twilight_model::application::command::{
    Command, CommandOption, CommandOptionType, CommandType,
};
use twilight_model::application::interaction::application_command::{
    CommandDataOption, CommandOptionValue,
};
use twilight_model::id::Id;

/// Discord's limits for names and descriptions.
fn description(text: &str) -> String {
    let mut out: String = text.chars().take(100).collect();
    if out.is_empty() {
        out.push('-');
    }
    out
}

/// Option names must be unique in a command: a second `player` becomes `player2`.
fn option_names(spec: &CommandSpec) -> Vec<String> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    spec.args
        .iter()
        .map(|arg| {
            let count = seen.entry(arg.name).or_insert(0);
            *count += 1;
            if *count == 1 {
                arg.name.to_owned()
            } else {
                format!("{}{count}", arg.name)
            }
        })
        .collect()
}

pub fn commands() -> Vec<Command> {
    COMMANDS
        .iter()
        .map(|spec| {
            let options = spec
                .args
                .iter()
                .zip(option_names(spec))
                .map(|(arg, name)| CommandOption {
                    autocomplete: Some(matches!(
                        arg.kind,
                        ArgKind::Player | ArgKind::Metric | ArgKind::Command
                    )),
                    channel_types: None,
                    choices: None,
                    description: description(arg.help),
                    description_localizations: None,
                    kind: if arg.kind == ArgKind::Count {
                        CommandOptionType::Integer
                    } else {
                        CommandOptionType::String
                    },
                    max_length: None,
                    max_value: None,
                    min_length: None,
                    min_value: None,
                    name,
                    name_localizations: None,
                    options: None,
                    file_types: None,
                    required: Some(arg.required),
                })
                .collect();
            #[allow(deprecated)]
            Command {
                application_id: None,
                contexts: None,
                default_member_permissions: None,
                description: description(spec.help),
                description_localizations: None,
                dm_permission: None,
                guild_id: None,
                id: None,
                integration_types: None,
                kind: CommandType::ChatInput,
                name: spec.name.to_owned(),
                name_localizations: None,
                nsfw: None,
                options,
                version: Id::new(1),
            }
        })
        .collect()
}

fn value_text(value: &CommandOptionValue) -> Option<String> {
    match value {
        CommandOptionValue::String(text) | CommandOptionValue::Focused(text, _) => {
            Some(text.clone())
        }
        CommandOptionValue::Integer(n) => Some(n.to_string()),
        CommandOptionValue::Number(n) => Some(n.to_string()),
        CommandOptionValue::Boolean(b) => Some(b.to_string()),
        CommandOptionValue::User(id) => Some(format!("<@{id}>")),
        _ => None,
    }
}

/// The words the engine expects, in the registry's argument order
/// (`compare_players` gets its `vs`).
pub fn tokens(spec: &CommandSpec, options: &[CommandDataOption]) -> Vec<String> {
    let mut out = Vec::new();
    for (index, name) in option_names(spec).iter().enumerate() {
        let Some(value) = options
            .iter()
            .find(|o| &o.name == name)
            .and_then(|o| value_text(&o.value))
        else {
            continue;
        };
        if spec.name == "compare_players" && index == 1 {
            out.push("vs".to_owned());
        }
        out.push(value);
    }
    out
}

/// The option being typed in an autocomplete interaction and its text.
pub fn focused(options: &[CommandDataOption]) -> Option<(String, String)> {
    options.iter().find_map(|o| match &o.value {
        CommandOptionValue::Focused(text, _) => Some((o.name.clone(), text.clone())),
        _ => None,
    })
}

pub fn arg_kind(spec: &CommandSpec, option: &str) -> Option<ArgKind> {
    spec.args
        .iter()
        .zip(option_names(spec))
        .find(|(_, name)| name == option)
        .map(|(arg, _)| arg.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_registers_within_discord_rules() {
        let commands = commands();
        assert_eq!(commands.len(), COMMANDS.len());
        for command in &commands {
            assert!(command.name.len() <= 32 && command.description.chars().count() <= 100);
            let mut names: Vec<_> = command.options.iter().map(|o| o.name.clone()).collect();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), command.options.len(), "{}", command.name);
            // Required options must come first.
            let required: Vec<bool> = command
                .options
                .iter()
                .map(|o| o.required == Some(true))
                .collect();
            assert!(
                required.windows(2).all(|w| w[0] || !w[1]),
                "{}",
                command.name
            );
        }
    }

    #[test]
    fn options_become_the_words_a_user_would_type() {
        let spec = etl_commands::registry::find("compare_players").unwrap();
        let options = vec![
            CommandDataOption {
                name: "player2".into(),
                value: CommandOptionValue::String("Nova".into()),
            },
            CommandDataOption {
                name: "player".into(),
                value: CommandOptionValue::String("Slomix".into()),
            },
        ];
        assert_eq!(tokens(spec, &options), ["Slomix", "vs", "Nova"]);
    }
}
