//! Test support for this and other crates (feature `testing`): real
//! databases, a SQLite file in a temp folder and a throwaway PostgreSQL
//! database created for the run and dropped after it, and the shared corpus.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stderr,
    missing_debug_implementations
)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{ImportOptions, Store};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn admin_url() -> String {
    std::env::var("ETL_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// A database that lives as long as the test.
pub struct TestDb {
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Folder(PathBuf),
    Postgres { admin: String, name: String },
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = std::env::temp_dir().join(unique("etl-store-test"));
        std::fs::create_dir_all(&dir).unwrap();
        Self {
            url: format!("sqlite://{}", dir.join("test.db").display()),
            cleanup: Cleanup::Folder(dir),
        }
    }

    /// `None` (and a loud message) when no PostgreSQL answers, unless
    /// `ETL_REQUIRE_PG=1`, which turns that into a failure.
    pub async fn postgres() -> Option<Self> {
        let admin = admin_url();
        let mut conn = match AsyncPgConnection::establish(&admin).await {
            Ok(conn) => conn,
            Err(error) => {
                if std::env::var("ETL_REQUIRE_PG").as_deref() == Ok("1") {
                    panic!("ETL_REQUIRE_PG=1 but PostgreSQL at {admin} is unreachable: {error}");
                }
                eprintln!("\n!!!!! SKIPPED PostgreSQL: {admin} unreachable ({error}) !!!!!\n");
                return None;
            }
        };
        let name = unique("etl_test");
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let url = match admin.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("bad ETL_TEST_PG_URL {admin}"),
        };
        Some(Self {
            url,
            cleanup: Cleanup::Postgres { admin, name },
        })
    }

    pub async fn open(&self) -> Store {
        self.open_with(ImportOptions::default()).await
    }

    pub async fn open_with(&self, options: ImportOptions) -> Store {
        Store::open(&self.url, options).await.unwrap()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Folder(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::Postgres { admin, name } => {
                let (admin, name) = (admin.clone(), name.clone());
                // Drop runs inside the test's runtime: use a thread with its own.
                let _ = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        if let Ok(mut conn) = AsyncPgConnection::establish(&admin).await {
                            let _ = conn
                                .batch_execute(&format!(
                                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                                ))
                                .await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The round files of a folder (recursive), sorted by name (= by time).
pub fn round_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if path.file_name().unwrap() != "snapshots" && path.file_name().unwrap() != "broken"
                {
                    stack.push(path);
                }
            } else if path.to_string_lossy().ends_with(".txt") {
                out.push(path);
            }
        }
    }
    out.sort_by_key(|p| p.file_name().unwrap().to_owned());
    out
}

pub async fn import_all(store: &Store, files: &[PathBuf]) -> Vec<crate::ImportOutcome> {
    let mut outcomes = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap();
        outcomes.push(
            store
                .import_file(name, &std::fs::read(path).unwrap())
                .await
                .unwrap(),
        );
    }
    outcomes
}

pub fn corpus_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("ETL_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    if std::env::var("ETL_REQUIRE_CORPUS").as_deref() == Ok("1") {
        panic!(
            "ETL_REQUIRE_CORPUS=1 but the corpus is missing at {}",
            dir.display()
        );
    }
    eprintln!("\n!!!!! SKIPPED: no corpus at {} !!!!!\n", dir.display());
    None
}
