//! Shared by the command tests: the sample night in a real database, and a
//! way to ask it questions as an admin linked to Discord user 1001.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use etl_commands::{Caller, Context, Reply, Settings};
use etl_store::testing::{TestDb, repo_root, round_files};
use etl_store::{ImportOptions, Store};

/// The time the goldens are answered at: the day after the sample night.
pub fn now() -> jiff::civil::DateTime {
    jiff::civil::date(2025, 11, 3).at(12, 0, 0, 0)
}

pub fn settings() -> Settings {
    Settings {
        min_rounds: 2,
        backup_dir: std::env::temp_dir()
            .join(format!("etl-commands-backups-{}", std::process::id())),
        ..Settings::default()
    }
}

pub async fn sample_store(db: &TestDb) -> Store {
    let store = db.open_with(ImportOptions::default()).await;
    for path in round_files(&repo_root().join("testdata/sample-night")) {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        store
            .import_file(&name, &std::fs::read(&path).unwrap())
            .await
            .unwrap();
    }
    store
}

pub async fn reply(store: &Store, line: &str) -> Result<Reply, etl_commands::CommandError> {
    let settings = settings();
    let ctx = Context {
        store,
        settings: &settings,
        caller: Caller {
            discord_id: Some("1001".into()),
            is_admin: true,
        },
        session: None,
        sync: None,
        ops: None,
        now: now(),
    };
    etl_commands::run(&ctx, line).await
}

/// The reply as text, or `error: ...`.
pub async fn answer(store: &Store, line: &str) -> String {
    match reply(store, line).await {
        Ok(reply) => reply.to_text(),
        Err(error) => format!("error: {error}"),
    }
}
