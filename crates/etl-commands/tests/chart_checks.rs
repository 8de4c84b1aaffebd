//! The charts attached to replies, checked against the numbers: each PNG
//! carries the data it was drawn from (`etl_charts::Chart::from_png`), and
//! that data must equal sums made here from the store's export and the
//! reply's own tables, never from the command code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use etl_charts::Chart;
use etl_commands::Reply;
use etl_parser::Player;
use etl_store::testing::{TestDb, repo_root, round_files};
use etl_store::{Export, ExportedRound, Store};
use support::{reply, sample_store};

// ---------------------------------------------------------------------------
// The expected side: sums over the export.

/// One human's round-only line in one round.
struct Line<'a> {
    session: &'a str,
    round: &'a ExportedRound,
    player: &'a Player,
    squad: Option<&'a str>,
}

fn lines(export: &Export) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    for session in &export.sessions {
        for round in session.rounds.iter().filter(|r| r.round_only) {
            for exported in round.players.iter().filter(|p| !p.player.is_bot()) {
                out.push(Line {
                    session: &session.id,
                    round,
                    player: &exported.player,
                    squad: exported.squad.as_deref(),
                });
            }
        }
    }
    out
}

#[derive(Debug, Default, Clone)]
struct Sum {
    rounds: i64,
    kills: i64,
    deaths: i64,
    damage: i64,
    seconds: i64,
    hits: i64,
    shots: i64,
}

impl Sum {
    fn of<'a>(lines: impl IntoIterator<Item = &'a Line<'a>>) -> Self {
        let mut sum = Self::default();
        for line in lines {
            let p = line.player;
            sum.rounds += 1;
            sum.kills += p.kills();
            sum.deaths += p.deaths();
            sum.damage += p.stats.damage_given;
            sum.seconds += p.stats.time_played_s;
            sum.hits += p.hits();
            sum.shots += p.shots();
        }
        sum
    }

    fn kd(&self) -> f64 {
        self.kills as f64 / self.deaths.max(1) as f64
    }

    fn dpm(&self) -> f64 {
        if self.seconds == 0 {
            0.0
        } else {
            self.damage as f64 * 60.0 / self.seconds as f64
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

fn named<'a, 'b>(all: &'b [Line<'a>], name: &str) -> Vec<&'b Line<'a>> {
    let found: Vec<_> = all
        .iter()
        .filter(|l| l.player.name.clean() == name)
        .collect();
    assert!(!found.is_empty(), "{name} is in the sample");
    found
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

// ---------------------------------------------------------------------------
// The reply side: its attachments, decoded, and its tables.

/// The reply's charts, each with its file name; every attachment is a chart.
fn attached(reply: &Reply) -> Vec<(String, Chart)> {
    reply
        .attachments
        .iter()
        .map(|a| {
            assert_eq!(a.content_type, "image/png", "{}", a.filename);
            assert_eq!(a.size, a.bytes.len());
            let chart = Chart::from_png(&a.bytes)
                .unwrap_or_else(|e| panic!("{} carries no chart data: {e}", a.filename));
            (a.filename.clone(), chart)
        })
        .collect()
}

/// Every table row of every page, as header -> cell.
fn rows(reply: &Reply) -> Vec<BTreeMap<String, String>> {
    reply
        .pages
        .iter()
        .filter_map(|p| p.table.as_ref())
        .flat_map(|t| {
            t.rows.iter().map(|row| {
                t.headers
                    .iter()
                    .cloned()
                    .zip(row.iter().cloned())
                    .collect::<BTreeMap<_, _>>()
            })
        })
        .collect()
}

struct Sample {
    store: Store,
    export: Export,
    _db: TestDb,
}

/// The sample night, alone or with three more nights made from its files
/// under later dates: 11-09 (its first two maps), 11-16 (its last three
/// maps) and 11-23 (all of it).
async fn sample(more_nights: bool) -> Sample {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    if more_nights {
        let files = round_files(&repo_root().join("testdata/sample-night"));
        let nights: [(&str, &[std::path::PathBuf]); 3] = [
            ("2025-11-09", &files[..4]),
            ("2025-11-16", &files[2..]),
            ("2025-11-23", &files[..]),
        ];
        for (day, files) in nights {
            for path in files {
                let name = path.file_name().unwrap().to_str().unwrap();
                let renamed = name.replacen("2025-11-02", day, 1);
                store
                    .import_file(&renamed, &std::fs::read(path).unwrap())
                    .await
                    .unwrap();
            }
        }
    }
    let export = store.export().await.unwrap();
    Sample {
        store,
        export,
        _db: db,
    }
}

async fn ask(store: &Store, line: &str) -> Reply {
    reply(store, line)
        .await
        .unwrap_or_else(|e| panic!("`{line}` failed: {e}"))
}

// ---------------------------------------------------------------------------
// last_session

#[tokio::test(flavor = "multi_thread")]
async fn the_session_charts_show_the_summarys_numbers() {
    let s = sample(false).await;
    let all = lines(&s.export);
    let reply = ask(&s.store, "last_session").await;
    let charts = attached(&reply);
    let names: Vec<&str> = charts.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "session-2025-11-02-201530-players.png",
            "session-2025-11-02-201530-score.png",
            "session-2025-11-02-201530-dpm.png",
        ]
    );
    let table = rows(&reply);
    let players: BTreeSet<String> = all.iter().map(|l| l.player.name.clean()).collect();
    assert_eq!(players.len(), 12);

    // Damage and kills: every player once, most damage first, the export's sums.
    let Chart::SessionPlayers(bars) = &charts[0].1 else {
        panic!("{:?}", charts[0].1.kind())
    };
    assert_eq!(bars.players.len(), players.len());
    assert!(
        bars.players.windows(2).all(|w| w[0].damage >= w[1].damage),
        "sorted by damage"
    );
    for bar in &bars.players {
        let mine = named(&all, &bar.name);
        let sum = Sum::of(mine.iter().copied());
        assert_eq!(bar.damage, sum.damage, "{} damage", bar.name);
        assert_eq!(bar.kills, sum.kills, "{} kills", bar.name);
        // The squad the detector stored on his lines.
        let squads: BTreeSet<Option<&str>> = mine.iter().map(|l| l.squad).collect();
        assert_eq!(squads.len(), 1, "{} keeps one squad all night", bar.name);
        assert_eq!(bar.squad.as_deref(), mine[0].squad, "{}", bar.name);
        // ...and the reply's table says the same.
        let row = table.iter().find(|r| r["player"] == bar.name).unwrap();
        assert_eq!(row["damage"], bar.damage.to_string());
        assert_eq!(row["K"], bar.kills.to_string());
        assert_eq!(Some(row["squad"].as_str()), bar.squad.as_deref());
    }

    // The score: one step per map in play order, ending at the description's score.
    let Chart::SessionScore(score) = &charts[1].1 else {
        panic!("{:?}", charts[1].1.kind())
    };
    let mut maps: Vec<&str> = Vec::new();
    for line in &all {
        if line.round.round == 1 && maps.last() != Some(&line.round.map.as_str()) {
            maps.push(&line.round.map);
        }
    }
    assert_eq!(
        score
            .maps
            .iter()
            .map(|m| m.map.as_str())
            .collect::<Vec<_>>(),
        maps
    );
    let mut before = (0, 0);
    for map in &score.maps {
        let gained = (map.a - before.0) + (map.b - before.1);
        assert!(
            map.a >= before.0 && map.b >= before.1 && gained <= 1,
            "{map:?}"
        );
        before = (map.a, map.b);
    }
    let description = reply.pages[0].description.as_deref().unwrap();
    assert!(
        description.contains(&format!(
            "Score: Squad A {} : {} Squad B",
            before.0, before.1
        )),
        "{description}"
    );

    // DPM over the night: the running DPM after each of his rounds, ending at
    // the night's DPM; the best 8 of those in at least half the rounds.
    let Chart::SessionDpm(dpm) = &charts[2].1 else {
        panic!("{:?}", charts[2].1.kind())
    };
    let rounds: Vec<&ExportedRound> = s.export.sessions[0]
        .rounds
        .iter()
        .filter(|r| r.round_only)
        .collect();
    assert_eq!(
        dpm.rounds,
        rounds
            .iter()
            .map(|r| format!("{}\nR{}", r.map, r.round))
            .collect::<Vec<_>>()
    );
    let min_rounds = rounds.len().div_ceil(2) as i64;
    let mut regulars: Vec<(String, f64)> = players
        .iter()
        .map(|name| (name.clone(), Sum::of(named(&all, name))))
        .filter(|(_, sum)| sum.rounds >= min_rounds)
        .map(|(name, sum)| (name, sum.dpm()))
        .collect();
    regulars.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| a.0.to_lowercase().cmp(&b.0.to_lowercase()))
    });
    assert_eq!(
        dpm.players
            .iter()
            .map(|p| p.name.clone())
            .collect::<Vec<_>>(),
        regulars
            .iter()
            .take(8)
            .map(|(n, _)| n.clone())
            .collect::<Vec<_>>()
    );
    for line in &dpm.players {
        let mine = named(&all, &line.name);
        assert_eq!(
            line.points.len(),
            mine.len(),
            "{}: a point per round",
            line.name
        );
        for (point, upto) in line.points.iter().zip(1..) {
            let so_far = Sum::of(mine.iter().copied().take(upto));
            assert_eq!(
                rounds[point.round].file,
                mine[upto - 1].round.file,
                "{}",
                line.name
            );
            assert!(close(point.dpm, so_far.dpm()), "{} after {upto}", line.name);
        }
        let row = table.iter().find(|r| r["player"] == line.name).unwrap();
        assert_eq!(
            row["DPM"],
            format!("{:.1}", line.points.last().unwrap().dpm)
        );
    }
}

// ---------------------------------------------------------------------------
// player_trends, player_history

#[tokio::test(flavor = "multi_thread")]
async fn trends_and_activity_follow_the_sessions() {
    let s = sample(true).await;
    let all = lines(&s.export);
    let sessions: Vec<&str> = s.export.sessions.iter().map(|x| x.id.as_str()).collect();
    assert_eq!(sessions.len(), 4);
    for name in ["Slomix", "Jäger", "Mïx🎯"] {
        let mine = named(&all, name);
        let per_session: Vec<Sum> = sessions
            .iter()
            .map(|id| Sum::of(mine.iter().copied().filter(|l| l.session == *id)))
            .collect();

        let reply = ask(&s.store, &format!("player_trends {name}")).await;
        let charts = attached(&reply);
        assert_eq!(charts.len(), 1);
        let Chart::PlayerTrends(trends) = &charts[0].1 else {
            panic!("{:?}", charts[0].1.kind())
        };
        assert_eq!(trends.rolling, 3);
        assert_eq!(trends.sessions.len(), 4, "{name}");
        let table = rows(&reply);
        for (index, point) in trends.sessions.iter().enumerate() {
            let sum = &per_session[index];
            let from = (index + 1).saturating_sub(3);
            let rolling = Sum::of(
                mine.iter()
                    .copied()
                    .filter(|l| sessions[from..=index].contains(&l.session)),
            );
            assert!(close(point.kd, sum.kd()), "{name} {index} kd");
            assert!(close(point.dpm, sum.dpm()), "{name} {index} dpm");
            assert!(close(point.accuracy, sum.accuracy()), "{name} {index} acc");
            assert!(
                close(point.kd_rolling, rolling.kd()),
                "{name} {index} kd(3)"
            );
            assert!(
                close(point.dpm_rolling, rolling.dpm()),
                "{name} {index} dpm(3)"
            );
            assert!(
                close(point.accuracy_rolling, rolling.accuracy()),
                "{name} {index} acc(3)"
            );
            let row = &table[index];
            assert_eq!(row["Session"], point.label);
            assert_eq!(row["K/D"], format!("{:.2}", point.kd));
            assert_eq!(row["DPM"], format!("{:.1}", point.dpm));
            assert_eq!(row["DPM(3)"], format!("{:.1}", point.dpm_rolling));
            assert_eq!(row["Acc(3)"], format!("{:.1}%", point.accuracy_rolling));
        }

        let reply = ask(&s.store, &format!("player_history {name}")).await;
        let charts = attached(&reply);
        let Chart::PlayerActivity(activity) = &charts[0].1 else {
            panic!("{:?}", charts[0].1.kind())
        };
        let mut per_day: BTreeMap<String, u32> = BTreeMap::new();
        for line in &mine {
            *per_day
                .entry(line.round.played_at[..10].to_owned())
                .or_default() += 1;
        }
        let shown: BTreeMap<String, u32> = activity
            .days
            .iter()
            .map(|d| (d.day.to_string(), d.rounds))
            .collect();
        assert_eq!(shown, per_day, "{name}");
        let history_rounds: u32 = rows(&reply)
            .iter()
            .map(|r| r["Rounds"].parse::<u32>().unwrap())
            .sum();
        assert_eq!(shown.values().sum::<u32>(), history_rounds, "{name}");
    }
}

// ---------------------------------------------------------------------------
// compare_players, player_weapons

#[tokio::test(flavor = "multi_thread")]
async fn the_comparison_chart_holds_the_compared_numbers() {
    let s = sample(false).await;
    let all = lines(&s.export);
    let reply = ask(&s.store, "compare_players Slomix vs Nova").await;
    let charts = attached(&reply);
    assert_eq!(charts[0].0, "slomix-vs-nova.png");
    let Chart::PlayerComparison(chart) = &charts[0].1 else {
        panic!("{:?}", charts[0].1.kind())
    };
    assert_eq!((chart.a.as_str(), chart.b.as_str()), ("Slomix", "Nova"));
    let table = rows(&reply);
    assert_eq!(chart.metrics.len(), 10);
    assert_eq!(table.len(), 10);
    for (metric, row) in chart.metrics.iter().zip(&table) {
        assert_eq!(metric.label, row["Metric"]);
        assert_eq!(metric.a_text, row["Slomix"], "{}", metric.label);
        assert_eq!(metric.b_text, row["Nova"], "{}", metric.label);
        let better = match metric.a_is_better() {
            None => "even".to_owned(),
            Some(true) => "◀ Slomix".to_owned(),
            Some(false) => "Nova ▶".to_owned(),
        };
        assert_eq!(better, row["Better"], "{}", metric.label);
    }
    let value = |label: &str| {
        let m = chart.metrics.iter().find(|m| m.label == label).unwrap();
        (m.a, m.b)
    };
    let (a, b) = (Sum::of(named(&all, "Slomix")), Sum::of(named(&all, "Nova")));
    assert_eq!(value("Kills"), (a.kills as f64, b.kills as f64));
    assert_eq!(value("Deaths"), (a.deaths as f64, b.deaths as f64));
    assert_eq!(value("Damage"), (a.damage as f64, b.damage as f64));
    let (kd, dpm, acc) = (value("K/D"), value("DPM"), value("Accuracy %"));
    assert!(close(kd.0, a.kd()) && close(kd.1, b.kd()));
    assert!(close(dpm.0, a.dpm()) && close(dpm.1, b.dpm()));
    assert!(close(acc.0, a.accuracy()) && close(acc.1, b.accuracy()));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_weapons_chart_sums_the_weapon_table() {
    let s = sample(false).await;
    let all = lines(&s.export);
    for name in ["Nova", "Slomix", "video"] {
        let mine = named(&all, name);
        let reply = ask(&s.store, &format!("player_weapons {name}")).await;
        let charts = attached(&reply);
        let Chart::PlayerWeapons(chart) = &charts[0].1 else {
            panic!("{:?}", charts[0].1.kind())
        };
        // Every weapon he used, in the table's order, with the table's numbers.
        let table = rows(&reply);
        assert_eq!(chart.weapons.len(), table.len(), "{name}");
        for (weapon, row) in chart.weapons.iter().zip(&table) {
            assert_eq!(weapon.name, row["Weapon"]);
            assert_eq!(weapon.kills.to_string(), row["Kills"]);
            assert_eq!(
                format!("{}/{}", weapon.hits, weapon.shots),
                row["Hits/Shots"]
            );
            assert_eq!(format!("{:.1}%", weapon.accuracy), row["Acc"]);
        }
        // Over all weapons: the export's kills, hits and shots.
        let sum = Sum::of(mine.iter().copied());
        let total =
            |f: fn(&etl_charts::WeaponLine) -> i64| chart.weapons.iter().map(f).sum::<i64>();
        assert_eq!(total(|w| w.kills), sum.kills, "{name}");
        assert_eq!(total(|w| w.hits), sum.hits, "{name}");
        assert_eq!(total(|w| w.shots), sum.shots, "{name}");
        let used: BTreeSet<_> = mine
            .iter()
            .flat_map(|l| l.player.weapons.iter().map(|(w, _)| w))
            .collect();
        assert_eq!(chart.weapons.len(), used.len(), "{name}");
    }
}

// ---------------------------------------------------------------------------
// team_vs_team, team_history

#[tokio::test(flavor = "multi_thread")]
async fn squad_charts_follow_the_score_tables() {
    let s = sample(true).await;

    let reply = ask(&s.store, "team_vs_team 2025-11-02-201530").await;
    let charts_vs = attached(&reply);
    assert_eq!(charts_vs[0].0, "squads-2025-11-02-201530-score.png");
    let Chart::SessionScore(score) = &charts_vs[0].1 else {
        panic!("{:?}", charts_vs[0].1.kind())
    };
    let table = rows(&reply);
    assert_eq!(score.maps.len(), table.len());
    for (map, row) in score.maps.iter().zip(&table) {
        assert_eq!(map.map, row["map"]);
        assert_eq!(format!("{}-{}", map.a, map.b), row["A-B"]);
    }
    // The same night's summary scores it the same way.
    let summary = ask(&s.store, "last_session 2025-11-02-201530").await;
    let summary_charts = attached(&summary);
    let Chart::SessionScore(summary_score) = &summary_charts[1].1 else {
        panic!("{:?}", summary_charts[1].1.kind())
    };
    assert_eq!(summary_score.maps, score.maps);

    let reply = ask(&s.store, "team_history").await;
    let charts_history = attached(&reply);
    assert_eq!(charts_history[0].0, "squads-history.png");
    let Chart::SquadResults(results) = &charts_history[0].1 else {
        panic!("{:?}", charts_history[0].1.kind())
    };
    let table = rows(&reply);
    assert_eq!(results.sessions.len(), 4);
    assert_eq!(results.sessions.len(), table.len());
    for (session, row) in results.sessions.iter().zip(&table) {
        assert_eq!(session.label.replace('\n', " "), {
            let id = &row["session"];
            format!("{} {}:{}", &id[..10], &id[11..13], &id[13..15])
        });
        assert_eq!(session.won.to_string(), row["A"]);
        assert_eq!(session.lost.to_string(), row["B"]);
        assert_eq!(session.open.to_string(), row["open"]);
        assert_eq!(
            (session.won + session.lost + session.open).to_string(),
            row["maps"]
        );
    }
    let rates = results.running_win_rate();
    let (won, decided) = results
        .sessions
        .iter()
        .fold((0, 0), |(w, d), s| (w + s.won, d + s.won + s.lost));
    assert!(close(
        rates.last().unwrap().unwrap(),
        f64::from(won) * 100.0 / f64::from(decided)
    ));

    let reply = ask(&s.store, "team_history Slomix").await;
    let charts_player = attached(&reply);
    let Chart::SquadResults(his) = &charts_player[0].1 else {
        panic!("{:?}", charts_player[0].1.kind())
    };
    for (session, row) in his.sessions.iter().zip(rows(&reply)) {
        let maps = row["maps"].clone();
        let (_, score) = maps.split_once(' ').unwrap();
        assert_eq!(score, format!("{}-{}", session.won, session.lost));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn charts_are_the_same_bytes_on_every_run() {
    let s = sample(false).await;
    for line in [
        "last_session",
        "player_trends Slomix",
        "compare_players Slomix vs Nova",
    ] {
        let first = ask(&s.store, line).await;
        let second = ask(&s.store, line).await;
        assert!(!first.attachments.is_empty(), "{line}");
        assert_eq!(first.attachments, second.attachments, "{line}");
    }
}
