//! The automatic posts: a round's card, posted after each import.

use etl_store::{PlayerRecord, RecordFilter, Store};

use crate::reply::{Align, colour};
use crate::stats::Totals;
use crate::{CommandError, Reply};

fn side_title(side: Option<&str>) -> &'static str {
    match side {
        Some("axis") => "Axis",
        Some("allies") => "Allies",
        _ => "nobody",
    }
}

fn clock(seconds: Option<i32>) -> String {
    seconds.map_or("-".to_owned(), |s| format!("{}:{:02}", s / 60, s % 60))
}

/// Map, round, result, the top five by kills with K/D, damage and accuracy,
/// and totals; a round 2 shows its own numbers and the stopwatch result.
pub async fn round_card(store: &Store, round_id: i64) -> Result<Reply, CommandError> {
    let round = store
        .round(round_id)
        .await?
        .ok_or_else(|| CommandError::Unavailable(format!("no round {round_id}")))?;
    let filter = RecordFilter {
        session: round.session_id.clone(),
        map: Some(round.map.clone()),
        include_bots: true,
        ..RecordFilter::default()
    };
    let records: Vec<PlayerRecord> = store
        .records(&filter)
        .await?
        .into_iter()
        .filter(|r| r.round.id == round_id)
        .collect();
    let mut lines: Vec<&PlayerRecord> = records.iter().collect();
    lines.sort_by(|a, b| {
        b.stats
            .kills
            .cmp(&a.stats.kills)
            .then(a.stats.clean_name.cmp(&b.stats.clean_name))
    });
    let rows = lines
        .iter()
        .take(5)
        .map(|r| {
            let t = Totals::of([*r]);
            vec![
                r.stats.clean_name.clone(),
                t.kills.to_string(),
                t.deaths.to_string(),
                format!("{:.2}", t.kd()),
                t.damage_given.to_string(),
                format!("{:.1}", t.accuracy()),
            ]
        })
        .collect();
    let totals = Totals::of(records.iter());
    let winner = round.winner.as_deref();
    let mut description = format!(
        "{} won · limit {} · time {}",
        side_title(winner),
        clock(Some(round.time_limit_s)),
        clock(round.actual_time_s)
    );
    if round.round_number == 2 {
        let attackers = match round.defender.as_deref() {
            Some("axis") => Some("allies"),
            Some("allies") => Some("axis"),
            _ => None,
        };
        let beat = attackers.is_some() && attackers == winner;
        description.push_str(if beat {
            "\nMap result: the attackers beat the time and take the map."
        } else {
            "\nMap result: the time of round 1 stood: the round 1 attackers take the map."
        });
        if round.round_only {
            description.push_str("\nNumbers are round 2 alone.");
        } else {
            description.push_str("\nNo round 1 found: numbers are both rounds together.");
        }
    }
    Ok(Reply::builder(format!(
        "{} · round {} · {}",
        round.map, round.round_number, round.played_at
    ))
    .description(description)
    .table(
        &["player", "K", "D", "K/D", "dmg", "acc%"],
        &[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        rows,
    )
    .field(
        "Totals",
        format!(
            "{} players · {} kills · {} damage · accuracy {:.1}% · {} revives",
            records.len(),
            totals.kills,
            totals.damage_given,
            totals.accuracy(),
            totals.revives_given
        ),
        false,
    )
    .colour(match winner {
        Some("axis") => colour::AXIS,
        Some("allies") => colour::ALLIES,
        _ => colour::INFO,
    })
    .footer(round.file_name)
    .build())
}
