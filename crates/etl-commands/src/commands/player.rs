//! The Player family: one player's numbers, from his round-only rows.
use etl_store::models::StatsRow;
use etl_store::{GroupSums, PlayerRecord, RecordFilter, SumBy};

use crate::args::{PlayerRef, Window, resolve_player, split_window};
use crate::reply::colour;
use crate::stats::{Totals, find_metric, ratio};
use crate::{Align, CommandError, Context, Reply};

use super::session::{chart_attachment, slug};
use super::{Call, duration};

const NAMES: &[&str] = &[
    "player_stats",
    "player_summary",
    "player_history",
    "player_weapons",
    "player_objectives",
    "compare_players",
    "player_maps",
    "player_trends",
    "player_recent",
    "player_achievements",
    "player_efficiency",
    "player_combat",
    "player_support",
    "player_consistency",
    "player_rivals",
    "player_teammates",
];

pub(super) fn handles(name: &str) -> bool {
    NAMES.contains(&name)
}

pub(super) async fn run(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    match call.spec.name {
        "compare_players" => return compare_players(ctx, call).await,
        "player_recent" => return player_recent(ctx, call).await,
        "player_achievements" => return player_achievements(ctx, call).await,
        _ => {}
    }
    let subject = Subject::load(ctx, call).await?;
    if subject.played_nothing() {
        return subject.nothing(ctx).await;
    }
    match call.spec.name {
        "player_stats" => player_stats(ctx, &subject).await,
        "player_summary" => player_summary(ctx, &subject).await,
        "player_history" => Ok(player_history(
            &subject,
            &subject.groups(ctx, SumBy::Session).await?,
            &subject.groups(ctx, SumBy::Day).await?,
        )),
        "player_weapons" => player_weapons(ctx, &subject).await,
        "player_objectives" => Ok(player_objectives(
            &subject,
            &subject.groups(ctx, SumBy::Map).await?,
            subject.records(ctx).await?,
        )),
        "player_maps" => Ok(player_maps(
            &subject,
            &subject.groups(ctx, SumBy::Map).await?,
        )),
        "player_trends" => Ok(player_trends(
            &subject,
            &subject.groups(ctx, SumBy::Session).await?,
        )),
        "player_efficiency" => player_efficiency(ctx, &subject).await,
        "player_combat" => Ok(player_combat(&subject)),
        "player_support" => Ok(player_support(&subject, subject.records(ctx).await?)),
        "player_consistency" => Ok(player_consistency(&subject, subject.records(ctx).await?)),
        "player_rivals" => player_rivals(ctx, &subject).await,
        "player_teammates" => player_teammates(ctx, &subject).await,
        name => Err(CommandError::Unavailable(format!(
            "`{name}` has no handler yet"
        ))),
    }
}

// ---------------------------------------------------------------------------
// The player asked about, his window and his rows.

struct Subject {
    player: PlayerRef,
    window: Window,
    /// His sums over the window, added up by the store.
    totals: Totals,
    sessions: i64,
    maps: i64,
    /// His rows, read only for the commands that look at single rounds: over
    /// ten years they are tens of thousands.
    records: std::sync::OnceLock<Vec<PlayerRecord>>,
}

/// One group of his rounds (a session, a map, a day) and its sums.
struct Group {
    sums: GroupSums,
    totals: Totals,
}

/// A player's sums per group in the window, added up by the store.
async fn groups(
    ctx: &Context<'_>,
    player: &PlayerRef,
    window: &Window,
    by: SumBy,
) -> Result<Vec<Group>, CommandError> {
    let (from, to) = window.bounds();
    Ok(ctx
        .store
        .player_sums(player.id, from.as_deref(), to.as_deref(), by)
        .await?
        .into_iter()
        .map(|sums| {
            let mut totals = Totals::default();
            totals.add_summed(&sums.sums);
            Group { sums, totals }
        })
        .collect())
}

impl Subject {
    async fn load(ctx: &Context<'_>, call: &Call<'_>) -> Result<Self, CommandError> {
        let (player, window) = match call.player_and_window(ctx).await {
            Ok(found) => found,
            Err(error) => return Err(bad_window(ctx, call, call.tokens).await.unwrap_or(error)),
        };
        Self::of(ctx, player, window).await
    }

    async fn of(
        ctx: &Context<'_>,
        player: PlayerRef,
        window: Window,
    ) -> Result<Self, CommandError> {
        // One group, or none when he played nothing in the window.
        let whole = groups(ctx, &player, &window, SumBy::Window).await?;
        let (totals, sessions, maps) = whole.into_iter().next().map_or_else(
            || (Totals::default(), 0, 0),
            |g| (g.totals, g.sums.sums.sessions, g.sums.maps),
        );
        Ok(Self {
            player,
            window,
            totals,
            sessions,
            maps,
            records: std::sync::OnceLock::new(),
        })
    }

    fn played_nothing(&self) -> bool {
        self.totals.rounds == 0
    }

    /// His rows in the window, in the order played; read once.
    async fn records(&self, ctx: &Context<'_>) -> Result<&[PlayerRecord], CommandError> {
        if let Some(records) = self.records.get() {
            return Ok(records);
        }
        let loaded = ctx
            .store
            .records(&player_filter(&self.player, &self.window))
            .await?;
        Ok(self.records.get_or_init(|| loaded))
    }

    /// His sums per group, in the order the groups were first played.
    async fn groups(&self, ctx: &Context<'_>, by: SumBy) -> Result<Vec<Group>, CommandError> {
        groups(ctx, &self.player, &self.window, by).await
    }

    fn title(&self, what: &str) -> String {
        format!("{} — {what}", self.player.name)
    }

    fn footer(&self) -> String {
        format!(
            "{} · {} · GUID {}",
            self.window.label,
            plural(self.totals.rounds, "round"),
            self.player.guid
        )
    }

    /// The answer when the window holds none of his rounds.
    async fn nothing(&self, ctx: &Context<'_>) -> Result<Reply, CommandError> {
        let (_, last) = seen(ctx, self.player.id).await?;
        Ok(Reply::message(
            self.player.name.clone(),
            format!(
                "{} played no rounds {} (last seen {last}).",
                self.player.name,
                during(&self.window)
            ),
            colour::WARNING,
        ))
    }
}

/// The window in a sentence: `today`, `in 2025-11`, `in the last 7 days`.
fn during(window: &Window) -> String {
    match window.label.as_str() {
        "all time" => "ever".to_owned(),
        "today" | "yesterday" => window.label.clone(),
        label => format!("in {label}"),
    }
}

/// His rows only; bots only when he is one (named explicitly).
fn player_filter(player: &PlayerRef, window: &Window) -> RecordFilter {
    let (from, to) = window.bounds();
    RecordFilter {
        players: Some(vec![player.id]),
        from,
        to,
        include_bots: player.is_bot,
        ..RecordFilter::default()
    }
}

/// When `<name> <last>` fails but `<name>` is a player and `<last>` looks like
/// a date or a span, the window is what is wrong.
async fn bad_window(ctx: &Context<'_>, call: &Call<'_>, tokens: &[String]) -> Option<CommandError> {
    let (last, rest) = tokens.split_last()?;
    if rest.is_empty() || !last.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    resolve_player(ctx, &rest.join(" "), call.spec.usage)
        .await
        .ok()?;
    Some(call.bad(format!(
        "`{last}` is not a time window: try today, 7d, 30d, 2025-11, 2025-11-02 or all"
    )))
}

// ---------------------------------------------------------------------------
// Small formatting and grouping helpers.

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn f2(value: f64) -> String {
    format!("{value:.2}")
}

fn f1(value: f64) -> String {
    format!("{value:.1}")
}

fn pct(value: f64) -> String {
    format!("{value:.1}%")
}

fn count(value: usize) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Alignments for a table of a name column then number columns.
fn numeric(columns: usize) -> Vec<Align> {
    let mut align = vec![Align::Right; columns];
    if let Some(first) = align.first_mut() {
        *first = Align::Left;
    }
    align
}

/// `Key: value` lines for a field.
fn lines(pairs: &[(&str, String)]) -> String {
    pairs
        .iter()
        .map(|(key, value)| format!("{key}: {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `2025-11-02` from a stored `2025-11-02 20:15:30`.
fn day(played_at: &str) -> &str {
    played_at.get(..10).unwrap_or(played_at)
}

/// `2025-11-02 20:15` from a stored `2025-11-02 20:15:30`.
fn minute(played_at: &str) -> &str {
    played_at.get(..16).unwrap_or(played_at)
}

/// `supply R1 (2025-11-02)`.
fn round_label(record: &PlayerRecord) -> String {
    format!(
        "{} R{} ({})",
        record.round.map,
        record.round.round_number,
        day(&record.round.played_at)
    )
}

fn won_lost(totals: &Totals) -> String {
    format!("{}-{}", totals.wins, totals.losses)
}

fn multikills(totals: &Totals) -> String {
    totals
        .multikills
        .iter()
        .zip(2..)
        .map(|(n, size)| format!("{size}x: {n}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

fn weapon_name(code: &str) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("WS_KNIFE", "Knife"),
        ("WS_KNIFE_KBAR", "Ka-Bar"),
        ("WS_LUGER", "Luger"),
        ("WS_COLT", "Colt"),
        ("WS_MP40", "MP40"),
        ("WS_THOMPSON", "Thompson"),
        ("WS_STEN", "Sten"),
        ("WS_FG42", "FG42"),
        ("WS_PANZERFAUST", "Panzerfaust"),
        ("WS_BAZOOKA", "Bazooka"),
        ("WS_FLAMETHROWER", "Flamethrower"),
        ("WS_GRENADE", "Grenade"),
        ("WS_MORTAR", "Mortar"),
        ("WS_MORTAR2", "Granatwerfer"),
        ("WS_DYNAMITE", "Dynamite"),
        ("WS_AIRSTRIKE", "Airstrike"),
        ("WS_ARTILLERY", "Artillery"),
        ("WS_SATCHEL", "Satchel"),
        ("WS_GRENADELAUNCHER", "Rifle grenade"),
        ("WS_LANDMINE", "Landmine"),
        ("WS_MG42", "MG42"),
        ("WS_BROWNING", "Browning"),
        ("WS_CARBINE", "Carbine"),
        ("WS_KAR98", "Kar98"),
        ("WS_GARAND", "Garand"),
        ("WS_K43", "K43"),
        ("WS_MP34", "MP34"),
        ("WS_SYRINGE", "Syringe"),
    ];
    NAMES.iter().find(|(c, _)| *c == code).map_or_else(
        || code.trim_start_matches("WS_").to_owned(),
        |(_, n)| (*n).to_owned(),
    )
}

// ---------------------------------------------------------------------------
// player_stats, player_summary

async fn player_stats(ctx: &Context<'_>, subject: &Subject) -> Result<Reply, CommandError> {
    let t = &subject.totals;
    let names = names_used(ctx, subject.player.id).await?;
    let (first, last) = seen(ctx, subject.player.id).await?;
    Ok(Reply::builder(subject.title("player stats"))
        .description(format!(
            "{} in {} on {} · {}",
            plural(t.rounds, "round"),
            plural(subject.sessions, "session"),
            plural(subject.maps, "map"),
            subject.window.label
        ))
        .field("Games", games(subject), true)
        .field("Combat", combat_lines(t), true)
        .field("Aim", aim_lines(t), true)
        .field("Team play", team_play_lines(t), true)
        .field("Streaks", streak_lines(t), true)
        .field("Seen", lines(&[("First", first), ("Last", last)]), true)
        .field("Names used", names, false)
        .footer(subject.footer())
        .build())
}

fn games(subject: &Subject) -> String {
    let t = &subject.totals;
    lines(&[
        ("Rounds", t.rounds.to_string()),
        ("Sessions", subject.sessions.to_string()),
        ("Maps", subject.maps.to_string()),
        ("Time played", duration(t.time_played_s)),
        (
            "Win rate",
            format!("{} ({})", pct(t.win_rate()), won_lost(t)),
        ),
    ])
}

fn combat_lines(t: &Totals) -> String {
    lines(&[
        ("Kills", t.kills.to_string()),
        ("Deaths", t.deaths.to_string()),
        ("K/D", f2(t.kd())),
        ("DPM", f1(t.dpm())),
        ("Damage given", t.damage_given.to_string()),
        ("Damage received", t.damage_received.to_string()),
        ("Gibs", t.gibs.to_string()),
    ])
}

fn aim_lines(t: &Totals) -> String {
    lines(&[
        (
            "Accuracy",
            format!("{} ({}/{})", pct(t.accuracy()), t.hits, t.shots),
        ),
        (
            "Headshot rate",
            format!("{} ({} hs)", pct(t.headshot_rate()), t.headshots),
        ),
        ("Headshot kills", t.headshot_kills.to_string()),
    ])
}

fn team_play_lines(t: &Totals) -> String {
    lines(&[
        ("XP", t.xp.to_string()),
        ("Revives", t.revives_given.to_string()),
        ("Objectives", t.objectives().to_string()),
        ("Kill assists", t.kill_assists.to_string()),
    ])
}

fn streak_lines(t: &Totals) -> String {
    lines(&[
        ("Best spree", t.best_spree.to_string()),
        ("Worst death spree", t.worst_death_spree.to_string()),
        ("Multikills", multikills(t)),
    ])
}

/// Every name he used, most used first.
async fn names_used(ctx: &Context<'_>, player_id: i64) -> Result<String, CommandError> {
    let mut names: Vec<(i64, String)> = ctx
        .store
        .known_names()
        .await?
        .into_iter()
        .filter(|n| n.player_id == player_id)
        .map(|n| (n.times_seen, n.clean_name))
        .collect();
    names.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(names
        .iter()
        .map(|(times, name)| format!("{name} ({times}×)"))
        .collect::<Vec<_>>()
        .join(", "))
}

/// First and last time he was seen, all time.
async fn seen(ctx: &Context<'_>, player_id: i64) -> Result<(String, String), CommandError> {
    let players = ctx.store.players().await?;
    Ok(players
        .iter()
        .find(|p| p.id == player_id)
        .map(|p| {
            (
                minute(&p.first_seen).to_owned(),
                minute(&p.last_seen).to_owned(),
            )
        })
        .unwrap_or_default())
}

async fn player_summary(ctx: &Context<'_>, subject: &Subject) -> Result<Reply, CommandError> {
    let t = &subject.totals;
    let weapons = weapon_totals(ctx, subject).await?;
    let favourite = weapons.first().map_or_else(
        || "none".to_owned(),
        |(name, w)| format!("{name} ({} kills)", w.kills),
    );
    let best_map = subject
        .groups(ctx, SumBy::Map)
        .await?
        .into_iter()
        .max_by(|a, b| {
            a.totals
                .kd()
                .total_cmp(&b.totals.kd())
                .then_with(|| b.sums.key.cmp(&a.sums.key))
        })
        .map_or_else(
            || "none".to_owned(),
            |m| format!("{} (K/D {})", m.sums.key, f2(m.totals.kd())),
        );
    let text = [
        format!(
            "**Played** {} in {} on {} · {}",
            plural(t.rounds, "round"),
            plural(subject.sessions, "session"),
            plural(subject.maps, "map"),
            duration(t.time_played_s)
        ),
        format!(
            "**Fights** {} kills, {} deaths · K/D {} · DPM {}",
            t.kills,
            t.deaths,
            f2(t.kd()),
            f1(t.dpm())
        ),
        format!(
            "**Aim** accuracy {} · headshot rate {}",
            pct(t.accuracy()),
            pct(t.headshot_rate())
        ),
        format!(
            "**Team** win rate {} ({}) · {} revives · {} objectives · {} XP",
            pct(t.win_rate()),
            won_lost(t),
            t.revives_given,
            t.objectives(),
            t.xp
        ),
        format!("**Best map** {best_map} · **favourite weapon** {favourite}"),
    ];
    Ok(Reply::builder(subject.title("summary"))
        .description(text.join("\n"))
        .footer(subject.footer())
        .build())
}

// ---------------------------------------------------------------------------
// player_history, player_trends

/// A session's label: when its first round was played.
fn session_label(session: &Group) -> String {
    minute(&session.sums.first_played).to_owned()
}

fn player_history(subject: &Subject, sessions: &[Group], days: &[Group]) -> Reply {
    let best = sessions
        .iter()
        .max_by(|a, b| a.totals.kd().total_cmp(&b.totals.kd()));
    let rows = sessions
        .iter()
        .rev()
        .map(|session| {
            let t = &session.totals;
            vec![
                session_label(session),
                t.rounds.to_string(),
                t.kills.to_string(),
                t.deaths.to_string(),
                f2(t.kd()),
                f1(t.dpm()),
                won_lost(t),
            ]
        })
        .collect();
    let mut description = format!(
        "{} over {}, newest first.",
        plural(count(sessions.len()), "session"),
        plural(subject.totals.rounds, "round")
    );
    if let Some(best) = best.filter(|_| sessions.len() > 1) {
        description.push_str(&format!(
            "\nBest session by K/D: {} ({})",
            session_label(best),
            f2(best.totals.kd())
        ));
    }
    let mut builder = Reply::builder(subject.title("history"))
        .description(description)
        .table(
            &["Session", "Rounds", "Kills", "Deaths", "K/D", "DPM", "W-L"],
            &numeric(7),
            rows,
        )
        .footer(subject.footer());
    if let Some(png) = chart_attachment(
        format!("{}-activity.png", slug(&subject.player.name)),
        activity_chart(subject, sessions.len(), days),
    ) {
        builder = builder.attachment(png);
    }
    builder.build()
}

/// The rounds of the window, per day they were played on.
fn activity_chart(
    subject: &Subject,
    sessions: usize,
    days: &[Group],
) -> etl_charts::PlayerActivity {
    etl_charts::PlayerActivity {
        title: subject.title("activity"),
        subtitle: format!(
            "Rounds per day · {} · {} in {}",
            subject.window.label,
            plural(subject.totals.rounds, "round"),
            plural(count(sessions), "session")
        ),
        days: days
            .iter()
            .filter_map(|d| {
                Some(etl_charts::DayRounds {
                    day: d.sums.key.parse().ok()?,
                    rounds: u32::try_from(d.sums.sums.rounds).ok()?,
                })
            })
            .collect(),
    }
}

fn player_trends(subject: &Subject, sessions: &[Group]) -> Reply {
    const ROLLING: usize = 3;
    let rolling = |end: usize| {
        let mut sum = Totals::default();
        for session in sessions
            .iter()
            .take(end + 1)
            .skip((end + 1).saturating_sub(ROLLING))
        {
            sum.add_summed(&session.sums.sums);
        }
        sum
    };
    // Each session's sums and the rolling sums, for the table and the chart alike.
    let points: Vec<(String, &Totals, Totals)> = sessions
        .iter()
        .enumerate()
        .map(|(index, session)| (session_label(session), &session.totals, rolling(index)))
        .collect();
    let rows = points
        .iter()
        .map(|(label, t, r)| {
            vec![
                (*label).clone(),
                t.rounds.to_string(),
                f2(t.kd()),
                f1(t.dpm()),
                pct(t.accuracy()),
                f2(r.kd()),
                f1(r.dpm()),
                pct(r.accuracy()),
            ]
        })
        .collect();
    let latest = rolling(sessions.len().saturating_sub(1));
    let all = &subject.totals;
    let description = format!(
        "Per session, oldest first; the `(3)` columns are the sums over the last 3 sessions.\n\
         Last 3 sessions: K/D {} · DPM {} · accuracy {}\n\
         Whole window: K/D {} · DPM {} · accuracy {}\n\
         Form: {}",
        f2(latest.kd()),
        f1(latest.dpm()),
        pct(latest.accuracy()),
        f2(all.kd()),
        f1(all.dpm()),
        pct(all.accuracy()),
        form(&latest, all, sessions.len())
    );
    let chart = etl_charts::PlayerTrends {
        title: subject.title("trends"),
        subtitle: format!(
            "Per session, oldest first · {} · {} in {}",
            subject.window.label,
            plural(all.rounds, "round"),
            plural(count(sessions.len()), "session")
        ),
        rolling: ROLLING as u32,
        sessions: points
            .iter()
            .map(|(label, t, r)| etl_charts::TrendPoint {
                label: (*label).clone(),
                kd: t.kd(),
                dpm: t.dpm(),
                accuracy: t.accuracy(),
                kd_rolling: r.kd(),
                dpm_rolling: r.dpm(),
                accuracy_rolling: r.accuracy(),
            })
            .collect(),
    };
    let mut builder = Reply::builder(subject.title("trends"))
        .description(description)
        .table(
            &[
                "Session", "Rnds", "K/D", "DPM", "Acc", "K/D(3)", "DPM(3)", "Acc(3)",
            ],
            &numeric(8),
            rows,
        )
        .footer(subject.footer());
    if let Some(png) = chart_attachment(format!("{}-trends.png", slug(&subject.player.name)), chart)
    {
        builder = builder.attachment(png);
    }
    builder.build()
}

/// Recent DPM against the whole window.
fn form(latest: &Totals, all: &Totals, sessions: usize) -> String {
    if sessions <= 3 {
        return "too few sessions to compare (needs more than 3)".to_owned();
    }
    let change = ratio(latest.dpm() - all.dpm(), all.dpm()) * 100.0;
    let word = if change > 5.0 {
        "improving"
    } else if change < -5.0 {
        "dropping"
    } else {
        "steady"
    };
    format!("{word} (recent DPM {change:+.1}% against the window)")
}

// ---------------------------------------------------------------------------
// player_weapons

/// His weapons in the window, most kills first; summed by the store, so
/// years of weapon rows stay in the database.
async fn weapon_totals(
    ctx: &Context<'_>,
    subject: &Subject,
) -> Result<Vec<(String, etl_parser::WeaponStats)>, CommandError> {
    let (from, to) = subject.window.bounds();
    let sums = ctx
        .store
        .weapon_sums(subject.player.id, from.as_deref(), to.as_deref())
        .await?;
    let mut out: Vec<(String, etl_parser::WeaponStats)> = sums
        .into_iter()
        .map(|w| {
            let stats = etl_parser::WeaponStats {
                kills: w.kills,
                deaths: w.deaths,
                hits: w.hits,
                shots: w.shots,
                headshots: w.headshots,
            };
            (weapon_name(&w.weapon), stats)
        })
        .collect();
    // Ties go by the name shown, not the code.
    out.sort_by(|a, b| {
        b.1.kills
            .cmp(&a.1.kills)
            .then_with(|| b.1.hits.cmp(&a.1.hits))
            .then_with(|| a.0.cmp(&b.0))
    });
    Ok(out)
}

async fn player_weapons(ctx: &Context<'_>, subject: &Subject) -> Result<Reply, CommandError> {
    let weapons = weapon_totals(ctx, subject).await?;
    let rows = weapons
        .iter()
        .map(|(name, w)| {
            vec![
                name.clone(),
                w.kills.to_string(),
                w.deaths.to_string(),
                pct(ratio(w.hits as f64 * 100.0, w.shots as f64)),
                format!("{}/{}", w.hits, w.shots),
                w.headshots.to_string(),
            ]
        })
        .collect();
    let t = &subject.totals;
    let mut builder = Reply::builder(subject.title("weapons"))
        .description(format!(
            "{} weapons used, most kills first. All weapons: {} kills, accuracy {} ({}/{}), {} headshots.\n\
             Deaths are deaths by an enemy while holding the weapon; HS are headshot hits.",
            weapons.len(),
            t.kills,
            pct(t.accuracy()),
            t.hits,
            t.shots,
            t.headshots
        ))
        .table(
            &["Weapon", "Kills", "Deaths", "Acc", "Hits/Shots", "HS"],
            &numeric(6),
            rows,
        )
        .footer(subject.footer());
    let chart = etl_charts::PlayerWeapons {
        title: subject.title("weapons"),
        subtitle: format!(
            "Most kills first · {} · {}",
            subject.window.label,
            plural(t.rounds, "round")
        ),
        weapons: weapons
            .iter()
            .map(|(name, w)| etl_charts::WeaponLine {
                name: name.clone(),
                kills: w.kills,
                accuracy: ratio(w.hits as f64 * 100.0, w.shots as f64),
                hits: w.hits,
                shots: w.shots,
            })
            .collect(),
    };
    if !weapons.is_empty()
        && let Some(png) =
            chart_attachment(format!("{}-weapons.png", slug(&subject.player.name)), chart)
    {
        builder = builder.attachment(png);
    }
    Ok(builder.build())
}

// ---------------------------------------------------------------------------
// player_objectives, player_maps

/// His maps, most played first.
fn by_plays(maps: &[Group]) -> Vec<&Group> {
    let mut sorted: Vec<&Group> = maps.iter().collect();
    sorted.sort_by(|a, b| {
        b.totals
            .rounds
            .cmp(&a.totals.rounds)
            .then_with(|| a.sums.key.cmp(&b.sums.key))
    });
    sorted
}

fn player_objectives(subject: &Subject, maps: &[Group], records: &[PlayerRecord]) -> Reply {
    let t = &subject.totals;
    let rows = by_plays(maps)
        .into_iter()
        .map(|Group { sums, totals: m }| {
            vec![
                sums.key.clone(),
                m.rounds.to_string(),
                m.objectives_stolen.to_string(),
                m.objectives_returned.to_string(),
                m.dynamites_planted.to_string(),
                m.dynamites_defused.to_string(),
                m.repairs_constructions.to_string(),
            ]
        })
        .collect();
    let best = records
        .iter()
        .map(|r| (r, Totals::of([r]).objectives()))
        .filter(|(_, n)| *n > 0)
        .max_by_key(|(_, n)| *n)
        .map_or_else(
            || "no objective work yet".to_owned(),
            |(r, n)| format!("{n} in {}", round_label(r)),
        );
    Reply::builder(subject.title("objectives"))
        .field(
            "Objectives",
            lines(&[
                ("Stolen", t.objectives_stolen.to_string()),
                ("Returned", t.objectives_returned.to_string()),
                ("Dynamites planted", t.dynamites_planted.to_string()),
                ("Dynamites defused", t.dynamites_defused.to_string()),
                ("Repairs/constructions", t.repairs_constructions.to_string()),
            ]),
            true,
        )
        .field(
            "Totals",
            lines(&[
                ("Objective actions", t.objectives().to_string()),
                (
                    "Per round",
                    f2(ratio(t.objectives() as f64, t.rounds as f64)),
                ),
                ("Best round", best),
            ]),
            true,
        )
        .table(
            &[
                "Map", "Rnds", "Stolen", "Returned", "Planted", "Defused", "Repairs",
            ],
            &numeric(7),
            rows,
        )
        .footer(subject.footer())
        .build()
}

fn player_maps(subject: &Subject, maps: &[Group]) -> Reply {
    let rows = by_plays(maps)
        .into_iter()
        .map(|Group { sums, totals: m }| {
            vec![
                sums.key.clone(),
                m.rounds.to_string(),
                m.kills.to_string(),
                m.deaths.to_string(),
                f2(m.kd()),
                f1(m.dpm()),
                pct(m.win_rate()),
                won_lost(m),
            ]
        })
        .collect();
    Reply::builder(subject.title("maps"))
        .description(format!(
            "{} on {}, most played first.",
            plural(subject.totals.rounds, "round"),
            plural(count(maps.len()), "map")
        ))
        .table(
            &[
                "Map", "Rounds", "Kills", "Deaths", "K/D", "DPM", "Win%", "W-L",
            ],
            &numeric(8),
            rows,
        )
        .footer(subject.footer())
        .build()
}

// ---------------------------------------------------------------------------
// compare_players

const COMPARED: [(&str, &str); 10] = [
    ("K/D", "kd"),
    ("Kills", "kills"),
    ("Deaths", "deaths"),
    ("DPM", "dpm"),
    ("Damage", "damage"),
    ("Accuracy %", "accuracy"),
    ("Headshot %", "headshot_rate"),
    ("Revives", "revives"),
    ("Objectives", "objectives"),
    ("Win rate %", "win_rate"),
];

async fn compare_players(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    let Some(at) = call
        .tokens
        .iter()
        .position(|t| matches!(t.to_lowercase().as_str(), "vs" | "vs." | "versus"))
    else {
        return Err(call.bad("name two players separated by `vs`"));
    };
    let (left, right) = call.tokens.split_at(at);
    let right = right.get(1..).unwrap_or_default();
    if left.is_empty() || right.is_empty() {
        return Err(call.bad("name a player on each side of `vs`"));
    }
    let a = resolve_player(ctx, &left.join(" "), call.spec.usage).await?;
    let (name, window) = split_window(right, ctx.now);
    let b = match resolve_player(ctx, &name, call.spec.usage).await {
        Ok(b) => b,
        Err(error) => return Err(bad_window(ctx, call, right).await.unwrap_or(error)),
    };
    if a.id == b.id {
        return Err(call.bad(format!("that is {} twice: name two players", a.name)));
    }
    let window = window.unwrap_or_else(Window::all);
    let a = Subject::of(ctx, a, window.clone()).await?;
    let b = Subject::of(ctx, b, window).await?;
    for side in [&a, &b] {
        if side.played_nothing() {
            return side.nothing(ctx).await;
        }
    }
    Ok(comparison(&a, &b))
}

fn comparison(a: &Subject, b: &Subject) -> Reply {
    let (mut a_wins, mut b_wins) = (0, 0);
    let mut metrics = Vec::with_capacity(COMPARED.len());
    let rows = COMPARED
        .iter()
        .filter_map(|(label, name)| find_metric(name).map(|m| (*label, m)))
        .map(|(label, metric)| {
            let (x, y) = (metric.format(&a.totals), metric.format(&b.totals));
            let (vx, vy) = ((metric.value)(&a.totals), (metric.value)(&b.totals));
            let better = if x == y {
                "even".to_owned()
            } else if (vx > vy) == metric.higher_is_better {
                a_wins += 1;
                format!("◀ {}", a.player.name)
            } else {
                b_wins += 1;
                format!("{} ▶", b.player.name)
            };
            metrics.push(etl_charts::ComparedMetric {
                label: label.to_owned(),
                a: vx,
                b: vy,
                a_text: x.clone(),
                b_text: y.clone(),
                higher_is_better: metric.higher_is_better,
            });
            vec![label.to_owned(), x, y, better]
        })
        .collect();
    let (an, bn) = (&a.player.name, &b.player.name);
    let chart = etl_charts::PlayerComparison {
        title: format!("{an} vs {bn}"),
        subtitle: format!(
            "{} · {} and {} · {an} ahead on {a_wins}, {bn} on {b_wins}",
            a.window.label,
            plural(a.totals.rounds, "round"),
            plural(b.totals.rounds, "round"),
        ),
        a: an.clone(),
        b: bn.clone(),
        metrics,
    };
    let mut builder = Reply::builder(format!("{an} vs {bn}"))
        .description(format!(
            "{an}: {} · {bn}: {} · {}\n{an} is ahead on {a_wins} of {}, {bn} on {b_wins}.",
            plural(a.totals.rounds, "round"),
            plural(b.totals.rounds, "round"),
            a.window.label,
            COMPARED.len()
        ))
        .table(
            &["Metric", an, bn, "Better"],
            &[Align::Left, Align::Right, Align::Right, Align::Left],
            rows,
        )
        .footer("Fewer deaths is better; totals are over each player's rounds in the window");
    if let Some(png) = chart_attachment(format!("{}-vs-{}.png", slug(an), slug(bn)), chart) {
        builder = builder.attachment(png);
    }
    builder.build()
}

// ---------------------------------------------------------------------------
// player_recent

async fn player_recent(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    const DEFAULT: usize = 10;
    const MAX: usize = 50;
    let (name, wanted) = match call.tokens.split_last() {
        Some((last, rest)) if !rest.is_empty() && last.chars().all(|c| c.is_ascii_digit()) => {
            let n = last
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX).contains(n))
                .ok_or_else(|| call.bad(format!("`{last}` is not a number from 1 to {MAX}")))?;
            (rest.join(" "), n)
        }
        _ => (call.tokens.join(" "), DEFAULT),
    };
    let player = resolve_player(ctx, &name, call.spec.usage).await?;
    let subject = Subject::of(ctx, player, Window::all()).await?;
    if subject.played_nothing() {
        return subject.nothing(ctx).await;
    }
    let newest = ctx
        .store
        .records(&RecordFilter {
            newest: Some(wanted),
            ..player_filter(&subject.player, &subject.window)
        })
        .await?;
    let shown: Vec<&PlayerRecord> = newest.iter().rev().collect();
    let t = Totals::of(shown.iter().copied());
    let rows = shown.iter().map(|r| recent_row(r)).collect();
    Ok(Reply::builder(subject.title("recent rounds"))
        .description(format!(
            "Last {}, newest first: {} kills, {} deaths, K/D {}, {} damage, DPM {}.",
            plural(t.rounds, "round"),
            t.kills,
            t.deaths,
            f2(t.kd()),
            t.damage_given,
            f1(t.dpm())
        ))
        .table(
            &["Played", "Map", "Rd", "K", "D", "K/D", "Damage", "DPM"],
            &[&[Align::Left][..], &numeric(7)].concat(),
            rows,
        )
        .footer(format!(
            "{} of {} in all · GUID {}",
            shown.len(),
            plural(subject.totals.rounds, "round"),
            subject.player.guid
        ))
        .build())
}

fn recent_row(record: &PlayerRecord) -> Vec<String> {
    let t = Totals::of([record]);
    vec![
        minute(&record.round.played_at).to_owned(),
        record.round.map.clone(),
        record.round.round_number.to_string(),
        t.kills.to_string(),
        t.deaths.to_string(),
        f2(t.kd()),
        t.damage_given.to_string(),
        f1(t.dpm()),
    ]
}

// ---------------------------------------------------------------------------
// player_achievements

/// A running total with milestones.
struct Ladder {
    what: &'static str,
    steps: &'static [i64],
    value: fn(&Totals) -> i64,
}

const LADDERS: &[Ladder] = &[
    Ladder {
        what: "kills",
        steps: &[50, 100, 500, 1000, 5000, 10_000],
        value: |t| t.kills,
    },
    Ladder {
        what: "rounds played",
        steps: &[10, 50, 100, 500, 1000],
        value: |t| t.rounds,
    },
    Ladder {
        what: "sessions",
        steps: &[10, 50, 100],
        value: |t| count(t.sessions.len()),
    },
    Ladder {
        what: "revives given",
        steps: &[25, 100, 500, 1000],
        value: |t| t.revives_given,
    },
    Ladder {
        what: "dynamites planted",
        steps: &[10, 50, 100, 500],
        value: |t| t.dynamites_planted,
    },
    Ladder {
        what: "objectives",
        steps: &[10, 25, 100, 500],
        value: |t| t.objectives(),
    },
    Ladder {
        what: "headshots",
        steps: &[50, 100, 500, 1000, 5000],
        value: |t| t.headshots,
    },
    Ladder {
        what: "damage given",
        steps: &[5000, 10_000, 100_000, 500_000, 1_000_000],
        value: |t| t.damage_given,
    },
    Ladder {
        what: "hours played",
        steps: &[10, 50, 100, 500],
        value: |t| t.time_played_s / 3600,
    },
];

/// Something done in a single round.
struct Feat {
    name: &'static str,
    rule: &'static str,
    test: fn(&StatsRow) -> bool,
}

const FEATS: &[Feat] = &[
    Feat {
        name: "Rampage",
        rule: "20+ kills in a round",
        test: |s| s.kills >= 20,
    },
    Feat {
        name: "Untouchable",
        rule: "5+ kills and no death in a round",
        test: |s| s.kills >= 5 && s.deaths == 0,
    },
    Feat {
        name: "Sharpshooter",
        rule: "60%+ accuracy over 50+ shots in a round",
        test: |s| s.shots >= 50 && s.hits * 100 >= s.shots * 60,
    },
    Feat {
        name: "Mega kill",
        rule: "six kills in one go",
        test: |s| s.multikill_6.unwrap_or(0) > 0,
    },
    Feat {
        name: "Triple kill",
        rule: "three kills in one go",
        test: |s| s.multikill_3 + s.multikill_4 + s.multikill_5 + s.multikill_6.unwrap_or(0) > 0,
    },
    Feat {
        name: "Killing spree",
        rule: "5 kills without dying",
        test: |s| s.killing_spree >= 5,
    },
    Feat {
        name: "Unstoppable",
        rule: "a 10-kill spree",
        test: |s| s.killing_spree >= 10,
    },
    Feat {
        name: "Wrecking ball",
        rule: "3000+ damage in a round",
        test: |s| s.damage_given >= 3000,
    },
    Feat {
        name: "Field medic",
        rule: "10+ revives in a round",
        test: |s| s.revives_given.unwrap_or(0) >= 10,
    },
    Feat {
        name: "Demolition",
        rule: "3+ dynamites planted in a round",
        test: |s| s.dynamites_planted >= 3,
    },
];

async fn player_achievements(ctx: &Context<'_>, call: &Call<'_>) -> Result<Reply, CommandError> {
    if let (_, Some(_)) = split_window(call.tokens, ctx.now) {
        let last = call.tokens.last().map_or("", String::as_str);
        return Err(call.bad(format!("achievements count all time: leave out `{last}`")));
    }
    let player = resolve_player(ctx, &call.tokens.join(" "), call.spec.usage).await?;
    let subject = Subject::of(ctx, player, Window::all()).await?;
    if subject.played_nothing() {
        return subject.nothing(ctx).await;
    }
    let records = subject.records(ctx).await?;
    let (reached, next) = milestones(records);
    let (feats, done) = feats(records);
    Ok(Reply::builder(subject.title("achievements"))
        .description(format!(
            "{} of {} milestones and {done} of {} single-round feats.",
            reached.len(),
            LADDERS.iter().map(|l| l.steps.len()).sum::<usize>(),
            FEATS.len()
        ))
        .field(
            "Milestones reached",
            if reached.is_empty() {
                "none yet: see the next ones".to_owned()
            } else {
                reached.join("\n")
            },
            false,
        )
        .field("Next milestones", next.join("\n"), false)
        .field("Single-round feats", feats.join("\n"), false)
        .field("Best single rounds", best_rounds(records), false)
        .footer(subject.footer())
        .build())
}

/// The milestones reached with the day each was first reached, and the
/// progress towards the next step of every ladder.
fn milestones(records: &[PlayerRecord]) -> (Vec<String>, Vec<String>) {
    let mut reached = Vec::new();
    let mut running = Totals::default();
    let mut next_step = vec![0_usize; LADDERS.len()];
    for record in records {
        running.add(record);
        for (ladder, step) in LADDERS.iter().zip(next_step.iter_mut()) {
            while let Some(goal) = ladder.steps.get(*step)
                && (ladder.value)(&running) >= *goal
            {
                reached.push(format!(
                    "{goal} {} — {}",
                    ladder.what,
                    day(&record.round.played_at)
                ));
                *step += 1;
            }
        }
    }
    let next = LADDERS
        .iter()
        .zip(&next_step)
        .map(|(ladder, step)| {
            let value = (ladder.value)(&running);
            match ladder.steps.get(*step) {
                Some(goal) => format!(
                    "{}: {value}/{goal} ({:.0}%)",
                    ladder.what,
                    ratio(value as f64 * 100.0, *goal as f64)
                ),
                None => format!("{}: {value}, every milestone reached", ladder.what),
            }
        })
        .collect();
    (reached, next)
}

/// Each feat: where it was first done, or not yet; and how many are done.
fn feats(records: &[PlayerRecord]) -> (Vec<String>, usize) {
    let mut done = 0;
    let lines = FEATS
        .iter()
        .map(|feat| {
            let hits: Vec<&PlayerRecord> =
                records.iter().filter(|r| (feat.test)(&r.stats)).collect();
            match hits.first() {
                Some(first) => {
                    done += 1;
                    format!(
                        "✅ {} ({}): first {}, {}",
                        feat.name,
                        feat.rule,
                        round_label(first),
                        plural(count(hits.len()), "time")
                    )
                }
                None => format!("⬜ {} ({}): not yet", feat.name, feat.rule),
            }
        })
        .collect();
    (lines, done)
}

fn best_rounds(records: &[PlayerRecord]) -> String {
    let best = |value: fn(&PlayerRecord) -> i64| {
        records
            .iter()
            .max_by(|a, b| {
                value(a)
                    .cmp(&value(b))
                    .then_with(|| b.round.id.cmp(&a.round.id))
            })
            .map(|r| (value(r), round_label(r)))
    };
    let mut out = Vec::new();
    for (what, value) in [
        ("Kills", (|r| r.stats.kills) as fn(&PlayerRecord) -> i64),
        ("Damage", |r| r.stats.damage_given),
        ("Killing spree", |r| r.stats.killing_spree),
        ("Revives", |r| r.stats.revives_given.unwrap_or(0)),
        ("XP", |r| r.stats.xp),
    ] {
        if let Some((n, label)) = best(value) {
            out.push(format!("{what}: {n} in {label}"));
        }
    }
    let accurate = records
        .iter()
        .filter(|r| r.stats.shots >= 50)
        .map(|r| (Totals::of([r]).accuracy(), r))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    if let Some((accuracy, r)) = accurate {
        out.push(format!(
            "Accuracy (50+ shots): {} in {}",
            pct(accuracy),
            round_label(r)
        ));
    }
    out.join("\n")
}

// ---------------------------------------------------------------------------
// player_efficiency, player_combat, player_support

async fn player_efficiency(ctx: &Context<'_>, subject: &Subject) -> Result<Reply, CommandError> {
    // Everyone's sums over years: per-session totals, raw rows at the window's ends.
    let (from, to) = subject.window.bounds();
    let window = ctx
        .store
        .window_totals(from.as_deref(), to.as_deref(), false)
        .await?;
    let mut everyone = Totals::of(&window.records);
    for summed in &window.summed {
        everyone.add_summed(summed);
    }
    let rows = efficiency_rows(&subject.totals, &everyone);
    Ok(Reply::builder(subject.title("efficiency"))
        .description(format!(
            "{} against all players together, {} ({} player rounds, bots left out).",
            subject.player.name, subject.window.label, everyone.rounds
        ))
        .table(
            &["Metric", &subject.player.name, "Everyone"],
            &numeric(3),
            rows,
        )
        .footer(subject.footer())
        .build())
}

fn efficiency_rows(t: &Totals, all: &Totals) -> Vec<Vec<String>> {
    type Row = (&'static str, fn(&Totals) -> String);
    let rows: [Row; 10] = [
        ("K/D", |t| f2(t.kd())),
        ("Efficiency (kills/(kills+deaths))", |t| pct(t.efficiency())),
        ("Kills per round", |t| f2(t.kills_per_round())),
        ("Kills per minute", |t| {
            f2(ratio(t.kills as f64 * 60.0, t.time_played_s as f64))
        }),
        ("Deaths per minute", |t| {
            f2(ratio(t.deaths as f64 * 60.0, t.time_played_s as f64))
        }),
        ("DPM", |t| f1(t.dpm())),
        ("Damage per kill", |t| {
            f1(ratio(t.damage_given as f64, t.kills as f64))
        }),
        ("Damage given/received", |t| {
            f2(ratio(t.damage_given as f64, t.damage_received as f64))
        }),
        ("Useful kills (% of kills)", |t| {
            pct(ratio(t.useful_kills as f64 * 100.0, t.kills as f64))
        }),
        ("Time dead (% of time played)", |t| pct(t.time_dead_share())),
    ];
    rows.iter()
        .map(|(label, value)| vec![(*label).to_owned(), value(t), value(all)])
        .collect()
}

fn player_combat(subject: &Subject) -> Reply {
    let t = &subject.totals;
    let per_kill = ratio(t.damage_given as f64, t.kills as f64);
    Reply::builder(subject.title("combat"))
        .field(
            "Kills",
            lines(&[
                ("Kills", t.kills.to_string()),
                ("Deaths", t.deaths.to_string()),
                ("K/D", f2(t.kd())),
                ("Kills per round", f2(t.kills_per_round())),
                ("Gibs", t.gibs.to_string()),
                ("Kill steals", t.kill_steals.to_string()),
                ("Useful kills", t.useful_kills.to_string()),
            ]),
            true,
        )
        .field(
            "Damage",
            lines(&[
                ("Given", t.damage_given.to_string()),
                ("Received", t.damage_received.to_string()),
                ("DPM", f1(t.dpm())),
                ("Per kill", f1(per_kill)),
                (
                    "Per round",
                    f1(ratio(t.damage_given as f64, t.rounds as f64)),
                ),
            ]),
            true,
        )
        .field(
            "Aim",
            format!("{}\nBullets fired: {}", aim_lines(t), t.bullets_fired),
            true,
        )
        .field("Multikills", multikills(t), false)
        .field(
            "Streaks and mistakes",
            lines(&[
                ("Best killing spree", t.best_spree.to_string()),
                ("Worst death spree", t.worst_death_spree.to_string()),
                ("Self kills", t.self_kills.to_string()),
                ("Team kills", t.team_kills.to_string()),
            ]),
            true,
        )
        .footer(subject.footer())
        .build()
}

fn player_support(subject: &Subject, records: &[PlayerRecord]) -> Reply {
    let t = &subject.totals;
    let per_round = |n: i64| f2(ratio(n as f64, t.rounds as f64));
    let with_revive = records
        .iter()
        .filter(|r| r.stats.revives_given.unwrap_or(0) > 0)
        .count();
    Reply::builder(subject.title("support"))
        .field(
            "Support",
            lines(&[
                ("Revives given", t.revives_given.to_string()),
                ("Repairs/constructions", t.repairs_constructions.to_string()),
                ("Kill assists", t.kill_assists.to_string()),
                ("Total support", t.support().to_string()),
                ("Times revived", t.times_revived.to_string()),
            ]),
            true,
        )
        .field(
            "Per round",
            lines(&[
                ("Revives", per_round(t.revives_given)),
                ("Repairs/constructions", per_round(t.repairs_constructions)),
                ("Kill assists", per_round(t.kill_assists)),
                ("Support", per_round(t.support())),
                (
                    "Rounds with a revive",
                    format!("{with_revive} of {}", t.rounds),
                ),
            ]),
            true,
        )
        .field(
            "Team damage",
            lines(&[
                ("Given", t.team_damage_given.to_string()),
                ("Received", t.team_damage_received.to_string()),
                ("Team kills", t.team_kills.to_string()),
            ]),
            true,
        )
        .footer(subject.footer())
        .build()
}

// ---------------------------------------------------------------------------
// player_consistency

/// Mean, standard deviation, min and max of per-round values.
struct Spread {
    mean: f64,
    sd: f64,
    min: f64,
    max: f64,
}

impl Spread {
    fn of(values: &[f64]) -> Self {
        let n = values.len() as f64;
        let mean = ratio(values.iter().sum(), n);
        let variance = ratio(values.iter().map(|v| (v - mean).powi(2)).sum(), n);
        Self {
            mean,
            sd: variance.sqrt(),
            min: values.iter().copied().fold(f64::INFINITY, f64::min),
            max: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        }
    }

    /// Coefficient of variation: the standard deviation per unit of mean.
    fn cv(&self) -> f64 {
        ratio(self.sd, self.mean)
    }

    fn row(&self, label: &str, format: fn(f64) -> String) -> Vec<String> {
        vec![
            label.to_owned(),
            format(self.mean),
            format(self.sd),
            format(self.min),
            format(self.max),
            pct(self.cv() * 100.0),
        ]
    }
}

fn verdict(cv: f64) -> &'static str {
    if cv < 0.2 {
        "rock steady"
    } else if cv < 0.35 {
        "steady"
    } else if cv < 0.5 {
        "up and down"
    } else {
        "streaky"
    }
}

fn player_consistency(subject: &Subject, records: &[PlayerRecord]) -> Reply {
    const MIN_ROUNDS: i64 = 3;
    if subject.totals.rounds < MIN_ROUNDS {
        return Reply::message(
            subject.title("consistency"),
            format!(
                "Consistency needs at least {MIN_ROUNDS} rounds; {} has {} in {}.",
                subject.player.name,
                plural(subject.totals.rounds, "round"),
                subject.window.label
            ),
            colour::WARNING,
        );
    }
    let per_round: Vec<Totals> = records.iter().map(|r| Totals::of([r])).collect();
    let spread =
        |value: fn(&Totals) -> f64| Spread::of(&per_round.iter().map(value).collect::<Vec<_>>());
    let kills = spread(|t| t.kills as f64);
    let dpm = spread(Totals::dpm);
    let kd = spread(Totals::kd);
    let overall = &subject.totals;
    let above = per_round
        .iter()
        .filter(|t| t.dpm() >= overall.dpm())
        .count();
    let (best, worst) = extremes(records);
    Reply::builder(subject.title("consistency"))
        .description(format!(
            "Verdict: **{}**: his DPM varies {} from round to round \
             (CV = standard deviation / mean; under 20% is rock steady, 35% steady, 50% up and down).\n\
             Over {}: K/D {}, DPM {} (from the sums); {above} rounds at or above that DPM.\n\
             Best round by DPM: {best}\nWorst round by DPM: {worst}",
            verdict(dpm.cv()),
            pct(dpm.cv() * 100.0),
            plural(overall.rounds, "round"),
            f2(overall.kd()),
            f1(overall.dpm()),
        ))
        .table(
            &["Per round", "Mean", "Std dev", "Min", "Max", "CV"],
            &numeric(6),
            vec![kills.row("Kills", f1), dpm.row("DPM", f1), kd.row("K/D", f2)],
        )
        .footer(subject.footer())
        .build()
}

fn extremes(records: &[PlayerRecord]) -> (String, String) {
    let by_dpm = |a: &&PlayerRecord, b: &&PlayerRecord| {
        Totals::of([*a]).dpm().total_cmp(&Totals::of([*b]).dpm())
    };
    let show = |r: Option<&PlayerRecord>| {
        r.map_or_else(String::new, |r| {
            format!("{} DPM in {}", f1(Totals::of([r]).dpm()), round_label(r))
        })
    };
    (
        show(records.iter().max_by(by_dpm)),
        show(records.iter().min_by(by_dpm)),
    )
}

// ---------------------------------------------------------------------------
// player_rivals, player_teammates

/// Another player met in the subject's rounds, and the subject's sums over them.
struct Met {
    name: String,
    mine: Totals,
    theirs: Totals,
}

/// The players on the other side (`opponents`) or on the same side of the
/// subject's rounds, summed by the store: over years a player shares rounds
/// with hundreds of thousands of rows.
async fn met(
    ctx: &Context<'_>,
    subject: &Subject,
    opponents: bool,
) -> Result<Vec<Met>, CommandError> {
    let (from, to) = subject.window.bounds();
    let sums = ctx
        .store
        .met_sums(subject.player.id, from.as_deref(), to.as_deref())
        .await?;
    Ok(sums
        .into_iter()
        .filter(|m| (m.same_side == 0) == opponents)
        .map(|m| Met {
            name: m.name,
            mine: Totals {
                rounds: m.rounds,
                kills: m.kills,
                deaths: m.deaths,
                wins: m.wins,
                losses: m.losses,
                ..Totals::default()
            },
            theirs: Totals {
                rounds: m.rounds,
                kills: m.their_kills,
                deaths: m.their_deaths,
                ..Totals::default()
            },
        })
        .collect())
}

async fn player_rivals(ctx: &Context<'_>, subject: &Subject) -> Result<Reply, CommandError> {
    let mut rivals = met(ctx, subject, true).await?;
    rivals.sort_by(|a, b| {
        b.mine
            .rounds
            .cmp(&a.mine.rounds)
            .then_with(|| a.name.cmp(&b.name))
    });
    let rows = rivals
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.mine.rounds.to_string(),
                won_lost(&m.mine),
                f2(m.mine.kd()),
                f2(m.theirs.kd()),
            ]
        })
        .collect();
    let name = &subject.player.name;
    Ok(Reply::builder(subject.title("rivals"))
        .description(format!(
            "Players on the other side of {name}'s rounds, most met first. \
             W-L and K/D are {name}'s in those rounds; Their K/D is the opponent's."
        ))
        .table(
            &["Opponent", "Rounds", "W-L", "K/D", "Their K/D"],
            &numeric(5),
            rows,
        )
        .footer(subject.footer())
        .build())
}

async fn player_teammates(ctx: &Context<'_>, subject: &Subject) -> Result<Reply, CommandError> {
    const MIN_TOGETHER: i64 = 2;
    let mut mates: Vec<Met> = met(ctx, subject, false)
        .await?
        .into_iter()
        .filter(|m| m.mine.rounds >= MIN_TOGETHER)
        .collect();
    mates.sort_by(|a, b| {
        b.mine
            .win_rate()
            .total_cmp(&a.mine.win_rate())
            .then_with(|| b.mine.rounds.cmp(&a.mine.rounds))
            .then_with(|| a.name.cmp(&b.name))
    });
    let rows = mates
        .iter()
        .map(|m| {
            vec![
                m.name.clone(),
                m.mine.rounds.to_string(),
                won_lost(&m.mine),
                pct(m.mine.win_rate()),
                f2(m.mine.kd()),
                f2(m.theirs.kd()),
            ]
        })
        .collect();
    let name = &subject.player.name;
    Ok(Reply::builder(subject.title("teammates"))
        .description(format!(
            "Players on {name}'s side in at least {MIN_TOGETHER} rounds, best win rate first. \
             K/D is {name}'s in those rounds; Their K/D is the teammate's."
        ))
        .table(
            &["Teammate", "Rounds", "W-L", "Win%", "K/D", "Their K/D"],
            &numeric(6),
            rows,
        )
        .footer(subject.footer())
        .build())
}
