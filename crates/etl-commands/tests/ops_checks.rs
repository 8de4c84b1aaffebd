//! `health` and `metrics`, whose answers depend on the clock, the disk and the
//! running bot, so they are checked here rather than as goldens: offline
//! (`etl-bot ask`) against the sample night, and through `Operations` backed
//! by the real `etl_ops::Ops`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod support;

use std::time::Duration;

use etl_commands::{BoxFuture, Caller, Context, Operations, Reply, Settings};
use etl_ops::{HealthReport, HealthSettings, MetricsSummary, Ops};
use etl_store::Store;
use etl_store::testing::TestDb;
use support::{now, sample_store};

fn settings() -> Settings {
    Settings {
        health: HealthSettings {
            stats_dir: std::env::temp_dir().join("etl-ops-checks-stats"),
            disk_warning_mb: 0,
            disk_problem_mb: 0,
            ..HealthSettings::default()
        },
        ..support::settings()
    }
}

async fn ask(
    store: &Store,
    ops: Option<&dyn Operations>,
    is_admin: bool,
    line: &str,
) -> Result<Reply, etl_commands::CommandError> {
    let settings = settings();
    let ctx = Context {
        store,
        settings: &settings,
        caller: Caller {
            discord_id: Some("1001".into()),
            is_admin,
        },
        session: None,
        sync: None,
        ops,
        now: now(),
    };
    etl_commands::run(&ctx, line).await
}

fn field<'a>(reply: &'a Reply, title: &str) -> &'a str {
    reply.pages[0]
        .fields
        .iter()
        .find(|f| f.name.ends_with(title))
        .unwrap_or_else(|| panic!("no field {title} in {}", reply.to_text()))
        .value
        .as_str()
}

#[tokio::test(flavor = "multi_thread")]
async fn health_outside_the_bot_checks_the_store_and_the_disk() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let reply = ask(&store, None, true, "health").await.unwrap();
    let names: Vec<&str> = reply.pages[0]
        .fields
        .iter()
        .map(|f| f.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["✓ Database", "✓ Last round", "✓ Failed imports", "✓ Disk"],
        "{}",
        reply.to_text()
    );
    assert!(field(&reply, "Database").starts_with("SQLite answered in"));
    // The sample night's last file, imported a moment ago.
    let last = field(&reply, "Last round");
    assert!(
        last.starts_with("2025-11-02-") && last.contains(" imported ") && last.ends_with(" ago)"),
        "{last}"
    );
    assert_eq!(field(&reply, "Failed imports"), "none in the last 24 h");
    assert!(field(&reply, "Disk").contains("etl-ops-checks-stats"));
    assert_eq!(
        reply.pages[0].description.as_deref(),
        Some("Every check passes.")
    );
    assert_eq!(
        reply.pages[0].footer.as_deref(),
        Some("sources and the Discord gateway are only known inside the running bot")
    );

    // Anyone may ask; only admins read the details.
    let member = ask(&store, None, false, "health").await.unwrap();
    assert_eq!(field(&member, "Database"), "ok");
    assert!(member.to_text().contains("details are for admins"));
    assert!(
        ask(&store, None, false, "metrics")
            .await
            .unwrap_err()
            .to_string()
            .contains("is for admins")
    );
}

/// The bot's side of `Operations`, on the real `Ops`.
struct Live {
    ops: Ops,
    store: Store,
}

impl Operations for Live {
    fn health(&self) -> BoxFuture<'_, HealthReport> {
        Box::pin(async move { self.ops.health(&self.store, &settings().health).await })
    }

    fn metrics(&self) -> MetricsSummary {
        self.ops.summary()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn inside_the_bot_health_and_metrics_come_from_operations() {
    let db = TestDb::sqlite();
    let live = Live {
        ops: Ops::new(),
        store: sample_store(&db).await,
    };
    let health = ask(&live.store, Some(&live), true, "health").await.unwrap();
    // No sources were given to the ops, and the gateway never connected.
    assert_eq!(
        field(&health, "Sources"),
        "no [[sources]] configured: rounds are not fetched"
    );
    assert!(field(&health, "Discord gateway").starts_with("not connected yet"));
    assert_eq!(
        health.pages[0].description.as_deref(),
        Some("1 problem, 1 warning.")
    );
    assert_eq!(health.pages[0].footer, None, "the live parts are there");

    live.ops.gateway_session(false);
    live.ops
        .record_command("last_round", Duration::from_millis(80));
    live.ops
        .record_command("last_round", Duration::from_millis(90));
    live.ops.record_command("help", Duration::from_millis(1));
    let metrics = ask(&live.store, Some(&live), true, "metrics")
        .await
        .unwrap()
        .to_text();
    assert!(
        metrics.contains("Discord gateway connected, 0 reconnects since start."),
        "{metrics}"
    );
    assert!(metrics.contains("no sources configured"), "{metrics}");
    assert!(
        metrics.contains("no round card posted since start"),
        "{metrics}"
    );
    let last_round = metrics.find("last_round").unwrap();
    assert!(
        last_round < metrics.find("help").unwrap(),
        "busiest first: {metrics}"
    );
}
