//! A real OpenSSH server on loopback for tests: temp config, host key and
//! authorized key. Skips loudly when sshd is not installed; fails then when
//! `ETL_REQUIRE_SSHD=1`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    pub dir: PathBuf,
    pub port: u16,
    pub remote_dir: PathBuf,
    pub client_key: PathBuf,
    pub host_public_key: String,
    child: Option<Child>,
}

fn keygen(path: &Path, kind: &str) {
    let _ = std::fs::remove_file(path);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-m", "PEM", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("ssh-keygen");
    assert!(status.success());
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Sshd {
    pub fn start(test: &str) -> Option<Self> {
        if !Path::new(SSHD).exists() {
            if std::env::var("ETL_REQUIRE_SSHD").as_deref() == Ok("1") {
                panic!(
                    "ETL_REQUIRE_SSHD=1 but {SSHD} is not installed (apt-get install openssh-server)"
                );
            }
            eprintln!("\n!!!!! SKIPPED: {SSHD} is not installed !!!!!\n");
            return None;
        }
        std::fs::create_dir_all("/run/sshd").unwrap();
        let dir = std::env::temp_dir().join(format!("etl-sshd-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let remote_dir = dir.join("gamestats");
        std::fs::create_dir_all(&remote_dir).unwrap();
        keygen(&dir.join("host_key"), "rsa");
        keygen(&dir.join("client_key"), "rsa");
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
        let host_public_key = std::fs::read_to_string(dir.join("host_key.pub")).unwrap();
        let mut sshd = Self {
            port: free_port(),
            remote_dir,
            client_key: dir.join("client_key"),
            host_public_key,
            dir,
            child: None,
        };
        sshd.write_config();
        sshd.spawn();
        Some(sshd)
    }

    fn write_config(&self) {
        let d = self.dir.display();
        std::fs::write(
            self.dir.join("sshd_config"),
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
                 AuthorizedKeysFile {d}/authorized_keys\nStrictModes no\nPasswordAuthentication no\n\
                 KbdInteractiveAuthentication no\nUsePAM no\nPermitRootLogin prohibit-password\n\
                 Subsystem sftp internal-sftp\nLogLevel ERROR\n",
                port = self.port
            ),
        )
        .unwrap();
    }

    /// (Re)starts the server on the same port with the same keys.
    pub fn spawn(&mut self) {
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(self.dir.join("sshd_config"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "sshd did not listen"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL to the server and every connection process it forked.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let pids = descendants(child.id());
            let _ = child.kill();
            for pid in pids {
                // Only ever a positive, known pid: never a process group.
                let _ = Command::new("kill")
                    .arg("-9")
                    .arg(pid.to_string())
                    .stderr(Stdio::null())
                    .status();
            }
            let _ = child.wait();
        }
    }

    pub fn user(&self) -> String {
        std::env::var("USER")
            .ok()
            .filter(|u| !u.is_empty())
            .unwrap_or_else(|| "root".to_owned())
    }

    /// A known_hosts file that trusts this server's key.
    pub fn known_hosts(&self) -> PathBuf {
        let path = self.dir.join("known_hosts");
        let mut parts = self.host_public_key.split_whitespace();
        let (kind, key) = (parts.next().unwrap(), parts.next().unwrap());
        std::fs::write(&path, format!("[127.0.0.1]:{} {kind} {key}\n", self.port)).unwrap();
        path
    }

    /// A known_hosts file with some other key for this host.
    pub fn wrong_known_hosts(&self) -> PathBuf {
        keygen(&self.dir.join("other_host_key"), "rsa");
        let other = std::fs::read_to_string(self.dir.join("other_host_key.pub")).unwrap();
        let mut parts = other.split_whitespace();
        let (kind, key) = (parts.next().unwrap(), parts.next().unwrap());
        let path = self.dir.join("wrong_known_hosts");
        std::fs::write(&path, format!("[127.0.0.1]:{} {kind} {key}\n", self.port)).unwrap();
        path
    }
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
        let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
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

impl Drop for Sshd {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Fault rehearsals: the server's own account of what was read, and its port
/// held by a stand-in while it is away. Not every test binary uses them.
#[allow(dead_code)]
impl Sshd {
    /// From now on (this restarts the server, same port and keys) sftp-server
    /// logs every operation to [`Self::sftp_log`]: `opendir "…"`, `open "…"
    /// flags READ …`, `close "…" bytes read N …`. OpenSSH's internal-sftp logs
    /// only to syslog, so the stand-alone sftp-server runs behind a wrapper
    /// that sends its stderr to the file.
    pub fn log_sftp_operations(&mut self) {
        let server = ["/usr/lib/openssh/sftp-server", "/usr/libexec/sftp-server"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("no sftp-server binary next to sshd");
        let wrapper = self.dir.join("sftp-server-logged");
        std::fs::write(
            &wrapper,
            format!(
                "#!/bin/sh\nexec {server} -e -l INFO 2>>{}\n",
                self.sftp_log().display()
            ),
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
        let config_path = self.dir.join("sshd_config");
        let config = std::fs::read_to_string(&config_path).unwrap().replace(
            "Subsystem sftp internal-sftp",
            &format!("Subsystem sftp {}", wrapper.display()),
        );
        std::fs::write(&config_path, config).unwrap();
        self.restart();
    }

    pub fn sftp_log(&self) -> PathBuf {
        self.dir.join("sftp.log")
    }

    /// How often sftp-server opened `name` (in the remote folder) for reading.
    pub fn reads_of(&self, name: &str) -> usize {
        let opened = format!(
            "open \"{}\" flags READ",
            self.remote_dir.join(name).display()
        );
        std::fs::read_to_string(self.sftp_log())
            .unwrap_or_default()
            .lines()
            .filter(|line| line.contains(&opened))
            .count()
    }

    /// Kills the server and starts it again on the same port with the same keys.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// While the server is away ([`Self::kill`]), something else answers on
    /// its port: it accepts each connection, notes when, and hangs up at
    /// once, so a client's every attempt is seen (a closed port would refuse
    /// them unseen). Drop it before [`Self::spawn`].
    pub fn hold_port(&self) -> PortHolder {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let attempts = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let thread = {
            let (attempts, stop) = (attempts.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    match listener.accept() {
                        // Dropping the stream hangs up.
                        Ok(_) => attempts.lock().unwrap().push(Instant::now()),
                        Err(_) => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            })
        };
        PortHolder {
            attempts,
            stop,
            thread: Some(thread),
        }
    }
}

/// See [`Sshd::hold_port`]; the port is free again once this is dropped.
#[allow(dead_code)]
pub struct PortHolder {
    attempts: std::sync::Arc<std::sync::Mutex<Vec<Instant>>>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[allow(dead_code)]
impl PortHolder {
    /// When each connection came, oldest first.
    pub fn attempts(&self) -> Vec<Instant> {
        self.attempts.lock().unwrap().clone()
    }
}

impl Drop for PortHolder {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
