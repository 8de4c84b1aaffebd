//! The session family: starting and ending sessions through the live bot,
//! the last session in full (maps, stopwatch score, squads, top performers,
//! awards), the last round, and the list of sessions.
//!
//! Squads are the squad detector's where it stored them; a player it left
//! out goes with the players on his side in round 1 of a map, followed from
//! map to map (see [`stopwatch_score`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use etl_parser::Side;
use etl_store::models::RoundRow;
use etl_store::{PlayerRecord, RecordFilter, SessionRow};

use crate::reply::colour;
use crate::stats::Totals;
use crate::{Align, CommandError, Context, Reply};

use super::{Call, duration};

const NO_LIVE_BOT: &str =
    "No live bot is attached: sessions start and end in the Discord bot (`etl-bot serve`)";

/// Where the squads of a summary come from.
const SQUADS_DETECTED: &str = "Squads as the squad detector assigned them";
const SQUADS_BY_SIDE: &str =
    "Squads: players on the same side in round 1 of each map (no squad detection stored)";
const SQUADS_MIXED: &str =
    "Squads from the squad detector; players it left out go by their side in round 1";

pub(super) fn handles(name: &str) -> bool {
    matches!(
        name,
        "session_start"
            | "session_end"
            | "session_status"
            | "last_session"
            | "last_round"
            | "session_history"
    )
}

pub(super) async fn run(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    match call.spec.name {
        "session_start" => start_or_end(ctx, call, true).await,
        "session_end" => start_or_end(ctx, call, false).await,
        "session_status" => status(ctx, call).await,
        "last_session" => last_session(ctx, call).await,
        "last_round" => last_round(ctx, call).await,
        "session_history" => history(ctx, call).await,
        name => Err(CommandError::Unavailable(format!(
            "`{name}` has no handler yet"
        ))),
    }
}

// ---------------------------------------------------------------------------
// Stopwatch scoring (pure)

/// A squad of a session: the players who play together all night.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Squad {
    A,
    B,
}

impl Squad {
    fn label(self) -> &'static str {
        match self {
            Self::A => "Squad A",
            Self::B => "Squad B",
        }
    }
}

/// What stopwatch scoring needs of a round's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RoundHeader {
    pub defender: Option<Side>,
    pub winner: Option<Side>,
    /// Round 1: the map's limit; round 2: the time to beat.
    pub time_limit_s: i32,
    /// Round 1: the time the attackers set (the limit on a full hold);
    /// round 2: the attackers' time when they beat it, else the limit.
    pub actual_time_s: Option<i32>,
}

impl RoundHeader {
    pub(crate) fn of(row: &RoundRow) -> Self {
        Self {
            defender: row.defender.as_deref().and_then(Side::from_name),
            winner: row.winner.as_deref().and_then(Side::from_name),
            time_limit_s: row.time_limit_s,
            actual_time_s: row.actual_time_s,
        }
    }

    fn attackers(&self) -> Option<Side> {
        self.defender.map(Side::other)
    }

    /// The clock's time when it is usable (a positive time).
    fn clock(&self) -> Option<i32> {
        self.actual_time_s.filter(|t| *t > 0)
    }

    /// What the clock says: the attackers finished when it shows a time
    /// below the limit (the time to beat in round 2).
    fn clock_finished(&self) -> Option<bool> {
        self.clock().map(|time| time < self.time_limit_s)
    }

    /// What the game's winner field says: the attackers finished when it names them.
    fn winner_finished(&self) -> Option<bool> {
        match (self.winner, self.defender) {
            (Some(winner), Some(defender)) => Some(winner != defender),
            _ => None,
        }
    }

    /// Did the attackers finish in time? The game's winner field is its own
    /// verdict and decides; without one, the clock does.
    pub(crate) fn attackers_finished(&self) -> Option<bool> {
        self.winner_finished().or_else(|| self.clock_finished())
    }

    /// The header's clock and its winner field tell different stories.
    fn clock_and_winner_disagree(&self) -> bool {
        matches!(
            (self.clock_finished(), self.winner_finished()),
            (Some(clock), Some(winner)) if clock != winner
        )
    }
}

/// The side that won the map by the stopwatch rules, named as in round 2:
/// its attackers when they beat the time to beat, else its defenders (after
/// a double full hold too, as the game scores it).
pub(crate) fn map_winner(round2: &RoundHeader) -> Option<Side> {
    match (round2.defender, round2.attackers_finished()) {
        (Some(defender), Some(true)) => Some(defender.other()),
        (Some(defender), Some(false)) => Some(defender),
        _ => round2.winner,
    }
}

/// One map of a session, as stopwatch scoring sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MapInput {
    /// Each player's side in round 1; for a player only in round 2 (or a
    /// map without its round 1), his round-2 side swapped.
    pub round1_sides: Vec<(i64, Side)>,
    pub round2: Option<RoundHeader>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MapScore {
    /// The side squad A played in round 1.
    pub a_side: Side,
    /// Who took the map's point; `None` when round 2 was not played or has no result.
    pub winner: Option<Squad>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Score {
    pub squads: BTreeMap<i64, Squad>,
    pub maps: Vec<MapScore>,
    pub a: u32,
    pub b: u32,
}

/// Squads and the stopwatch score of a session's maps, in play order.
///
/// `detected` holds the squads the squad detector stored; every other player
/// is grouped by his side in round 1. On each map the squads are matched to
/// the round-1 sides by the players already known (most agree wins, Axis for
/// squad A on a tie, so without detection squad A is the first map's Axis),
/// and players not yet known join the squad of the side they played. Each
/// map is one point to the squad that won it: the round-2 attackers when they
/// beat the time, else the defenders.
pub(crate) fn stopwatch_score(maps: &[MapInput], detected: &BTreeMap<i64, Squad>) -> Score {
    let mut squads: BTreeMap<i64, Squad> = detected.clone();
    let mut results = Vec::with_capacity(maps.len());
    let (mut a, mut b) = (0, 0);
    for map in maps {
        let mut votes_axis_is_a = 0i64;
        for (player, side) in &map.round1_sides {
            match (squads.get(player), side) {
                (Some(Squad::A), Side::Axis) | (Some(Squad::B), Side::Allies) => {
                    votes_axis_is_a += 1;
                }
                (Some(Squad::A), Side::Allies) | (Some(Squad::B), Side::Axis) => {
                    votes_axis_is_a -= 1;
                }
                (None, _) => {}
            }
        }
        let a_side = if votes_axis_is_a >= 0 {
            Side::Axis
        } else {
            Side::Allies
        };
        for (player, side) in &map.round1_sides {
            squads
                .entry(*player)
                .or_insert(if *side == a_side { Squad::A } else { Squad::B });
        }
        // The squads swap sides for round 2: squad A plays the other side there.
        let winner = map.round2.as_ref().and_then(map_winner).map(|side| {
            if side == a_side.other() {
                Squad::A
            } else {
                Squad::B
            }
        });
        match winner {
            Some(Squad::A) => a += 1,
            Some(Squad::B) => b += 1,
            None => {}
        }
        results.push(MapScore { a_side, winner });
    }
    Score {
        squads,
        maps: results,
        a,
        b,
    }
}

// ---------------------------------------------------------------------------
// Shared pieces

fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `M:SS`, as the headers write times.
fn clock(seconds: i32) -> String {
    let seconds = seconds.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

fn side_name(side: Side) -> &'static str {
    match side {
        Side::Axis => "Axis",
        Side::Allies => "Allies",
    }
}

fn parse_time(text: &str) -> Option<jiff::civil::DateTime> {
    jiff::civil::DateTime::strptime("%Y-%m-%d %H:%M:%S", text).ok()
}

/// `20:05`, from a stored `YYYY-MM-DD HH:MM:SS`.
fn hour_minute(text: &str) -> String {
    parse_time(text).map_or_else(|| text.to_owned(), |t| t.strftime("%H:%M").to_string())
}

fn seconds_between(from: &str, to: &str) -> Option<i64> {
    let span = parse_time(from)?.until(parse_time(to)?).ok()?;
    span.total(jiff::Unit::Second)
        .ok()
        .map(|s| s.round() as i64)
}

/// The rounds of some records, in play order, each with its rows.
fn rounds_of(records: &[PlayerRecord]) -> Vec<(&RoundRow, Vec<&PlayerRecord>)> {
    let mut rounds: Vec<(&RoundRow, Vec<&PlayerRecord>)> = Vec::new();
    for record in records {
        match rounds.last_mut() {
            Some((round, rows)) if round.id == record.round.id => rows.push(record),
            _ => rounds.push((&record.round, vec![record])),
        }
    }
    rounds
}

/// Each human player's squad as the squad detector stored it on his rows
/// (the squad of most of his rows; A on a tie).
fn detected_squads(records: &[PlayerRecord]) -> BTreeMap<i64, Squad> {
    let mut counts: BTreeMap<i64, (usize, usize)> = BTreeMap::new();
    for record in records.iter().filter(|r| !r.player.is_bot) {
        let entry = counts.entry(record.player.id).or_default();
        match record.stats.squad.as_deref() {
            Some("A") => entry.0 += 1,
            Some("B") => entry.1 += 1,
            _ => {}
        }
    }
    counts
        .into_iter()
        .filter(|(_, (a, b))| a + b > 0)
        .map(|(id, (a, b))| (id, if a >= b { Squad::A } else { Squad::B }))
        .collect()
}

fn side_of(record: &PlayerRecord) -> Option<Side> {
    record.stats.team.as_deref().and_then(Side::from_name)
}

/// One player's sums over some rows.
#[derive(Debug)]
struct Line {
    id: i64,
    name: String,
    totals: Totals,
}

/// Per human player, sums over the records, sorted by name.
fn lines(records: &[&PlayerRecord]) -> Vec<Line> {
    let mut by_player: BTreeMap<i64, Line> = BTreeMap::new();
    for record in records.iter().filter(|r| !r.player.is_bot) {
        by_player
            .entry(record.player.id)
            .or_insert_with(|| Line {
                id: record.player.id,
                name: record.player.last_clean_name.clone(),
                totals: Totals::default(),
            })
            .totals
            .add(record);
    }
    let mut lines: Vec<Line> = by_player.into_values().collect();
    lines.sort_by(by_name);
    lines
}

fn by_name(a: &Line, b: &Line) -> std::cmp::Ordering {
    a.name
        .to_lowercase()
        .cmp(&b.name.to_lowercase())
        .then_with(|| a.id.cmp(&b.id))
}

/// The best `n` by `value` (highest first), ties by name.
fn best<'a>(lines: &[&'a Line], n: usize, value: impl Fn(&Totals) -> f64) -> Vec<&'a Line> {
    let mut sorted: Vec<&Line> = lines.to_vec();
    sorted.sort_by(|a, b| {
        value(&b.totals)
            .total_cmp(&value(&a.totals))
            .then_with(|| by_name(a, b))
    });
    sorted.truncate(n);
    sorted
}

/// An award: its label, the number it goes by, and the unit shown after it.
type Award = (&'static str, fn(&Totals) -> i64, &'static str);

/// The leaders of an award: every player tied for the highest value, or `None` when it is 0.
fn award(lines: &[Line], value: impl Fn(&Totals) -> i64) -> Option<(Vec<&str>, i64)> {
    let top = lines.iter().map(|l| value(&l.totals)).max()?;
    if top <= 0 {
        return None;
    }
    let names = lines
        .iter()
        .filter(|l| value(&l.totals) == top)
        .map(|l| l.name.as_str())
        .collect();
    Some((names, top))
}

/// Gives every page of a reply built from several parts a `page i/n` footer.
fn join_pages(parts: Vec<Reply>, note: Option<&str>) -> Reply {
    let mut pages: Vec<_> = parts.into_iter().flat_map(|r| r.pages).collect();
    let count = pages.len();
    for (index, page) in pages.iter_mut().enumerate() {
        page.footer = Some(match (note, count) {
            (Some(note), 1) => note.to_owned(),
            (Some(note), _) => format!("{note} · page {}/{count}", index + 1),
            (None, _) => format!("page {}/{count}", index + 1),
        });
    }
    Reply {
        pages,
        attachments: Vec::new(),
    }
}

// ---------------------------------------------------------------------------
// session_start, session_end, session_status

async fn start_or_end(
    ctx: &Context<'_>,
    call: &Call<'_>,
    start: bool,
) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let Some(controller) = ctx.session else {
        return Err(CommandError::Unavailable(NO_LIVE_BOT.into()));
    };
    let (answer, done, verb) = if start {
        (controller.start().await, "Session started", "started")
    } else {
        (controller.end().await, "Session ended", "ended")
    };
    match answer {
        Ok(text) => Ok(Reply::message(done, text, colour::SUCCESS)),
        Err(text) => Err(CommandError::Unavailable(format!(
            "the session was not {verb}: {text}"
        ))),
    }
}

fn session_line(session: Option<&SessionRow>) -> String {
    match session {
        Some(s) => format!(
            "`{}`: {} to {}",
            s.id,
            s.started_at,
            hour_minute(&s.ended_at)
        ),
        None => "none yet".to_owned(),
    }
}

async fn status(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let last = ctx.store.sessions(true, 1).await?;
    let last = session_line(last.first());
    let Some(controller) = ctx.session else {
        return Ok(Reply::builder("Session status")
            .description(format!(
                "{NO_LIVE_BOT}, so nothing is being monitored from here."
            ))
            .field("Last session in the database", last, false)
            .colour(colour::WARNING)
            .build());
    };
    let state = controller.status().await;
    let description = match (state.monitoring, &state.since) {
        (true, Some(since)) => format!("A session is running: monitoring since {since}."),
        (true, None) => "A session is running: monitoring.".to_owned(),
        (false, Some(since)) => format!("No session is running (monitoring off since {since})."),
        (false, None) => "No session is running: monitoring is off.".to_owned(),
    };
    let mut builder = Reply::builder(if state.monitoring {
        "Session running"
    } else {
        "No session running"
    })
    .description(description)
    .colour(if state.monitoring {
        colour::SUCCESS
    } else {
        colour::INFO
    });
    for (name, value) in state.details {
        builder = builder.field(name, value, true);
    }
    Ok(builder
        .field("Last session in the database", last, false)
        .build())
}

// ---------------------------------------------------------------------------
// last_session

async fn last_session(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let session = match call.tokens {
        [] => ctx.store.sessions(true, 1).await?.into_iter().next(),
        [id] => {
            let all = ctx.store.sessions(true, 100_000).await?;
            match all.iter().find(|s| s.id.eq_ignore_ascii_case(id)) {
                Some(session) => Some(session.clone()),
                None => return Err(unknown_session(call, id, &all)),
            }
        }
        _ => return Err(call.bad("too many arguments: give one session id")),
    };
    let Some(session) = session else {
        return Ok(Reply::message(
            "No sessions yet",
            "Nothing has been imported yet: sessions appear as round files are imported.",
            colour::WARNING,
        ));
    };
    let records = ctx
        .store
        .records(&RecordFilter {
            session: Some(session.id.clone()),
            include_bots: true,
            ..RecordFilter::default()
        })
        .await?;
    Ok(summary(&session, &records))
}

fn unknown_session(call: &Call<'_>, id: &str, all: &[SessionRow]) -> CommandError {
    let mut suggestions = crate::args::closest(id, all.iter().map(|s| s.id.as_str()), 3);
    if suggestions.is_empty() {
        suggestions = all.iter().take(3).map(|s| s.id.clone()).collect();
    }
    call.bad(if suggestions.is_empty() {
        format!("no session `{id}`: there are no sessions yet")
    } else {
        format!(
            "no session `{id}` (ids look like YYYY-MM-DD-HHMMSS); try {} or see `!session_history`",
            suggestions
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// A map of a session: its rounds and the players' sides.
#[derive(Debug)]
struct MapPlay<'a> {
    round1: Option<&'a RoundRow>,
    round2: Option<&'a RoundRow>,
    round1_sides: Vec<(i64, Side)>,
}

impl MapPlay<'_> {
    fn map(&self) -> &str {
        self.round1
            .or(self.round2)
            .map_or("?", |round| round.map.as_str())
    }
}

/// The maps of a session in play order: each round 2 joins its round 1.
fn maps_of<'a>(rounds: &[(&'a RoundRow, Vec<&'a PlayerRecord>)]) -> Vec<MapPlay<'a>> {
    let human_sides = |rows: &[&PlayerRecord], swap: bool| -> Vec<(i64, Side)> {
        rows.iter()
            .filter(|r| !r.player.is_bot)
            .filter_map(|r| {
                side_of(r).map(|side| (r.player.id, if swap { side.other() } else { side }))
            })
            .collect()
    };
    let mut maps: Vec<MapPlay<'a>> = Vec::new();
    for (round, rows) in rounds {
        if round.round_number == 2 {
            let paired = maps.iter_mut().find(|m| {
                m.round2.is_none() && m.round1.is_some_and(|r1| Some(r1.id) == round.round1_id)
            });
            if let Some(map) = paired {
                map.round2 = Some(round);
                // Late joiners: their round-2 side, swapped, stands for round 1.
                for (player, side) in human_sides(rows, true) {
                    if !map.round1_sides.iter().any(|(known, _)| *known == player) {
                        map.round1_sides.push((player, side));
                    }
                }
                continue;
            }
            maps.push(MapPlay {
                round1: None,
                round2: Some(round),
                round1_sides: human_sides(rows, true),
            });
        } else {
            maps.push(MapPlay {
                round1: Some(round),
                round2: None,
                round1_sides: human_sides(rows, false),
            });
        }
    }
    maps
}

/// Who is on a side in a round, as words: `Squad A (Axis)`.
fn who(squad: Option<Squad>, side: Side) -> String {
    match squad {
        Some(squad) => format!("{} ({})", squad.label(), side_name(side)),
        None => side_name(side).to_owned(),
    }
}

/// Round 1 in words: the time the attackers set (the clock, since round 2
/// must beat it), or the defenders' full hold.
fn round1_words(header: &RoundHeader, squad_on: impl Fn(Side) -> Option<Squad>) -> String {
    let Some(attackers) = header.attackers() else {
        return match header.winner {
            Some(winner) => format!("{} won", side_name(winner)),
            None => "no result in the header".to_owned(),
        };
    };
    let finished = header.clock_finished().or_else(|| header.winner_finished());
    let mut text = match (finished, header.clock()) {
        (Some(true), Some(time)) => format!(
            "{} attacked and set {} (limit {})",
            who(squad_on(attackers), attackers),
            clock(time),
            clock(header.time_limit_s)
        ),
        (Some(true), None) => format!(
            "{} attacked and finished inside the limit of {}",
            who(squad_on(attackers), attackers),
            clock(header.time_limit_s)
        ),
        (Some(false), _) => format!(
            "{} held: full hold ({})",
            who(squad_on(attackers.other()), attackers.other()),
            clock(header.time_limit_s)
        ),
        (None, _) => "no result in the header".to_owned(),
    };
    if header.clock_and_winner_disagree()
        && let Some(winner) = header.winner
    {
        text.push_str(&format!(
            " (the header's winner field names {})",
            side_name(winner)
        ));
    }
    text
}

/// Round 2 in words: whether the attackers beat the time to beat, as the
/// stopwatch rule decides it ([`RoundHeader::attackers_finished`]).
fn round2_words(header: &RoundHeader, squad_on: impl Fn(Side) -> Option<Squad>) -> String {
    let Some(attackers) = header.attackers() else {
        return match header.winner {
            Some(winner) => format!("{} won", side_name(winner)),
            None => "no result in the header".to_owned(),
        };
    };
    let to_beat = clock(header.time_limit_s);
    let disagree = header.clock_and_winner_disagree();
    match (header.attackers_finished(), header.clock()) {
        (Some(true), Some(time)) if !disagree => format!(
            "{} beat {to_beat} in {}",
            who(squad_on(attackers), attackers),
            clock(time)
        ),
        (Some(true), time) => format!(
            "{} beat {to_beat}{}",
            who(squad_on(attackers), attackers),
            time.map(|t| format!(
                " (the header's winner field says so; its clock shows {})",
                clock(t)
            ))
            .unwrap_or_default()
        ),
        (Some(false), Some(time)) if disagree => format!(
            "{} held {to_beat} (the header's winner field says so, though its clock shows {})",
            who(squad_on(attackers.other()), attackers.other()),
            clock(time)
        ),
        (Some(false), _) => format!(
            "{} held {to_beat}: not beaten",
            who(squad_on(attackers.other()), attackers.other())
        ),
        (None, _) => "no result in the header".to_owned(),
    }
}

fn summary(session: &SessionRow, records: &[PlayerRecord]) -> Reply {
    let rounds = rounds_of(records);
    let maps = maps_of(&rounds);
    let detected = detected_squads(records);
    let score = stopwatch_score(
        &maps
            .iter()
            .map(|m| MapInput {
                round1_sides: m.round1_sides.clone(),
                round2: m.round2.map(RoundHeader::of),
            })
            .collect::<Vec<_>>(),
        &detected,
    );
    let all: Vec<&PlayerRecord> = records.iter().collect();
    let players = lines(&all);
    let squad_note = if players.iter().all(|l| detected.contains_key(&l.id)) {
        SQUADS_DETECTED
    } else if detected.is_empty() {
        SQUADS_BY_SIDE
    } else {
        SQUADS_MIXED
    };
    let bots: BTreeSet<i64> = records
        .iter()
        .filter(|r| r.player.is_bot)
        .map(|r| r.player.id)
        .collect();
    let title = format!("Session {}", session.id);

    // Page 1: when, maps, score, squads.
    let start = parse_time(&session.started_at);
    let day = start.map_or_else(String::new, |t| t.strftime("%A %Y-%m-%d").to_string());
    let length = seconds_between(&session.started_at, &session.ended_at)
        .map(|s| format!(" ({})", duration(s)))
        .unwrap_or_default();
    let mut description = format!(
        "{day}, {} to {}{length}\n{} · {} · {}",
        hour_minute(&session.started_at),
        hour_minute(&session.ended_at),
        count(maps.len(), "map", "maps"),
        count(rounds.len(), "round", "rounds"),
        count(players.len(), "player", "players")
    );
    if !bots.is_empty() {
        description.push_str(&format!(" (+{})", count(bots.len(), "bot", "bots")));
    }
    let result = match score.a.cmp(&score.b) {
        std::cmp::Ordering::Greater => "Squad A wins the night",
        std::cmp::Ordering::Less => "Squad B wins the night",
        std::cmp::Ordering::Equal => "a draw",
    };
    description.push_str(&format!(
        "\nScore: Squad A {} : {} Squad B, {result}",
        score.a, score.b
    ));

    let mut map_lines = Vec::new();
    for (index, (map, result)) in maps.iter().zip(&score.maps).enumerate() {
        let a_side = result.a_side;
        let in_round1 = |side: Side| Some(if side == a_side { Squad::A } else { Squad::B });
        let in_round2 = |side: Side| Some(if side == a_side { Squad::B } else { Squad::A });
        let outcome = match (map.round2, result.winner) {
            (None, _) => "round 2 not played, no point".to_owned(),
            (Some(_), Some(squad)) => format!("point to {}", squad.label()),
            (Some(_), None) => "no result, no point".to_owned(),
        };
        map_lines.push(format!("{}. {}: {outcome}", index + 1, map.map()));
        if let Some(round1) = map.round1 {
            map_lines.push(format!(
                "R1: {}",
                round1_words(&RoundHeader::of(round1), in_round1)
            ));
        }
        if let Some(round2) = map.round2 {
            let header = RoundHeader::of(round2);
            let mut words = round2_words(&header, in_round2);
            if map.round1.is_some_and(|r1| {
                RoundHeader::of(r1).attackers_finished() == Some(false)
                    && header.attackers_finished() == Some(false)
            }) {
                words.push_str(", a double full hold");
            }
            map_lines.push(format!("R2: {words}"));
        }
    }

    let name_of: HashMap<i64, &str> = players.iter().map(|l| (l.id, l.name.as_str())).collect();
    let mut overview = Reply::builder(title.clone())
        .description(description)
        .field("Maps", map_lines.join("\n"), false);
    for squad in [Squad::A, Squad::B] {
        let mut members: Vec<&str> = score
            .squads
            .iter()
            .filter(|(_, s)| **s == squad)
            .filter_map(|(id, _)| name_of.get(id).copied())
            .collect();
        members.sort_by_key(|name| name.to_lowercase());
        let points = match squad {
            Squad::A => score.a,
            Squad::B => score.b,
        };
        overview = overview.field(
            format!(
                "{} ({points} {})",
                squad.label(),
                if points == 1 { "map" } else { "maps" }
            ),
            members.join(", "),
            true,
        );
    }

    // Page 2: every player, top performers, awards.
    let squad_of = |id: i64| match score.squads.get(&id) {
        Some(squad) => match squad {
            Squad::A => "A",
            Squad::B => "B",
        },
        None => "-",
    };
    let mut by_kills: Vec<&Line> = players.iter().collect();
    by_kills = best(&by_kills, by_kills.len(), |t| t.kills as f64);
    let rows = by_kills
        .iter()
        .map(|l| {
            let t = &l.totals;
            vec![
                l.name.clone(),
                squad_of(l.id).to_owned(),
                t.kills.to_string(),
                t.deaths.to_string(),
                format!("{:.2}", t.kd()),
                format!("{:.1}", t.dpm()),
                format!("{:.1}", t.accuracy()),
                t.damage_given.to_string(),
                t.rounds.to_string(),
            ]
        })
        .collect();
    let round_count = rounds.len();
    let min_rounds = round_count.div_ceil(2).max(1);
    let regulars: Vec<&Line> = players
        .iter()
        .filter(|l| usize::try_from(l.totals.rounds).unwrap_or(0) >= min_rounds)
        .collect();
    let everyone: Vec<&Line> = players.iter().collect();
    let top =
        |label: &str, lines: &[&Line], value: fn(&Totals) -> f64, show: fn(&Totals) -> String| {
            let leaders = best(lines, 3, value)
                .iter()
                .map(|l| format!("{} {}", l.name, show(&l.totals)))
                .collect::<Vec<_>>();
            format!(
                "{label}: {}",
                if leaders.is_empty() {
                    "-".to_owned()
                } else {
                    leaders.join(" · ")
                }
            )
        };
    let performers = [
        top(
            "Kills",
            &everyone,
            |t| t.kills as f64,
            |t| t.kills.to_string(),
        ),
        top("DPM", &regulars, Totals::dpm, |t| format!("{:.1}", t.dpm())),
        top("K/D", &regulars, Totals::kd, |t| {
            format!("{:.2} ({}/{})", t.kd(), t.kills, t.deaths)
        }),
        top("Accuracy", &regulars, Totals::accuracy, |t| {
            format!("{:.1}%", t.accuracy())
        }),
        format!(
            "(DPM, K/D and accuracy among players in at least {min_rounds} of the {round_count} rounds)"
        ),
    ];
    let awards: [Award; 8] = [
        ("Most damage", |t| t.damage_given, ""),
        ("Most revives", |t| t.revives_given, ""),
        ("Most headshots", |t| t.headshots, ""),
        ("Most gibs", |t| t.gibs, ""),
        ("Most objectives", Totals::objectives, ""),
        ("Longest spree", |t| t.best_spree, " kills in a row"),
        ("Most deaths", |t| t.deaths, ""),
        ("Most team damage (shame)", |t| t.team_damage_given, ""),
    ];
    let award_lines: Vec<String> = awards
        .iter()
        .map(|(label, value, unit)| match award(&players, value) {
            Some((names, top)) => format!("{label}: {} ({top}{unit})", names.join(", ")),
            None => format!("{label}: nobody"),
        })
        .collect();
    let details = Reply::builder(title)
        .table(
            &[
                "player", "squad", "K", "D", "K/D", "DPM", "acc%", "damage", "rounds",
            ],
            &[
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            rows,
        )
        .rows_per_page(20)
        .field("Top performers", performers.join("\n"), false)
        .field("Awards", award_lines.join("\n"), false)
        .build();
    let mut reply = join_pages(vec![overview.build(), details], Some(squad_note));
    reply.attachments = session_charts(session, &day, &rounds, &maps, &score, &players, min_rounds);
    reply
}

// ---------------------------------------------------------------------------
// Charts

/// A chart as a PNG attachment; a chart that cannot be drawn is left out
/// (the reply's text has every number).
pub(super) fn chart_attachment(
    filename: String,
    chart: impl Into<etl_charts::Chart>,
) -> Option<crate::Attachment> {
    chart
        .into()
        .render()
        .ok()
        .map(|png| crate::Attachment::new(filename, "image/png", png))
}

/// A name as a file name part: lower-case ASCII letters and digits, dashes
/// between; `player` when nothing is left.
pub(super) fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "player".to_owned()
    } else {
        out.to_owned()
    }
}

/// The summary's charts, from the numbers its pages show: damage and kills
/// per player (the table's columns), the map score (the Maps field), and
/// each player's DPM over the night (ending at the table's DPM).
fn session_charts(
    session: &SessionRow,
    day: &str,
    rounds: &[(&RoundRow, Vec<&PlayerRecord>)],
    maps: &[MapPlay<'_>],
    score: &Score,
    players: &[Line],
    min_rounds: usize,
) -> Vec<crate::Attachment> {
    let squad_label = |id: i64| {
        score.squads.get(&id).map(|squad| match squad {
            Squad::A => "A".to_owned(),
            Squad::B => "B".to_owned(),
        })
    };
    let everyone: Vec<&Line> = players.iter().collect();
    let by_damage = best(&everyone, everyone.len(), |t| t.damage_given as f64);
    let summary = format!(
        "{day} · {} · {} · {}",
        count(maps.len(), "map", "maps"),
        count(rounds.len(), "round", "rounds"),
        count(players.len(), "player", "players")
    );
    let damage_and_kills = etl_charts::SessionPlayers {
        title: format!("Session {} · damage and kills", session.id),
        subtitle: format!("{summary} · most damage first"),
        players: by_damage
            .iter()
            .map(|l| etl_charts::PlayerLine {
                name: l.name.clone(),
                squad: squad_label(l.id),
                damage: l.totals.damage_given,
                kills: l.totals.kills,
            })
            .collect(),
    };
    let (mut a, mut b) = (0, 0);
    let map_score = etl_charts::SessionScore {
        title: format!(
            "Session {} · Squad A {} : {} Squad B",
            session.id, score.a, score.b
        ),
        subtitle: "Stopwatch: each map is one point, to the squad that beat the time or held it"
            .to_owned(),
        a_label: Squad::A.label().to_owned(),
        b_label: Squad::B.label().to_owned(),
        maps: maps
            .iter()
            .zip(&score.maps)
            .map(|(map, result)| {
                match result.winner {
                    Some(Squad::A) => a += 1,
                    Some(Squad::B) => b += 1,
                    None => {}
                }
                etl_charts::MapScore {
                    map: map.map().to_owned(),
                    a,
                    b,
                }
            })
            .collect(),
    };
    [
        (
            format!("session-{}-players.png", session.id),
            damage_and_kills.into(),
        ),
        (
            format!("session-{}-score.png", session.id),
            map_score.into(),
        ),
        (
            format!("session-{}-dpm.png", session.id),
            dpm_over_the_night(session, rounds, players, min_rounds).into(),
        ),
    ]
    .into_iter()
    .filter_map(|(name, chart): (String, etl_charts::Chart)| chart_attachment(name, chart))
    .collect()
}

/// Each player's DPM over his rounds so far, after every round he played:
/// the 8 best by the night's DPM among players in at least `min_rounds`
/// rounds (then the others), as the Top performers field ranks them.
fn dpm_over_the_night(
    session: &SessionRow,
    rounds: &[(&RoundRow, Vec<&PlayerRecord>)],
    players: &[Line],
    min_rounds: usize,
) -> etl_charts::SessionDpm {
    let mut running: BTreeMap<i64, (Totals, Vec<etl_charts::DpmPoint>)> = BTreeMap::new();
    for (index, (_, rows)) in rounds.iter().enumerate() {
        let mut played = BTreeSet::new();
        for record in rows.iter().filter(|r| !r.player.is_bot) {
            running.entry(record.player.id).or_default().0.add(record);
            played.insert(record.player.id);
        }
        for id in played {
            if let Some((totals, points)) = running.get_mut(&id) {
                points.push(etl_charts::DpmPoint {
                    round: index,
                    dpm: totals.dpm(),
                });
            }
        }
    }
    let regular = |l: &&Line| usize::try_from(l.totals.rounds).unwrap_or(0) >= min_rounds;
    let (regulars, others): (Vec<&Line>, Vec<&Line>) = players.iter().partition(regular);
    let ranked = best(&regulars, regulars.len(), Totals::dpm)
        .into_iter()
        .chain(best(&others, others.len(), Totals::dpm))
        .take(8);
    etl_charts::SessionDpm {
        title: format!("Session {} · DPM over the night", session.id),
        subtitle: format!(
            "The best 8 by DPM of the players in at least {min_rounds} of the {} rounds; each point is his DPM so far",
            rounds.len()
        ),
        rounds: rounds
            .iter()
            .map(|(round, _)| format!("{}\nR{}", round.map, round.round_number))
            .collect(),
        players: ranked
            .map(|l| etl_charts::DpmLine {
                name: l.name.clone(),
                points: running.remove(&l.id).map(|(_, p)| p).unwrap_or_default(),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------------------
// last_round

async fn last_round(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    call.no_arguments()?;
    let Some(round) = ctx.store.latest_round().await? else {
        return Ok(Reply::message(
            "No rounds yet",
            "Nothing has been imported yet.",
            colour::WARNING,
        ));
    };
    let records: Vec<PlayerRecord> = ctx
        .store
        .records(&RecordFilter {
            session: round.session_id.clone(),
            map: Some(round.map.clone()),
            from: Some(round.played_at.clone()),
            include_bots: true,
            ..RecordFilter::default()
        })
        .await?
        .into_iter()
        .filter(|r| r.round.id == round.id)
        .collect();
    let header = RoundHeader::of(&round);
    let title = format!("{} · round {}", round.map, round.round_number);
    let mut description = vec![format!(
        "Ended {} · {}",
        round.played_at,
        count(
            records.iter().filter(|r| !r.player.is_bot).count(),
            "player",
            "players"
        )
    )];
    if let Some(defender) = header.defender {
        description.push(format!(
            "{} defended, {} attacked",
            side_name(defender),
            side_name(defender.other())
        ));
    }
    let none = |_: Side| None;
    if round.round_number == 2 {
        description.push(format!("Round 2: {}", round2_words(&header, none)));
        if let Some(winner) = map_winner(&header) {
            let winners: Vec<&PlayerRecord> = records
                .iter()
                .filter(|r| !r.player.is_bot && side_of(r) == Some(winner))
                .collect();
            let mut names: Vec<&str> = winners
                .iter()
                .map(|r| r.player.last_clean_name.as_str())
                .collect();
            names.sort_by_key(|n| n.to_lowercase());
            // The squad, when the detector stored one for all of them.
            let squads: BTreeSet<Option<&str>> =
                winners.iter().map(|r| r.stats.squad.as_deref()).collect();
            let squad = match squads.into_iter().collect::<Vec<_>>().as_slice() {
                [Some(label)] => format!("Squad {label}: "),
                _ => String::new(),
            };
            description.push(format!(
                "Map result: {} win {} ({squad}{})",
                side_name(winner),
                round.map,
                names.join(", ")
            ));
        }
        description.push(
            "The numbers are round 2's alone (round 1 taken off the file's running totals)."
                .to_owned(),
        );
    } else {
        description.push(format!("Round 1: {}", round1_words(&header, none)));
        description.push(format!(
            "Round 2 decides {}: time to beat {}.",
            round.map,
            clock(header.clock().unwrap_or(header.time_limit_s))
        ));
    }
    if records.is_empty() {
        return Ok(Reply::builder(title)
            .description(format!(
                "{}\nNo round-only player rows are stored for this round (a round 2 without its round 1 keeps only the file's running totals).",
                description.join("\n")
            ))
            .build());
    }

    let rows: Vec<&PlayerRecord> = records.iter().collect();
    let players = lines(&rows);
    let side_by_player: HashMap<i64, Option<Side>> =
        records.iter().map(|r| (r.player.id, side_of(r))).collect();
    let mut ranked: Vec<&Line> = players.iter().collect();
    ranked.sort_by(|a, b| {
        b.totals
            .kills
            .cmp(&a.totals.kills)
            .then_with(|| b.totals.damage_given.cmp(&a.totals.damage_given))
            .then_with(|| by_name(a, b))
    });
    let table: Vec<Vec<String>> = ranked
        .iter()
        .take(5)
        .enumerate()
        .map(|(index, l)| {
            let t = &l.totals;
            vec![
                (index + 1).to_string(),
                l.name.clone(),
                side_by_player
                    .get(&l.id)
                    .copied()
                    .flatten()
                    .map_or("-", side_name)
                    .to_owned(),
                t.kills.to_string(),
                t.deaths.to_string(),
                format!("{:.2}", t.kd()),
                t.damage_given.to_string(),
                format!("{:.1}", t.accuracy()),
            ]
        })
        .collect();
    let humans: Vec<&PlayerRecord> = records.iter().filter(|r| !r.player.is_bot).collect();
    let all = Totals::of(humans.iter().copied());
    let mut totals = vec![format!(
        "{} kills · {} deaths · {} damage · {} headshots · {} revives · {} objectives",
        all.kills,
        all.deaths,
        all.damage_given,
        all.headshots,
        all.revives_given,
        all.objectives()
    )];
    for side in [Side::Axis, Side::Allies] {
        let t = Totals::of(humans.iter().copied().filter(|r| side_of(r) == Some(side)));
        if t.rounds > 0 {
            totals.push(format!(
                "{}: {} players, {} kills, {} damage, {:.1}% accuracy",
                side_name(side),
                t.rounds,
                t.kills,
                t.damage_given,
                t.accuracy()
            ));
        }
    }
    Ok(Reply::builder(title)
        .description(description.join("\n"))
        .table(
            &["#", "player", "side", "K", "D", "K/D", "damage", "acc%"],
            &[
                Align::Right,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            table,
        )
        .field("Round totals", totals.join("\n"), false)
        .footer("Top 5 by kills")
        .build())
}

// ---------------------------------------------------------------------------
// session_history

async fn history(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let count = call.count_only(10, 100)?;
    let sessions = ctx
        .store
        .sessions(true, i64::try_from(count).unwrap_or(100))
        .await?;
    if sessions.is_empty() {
        return Ok(Reply::message(
            "No sessions yet",
            "Nothing has been imported yet.",
            colour::WARNING,
        ));
    }
    let mut rows = Vec::with_capacity(sessions.len());
    for session in &sessions {
        let records = ctx
            .store
            .records(&RecordFilter {
                session: Some(session.id.clone()),
                include_bots: true,
                ..RecordFilter::default()
            })
            .await?;
        let rounds = rounds_of(&records);
        let maps = maps_of(&rounds);
        let players: BTreeSet<i64> = records
            .iter()
            .filter(|r| !r.player.is_bot)
            .map(|r| r.player.id)
            .collect();
        let day = parse_time(&session.started_at)
            .map_or_else(String::new, |t| t.strftime("%a").to_string());
        rows.push(vec![
            session.id.clone(),
            day,
            format!(
                "{}-{}",
                hour_minute(&session.started_at),
                hour_minute(&session.ended_at)
            ),
            seconds_between(&session.started_at, &session.ended_at)
                .map_or_else(|| "?".to_owned(), duration),
            rounds.len().to_string(),
            players.len().to_string(),
            maps.iter().map(MapPlay::map).collect::<Vec<_>>().join(", "),
        ]);
    }
    Ok(Reply::builder("Sessions")
        .description(format!(
            "The last {} {}, newest first. `!last_session <id>` shows one in full.",
            sessions.len(),
            if sessions.len() == 1 {
                "session"
            } else {
                "sessions"
            }
        ))
        .table(
            &[
                "session", "day", "time", "length", "rounds", "players", "maps",
            ],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Left,
            ],
            rows,
        )
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(
        defender: Side,
        winner: Option<Side>,
        limit: i32,
        actual: Option<i32>,
    ) -> RoundHeader {
        RoundHeader {
            defender: Some(defender),
            winner,
            time_limit_s: limit,
            actual_time_s: actual,
        }
    }

    /// Players 1-3 and 4-6; `a_side` is the side of players 1-3 in round 1.
    fn map(a_side: Side, round2: Option<RoundHeader>) -> MapInput {
        let sides = (1..=6)
            .map(|id| (id, if id <= 3 { a_side } else { a_side.other() }))
            .collect();
        MapInput {
            round1_sides: sides,
            round2,
        }
    }

    #[test]
    fn round_two_attackers_who_beat_the_time_win_the_map() {
        // Axis defends; in round 2 Allies attack and finish in 8:12 of 9:42.
        let r2 = header(Side::Axis, Some(Side::Allies), 582, Some(492));
        assert_eq!(r2.attackers_finished(), Some(true));
        assert_eq!(map_winner(&r2), Some(Side::Allies));
        // Squad A (players 1-3) were Axis in round 1, so Allies in round 2: their point.
        let score = stopwatch_score(&[map(Side::Axis, Some(r2))], &BTreeMap::new());
        assert_eq!((score.a, score.b), (1, 0));
        assert_eq!(score.maps[0].winner, Some(Squad::A));
        assert_eq!(score.squads[&1], Squad::A);
        assert_eq!(score.squads[&6], Squad::B);
    }

    #[test]
    fn defenders_who_hold_the_time_win_the_map_even_a_double_full_hold() {
        let r2 = header(Side::Allies, Some(Side::Allies), 600, Some(600));
        assert_eq!(r2.attackers_finished(), Some(false));
        assert_eq!(map_winner(&r2), Some(Side::Allies));
        // Players 1-3 were Axis in round 1, so Allies (the defenders) in round 2.
        let score = stopwatch_score(&[map(Side::Axis, Some(r2))], &BTreeMap::new());
        assert_eq!(score.maps[0].winner, Some(Squad::A));
    }

    #[test]
    fn squads_follow_the_swap_from_map_to_map() {
        let attackers_win = header(Side::Axis, Some(Side::Allies), 500, Some(400));
        // Map 1: players 1-3 on Axis in round 1 -> squad A; Allies win round 2 -> A.
        // Map 2: players 1-3 on Allies in round 1 -> still squad A, now Axis in
        // round 2 (the defenders); Allies win round 2 -> B.
        // Map 3: round 2 never played -> no point.
        let score = stopwatch_score(
            &[
                map(Side::Axis, Some(attackers_win)),
                map(Side::Allies, Some(attackers_win)),
                map(Side::Axis, None),
            ],
            &BTreeMap::new(),
        );
        assert_eq!(score.maps[1].a_side, Side::Allies);
        assert_eq!(
            score.maps.iter().map(|m| m.winner).collect::<Vec<_>>(),
            [Some(Squad::A), Some(Squad::B), None]
        );
        assert_eq!((score.a, score.b), (1, 1));
    }

    #[test]
    fn a_late_joiner_joins_the_squad_of_his_side_and_a_switcher_keeps_his_squad() {
        let r2 = header(Side::Axis, Some(Side::Axis), 600, Some(600));
        let mut second = map(Side::Allies, Some(r2));
        // Player 7 joins on squad A's side; player 3 switched to the other side.
        second.round1_sides.push((7, Side::Allies));
        second.round1_sides.retain(|(id, _)| *id != 3);
        second.round1_sides.push((3, Side::Axis));
        let score = stopwatch_score(&[map(Side::Axis, None), second], &BTreeMap::new());
        assert_eq!(score.maps[1].a_side, Side::Allies, "the majority decides");
        assert_eq!(score.squads[&7], Squad::A);
        assert_eq!(score.squads[&3], Squad::A);
        // Axis defended and held in round 2: squad A was Allies in round 1, so Axis now.
        assert_eq!(score.maps[1].winner, Some(Squad::A));
    }

    #[test]
    fn the_winner_field_decides_and_the_clock_settles_what_it_cannot() {
        // The clock shows the time beaten but the game names the defenders: they win.
        let surrendered = header(Side::Axis, Some(Side::Axis), 720, Some(678));
        assert_eq!(map_winner(&surrendered), Some(Side::Axis));
        assert!(surrendered.clock_and_winner_disagree());
        // Equal times (the script floors minutes) and the game names the attackers.
        let last_second = header(Side::Axis, Some(Side::Allies), 455, Some(455));
        assert_eq!(map_winner(&last_second), Some(Side::Allies));
        // An implausible round-2 time (the cvar was reset): the winner field.
        let reset = header(Side::Axis, Some(Side::Axis), 540, Some(4760));
        assert_eq!(map_winner(&reset), Some(Side::Axis));
        assert!(!reset.clock_and_winner_disagree());
        // No winner field: the clock decides, beaten or not.
        let beaten = header(Side::Allies, None, 540, Some(300));
        assert_eq!(map_winner(&beaten), Some(Side::Axis));
        let held = header(Side::Allies, None, 540, Some(540));
        assert_eq!(map_winner(&held), Some(Side::Allies));
        // No winner and no usable clock: no result, no point.
        let unknown = header(Side::Axis, None, 540, None);
        assert_eq!(map_winner(&unknown), None);
        let score = stopwatch_score(&[map(Side::Axis, Some(unknown))], &BTreeMap::new());
        assert_eq!((score.a, score.b), (0, 0));
        assert_eq!(score.maps[0].winner, None);
    }

    #[test]
    fn detected_squads_decide_the_sides_and_others_follow_theirs() {
        // The detector put players 1 and 2 in squad B; they play Axis in round 1.
        let detected = BTreeMap::from([(1, Squad::B), (2, Squad::B)]);
        let r2 = header(Side::Axis, Some(Side::Allies), 500, Some(400));
        let score = stopwatch_score(&[map(Side::Axis, Some(r2))], &detected);
        assert_eq!(score.maps[0].a_side, Side::Allies);
        assert_eq!(score.squads[&3], Squad::B, "on the side of squad B");
        assert_eq!(score.squads[&4], Squad::A);
        // Players 1-3 (squad B) are Allies in round 2 and beat the time.
        assert_eq!(score.maps[0].winner, Some(Squad::B));
        assert_eq!((score.a, score.b), (0, 1));
    }

    #[test]
    fn clocks_and_words() {
        assert_eq!(clock(582), "9:42");
        assert_eq!(clock(60), "1:00");
        let r1 = header(Side::Axis, Some(Side::Axis), 720, Some(720));
        assert_eq!(round1_words(&r1, |_| None), "Axis held: full hold (12:00)");
        let r2 = header(Side::Axis, Some(Side::Allies), 582, Some(492));
        assert_eq!(
            round2_words(&r2, |s| Some(if s == Side::Allies {
                Squad::A
            } else {
                Squad::B
            })),
            "Squad A (Allies) beat 9:42 in 8:12"
        );
        assert_eq!(
            seconds_between("2025-11-02 20:05:48", "2025-11-02 22:09:02"),
            Some(7394)
        );
    }
}
