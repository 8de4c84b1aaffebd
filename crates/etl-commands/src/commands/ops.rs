//! The bot looking after itself: `health`, `metrics`, and the alert cards
//! the self-check posts to the admin channel.

use etl_ops::text::{ago, latency, since, utc};
use etl_ops::{Alert, HealthReport, MetricsSummary, Status};

use crate::reply::colour;
use crate::{Align, CommandError, Context, Reply};

use super::Call;

/// Commands listed by `metrics`, busiest first.
const BUSIEST: usize = 8;

pub(super) fn handles(name: &str) -> bool {
    matches!(name, "health" | "metrics")
}

pub(super) async fn run(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    match call.spec.name {
        "health" => {
            let report = match ctx.ops {
                Some(ops) => ops.health().await,
                None => {
                    etl_ops::offline_report(ctx.store, &ctx.settings.health, jiff::Timestamp::now())
                        .await
                }
            };
            Ok(health_reply(&report, ctx.caller.is_admin))
        }
        "metrics" => Ok(match ctx.ops {
            Some(ops) => metrics_reply(&ops.metrics()),
            None => Reply::message(
                "Metrics",
                "Metrics are counted inside the running bot (`etl-bot serve`): ask it in Discord, or scrape its metrics endpoint.",
                colour::INFO,
            ),
        }),
        name => Err(CommandError::Unavailable(format!(
            "`{name}` has no handler yet"
        ))),
    }
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Ok => "✓",
        Status::Warning => "⚠",
        Status::Problem => "✗",
    }
}

fn status_colour(status: Status) -> u32 {
    match status {
        Status::Ok => colour::SUCCESS,
        Status::Warning => colour::WARNING,
        Status::Problem => colour::ERROR,
    }
}

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Every check with its status; the details (paths, hosts, errors) only for
/// admins, everyone else sees whether each part is well.
pub(crate) fn health_reply(report: &HealthReport, detailed: bool) -> Reply {
    let problems = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Problem)
        .count();
    let warnings = report
        .checks
        .iter()
        .filter(|c| c.status == Status::Warning)
        .count();
    let summary = match (problems, warnings) {
        (0, 0) => "Every check passes.".to_owned(),
        (0, w) => format!("{}.", count(w, "warning", "warnings")),
        (p, 0) => format!("{}.", count(p, "problem", "problems")),
        (p, w) => format!(
            "{}, {}.",
            count(p, "problem", "problems"),
            count(w, "warning", "warnings")
        ),
    };
    let mut builder = Reply::builder("Health")
        .description(summary)
        .colour(status_colour(report.status()));
    for check in &report.checks {
        let value = if detailed {
            check.detail.clone()
        } else {
            check.status.as_str().to_owned()
        };
        builder = builder.field(
            format!("{} {}", mark(check.status), check.title),
            value,
            false,
        );
    }
    let mut footer = Vec::new();
    if !report.live {
        footer.push("sources and the Discord gateway are only known inside the running bot");
    }
    if !detailed {
        footer.push("details are for admins");
    }
    if !footer.is_empty() {
        builder = builder.footer(footer.join("; "));
    }
    builder.build()
}

fn estimate(value: Option<std::time::Duration>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("~{}", latency(v)))
}

pub(crate) fn metrics_reply(summary: &MetricsSummary) -> Reply {
    let gateway = format!(
        "Discord gateway {}, {} since start.",
        if summary.gateway_connected {
            "connected"
        } else {
            "disconnected"
        },
        match summary.reconnects {
            1 => "1 reconnect".to_owned(),
            n => format!("{n} reconnects"),
        }
    );
    let files = if summary.sources.is_empty() {
        "no sources configured".to_owned()
    } else {
        summary
            .sources
            .iter()
            .map(|s| {
                format!(
                    "{}: {} fetched, {} imported, {} failed",
                    s.name, s.fetched, s.imported, s.failed
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    let posted = &summary.file_to_post;
    let file_to_post = if posted.count == 0 {
        "no round card posted since start".to_owned()
    } else {
        format!(
            "{}; median {}, p99 {}",
            count(
                usize::try_from(posted.count).unwrap_or(usize::MAX),
                "card",
                "cards"
            ),
            estimate(posted.median),
            estimate(posted.p99)
        )
    };
    let mut builder = Reply::builder("Metrics")
        .description(format!("Up {}. {gateway}", ago(summary.uptime)))
        .field("Round files", files, false)
        .field("File to post", file_to_post, false);
    if summary.commands.is_empty() {
        builder = builder.field("Commands", "none answered since start", false);
    } else {
        let rows = summary
            .commands
            .iter()
            .take(BUSIEST)
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.count.to_string(),
                    estimate(c.median),
                    estimate(c.p99),
                ]
            })
            .collect();
        builder = builder.table(
            &["command", "answered", "median", "p99"],
            &[Align::Left, Align::Right, Align::Right, Align::Right],
            rows,
        );
    }
    builder
        .footer(
            "since start; medians and p99 are estimated from histogram buckets, as Prometheus does",
        )
        .build()
}

/// What the self-check posts to the admin channel: a problem that persisted,
/// or one that cleared.
pub fn alert_card(alert: &Alert) -> Reply {
    match alert {
        Alert::Raised {
            title,
            detail,
            since: first,
            ..
        } => Reply::builder(format!("Problem: {title}"))
            .description(detail.clone())
            .colour(colour::ERROR)
            .footer(format!(
                "seen since {}; one more message when it clears",
                utc(*first)
            ))
            .build(),
        Alert::Cleared {
            title,
            detail,
            since: first,
            until,
            ..
        } => Reply::builder(format!("Cleared: {title}"))
            .description(format!("Now: {detail}"))
            .colour(colour::SUCCESS)
            .footer(format!(
                "the problem lasted {} (since {})",
                ago(since(*first, *until)),
                utc(*first)
            ))
            .build(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use etl_ops::{Check, LatencySummary, SourceCounts};
    use std::time::Duration;

    fn report() -> HealthReport {
        HealthReport {
            checks: vec![
                Check::new(
                    "database",
                    "Database",
                    Status::Ok,
                    "SQLite answered in 2 ms",
                ),
                Check::new(
                    "source:main",
                    "Source main",
                    Status::Problem,
                    "failing (3 in a row), last 5 s ago: cannot list /srv/et",
                ),
                Check::new("disk", "Disk", Status::Warning, "1 GB free"),
            ],
            live: true,
        }
    }

    #[test]
    fn health_shows_details_to_admins_and_only_statuses_to_others() {
        let admin = health_reply(&report(), true).to_text();
        assert!(admin.contains("1 problem, 1 warning."), "{admin}");
        assert!(
            admin.contains("✗ Source main:\n  failing (3 in a row)"),
            "{admin}"
        );
        assert!(!admin.contains("details are for admins"));
        let member = health_reply(&report(), false);
        assert_eq!(member.pages[0].colour, colour::ERROR);
        let text = member.to_text();
        assert!(text.contains("✗ Source main:\n  problem"), "{text}");
        assert!(!text.contains("/srv/et"), "no paths for non-admins: {text}");
        assert!(text.contains("details are for admins"));
    }

    #[test]
    fn metrics_list_the_busiest_commands_first() {
        let summary = MetricsSummary {
            uptime: Duration::from_secs(3 * 3600 + 120),
            sources: vec![SourceCounts {
                name: "main".into(),
                fetched: 12,
                imported: 11,
                failed: 1,
            }],
            commands: vec![
                LatencySummary {
                    name: "last_round".into(),
                    count: 14,
                    median: Some(Duration::from_millis(75)),
                    p99: Some(Duration::from_millis(240)),
                },
                LatencySummary {
                    name: "help".into(),
                    count: 2,
                    median: Some(Duration::from_millis(2)),
                    p99: Some(Duration::from_millis(5)),
                },
            ],
            file_to_post: LatencySummary {
                name: "file_to_post".into(),
                count: 11,
                median: Some(Duration::from_secs(18)),
                p99: Some(Duration::from_secs(55)),
            },
            reconnects: 1,
            gateway_connected: true,
        };
        let text = metrics_reply(&summary).to_text();
        assert!(
            text.contains("Up 3 h 02 min. Discord gateway connected, 1 reconnect since start."),
            "{text}"
        );
        assert!(text.contains("main: 12 fetched, 11 imported, 1 failed"));
        assert!(
            text.contains("11 cards; median ~18.0 s, p99 ~55.0 s"),
            "{text}"
        );
        let last_round = text.find("last_round").unwrap();
        let help = text.find("help").unwrap();
        assert!(last_round < help, "{text}");
        assert!(text.contains("~75 ms"));
    }

    #[test]
    fn alert_cards_say_what_and_since_when() {
        let first: jiff::Timestamp = "2025-11-20T20:00:00Z".parse().unwrap();
        let until: jiff::Timestamp = "2025-11-20T20:12:00Z".parse().unwrap();
        let raised = alert_card(&Alert::Raised {
            key: "source:main".into(),
            title: "Source main".into(),
            detail: "failing".into(),
            since: first,
        });
        assert_eq!(raised.pages[0].title, "Problem: Source main");
        assert_eq!(
            raised.pages[0].footer.as_deref(),
            Some("seen since 2025-11-20 20:00 UTC; one more message when it clears")
        );
        let cleared = alert_card(&Alert::Cleared {
            key: "source:main".into(),
            title: "Source main".into(),
            detail: "last answered 2 s ago".into(),
            since: first,
            until,
        });
        assert_eq!(cleared.pages[0].title, "Cleared: Source main");
        assert_eq!(cleared.pages[0].colour, colour::SUCCESS);
        assert_eq!(
            cleared.pages[0].footer.as_deref(),
            Some("the problem lasted 12 min (since 2025-11-20 20:00 UTC)")
        );
    }
}
