//! A tiny tmpfs mounted for one test: a real file system the kernel reports
//! full (ENOSPC) once a filler file takes its space, and not full once that
//! file is gone.
//!
//! Mounting needs CAP_SYS_ADMIN (root in CI). Without it the test skips
//! loudly; with it a failed mount is a failure, as is any missing mechanism
//! when `ETL_REQUIRE_TMPFS=1`.
//!
//! ```ignore
//! #[path = "support/tmpfs.rs"]
//! mod tmpfs;
//! ```
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub struct TinyTmpfs {
    pub path: PathBuf,
    mounted: bool,
}

/// Bit 21 of the effective capabilities: CAP_SYS_ADMIN, which `mount` needs.
fn may_mount() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << 21) != 0)
}

impl TinyTmpfs {
    /// Mounts a tmpfs of `size_kb` KiB at `path` (created if missing).
    pub fn mount(path: &Path, size_kb: u32) -> Option<Self> {
        std::fs::create_dir_all(path).unwrap();
        let required = std::env::var("ETL_REQUIRE_TMPFS").as_deref() == Ok("1");
        if !may_mount() {
            assert!(
                !required,
                "ETL_REQUIRE_TMPFS=1 but this process lacks CAP_SYS_ADMIN to mount a tmpfs"
            );
            eprintln!(
                "\n!!!!! SKIPPED disk-full rehearsal: no CAP_SYS_ADMIN to mount a tmpfs (run as root) !!!!!\n"
            );
            return None;
        }
        let output = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={size_kb}k,mode=0755"))
            .arg("tmpfs")
            .arg(path)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run mount: {e}"));
        assert!(
            output.status.success(),
            "mount -t tmpfs failed although this process holds CAP_SYS_ADMIN: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Some(Self {
            path: path.to_owned(),
            mounted: true,
        })
    }

    fn filler(&self) -> PathBuf {
        self.path.join("filler")
    }

    /// Writes a filler file until the kernel says the disk is full; returns
    /// the bytes it took.
    pub fn fill(&self) -> u64 {
        let mut file = std::fs::File::create(self.filler()).unwrap();
        let block = [0u8; 4096];
        let mut written = 0u64;
        loop {
            match file.write(&block) {
                Ok(0) => panic!("a write of nothing while filling {}", self.path.display()),
                Ok(n) => written += n as u64,
                Err(error) => {
                    assert_eq!(
                        error.kind(),
                        std::io::ErrorKind::StorageFull,
                        "filling {} ended with {error}",
                        self.path.display()
                    );
                    return written;
                }
            }
        }
    }

    /// Space is back.
    pub fn free(&self) {
        std::fs::remove_file(self.filler()).unwrap();
    }
}

impl Drop for TinyTmpfs {
    fn drop(&mut self) {
        if self.mounted {
            let unmounted = Command::new("umount")
                .arg(&self.path)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if !unmounted {
                // Still in use by a process that has not exited yet: detach now,
                // the kernel frees it when the last user lets go.
                let _ = Command::new("umount").arg("-l").arg(&self.path).status();
            }
        }
    }
}
