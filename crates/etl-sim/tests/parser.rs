//! Every generated file passes the project's parser, and the parser agrees
//! with the truth: the cumulative values as written, and round 2 alone
//! (through `Round::round_two_only` with its paired round 1) equal to the
//! truth's `round_only` for every player and field. The checks are those of
//! `crates/etl-parser/tests/corpus.rs`, reading the truth as JSON by the
//! shared corpus's keys.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::{BTreeSet, HashMap};

use etl_parser::Round;
use etl_sim::{Config, Night, generate};
use etl_testkit::truth::{Check, check_cumulative, check_header, check_round_only, int};
use serde_json::Value;

fn nights() -> Vec<Night> {
    let mut nights = generate(&Config {
        nights: 40,
        seed: 2024,
        every_day: true,
        ..Config::default()
    })
    .unwrap();
    for (seed, team_size, maps) in [(5, 3, 8), (6, 16, 6), (7, 10, 25)] {
        nights.extend(
            generate(&Config {
                nights: 1,
                seed,
                team_size: Some(team_size),
                maps: Some(maps),
                ..Config::default()
            })
            .unwrap(),
        );
    }
    nights
}

#[test]
fn every_file_parses_and_agrees_with_the_truth() {
    let mut check = Check {
        failures: Vec::new(),
        compared: 0,
    };
    let mut files = 0;
    let mut kinds = BTreeSet::new();
    let mut field_counts = BTreeSet::new();
    let mut sizes = BTreeSet::new();
    let mut latin1 = false;
    let mut shared_bot_guid = false;
    for night in nights() {
        let truth = night.truth_json();
        sizes.insert(int(&truth["team_size"]));
        for case in truth["edge_cases"].as_array().unwrap() {
            kinds.insert(case["kind"].as_str().unwrap().to_owned());
        }
        let by_name: HashMap<&str, &[u8]> = night
            .files
            .iter()
            .map(|f| (f.name.as_str(), f.bytes.as_slice()))
            .collect();
        assert_eq!(
            by_name.len(),
            night.files.len(),
            "{}: file names repeat",
            night.id
        );
        let mut parsed: HashMap<String, Round> = HashMap::new();
        for file in truth["files"].as_array().unwrap() {
            let name = file["file"].as_str().unwrap();
            files += 1;
            assert_eq!(file["reject"], Value::Bool(false));
            let round = match Round::parse_named(name, by_name[name]) {
                Ok(round) => round,
                Err(error) => {
                    check.failures.push(format!("{name}: {error}"));
                    continue;
                }
            };
            let h = &file["header"];
            field_counts.insert(int(&h["field_count"]));
            check_header(&mut check, name, &round, h);

            let players = file["players"].as_array().unwrap();
            let bot_guids: Vec<&str> = players
                .iter()
                .filter(|p| p["is_bot"] == Value::Bool(true))
                .map(|p| p["guid8"].as_str().unwrap())
                .collect();
            shared_bot_guid |= bot_guids.iter().filter(|g| **g == "OMNIBOT0").count() >= 2;
            check.eq(
                &format!("{name} player count"),
                round.players.len(),
                players.len(),
            );
            for (ours, theirs) in round.players.iter().zip(players) {
                latin1 |= theirs["name_raw"]["text"].is_null();
                let at = format!("{name} line {}", int(&theirs["line_index"]) + 2);
                check_cumulative(&mut check, &at, ours, theirs);
            }

            let round_only = match file["paired_round_1_file"].as_str() {
                Some(round1) => {
                    let round1 = parsed
                        .get(round1)
                        .unwrap_or_else(|| panic!("{round1} not parsed before {name}"));
                    check.eq(
                        &format!("{name} pairs with its round 1"),
                        round1.pairs_with(&round),
                        true,
                    );
                    Round::round_two_only(round1, &round).unwrap()
                }
                None => round.clone(),
            };
            let tolerance = if round_only.header.round.get() == 2 {
                6
            } else {
                3
            };
            for (ours, theirs) in round_only.players.iter().zip(players) {
                let at = format!("{name} line {}", int(&theirs["line_index"]) + 2);
                check_round_only(&mut check, &at, ours, theirs, tolerance);
            }
            parsed.insert(name.to_owned(), round);
        }
    }
    eprintln!(
        "simulated: {files} files, {} values compared, {} mismatches; team sizes {sizes:?}; edge cases {kinds:?}",
        check.compared,
        check.failures.len()
    );
    assert!(
        check.failures.is_empty(),
        "{} mismatches:\n{}",
        check.failures.len(),
        check
            .failures
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        check.compared > 100_000,
        "compared too little: {}",
        check.compared
    );
    assert_eq!(field_counts, BTreeSet::from([8, 9]), "both header forms");
    assert!(latin1, "a name that is not valid UTF-8");
    assert!(shared_bot_guid, "bots sharing OMNIBOT0 in one file");
    assert!(sizes.contains(&3) && sizes.contains(&16) && sizes.contains(&6));
    for kind in [
        "late_joiner_present_only_in_round_2",
        "late_joiner_mid_round_1",
        "left_after_round_1",
        "left_mid_round_line_is_last_periodic_store",
        "reconnected_mid_round_counters_restarted",
        "spectator_after_playing_round_1",
        "switched_team_mid_round",
        "renamed_between_maps",
        "omnibot",
        "abandoned_map",
        "paused_round",
        "round2_next_timelimit_recomputed_by_script",
    ] {
        assert!(kinds.contains(kind), "no {kind} in the test nights");
    }
}
