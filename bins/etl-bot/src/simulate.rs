//! `etl-bot simulate`: writes simulated stopwatch nights (round files in the
//! server's format plus their `truth.json`) for tests and benchmarks.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use etl_sim::{Config, IndexEntry, Layout, generate_night, write_index, write_night};

#[derive(Debug, clap::Args)]
pub struct SimulateArgs {
    /// How many nights to generate.
    #[arg(long, value_name = "N")]
    nights: usize,
    /// Random seed: the same seed writes the same bytes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    /// Folder to write into (created if missing): one `sim-<date>/` per night.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Date of the first night (default 2025-01-03).
    #[arg(long, value_name = "YYYY-MM-DD")]
    start: Option<jiff::civil::Date>,
    /// A night every day instead of one a week.
    #[arg(long)]
    every_day: bool,
    /// All round files directly in DIR (for bulk import benchmarks); the
    /// truths go to DIR/truth/.
    #[arg(long)]
    flat: bool,
    /// Players per squad in every night (3-16; default: varies, mostly 6).
    #[arg(long, value_name = "N")]
    team_size: Option<u8>,
    /// Maps per night (1-25; default: varies, 6 to 12).
    #[arg(long, value_name = "N")]
    maps: Option<u8>,
}

pub fn run(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let defaults = Config::default();
    let config = Config {
        nights: args.nights,
        seed: args.seed,
        start: args.start.unwrap_or(defaults.start),
        every_day: args.every_day,
        team_size: args.team_size,
        maps: args.maps,
    };
    let layout = if args.flat {
        Layout::Flat
    } else {
        Layout::Nights
    };
    let started = Instant::now();
    let plans = config.plans()?;
    let mut index = Vec::with_capacity(plans.len());
    let (mut files, mut bytes) = (0usize, 0usize);
    for plan in &plans {
        let night = generate_night(plan)?;
        write_night(&night, &args.out, layout)
            .with_context(|| format!("cannot write {} under {}", night.id, args.out.display()))?;
        files += night.files.len();
        bytes += night.files.iter().map(|f| f.bytes.len()).sum::<usize>();
        index.push(IndexEntry::new(&night, layout));
    }
    write_index(&index, &args.out)
        .with_context(|| format!("cannot write index.json under {}", args.out.display()))?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {} nights, {files} round files ({:.1} MB) and their truth to {} in {:.2} s",
        plans.len(),
        bytes as f64 / 1e6,
        args.out.display(),
        started.elapsed().as_secs_f64()
    )?;
    Ok(ExitCode::SUCCESS)
}
