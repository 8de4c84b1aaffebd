//! Every command as data: names, help, usage, typed arguments. Discord slash
//! commands are registered from this table, and `help` is written from it.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Category {
    Player,
    Session,
    Team,
    Leaderboard,
    Sync,
    Admin,
    General,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Self::Player,
        Self::Session,
        Self::Team,
        Self::Leaderboard,
        Self::Sync,
        Self::Admin,
        Self::General,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Self::Player => "Player",
            Self::Session => "Session",
            Self::Team => "Team",
            Self::Leaderboard => "Leaderboard",
            Self::Sync => "Sync",
            Self::Admin => "Admin",
            Self::General => "General",
        }
    }
}

/// What an argument is; decides parsing, help and the slash option type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ArgKind {
    /// Any name, a GUID, `me` or a mention; autocompleted in Discord.
    Player,
    /// `today`, `7d`, `2025-11`, `all`, ...
    Window,
    /// A leaderboard metric; autocompleted.
    Metric,
    /// `A`/`B` (squads of a session) or `axis`/`allies`.
    Team,
    /// A command name.
    Command,
    /// A whole number.
    Count,
    /// A session id (`YYYY-MM-DD-HHMMSS`).
    Session,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
    pub help: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CommandSpec {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub category: Category,
    pub help: &'static str,
    pub usage: &'static str,
    pub examples: &'static [&'static str],
    pub args: &'static [ArgSpec],
    pub admin: bool,
    /// Takes long enough that Discord should be told to wait (deferred reply).
    pub slow: bool,
}

const fn arg(name: &'static str, kind: ArgKind, required: bool, help: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required,
        help,
    }
}

const PLAYER: ArgSpec = arg(
    "player",
    ArgKind::Player,
    true,
    "any name he used, his GUID, `me` or a mention",
);
const PLAYER_OPT: ArgSpec = arg(
    "player",
    ArgKind::Player,
    false,
    "any name he used, his GUID, `me` or a mention",
);
const WINDOW: ArgSpec = arg(
    "window",
    ArgKind::Window,
    false,
    "today, 7d, 1week, 30d, 2025-11, 2025-11-02, all (default all)",
);
const TEAM: ArgSpec = arg(
    "team",
    ArgKind::Team,
    false,
    "A or B (squads of the session) or axis / allies",
);
const SESSION: ArgSpec = arg(
    "session",
    ArgKind::Session,
    false,
    "a session id (default: the last one)",
);
const COUNT: ArgSpec = arg("count", ArgKind::Count, false, "how many");

macro_rules! command {
    ($name:literal, [$($alias:literal),*], $category:ident, $help:literal, $usage:literal, [$($example:literal),*], [$($arg:expr),*] $(, $flag:ident)*) => {
        CommandSpec {
            name: $name,
            aliases: &[$($alias),*],
            category: Category::$category,
            help: $help,
            usage: $usage,
            examples: &[$($example),*],
            args: &[$($arg),*],
            admin: command!(@admin $($flag)*),
            slow: command!(@slow $($flag)*),
        }
    };
    (@admin admin $($rest:ident)*) => { true };
    (@admin $first:ident $($rest:ident)*) => { command!(@admin $($rest)*) };
    (@admin) => { false };
    (@slow slow $($rest:ident)*) => { true };
    (@slow $first:ident $($rest:ident)*) => { command!(@slow $($rest)*) };
    (@slow) => { false };
}

pub const COMMANDS: &[CommandSpec] = &[
    // Player
    command!(
        "player_stats",
        ["stats", "ps"],
        Player,
        "A player's complete overview",
        "!player_stats <player> [window]",
        ["!player_stats Slomix", "!player_stats me 30d"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_summary",
        ["summary"],
        Player,
        "A player's condensed stats in one line each",
        "!player_summary <player> [window]",
        ["!player_summary Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_history",
        ["history"],
        Player,
        "A player's sessions, one line each",
        "!player_history <player> [window]",
        ["!player_history Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_weapons",
        ["weapons"],
        Player,
        "Kills, accuracy and headshots per weapon",
        "!player_weapons <player> [window]",
        ["!player_weapons Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_objectives",
        ["objectives"],
        Player,
        "Objectives: dynamites, steals, returns, repairs",
        "!player_objectives <player> [window]",
        ["!player_objectives Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "compare_players",
        ["compare", "vs"],
        Player,
        "Two players side by side",
        "!compare_players <player> vs <player> [window]",
        ["!compare_players Slomix vs Nova"],
        [PLAYER, PLAYER, WINDOW]
    ),
    command!(
        "player_maps",
        ["maps"],
        Player,
        "A player's performance per map",
        "!player_maps <player> [window]",
        ["!player_maps Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_trends",
        ["trends"],
        Player,
        "K/D, DPM and accuracy per session over time",
        "!player_trends <player> [window]",
        ["!player_trends Slomix 90d"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_recent",
        ["recent"],
        Player,
        "A player's last rounds",
        "!player_recent <player> [count]",
        ["!player_recent Slomix", "!player_recent Slomix 20"],
        [PLAYER, COUNT]
    ),
    command!(
        "player_achievements",
        ["achievements"],
        Player,
        "Milestones reached and best single rounds",
        "!player_achievements <player>",
        ["!player_achievements Slomix"],
        [PLAYER]
    ),
    command!(
        "player_efficiency",
        ["efficiency"],
        Player,
        "Efficiency: kills per death, per round, per minute",
        "!player_efficiency <player> [window]",
        ["!player_efficiency Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_combat",
        ["combat"],
        Player,
        "Combat: kills, damage, multikills, sprees",
        "!player_combat <player> [window]",
        ["!player_combat Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_support",
        ["support"],
        Player,
        "Support: revives, repairs, assists, team damage",
        "!player_support <player> [window]",
        ["!player_support Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_consistency",
        ["consistency"],
        Player,
        "How steady a player is from round to round (variance)",
        "!player_consistency <player> [window]",
        ["!player_consistency Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_rivals",
        ["rivals"],
        Player,
        "Most frequent opponents: the other squad in the same rounds",
        "!player_rivals <player> [window]",
        ["!player_rivals Slomix"],
        [PLAYER, WINDOW]
    ),
    command!(
        "player_teammates",
        ["teammates"],
        Player,
        "Best teammates: win rate together",
        "!player_teammates <player> [window]",
        ["!player_teammates Slomix"],
        [PLAYER, WINDOW]
    ),
    // Session
    command!(
        "session_start",
        [],
        Session,
        "Start a stats session now (monitoring on)",
        "!session_start",
        ["!session_start"],
        [],
        admin
    ),
    command!(
        "session_end",
        [],
        Session,
        "End the stats session now and post its summary",
        "!session_end",
        ["!session_end"],
        [],
        admin
    ),
    command!(
        "session_status",
        ["status"],
        Session,
        "Whether a session is running, and since when",
        "!session_status",
        ["!session_status"],
        []
    ),
    command!(
        "last_session",
        ["session", "ls"],
        Session,
        "The last session in full: maps, score, top players, awards",
        "!last_session [session]",
        ["!last_session"],
        [SESSION],
        slow
    ),
    command!(
        "last_round",
        ["round", "lr"],
        Session,
        "The last round played",
        "!last_round",
        ["!last_round"],
        []
    ),
    command!(
        "session_history",
        ["sessions"],
        Session,
        "Recent sessions, one line each",
        "!session_history [count]",
        ["!session_history", "!session_history 30"],
        [COUNT]
    ),
    // Team
    command!(
        "team_stats",
        ["team"],
        Team,
        "A squad's (or side's) totals in a session",
        "!team_stats [A|B|axis|allies] [session]",
        ["!team_stats A", "!team_stats axis"],
        [TEAM, SESSION]
    ),
    command!(
        "team_roster",
        ["roster"],
        Team,
        "Who played in each squad",
        "!team_roster [A|B] [session]",
        ["!team_roster"],
        [TEAM, SESSION]
    ),
    command!(
        "team_vs_team",
        ["tvt"],
        Team,
        "The squads head to head, map by map",
        "!team_vs_team [session]",
        ["!team_vs_team"],
        [SESSION]
    ),
    command!(
        "team_balance",
        ["balance"],
        Team,
        "How even the squads were",
        "!team_balance [session]",
        ["!team_balance"],
        [SESSION]
    ),
    command!(
        "team_synergy",
        ["synergy"],
        Team,
        "Pairs of players who win together",
        "!team_synergy [window]",
        ["!team_synergy 90d"],
        [WINDOW]
    ),
    command!(
        "team_objective",
        ["team_obj"],
        Team,
        "A squad's (or side's) objective work",
        "!team_objective [A|B|axis|allies] [session]",
        ["!team_objective axis"],
        [TEAM, SESSION]
    ),
    command!(
        "team_efficiency",
        ["team_eff"],
        Team,
        "Each squad's efficiency: K/D, DPM, accuracy",
        "!team_efficiency [session]",
        ["!team_efficiency"],
        [SESSION]
    ),
    command!(
        "team_history",
        [],
        Team,
        "Squads over time: a player's squads and results per session",
        "!team_history [player] [window]",
        ["!team_history Slomix"],
        [PLAYER_OPT, WINDOW]
    ),
    // Leaderboard
    command!(
        "leaderboard",
        ["lb", "top"],
        Leaderboard,
        "Top players by any metric",
        "!leaderboard <metric> [window]",
        ["!leaderboard kills", "!leaderboard dpm 30d"],
        [
            arg(
                "metric",
                ArgKind::Metric,
                false,
                "kills, kd, dpm, accuracy, ... (default kills)"
            ),
            WINDOW
        ]
    ),
    command!(
        "top_killers",
        [],
        Leaderboard,
        "Most kills",
        "!top_killers [window]",
        ["!top_killers"],
        [WINDOW]
    ),
    command!(
        "top_accuracy",
        [],
        Leaderboard,
        "Best accuracy",
        "!top_accuracy [window]",
        ["!top_accuracy"],
        [WINDOW]
    ),
    command!(
        "top_objectives",
        [],
        Leaderboard,
        "Most objective work",
        "!top_objectives [window]",
        ["!top_objectives"],
        [WINDOW]
    ),
    command!(
        "top_support",
        [],
        Leaderboard,
        "Most support: revives, repairs, assists",
        "!top_support [window]",
        ["!top_support"],
        [WINDOW]
    ),
    command!(
        "top_efficiency",
        [],
        Leaderboard,
        "Highest efficiency",
        "!top_efficiency [window]",
        ["!top_efficiency"],
        [WINDOW]
    ),
    command!(
        "worst_performers",
        ["bottom"],
        Leaderboard,
        "The bottom of the K/D table (all in good fun)",
        "!worst_performers [window]",
        ["!worst_performers"],
        [WINDOW]
    ),
    command!(
        "rank_player",
        ["rank"],
        Leaderboard,
        "A player's rank on every metric",
        "!rank_player <player> [window]",
        ["!rank_player Slomix"],
        [PLAYER, WINDOW]
    ),
    // Sync
    command!(
        "sync_stats",
        ["sync"],
        Sync,
        "Fetch and import round files of a window",
        "!sync_stats <window>",
        ["!sync_stats 1week"],
        [arg(
            "window",
            ArgKind::Window,
            true,
            "today, 7d, 1week, 2025-11, all"
        )],
        admin,
        slow
    ),
    command!(
        "sync_today",
        [],
        Sync,
        "Fetch and import today's round files",
        "!sync_today",
        ["!sync_today"],
        [],
        admin,
        slow
    ),
    command!(
        "sync_week",
        [],
        Sync,
        "Fetch and import the last 7 days",
        "!sync_week",
        ["!sync_week"],
        [],
        admin,
        slow
    ),
    command!(
        "sync_month",
        [],
        Sync,
        "Fetch and import the last 30 days",
        "!sync_month",
        ["!sync_month"],
        [],
        admin,
        slow
    ),
    command!(
        "sync_all",
        [],
        Sync,
        "Fetch and import every round file",
        "!sync_all",
        ["!sync_all"],
        [],
        admin,
        slow
    ),
    // Admin
    command!(
        "check_schema",
        [],
        Admin,
        "Check the database schema and migrations",
        "!check_schema",
        ["!check_schema"],
        [],
        admin
    ),
    command!(
        "list_tables",
        [],
        Admin,
        "The project's tables",
        "!list_tables",
        ["!list_tables"],
        [],
        admin
    ),
    command!(
        "count_records",
        [],
        Admin,
        "Rows per table",
        "!count_records",
        ["!count_records"],
        [],
        admin
    ),
    command!(
        "recent_imports",
        [],
        Admin,
        "The last files imported",
        "!recent_imports [count]",
        ["!recent_imports"],
        [COUNT],
        admin
    ),
    command!(
        "failed_imports",
        [],
        Admin,
        "Files that could not be imported, with the reason",
        "!failed_imports [count]",
        ["!failed_imports"],
        [COUNT],
        admin
    ),
    command!(
        "database_size",
        [],
        Admin,
        "How big the database is",
        "!database_size",
        ["!database_size"],
        [],
        admin
    ),
    command!(
        "backup_database",
        ["backup"],
        Admin,
        "A consistent backup of the database",
        "!backup_database",
        ["!backup_database"],
        [],
        admin,
        slow
    ),
    command!(
        "vacuum_database",
        ["vacuum"],
        Admin,
        "Reclaim space and refresh statistics",
        "!vacuum_database",
        ["!vacuum_database"],
        [],
        admin,
        slow
    ),
    command!(
        "clear_cache",
        [],
        Admin,
        "Forget cached answers",
        "!clear_cache",
        ["!clear_cache"],
        [],
        admin
    ),
    command!(
        "export_stats",
        ["export"],
        Admin,
        "Every player round as a CSV file",
        "!export_stats [window]",
        ["!export_stats 30d"],
        [WINDOW],
        admin,
        slow
    ),
    command!(
        "database_info",
        ["dbinfo"],
        Admin,
        "Backend, size, counts and range of the data",
        "!database_info",
        ["!database_info"],
        [],
        admin
    ),
    command!(
        "health",
        [],
        Admin,
        "Whether the bot is well: database, sources, Discord, disk (details for admins)",
        "!health",
        ["!health"],
        []
    ),
    command!(
        "metrics",
        [],
        Admin,
        "Files fetched and imported, command and posting latency, reconnects, uptime",
        "!metrics",
        ["!metrics"],
        [],
        admin
    ),
    // General
    command!(
        "help",
        ["h", "commands"],
        General,
        "All commands by category, or one command's usage",
        "!help [command]",
        ["!help", "!help player_stats"],
        [arg("command", ArgKind::Command, false, "a command name")]
    ),
    command!(
        "link",
        [],
        General,
        "Link your Discord account to your player",
        "!link <player>",
        ["!link Slomix", "!link A1B2C3D4"],
        [PLAYER]
    ),
    command!(
        "unlink",
        [],
        General,
        "Remove your account link",
        "!unlink",
        ["!unlink"],
        []
    ),
];

/// A command by its name or an alias (case-insensitive, `!` optional).
pub fn find(name: &str) -> Option<&'static CommandSpec> {
    let name = name.trim_start_matches(['!', '/']).to_lowercase();
    COMMANDS
        .iter()
        .find(|c| c.name == name)
        .or_else(|| COMMANDS.iter().find(|c| c.aliases.contains(&name.as_str())))
}
