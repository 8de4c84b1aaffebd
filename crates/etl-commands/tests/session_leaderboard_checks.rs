//! Independent checks of the session and leaderboard commands: the expected
//! numbers are summed here from the export (the parser's players) or read
//! straight from the round files in `testdata/`, never from the code under
//! test, and compared with what the replies show.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::collections::BTreeMap;
use std::sync::Mutex;

use etl_commands::{BoxFuture, Caller, Context, Reply, SessionController, SessionState, Settings};
use etl_parser::Round;
use etl_store::Store;
use etl_store::testing::{TestDb, repo_root};

/// One player's sums, from the export.
#[derive(Debug, Default, Clone)]
struct Sum {
    name: String,
    rounds: i64,
    kills: i64,
    deaths: i64,
    damage: i64,
    time_s: i64,
    hits: i64,
    shots: i64,
}

impl Sum {
    fn kd(&self) -> f64 {
        self.kills as f64 / self.deaths.max(1) as f64
    }
    fn dpm(&self) -> f64 {
        if self.time_s == 0 {
            0.0
        } else {
            self.damage as f64 * 60.0 / self.time_s as f64
        }
    }
    fn accuracy(&self) -> f64 {
        if self.shots == 0 {
            0.0
        } else {
            self.hits as f64 * 100.0 / self.shots as f64
        }
    }
}

/// Human players' sums over the round-only rows of the export, by GUID;
/// only sessions whose id starts with `session_prefix`.
async fn sums(store: &Store, session_prefix: &str) -> BTreeMap<String, Sum> {
    let export = store.export().await.unwrap();
    let mut out: BTreeMap<String, Sum> = BTreeMap::new();
    for session in export
        .sessions
        .iter()
        .filter(|s| s.id.starts_with(session_prefix))
    {
        for round in session.rounds.iter().filter(|r| r.round_only) {
            for exported in &round.players {
                let p = &exported.player;
                if p.is_bot() {
                    continue;
                }
                let sum = out.entry(p.guid.clone()).or_default();
                sum.name = p.name.clean();
                sum.rounds += 1;
                sum.kills += p.kills();
                sum.deaths += p.deaths();
                sum.damage += p.stats.damage_given;
                sum.time_s += p.stats.time_played_s;
                sum.hits += p.hits();
                sum.shots += p.shots();
            }
        }
    }
    out
}

/// `(name, value)` sorted the way a board must be: best first, ties by name.
fn expected_board(sums: &BTreeMap<String, Sum>, value: impl Fn(&Sum) -> f64) -> Vec<(String, f64)> {
    let mut rows: Vec<(String, f64)> = sums.values().map(|s| (s.name.clone(), value(s))).collect();
    rows.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
    });
    rows
}

/// Every table row of every page.
fn rows(reply: &Reply) -> Vec<Vec<String>> {
    reply
        .pages
        .iter()
        .filter_map(|p| p.table.as_ref())
        .flat_map(|t| t.rows.clone())
        .collect()
}

fn text(reply: &Reply) -> String {
    reply.to_text()
}

async fn ok(store: &Store, line: &str) -> Reply {
    match support::reply(store, line).await {
        Ok(reply) => reply,
        Err(error) => panic!("`{line}` failed: {error}"),
    }
}

async fn with_settings(store: &Store, settings: &Settings, line: &str) -> Reply {
    let ctx = Context {
        store,
        settings,
        caller: Caller::default(),
        session: None,
        sync: None,
        ops: None,
        now: support::now(),
    };
    etl_commands::run(&ctx, line).await.unwrap()
}

/// Checks a board's names, values (as shown) and competition ranks.
fn check_board(reply: &Reply, expected: &[(String, f64)], decimals: usize, line: &str) {
    let got = rows(reply);
    assert_eq!(
        got.len(),
        expected.len(),
        "`{line}`: one row per ranked player"
    );
    for (index, (row, (name, value))) in got.iter().zip(expected).enumerate() {
        assert_eq!(&row[1], name, "`{line}` row {index}");
        assert_eq!(
            row[2],
            format!("{value:.decimals$}"),
            "`{line}` value of {name}"
        );
        let rank = 1 + expected.iter().filter(|(_, v)| v > value).count();
        assert_eq!(row[0], rank.to_string(), "`{line}` rank of {name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn boards_of_kills_kd_dpm_and_accuracy_match_sums_from_the_export() {
    let db = TestDb::sqlite();
    let store = support::sample_store(&db).await;
    let sums = sums(&store, "").await;
    assert_eq!(sums.len(), 12);
    assert!(sums.values().all(|s| s.rounds == 8));

    let kills = expected_board(&sums, |s| s.kills as f64);
    check_board(&ok(&store, "leaderboard kills").await, &kills, 0, "kills");
    check_board(&ok(&store, "top_killers").await, &kills, 0, "top_killers");
    check_board(&ok(&store, "leaderboard").await, &kills, 0, "leaderboard");
    check_board(
        &ok(&store, "leaderboard kd").await,
        &expected_board(&sums, Sum::kd),
        2,
        "kd",
    );
    check_board(
        &ok(&store, "leaderboard dpm 2025-11").await,
        &expected_board(&sums, Sum::dpm),
        1,
        "dpm",
    );
    let accuracy = expected_board(&sums, Sum::accuracy);
    check_board(
        &ok(&store, "leaderboard accuracy").await,
        &accuracy,
        1,
        "accuracy",
    );
    check_board(
        &ok(&store, "top_accuracy").await,
        &accuracy,
        1,
        "top_accuracy",
    );
    // The accuracy board shows hits/shots beside the percentage.
    let first = &rows(&ok(&store, "top_accuracy").await)[0];
    let top = sums.values().find(|s| s.name == first[1]).unwrap();
    assert_eq!(first[4], format!("{}/{}", top.hits, top.shots));

    // Worst performers: the K/D table from the bottom, ten shown.
    let mut worst = expected_board(&sums, Sum::kd);
    worst.sort_by(|a, b| {
        a.1.total_cmp(&b.1)
            .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
    });
    let got = rows(&ok(&store, "worst_performers").await);
    assert_eq!(got.len(), 10);
    for (row, (name, kd)) in got.iter().zip(&worst) {
        assert_eq!(
            (&row[1], row[2].as_str()),
            (name, format!("{kd:.2}").as_str())
        );
    }

    // rank_player: Slomix's rank on kills and kd is his place among the 12.
    let reply = ok(&store, "rank_player Slomix").await;
    let table = rows(&reply);
    for (metric, board) in [("kills", &kills), ("kd", &expected_board(&sums, Sum::kd))] {
        let mine = board.iter().find(|(n, _)| n == "Slomix").unwrap().1;
        let rank = 1 + board.iter().filter(|(_, v)| *v > mine).count();
        let row = table.iter().find(|r| r[0] == metric).unwrap();
        assert!(
            row[2].starts_with(&format!("{rank}")) && row[2].contains("of 12"),
            "{metric}: {row:?}, expected rank {rank} of 12"
        );
    }
    assert_eq!(table.len(), etl_commands::stats::METRICS.len());
}

#[tokio::test(flavor = "multi_thread")]
async fn only_players_with_enough_rounds_are_ranked_and_bots_never() {
    let db = TestDb::sqlite();
    let store = support::sample_store(&db).await;
    // A second night with bots, a leaver (round 1 only) and a late joiner (round 2 only).
    for name in [
        "2025-11-07-210000-sw_goldrush_te-round-1.txt",
        "2025-11-07-211800-sw_goldrush_te-round-2.txt",
    ] {
        let bytes = std::fs::read(repo_root().join("testdata/parser").join(name)).unwrap();
        store.import_file(name, &bytes).await.unwrap();
    }
    let night = sums(&store, "2025-11-07").await;
    let (ranked, too_few): (Vec<&Sum>, Vec<&Sum>) = night.values().partition(|s| s.rounds >= 2);
    assert_eq!(
        too_few.len(),
        2,
        "the leaver and the late joiner: {too_few:?}"
    );

    let reply = ok(&store, "leaderboard kills 2025-11-07").await;
    let got = rows(&reply);
    assert_eq!(got.len(), ranked.len());
    let mut ranked_names: Vec<String> = ranked.iter().map(|s| s.name.clone()).collect();
    ranked_names.sort();
    let mut shown: Vec<String> = got.iter().map(|r| r[1].clone()).collect();
    shown.sort();
    assert_eq!(shown, ranked_names);
    for s in &too_few {
        assert!(!shown.contains(&s.name), "{} has one round", s.name);
    }
    assert!(
        !shown.iter().any(|n| n.contains("[BOT]")),
        "bots are never ranked"
    );
    assert!(
        text(&reply).contains("2 left out for too few rounds"),
        "{}",
        text(&reply)
    );
    let sub: BTreeMap<String, Sum> = night
        .clone()
        .into_iter()
        .filter(|(_, s)| s.rounds >= 2)
        .collect();
    check_board(
        &reply,
        &expected_board(&sub, |s| s.kills as f64),
        0,
        "kills 2025-11-07",
    );

    // Over both nights the sample's players have 10 rounds, the others 1 or 2.
    let both = sums(&store, "").await;
    let reply = ok(&store, "leaderboard kd").await;
    let sub: BTreeMap<String, Sum> = both.into_iter().filter(|(_, s)| s.rounds >= 2).collect();
    check_board(
        &reply,
        &expected_board(&sub, Sum::kd),
        2,
        "kd over both nights",
    );

    // Too few rounds for anyone: nobody is ranked, and the reply says why.
    let strict = Settings {
        min_rounds: 11,
        ..support::settings()
    };
    let reply = with_settings(&store, &strict, "top_killers").await;
    assert!(rows(&reply).is_empty());
    assert!(
        text(&reply).contains("Nobody has 11 rounds"),
        "{}",
        text(&reply)
    );
    let reply = with_settings(&store, &strict, "rank_player Slomix").await;
    assert!(
        text(&reply).contains("Slomix has 10 rounds in all time: players need at least 11"),
        "{}",
        text(&reply)
    );
    // A player with one round is not ranked; a bot is refused.
    let leaver = too_few[0].name.clone();
    let reply = ok(&store, &format!("rank_player {leaver} 2025-11-07")).await;
    assert!(
        text(&reply).contains("has 1 round in 2025-11-07"),
        "{}",
        text(&reply)
    );
    let error = support::reply(&store, "rank_player Sarge")
        .await
        .unwrap_err();
    assert!(error.to_string().contains("bots are not ranked"), "{error}");

    // Two sessions now: the history lists both, newest first.
    let history = rows(&ok(&store, "session_history").await);
    assert_eq!(history.len(), 2);
    assert!(history[0][0].starts_with("2025-11-07"));
    assert_eq!(history[1][0], "2025-11-02-201530");
    assert_eq!(history[1][4], "8", "rounds");
    assert_eq!(history[1][5], "12", "players");
    // The second night in full: the late joiner (Axis in round 2) joins the
    // squad that had Allies in round 1; bots are counted apart.
    let night = ok(&store, "last_session").await;
    let squad_b = night.pages[0]
        .fields
        .iter()
        .find(|f| f.name.starts_with("Squad B"))
        .unwrap();
    assert_eq!(squad_b.value, "Kraken, LateComer, Leaver, Recon");
    assert!(
        text(&night).contains("1 map · 2 rounds · 9 players (+2 bots)"),
        "{}",
        text(&night)
    );
    // The older session by id is still the sample night's.
    let old = text(&ok(&store, "last_session 2025-11-02-201530").await);
    assert!(old.contains("4 maps · 8 rounds · 12 players"), "{old}");
}

/// A round file of the sample night: its header fields and its players' teams.
struct File {
    map: String,
    round: u8,
    header: Vec<String>,
    teams: Vec<(String, u8)>,
}

fn sample_files() -> Vec<File> {
    let mut paths: Vec<_> = std::fs::read_dir(repo_root().join("testdata/sample-night"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).unwrap();
            let mut lines = bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty());
            let header: Vec<String> = String::from_utf8_lossy(lines.next().unwrap())
                .trim_end()
                .split('\\')
                .map(str::to_owned)
                .collect();
            let teams = lines
                .map(|line| {
                    let fields: Vec<&[u8]> = line.splitn(5, |b| *b == b'\\').collect();
                    let guid = String::from_utf8_lossy(fields[0]).into_owned();
                    let team = String::from_utf8_lossy(fields[3]).parse().unwrap();
                    (guid, team)
                })
                .collect();
            File {
                map: header[1].clone(),
                round: header[3].parse().unwrap(),
                header,
                teams,
            }
        })
        .collect()
}

fn seconds(clock: &str) -> i32 {
    let (m, s) = clock.split_once(':').unwrap();
    m.parse::<i32>().unwrap() * 60 + s.parse::<i32>().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn last_session_map_results_and_score_follow_the_headers() {
    let db = TestDb::sqlite();
    let store = support::sample_store(&db).await;
    let files = sample_files();
    assert_eq!(files.len(), 8);
    let sums = sums(&store, "").await;

    // Squad A: as the squad detector stored it (in the export), by GUID.
    let export = store.export().await.unwrap();
    let squad_a: Vec<String> = export.sessions[0].rounds[0]
        .players
        .iter()
        .filter(|p| p.squad.as_deref() == Some("A"))
        .map(|p| p.player.guid.clone())
        .collect();
    assert_eq!(squad_a.len(), 6);
    let (mut a, mut b) = (0, 0);
    let mut winners = Vec::new();
    for pair in files.chunks(2) {
        let (r1, r2) = (&pair[0], &pair[1]);
        assert_eq!((r1.round, r2.round, &r1.map), (1, 2, &r2.map));
        // The side squad A had in round 1 of this map.
        let a_side = r1
            .teams
            .iter()
            .find(|(guid, _)| guid == &squad_a[0])
            .unwrap()
            .1;
        let defender: u8 = r2.header[4].parse().unwrap();
        let attackers = 3 - defender;
        // The game's winner field decides; without one, the clock.
        let winning_side = match r2.header[5].parse::<u8>().unwrap() {
            0 if seconds(&r2.header[7]) < seconds(&r2.header[6]) => attackers,
            0 => defender,
            winner => winner,
        };
        // Round 2 sides are swapped: squad A plays 3 - a_side there.
        let a_wins = winning_side == 3 - a_side;
        if a_wins {
            a += 1;
        } else {
            b += 1;
        }
        winners.push((r1.map.clone(), if a_wins { "A" } else { "B" }));
    }
    assert_eq!(a + b, 4);

    let reply = ok(&store, "last_session").await;
    let shown = text(&reply);
    assert!(
        shown.contains(&format!("Score: Squad A {a} : {b} Squad B")),
        "{shown}"
    );
    for (index, (map, squad)) in winners.iter().enumerate() {
        assert!(
            shown.contains(&format!("{}. {map}: point to Squad {squad}", index + 1)),
            "{map} should go to squad {squad}: {shown}"
        );
    }
    // Times set and beaten, from the headers.
    assert!(shown.contains("set 9:42 (limit 12:00)"), "{shown}");
    assert!(shown.contains("beat 9:42 in 8:12"), "{shown}");
    assert!(shown.contains("full hold (10:00)"), "{shown}");
    assert!(shown.contains("a double full hold"), "{shown}");
    // Squad A's members, by name.
    let overview = &reply.pages[0];
    let field = overview
        .fields
        .iter()
        .find(|f| f.name.starts_with("Squad A"))
        .unwrap();
    let mut expected: Vec<String> = squad_a.iter().map(|g| sums[g].name.clone()).collect();
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(field.value, expected.join(", "));

    // The player table: every player once, kills and K/D as summed.
    let table = rows(&reply);
    assert_eq!(table.len(), 12);
    for row in &table {
        let sum = sums.values().find(|s| s.name == row[0]).unwrap();
        assert_eq!(row[2], sum.kills.to_string(), "{row:?}");
        assert_eq!(row[3], sum.deaths.to_string(), "{row:?}");
        assert_eq!(row[4], format!("{:.2}", sum.kd()), "{row:?}");
        assert_eq!(row[5], format!("{:.1}", sum.dpm()), "{row:?}");
        assert_eq!(row[6], format!("{:.1}", sum.accuracy()), "{row:?}");
    }
    // Top performers and the damage award agree with the sums.
    let best_killer = &expected_board(&sums, |s| s.kills as f64)[0];
    assert!(
        shown.contains(&format!("Kills: {} {}", best_killer.0, best_killer.1)),
        "{shown}"
    );
    let most_damage = expected_board(&sums, |s| s.damage as f64);
    assert!(
        shown.contains(&format!(
            "Most damage: {} ({})",
            most_damage[0].0, most_damage[0].1
        )),
        "{shown}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn last_round_shows_round_two_alone_from_the_files() {
    let db = TestDb::sqlite();
    let store = support::sample_store(&db).await;
    let read = |name: &str| {
        let bytes = std::fs::read(repo_root().join("testdata/sample-night").join(name)).unwrap();
        Round::parse_named(name, &bytes).unwrap()
    };
    let round1 = read("2025-11-02-215130-sw_goldrush_te-round-1.txt");
    let round2 = read("2025-11-02-220902-sw_goldrush_te-round-2.txt");
    let only = Round::round_two_only(&round1, &round2).unwrap();
    let mut players: Vec<_> = only.players.iter().filter(|p| !p.is_bot()).collect();
    players.sort_by(|a, b| {
        b.kills()
            .cmp(&a.kills())
            .then_with(|| b.stats.damage_given.cmp(&a.stats.damage_given))
            .then_with(|| {
                a.name
                    .clean()
                    .to_lowercase()
                    .cmp(&b.name.clean().to_lowercase())
            })
    });

    let reply = ok(&store, "last_round").await;
    let shown = text(&reply);
    assert!(shown.starts_with("sw_goldrush_te · round 2"), "{shown}");
    assert!(shown.contains("round 2's alone"), "{shown}");
    // The game's winner field decides the map (its clock shows 11:18 of 12:00).
    let winner = match round2.header.winner.unwrap() {
        etl_parser::Side::Axis => "Axis",
        etl_parser::Side::Allies => "Allies",
    };
    assert!(
        shown.contains(&format!("Map result: {winner} win sw_goldrush_te (Squad ")),
        "{shown}"
    );
    let table = rows(&reply);
    assert_eq!(table.len(), 5);
    for (row, p) in table.iter().zip(&players) {
        let kd = p.kills() as f64 / p.deaths().max(1) as f64;
        let accuracy = p.hits() as f64 * 100.0 / p.shots().max(1) as f64;
        assert_eq!(
            row[1..].to_vec(),
            [
                p.name.clean(),
                if p.team.and_then(|t| t.side()) == Some(etl_parser::Side::Axis) {
                    "Axis".to_owned()
                } else {
                    "Allies".to_owned()
                },
                p.kills().to_string(),
                p.deaths().to_string(),
                format!("{kd:.2}"),
                p.stats.damage_given.to_string(),
                format!("{accuracy:.1}"),
            ]
        );
    }
    let kills: i64 = players.iter().map(|p| p.kills()).sum();
    let deaths: i64 = players.iter().map(|p| p.deaths()).sum();
    let damage: i64 = players.iter().map(|p| p.stats.damage_given).sum();
    assert!(
        shown.contains(&format!(
            "{kills} kills · {deaths} deaths · {damage} damage"
        )),
        "{shown}"
    );
}

/// A live bot stand-in: remembers whether a session runs.
struct FakeBot {
    running: Mutex<bool>,
}

impl SessionController for FakeBot {
    fn status(&self) -> BoxFuture<'_, SessionState> {
        Box::pin(async move {
            let running = *self.running.lock().unwrap();
            SessionState {
                monitoring: running,
                since: running.then(|| "2025-11-03 20:00".to_owned()),
                details: vec![("Players in voice".to_owned(), "7".to_owned())],
            }
        })
    }

    fn start(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let mut running = self.running.lock().unwrap();
            if *running {
                return Err("a session is already running".to_owned());
            }
            *running = true;
            Ok("Monitoring on: rounds are posted as they come.".to_owned())
        })
    }

    fn end(&self) -> BoxFuture<'_, Result<String, String>> {
        Box::pin(async move {
            let mut running = self.running.lock().unwrap();
            if !*running {
                return Err("no session is running".to_owned());
            }
            *running = false;
            Ok("Monitoring off.".to_owned())
        })
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn session_start_end_and_status_go_through_the_live_bot() {
    let db = TestDb::sqlite();
    let store = support::sample_store(&db).await;
    let settings = support::settings();
    let bot = FakeBot {
        running: Mutex::new(false),
    };
    let ctx = |is_admin| Context {
        store: &store,
        settings: &settings,
        caller: Caller {
            discord_id: Some("1001".into()),
            is_admin,
        },
        session: Some(&bot),
        sync: None,
        ops: None,
        now: support::now(),
    };
    let run = |line: &'static str, is_admin: bool| {
        let ctx = ctx(is_admin);
        async move { etl_commands::run(&ctx, line).await.map(|r| r.to_text()) }
    };
    let status = run("session_status", false).await.unwrap();
    assert!(status.starts_with("No session running"), "{status}");
    assert!(status.contains("2025-11-02-201530"), "{status}");
    assert!(run("session_start", false).await.is_err(), "admins only");
    let started = run("session_start", true).await.unwrap();
    assert!(started.contains("Monitoring on"), "{started}");
    let again = run("session_start", true).await.unwrap_err().to_string();
    assert!(again.contains("already running"), "{again}");
    let status = run("status", false).await.unwrap();
    assert!(
        status.contains("monitoring since 2025-11-03 20:00"),
        "{status}"
    );
    assert!(status.contains("Players in voice:\n  7"), "{status}");
    let ended = run("session_end", true).await.unwrap();
    assert!(ended.starts_with("Session ended"), "{ended}");

    // Offline the commands say no live bot is attached.
    let offline = support::answer(&store, "session_start").await;
    assert!(offline.contains("No live bot is attached"), "{offline}");
}
