//! `etl-bot check-config`: every problem with the configuration, at once.

use std::io::{self, Write};
use std::process::ExitCode;

use etl_bot::config::{Config, SourceKind};

pub async fn run(config: &Config) -> anyhow::Result<ExitCode> {
    let mut problems: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let d = &config.discord;
    match d.token.as_deref().map(str::trim) {
        None | Some("") => problems.push("discord.token is missing: set ETL_DISCORD__TOKEN".into()),
        Some(token) if token.chars().any(char::is_whitespace) => {
            problems.push("discord.token does not look like a bot token".into());
        }
        Some(_) => notes.push("discord.token is set (not shown)".into()),
    }
    if d.guild_id.is_none() {
        problems.push("discord.guild_id is missing (the server the bot serves)".into());
    }
    if d.stats_channel_id.is_none() {
        problems.push(
            "discord.stats_channel_id is missing (where rounds and sessions are posted)".into(),
        );
    }
    if d.admin_role_id.is_none() {
        notes.push(
            "discord.admin_role_id is not set: only Manage Server can run admin commands".into(),
        );
    }
    if d.voice_channel_ids.is_empty() {
        notes.push("discord.voice_channel_ids is empty: sessions start only by command".into());
    }
    if let Some(url) = &d.gateway_url
        && !(url.starts_with("ws://") || url.starts_with("wss://"))
    {
        problems.push(format!(
            "discord.gateway_url {url:?} must start with ws:// or wss://"
        ));
    }
    if let Some(proxy) = &d.api_proxy
        && proxy.contains("://")
    {
        problems.push(format!(
            "discord.api_proxy {proxy:?} must be host:port, without a scheme"
        ));
    }
    if let Err(error) = config.session.machine_config() {
        problems.push(format!("[session]: {error:#}"));
    }
    for source in &config.sources {
        match &source.kind {
            SourceKind::Local { path } if !path.is_dir() => {
                problems.push(format!(
                    "source {}: folder {} does not exist",
                    source.name,
                    path.display()
                ));
            }
            SourceKind::Ssh(ssh) => {
                if !ssh.key_path.is_file() {
                    problems.push(format!(
                        "source {}: key file {} does not exist",
                        source.name,
                        ssh.key_path.display()
                    ));
                }
                if !ssh.known_hosts.is_file() && !ssh.trust_new_host_key {
                    problems.push(format!(
                        "source {}: known_hosts {} does not exist (create it with ssh-keyscan, or set trust_new_host_key = true once)",
                        source.name,
                        ssh.known_hosts.display()
                    ));
                }
                if let Some(variable) = &ssh.passphrase_env
                    && std::env::var_os(variable).is_none()
                {
                    problems.push(format!(
                        "source {}: passphrase variable {variable} is not set",
                        source.name
                    ));
                }
            }
            SourceKind::Local { .. } => {}
        }
    }
    maintenance_notes(config, &mut notes);
    ops_notes(config, &mut notes);
    if config.sources.is_empty() {
        notes.push("no [[sources]]: rounds are not fetched automatically".into());
    }
    match etl_store::Store::connect(&config.database_url, config.import_options()).await {
        Ok(store) => notes.push(format!("database {} answers", store.url())),
        Err(error) => problems.push(format!("database: {error}")),
    }
    let mut out = io::stdout().lock();
    for note in &notes {
        writeln!(out, "ok: {note}")?;
    }
    for problem in &problems {
        writeln!(out, "problem: {problem}")?;
    }
    if problems.is_empty() {
        writeln!(out, "the configuration is complete")?;
        Ok(ExitCode::SUCCESS)
    } else {
        writeln!(out, "{} problem(s)", problems.len())?;
        Ok(ExitCode::FAILURE)
    }
}

/// What `[maintenance]` will do, and whether PostgreSQL backups can be dumps.
fn maintenance_notes(config: &Config, notes: &mut Vec<String>) {
    let m = &config.maintenance;
    let dir = config.commands.backup_dir.display();
    notes.push(match (m.backup_every_h, m.keep_backups) {
        (0, _) => "maintenance.backup_every_h = 0: no scheduled backups".to_owned(),
        (every, 0) => format!("a backup every {every} h into {dir}, all kept"),
        (every, keep) => format!("a backup every {every} h into {dir}, the newest {keep} kept"),
    });
    notes.push(match m.vacuum_every_h {
        0 => "maintenance.vacuum_every_h = 0: no scheduled VACUUM / ANALYZE".to_owned(),
        every => format!("VACUUM / ANALYZE every {every} h"),
    });
    notes.push(match m.prune_downloads_after_days {
        0 => "maintenance.prune_downloads_after_days = 0: downloaded files are kept".to_owned(),
        days => format!(
            "downloaded files the database holds are deleted from {} after {days} days",
            config.ingest.local_dir.display()
        ),
    });
    let postgres = etl_store::sqlite_path(&config.database_url).is_none();
    let dumps = || {
        std::process::Command::new(&m.pg_dump)
            .arg("--version")
            .stdin(std::process::Stdio::null())
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if postgres && m.backup_every_h > 0 && !dumps() {
        notes.push(format!(
            "maintenance.pg_dump ({}) does not run: PostgreSQL backups will be logical JSON exports",
            m.pg_dump.display()
        ));
    }
}

/// What `[health]` and `[metrics]` will do.
fn ops_notes(config: &Config, notes: &mut Vec<String>) {
    let health = &config.health;
    if health.interval_s == 0 {
        notes.push("health.interval_s = 0: no self-checks, no alerts".to_owned());
    } else {
        notes.push(format!(
            "a self-check every {} s; a problem seen {} times in a row is posted once",
            health.interval_s, health.alert_after_checks
        ));
        if config.discord.admin_channel_id.is_none() {
            notes.push(
                "discord.admin_channel_id is not set: health alerts only go to the log".to_owned(),
            );
        }
    }
    match config.metrics.address() {
        Ok(address) if config.metrics.enabled => {
            notes.push(format!("metrics at http://{address}/metrics"));
            if !address.ip().is_loopback() {
                notes.push(format!(
                    "metrics.listen {address} is not loopback: whoever reaches it reads the metrics"
                ));
            }
        }
        _ => notes.push("no metrics endpoint ([metrics] enabled = false)".to_owned()),
    }
}
