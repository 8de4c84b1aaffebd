//! Conformance against the squads of the shared corpus
//! (`../shared/corpus/**/truth.json`): at least 99% of player lines in the
//! right squad, and no `High` assignment wrong. Skips loudly when the corpus
//! is absent; fails then when `ETL_REQUIRE_CORPUS=1`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::HashMap;
use std::path::Path;

use etl_parser::Round;
use etl_teams::{Confidence, Detection, SessionInput, Squad, detect};
use etl_testkit::corpus::{dir as corpus_dir, locate, truths};
use serde_json::Value;

const REQUIRED_SHARE: f64 = 0.99;

fn parse(night: &Path, name: &str) -> Round {
    Round::parse_named(name, &std::fs::read(locate(night, name)).unwrap())
        .unwrap_or_else(|e| panic!("{e}"))
}

fn truth_squad(value: &Value) -> Option<Squad> {
    match value.as_str() {
        Some("A") => Some(Squad::A),
        Some("B") => Some(Squad::B),
        None => None,
        Some(other) => panic!("unknown squad {other:?} in truth"),
    }
}

/// The night's round files in `files[]` order, round 2s reduced to round 2
/// alone; with each file's truth entry.
fn session_of(night: &Path, truth: &Value) -> (Vec<Round>, Vec<Value>) {
    let mut rounds = Vec::new();
    let mut entries = Vec::new();
    for file in truth["files"].as_array().unwrap() {
        if file["reject"].as_bool() == Some(true) {
            continue;
        }
        let name = file["file"].as_str().unwrap();
        let round = parse(night, name);
        let round = match file["paired_round_1_file"].as_str() {
            Some(first) if file["round"].as_i64() == Some(2) => {
                Round::round_two_only(&parse(night, first), &round).unwrap()
            }
            _ => round,
        };
        rounds.push(round);
        entries.push(file.clone());
    }
    (rounds, entries)
}

/// Our label -> truth's label: the one mapping per night that agrees most.
fn label_mapping(detection: &Detection, entries: &[Value]) -> HashMap<Squad, Squad> {
    let mut same = 0;
    let mut swapped = 0;
    for (round, entry) in detection.rounds.iter().zip(entries) {
        for (ours, truth) in round
            .players
            .iter()
            .zip(entry["players"].as_array().unwrap())
        {
            match (ours.squad, truth_squad(&truth["squad"])) {
                (Some(o), Some(t)) if o == t => same += 1,
                (Some(_), Some(_)) => swapped += 1,
                _ => {}
            }
        }
    }
    if swapped > same {
        HashMap::from([(Squad::A, Squad::B), (Squad::B, Squad::A)])
    } else {
        HashMap::from([(Squad::A, Squad::A), (Squad::B, Squad::B)])
    }
}

/// The full GUID names a human across renames; bots share theirs by slot,
/// so their name is added.
fn player_id(truth: &Value) -> String {
    let guid = truth["guid_full"].as_str().unwrap();
    if truth["is_bot"].as_bool() == Some(true) {
        format!("{guid}:{}", truth["name_clean"]["b64"])
    } else {
        guid.to_owned()
    }
}

#[derive(Default)]
struct Tally {
    lines: usize,
    correct: usize,
    high: usize,
    wrong_high: usize,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.lines += other.lines;
        self.correct += other.correct;
        self.high += other.high;
        self.wrong_high += other.wrong_high;
    }

    fn share(&self) -> f64 {
        self.correct as f64 / self.lines.max(1) as f64
    }

    fn report(&self, what: &str) {
        eprintln!(
            "{what}: {} player-rounds, {} correct ({:.2}%), {} High, {} High wrong",
            self.lines,
            self.correct,
            self.share() * 100.0,
            self.high,
            self.wrong_high
        );
    }
}

#[test]
fn squads_match_the_corpus_truth() {
    let Some(dir) = corpus_dir() else { return };
    let mut overall = Tally::default();
    let mut failures = Vec::new();
    for (night, truth) in truths(&dir) {
        let night_id = truth["night_id"].as_str().unwrap().to_owned();
        let (rounds, entries) = session_of(&night, &truth);
        let session = SessionInput::from_rounds(&rounds).unwrap();
        let detection = detect(&session).unwrap();
        assert_eq!(detection.rounds.len(), entries.len());
        let mapping = label_mapping(&detection, &entries);
        let map = |squad: Option<Squad>| squad.map(|s| mapping[&s]);

        let mut tally = Tally::default();
        // player -> (truth squad, our lines per mapped squad)
        let mut players: HashMap<String, (Option<Squad>, [usize; 2])> = HashMap::new();
        for (round, entry) in detection.rounds.iter().zip(&entries) {
            let truth_players = entry["players"].as_array().unwrap();
            assert_eq!(
                round.players.len(),
                truth_players.len(),
                "{}",
                entry["file"]
            );
            for (ours, truth) in round.players.iter().zip(truth_players) {
                let expected = truth_squad(&truth["squad"]);
                let got = map(ours.squad);
                let right = got == expected;
                tally.lines += 1;
                tally.correct += usize::from(right);
                if ours.confidence == Confidence::High {
                    tally.high += 1;
                    tally.wrong_high += usize::from(!right);
                }
                if !right {
                    eprintln!(
                        "  {night_id} {} {:?} ({}): truth {expected:?}, ours {got:?} ({:?}, {:?})",
                        entry["file"].as_str().unwrap(),
                        truth["name_clean"]["text"],
                        truth["guid8"].as_str().unwrap(),
                        ours.confidence,
                        ours.layer,
                    );
                }
                let player = players
                    .entry(player_id(truth))
                    .or_insert((expected, [0, 0]));
                if let Some(squad) = got {
                    player.1[usize::from(squad == Squad::B)] += 1;
                }
            }
        }
        tally.report(&night_id);
        overall.add(&tally);

        // Each squad member sits mostly on his own squad's roster.
        for (player, (expected, [for_a, for_b])) in &players {
            let majority = match for_a.cmp(for_b) {
                std::cmp::Ordering::Greater => Some(Squad::A),
                std::cmp::Ordering::Less => Some(Squad::B),
                std::cmp::Ordering::Equal => None,
            };
            if expected.is_some() && majority != *expected {
                failures.push(format!(
                    "{night_id}: {player} is mostly {majority:?}, truth {expected:?}"
                ));
            }
        }
        let roster_members = detection.rosters.a.len() + detection.rosters.b.len();
        let truth_members = players
            .values()
            .filter(|(squad, _)| squad.is_some())
            .count();
        if roster_members < truth_members {
            failures.push(format!(
                "{night_id}: rosters hold {roster_members} entries for {truth_members} squad members"
            ));
        }

        // The squad that attacked first on each map.
        for truth_map in truth["maps_in_order"].as_array().unwrap() {
            let r1_file = truth_map["r1_file"].as_str().unwrap();
            let Some(play) = detection.maps.iter().find(|m| {
                m.round_one
                    .is_some_and(|r| entries[r]["file"].as_str() == Some(r1_file))
            }) else {
                failures.push(format!("{night_id}: no map play for {r1_file}"));
                continue;
            };
            let a_attacked = truth_map["squad_A_side_r1"] != truth_map["defender_side"];
            let expected = if a_attacked { Squad::A } else { Squad::B };
            if map(play.first_attacker) != Some(expected) {
                failures.push(format!(
                    "{night_id} {r1_file}: first attacker {:?}, truth {expected:?}",
                    map(play.first_attacker)
                ));
            }
        }

        if tally.share() < REQUIRED_SHARE {
            failures.push(format!(
                "{night_id}: only {:.2}% correct",
                tally.share() * 100.0
            ));
        }
        if tally.wrong_high > 0 {
            failures.push(format!("{night_id}: {} wrong High", tally.wrong_high));
        }
    }
    overall.report("overall");
    assert!(
        overall.share() >= REQUIRED_SHARE,
        "overall {:.2}%",
        overall.share() * 100.0
    );
    assert_eq!(overall.wrong_high, 0, "wrong High assignments");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
