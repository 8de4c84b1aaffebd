//! Fetching and importing round files of a date window through the
//! configured sources (`ctx.sync`).

use jiff::ToSpan;
use jiff::civil::{Date, Time};

use crate::args::Window;
use crate::reply::colour;
use crate::{CommandError, Context, Reply, SyncSummary};

use super::Call;

pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "sync_stats" | "sync_today" | "sync_week" | "sync_month" | "sync_all"
    )
}

/// Names listed per kind before the rest is only counted.
const LISTED: usize = 15;

/// What to fetch: a label and the file dates, both ends included.
struct Dates {
    label: String,
    from: Date,
    to: Date,
}

impl Dates {
    /// `days` days back from today, through today.
    fn back(label: &str, today: Date, days: i64) -> Self {
        Self {
            label: label.to_owned(),
            from: today.saturating_sub(days.days()),
            to: today,
        }
    }

    /// A command window (`[from, to)` on the clock) as file dates. Open at the
    /// start: from the first date; open at the end: through today, or through
    /// the last date when the window is open at both ends (`all`).
    fn of_window(window: &Window, today: Date) -> Self {
        let from = window.from.map_or(Date::MIN, |from| from.date());
        let to = match window.to {
            // The end is excluded: midnight ends the day before.
            Some(to) if to.time() == Time::midnight() => to.date().yesterday().unwrap_or(Date::MIN),
            Some(to) => to.date(),
            None if window.from.is_none() => Date::MAX,
            None => today,
        };
        Self {
            label: window.label.clone(),
            from,
            to,
        }
    }

    fn describe(&self) -> String {
        match (self.from == Date::MIN, self.to == Date::MAX) {
            (true, true) => "every date".to_owned(),
            (true, false) => format!("up to {}", self.to),
            (false, true) => format!("from {} on", self.from),
            (false, false) if self.from == self.to => self.from.to_string(),
            (false, false) => format!("{} to {}", self.from, self.to),
        }
    }
}

pub(super) async fn run(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let today = ctx.now.date();
    let dates = match call.spec.name {
        "sync_today" => {
            call.no_arguments()?;
            Dates::back("today", today, 0)
        }
        "sync_week" => {
            call.no_arguments()?;
            Dates::back("the last 7 days", today, 7)
        }
        "sync_month" => {
            call.no_arguments()?;
            Dates::back("the last 30 days", today, 30)
        }
        "sync_all" => {
            call.no_arguments()?;
            Dates {
                label: "every round file".to_owned(),
                from: Date::MIN,
                to: Date::MAX,
            }
        }
        _ => match call.tokens {
            [] => return Err(call.bad("name a window: today, 7d, 1week, 2025-11, all")),
            [text] => {
                let window = Window::parse(text, ctx.now)
                    .ok_or_else(|| call.bad(format!("`{text}` is not a time window")))?;
                Dates::of_window(&window, today)
            }
            _ => return Err(call.bad("too many arguments")),
        },
    };
    let Some(service) = ctx.sync else {
        return Ok(Reply::message(
            "Sync",
            "No source of round files is configured, so there is nothing to fetch: \
             add [[sources]] to etl.toml (a local folder or an SSH server).",
            colour::WARNING,
        ));
    };
    let summary = service
        .sync(dates.from, dates.to)
        .await
        .map_err(|e| CommandError::Unavailable(format!("the sync failed: {e}")))?;
    Ok(summary_reply(&dates, &summary))
}

/// At most [`LISTED`] lines, then how many more.
fn listed(items: &[String]) -> String {
    let mut lines: Vec<String> = items.iter().take(LISTED).cloned().collect();
    if items.len() > LISTED {
        lines.push(format!("… and {} more", items.len() - LISTED));
    }
    lines.join("\n")
}

fn summary_reply(dates: &Dates, summary: &SyncSummary) -> Reply {
    let clean = summary.failed.is_empty() && summary.errors.is_empty();
    let mut text = format!(
        "Round files of {} ({}): {} imported, {} failed, {}.",
        dates.label,
        dates.describe(),
        summary.imported.len(),
        summary.failed.len(),
        match summary.errors.len() {
            1 => "1 error".to_owned(),
            n => format!("{n} errors"),
        }
    );
    if summary.imported.is_empty() && clean {
        text.push_str(" Nothing new: every file there is already imported.");
    }
    let mut builder = Reply::builder(format!("Sync: {}", dates.label))
        .description(text)
        .colour(if clean {
            colour::SUCCESS
        } else {
            colour::WARNING
        });
    if !summary.imported.is_empty() {
        builder = builder.field("Imported", listed(&summary.imported), false);
    }
    if !summary.failed.is_empty() {
        builder = builder.field("Failed", listed(&summary.failed), false);
    }
    if !summary.errors.is_empty() {
        builder = builder.field("Errors", listed(&summary.errors), false);
    }
    if !summary.failed.is_empty() {
        builder = builder.footer("!failed_imports shows why each file failed");
    }
    builder.build()
}
