//! The leaderboard family: any metric over a window, the fixed boards, the
//! bottom of the K/D table and one player's rank on every metric.
//!
//! Only players with at least `min_rounds` rounds in the window are ranked
//! (one lucky round does not top a board), bots never. Values come from sums
//! over round-only rows ([`Totals`]); ties share a rank and are listed by name.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::args::Window;
use crate::reply::colour;
use crate::stats::{METRICS, Metric, Totals, find_metric};
use crate::{Align, CommandError, Context, Reply};

use super::{Call, duration};

pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "leaderboard"
            | "top_killers"
            | "top_accuracy"
            | "top_objectives"
            | "top_support"
            | "top_efficiency"
            | "worst_performers"
            | "rank_player"
    )
}

pub(super) async fn run(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    match call.spec.name {
        "leaderboard" => {
            let (metric, window) = metric_and_window(ctx, call)?;
            board(ctx, metric, &window, None).await
        }
        "top_killers" => fixed(ctx, call, "kills", "Top killers").await,
        "top_accuracy" => fixed(ctx, call, "accuracy", "Top accuracy").await,
        "top_objectives" => fixed(ctx, call, "objectives", "Top objectives").await,
        "top_support" => fixed(ctx, call, "support", "Top support").await,
        "top_efficiency" => fixed(ctx, call, "efficiency", "Top efficiency").await,
        "worst_performers" => worst(ctx, call).await,
        "rank_player" => rank(ctx, call).await,
        name => Err(CommandError::Unavailable(format!(
            "`{name}` has no handler yet"
        ))),
    }
}

/// One player's sums over the window.
#[derive(Debug)]
struct Standing {
    id: i64,
    name: String,
    totals: Totals,
}

/// Everyone who played in a window: those ranked and those with too few rounds.
#[derive(Debug)]
struct Standings {
    min_rounds: usize,
    ranked: Vec<Standing>,
    too_few: Vec<Standing>,
}

async fn standings(ctx: &Context<'_>, window: &Window) -> Result<Standings, CommandError> {
    let (from, to) = window.bounds();
    // Sums per session where the window holds it whole, raw rows at its ends:
    // the same totals as adding every row, without reading years of rows.
    let window = ctx
        .store
        .window_totals(from.as_deref(), to.as_deref(), false)
        .await?;
    let mut by_player: BTreeMap<i64, Standing> = BTreeMap::new();
    for summed in &window.summed {
        by_player
            .entry(summed.player_id)
            .or_insert_with(|| Standing {
                id: summed.player_id,
                name: summed.name.clone(),
                totals: Totals::default(),
            })
            .totals
            .add_summed(summed);
    }
    for record in window.records.iter().filter(|r| !r.player.is_bot) {
        by_player
            .entry(record.player.id)
            .or_insert_with(|| Standing {
                id: record.player.id,
                name: record.player.last_clean_name.clone(),
                totals: Totals::default(),
            })
            .totals
            .add(record);
    }
    let min_rounds = ctx.settings.min_rounds.max(1);
    let (ranked, too_few) = by_player
        .into_values()
        .partition(|s| usize::try_from(s.totals.rounds).unwrap_or(0) >= min_rounds);
    Ok(Standings {
        min_rounds,
        ranked,
        too_few,
    })
}

fn by_name(a: &Standing, b: &Standing) -> Ordering {
    a.name
        .to_lowercase()
        .cmp(&b.name.to_lowercase())
        .then_with(|| a.id.cmp(&b.id))
}

/// Sorts by `value`, the best first (`best_high`: higher is better), ties by name.
fn order(standings: &mut [&Standing], value: fn(&Totals) -> f64, best_high: bool) {
    standings.sort_by(|a, b| {
        let (a_value, b_value) = (value(&a.totals), value(&b.totals));
        let by_value = if best_high {
            b_value.total_cmp(&a_value)
        } else {
            a_value.total_cmp(&b_value)
        };
        by_value.then_with(|| by_name(a, b))
    });
}

/// Competition ranks of a sorted list: ties share a rank (1, 2, 2, 4).
fn ranks(sorted: &[&Standing], value: fn(&Totals) -> f64) -> Vec<usize> {
    let mut out: Vec<usize> = Vec::with_capacity(sorted.len());
    let mut previous: Option<f64> = None;
    for (index, standing) in sorted.iter().enumerate() {
        let current = value(&standing.totals);
        let rank = match (previous, out.last()) {
            (Some(p), Some(r)) if p.total_cmp(&current) == Ordering::Equal => *r,
            _ => index + 1,
        };
        out.push(rank);
        previous = Some(current);
    }
    out
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// What a board shows beside a metric's value so it can be checked by eye.
fn detail(metric: &Metric, t: &Totals) -> Option<(&'static str, String)> {
    Some(match metric.name {
        "kd" => ("kills/deaths", format!("{}/{}", t.kills, t.deaths)),
        "dpm" => (
            "damage / time",
            format!("{} / {}", t.damage_given, duration(t.time_played_s)),
        ),
        "accuracy" => ("hits/shots", format!("{}/{}", t.hits, t.shots)),
        "headshot_rate" => ("headshots/hits", format!("{}/{}", t.headshots, t.hits)),
        "efficiency" => (
            "kills/(kills+deaths)",
            format!("{}/{}", t.kills, t.kills + t.deaths),
        ),
        "win_rate" => ("won/decided", format!("{}/{}", t.wins, t.wins + t.losses)),
        "kills_per_round" => ("kills", t.kills.to_string()),
        "objectives" => (
            "stolen/returned/planted/defused",
            format!(
                "{}/{}/{}/{}",
                t.objectives_stolen,
                t.objectives_returned,
                t.dynamites_planted,
                t.dynamites_defused
            ),
        ),
        "support" => (
            "revives/repairs/assists",
            format!(
                "{}/{}/{}",
                t.revives_given, t.repairs_constructions, t.kill_assists
            ),
        ),
        _ => return None,
    })
}

fn metric_names() -> String {
    METRICS
        .iter()
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown_metric(call: &Call<'_>, text: &str) -> CommandError {
    let names = METRICS
        .iter()
        .flat_map(|m| std::iter::once(m.name).chain(m.aliases.iter().copied()));
    let suggestions = crate::args::closest(text, names, 3);
    let did_you_mean = if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    };
    call.bad(format!(
        "unknown metric `{text}`{did_you_mean}\nmetrics: {}",
        metric_names()
    ))
}

fn kills() -> Result<&'static Metric, CommandError> {
    find_metric("kills").ok_or_else(|| CommandError::Unavailable("no `kills` metric".into()))
}

/// `[metric] [window]`: a lone word may be either.
fn metric_and_window(
    ctx: &Context<'_>,
    call: &Call<'_>,
) -> Result<(&'static Metric, Window), CommandError> {
    let window = |text: &str| {
        Window::parse(text, ctx.now)
            .ok_or_else(|| call.bad(format!("`{text}` is not a time window")))
    };
    match call.tokens {
        [] => Ok((kills()?, Window::all())),
        [one] => {
            if let Some(metric) = find_metric(one) {
                Ok((metric, Window::all()))
            } else if let Some(window) = Window::parse(one, ctx.now) {
                Ok((kills()?, window))
            } else {
                Err(unknown_metric(call, one))
            }
        }
        [metric, text] => {
            let metric = find_metric(metric).ok_or_else(|| unknown_metric(call, metric))?;
            Ok((metric, window(text)?))
        }
        _ => Err(call.bad("too many arguments: a metric, then a window")),
    }
}

/// The reply when nobody can be ranked.
fn nobody(title: &str, window: &Window, standings: &Standings) -> Reply {
    let text = if standings.too_few.is_empty() {
        format!("No rounds were played in {}.", window.label)
    } else {
        format!(
            "Nobody has {} in {} yet, the minimum to be ranked ({} with fewer).",
            plural(standings.min_rounds, "round", "rounds"),
            window.label,
            plural(standings.too_few.len(), "player", "players")
        )
    };
    Reply::message(title, text, colour::WARNING)
}

/// Who is ranked and who was left out, for a board's description.
fn ranked_line(standings: &Standings) -> String {
    format!(
        "Ranked: {} with at least {}; {} left out for too few rounds.",
        plural(standings.ranked.len(), "player", "players"),
        plural(standings.min_rounds, "round", "rounds"),
        standings.too_few.len()
    )
}

async fn board(
    ctx: &Context<'_>,
    metric: &'static Metric,
    window: &Window,
    title: Option<&str>,
) -> Result<Reply, CommandError> {
    let title = title.map_or_else(|| format!("Leaderboard: {}", metric.name), str::to_owned);
    let standings = standings(ctx, window).await?;
    if standings.ranked.is_empty() {
        return Ok(nobody(&title, window, &standings));
    }
    let mut sorted: Vec<&Standing> = standings.ranked.iter().collect();
    order(&mut sorted, metric.value, metric.higher_is_better);
    let positions = ranks(&sorted, metric.value);
    let detail_header = sorted
        .first()
        .and_then(|s| detail(metric, &s.totals))
        .map(|(header, _)| header);
    let rows: Vec<Vec<String>> = sorted
        .iter()
        .zip(&positions)
        .map(|(standing, position)| {
            let mut row = vec![
                position.to_string(),
                standing.name.clone(),
                metric.format(&standing.totals),
                standing.totals.rounds.to_string(),
            ];
            if let Some((_, value)) = detail(metric, &standing.totals) {
                row.push(value);
            }
            row
        })
        .collect();
    let mut headers = vec!["#", "player", metric.name, "rounds"];
    let mut align = vec![Align::Right, Align::Left, Align::Right, Align::Right];
    if let Some(header) = detail_header {
        headers.push(header);
        align.push(Align::Right);
    }
    let mut description = format!(
        "{}, {}. {}",
        capitalised(metric.description),
        window.label,
        ranked_line(&standings)
    );
    if !metric.higher_is_better {
        description.push_str(" Lower is better: the fewest first.");
    }
    Ok(Reply::builder(title)
        .description(description)
        .table(&headers, &align, rows)
        .build())
}

async fn fixed(
    ctx: &Context<'_>,
    call: &Call<'_>,
    metric: &str,
    title: &str,
) -> Result<Reply, CommandError> {
    let window = call.window_only(ctx)?;
    let metric = find_metric(metric)
        .ok_or_else(|| CommandError::Unavailable(format!("no `{metric}` metric")))?;
    board(ctx, metric, &window, Some(title)).await
}

async fn worst(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    const SHOWN: usize = 10;
    let window = call.window_only(ctx)?;
    let title = "Worst performers";
    let standings = standings(ctx, &window).await?;
    if standings.ranked.is_empty() {
        return Ok(nobody(title, &window, &standings));
    }
    let kd: fn(&Totals) -> f64 = Totals::kd;
    let mut sorted: Vec<&Standing> = standings.ranked.iter().collect();
    order(&mut sorted, kd, false);
    let positions = ranks(&sorted, kd);
    let rows: Vec<Vec<String>> = sorted
        .iter()
        .zip(&positions)
        .take(SHOWN)
        .map(|(s, position)| {
            vec![
                position.to_string(),
                s.name.clone(),
                format!("{:.2}", s.totals.kd()),
                s.totals.kills.to_string(),
                s.totals.deaths.to_string(),
                s.totals.rounds.to_string(),
            ]
        })
        .collect();
    Ok(Reply::builder(title)
        .description(format!(
            "The bottom of the K/D table, {}, worst first. All in good fun! {}",
            window.label,
            ranked_line(&standings)
        ))
        .table(
            &["#", "player", "K/D", "kills", "deaths", "rounds"],
            &[
                Align::Right,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            rows,
        )
        .colour(colour::WARNING)
        .build())
}

async fn rank(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let (player, window) = call.player_and_window(ctx).await?;
    if player.is_bot {
        return Err(call.bad(format!("{} is a bot: bots are not ranked", player.name)));
    }
    let standings = standings(ctx, &window).await?;
    let title = format!("Ranks: {}", player.name);
    let Some(me) = standings.ranked.iter().find(|s| s.id == player.id) else {
        let text = match standings.too_few.iter().find(|s| s.id == player.id) {
            Some(s) => format!(
                "{} has {} in {}: players need at least {} to be ranked.",
                player.name,
                plural(
                    usize::try_from(s.totals.rounds).unwrap_or(0),
                    "round",
                    "rounds"
                ),
                window.label,
                standings.min_rounds
            ),
            None => format!("{} has not played in {}.", player.name, window.label),
        };
        return Ok(Reply::message(title, text, colour::WARNING));
    };
    let field = standings.ranked.len();
    let mut rows = Vec::with_capacity(METRICS.len());
    for metric in METRICS {
        let mut sorted: Vec<&Standing> = standings.ranked.iter().collect();
        order(&mut sorted, metric.value, metric.higher_is_better);
        let positions = ranks(&sorted, metric.value);
        let mine = (metric.value)(&me.totals);
        let position = sorted
            .iter()
            .zip(&positions)
            .find(|(s, _)| s.id == me.id)
            .map_or(field, |(_, p)| *p);
        let tied = sorted
            .iter()
            .any(|s| s.id != me.id && (metric.value)(&s.totals).total_cmp(&mine).is_eq());
        rows.push(vec![
            metric.name.to_owned(),
            metric.format(&me.totals),
            format!(
                "{} of {field}{}",
                ordinal(position),
                if tied { " (tied)" } else { "" }
            ),
        ]);
    }
    Ok(Reply::builder(title)
        .description(format!(
            "{} ({}), {}: {}. Ranked among the {} with at least {}; 1st is the best (for deaths, team damage, self kills and team kills the fewest).",
            player.name,
            player.guid,
            window.label,
            plural(
                usize::try_from(me.totals.rounds).unwrap_or(0),
                "round",
                "rounds"
            ),
            plural(field, "player", "players"),
            plural(standings.min_rounds, "round", "rounds"),
        ))
        .table(
            &["metric", "value", "rank"],
            &[Align::Left, Align::Right, Align::Left],
            rows,
        )
        .rows_per_page(METRICS.len())
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(id: i64, name: &str, kills: i64, deaths: i64) -> Standing {
        Standing {
            id,
            name: name.to_owned(),
            totals: Totals {
                kills,
                deaths,
                rounds: 2,
                ..Totals::default()
            },
        }
    }

    #[test]
    fn ties_share_a_rank_and_are_listed_by_name() {
        let all = [
            standing(1, "zed", 10, 5),
            standing(2, "Adam", 10, 2),
            standing(3, "bob", 12, 6),
            standing(4, "carl", 3, 9),
        ];
        let mut sorted: Vec<&Standing> = all.iter().collect();
        let kills: fn(&Totals) -> f64 = |t| t.kills as f64;
        order(&mut sorted, kills, true);
        assert_eq!(
            sorted.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["bob", "Adam", "zed", "carl"]
        );
        assert_eq!(ranks(&sorted, kills), [1, 2, 2, 4]);
        // K/D, the worst first: carl 0.33, bob 2.0 and zed 2.0 tied (by name), Adam 5.0.
        order(&mut sorted, Totals::kd, false);
        assert_eq!(
            sorted.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
            ["carl", "bob", "zed", "Adam"]
        );
        assert_eq!(ranks(&sorted, Totals::kd), [1, 2, 2, 4]);
    }

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
                "101st", "111th"
            ]
        );
    }
}
