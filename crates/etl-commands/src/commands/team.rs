//! The Team family: the two squads (A/B) of a session as the squad detector
//! assigned them at import, or the two sides (axis/allies) where the argument
//! says so. Bots are never squad members, and a spectator's line counts for
//! no squad and no side.
//!
//! Map results follow the stopwatch rule in [`map_result`].

use std::collections::{BTreeMap, HashMap};

use etl_parser::Side;
use etl_store::models::RoundRow;
use etl_store::{PlayerRecord, RecordFilter, SessionRow, SumBy};

use crate::args::Window;
use crate::reply::colour;
use crate::stats::{Totals, ratio};
use crate::{Align, CommandError, Context, Reply};

use super::Call;
use super::session::{chart_attachment, slug};

const COMMANDS: [&str; 8] = [
    "team_stats",
    "team_roster",
    "team_vs_team",
    "team_balance",
    "team_synergy",
    "team_objective",
    "team_efficiency",
    "team_history",
];

pub(super) fn handles(name: &str) -> bool {
    COMMANDS.contains(&name)
}

pub(super) async fn run(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    match call.spec.name {
        "team_stats" => team_stats(ctx, call).await,
        "team_roster" => team_roster(ctx, call).await,
        "team_vs_team" => team_vs_team(ctx, call).await,
        "team_balance" => team_balance(ctx, call).await,
        "team_synergy" => team_synergy(ctx, call).await,
        "team_objective" => team_objective(ctx, call).await,
        "team_efficiency" => team_efficiency(ctx, call).await,
        "team_history" => team_history(ctx, call).await,
        name => Err(CommandError::Unavailable(format!(
            "`{name}` has no handler yet"
        ))),
    }
}

// ---------------------------------------------------------------------------
// Squads, sides and the stopwatch rule

/// A squad of a session: the players who play together all night.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Squad {
    A,
    B,
}

impl Squad {
    const BOTH: [Squad; 2] = [Squad::A, Squad::B];

    fn from_label(label: &str) -> Option<Self> {
        match label {
            "A" | "a" => Some(Self::A),
            "B" | "b" => Some(Self::B),
            _ => None,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Self::A => "A",
            Self::B => "B",
        }
    }

    fn other(self) -> Self {
        match self {
            Self::A => Self::B,
            Self::B => Self::A,
        }
    }
}

/// What a team argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Team {
    Squad(Squad),
    Side(Side),
}

impl Team {
    fn parse(word: &str) -> Option<Self> {
        let lower = word.to_lowercase();
        match lower.as_str() {
            "axis" => Some(Self::Side(Side::Axis)),
            "allies" | "allied" => Some(Self::Side(Side::Allies)),
            _ => Squad::from_label(&lower).map(Self::Squad),
        }
    }

    fn title(self) -> String {
        match self {
            Self::Squad(squad) => format!("Squad {}", squad.label()),
            Self::Side(side) => side_title(side).to_owned(),
        }
    }

    /// Does this row count for the team?
    fn owns(self, record: &PlayerRecord) -> bool {
        match self {
            Self::Squad(squad) => squad_of(record) == Some(squad),
            Self::Side(side) => !record.player.is_bot && side_of(record) == Some(side),
        }
    }

    fn colour(self) -> u32 {
        match self {
            Self::Side(Side::Axis) => colour::AXIS,
            Self::Side(Side::Allies) => colour::ALLIES,
            Self::Squad(_) => colour::INFO,
        }
    }
}

fn side_title(side: Side) -> &'static str {
    match side {
        Side::Axis => "Axis",
        Side::Allies => "Allies",
    }
}

/// The side a row ended the round on; `None` for a spectator.
fn side_of(record: &PlayerRecord) -> Option<Side> {
    record.stats.team.as_deref().and_then(Side::from_name)
}

/// The squad a row counts for: never a bot's, never a spectator's.
fn squad_of(record: &PlayerRecord) -> Option<Squad> {
    if record.player.is_bot || side_of(record).is_none() {
        return None;
    }
    record.stats.squad.as_deref().and_then(Squad::from_label)
}

/// What the stopwatch rule reads of a round's header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Half {
    pub defender: Option<Side>,
    pub winner: Option<Side>,
    /// Round 1: the map's limit; round 2: the time to beat.
    pub time_limit_s: i32,
    /// Round 1: the attackers' time (the limit on a full hold); round 2: the
    /// attackers' time when they beat it.
    pub actual_time_s: Option<i32>,
}

impl Half {
    fn of(row: &RoundRow) -> Self {
        Self {
            defender: row.defender.as_deref().and_then(Side::from_name),
            winner: row.winner.as_deref().and_then(Side::from_name),
            time_limit_s: row.time_limit_s,
            actual_time_s: row.actual_time_s,
        }
    }

    /// Round 1: the time the attackers set, `None` on a full hold (the
    /// header's time equals the limit) or when the header has no usable time.
    fn time_set(&self) -> Option<i32> {
        self.actual_time_s
            .filter(|t| *t > 0 && *t < self.time_limit_s)
    }
}

/// Who took a stopwatch map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MapResult {
    /// Round 2's attackers beat the time to beat: the map is theirs.
    SecondAttackers,
    /// Round 2's attackers did not beat it: the time set in round 1 (or the
    /// full limit, after a full hold) stood, and the squad that attacked in
    /// round 1 (defending round 2) takes the map.
    FirstAttackers,
    /// No round 2, or its header names no winner or no defender.
    Undecided,
}

/// The stopwatch rule, from round 2's header alone: its `winner` says whether
/// the attackers beat the time to beat. Winner = the attacking side (the side
/// that is not the defender) → the second attackers win the map; winner = the
/// defending side → the time stood and the first attackers win it, also after
/// a double full hold (as the game itself scores it). Round 2's clock is not
/// consulted: the winner field is the game's own verdict.
pub(crate) fn map_result(round2: Option<&Half>) -> MapResult {
    let Some(round2) = round2 else {
        return MapResult::Undecided;
    };
    match (round2.defender, round2.winner) {
        (Some(defender), Some(winner)) if winner == defender => MapResult::FirstAttackers,
        (Some(_), Some(_)) => MapResult::SecondAttackers,
        _ => MapResult::Undecided,
    }
}

/// `M:SS`, as the headers write times.
fn clock(seconds: i32) -> String {
    let seconds = seconds.max(0);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

// ---------------------------------------------------------------------------
// Arguments

/// Which team words a command takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Words {
    SquadsAndSides,
    SquadsOnly,
    None,
}

/// Looks like a session id or a prefix of one (`2025-11-02-201530`,
/// `2025-11-02`, `2025-11`).
fn looks_like_session(word: &str) -> bool {
    let bytes = word.as_bytes();
    bytes.len() >= 7
        && bytes.iter().all(|b| b.is_ascii_digit() || *b == b'-')
        && bytes.get(4) == Some(&b'-')
}

/// `[team] [session]` in any order.
fn team_and_session<'t>(
    call: &'t Call<'_>,
    words: Words,
) -> Result<(Option<Team>, Option<&'t str>), CommandError> {
    let mut team = None;
    let mut session = None;
    for token in call.tokens {
        if words != Words::None
            && let Some(found) = Team::parse(token)
        {
            if team.is_some() {
                return Err(call.bad("name one team only"));
            }
            if words == Words::SquadsOnly && matches!(found, Team::Side(_)) {
                return Err(call.bad(format!(
                    "`{token}` is a side; rosters are per squad: use A or B"
                )));
            }
            team = Some(found);
        } else if looks_like_session(token) {
            if session.is_some() {
                return Err(call.bad("name one session only"));
            }
            session = Some(token.as_str());
        } else {
            return Err(call.bad(match words {
                Words::SquadsAndSides => format!(
                    "`{token}` is neither a team (A, B, axis or allies) nor a session id (like 2025-11-02-201530)"
                ),
                Words::SquadsOnly => format!(
                    "`{token}` is neither a squad (A or B) nor a session id (like 2025-11-02-201530)"
                ),
                Words::None => {
                    format!("`{token}` is not a session id (like 2025-11-02-201530)")
                }
            }));
        }
    }
    Ok((team, session))
}

/// The session named (by id, or by a unique prefix such as its date), or the
/// last one. `Ok(None)`: no session at all yet.
async fn resolve_session(
    ctx: &Context<'_>,
    call: &Call<'_>,
    wanted: Option<&str>,
) -> Result<Option<SessionRow>, CommandError> {
    let sessions = ctx.store.sessions(true, 1_000_000).await?;
    let Some(wanted) = wanted else {
        return Ok(sessions.into_iter().next());
    };
    if let Some(session) = sessions.iter().find(|s| s.id == wanted) {
        return Ok(Some(session.clone()));
    }
    let matching: Vec<&SessionRow> = sessions
        .iter()
        .filter(|s| s.id.starts_with(wanted))
        .collect();
    match matching.as_slice() {
        [one] => Ok(Some((*one).clone())),
        [] => {
            let recent: Vec<&str> = sessions.iter().take(3).map(|s| s.id.as_str()).collect();
            Err(call.bad(if recent.is_empty() {
                format!("no session `{wanted}`: no session has been imported yet")
            } else {
                format!(
                    "no session `{wanted}`; recent sessions: {}",
                    recent.join(", ")
                )
            }))
        }
        many => Err(call.bad(format!(
            "`{wanted}` matches {} sessions ({}); give the full id",
            many.len(),
            many.iter()
                .take(5)
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

fn no_sessions() -> Reply {
    Reply::message(
        "No sessions",
        "No session has been imported yet.",
        colour::WARNING,
    )
}

async fn session_records(
    ctx: &Context<'_>,
    session: &SessionRow,
) -> Result<Vec<PlayerRecord>, CommandError> {
    load_records(
        ctx,
        RecordFilter {
            session: Some(session.id.clone()),
            include_bots: true,
            ..RecordFilter::default()
        },
    )
    .await
}

/// The rows of `filter`, with every player who shares his name with another
/// player of these rows named with his GUID too.
async fn load_records(
    ctx: &Context<'_>,
    filter: RecordFilter,
) -> Result<Vec<PlayerRecord>, CommandError> {
    let mut records = ctx.store.records(&filter).await?;
    let players: HashMap<i64, (String, String)> = records
        .iter()
        .map(|r| {
            let player = &r.player;
            (
                player.id,
                (player.last_clean_name.clone(), player.guid.clone()),
            )
        })
        .collect();
    let mut names = names_told_apart(&players);
    for record in &mut records {
        if let Some(name) = names.get_mut(&record.player.id) {
            record.player.last_clean_name.clone_from(name);
        }
    }
    Ok(records)
}

/// Player id -> name, with the GUID after a name two of them share.
fn names_told_apart(players: &HashMap<i64, (String, String)>) -> HashMap<i64, String> {
    let mut ids_by_name: HashMap<String, usize> = HashMap::new();
    for (name, _) in players.values() {
        *ids_by_name.entry(name.to_lowercase()).or_default() += 1;
    }
    players
        .iter()
        .map(|(id, (name, guid))| {
            let shared = ids_by_name
                .get(&name.to_lowercase())
                .is_some_and(|n| *n > 1);
            let shown = if shared {
                format!("{name} ({guid})")
            } else {
                name.clone()
            };
            (*id, shown)
        })
        .collect()
}

/// The session named by `[team] [session]` tokens and its rows.
async fn load(
    ctx: &Context<'_>,
    call: &Call<'_>,
    words: Words,
) -> Result<Option<(Option<Team>, SessionRow, Vec<PlayerRecord>)>, CommandError> {
    let (team, wanted) = team_and_session(call, words)?;
    let Some(session) = resolve_session(ctx, call, wanted).await? else {
        return Ok(None);
    };
    let records = session_records(ctx, &session).await?;
    Ok(Some((team, session, records)))
}

// ---------------------------------------------------------------------------
// Rounds, maps and members

/// One round and its rows.
#[derive(Debug)]
struct RoundGroup<'a> {
    round: &'a RoundRow,
    rows: Vec<&'a PlayerRecord>,
}

impl RoundGroup<'_> {
    /// The squad most of the rows on `side` belong to (`None` on a tie).
    fn squad_on(&self, side: Side) -> Option<Squad> {
        let mut count = [0usize; 2];
        for row in &self.rows {
            if side_of(row) == Some(side) {
                match squad_of(row) {
                    Some(Squad::A) => count[0] += 1,
                    Some(Squad::B) => count[1] += 1,
                    None => {}
                }
            }
        }
        match count[0].cmp(&count[1]) {
            std::cmp::Ordering::Greater => Some(Squad::A),
            std::cmp::Ordering::Less => Some(Squad::B),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The side most of the squad's rows ended on (`None` on a tie or absent).
    fn side_of_squad(&self, squad: Squad) -> Option<Side> {
        let (mut axis, mut allies) = (0usize, 0usize);
        for row in &self.rows {
            if squad_of(row) == Some(squad) {
                match side_of(row) {
                    Some(Side::Axis) => axis += 1,
                    Some(Side::Allies) => allies += 1,
                    None => {}
                }
            }
        }
        match axis.cmp(&allies) {
            std::cmp::Ordering::Greater => Some(Side::Axis),
            std::cmp::Ordering::Less => Some(Side::Allies),
            std::cmp::Ordering::Equal => None,
        }
    }

    /// The side `team` played in this round, if it played.
    fn side_of_team(&self, team: Team) -> Option<Side> {
        match team {
            Team::Side(side) => self.rows.iter().any(|r| team.owns(r)).then_some(side),
            Team::Squad(squad) => self.side_of_squad(squad),
        }
    }
}

/// Rows grouped by round, in play order.
fn rounds_of(records: &[PlayerRecord]) -> Vec<RoundGroup<'_>> {
    let mut groups: Vec<RoundGroup<'_>> = Vec::new();
    for record in records {
        match groups.last_mut() {
            Some(group) if group.round.id == record.round.id => group.rows.push(record),
            _ => groups.push(RoundGroup {
                round: &record.round,
                rows: vec![record],
            }),
        }
    }
    groups
}

/// One map play: round 1 and round 2 as far as they were stored.
#[derive(Debug)]
struct MapPlay<'g, 'a> {
    round1: Option<&'g RoundGroup<'a>>,
    round2: Option<&'g RoundGroup<'a>>,
}

fn map_plays<'g, 'a>(rounds: &'g [RoundGroup<'a>]) -> Vec<MapPlay<'g, 'a>> {
    let mut plays: Vec<MapPlay<'g, 'a>> = Vec::new();
    for group in rounds {
        if group.round.round_number == 2 {
            let paired = plays.iter_mut().find(|p| {
                p.round2.is_none()
                    && p.round1
                        .is_some_and(|r1| Some(r1.round.id) == group.round.round1_id)
            });
            match paired {
                Some(play) => play.round2 = Some(group),
                None => plays.push(MapPlay {
                    round1: None,
                    round2: Some(group),
                }),
            }
        } else {
            plays.push(MapPlay {
                round1: Some(group),
                round2: None,
            });
        }
    }
    plays
}

/// A map play as the squads see it.
#[derive(Debug)]
struct Outcome {
    map: String,
    round1: Option<Half>,
    round2: Option<Half>,
    /// The squad that attacked in round 1.
    first: Option<Squad>,
    result: MapResult,
    winner: Option<Squad>,
}

fn outcome(play: &MapPlay<'_, '_>) -> Outcome {
    let round1 = play.round1.map(|g| Half::of(g.round));
    let round2 = play.round2.map(|g| Half::of(g.round));
    // Round 1's attackers are round 2's defenders.
    let first = match (play.round1, play.round2) {
        (Some(group), _) => round1
            .and_then(|h| h.defender)
            .and_then(|defender| group.squad_on(defender.other())),
        (None, Some(group)) => round2
            .and_then(|h| h.defender)
            .and_then(|defender| group.squad_on(defender)),
        (None, None) => None,
    };
    let result = map_result(round2.as_ref());
    let winner = match result {
        MapResult::FirstAttackers => first,
        MapResult::SecondAttackers => first.map(Squad::other),
        MapResult::Undecided => None,
    };
    let map = play
        .round1
        .or(play.round2)
        .map(|g| g.round.map.clone())
        .unwrap_or_default();
    Outcome {
        map,
        round1,
        round2,
        first,
        result,
        winner,
    }
}

fn outcomes(records: &[PlayerRecord]) -> Vec<Outcome> {
    let rounds = rounds_of(records);
    map_plays(&rounds).iter().map(outcome).collect()
}

/// Where a header's clock and its winner field tell different stories.
fn header_notes(outcome: &Outcome) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(r1) = &outcome.round1
        && let (Some(defender), Some(winner)) = (r1.defender, r1.winner)
    {
        let attackers_won = winner != defender;
        match r1.time_set() {
            Some(time) if !attackers_won => notes.push(format!(
                "{}: round 1's attackers set {} but its winner field names the defenders ({})",
                outcome.map,
                clock(time),
                winner.as_str()
            )),
            None if attackers_won => notes.push(format!(
                "{}: round 1 was held to the limit but its winner field names the attackers ({})",
                outcome.map,
                winner.as_str()
            )),
            _ => {}
        }
    }
    if let Some(r2) = &outcome.round2
        && outcome.result == MapResult::FirstAttackers
        && let Some(time) = r2.actual_time_s.filter(|t| *t > 0 && *t < r2.time_limit_s)
    {
        notes.push(format!(
            "{}: round 2's clock shows {}, under the {} to beat, but its winner field names the defenders; the winner field decides",
            outcome.map,
            clock(time),
            clock(r2.time_limit_s)
        ));
    }
    notes
}

/// Maps won by A, by B, and maps without a result.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Score {
    a: usize,
    b: usize,
    open: usize,
}

impl Score {
    fn of(outcomes: &[Outcome]) -> Self {
        let mut score = Self::default();
        for outcome in outcomes {
            match outcome.winner {
                Some(Squad::A) => score.a += 1,
                Some(Squad::B) => score.b += 1,
                None => score.open += 1,
            }
        }
        score
    }

    fn of_squad(&self, squad: Squad) -> (usize, usize) {
        match squad {
            Squad::A => (self.a, self.b),
            Squad::B => (self.b, self.a),
        }
    }

    fn line(&self) -> String {
        let mut text = format!("A {} - {} B", self.a, self.b);
        if self.open > 0 {
            text.push_str(&format!(
                " ({} map{} without a result)",
                self.open,
                plural(self.open)
            ));
        }
        text
    }

    fn verdict(&self) -> &'static str {
        match self.a.cmp(&self.b) {
            std::cmp::Ordering::Greater => "Squad A won the night",
            std::cmp::Ordering::Less => "Squad B won the night",
            std::cmp::Ordering::Equal => "a tie",
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One player's rows for a team.
#[derive(Debug, Clone)]
struct Member {
    id: i64,
    name: String,
    totals: Totals,
    /// Lines with high, medium and low detector confidence.
    confidence: [i64; 3],
}

/// The players of these rows, most rounds first (then most kills, then name).
fn members<'a>(rows: impl IntoIterator<Item = &'a PlayerRecord>) -> Vec<Member> {
    let mut by_id: BTreeMap<i64, Member> = BTreeMap::new();
    for record in rows {
        let member = by_id.entry(record.player.id).or_insert_with(|| Member {
            id: record.player.id,
            name: record.player.last_clean_name.clone(),
            totals: Totals::default(),
            confidence: [0; 3],
        });
        member.totals.add(record);
        match record.stats.team_confidence.as_deref() {
            Some("high") => member.confidence[0] += 1,
            Some("medium") => member.confidence[1] += 1,
            Some("low") => member.confidence[2] += 1,
            _ => {}
        }
    }
    let mut out: Vec<Member> = by_id.into_values().collect();
    out.sort_by(|a, b| {
        b.totals
            .rounds
            .cmp(&a.totals.rounds)
            .then(b.totals.kills.cmp(&a.totals.kills))
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then(a.id.cmp(&b.id))
    });
    out
}

fn team_rows(records: &[PlayerRecord], team: Team) -> Vec<&PlayerRecord> {
    records.iter().filter(|r| team.owns(r)).collect()
}

/// Rounds the team played and rounds its side won (header winners).
fn rounds_played_and_won(records: &[PlayerRecord], team: Team) -> (usize, usize) {
    let (mut played, mut won) = (0, 0);
    for group in rounds_of(records) {
        if !group.rows.iter().any(|r| team.owns(r)) {
            continue;
        }
        played += 1;
        let winner = group.round.winner.as_deref().and_then(Side::from_name);
        if winner.is_some() && group.side_of_team(team) == winner {
            won += 1;
        }
    }
    (played, won)
}

fn names(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| m.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn kd(t: &Totals) -> String {
    format!("{:.2}", t.kd())
}

fn dpm(t: &Totals) -> String {
    format!("{:.1}", t.dpm())
}

fn accuracy(t: &Totals) -> String {
    format!("{:.1}%", t.accuracy())
}

/// Damage given per death (the damage itself with no death).
fn damage_per_death(t: &Totals) -> f64 {
    ratio(t.damage_given as f64, t.deaths.max(1) as f64)
}

fn session_footer(session: &SessionRow) -> String {
    format!(
        "session {} · {} to {}",
        session.id,
        session.started_at,
        session
            .ended_at
            .split_once(' ')
            .map_or(session.ended_at.as_str(), |(_, time)| time)
    )
}

const SUMS_NOTE: &str =
    "K/D, DPM and accuracy are computed from the summed kills, deaths, damage, time and hits.";

// ---------------------------------------------------------------------------
// team_stats

async fn team_stats(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some((team, session, records)) = load(ctx, call, Words::SquadsAndSides).await? else {
        return Ok(no_sessions());
    };
    match team {
        None => Ok(both_squads_stats(&session, &records)),
        Some(team) => Ok(one_team_stats(&session, &records, team)),
    }
}

/// One squad's column in `team_stats`.
#[derive(Debug)]
struct Column {
    members: Vec<Member>,
    totals: Totals,
    rounds_played: usize,
    rounds_won: usize,
    maps_won: usize,
}

fn both_squads_stats(session: &SessionRow, records: &[PlayerRecord]) -> Reply {
    let outcomes = outcomes(records);
    let score = Score::of(&outcomes);
    let mut columns = Vec::new();
    for squad in Squad::BOTH {
        let team = Team::Squad(squad);
        let rows = team_rows(records, team);
        let (rounds_played, rounds_won) = rounds_played_and_won(records, team);
        columns.push(Column {
            members: members(rows.iter().copied()),
            totals: Totals::of(rows.iter().copied()),
            rounds_played,
            rounds_won,
            maps_won: score.of_squad(squad).0,
        });
    }
    let metric = |name: &str, value: &dyn Fn(&Column) -> String| {
        let mut row = vec![name.to_owned()];
        row.extend(columns.iter().map(value));
        row
    };
    let rows = vec![
        metric("players", &|c| c.members.len().to_string()),
        metric("rounds", &|c| c.rounds_played.to_string()),
        metric("player-rounds", &|c| c.totals.rounds.to_string()),
        metric("rounds won", &|c| c.rounds_won.to_string()),
        metric("maps won", &|c| c.maps_won.to_string()),
        metric("kills", &|c| c.totals.kills.to_string()),
        metric("deaths", &|c| c.totals.deaths.to_string()),
        metric("K/D", &|c| kd(&c.totals)),
        metric("damage", &|c| c.totals.damage_given.to_string()),
        metric("DPM", &|c| dpm(&c.totals)),
        metric("accuracy", &|c| accuracy(&c.totals)),
        metric("objectives", &|c| c.totals.objectives().to_string()),
        metric("revives", &|c| c.totals.revives_given.to_string()),
    ];
    let mut builder = Reply::builder(format!("Squads A and B · {}", session.id))
        .description(format!(
            "Totals of each squad's members over the session. {SUMS_NOTE}"
        ))
        .table(
            &["", "Squad A", "Squad B"],
            &[Align::Left, Align::Right, Align::Right],
            rows,
        )
        .rows_per_page(20);
    for (squad, column) in Squad::BOTH.iter().zip(&columns) {
        builder = builder.field(
            format!("Squad {}", squad.label()),
            names(&column.members),
            true,
        );
    }
    builder.footer(session_footer(session)).build()
}

fn one_team_stats(session: &SessionRow, records: &[PlayerRecord], team: Team) -> Reply {
    let rows = team_rows(records, team);
    let title = format!("{} · {}", team.title(), session.id);
    if rows.is_empty() {
        return Reply::message(
            title,
            format!("{} played no round in this session.", team.title()),
            colour::WARNING,
        );
    }
    let list = members(rows.iter().copied());
    let totals = Totals::of(rows.iter().copied());
    let (played, won) = rounds_played_and_won(records, team);
    let what = match team {
        Team::Squad(_) => "the squad's members",
        Team::Side(_) => "every line that ended the round on this side",
    };
    let description = format!(
        "Totals of {what} over the session. {SUMS_NOTE}\n\
         Rounds: {played} played, {won} won · {} player-rounds by {} players\n\
         Kills {} · Deaths {} · K/D {}\n\
         Damage {} · DPM {} · Accuracy {}\n\
         Objectives {} · Revives {}",
        totals.rounds,
        list.len(),
        totals.kills,
        totals.deaths,
        kd(&totals),
        totals.damage_given,
        dpm(&totals),
        accuracy(&totals),
        totals.objectives(),
        totals.revives_given,
    );
    let table: Vec<Vec<String>> = list
        .iter()
        .map(|m| {
            let t = &m.totals;
            vec![
                m.name.clone(),
                t.rounds.to_string(),
                t.kills.to_string(),
                t.deaths.to_string(),
                kd(t),
                dpm(t),
                accuracy(t),
                t.objectives().to_string(),
                t.revives_given.to_string(),
            ]
        })
        .collect();
    Reply::builder(title)
        .description(description)
        .table(
            &["player", "rnd", "K", "D", "K/D", "DPM", "acc", "obj", "rev"],
            &[
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            table,
        )
        .colour(team.colour())
        .footer(session_footer(session))
        .build()
}

// ---------------------------------------------------------------------------
// team_roster

async fn team_roster(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some((team, session, records)) = load(ctx, call, Words::SquadsOnly).await? else {
        return Ok(no_sessions());
    };
    let squads: Vec<Squad> = match team {
        Some(Team::Squad(squad)) => vec![squad],
        _ => Squad::BOTH.to_vec(),
    };
    let by_squad: Vec<(Squad, Vec<Member>)> = Squad::BOTH
        .iter()
        .map(|s| (*s, members(team_rows(&records, Team::Squad(*s)))))
        .collect();
    let rounds_for = |squad: Squad, id: i64| -> i64 {
        by_squad
            .iter()
            .filter(|(s, _)| *s == squad)
            .flat_map(|(_, list)| list.iter())
            .find(|m| m.id == id)
            .map_or(0, |m| m.totals.rounds)
    };
    let both: Vec<&Member> = by_squad
        .iter()
        .filter(|(s, _)| *s == Squad::A)
        .flat_map(|(_, list)| list.iter())
        .filter(|m| rounds_for(Squad::B, m.id) > 0)
        .collect();
    let mut table = Vec::new();
    let mut counts = Vec::new();
    for (squad, list) in by_squad.iter().filter(|(s, _)| squads.contains(s)) {
        counts.push(format!(
            "Squad {}: {} player{}",
            squad.label(),
            list.len(),
            plural(list.len())
        ));
        for member in list {
            let mark = if both.iter().any(|b| b.id == member.id) {
                "*"
            } else {
                ""
            };
            table.push(vec![
                squad.label().to_owned(),
                format!("{}{mark}", member.name),
                member.totals.rounds.to_string(),
                member.confidence[0].to_string(),
                member.confidence[1].to_string(),
                member.confidence[2].to_string(),
            ]);
        }
    }
    let title = match team {
        Some(team) => format!("{} roster · {}", team.title(), session.id),
        None => format!("Squad rosters · {}", session.id),
    };
    let mut builder = Reply::builder(title)
        .description(format!(
            "{}. Rounds: rounds played for the squad; high / medium / low: the squad detector's confidence, counted per round line.",
            counts.join(" · ")
        ))
        .table(
            &["squad", "player", "rounds", "high", "medium", "low"],
            &[
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            table,
        )
        .rows_per_page(20);
    let switched: Vec<String> = both
        .iter()
        .map(|m| {
            format!(
                "{}: A {} round{}, B {} round{}",
                m.name,
                m.totals.rounds,
                plural(usize::try_from(m.totals.rounds).unwrap_or_default()),
                rounds_for(Squad::B, m.id),
                plural(usize::try_from(rounds_for(Squad::B, m.id)).unwrap_or_default()),
            )
        })
        .collect();
    builder = builder.field(
        "Played for both squads (*)",
        if switched.is_empty() {
            "Nobody: every player stayed in one squad.".to_owned()
        } else {
            switched.join("\n")
        },
        false,
    );
    let unassigned = members(
        records
            .iter()
            .filter(|r| !r.player.is_bot && side_of(r).is_some() && squad_of(r).is_none()),
    );
    if !unassigned.is_empty() {
        builder = builder.field(
            "In no squad",
            unassigned
                .iter()
                .map(|m| format!("{} ({} rounds)", m.name, m.totals.rounds))
                .collect::<Vec<_>>()
                .join("\n"),
            false,
        );
    }
    let bots = members(records.iter().filter(|r| r.player.is_bot));
    let mut footer = session_footer(&session);
    if !bots.is_empty() {
        footer.push_str(&format!(
            " · {} bot{} left out: bots are never squad members",
            bots.len(),
            plural(bots.len())
        ));
    }
    Ok(builder.footer(footer).build())
}

// ---------------------------------------------------------------------------
// team_vs_team

async fn team_vs_team(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some((_, session, records)) = load(ctx, call, Words::None).await? else {
        return Ok(no_sessions());
    };
    let outcomes = outcomes(&records);
    let label = |squad: Option<Squad>| squad.map_or("?", Squad::label).to_owned();
    let mut running = Score::default();
    let mut table = Vec::new();
    let mut notes = Vec::new();
    for outcome in &outcomes {
        match outcome.winner {
            Some(Squad::A) => running.a += 1,
            Some(Squad::B) => running.b += 1,
            None => running.open += 1,
        }
        let set = match &outcome.round1 {
            None => "-".to_owned(),
            Some(r1) => r1.time_set().map_or("full hold".to_owned(), clock),
        };
        let second = match (&outcome.round2, outcome.result) {
            (None, _) => "not played".to_owned(),
            (Some(r2), MapResult::SecondAttackers) => r2
                .actual_time_s
                .filter(|t| *t > 0 && *t < r2.time_limit_s)
                .map_or("beat it".to_owned(), |t| format!("beat it: {}", clock(t))),
            (Some(_), MapResult::FirstAttackers) => "not beaten".to_owned(),
            (Some(_), MapResult::Undecided) => "no winner".to_owned(),
        };
        notes.extend(header_notes(outcome));
        table.push(vec![
            outcome.map.clone(),
            label(outcome.first),
            set,
            label(outcome.first.map(Squad::other)),
            second,
            outcome.winner.map_or("-", Squad::label).to_owned(),
            format!("{}-{}", running.a, running.b),
        ]);
    }
    let score = Score::of(&outcomes);
    let chart = etl_charts::SessionScore {
        title: format!("Squad A vs Squad B · {}", session.id),
        subtitle: format!("{}: {}", score.line(), score.verdict()),
        a_label: "Squad A".to_owned(),
        b_label: "Squad B".to_owned(),
        maps: running_scores(&outcomes),
    };
    let squads: Vec<(Squad, Vec<Member>)> = Squad::BOTH
        .iter()
        .map(|s| (*s, members(team_rows(&records, Team::Squad(*s)))))
        .collect();
    let mut builder = Reply::builder(format!("Squad A vs Squad B · {}", session.id))
        .description(format!(
            "**{}**: {}.\nEach map: the squad that attacks first (1st) sets a time, or is held to the limit (full hold); the other squad (2nd) attacks in round 2 and must beat it.",
            score.line(),
            score.verdict()
        ))
        .table(
            &["map", "1st", "time set", "2nd", "round 2", "won", "A-B"],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
            ],
            table,
        )
        .rows_per_page(20);
    for (squad, list) in &squads {
        builder = builder.field(format!("Squad {}", squad.label()), names(list), true);
    }
    if !notes.is_empty() {
        builder = builder.field("Header notes", notes.join("\n"), false);
    }
    builder = builder
        .field(
            "Rule",
            "Round 2's header winner decides: the attacking side → the 2nd squad beat the time and takes the map; the defending side → the time stood and the 1st squad takes it (after a full hold in both rounds too, as the game scores it).",
            false,
        )
        .footer(session_footer(&session));
    if !outcomes.is_empty()
        && let Some(png) = chart_attachment(format!("squads-{}-score.png", session.id), chart)
    {
        builder = builder.attachment(png);
    }
    Ok(builder.build())
}

/// The score after each map, as the `A-B` column counts it.
fn running_scores(outcomes: &[Outcome]) -> Vec<etl_charts::MapScore> {
    let (mut a, mut b) = (0, 0);
    outcomes
        .iter()
        .map(|outcome| {
            match outcome.winner {
                Some(Squad::A) => a += 1,
                Some(Squad::B) => b += 1,
                None => {}
            }
            etl_charts::MapScore {
                map: outcome.map.clone(),
                a,
                b,
            }
        })
        .collect()
}

/// `2025-11-02` over `20:05` for a session id `2025-11-02-200548`.
fn session_label(id: &str) -> String {
    match (id.get(..10), id.get(11..13), id.get(13..15)) {
        (Some(day), Some(hour), Some(minute))
            if hour
                .bytes()
                .chain(minute.bytes())
                .all(|b| b.is_ascii_digit()) =>
        {
            format!("{day}\n{hour}:{minute}")
        }
        _ => id.to_owned(),
    }
}

// ---------------------------------------------------------------------------
// team_balance

async fn team_balance(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some((_, session, records)) = load(ctx, call, Words::None).await? else {
        return Ok(no_sessions());
    };
    let sides: Vec<(Vec<Member>, Totals)> = Squad::BOTH
        .iter()
        .map(|s| {
            let rows = team_rows(&records, Team::Squad(*s));
            (
                members(rows.iter().copied()),
                Totals::of(rows.iter().copied()),
            )
        })
        .collect();
    let (Some((a_members, a)), Some((b_members, b))) = (sides.first(), sides.get(1)) else {
        return Ok(no_sessions());
    };
    if a_members.is_empty() || b_members.is_empty() {
        return Ok(Reply::message(
            format!("Squad balance · {}", session.id),
            "This session has no two squads to compare.",
            colour::WARNING,
        ));
    }
    let per_player = |t: &Totals, n: usize| ratio(t.rounds as f64, n as f64);
    let (a_n, b_n) = (a_members.len(), b_members.len());
    let gap = |x: f64, y: f64, decimals: usize| -> String {
        let diff = (x - y).abs();
        let relative = ratio(diff * 100.0, x.max(y));
        format!("{diff:.decimals$} ({relative:.0}%)")
    };
    let rows = vec![
        vec![
            "players".to_owned(),
            a_n.to_string(),
            b_n.to_string(),
            a_n.abs_diff(b_n).to_string(),
        ],
        vec![
            "rounds per player".to_owned(),
            format!("{:.1}", per_player(a, a_n)),
            format!("{:.1}", per_player(b, b_n)),
            format!("{:.1}", (per_player(a, a_n) - per_player(b, b_n)).abs()),
        ],
        vec!["K/D".to_owned(), kd(a), kd(b), gap(a.kd(), b.kd(), 2)],
        vec!["DPM".to_owned(), dpm(a), dpm(b), gap(a.dpm(), b.dpm(), 1)],
        vec![
            "kills per round".to_owned(),
            format!("{:.2}", a.kills_per_round()),
            format!("{:.2}", b.kills_per_round()),
            gap(a.kills_per_round(), b.kills_per_round(), 2),
        ],
    ];
    let outcomes = outcomes(&records);
    let score = Score::of(&outcomes);
    let verdict = balance_verdict(a, b, a_n, b_n);
    Ok(Reply::builder(format!("Squad balance · {}", session.id))
        .description(format!(
            "**{verdict}**\nMaps: {}. K/D, DPM and kills per round come from each squad's summed rows; the gap is the difference and its share of the larger value.",
            score.line()
        ))
        .table(
            &["", "Squad A", "Squad B", "gap"],
            &[Align::Left, Align::Right, Align::Right, Align::Right],
            rows,
        )
        .footer(session_footer(&session))
        .build())
}

/// Even (largest K/D or DPM gap under 10%), a slight edge (under 25%), or
/// lopsided; the stronger squad is the one ahead on both, else it is split.
fn balance_verdict(a: &Totals, b: &Totals, a_n: usize, b_n: usize) -> String {
    let relative = |x: f64, y: f64| ratio((x - y).abs() * 100.0, x.max(y));
    let largest = relative(a.kd(), b.kd()).max(relative(a.dpm(), b.dpm()));
    let kd_leader = if a.kd() >= b.kd() { Squad::A } else { Squad::B };
    let dpm_leader = if a.dpm() >= b.dpm() {
        Squad::A
    } else {
        Squad::B
    };
    let mut text = if largest < 10.0 {
        "Even: K/D and DPM within 10% of each other".to_owned()
    } else if kd_leader != dpm_leader {
        format!(
            "Split: Squad {} had the better K/D, Squad {} the better DPM",
            kd_leader.label(),
            dpm_leader.label()
        )
    } else if largest < 25.0 {
        format!("Slight edge to Squad {}", kd_leader.label())
    } else {
        format!("Lopsided: Squad {} was clearly stronger", kd_leader.label())
    };
    if a_n != b_n {
        let (bigger, diff) = if a_n > b_n {
            ("A", a_n - b_n)
        } else {
            ("B", b_n - a_n)
        };
        text.push_str(&format!(
            "; Squad {bigger} had {diff} player{} more",
            plural(diff)
        ));
    }
    text
}

// ---------------------------------------------------------------------------
// team_synergy

/// A pair of players (lower id first) and their rounds in the same squad.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Pair {
    rounds: i64,
    decided: i64,
    won: i64,
}

/// Rounds each pair of players spent in the same squad, and how those went.
fn pairs(records: &[PlayerRecord]) -> BTreeMap<(i64, i64), Pair> {
    let mut out: BTreeMap<(i64, i64), Pair> = BTreeMap::new();
    for group in rounds_of(records) {
        let winner = group.round.winner.as_deref().and_then(Side::from_name);
        for squad in Squad::BOTH {
            let mut ids: Vec<(i64, Option<Side>)> = group
                .rows
                .iter()
                .filter(|r| squad_of(r) == Some(squad))
                .map(|r| (r.player.id, side_of(r)))
                .collect();
            ids.sort_by_key(|(id, _)| *id);
            ids.dedup_by_key(|(id, _)| *id);
            for (index, (first, side)) in ids.iter().enumerate() {
                for (second, _) in ids.iter().skip(index + 1) {
                    let pair = out.entry((*first, *second)).or_default();
                    pair.rounds += 1;
                    if let Some(winner) = winner {
                        pair.decided += 1;
                        if *side == Some(winner) {
                            pair.won += 1;
                        }
                    }
                }
            }
        }
    }
    out
}

/// Two names, in alphabetical order.
fn pair_label(first: &str, second: &str) -> String {
    if first.to_lowercase() <= second.to_lowercase() {
        format!("{first} + {second}")
    } else {
        format!("{second} + {first}")
    }
}

async fn team_synergy(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let window = call.window_only(ctx)?;
    let (from, to) = window.bounds();
    let mut all_pairs: BTreeMap<(i64, i64), Pair> = BTreeMap::new();
    // Player id -> (name, GUID).
    let mut players: HashMap<i64, (String, String)> = HashMap::new();
    let sessions = sessions_between(ctx, from.as_deref(), to.as_deref()).await?;
    for chunk in sessions.chunks(SESSIONS_PER_READ) {
        let records = window_records_of(ctx, from.as_deref(), to.as_deref(), chunk).await?;
        for (key, pair) in pairs(&records) {
            let sum = all_pairs.entry(key).or_default();
            sum.rounds += pair.rounds;
            sum.decided += pair.decided;
            sum.won += pair.won;
        }
        for record in records {
            players
                .entry(record.player.id)
                .or_insert((record.player.last_clean_name, record.player.guid));
        }
    }
    let names = names_told_apart(&players);
    let name = |id: i64| names.get(&id).map_or("?", String::as_str);
    let mut ranked: Vec<((i64, i64), Pair)> = all_pairs
        .into_iter()
        .filter(|(_, p)| p.rounds >= 2)
        .collect();
    let rate = |p: &Pair| ratio(p.won as f64 * 100.0, p.decided as f64);
    ranked.sort_by(|(ka, a), (kb, b)| {
        b.rounds
            .cmp(&a.rounds)
            .then(rate(b).total_cmp(&rate(a)))
            .then_with(|| {
                let label = |k: &(i64, i64)| pair_label(name(k.0), name(k.1)).to_lowercase();
                label(ka).cmp(&label(kb))
            })
            .then(ka.cmp(kb))
    });
    let title = format!("Squad synergy · {}", window.label);
    if ranked.is_empty() {
        return Ok(Reply::message(
            title,
            "No two players shared a squad in 2 or more rounds in this window.",
            colour::WARNING,
        ));
    }
    const SHOWN: usize = 25;
    let total = ranked.len();
    let table: Vec<Vec<String>> = ranked
        .iter()
        .take(SHOWN)
        .map(|((first, second), p)| {
            vec![
                pair_label(name(*first), name(*second)),
                p.rounds.to_string(),
                format!("{}/{}", p.won, p.decided),
                if p.decided > 0 {
                    format!("{:.1}%", rate(p))
                } else {
                    "-".to_owned()
                },
            ]
        })
        .collect();
    Ok(Reply::builder(title)
        .description(
            "Pairs who played in the same squad in the same round, the most rounds together first (at least 2). Won: rounds their side won, of rounds whose header names a winner.",
        )
        .table(
            &["pair", "rounds", "won", "win %"],
            &[Align::Left, Align::Right, Align::Right, Align::Right],
            table,
        )
        .rows_per_page(SHOWN)
        .footer(if total > SHOWN {
            format!("the top {SHOWN} of {total} pairs")
        } else {
            format!("{total} pair{}", plural(total))
        })
        .build())
}

// ---------------------------------------------------------------------------
// team_objective

async fn team_objective(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some((team, session, records)) = load(ctx, call, Words::SquadsAndSides).await? else {
        return Ok(no_sessions());
    };
    let teams: Vec<Team> = match team {
        Some(team) => vec![team],
        None => Squad::BOTH.iter().map(|s| Team::Squad(*s)).collect(),
    };
    let line = |label: String, t: &Totals| {
        vec![
            label,
            t.dynamites_planted.to_string(),
            t.dynamites_defused.to_string(),
            t.objectives_stolen.to_string(),
            t.objectives_returned.to_string(),
            t.repairs_constructions.to_string(),
        ]
    };
    let mut table = Vec::new();
    let mut summary = Vec::new();
    for team in &teams {
        let rows = team_rows(&records, *team);
        let totals = Totals::of(rows.iter().copied());
        let mut list = members(rows.iter().copied());
        list.sort_by(|a, b| {
            let work = |m: &Member| m.totals.objectives() + m.totals.repairs_constructions;
            work(b)
                .cmp(&work(a))
                .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
                .then(a.id.cmp(&b.id))
        });
        for member in list {
            table.push(line(member.name.clone(), &member.totals));
        }
        table.push(line(format!("= {} total", team.title()), &totals));
        summary.push(format!(
            "{}: {} dynamite{} planted, {} defused, {} objective{} stolen, {} returned, {} repair{}/construction{}",
            team.title(),
            totals.dynamites_planted,
            plural(usize::try_from(totals.dynamites_planted).unwrap_or_default()),
            totals.dynamites_defused,
            totals.objectives_stolen,
            plural(usize::try_from(totals.objectives_stolen).unwrap_or_default()),
            totals.objectives_returned,
            totals.repairs_constructions,
            plural(usize::try_from(totals.repairs_constructions).unwrap_or_default()),
            plural(usize::try_from(totals.repairs_constructions).unwrap_or_default()),
        ));
    }
    let title = match team {
        Some(team) => format!("{} objectives · {}", team.title(), session.id),
        None => format!("Squad objectives · {}", session.id),
    };
    let mut builder = Reply::builder(title)
        .description(summary.join("\n"))
        .table(
            &[
                "player", "planted", "defused", "stolen", "returned", "repairs",
            ],
            &[
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            table,
        )
        .rows_per_page(20)
        .footer(session_footer(&session));
    if let Some(team) = team {
        builder = builder.colour(team.colour());
    }
    Ok(builder.build())
}

// ---------------------------------------------------------------------------
// team_efficiency

async fn team_efficiency(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some((_, session, records)) = load(ctx, call, Words::None).await? else {
        return Ok(no_sessions());
    };
    let mut table = Vec::new();
    let mut best = Vec::new();
    let mut effs = Vec::new();
    for squad in Squad::BOTH {
        let rows = team_rows(&records, Team::Squad(squad));
        let totals = Totals::of(rows.iter().copied());
        effs.push((squad, totals.efficiency(), totals.rounds));
        table.push(vec![
            format!("Squad {}", squad.label()),
            totals.kills.to_string(),
            totals.deaths.to_string(),
            kd(&totals),
            dpm(&totals),
            accuracy(&totals),
            format!("{:.1}%", totals.efficiency()),
            format!("{:.0}", damage_per_death(&totals)),
        ]);
        let list = members(rows.iter().copied());
        if let Some(top) = list.iter().max_by(|x, y| {
            x.totals
                .efficiency()
                .total_cmp(&y.totals.efficiency())
                .then(y.name.to_lowercase().cmp(&x.name.to_lowercase()))
        }) {
            best.push(format!(
                "Squad {}: {} {:.1}% (K/D {}, {:.0} damage per death)",
                squad.label(),
                top.name,
                top.totals.efficiency(),
                kd(&top.totals),
                damage_per_death(&top.totals)
            ));
        }
    }
    let description = match effs.as_slice() {
        [(_, a, a_rounds), (_, b, b_rounds)] if *a_rounds > 0 && *b_rounds > 0 => {
            if (a - b).abs() < 0.05 {
                format!("Both squads at {a:.1}% efficiency.")
            } else if a > b {
                format!("Squad A was the more efficient: {a:.1}% against {b:.1}%.")
            } else {
                format!("Squad B was the more efficient: {b:.1}% against {a:.1}%.")
            }
        }
        _ => "This session has no two squads to compare.".to_owned(),
    };
    Ok(Reply::builder(format!("Squad efficiency · {}", session.id))
        .description(format!(
            "{description}\nEfficiency: kills per kill-or-death; damage per death: damage given / deaths. All from summed rows."
        ))
        .table(
            &["squad", "K", "D", "K/D", "DPM", "acc", "eff", "dmg/death"],
            &[
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
            ],
            table,
        )
        .field("Most efficient member", best.join("\n"), false)
        .footer(session_footer(&session))
        .build())
}

// ---------------------------------------------------------------------------
// team_history

async fn team_history(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let (player, window) = match call.tokens {
        [] => (None, Window::all()),
        [only] if Window::parse(only, ctx.now).is_some() => (
            None,
            Window::parse(only, ctx.now).unwrap_or_else(Window::all),
        ),
        _ => {
            let (player, window) = call.player_and_window(ctx).await?;
            if player.is_bot {
                return Err(call.bad(format!(
                    "{} is a bot: bots are never squad members",
                    player.name
                )));
            }
            (Some(player), window)
        }
    };
    let (from, to) = window.bounds();
    // The sessions with rows in the window, oldest first: his, or everyone's.
    let ids: Vec<String> = match &player {
        Some(player) => ctx
            .store
            .player_sums(player.id, from.as_deref(), to.as_deref(), SumBy::Session)
            .await?
            .into_iter()
            .filter(|group| group.sums.sessions > 0)
            .map(|group| group.key)
            .collect(),
        None => sessions_between(ctx, from.as_deref(), to.as_deref()).await?,
    };
    let mut lines = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(SESSIONS_PER_READ) {
        let records = window_records_of(ctx, from.as_deref(), to.as_deref(), chunk).await?;
        let mut rows_of: HashMap<String, Vec<PlayerRecord>> = HashMap::new();
        for record in records {
            if let Some(id) = record.round.session_id.clone() {
                rows_of.entry(id).or_default().push(record);
            }
        }
        for id in chunk {
            let Some(rows) = rows_of.get(id) else {
                continue;
            };
            lines.push(SessionLine::of(id, rows, player.as_ref()));
        }
    }
    match player {
        None => Ok(history_of_squads(&window, &lines)),
        Some(player) => Ok(history_of_player(&window, &lines, &player)),
    }
}

/// Commands over many sessions read this many sessions' rows at a time:
/// years of everyone's rows do not fit in a small bot's memory.
const SESSIONS_PER_READ: usize = 25;

/// The rows in `[from, to)` of a few sessions (at most [`SESSIONS_PER_READ`]).
async fn window_records_of(
    ctx: &Context<'_>,
    from: Option<&str>,
    to: Option<&str>,
    sessions: &[String],
) -> Result<Vec<PlayerRecord>, CommandError> {
    Ok(ctx
        .store
        .records(&RecordFilter {
            from: from.map(str::to_owned),
            to: to.map(str::to_owned),
            sessions: Some(sessions.to_vec()),
            ..RecordFilter::default()
        })
        .await?)
}

/// The sessions that may have rows in `[from, to)`, oldest first.
async fn sessions_between(
    ctx: &Context<'_>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Vec<String>, CommandError> {
    let mut all = ctx.store.sessions(false, i64::MAX).await?;
    all.retain(|s| {
        from.is_none_or(|from| s.ended_at.as_str() >= from)
            && to.is_none_or(|to| s.started_at.as_str() < to)
    });
    Ok(all.into_iter().map(|s| s.id).collect())
}

/// What the squad history shows of one session.
struct SessionLine {
    id: String,
    maps: usize,
    score: Score,
    /// His rounds per squad (A, B) and his sums, when asked about a player.
    his: Option<([i64; 2], Totals)>,
}

impl SessionLine {
    fn of(id: &str, rows: &[PlayerRecord], player: Option<&crate::args::PlayerRef>) -> Self {
        let outcomes = outcomes(rows);
        let his = player.map(|player| {
            let mine: Vec<&PlayerRecord> =
                rows.iter().filter(|r| r.player.id == player.id).collect();
            let mut per_squad = [0i64; 2];
            for record in &mine {
                match squad_of(record) {
                    Some(Squad::A) => per_squad[0] += 1,
                    Some(Squad::B) => per_squad[1] += 1,
                    None => {}
                }
            }
            (per_squad, Totals::of(mine))
        });
        Self {
            id: id.to_owned(),
            maps: outcomes.len(),
            score: Score::of(&outcomes),
            his,
        }
    }
}

fn history_of_squads(window: &Window, sessions: &[SessionLine]) -> Reply {
    let title = format!("Squad history · {}", window.label);
    if sessions.is_empty() {
        return Reply::message(title, "No session in this window.", colour::WARNING);
    }
    let mut table = Vec::new();
    let mut results = Vec::new();
    let (mut a_nights, mut b_nights, mut ties) = (0, 0, 0);
    for SessionLine {
        id, maps, score, ..
    } in sessions
    {
        results.push(session_result(id, score.a, score.b, score.open));
        match score.a.cmp(&score.b) {
            std::cmp::Ordering::Greater => a_nights += 1,
            std::cmp::Ordering::Less => b_nights += 1,
            std::cmp::Ordering::Equal => ties += 1,
        }
        table.push(vec![
            id.clone(),
            maps.to_string(),
            score.a.to_string(),
            score.b.to_string(),
            score.open.to_string(),
            match score.a.cmp(&score.b) {
                std::cmp::Ordering::Greater => "A won",
                std::cmp::Ordering::Less => "B won",
                std::cmp::Ordering::Equal => "tie",
            }
            .to_owned(),
        ]);
    }
    let chart = etl_charts::SquadResults {
        title: title.clone(),
        subtitle: format!(
            "Maps per session; A and B are each night's own labels · A won {a_nights}, B {b_nights}, {ties} tied"
        ),
        won_label: "Squad A".to_owned(),
        lost_label: "Squad B".to_owned(),
        sessions: results,
    };
    let mut builder = Reply::builder(title)
        .description(format!(
            "Final stopwatch score of each session, A against B. A and B are each night's own squad labels, not the same players from night to night.\nSquad A won {a_nights}, squad B {b_nights}, {ties} tied."
        ))
        .table(
            &["session", "maps", "A", "B", "open", "result"],
            &[
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Left,
            ],
            table,
        )
        .footer(format!(
            "{} session{}",
            sessions.len(),
            plural(sessions.len())
        ));
    if let Some(png) = chart_attachment("squads-history.png".to_owned(), chart) {
        builder = builder.attachment(png);
    }
    builder.build()
}

fn session_result(id: &str, won: usize, lost: usize, open: usize) -> etl_charts::SessionResult {
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    etl_charts::SessionResult {
        label: session_label(id),
        won: count(won),
        lost: count(lost),
        open: count(open),
    }
}

fn history_of_player(
    window: &Window,
    sessions: &[SessionLine],
    player: &crate::args::PlayerRef,
) -> Reply {
    let title = format!("{}'s squads · {}", player.name, window.label);
    let mut table = Vec::new();
    let mut results = Vec::new();
    let (mut won, mut lost, mut tied) = (0, 0, 0);
    for line in sessions {
        let (id, score) = (&line.id, line.score);
        let Some((per_squad, totals)) = &line.his else {
            continue;
        };
        let per_squad = *per_squad;
        let squad = match per_squad {
            [0, 0] => None,
            [a, b] if a >= b => Some(Squad::A),
            _ => Some(Squad::B),
        };
        let Some(squad) = squad else {
            continue;
        };
        let squad_text = match per_squad {
            [a, b] if a > 0 && b > 0 => format!("{} (A {a}, B {b})", squad.label()),
            _ => squad.label().to_owned(),
        };
        let (ours, theirs) = score.of_squad(squad);
        results.push(session_result(id, ours, theirs, score.open));
        let result = match ours.cmp(&theirs) {
            std::cmp::Ordering::Greater => {
                won += 1;
                "won"
            }
            std::cmp::Ordering::Less => {
                lost += 1;
                "lost"
            }
            std::cmp::Ordering::Equal => {
                tied += 1;
                "tied"
            }
        };
        table.push(vec![
            id.clone(),
            squad_text,
            format!("{result} {ours}-{theirs}"),
            totals.rounds.to_string(),
            kd(totals),
        ]);
    }
    if table.is_empty() {
        return Reply::message(
            title,
            format!("{} played in no squad in this window.", player.name),
            colour::WARNING,
        );
    }
    let count = table.len();
    let chart = etl_charts::SquadResults {
        title: title.clone(),
        subtitle: format!(
            "His squad's maps per session · won {won}, lost {lost}, tied {tied} of {count} session{}",
            plural(count)
        ),
        won_label: "his squad".to_owned(),
        lost_label: "the other squad".to_owned(),
        sessions: results,
    };
    let mut builder = Reply::builder(title)
        .description(format!(
            "Per session: the squad he played for (most rounds), his squad's maps won-lost, his rounds and K/D.\nHis squad won {won}, lost {lost}, tied {tied} of {count} session{}.",
            plural(count)
        ))
        .table(
            &["session", "squad", "maps", "rounds", "K/D"],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
            ],
            table,
        )
        .footer(format!("{} ({})", player.name, player.guid));
    if let Some(png) = chart_attachment(format!("{}-squads.png", slug(&player.name)), chart) {
        builder = builder.attachment(png);
    }
    builder.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn half(defender: Side, winner: Option<Side>, limit: i32, time: i32) -> Half {
        Half {
            defender: Some(defender),
            winner,
            time_limit_s: limit,
            actual_time_s: Some(time),
        }
    }

    #[test]
    fn round_two_attackers_who_beat_the_time_take_the_map() {
        // supply: Axis defends; round 2's attackers (Allies) beat 9:42 in 8:12.
        let r2 = half(Side::Axis, Some(Side::Allies), 582, 492);
        assert_eq!(map_result(Some(&r2)), MapResult::SecondAttackers);
        // Allies defending the map: Axis attacks, and beats it.
        let r2 = half(Side::Allies, Some(Side::Axis), 300, 200);
        assert_eq!(map_result(Some(&r2)), MapResult::SecondAttackers);
    }

    #[test]
    fn a_time_that_stood_gives_the_map_to_the_first_attackers() {
        let r2 = half(Side::Axis, Some(Side::Axis), 384, 384);
        assert_eq!(map_result(Some(&r2)), MapResult::FirstAttackers);
        // Double full hold: the game names round 2's defenders; so do we.
        let r2 = half(Side::Allies, Some(Side::Allies), 600, 600);
        assert_eq!(map_result(Some(&r2)), MapResult::FirstAttackers);
    }

    #[test]
    fn the_winner_field_decides_over_round_twos_clock() {
        // The clock shows less than the limit but the game says the defenders won.
        let r2 = half(Side::Axis, Some(Side::Axis), 720, 678);
        assert_eq!(map_result(Some(&r2)), MapResult::FirstAttackers);
    }

    #[test]
    fn no_round_two_or_no_winner_or_defender_is_undecided() {
        assert_eq!(map_result(None), MapResult::Undecided);
        let r2 = half(Side::Axis, None, 600, 600);
        assert_eq!(map_result(Some(&r2)), MapResult::Undecided);
        let r2 = Half {
            defender: None,
            ..half(Side::Axis, Some(Side::Axis), 600, 600)
        };
        assert_eq!(map_result(Some(&r2)), MapResult::Undecided);
    }

    #[test]
    fn round_one_time_set_or_full_hold() {
        assert_eq!(
            half(Side::Axis, Some(Side::Allies), 720, 582).time_set(),
            Some(582)
        );
        assert_eq!(
            half(Side::Axis, Some(Side::Axis), 720, 720).time_set(),
            None
        );
        let unknown = Half {
            actual_time_s: None,
            ..half(Side::Axis, None, 720, 0)
        };
        assert_eq!(unknown.time_set(), None);
        assert_eq!(clock(582), "9:42");
        assert_eq!(clock(60), "1:00");
    }

    #[test]
    fn team_words_and_session_ids() {
        assert_eq!(Team::parse("A"), Some(Team::Squad(Squad::A)));
        assert_eq!(Team::parse("b"), Some(Team::Squad(Squad::B)));
        assert_eq!(Team::parse("Axis"), Some(Team::Side(Side::Axis)));
        assert_eq!(Team::parse("allies"), Some(Team::Side(Side::Allies)));
        assert_eq!(Team::parse("C"), None);
        assert!(looks_like_session("2025-11-02-201530"));
        assert!(looks_like_session("2025-11-02"));
        assert!(!looks_like_session("30d"));
        assert!(looks_like_session("2025-11"));
        assert!(!looks_like_session("2025"));
        assert!(!looks_like_session("2025-1x"));
    }
}
