//! A private PostgreSQL cluster for fault rehearsals: its own data folder,
//! port and socket folder, so a test may stop and start it without touching
//! the machine's shared server (other tests use that one at the same time).
//!
//! Skips loudly when the server binaries are not installed; fails then when
//! `ETL_REQUIRE_PG=1`. initdb refuses to run as root, so as root every
//! server command runs as the `postgres` OS user, in a folder it owns.
//!
//! ```ignore
//! #[path = "support/postgres.rs"]
//! mod postgres;
//! ```
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// How `pg_ctl stop` takes the server away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Clients are disconnected, the server shuts down cleanly.
    Fast,
    /// Every server process is killed at once, like a crash; the next start
    /// replays the WAL.
    Immediate,
}

impl Stop {
    fn mode(self) -> &'static str {
        match self {
            Self::Fast => "fast",
            Self::Immediate => "immediate",
        }
    }
}

pub struct PrivatePostgres {
    /// Owns the data folder, the socket and the server log.
    pub dir: PathBuf,
    pub port: u16,
    bin: PathBuf,
    /// The OS user the server commands run as (`None`: this process's user).
    run_as: Option<&'static str>,
    running: bool,
    /// Processes stopped by [`Self::freeze`], to be continued.
    frozen: Vec<u32>,
}

fn require_or_skip(reason: &str) -> Option<PrivatePostgres> {
    if std::env::var("ETL_REQUIRE_PG").as_deref() == Ok("1") {
        panic!("ETL_REQUIRE_PG=1 but a private PostgreSQL cluster cannot be made: {reason}");
    }
    eprintln!("\n!!!!! SKIPPED private PostgreSQL: {reason} !!!!!\n");
    None
}

/// The folder holding initdb, pg_ctl and postgres: `pg_config --bindir`
/// when it has them, else the newest /usr/lib/postgresql/*/bin.
fn server_bin_dir() -> Option<PathBuf> {
    let has_server = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    if let Some(dir) = from_pg_config.filter(|d| has_server(d)) {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_server(dir))
        .collect();
    versions.sort();
    versions.pop().map(|(_, dir)| dir)
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("Uid:"))
        .and_then(|ids| ids.split_whitespace().nth(1))
        .is_some_and(|effective| effective == "0")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl PrivatePostgres {
    /// initdb and start a cluster of its own; `None` (said loudly) when the
    /// server binaries are missing.
    pub fn start(test: &str) -> Option<Self> {
        let Some(bin) = server_bin_dir() else {
            return require_or_skip(
                "no initdb/pg_ctl (pg_config --bindir, /usr/lib/postgresql/*/bin)",
            );
        };
        let run_as = if is_root() {
            let known = Command::new("id")
                .args(["-u", "postgres"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !known {
                return require_or_skip(
                    "running as root and there is no `postgres` OS user for initdb",
                );
            }
            Some("postgres")
        } else {
            None
        };
        let dir = std::env::temp_dir().join(format!("etl-pg-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut cluster = Self {
            dir,
            port: free_port(),
            bin,
            run_as,
            running: false,
            frozen: Vec::new(),
        };
        if let Some(user) = run_as {
            let owned = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&cluster.dir)
                .status()
                .unwrap();
            assert!(
                owned.success(),
                "cannot hand {} to {user}",
                cluster.dir.display()
            );
        }
        let data = cluster.data_dir();
        let initdb = cluster.server_command(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                // A test cluster: the data need not survive the machine, only the server.
                "--no-sync",
            ],
        );
        assert!(
            initdb.status.success(),
            "initdb failed: {}",
            describe(&initdb)
        );
        cluster.start_again();
        Some(cluster)
    }

    /// `postgres://postgres@127.0.0.1:PORT/postgres`: trust, no password.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server's own log, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("server.log")).unwrap_or_default()
    }

    /// Starts the (stopped) server on the same port; returns once it accepts
    /// connections.
    pub fn start_again(&mut self) {
        let data = self.data_dir();
        let log = self.dir.join("server.log");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.display()
        );
        let started = self.server_command(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-o",
                &options,
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        assert!(
            started.status.success(),
            "pg_ctl start failed: {}\n{}",
            describe(&started),
            self.log()
        );
        self.running = true;
    }

    /// Takes the server away; returns once its port is closed.
    pub fn stop(&mut self, how: Stop) {
        let data = self.data_dir();
        let stopped = self.server_command(
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-m", how.mode(), "-w", "stop"],
        );
        assert!(
            stopped.status.success(),
            "pg_ctl stop failed: {}",
            describe(&stopped)
        );
        self.running = false;
    }

    /// SIGSTOP to the server and every process it forked: connections stay
    /// open and the kernel still accepts new ones, but nothing answers, as
    /// when the database host hangs (a stalled disk, a paused VM).
    pub fn freeze(&mut self) {
        let postmaster = self.postmaster_pid();
        let mut pids = vec![postmaster];
        pids.extend(descendants(postmaster));
        for &pid in &pids {
            signal("-STOP", pid);
        }
        self.frozen = pids;
    }

    /// SIGCONT to what [`Self::freeze`] stopped.
    pub fn thaw(&mut self) {
        for pid in std::mem::take(&mut self.frozen) {
            signal("-CONT", pid);
        }
    }

    /// The first line of `postmaster.pid`.
    fn postmaster_pid(&self) -> u32 {
        let file = std::fs::read_to_string(self.data_dir().join("postmaster.pid")).unwrap();
        file.lines().next().unwrap().trim().parse().unwrap()
    }

    fn server_command(&self, program: &str, args: &[&str]) -> Output {
        let program = self.bin.join(program);
        let mut command = match self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&program);
                command
            }
            None => Command::new(&program),
        };
        // The postgres user may not enter the test's working folder.
        command
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", program.display()))
    }
}

fn describe(output: &Output) -> String {
    format!(
        "{}\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Only ever a positive pid of this cluster: never a process group.
fn signal(which: &str, pid: u32) {
    let _ = Command::new("kill")
        .arg(which)
        .arg(pid.to_string())
        .stderr(Stdio::null())
        .status();
}

/// Every process below `root`, from /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // The command name is in parentheses and may hold spaces: read after it.
        let Some(after) = stat.rfind(')').and_then(|i| stat.get(i + 1..)) else {
            continue;
        };
        if let Some(ppid) = after
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok())
        {
            parents.push((pid, ppid));
        }
    }
    let mut found = Vec::new();
    let mut frontier = vec![root];
    while let Some(parent) = frontier.pop() {
        for &(pid, ppid) in &parents {
            if ppid == parent && pid > 1 && !found.contains(&pid) {
                found.push(pid);
                frontier.push(pid);
            }
        }
    }
    found
}

impl Drop for PrivatePostgres {
    fn drop(&mut self) {
        // A stopped server would not hear pg_ctl.
        self.thaw();
        if self.running {
            // pg_ctl signals only the postmaster named in this cluster's pid file.
            let data = self.data_dir();
            let _ = self.server_command(
                "pg_ctl",
                &[
                    "-D",
                    data.to_str().unwrap_or_default(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ],
            );
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
