//! The database, for admins: schema, tables, counts, the import log, size,
//! backup, vacuum, CSV export.

use etl_store::models::{ProcessedFile, StatsRow};
use etl_store::{BackendKind, PlayerRecord, RecordFilter, TABLES, VIEWS};

use crate::reply::colour;
use crate::{Align, Attachment, CommandError, Context, Reply};

use super::Call;

pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "check_schema"
            | "list_tables"
            | "count_records"
            | "recent_imports"
            | "failed_imports"
            | "database_size"
            | "backup_database"
            | "vacuum_database"
            | "clear_cache"
            | "export_stats"
            | "database_info"
    )
}

pub(super) async fn run(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    match call.spec.name {
        "check_schema" => check_schema(ctx, call).await,
        "list_tables" => list_tables(ctx, call).await,
        "count_records" => count_records(ctx, call).await,
        "recent_imports" => recent_imports(ctx, call).await,
        "failed_imports" => failed_imports(ctx, call).await,
        "database_size" => database_size(ctx, call).await,
        "backup_database" => backup_database(ctx, call).await,
        "vacuum_database" => vacuum_database(ctx, call).await,
        "clear_cache" => clear_cache(call),
        "export_stats" => export_stats(ctx, call).await,
        "database_info" => database_info(ctx, call).await,
        name => Err(CommandError::Unavailable(format!(
            "`{name}` has no handler yet"
        ))),
    }
}

/// `1 round`, `8 rounds`.
fn plural(n: impl std::fmt::Display, one: &str, many: &str) -> String {
    let n = n.to_string();
    let word = if n == "1" { one } else { many };
    format!("{n} {word}")
}

/// `12.3 MiB (12,901,234 bytes)`.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    let mut digits = bytes.to_string();
    let mut index = digits.len();
    while index > 3 {
        index -= 3;
        digits.insert(index, ',');
    }
    let mut value = bytes as f64;
    let mut unit = None;
    for name in UNITS {
        if value < 1024.0 {
            break;
        }
        value /= 1024.0;
        unit = Some(name);
    }
    match unit {
        Some(unit) => format!("{value:.1} {unit} ({digits} bytes)"),
        None => format!("{digits} bytes"),
    }
}

/// `2025-11-20T08:00:00Z` (the importer's clock) as `2025-11-20 08:00:00`.
fn when(stamp: &str) -> String {
    stamp.replacen('T', " ", 1).trim_end_matches('Z').to_owned()
}

async fn check_schema(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let report = ctx.store.check_schema().await?;
    let migrations: Vec<String> = report
        .migrations
        .iter()
        .map(|m| {
            let name = m.name.clone().unwrap_or_else(|| m.version.clone());
            match (m.embedded, m.applied) {
                (true, true) => format!("✓ {name}"),
                (true, false) => format!("✗ {name}: pending (run `etl-bot migrate`)"),
                _ => format!("? {name}: applied by a newer build"),
            }
        })
        .collect();
    let tables = report.objects.iter().filter(|o| !o.view).count();
    let views = report.objects.len() - tables;
    let present = |view: bool| {
        report
            .objects
            .iter()
            .filter(|o| o.view == view && o.present)
            .count()
    };
    let missing: Vec<String> = report
        .missing()
        .map(|o| format!("{} ({})", o.name, if o.view { "view" } else { "table" }))
        .collect();
    let mut builder = Reply::builder("Schema check")
        .description(if report.is_ok() {
            format!(
                "The schema is up to date: {} applied, every table and view present.",
                plural(report.migrations.len(), "migration", "migrations")
            )
        } else {
            "The schema needs attention: see below.".to_owned()
        })
        .colour(if report.is_ok() {
            colour::SUCCESS
        } else {
            colour::ERROR
        })
        .field("Migrations", migrations.join("\n"), false)
        .field(
            "Tables",
            format!("{}/{tables} present", present(false)),
            true,
        )
        .field("Views", format!("{}/{views} present", present(true)), true);
    if !missing.is_empty() {
        builder = builder.field("Missing", missing.join("\n"), false);
    }
    if !report.unexpected.is_empty() {
        builder = builder.field("Not the project's", report.unexpected.join("\n"), false);
    }
    Ok(builder.build())
}

/// What each table holds, for `list_tables`.
fn holds(name: &str) -> &'static str {
    match name {
        "sessions" => "nights of consecutive rounds",
        "rounds" => "one row per imported round file",
        "round_files" => "the bytes of each round file",
        "players" => "players by GUID (bots by GUID and name)",
        "player_names" => "every name each player used",
        "player_round_stats" => "each player's line in each round",
        "player_round_weapons" => "each player's weapons in each round",
        "processed_files" => "every file the importer saw, and why one failed",
        "session_teams" => "squad rosters of each session",
        "team_history" => "each player's squad in each session",
        "discord_links" => "Discord accounts linked to players",
        "player_session_totals" => "each player's sums per session, for leaderboards over years",
        "round_announcements" => "round cards the bot posted or still has to post",
        "player_comprehensive_stats" => "one row per player round, for SQL dashboards",
        _ => "",
    }
}

async fn list_tables(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let report = ctx.store.check_schema().await?;
    let rows = report
        .objects
        .iter()
        .map(|o| {
            vec![
                o.name.to_owned(),
                match (o.view, o.present) {
                    (false, true) => "table",
                    (true, true) => "view",
                    (false, false) => "table (missing)",
                    (true, false) => "view (missing)",
                }
                .to_owned(),
                holds(o.name).to_owned(),
            ]
        })
        .collect();
    Ok(Reply::builder("Tables")
        .table(
            &["name", "kind", "holds"],
            &[Align::Left, Align::Left, Align::Left],
            rows,
        )
        .rows_per_page(20)
        .footer(format!(
            "{} and {}; !count_records for their rows",
            plural(TABLES.len(), "table", "tables"),
            plural(VIEWS.len(), "view", "views")
        ))
        .build())
}

async fn count_records(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let counts = ctx.store.table_counts().await?;
    let total: i64 = counts.iter().map(|(_, rows)| rows).sum();
    let rows = counts
        .iter()
        .map(|(name, rows)| vec![(*name).to_owned(), rows.to_string()])
        .collect();
    Ok(Reply::builder("Rows per table")
        .table(&["table", "rows"], &[Align::Left, Align::Right], rows)
        .rows_per_page(20)
        .footer(format!(
            "{} in {}",
            plural(total, "row", "rows"),
            plural(counts.len(), "table", "tables")
        ))
        .build())
}

async fn recent_imports(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let n = call.count_only(10, 50)?;
    let files = ctx.store.recent_imports(n).await?;
    if files.is_empty() {
        return Ok(Reply::message(
            "Recent imports",
            "No file has been imported yet.",
            colour::INFO,
        ));
    }
    let rows = files
        .iter()
        .map(|f| {
            vec![
                f.file_name.clone(),
                when(&f.processed_at),
                f.round_id.map(|id| id.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    Ok(Reply::builder("Recent imports")
        .table(
            &["file", "imported (UTC)", "round"],
            &[Align::Left, Align::Left, Align::Right],
            rows,
        )
        .footer(format!(
            "the last {}, newest first; !failed_imports for the others",
            plural(files.len(), "file", "files")
        ))
        .build())
}

/// The reason without the file name it usually starts with.
fn reason(file: &ProcessedFile) -> String {
    let error = file.error.as_deref().unwrap_or("no reason recorded");
    error
        .strip_prefix(file.file_name.as_str())
        .and_then(|rest| rest.strip_prefix(':'))
        .unwrap_or(error)
        .trim()
        .to_owned()
}

async fn failed_imports(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let n = call.count_only(10, 50)?;
    let files = ctx.store.failed_imports(n).await?;
    if files.is_empty() {
        return Ok(Reply::message(
            "Failed imports",
            "No failed imports: every file the importer saw was imported.",
            colour::SUCCESS,
        ));
    }
    let mut builder = Reply::builder("Failed imports")
        .description(format!(
            "{} could not be imported, newest first.",
            plural(files.len(), "file", "files")
        ))
        .colour(colour::WARNING);
    for file in &files {
        builder = builder.field(
            &file.file_name,
            format!(
                "{} UTC · {}\n{}",
                when(&file.processed_at),
                plural(file.attempts, "attempt", "attempts"),
                reason(file)
            ),
            false,
        );
    }
    Ok(builder.build())
}

fn backend_name(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Postgres => "PostgreSQL",
        BackendKind::Sqlite => "SQLite",
    }
}

async fn database_size(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let bytes = ctx.store.database_size().await?;
    let what = match ctx.store.backend() {
        BackendKind::Postgres => "the PostgreSQL database (pg_database_size)",
        BackendKind::Sqlite => "the SQLite file and its write-ahead log",
    };
    Ok(Reply::builder("Database size")
        .description(size(bytes))
        .footer(format!("measured: {what}"))
        .build())
}

async fn backup_database(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let backup = ctx.store.backup(&ctx.settings.backup_dir).await?;
    Ok(Reply::builder("Backup written")
        .description(format!(
            "A consistent copy, read back: it holds {}.",
            plural(backup.rounds, "round", "rounds")
        ))
        .field("Path", format!("`{}`", backup.path.display()), false)
        .field("Size", size(backup.bytes), true)
        .field("Format", backup.format.as_str(), true)
        .colour(colour::SUCCESS)
        .build())
}

async fn vacuum_database(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let before = ctx.store.database_size().await?;
    ctx.store.vacuum().await?;
    let after = ctx.store.database_size().await?;
    let note = match ctx.store.backend() {
        BackendKind::Postgres => {
            "PostgreSQL: dead rows freed for reuse and statistics refreshed (the files rarely shrink)."
        }
        BackendKind::Sqlite => "SQLite: the file was rebuilt and statistics refreshed.",
    };
    let (change, by) = if after <= before {
        ("Reclaimed", before - after)
    } else {
        // Fresh statistics (ANALYZE) take a few pages of their own.
        ("Grew by", after - before)
    };
    Ok(Reply::builder("Vacuum done")
        .description(note)
        .field("Before", size(before), true)
        .field("After", size(after), true)
        .field(change, size(by), true)
        .colour(colour::SUCCESS)
        .build())
}

fn clear_cache(call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    Ok(Reply::message(
        "Cache",
        "Nothing cached: every answer is read from the database, so there is nothing to clear.",
        colour::INFO,
    ))
}

async fn database_info(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let info = ctx.store.info().await?;
    let counts = ctx.store.table_counts().await?;
    let bytes = ctx.store.database_size().await?;
    let count = |name: &str| {
        counts
            .iter()
            .chain(&info.counts)
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, rows)| *rows)
    };
    let range = match (&info.first_round, &info.last_round) {
        (Some(first), Some(last)) => format!("{first} to {last}"),
        _ => "no rounds yet".to_owned(),
    };
    let rows = counts
        .iter()
        .map(|(name, rows)| format!("{name}: {rows}"))
        .collect::<Vec<_>>()
        .join("\n");
    Ok(Reply::builder("Database")
        .field("Backend", backend_name(ctx.store.backend()), true)
        .field("Size", size(bytes), true)
        .field("URL", format!("`{}`", info.url), false)
        .field("Rounds played", range, false)
        .field("Rounds", count("rounds").to_string(), true)
        .field("Sessions", count("sessions").to_string(), true)
        .field("Players", count("players").to_string(), true)
        .field("Failed files", count("failed_files").to_string(), true)
        .field("Rows", rows, false)
        .build())
}

/// A value as a CSV cell.
trait CsvValue {
    fn csv(&self) -> String;
}

impl CsvValue for i64 {
    fn csv(&self) -> String {
        self.to_string()
    }
}

impl CsvValue for f64 {
    fn csv(&self) -> String {
        self.to_string()
    }
}

impl CsvValue for Option<i64> {
    fn csv(&self) -> String {
        self.map(|v| v.to_string()).unwrap_or_default()
    }
}

macro_rules! stat_columns {
    ($($field:ident),* $(,)?) => {
        /// The stat columns of the CSV, in the store's column order.
        pub(crate) const STAT_COLUMNS: &[&str] = &[$(stringify!($field)),*];

        fn stat_values(stats: &StatsRow, row: &mut Vec<String>) {
            $( row.push(stats.$field.csv()); )*
        }
    };
}

stat_columns!(
    kills,
    deaths,
    headshots,
    hits,
    shots,
    damage_given,
    damage_received,
    team_damage_given,
    team_damage_received,
    gibs,
    self_kills,
    team_kills,
    team_gibs,
    time_played_pct,
    xp,
    killing_spree,
    death_spree,
    kill_assists,
    kill_steals,
    headshot_kills,
    objectives_stolen,
    objectives_returned,
    dynamites_planted,
    dynamites_defused,
    times_revived,
    bullets_fired,
    dpm,
    time_played_s,
    tank_meatshield,
    time_dead_ratio,
    time_dead_s,
    kd,
    useful_kills,
    denied_playtime_s,
    multikill_2,
    multikill_3,
    multikill_4,
    multikill_5,
    multikill_6,
    useless_kills,
    full_selfkills,
    repairs_constructions,
    revives_given,
);

/// The columns before the stats.
const ROW_COLUMNS: [&str; 8] = [
    "session",
    "played_at",
    "map",
    "round",
    "guid",
    "name",
    "team",
    "squad",
];

/// A text cell a spreadsheet would run as a formula gets a leading `'`.
fn defuse(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// One CSV line (RFC 4180): cells with a comma, quote or line break are quoted.
fn csv_line(out: &mut String, cells: &[String]) {
    for (index, cell) in cells.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

/// The CSV of round-only player rows: a header, then one line per row.
pub(crate) fn records_csv(records: &[PlayerRecord]) -> String {
    let mut out = String::new();
    let header: Vec<String> = ROW_COLUMNS
        .iter()
        .chain(STAT_COLUMNS)
        .map(|c| (*c).to_owned())
        .collect();
    csv_line(&mut out, &header);
    let mut row = Vec::with_capacity(header.len());
    for record in records {
        row.clear();
        row.push(defuse(record.round.session_id.as_deref().unwrap_or("")));
        row.push(defuse(&record.round.played_at));
        row.push(defuse(&record.round.map));
        row.push(record.round.round_number.to_string());
        row.push(defuse(&record.player.guid));
        row.push(defuse(&record.stats.clean_name));
        row.push(defuse(record.stats.team.as_deref().unwrap_or("")));
        row.push(defuse(record.stats.squad.as_deref().unwrap_or("")));
        stat_values(&record.stats, &mut row);
        csv_line(&mut out, &row);
    }
    out
}

async fn export_stats(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let window = call.window_only(ctx)?;
    let (from, to) = window.bounds();
    let records = ctx
        .store
        .records(&RecordFilter {
            from,
            to,
            ..RecordFilter::default()
        })
        .await?;
    if records.is_empty() {
        return Ok(Reply::message(
            "Export",
            format!("No rounds in {}: nothing to export.", window.label),
            colour::WARNING,
        ));
    }
    let mut rounds: Vec<i64> = records.iter().map(|r| r.round.id).collect();
    rounds.sort_unstable();
    rounds.dedup();
    let slug: String = call
        .tokens
        .first()
        .map_or("all", String::as_str)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let csv = records_csv(&records);
    Ok(Reply::builder("Export")
        .description(format!(
            "{} from {} in {}, one line each.",
            plural(
                records.len(),
                "player round",
                "player rounds"
            ),
            plural(
                rounds.len(),
                "round",
                "rounds"
            ),
            window.label
        ))
        .footer(
            "round-only values, bots left out; text starting with = + - @ gets a leading ' so spreadsheets do not run it",
        )
        .attachment(Attachment::new(
            format!("etl-stats-{slug}.csv"),
            "text/csv",
            csv.into_bytes(),
        ))
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_quoted_when_they_must_be() {
        let mut out = String::new();
        csv_line(
            &mut out,
            &[
                "plain".into(),
                "a,b".into(),
                "say \"hi\"".into(),
                "two\nlines".into(),
                String::new(),
            ],
        );
        assert_eq!(out, "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\r\n");
        assert_eq!(defuse("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(defuse("Slomix"), "Slomix");
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(size(512), "512 bytes");
        assert_eq!(size(1536), "1.5 KiB (1,536 bytes)");
        assert_eq!(size(5 * 1024 * 1024), "5.0 MiB (5,242,880 bytes)");
    }
}
