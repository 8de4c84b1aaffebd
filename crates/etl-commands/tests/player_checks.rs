//! The Player family's numbers, checked against sums made here: from the
//! store's export (the parser's players, round by round) and from the round
//! files themselves (winners, sides), never from the command code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use etl_commands::Reply;
use etl_parser::{Player, Round, Side, Weapon};
use etl_store::testing::{TestDb, repo_root, round_files};
use etl_store::{Export, ExportedRound, Store};
use support::{reply, sample_store};

// ---------------------------------------------------------------------------
// The expected side: the export and the files.

/// One human's line in one round, with what the round file says about it.
struct Line<'a> {
    round: &'a ExportedRound,
    player: &'a Player,
    /// Did his side win? `None` without a winner.
    won: Option<bool>,
}

/// Per round file: the winner, and each player's side.
type Facts = HashMap<String, (Option<Side>, HashMap<String, Option<Side>>)>;

/// Winner and sides per round file, read straight from the files.
fn file_facts(dir: &Path) -> Facts {
    round_files(dir)
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap().to_owned();
            let round = Round::parse_named(&name, &std::fs::read(&path).unwrap()).unwrap();
            let sides = round
                .players
                .iter()
                .map(|p| (key(p), p.team.and_then(|t| t.side())))
                .collect();
            (name, (round.header.winner, sides))
        })
        .collect()
}

/// Players are told apart by GUID and, for bots (who share one), name.
fn key(player: &Player) -> String {
    format!("{}/{}", player.guid, player.name.clean())
}

fn lines<'a>(export: &'a Export, facts: &Facts) -> Vec<Line<'a>> {
    let mut out = Vec::new();
    for session in &export.sessions {
        for round in &session.rounds {
            let (winner, sides) = &facts[&round.file];
            for exported in &round.players {
                let player = &exported.player;
                let won = match (winner, sides[&key(player)]) {
                    (Some(winner), Some(side)) => Some(*winner == side),
                    _ => None,
                };
                out.push(Line { round, player, won });
            }
        }
    }
    out
}

fn of<'a, 'b>(all: &'b [Line<'a>], name: &str) -> Vec<&'b Line<'a>> {
    let found: Vec<_> = all
        .iter()
        .filter(|l| l.player.name.clean() == name)
        .collect();
    assert!(!found.is_empty(), "{name} is in the sample");
    found
}

/// Sums over a player's lines.
#[derive(Default, Debug)]
struct Sum {
    rounds: i64,
    kills: i64,
    deaths: i64,
    hits: i64,
    shots: i64,
    damage: i64,
    seconds: i64,
    revives: i64,
    wins: i64,
    losses: i64,
}

impl Sum {
    fn of<'a>(lines: impl IntoIterator<Item = &'a Line<'a>>) -> Self {
        let mut sum = Self::default();
        for line in lines {
            let p = line.player;
            sum.rounds += 1;
            sum.kills += p.kills();
            sum.deaths += p.deaths();
            sum.hits += p.hits();
            sum.shots += p.shots();
            sum.damage += p.stats.damage_given;
            sum.seconds += p.stats.time_played_s;
            sum.revives += p.stats.revives_given.unwrap_or(0);
            match line.won {
                Some(true) => sum.wins += 1,
                Some(false) => sum.losses += 1,
                None => {}
            }
        }
        sum
    }

    fn kd(&self) -> String {
        format!("{:.2}", self.kills as f64 / self.deaths.max(1) as f64)
    }

    fn dpm(&self) -> String {
        format!("{:.1}", self.damage as f64 * 60.0 / self.seconds as f64)
    }

    fn accuracy(&self) -> String {
        format!(
            "{:.1}% ({}/{})",
            self.hits as f64 * 100.0 / self.shots as f64,
            self.hits,
            self.shots
        )
    }

    fn win_rate(&self) -> String {
        format!(
            "{:.1}%",
            self.wins as f64 * 100.0 / (self.wins + self.losses) as f64
        )
    }

    fn won_lost(&self) -> String {
        format!("{}-{}", self.wins, self.losses)
    }
}

// ---------------------------------------------------------------------------
// The reply side: values found in fields, descriptions and tables.

/// The value after `key: ` on any line of any field of the reply.
fn value(reply: &Reply, key: &str) -> String {
    let prefix = format!("{key}: ");
    reply
        .pages
        .iter()
        .flat_map(|p| &p.fields)
        .flat_map(|f| f.value.lines())
        .find_map(|line| line.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no `{key}` in\n{}", reply.to_text()))
        .to_owned()
}

/// The field's whole text.
fn field(reply: &Reply, name: &str) -> String {
    reply
        .pages
        .iter()
        .flat_map(|p| &p.fields)
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no field `{name}` in\n{}", reply.to_text()))
        .value
        .clone()
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

/// The row whose first column is `first`.
fn row(reply: &Reply, first: &str) -> BTreeMap<String, String> {
    let header = reply
        .pages
        .iter()
        .find_map(|p| p.table.as_ref())
        .expect("a table")
        .headers[0]
        .clone();
    rows(reply)
        .into_iter()
        .find(|r| r[&header] == first)
        .unwrap_or_else(|| panic!("no row `{first}` in\n{}", reply.to_text()))
}

async fn ask(store: &Store, line: &str) -> Reply {
    reply(store, line)
        .await
        .unwrap_or_else(|e| panic!("`{line}` failed: {e}"))
}

struct Sample {
    store: Store,
    export: Export,
    facts: Facts,
    _db: TestDb,
}

async fn sample() -> Sample {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let export = store.export().await.unwrap();
    Sample {
        store,
        export,
        facts: file_facts(&repo_root().join("testdata/sample-night")),
        _db: db,
    }
}

const PLAYERS: [&str; 12] = [
    "Slomix",
    "video",
    "car^ot",
    "Moon^",
    "///M.",
    "Jäger",
    "Oxide",
    "Nova",
    "Ødegaard",
    "Tiger King",
    "Rook",
    "Mïx🎯",
];

// ---------------------------------------------------------------------------
// The checks.

#[tokio::test(flavor = "multi_thread")]
async fn player_stats_of_every_player_are_the_sums_of_his_rounds() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    for name in PLAYERS {
        let mine = of(&all, name);
        let sum = Sum::of(mine.iter().copied());
        let reply = ask(&s.store, &format!("player_stats \"{name}\"")).await;
        assert_eq!(value(&reply, "Rounds"), sum.rounds.to_string(), "{name}");
        assert_eq!(value(&reply, "Kills"), sum.kills.to_string(), "{name}");
        assert_eq!(value(&reply, "Deaths"), sum.deaths.to_string(), "{name}");
        assert_eq!(value(&reply, "K/D"), sum.kd(), "{name}");
        assert_eq!(value(&reply, "DPM"), sum.dpm(), "{name}");
        assert_eq!(
            value(&reply, "Damage given"),
            sum.damage.to_string(),
            "{name}"
        );
        assert_eq!(value(&reply, "Accuracy"), sum.accuracy(), "{name}");
        assert_eq!(value(&reply, "Revives"), sum.revives.to_string(), "{name}");
        assert_eq!(
            value(&reply, "Win rate"),
            format!("{} ({})", sum.win_rate(), sum.won_lost()),
            "{name}"
        );
        let maps: BTreeSet<&str> = mine.iter().map(|l| l.round.map.as_str()).collect();
        assert_eq!(value(&reply, "Maps"), maps.len().to_string(), "{name}");
        let xp: i64 = mine.iter().map(|l| l.player.stats.xp).sum();
        assert_eq!(value(&reply, "XP"), xp.to_string(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_narrows_the_sums_and_an_empty_one_says_so() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let sum = Sum::of(of(&all, "Slomix"));
    let day = ask(&s.store, "!stats slomix 2025-11-02").await;
    assert_eq!(value(&day, "Kills"), sum.kills.to_string());
    let empty = ask(&s.store, "player_stats Slomix 2025-10").await;
    let text = empty.to_text();
    assert!(text.contains("played no rounds in 2025-10"), "{text}");
    assert!(text.contains("last seen 2025-11-02 22:09"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn weapons_are_summed_per_weapon_and_sorted_by_kills() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    for name in ["Nova", "Slomix", "video"] {
        let mut sums: BTreeMap<Weapon, (i64, i64, i64, i64)> = BTreeMap::new();
        for line in of(&all, name) {
            for (weapon, w) in line.player.weapons.iter() {
                let sum = sums.entry(weapon).or_default();
                sum.0 += w.kills;
                sum.1 += w.hits;
                sum.2 += w.shots;
                sum.3 += w.headshots;
            }
        }
        let reply = ask(&s.store, &format!("player_weapons {name}")).await;
        let table = rows(&reply);
        assert_eq!(
            table.len(),
            sums.len(),
            "one row per weapon used\n{}",
            reply.to_text()
        );
        let kills: Vec<i64> = table.iter().map(|r| r["Kills"].parse().unwrap()).collect();
        assert!(
            kills.windows(2).all(|w| w[0] >= w[1]),
            "sorted by kills: {kills:?}"
        );
        assert_eq!(kills.iter().sum::<i64>(), Sum::of(of(&all, name)).kills);
        for (weapon, shown) in [(Weapon::Mp40, "MP40"), (Weapon::Thompson, "Thompson")] {
            let Some((k, hits, shots, hs)) = sums.get(&weapon) else {
                continue;
            };
            let r = row(&reply, shown);
            assert_eq!(r["Kills"], k.to_string(), "{name} {shown}");
            assert_eq!(r["Hits/Shots"], format!("{hits}/{shots}"), "{name} {shown}");
            assert_eq!(r["HS"], hs.to_string(), "{name} {shown}");
            assert_eq!(
                r["Acc"],
                format!("{:.1}%", *hits as f64 * 100.0 / *shots as f64)
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn maps_count_rounds_and_sum_per_map() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let mine = of(&all, "car^ot");
    let reply = ask(&s.store, "player_maps car^ot").await;
    let maps: BTreeSet<&str> = mine.iter().map(|l| l.round.map.as_str()).collect();
    assert_eq!(rows(&reply).len(), maps.len());
    for map in maps {
        let sum = Sum::of(mine.iter().copied().filter(|l| l.round.map == map));
        let r = row(&reply, map);
        assert_eq!(r["Rounds"], sum.rounds.to_string(), "{map}");
        assert_eq!(r["Kills"], sum.kills.to_string(), "{map}");
        assert_eq!(r["K/D"], sum.kd(), "{map}");
        assert_eq!(r["DPM"], sum.dpm(), "{map}");
        assert_eq!(r["Win%"], sum.win_rate(), "{map}");
        assert_eq!(r["W-L"], sum.won_lost(), "{map}");
    }
}

/// Per other player: (rounds together, the subject's lines in those rounds).
fn together<'a, 'b>(
    all: &'b [Line<'a>],
    subject: &str,
    opponents: bool,
) -> BTreeMap<String, Vec<&'b Line<'a>>> {
    let mut out: BTreeMap<String, Vec<&Line>> = BTreeMap::new();
    for mine in of(all, subject) {
        let my_side = mine.player.team.and_then(|t| t.side()).unwrap();
        for other in all.iter().filter(|l| std::ptr::eq(l.round, mine.round)) {
            let name = other.player.name.clean();
            let Some(side) = other.player.team.and_then(|t| t.side()) else {
                continue;
            };
            if name != subject && (side != my_side) == opponents {
                out.entry(name).or_default().push(mine);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn rivals_are_the_other_side_of_the_same_rounds() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    for subject in ["Slomix", "Nova"] {
        let expected = together(&all, subject, true);
        let reply = ask(&s.store, &format!("player_rivals {subject}")).await;
        assert_eq!(rows(&reply).len(), expected.len(), "{}", reply.to_text());
        for (name, mine) in &expected {
            let sum = Sum::of(mine.iter().copied());
            let r = row(&reply, name);
            assert_eq!(r["Rounds"], sum.rounds.to_string(), "{subject} vs {name}");
            assert_eq!(r["K/D"], sum.kd(), "{subject} vs {name}");
            assert_eq!(r["W-L"], sum.won_lost(), "{subject} vs {name}");
            let theirs: Vec<&Line> = all
                .iter()
                .filter(|l| {
                    l.player.name.clean() == *name
                        && mine.iter().any(|m| std::ptr::eq(m.round, l.round))
                })
                .collect();
            assert_eq!(r["Their K/D"], Sum::of(theirs).kd(), "{subject} vs {name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn teammates_win_rate_is_counted_from_the_round_winners() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    for subject in ["Slomix", "Oxide"] {
        let expected = together(&all, subject, false);
        let reply = ask(&s.store, &format!("player_teammates {subject}")).await;
        assert_eq!(rows(&reply).len(), expected.len(), "{}", reply.to_text());
        let mut last = f64::INFINITY;
        for r in rows(&reply) {
            let rate: f64 = r["Win%"].trim_end_matches('%').parse().unwrap();
            assert!(rate <= last, "best win rate first");
            last = rate;
        }
        for (name, mine) in &expected {
            let sum = Sum::of(mine.iter().copied());
            let r = row(&reply, name);
            assert_eq!(r["Rounds"], sum.rounds.to_string(), "{subject} + {name}");
            assert_eq!(r["Win%"], sum.win_rate(), "{subject} + {name}");
            assert_eq!(r["W-L"], sum.won_lost(), "{subject} + {name}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn compare_puts_both_sums_side_by_side_and_marks_the_better() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let (a, b) = (Sum::of(of(&all, "Slomix")), Sum::of(of(&all, "Nova")));
    let reply = ask(&s.store, "compare_players Slomix vs Nova").await;
    let kills = row(&reply, "Kills");
    assert_eq!(kills["Slomix"], a.kills.to_string());
    assert_eq!(kills["Nova"], b.kills.to_string());
    let deaths = row(&reply, "Deaths");
    assert_eq!(deaths["Slomix"], a.deaths.to_string());
    assert_eq!(deaths["Nova"], b.deaths.to_string());
    let fewer = if a.deaths < b.deaths {
        "Slomix"
    } else {
        "Nova"
    };
    assert!(deaths["Better"].contains(fewer), "fewer deaths is better");
    let kd = row(&reply, "K/D");
    assert_eq!((kd["Slomix"].clone(), kd["Nova"].clone()), (a.kd(), b.kd()));
    let more = if a.kd() > b.kd() { "Slomix" } else { "Nova" };
    assert!(kd["Better"].contains(more));
    assert_eq!(rows(&reply).len(), 10, "ten metrics");
}

#[tokio::test(flavor = "multi_thread")]
async fn recent_shows_the_last_rounds_newest_first() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let mine = of(&all, "Oxide");
    let reply = ask(&s.store, "player_recent Oxide 3").await;
    let shown = rows(&reply);
    assert_eq!(shown.len(), 3);
    for (r, line) in shown.iter().zip(mine.iter().rev()) {
        assert_eq!(r["Map"], line.round.map);
        assert_eq!(r["Rd"], line.round.round.to_string());
        assert_eq!(r["K"], line.player.kills().to_string());
        assert_eq!(r["D"], line.player.deaths().to_string());
        assert_eq!(r["Damage"], line.player.stats.damage_given.to_string());
        assert_eq!(r["Played"], line.round.played_at[..16]);
    }
    assert_eq!(rows(&ask(&s.store, "player_recent Oxide").await).len(), 8);
}

#[tokio::test(flavor = "multi_thread")]
async fn objectives_support_and_combat_are_the_sums_of_their_counters() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let total = |name: &str, f: fn(&Player) -> i64| -> String {
        of(&all, name)
            .iter()
            .map(|l| f(l.player))
            .sum::<i64>()
            .to_string()
    };

    let reply = ask(&s.store, "player_objectives Oxide").await;
    assert_eq!(
        value(&reply, "Dynamites planted"),
        total("Oxide", |p| p.stats.dynamites_planted)
    );
    assert_eq!(
        value(&reply, "Stolen"),
        total("Oxide", |p| p.stats.objectives_stolen)
    );
    let planted_per_map: i64 = rows(&reply)
        .iter()
        .map(|r| r["Planted"].parse::<i64>().unwrap())
        .sum();
    assert_eq!(
        planted_per_map.to_string(),
        total("Oxide", |p| p.stats.dynamites_planted)
    );

    let reply = ask(&s.store, "player_support Mïx🎯").await;
    let support = field(&reply, "Support");
    assert!(support.contains(&format!(
        "Revives given: {}",
        total("Mïx🎯", |p| p.stats.revives_given.unwrap_or(0))
    )));
    assert!(support.contains(&format!(
        "Repairs/constructions: {}",
        total("Mïx🎯", |p| p.stats.repairs_constructions.unwrap_or(0))
    )));
    assert!(support.contains(&format!(
        "Kill assists: {}",
        total("Mïx🎯", |p| p.stats.kill_assists)
    )));
    assert_eq!(
        field(&reply, "Team damage").lines().next().unwrap(),
        format!("Given: {}", total("Mïx🎯", |p| p.stats.team_damage_given))
    );

    let reply = ask(&s.store, "player_combat ///M.").await;
    assert_eq!(value(&reply, "Gibs"), total("///M.", |p| p.stats.gibs));
    assert_eq!(
        value(&reply, "Self kills"),
        total("///M.", |p| p.stats.self_kills)
    );
    assert_eq!(
        value(&reply, "Headshot kills"),
        total("///M.", |p| p.stats.headshot_kills)
    );
    let spree = of(&all, "///M.")
        .iter()
        .map(|l| l.player.stats.killing_spree)
        .max()
        .unwrap();
    assert_eq!(value(&reply, "Best killing spree"), spree.to_string());
    let multi = field(&reply, "Multikills");
    assert!(multi.starts_with(&format!(
        "2x: {} · 3x: {}",
        total("///M.", |p| p.stats.multikill_2),
        total("///M.", |p| p.stats.multikill_3)
    )));
}

#[tokio::test(flavor = "multi_thread")]
async fn consistency_is_the_spread_of_per_round_values() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let kills: Vec<f64> = of(&all, "Slomix")
        .iter()
        .map(|l| l.player.kills() as f64)
        .collect();
    let n = kills.len() as f64;
    let mean = kills.iter().sum::<f64>() / n;
    let sd = (kills.iter().map(|k| (k - mean).powi(2)).sum::<f64>() / n).sqrt();
    let reply = ask(&s.store, "player_consistency Slomix").await;
    let r = row(&reply, "Kills");
    assert_eq!(r["Mean"], format!("{mean:.1}"));
    assert_eq!(r["Std dev"], format!("{sd:.1}"));
    assert_eq!(r["CV"], format!("{:.1}%", sd / mean * 100.0));
    let max = kills.iter().copied().fold(0.0, f64::max);
    assert_eq!(r["Max"], format!("{max:.1}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn history_trends_and_efficiency_come_from_the_same_sums() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let sum = Sum::of(of(&all, "Slomix"));
    let session = &s.export.sessions[0];
    let started = &session.rounds[0].played_at[..16];

    let history = ask(&s.store, "player_history Slomix").await;
    let r = row(&history, started);
    assert_eq!(r["Rounds"], sum.rounds.to_string());
    assert_eq!(r["Kills"], sum.kills.to_string());
    assert_eq!(r["K/D"], sum.kd());
    assert_eq!(r["DPM"], sum.dpm());

    let trends = ask(&s.store, "player_trends Slomix").await;
    let r = row(&trends, started);
    assert_eq!(r["K/D"], sum.kd());
    assert_eq!(
        r["K/D(3)"],
        sum.kd(),
        "one session: the rolling sums are the same"
    );
    assert_eq!(r["Acc"], sum.accuracy().split(' ').next().unwrap());

    let rook = Sum::of(of(&all, "Rook"));
    let everyone = Sum::of(all.iter());
    let reply = ask(&s.store, "player_efficiency Rook").await;
    let r = row(&reply, "Kills per minute");
    assert_eq!(
        r["Rook"],
        format!("{:.2}", rook.kills as f64 * 60.0 / rook.seconds as f64)
    );
    assert_eq!(row(&reply, "K/D")["Everyone"], everyone.kd());
    assert_eq!(row(&reply, "DPM")["Everyone"], everyone.dpm());
}

#[tokio::test(flavor = "multi_thread")]
async fn achievements_are_dated_by_the_round_that_reached_them() {
    let s = sample().await;
    let all = lines(&s.export, &s.facts);
    let mine = of(&all, "Slomix");
    let mut revives = 0;
    let reached = mine
        .iter()
        .find(|l| {
            revives += l.player.stats.revives_given.unwrap_or(0);
            revives >= 25
        })
        .expect("Slomix has 25 revives");
    let reply = ask(&s.store, "player_achievements Slomix").await;
    let milestones = field(&reply, "Milestones reached");
    assert!(
        milestones.contains(&format!(
            "25 revives given — {}",
            &reached.round.played_at[..10]
        )),
        "{milestones}"
    );
    let kills: i64 = mine.iter().map(|l| l.player.kills()).sum();
    assert!(field(&reply, "Next milestones").contains(&format!("kills: {kills}/50 ")));
    let triple = mine
        .iter()
        .find(|l| l.player.stats.multikill_3 > 0)
        .expect("a triple kill");
    let feats = field(&reply, "Single-round feats");
    assert!(
        feats.contains(&format!(
            "Triple kill (three kills in one go): first {} R{}",
            triple.round.map, triple.round.round
        )),
        "{feats}"
    );
    let best = mine.iter().map(|l| l.player.kills()).max().unwrap();
    assert!(field(&reply, "Best single rounds").starts_with(&format!("Kills: {best} in ")));
}

#[tokio::test(flavor = "multi_thread")]
async fn bots_are_left_out_unless_named() {
    let db = TestDb::sqlite();
    let store = sample_store(&db).await;
    let extra: Vec<_> = round_files(&repo_root().join("testdata/parser"))
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("2025-11-07-"))
        .collect();
    assert_eq!(extra.len(), 2, "the goldrush pair with bots");
    for path in &extra {
        let name = path.file_name().unwrap().to_str().unwrap();
        store
            .import_file(name, &std::fs::read(path).unwrap())
            .await
            .unwrap();
    }
    let export = store.export().await.unwrap();
    let mut facts = file_facts(&repo_root().join("testdata/sample-night"));
    facts.extend(file_facts(&repo_root().join("testdata/parser")));
    let all = lines(&export, &facts);
    let night: Vec<&Line> = all
        .iter()
        .filter(|l| l.round.played_at.starts_with("2025-11-07"))
        .collect();
    let bots: BTreeSet<String> = night
        .iter()
        .filter(|l| l.player.is_bot())
        .map(|l| l.player.name.clean())
        .collect();
    assert!(!bots.is_empty(), "the pair has bots");

    let rivals = ask(&store, "player_rivals video 2025-11-07").await;
    assert!(!rows(&rivals).is_empty());
    for r in rows(&rivals) {
        assert!(!bots.contains(&r["Opponent"]), "{}", rivals.to_text());
    }

    let humans = Sum::of(night.iter().copied().filter(|l| !l.player.is_bot()));
    let reply = ask(&store, "player_efficiency video 2025-11-07").await;
    assert_eq!(row(&reply, "K/D")["Everyone"], humans.kd());

    let bot = bots.iter().next().unwrap();
    let sum = Sum::of(
        night
            .iter()
            .copied()
            .filter(|l| l.player.name.clean() == *bot),
    );
    let reply = ask(&store, &format!("player_stats \"{bot}\" 2025-11-07")).await;
    assert_eq!(value(&reply, "Kills"), sum.kills.to_string());
    assert_eq!(value(&reply, "Rounds"), sum.rounds.to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_arguments_are_one_line_errors_with_the_usage() {
    let s = sample().await;
    for (line, wanted) in [
        ("player_stats Slomx", "did you mean Slomix?"),
        (
            "player_stats Slomix 2025-13",
            "`2025-13` is not a time window",
        ),
        ("compare_players Slomix", "`vs`"),
        ("compare_players Slomix vs Slomix", "twice"),
        ("player_recent Oxide 0", "not a number from 1 to 50"),
    ] {
        let error = reply(&s.store, line).await.unwrap_err().to_string();
        let (message, usage) = error.split_once('\n').unwrap();
        assert!(message.contains(wanted), "{line}: {error}");
        assert!(usage.starts_with("usage: !"), "{line}: {error}");
    }
}

/// The sample night, the parser's rounds (two more sessions) and two made-up
/// sessions: supply round 1 replayed on 2025-11-21 and 2025-11-28.
async fn five_sessions(db: &TestDb, scratch: &Path) -> (Store, Facts) {
    let store = sample_store(db).await;
    std::fs::create_dir_all(scratch).unwrap();
    let original = repo_root().join("testdata/sample-night/2025-11-02-201530-supply-round-1.txt");
    let bytes = std::fs::read(original).unwrap();
    let at = bytes.windows(6).position(|w| w == b"Sample").unwrap() + 6;
    for day in ["21", "28"] {
        let name = format!("2025-11-{day}-201530-supply-round-1.txt");
        // Another server name: another file to the store.
        let changed = [&bytes[..at], format!(" {day}").as_bytes(), &bytes[at..]].concat();
        std::fs::write(scratch.join(name), changed).unwrap();
    }
    let mut files = round_files(&repo_root().join("testdata/parser"));
    files.extend(round_files(scratch));
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        store
            .import_file(name, &std::fs::read(path).unwrap())
            .await
            .unwrap();
    }
    let mut facts = file_facts(&repo_root().join("testdata/sample-night"));
    facts.extend(file_facts(&repo_root().join("testdata/parser")));
    facts.extend(file_facts(scratch));
    (store, facts)
}

#[tokio::test(flavor = "multi_thread")]
async fn history_lists_each_session_and_trends_roll_over_the_last_three() {
    let db = TestDb::sqlite();
    let scratch = std::env::temp_dir().join(format!("player-checks-{}", std::process::id()));
    let (store, facts) = five_sessions(&db, &scratch).await;
    let export = store.export().await.unwrap();
    let all = lines(&export, &facts);
    let mine = of(&all, "Slomix");
    // His sessions in order, each with his lines.
    let mut sessions: Vec<Vec<&Line>> = Vec::new();
    for session in &export.sessions {
        let lines: Vec<&Line> = mine
            .iter()
            .copied()
            .filter(|l| session.rounds.iter().any(|r| std::ptr::eq(r, l.round)))
            .collect();
        if !lines.is_empty() {
            sessions.push(lines);
        }
    }
    assert_eq!(sessions.len(), 5, "three real sessions and two made up");

    let history = ask(&store, "player_history Slomix").await;
    let shown = rows(&history);
    assert_eq!(shown.len(), 5);
    for (r, lines) in shown.iter().zip(sessions.iter().rev()) {
        let sum = Sum::of(lines.iter().copied());
        assert_eq!(r["Session"], lines[0].round.played_at[..16], "newest first");
        assert_eq!(r["Rounds"], sum.rounds.to_string());
        assert_eq!(r["Kills"], sum.kills.to_string());
        assert_eq!(r["K/D"], sum.kd());
        assert_eq!(r["DPM"], sum.dpm());
        assert_eq!(r["W-L"], sum.won_lost());
    }

    let trends = ask(&store, "player_trends Slomix").await;
    let shown = rows(&trends);
    assert_eq!(shown.len(), 5);
    for (index, r) in shown.iter().enumerate() {
        let lines = &sessions[index];
        assert_eq!(r["Session"], lines[0].round.played_at[..16], "oldest first");
        assert_eq!(r["K/D"], Sum::of(lines.iter().copied()).kd());
        let last_three = Sum::of(
            sessions[index.saturating_sub(2)..=index]
                .iter()
                .flatten()
                .copied(),
        );
        assert_eq!(r["K/D(3)"], last_three.kd(), "session {index}");
        assert_eq!(r["DPM(3)"], last_three.dpm(), "session {index}");
        assert_eq!(
            r["Acc(3)"],
            last_three.accuracy().split(' ').next().unwrap(),
            "session {index}"
        );
    }
    let text = trends.to_text();
    assert!(
        ["improving", "dropping", "steady"]
            .iter()
            .any(|w| text.contains(&format!("Form: {w}"))),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&scratch);
}
