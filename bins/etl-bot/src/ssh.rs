//! The SSH source: SFTP on the game server, blocking (ssh2), one session
//! reused across polls and rebuilt after any error.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use base64::Engine;
use etl_ingest::{IngestError, RemoteFile, Source};
use serde::{Deserialize, Serialize};
use ssh2::{CheckResult, HashType, KnownHostFileKind, Session, Sftp};

/// `[[sources]]` with `kind = "ssh"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshSettings {
    pub host: String,
    #[serde(default = "default_port")]
    pub port: u16,
    pub user: String,
    pub key_path: PathBuf,
    /// The environment variable that holds the key's passphrase, if it has one.
    #[serde(default)]
    pub passphrase_env: Option<String>,
    pub known_hosts: PathBuf,
    pub remote_dir: String,
    /// Trust and record a host key not yet in `known_hosts` (never a changed one).
    #[serde(default)]
    pub trust_new_host_key: bool,
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_s: u64,
    #[serde(default = "default_transfer_timeout")]
    pub transfer_timeout_s: u64,
}

fn default_port() -> u16 {
    22
}

fn default_connect_timeout() -> u64 {
    10
}

fn default_transfer_timeout() -> u64 {
    30
}

struct Connection {
    // Dropped before the session it belongs to.
    sftp: Sftp,
    _session: Session,
}

pub struct SshSource {
    settings: SshSettings,
    connection: Mutex<Option<Connection>>,
}

impl std::fmt::Debug for SshSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SshSource")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

fn fail(message: impl Into<String>) -> IngestError {
    IngestError::Source(message.into())
}

impl SshSource {
    pub fn new(settings: SshSettings) -> Self {
        Self {
            settings,
            connection: Mutex::new(None),
        }
    }

    fn target(&self) -> String {
        format!(
            "{}@{}:{}",
            self.settings.user, self.settings.host, self.settings.port
        )
    }

    fn connect(&self) -> Result<Connection, IngestError> {
        let s = &self.settings;
        let target = self.target();
        let address = (s.host.as_str(), s.port)
            .to_socket_addrs()
            .map_err(|e| fail(format!("ssh {target}: cannot resolve: {e}")))?
            .next()
            .ok_or_else(|| fail(format!("ssh {target}: no address")))?;
        let tcp = TcpStream::connect_timeout(&address, Duration::from_secs(s.connect_timeout_s))
            .map_err(|e| fail(format!("ssh {target}: cannot connect: {e}")))?;
        let transfer = Duration::from_secs(s.transfer_timeout_s);
        tcp.set_read_timeout(Some(transfer))
            .and_then(|()| tcp.set_write_timeout(Some(transfer)))
            .map_err(|e| fail(format!("ssh {target}: {e}")))?;
        let mut session = Session::new().map_err(|e| fail(format!("ssh {target}: {e}")))?;
        session.set_tcp_stream(tcp);
        session.set_timeout(u32::try_from(transfer.as_millis()).unwrap_or(u32::MAX));
        session
            .handshake()
            .map_err(|e| fail(format!("ssh {target}: handshake failed: {e}")))?;
        self.check_host_key(&session)?;
        let passphrase = match &s.passphrase_env {
            Some(variable) => Some(std::env::var(variable).map_err(|_| {
                fail(format!(
                    "ssh {target}: the key's passphrase variable {variable} is not set"
                ))
            })?),
            None => None,
        };
        session
            .userauth_pubkey_file(&s.user, None, &s.key_path, passphrase.as_deref())
            .map_err(|e| {
                fail(format!(
                    "ssh {target}: the server refused key {} for user {}: {e}",
                    s.key_path.display(),
                    s.user
                ))
            })?;
        if !session.authenticated() {
            return Err(fail(format!(
                "ssh {target}: not authenticated with key {}",
                s.key_path.display()
            )));
        }
        let sftp = session
            .sftp()
            .map_err(|e| fail(format!("ssh {target}: no SFTP: {e}")))?;
        Ok(Connection {
            sftp,
            _session: session,
        })
    }

    /// The server's key must be the one in `known_hosts`; an unknown key is
    /// recorded only with `trust_new_host_key`, a changed one never.
    fn check_host_key(&self, session: &Session) -> Result<(), IngestError> {
        let s = &self.settings;
        let target = self.target();
        let (key, key_type) = session
            .host_key()
            .ok_or_else(|| fail(format!("ssh {target}: the server sent no host key")))?;
        let fingerprint = session
            .host_key_hash(HashType::Sha256)
            .map(|hash| {
                format!(
                    "SHA256:{}",
                    base64::engine::general_purpose::STANDARD_NO_PAD.encode(hash)
                )
            })
            .unwrap_or_default();
        let mut known = session
            .known_hosts()
            .map_err(|e| fail(format!("ssh {target}: {e}")))?;
        if s.known_hosts.exists() {
            known
                .read_file(&s.known_hosts, KnownHostFileKind::OpenSSH)
                .map_err(|e| {
                    fail(format!(
                        "ssh {target}: cannot read {}: {e}",
                        s.known_hosts.display()
                    ))
                })?;
        }
        match known.check_port(&s.host, s.port, key) {
            CheckResult::Match => Ok(()),
            CheckResult::Mismatch => Err(fail(format!(
                "ssh {target}: HOST KEY CHANGED: the server offers {fingerprint}, which is not the key in {}. \
                 Refusing to connect (this can be an attack). If the change is expected, remove the old entry.",
                s.known_hosts.display()
            ))),
            CheckResult::NotFound if s.trust_new_host_key => {
                let host = if s.port == 22 {
                    s.host.clone()
                } else {
                    format!("[{}]:{}", s.host, s.port)
                };
                known
                    .add(
                        &host,
                        key,
                        "added by etl-bot (trust_new_host_key)",
                        key_type.into(),
                    )
                    .and_then(|()| known.write_file(&s.known_hosts, KnownHostFileKind::OpenSSH))
                    .map_err(|e| fail(format!("ssh {target}: cannot record the host key: {e}")))?;
                Ok(())
            }
            CheckResult::NotFound => Err(fail(format!(
                "ssh {target}: unknown host key {fingerprint}: add it to {} (ssh-keyscan -p {} {}) or set trust_new_host_key = true",
                s.known_hosts.display(),
                s.port,
                s.host
            ))),
            CheckResult::Failure => Err(fail(format!(
                "ssh {target}: cannot check the host key {fingerprint}"
            ))),
        }
    }

    /// Runs `work` on the shared connection, opening it when needed and
    /// dropping it after any error so the next call starts afresh.
    fn with_connection<T>(
        &self,
        work: impl FnOnce(&Sftp) -> Result<T, IngestError>,
    ) -> Result<T, IngestError> {
        let mut slot = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(self.connect()?);
        }
        let result = match slot.as_ref() {
            Some(connection) => work(&connection.sftp),
            None => Err(fail("unreachable: no connection")),
        };
        if result.is_err() {
            *slot = None;
        }
        result
    }

    fn remote_path(&self, name: &str) -> PathBuf {
        Path::new(&self.settings.remote_dir).join(name)
    }
}

impl Source for SshSource {
    fn list(&self) -> Result<Vec<RemoteFile>, IngestError> {
        let target = self.target();
        let dir = self.settings.remote_dir.clone();
        self.with_connection(|sftp| {
            let entries = sftp
                .readdir(Path::new(&dir))
                .map_err(|e| fail(format!("ssh {target}: cannot list {dir}: {e}")))?;
            Ok(entries
                .into_iter()
                .filter(|(_, stat)| stat.is_file())
                .filter_map(|(path, stat)| {
                    Some(RemoteFile {
                        name: path.file_name()?.to_string_lossy().into_owned(),
                        size: stat.size.unwrap_or(0),
                        mtime: stat.mtime.unwrap_or(0),
                    })
                })
                .collect())
        })
    }

    fn fetch(&self, name: &str, destination: &Path) -> Result<(), IngestError> {
        let target = self.target();
        let path = self.remote_path(name);
        self.with_connection(|sftp| {
            let mut remote = sftp
                .open(&path)
                .map_err(|e| fail(format!("ssh {target}: cannot open {}: {e}", path.display())))?;
            let mut local = std::fs::File::create(destination).map_err(|e| {
                IngestError::io(format!("cannot create {}", destination.display()), e)
            })?;
            let mut buffer = vec![0u8; 64 * 1024];
            loop {
                let read = remote
                    .read(&mut buffer)
                    .map_err(|e| fail(format!("ssh {target}: transfer of {name} broke: {e}")))?;
                let Some(chunk) = buffer.get(..read) else {
                    break;
                };
                if chunk.is_empty() {
                    break;
                }
                local.write_all(chunk).map_err(|e| {
                    IngestError::io(format!("cannot write {}", destination.display()), e)
                })?;
            }
            local
                .sync_all()
                .map_err(|e| IngestError::io(format!("cannot write {}", destination.display()), e))
        })
    }
}
