//! `import`, `export`, `db info`, `migrate`: the store from the command line.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use etl_parser::FileKind;
use etl_store::{ImportOutcome, Store};
use indicatif::{ProgressBar, ProgressStyle};

use etl_bot::config::Config;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Round files, or folders to search recursively for them.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// After the import, answer this command as `etl-bot ask` would (repeatable).
    #[arg(long, value_name = "COMMAND")]
    show: Vec<String>,
}

pub async fn open(config: &Config) -> anyhow::Result<Store> {
    Store::open(&config.database_url, config.import_options())
        .await
        .with_context(|| {
            format!(
                "cannot open the database {}",
                etl_store::redact(&config.database_url)
            )
        })
}

/// A file to import, with the time its name carries for ordering.
struct Candidate {
    path: PathBuf,
    order: (Option<jiff::civil::DateTime>, String),
}

fn collect(paths: &[PathBuf]) -> anyhow::Result<(Vec<Candidate>, Vec<String>)> {
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, &mut found, &mut skipped)?;
        } else if path.is_file() {
            found.push(candidate(path));
        } else {
            anyhow::bail!("{}: no such file or folder", path.display());
        }
    }
    found.sort_by(|a, b| a.order.cmp(&b.order));
    found.dedup_by(|a, b| a.path == b.path);
    Ok((found, skipped))
}

fn walk(dir: &Path, found: &mut Vec<Candidate>, skipped: &mut Vec<String>) -> anyhow::Result<()> {
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?
    {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, found, skipped)?;
            continue;
        }
        let name = file_name(&path);
        // In a folder, only what looks like a stats file is ours; side files are skipped on purpose.
        match FileKind::classify(&name) {
            Ok(FileKind::Round(_)) => found.push(candidate(&path)),
            Ok(_) => skipped.push(format!("{}: side file, not a round", path.display())),
            Err(_) => {}
        }
    }
    Ok(())
}

fn candidate(path: &Path) -> Candidate {
    let name = file_name(path);
    let time = match FileKind::classify(&name) {
        Ok(FileKind::Round(file)) => Some(file.written_at),
        _ => None,
    };
    Candidate {
        path: path.to_path_buf(),
        order: (time, name),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Files per transaction in a bulk import.
const IMPORT_BATCH: usize = 200;
/// The sessions table after an import shows this many of the latest.
const SESSIONS_SHOWN: usize = 10;
/// After importing this many files the planner's statistics are refreshed.
const ANALYZE_AFTER: usize = 1000;

pub async fn import(config: &Config, args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let (files, side_files) = collect(&args.paths)?;
    let progress = if io::stderr().is_terminal() {
        ProgressBar::new(files.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut imported, mut already, mut failed) = (0usize, 0usize, Vec::new());
    let mut touched: Vec<String> = Vec::new();
    // A batch is one transaction (each file still all or nothing): fewer
    // commits and one squad detection per session and batch. Killed halfway,
    // the batch is rolled back and the next run imports it again.
    for batch in files.chunks(IMPORT_BATCH) {
        let mut contents = Vec::with_capacity(batch.len());
        for file in batch {
            let bytes = std::fs::read(&file.path)
                .with_context(|| format!("cannot read {}", file.path.display()))?;
            contents.push((file_name(&file.path), bytes));
        }
        if let Some((name, _)) = contents.last() {
            progress.set_message(name.clone());
        }
        let inputs: Vec<(&str, &[u8])> = contents
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        for outcome in store.import_files(&inputs).await? {
            match outcome {
                ImportOutcome::Imported { session_id, .. } => {
                    imported += 1;
                    if !touched.contains(&session_id) {
                        touched.push(session_id);
                    }
                }
                ImportOutcome::AlreadyImported { .. } => already += 1,
                ImportOutcome::Failed { error, .. } | ImportOutcome::Refused { error, .. } => {
                    failed.push(error)
                }
                _ => {}
            }
        }
        progress.inc(batch.len() as u64);
    }
    progress.finish_and_clear();
    if imported >= ANALYZE_AFTER {
        store.analyze().await?;
    }
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "imported {imported}, skipped {} (already imported {already}, side files {}), failed {}",
        already + side_files.len(),
        side_files.len(),
        failed.len()
    )?;
    for error in &failed {
        writeln!(out, "  failed: {error}")?;
    }
    // Later files can merge or rename sessions: show what they are now.
    let earlier = touched.len().saturating_sub(SESSIONS_SHOWN);
    let sessions = store
        .export_sessions(touched.get(earlier..).unwrap_or_default())
        .await?
        .sessions;
    if !sessions.is_empty() {
        let shown: Vec<_> = sessions.iter().collect();
        writeln!(out, "{}", sessions_table(&shown))?;
    }
    if earlier > 0 {
        writeln!(
            out,
            "(and {earlier} earlier sessions touched by this import)"
        )?;
    }
    drop(out);
    for line in &args.show {
        show(config, &store, line).await?;
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

pub async fn export(config: &Config) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let export = store.export().await?;
    let mut out = BufWriter::new(io::stdout().lock());
    serde_json::to_writer(&mut out, &export).map_err(io::Error::from)?;
    writeln!(out)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub async fn info(config: &Config) -> anyhow::Result<ExitCode> {
    let store = open(config).await?;
    let info = store.info().await?;
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header(["", ""]);
    table.add_row(["backend", info.backend]);
    table.add_row(["url", &info.url]);
    table.add_row(["first round", info.first_round.as_deref().unwrap_or("-")]);
    table.add_row(["last round", info.last_round.as_deref().unwrap_or("-")]);
    for (name, count) in &info.counts {
        table.add_row([name.to_string(), count.to_string()]);
    }
    writeln!(io::stdout().lock(), "{table}")?;
    Ok(ExitCode::SUCCESS)
}

pub async fn migrate(config: &Config) -> anyhow::Result<ExitCode> {
    let store = Store::connect(&config.database_url, config.import_options()).await?;
    let applied = store.migrate().await?;
    let mut out = io::stdout().lock();
    if applied.is_empty() {
        writeln!(out, "{}: schema is up to date", store.url())?;
    }
    for name in applied {
        writeln!(out, "applied {name}")?;
    }
    Ok(ExitCode::SUCCESS)
}

fn sessions_table(sessions: &[&etl_store::ExportedSession]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_header(["session", "started", "ended", "rounds", "players", "maps"]);
    for session in sessions {
        let mut maps: Vec<&str> = Vec::new();
        for round in &session.rounds {
            if round.round == 1 || maps.last() != Some(&round.map.as_str()) {
                maps.push(&round.map);
            }
        }
        let players: std::collections::HashSet<&str> = session
            .rounds
            .iter()
            .flat_map(|r| r.players.iter().map(|p| p.player.guid.as_str()))
            .collect();
        table.add_row([
            session.id.clone(),
            session.started_at.clone(),
            session.ended_at.clone(),
            session.rounds.len().to_string(),
            players.len().to_string(),
            maps.join(", "),
        ]);
    }
    table
}

/// Prints a command's reply after an import, as the operator at the terminal.
async fn show(config: &Config, store: &Store, line: &str) -> anyhow::Result<()> {
    let settings = config.command_settings();
    let ctx = etl_commands::Context {
        store,
        settings: &settings,
        caller: etl_commands::Caller {
            discord_id: None,
            is_admin: true,
        },
        session: None,
        sync: None,
        ops: None,
        now: config.session.now()?,
    };
    let text = match etl_commands::run(&ctx, line).await {
        Ok(reply) => reply.to_text(),
        Err(error) => format!("{line}: {error}\n"),
    };
    write!(io::stdout().lock(), "\n{text}")?;
    Ok(())
}
