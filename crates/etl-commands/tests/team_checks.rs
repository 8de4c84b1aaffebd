//! Independent checks of the Team family against the sample night: every
//! expected value is summed here from the stored rows (`Store::export`) or read
//! from the round files' headers, never taken from the command code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use etl_commands::{CommandError, Reply};
use etl_parser::{Round, RoundNumber, Side};
use etl_store::testing::{TestDb, repo_root, round_files};
use etl_store::{Export, ExportedRound, Store};

const SESSION: &str = "2025-11-02-201530";

/// One stored line, as these checks need it.
#[derive(Debug, Clone)]
struct Line {
    guid: String,
    name: String,
    side: Option<Side>,
    squad: Option<String>,
    confidence: Option<String>,
    bot: bool,
    kills: i64,
    deaths: i64,
    damage: i64,
    seconds: i64,
    hits: i64,
    shots: i64,
    planted: i64,
    defused: i64,
    stolen: i64,
    returned: i64,
    repairs: i64,
}

impl Line {
    /// Counts for a squad: a human who played on a side.
    fn squad(&self) -> Option<&str> {
        if self.bot || self.side.is_none() {
            return None;
        }
        self.squad.as_deref()
    }
}

fn lines(round: &ExportedRound) -> Vec<Line> {
    round
        .players
        .iter()
        .map(|p| Line {
            guid: p.player.guid.clone(),
            name: p.player.name.clean(),
            side: p.player.team.and_then(|t| t.side()),
            squad: p.squad.clone(),
            confidence: p.team_confidence.clone(),
            bot: p.player.is_bot(),
            kills: p.player.kills(),
            deaths: p.player.deaths(),
            damage: p.player.stats.damage_given,
            seconds: p.player.stats.time_played_s,
            hits: p.player.hits(),
            shots: p.player.shots(),
            planted: p.player.stats.dynamites_planted,
            defused: p.player.stats.dynamites_defused,
            stolen: p.player.stats.objectives_stolen,
            returned: p.player.stats.objectives_returned,
            repairs: p.player.stats.repairs_constructions.unwrap_or(0),
        })
        .collect()
}

/// The sample night's rounds, in play order, with their lines.
fn rounds(export: &Export) -> Vec<(&ExportedRound, Vec<Line>)> {
    let session = export
        .sessions
        .iter()
        .find(|s| s.id == SESSION)
        .expect("the sample session");
    session.rounds.iter().map(|r| (r, lines(r))).collect()
}

/// The headers of the sample night's files, by file name.
fn headers() -> HashMap<String, etl_parser::Header> {
    round_files(&repo_root().join("testdata/sample-night"))
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let round = Round::parse_named(&name, &std::fs::read(&path).unwrap()).unwrap();
            (name, round.header)
        })
        .collect()
}

async fn ok(store: &Store, line: &str) -> Reply {
    support::reply(store, line)
        .await
        .unwrap_or_else(|e| panic!("`{line}` failed: {e}"))
}

/// Every table row of every page.
fn table(reply: &Reply) -> Vec<Vec<String>> {
    reply
        .pages
        .iter()
        .filter_map(|p| p.table.as_ref())
        .flat_map(|t| t.rows.clone())
        .collect()
}

fn row<'a>(rows: &'a [Vec<String>], first: &str) -> &'a [String] {
    rows.iter()
        .find(|r| r[0] == first)
        .unwrap_or_else(|| panic!("no row `{first}` in {rows:?}"))
}

#[derive(Debug, Default, Clone, PartialEq)]
struct Sums {
    lines: i64,
    kills: i64,
    deaths: i64,
    damage: i64,
    seconds: i64,
    hits: i64,
    shots: i64,
    planted: i64,
    defused: i64,
    stolen: i64,
    returned: i64,
    repairs: i64,
}

impl Sums {
    fn add(&mut self, line: &Line) {
        self.lines += 1;
        self.kills += line.kills;
        self.deaths += line.deaths;
        self.damage += line.damage;
        self.seconds += line.seconds;
        self.hits += line.hits;
        self.shots += line.shots;
        self.planted += line.planted;
        self.defused += line.defused;
        self.stolen += line.stolen;
        self.returned += line.returned;
        self.repairs += line.repairs;
    }

    fn kd(&self) -> String {
        format!("{:.2}", self.kills as f64 / self.deaths.max(1) as f64)
    }

    fn dpm(&self) -> String {
        format!("{:.1}", self.damage as f64 * 60.0 / self.seconds as f64)
    }

    fn accuracy(&self) -> String {
        format!("{:.1}%", self.hits as f64 * 100.0 / self.shots as f64)
    }

    fn efficiency(&self) -> String {
        format!(
            "{:.1}%",
            self.kills as f64 * 100.0 / (self.kills + self.deaths) as f64
        )
    }
}

fn squad_sums(rounds: &[(&ExportedRound, Vec<Line>)], squad: &str) -> Sums {
    let mut sums = Sums::default();
    for line in rounds.iter().flat_map(|(_, l)| l) {
        if line.squad() == Some(squad) {
            sums.add(line);
        }
    }
    sums
}

async fn sample() -> (TestDb, Store, Export) {
    let db = TestDb::sqlite();
    let store = support::sample_store(&db).await;
    let export = store.export().await.unwrap();
    (db, store, export)
}

#[tokio::test(flavor = "multi_thread")]
async fn squad_and_side_totals_are_the_sums_of_their_rows() {
    let (_db, store, export) = sample().await;
    let rounds = rounds(&export);

    let reply = ok(&store, "team_stats").await;
    let rows = table(&reply);
    for (column, squad) in [(1, "A"), (2, "B")] {
        let sums = squad_sums(&rounds, squad);
        let players: BTreeSet<&str> = rounds
            .iter()
            .flat_map(|(_, l)| l)
            .filter(|l| l.squad() == Some(squad))
            .map(|l| l.guid.as_str())
            .collect();
        assert!(sums.kills > 0 && sums.deaths > 0, "squad {squad} played");
        assert_eq!(row(&rows, "players")[column], players.len().to_string());
        assert_eq!(row(&rows, "player-rounds")[column], sums.lines.to_string());
        assert_eq!(row(&rows, "kills")[column], sums.kills.to_string());
        assert_eq!(row(&rows, "deaths")[column], sums.deaths.to_string());
        assert_eq!(row(&rows, "damage")[column], sums.damage.to_string());
        assert_eq!(row(&rows, "K/D")[column], sums.kd());
        assert_eq!(row(&rows, "DPM")[column], sums.dpm());
        assert_eq!(row(&rows, "accuracy")[column], sums.accuracy());
        assert_eq!(
            row(&rows, "objectives")[column],
            (sums.planted + sums.defused + sums.stolen + sums.returned).to_string()
        );

        // One squad: the same totals, and each member's own sums.
        let one = ok(&store, &format!("team_stats {squad} {SESSION}")).await;
        let text = one.pages[0].description.clone().unwrap();
        assert!(
            text.contains(&format!(
                "Kills {} · Deaths {} · K/D {}",
                sums.kills,
                sums.deaths,
                sums.kd()
            )),
            "{text}"
        );
        let members = table(&one);
        assert_eq!(members.len(), players.len());
        for member in &members {
            let mut own = Sums::default();
            for line in rounds.iter().flat_map(|(_, l)| l) {
                if line.squad() == Some(squad) && line.name == member[0] {
                    own.add(line);
                }
            }
            assert_eq!(member[1], own.lines.to_string(), "{member:?}");
            assert_eq!(member[2], own.kills.to_string(), "{member:?}");
            assert_eq!(member[3], own.deaths.to_string(), "{member:?}");
            assert_eq!(member[4], own.kd(), "{member:?}");
        }
    }

    // Sides: every human line that ended on the side.
    for side in [Side::Axis, Side::Allies] {
        let mut sums = Sums::default();
        for line in rounds.iter().flat_map(|(_, l)| l) {
            if !line.bot && line.side == Some(side) {
                sums.add(line);
            }
        }
        let reply = ok(&store, &format!("team_stats {}", side.as_str())).await;
        let text = reply.pages[0].description.clone().unwrap();
        assert!(
            text.contains(&format!(
                "Kills {} · Deaths {} · K/D {}",
                sums.kills,
                sums.deaths,
                sums.kd()
            )),
            "{text}"
        );
        assert!(
            text.contains(&format!("Damage {} · DPM {}", sums.damage, sums.dpm())),
            "{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rosters_hold_every_squad_member_with_his_rounds_and_confidence() {
    let (_db, store, export) = sample().await;
    let rounds = rounds(&export);
    // (squad, name) -> [rounds, high, medium, low]
    let mut expected: BTreeMap<(String, String), [i64; 4]> = BTreeMap::new();
    for line in rounds.iter().flat_map(|(_, l)| l) {
        let Some(squad) = line.squad() else { continue };
        let entry = expected
            .entry((squad.to_owned(), line.name.clone()))
            .or_default();
        entry[0] += 1;
        match line.confidence.as_deref() {
            Some("high") => entry[1] += 1,
            Some("medium") => entry[2] += 1,
            Some("low") => entry[3] += 1,
            _ => {}
        }
    }
    let reply = ok(&store, "team_roster").await;
    let shown: BTreeMap<(String, String), [i64; 4]> = table(&reply)
        .into_iter()
        .map(|r| {
            (
                (r[0].clone(), r[1].trim_end_matches('*').to_owned()),
                [
                    r[2].parse().unwrap(),
                    r[3].parse().unwrap(),
                    r[4].parse().unwrap(),
                    r[5].parse().unwrap(),
                ],
            )
        })
        .collect();
    assert_eq!(shown, expected);
    // 6v6: six players in each squad, eight rounds each, nobody switched.
    for squad in ["A", "B"] {
        assert_eq!(shown.keys().filter(|(s, _)| s == squad).count(), 6);
        let one = ok(&store, &format!("roster {squad}")).await;
        assert!(table(&one).iter().all(|r| r[0] == squad));
        assert_eq!(table(&one).len(), 6);
    }
    assert!(shown.values().all(|v| v[0] == 8));
    let text = reply.to_text();
    assert!(text.contains("Nobody: every player stayed in one squad."));
}

/// Per map in play order: (map, squad attacking first, map winner) from the
/// headers and the stored squads.
fn map_winners(rounds: &[(&ExportedRound, Vec<Line>)]) -> Vec<(String, String, String)> {
    let headers = headers();
    let mut out = Vec::new();
    let mut first_attackers: Option<String> = None;
    for (round, lines) in rounds {
        let header = &headers[&round.file];
        let defender = header.defender.unwrap();
        match header.round {
            RoundNumber::One => {
                let mut count: BTreeMap<&str, usize> = BTreeMap::new();
                for line in lines {
                    if line.side == Some(defender.other())
                        && let Some(squad) = line.squad()
                    {
                        *count.entry(squad).or_default() += 1;
                    }
                }
                let (squad, _) = count.into_iter().max_by_key(|(_, n)| *n).unwrap();
                first_attackers = Some(squad.to_owned());
            }
            RoundNumber::Two => {
                let first = first_attackers.take().unwrap();
                let second = if first == "A" { "B" } else { "A" }.to_owned();
                // Round 2's winner: the attacking side beat the time.
                let winner = if header.winner.unwrap() == defender {
                    first.clone()
                } else {
                    second
                };
                out.push((round.map.clone(), first, winner));
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn map_winners_and_the_final_score_follow_the_headers() {
    let (_db, store, export) = sample().await;
    let rounds = rounds(&export);
    let expected = map_winners(&rounds);
    assert_eq!(expected.len(), 4, "four maps");
    let reply = ok(&store, "team_vs_team").await;
    let rows = table(&reply);
    assert_eq!(rows.len(), expected.len());
    let (mut a, mut b) = (0, 0);
    for (row, (map, first, winner)) in rows.iter().zip(&expected) {
        if winner == "A" {
            a += 1;
        } else {
            b += 1;
        }
        assert_eq!(&row[0], map);
        assert_eq!(&row[1], first, "{map}: first attackers");
        assert_eq!(&row[5], winner, "{map}: winner");
        assert_eq!(row[6], format!("{a}-{b}"), "{map}: running score");
    }
    // The sample night: A beat the time on supply and etl_adlernest, held
    // B's attack on sw_goldrush_te; B held on te_escape2.
    assert_eq!((a, b), (3, 1));
    let text = reply.to_text();
    assert!(text.contains(&format!("A {a} - {b} B")), "{text}");

    // The per-session history says the same.
    let history = table(&ok(&store, "team_history").await);
    assert_eq!(
        history,
        vec![vec![
            SESSION.to_owned(),
            "4".to_owned(),
            a.to_string(),
            b.to_string(),
            "0".to_owned(),
            "A won".to_owned(),
        ]]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn synergy_counts_the_rounds_each_pair_shared_a_squad() {
    let (_db, store, export) = sample().await;
    let rounds = rounds(&export);
    let headers = headers();
    // Pair of names (alphabetical) -> (rounds together, rounds won together).
    let mut expected: BTreeMap<(String, String), (i64, i64)> = BTreeMap::new();
    for (round, lines) in &rounds {
        let winner = headers[&round.file].winner;
        let members: Vec<&Line> = lines.iter().filter(|l| l.squad().is_some()).collect();
        for (i, x) in members.iter().enumerate() {
            for y in members.iter().skip(i + 1) {
                if x.squad() != y.squad() {
                    continue;
                }
                let key = if x.name.to_lowercase() <= y.name.to_lowercase() {
                    (x.name.clone(), y.name.clone())
                } else {
                    (y.name.clone(), x.name.clone())
                };
                let entry = expected.entry(key).or_default();
                entry.0 += 1;
                if winner.is_some() && x.side == winner {
                    entry.1 += 1;
                }
            }
        }
    }
    expected.retain(|_, (n, _)| *n >= 2);
    // 15 pairs in each squad of six, all eight rounds together.
    assert_eq!(expected.len(), 30);
    let reply = ok(&store, "team_synergy").await;
    let rows = table(&reply);
    assert_eq!(rows.len(), 25, "the top 25");
    for r in &rows {
        let (x, y) = r[0].split_once(" + ").unwrap();
        let (together, won) = expected[&(x.to_owned(), y.to_owned())];
        assert_eq!(r[1], together.to_string(), "{r:?}");
        assert_eq!(r[2], format!("{won}/{together}"), "{r:?}");
    }
    // Ranked by rounds together, then win rate.
    let mut best: Vec<(i64, i64)> = expected.values().copied().collect();
    best.sort_by(|a, b| b.cmp(a));
    let shown: Vec<(i64, i64)> = rows
        .iter()
        .map(|r| {
            let (won, _) = r[2].split_once('/').unwrap();
            (r[1].parse().unwrap(), won.parse().unwrap())
        })
        .collect();
    assert_eq!(shown, best[..25].to_vec());
    assert_eq!(
        reply.pages.last().unwrap().footer.as_deref(),
        Some("the top 25 of 30 pairs")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn objectives_efficiency_and_balance_come_from_the_squads_sums() {
    let (_db, store, export) = sample().await;
    let rounds = rounds(&export);
    let objectives = table(&ok(&store, "team_objective").await);
    let efficiency = table(&ok(&store, "team_efficiency").await);
    let balance = table(&ok(&store, "team_balance").await);
    for (column, squad) in [(1, "A"), (2, "B")] {
        let sums = squad_sums(&rounds, squad);
        assert_eq!(
            row(&objectives, &format!("= Squad {squad} total"))[1..],
            [
                sums.planted.to_string(),
                sums.defused.to_string(),
                sums.stolen.to_string(),
                sums.returned.to_string(),
                sums.repairs.to_string(),
            ]
        );
        let eff = row(&efficiency, &format!("Squad {squad}"));
        assert_eq!(eff[1], sums.kills.to_string());
        assert_eq!(eff[2], sums.deaths.to_string());
        assert_eq!(eff[3], sums.kd());
        assert_eq!(eff[4], sums.dpm());
        assert_eq!(eff[5], sums.accuracy());
        assert_eq!(eff[6], sums.efficiency());
        assert_eq!(
            eff[7],
            format!("{:.0}", sums.damage as f64 / sums.deaths.max(1) as f64)
        );
        assert_eq!(row(&balance, "K/D")[column], sums.kd());
        assert_eq!(row(&balance, "DPM")[column], sums.dpm());
        assert_eq!(row(&balance, "players")[column], "6");
    }
    // A side's objective table: the members' rows add up to its total row.
    let axis = table(&ok(&store, "team_obj axis").await);
    let (total, members) = axis.split_last().unwrap();
    assert_eq!(total[0], "= Axis total");
    for column in 1..=5 {
        let sum: i64 = members
            .iter()
            .map(|r| r[column].parse::<i64>().unwrap())
            .sum();
        assert_eq!(total[column], sum.to_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_players_history_names_his_squad_its_result_and_his_kd() {
    let (_db, store, export) = sample().await;
    let rounds = rounds(&export);
    let mut sums = Sums::default();
    let mut squads = BTreeSet::new();
    for line in rounds.iter().flat_map(|(_, l)| l) {
        if line.name == "Slomix" {
            sums.add(line);
            squads.extend(line.squad().map(str::to_owned));
        }
    }
    assert_eq!(squads.len(), 1);
    let squad = squads.into_iter().next().unwrap();
    let (ours, theirs) = map_winners(&rounds)
        .iter()
        .fold((0, 0), |(o, t), (_, _, winner)| {
            if *winner == squad {
                (o + 1, t)
            } else {
                (o, t + 1)
            }
        });
    let rows = table(&ok(&store, "team_history Slomix").await);
    let result = if ours > theirs { "won" } else { "lost" };
    assert_eq!(
        rows,
        vec![vec![
            SESSION.to_owned(),
            squad,
            format!("{result} {ours}-{theirs}"),
            sums.lines.to_string(),
            sums.kd(),
        ]]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_team_words_and_unknown_sessions_are_one_line_errors() {
    let (_db, store, _) = sample().await;
    for (line, wanted) in [
        ("team_stats C", "`C` is neither a team"),
        ("team_objective red", "`red` is neither a team"),
        ("team_roster A B", "name one team only"),
        ("team_roster allies", "`allies` is a side"),
        (
            "team_stats A 2025-11-09-200000",
            "no session `2025-11-09-200000`",
        ),
        ("team_vs_team 2025-10", "no session `2025-10`"),
        ("team_efficiency A", "`A` is not a session id"),
    ] {
        match support::reply(&store, line).await {
            Err(CommandError::BadArgument { message, .. }) => {
                assert!(message.starts_with(wanted), "{line}: {message}");
                assert!(!message.contains('\n'), "{line}: one line");
            }
            other => panic!("{line}: expected a bad argument, got {other:?}"),
        }
    }
}

/// A corpus night with bots and a caster: bots never count as squad
/// members, and the squads' totals are still the sums of their human rows.
#[tokio::test(flavor = "multi_thread")]
async fn bots_are_never_squad_members() {
    let Some(corpus) = etl_store::testing::corpus_dir() else {
        return;
    };
    let db = TestDb::sqlite();
    let store = db.open().await;
    etl_store::testing::import_all(&store, &round_files(&corpus.join("dev-n3-2025-11-21"))).await;
    let export = store.export().await.unwrap();
    let session = export.sessions.last().unwrap();
    let lines: Vec<Line> = session.rounds.iter().flat_map(lines).collect();
    let bots: BTreeSet<&str> = lines
        .iter()
        .filter(|l| l.bot)
        .map(|l| l.name.as_str())
        .collect();
    assert!(!bots.is_empty(), "the night has bots");
    let roster = ok(&store, &format!("team_roster {}", session.id)).await;
    let shown = table(&roster);
    for r in &shown {
        assert!(!bots.contains(r[1].trim_end_matches('*')), "bot {r:?}");
    }
    // Two humans share the clean name `Ghost` that night: each is named with his GUID.
    let names: BTreeSet<&str> = shown.iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names.len(), shown.len(), "{shown:?}");
    assert_eq!(
        names.iter().filter(|n| n.starts_with("Ghost (")).count(),
        2,
        "{shown:?}"
    );
    assert!(
        roster.pages[0]
            .footer
            .as_deref()
            .unwrap()
            .contains("bots are never squad members"),
        "{roster:?}"
    );
    let stats = table(&ok(&store, &format!("team_stats {}", session.id)).await);
    for (column, squad) in [(1, "A"), (2, "B")] {
        let mut sums = Sums::default();
        for line in &lines {
            if line.squad() == Some(squad) {
                sums.add(line);
            }
        }
        assert_eq!(row(&stats, "kills")[column], sums.kills.to_string());
        assert_eq!(row(&stats, "deaths")[column], sums.deaths.to_string());
        assert_eq!(row(&stats, "player-rounds")[column], sums.lines.to_string());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_database_answers_without_errors() {
    let db = TestDb::sqlite();
    let store = db.open().await;
    for line in [
        "team_stats",
        "team_roster",
        "team_vs_team",
        "team_balance",
        "team_objective axis",
        "team_efficiency",
    ] {
        let reply = ok(&store, line).await;
        assert_eq!(reply.pages[0].title, "No sessions", "{line}");
    }
    assert!(
        ok(&store, "team_synergy")
            .await
            .to_text()
            .contains("No two players")
    );
    assert!(
        ok(&store, "team_history")
            .await
            .to_text()
            .contains("No session in this window")
    );
}

/// The golden lines of this family give the same text on PostgreSQL (when
/// one is available), whatever the state of the other families' goldens.
#[tokio::test(flavor = "multi_thread")]
async fn team_lines_read_the_same_on_postgres() {
    let Some(postgres) = TestDb::postgres().await else {
        return;
    };
    let sqlite = TestDb::sqlite();
    let (lite, pg) = (
        support::sample_store(&sqlite).await,
        support::sample_store(&postgres).await,
    );
    let lines = std::fs::read_to_string(repo_root().join("testdata/commands/team.txt")).unwrap();
    let lines: Vec<&str> = lines
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert!(lines.len() >= 8);
    for line in lines {
        assert_eq!(
            support::answer(&pg, line).await,
            support::answer(&lite, line).await,
            "PostgreSQL differs for `{line}`"
        );
    }
}

/// Many nights: the history and the synergy read their sessions a few at a
/// time (not every row of every night at once); each night is one history
/// line, once, oldest first; a window keeps only its nights; synergy sums
/// every night.
#[tokio::test(flavor = "multi_thread")]
async fn history_over_many_nights_has_each_night_once() {
    const NIGHTS: i64 = 27;
    let db = TestDb::sqlite();
    let store = db.open_with(etl_store::ImportOptions::default()).await;
    let night = round_files(&repo_root().join("testdata/sample-night"));
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    for n in 0..NIGHTS {
        let date = jiff::civil::date(2025, 10, 10)
            .checked_add(jiff::Span::new().days(n))
            .unwrap();
        for path in &night {
            let name = path.file_name().unwrap().to_str().unwrap();
            files.push((
                format!("{}{}", date.strftime("%Y-%m-%d"), &name[10..]),
                std::fs::read(path).unwrap(),
            ));
        }
    }
    let batch: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
        .collect();
    store.import_files(&batch).await.unwrap();

    let (_single_db, single, _) = sample().await;
    let one = table(&ok(&single, "team_history").await);
    let one_player = table(&ok(&single, "team_history Slomix").await);
    assert_eq!((one.len(), one_player.len()), (1, 1));

    for (line, expected_rows, same_as) in [
        ("team_history", NIGHTS, &one[0]),
        ("team_history Slomix", NIGHTS, &one_player[0]),
        // 2025-10-10 to 2025-10-31: 22 nights in October.
        ("team_history 2025-10", 22, &one[0]),
        ("team_history Slomix 2025-10", 22, &one_player[0]),
    ] {
        let rows = table(&ok(&store, line).await);
        assert_eq!(rows.len(), expected_rows as usize, "{line}");
        let ids: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(ids, sorted, "{line}: each night once, oldest first");
        for row in &rows {
            assert_eq!(row[1..], same_as[1..], "{line}: {}", row[0]);
        }
    }

    // Synergy adds the nights up: every pair NIGHTS times its single-night
    // rounds and results, the same order, the same rate.
    let one_night = table(&ok(&single, "team_synergy all").await);
    let nights = table(&ok(&store, "team_synergy all").await);
    assert!(!one_night.is_empty());
    assert_eq!(nights.len(), one_night.len());
    for (many, one) in nights.iter().zip(&one_night) {
        let times = |n: &str| (n.parse::<i64>().unwrap() * NIGHTS).to_string();
        let (won, decided) = one[2].split_once('/').unwrap();
        assert_eq!(many[0], one[0]);
        assert_eq!(many[1], times(&one[1]), "{}", one[0]);
        assert_eq!(many[2], format!("{}/{}", times(won), times(decided)));
        assert_eq!(many[3], one[3]);
    }
}
