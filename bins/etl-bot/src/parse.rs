use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use comfy_table::{Cell, CellAlignment, Table, presets::UTF8_FULL_CONDENSED};
use etl_parser::{ParseError, Round};

#[derive(Debug, clap::Args)]
pub struct ParseArgs {
    /// Stats files (`YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt`).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The round 1 file of the map: the single round 2 file is printed as round 2 alone.
    #[arg(long, value_name = "FILE")]
    round1: Option<PathBuf>,
    /// One compact JSON object per file per line (JSON Lines).
    #[arg(long)]
    json: bool,
}

pub fn run(args: &ParseArgs) -> anyhow::Result<ExitCode> {
    let round1 = match &args.round1 {
        None => None,
        Some(path) => {
            if args.files.len() != 1 {
                bail!("--round1 goes with a single round 2 file");
            }
            Some(read(path).with_context(|| "cannot use --round1")?)
        }
    };
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut failed = 0usize;
    for path in &args.files {
        let round = read(path).and_then(|round| match &round1 {
            Some(round1) => Round::round_two_only(round1, &round).map_err(Into::into),
            None => Ok(round),
        });
        match round {
            Ok(round) if args.json => {
                serde_json::to_writer(&mut out, &round).map_err(std::io::Error::from)?;
                writeln!(out)?;
            }
            Ok(round) => writeln!(out, "{}", render(&round))?,
            Err(error) => {
                failed += 1;
                out.flush()?;
                crate::report(&format!("error: {error:#}"));
            }
        }
    }
    out.flush()?;
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn read(path: &Path) -> anyhow::Result<Round> {
    let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    Round::parse_named(&name, &bytes).map_err(|error| with_folder(error, path))
}

/// Parser errors name the bare file; the operator wants the path they typed.
fn with_folder(error: ParseError, path: &Path) -> anyhow::Error {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let message = error.to_string();
    match message.strip_prefix(&name) {
        Some(rest) => anyhow::anyhow!("{}{rest}", path.display()),
        None => anyhow::anyhow!("{}: {message}", path.display()),
    }
}

fn render(round: &Round) -> String {
    let h = &round.header;
    let title = match &round.file {
        Some(file) => format!("{} ({} {})", file.name, file.date(), file.time()),
        None => "(unnamed file)".to_owned(),
    };
    let side = |s: Option<etl_parser::Side>| s.map_or("-", |s| s.as_str());
    let mut text = format!(
        "{title}\n{} — {} round {}{} — defender {}, winner {}, limit {}, time {}\n",
        etl_parser::PlayerName::from_bytes(h.server.as_bytes()).clean(),
        h.map,
        h.round.get(),
        if round.round_only {
            " (round only)"
        } else {
            " (cumulative)"
        },
        side(h.defender),
        side(h.winner),
        clock(Some(h.time_limit_s)),
        clock(h.actual_time_s),
    );
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_header([
        "player", "team", "kills", "deaths", "kd", "hs", "damage", "dmg recv", "acc %", "xp",
        "revives", "time",
    ]);
    let mut players: Vec<_> = round.players.iter().collect();
    players.sort_by_key(|p| (p.team.map(|t| t.as_str()), std::cmp::Reverse(p.kills())));
    for p in players {
        let s = &p.stats;
        let numbers = [
            p.kills().to_string(),
            p.deaths().to_string(),
            format!("{:.1}", s.kd),
            p.headshots().to_string(),
            s.damage_given.to_string(),
            s.damage_received.to_string(),
            p.accuracy().map_or("-".to_owned(), |a| format!("{a:.1}")),
            s.xp.to_string(),
            s.revives_given.map_or("-".to_owned(), |r| r.to_string()),
            clock(u32::try_from(s.time_played_s).ok()),
        ];
        let mut row = vec![
            Cell::new(p.name.clean()),
            Cell::new(p.team.map_or("-", |t| t.as_str())),
        ];
        row.extend(
            numbers
                .into_iter()
                .map(|n| Cell::new(n).set_alignment(CellAlignment::Right)),
        );
        table.add_row(row);
    }
    text.push_str(&table.to_string());
    text
}

fn clock(seconds: Option<u32>) -> String {
    seconds.map_or("-".to_owned(), |s| format!("{}:{:02}", s / 60, s % 60))
}
