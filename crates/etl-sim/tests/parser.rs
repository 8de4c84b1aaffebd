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

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use etl_parser::{Player, Round, Weapon};
use etl_sim::{Config, Night, generate};
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

fn bytes(text_or_b64: &Value) -> Vec<u8> {
    B64.decode(text_or_b64["b64"].as_str().unwrap()).unwrap()
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an int: {value}"))
}

fn clock(text: &Value) -> u32 {
    let (m, s) = text.as_str().unwrap().split_once(':').unwrap();
    m.parse::<u32>().unwrap() * 60 + s.parse::<u32>().unwrap()
}

struct Check {
    failures: Vec<String>,
    compared: usize,
}

impl Check {
    fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: T, truth: T) {
        self.compared += 1;
        if ours != truth {
            self.failures
                .push(format!("{what}: parser {ours:?}, truth {truth:?}"));
        }
    }
}

fn check_weapons(check: &mut Check, at: &str, player: &Player, truth: &Value) {
    let truth = truth.as_object().unwrap();
    let ours: Vec<_> = player.weapons.iter().map(|(w, _)| w.code()).collect();
    let mut theirs: Vec<_> = truth.keys().map(String::as_str).collect();
    theirs.sort_by_key(|code| Weapon::from_code(code).map(Weapon::slot));
    check.eq(&format!("{at} weapons"), ours, theirs);
    for (code, counters) in truth {
        let stats = player.weapons.get(Weapon::from_code(code).unwrap());
        for (name, ours) in [
            ("hits", stats.hits),
            ("shots", stats.shots),
            ("kills", stats.kills),
            ("deaths", stats.deaths),
            ("headshots", stats.headshots),
        ] {
            check.eq(&format!("{at} {code}.{name}"), ours, int(&counters[name]));
        }
    }
}

fn check_cumulative(check: &mut Check, at: &str, p: &Player, truth: &Value) {
    let c = &truth["cumulative_written"];
    let s = &p.stats;
    check.eq(
        &format!("{at} guid"),
        p.guid.as_str(),
        truth["guid8"].as_str().unwrap(),
    );
    check.eq(
        &format!("{at} name"),
        p.name.as_bytes().to_vec(),
        bytes(&truth["name_raw"]),
    );
    check.eq(
        &format!("{at} clean name"),
        p.name.clean_bytes(),
        bytes(&truth["name_clean"]),
    );
    check.eq(
        &format!("{at} team"),
        p.team.map(|t| t as i64 + 1),
        Some(int(&truth["team_written"])),
    );
    check.eq(&format!("{at} rounds"), p.rounds, int(&c["rounds"]));
    check.eq(
        &format!("{at} kills"),
        p.kills(),
        int(&c["kills_sum_of_weapons"]),
    );
    check.eq(
        &format!("{at} deaths"),
        p.deaths(),
        int(&c["deaths_sum_of_weapons"]),
    );
    check.eq(
        &format!("{at} headshots"),
        p.headshots(),
        int(&c["headshots_sum_of_weapons"]),
    );
    check_weapons(check, at, p, &c["weapons"]);
    let ints = [
        ("damage_given", s.damage_given),
        ("damage_received", s.damage_received),
        ("team_damage_given", s.team_damage_given),
        ("team_damage_received", s.team_damage_received),
        ("gibs", s.gibs),
        ("self_kills", s.self_kills),
        ("team_kills", s.team_kills),
        ("team_gibs", s.team_gibs),
        ("xp", s.xp),
        ("killing_spree", s.killing_spree),
        ("death_spree", s.death_spree),
        ("kill_assists", s.kill_assists),
        ("kill_steals", s.kill_steals),
        ("headshot_kills", s.headshot_kills),
        ("objectives_stolen", s.objectives_stolen),
        ("objectives_returned", s.objectives_returned),
        ("dynamites_planted", s.dynamites_planted),
        ("dynamites_defused", s.dynamites_defused),
        ("times_revived", s.times_revived),
        ("bullets_fired", s.bullets_fired),
        ("useful_kills", s.useful_kills),
        ("denied_playtime", s.denied_playtime_s),
        ("multikill_2x", s.multikill_2),
        ("multikill_3x", s.multikill_3),
        ("multikill_4x", s.multikill_4),
        ("multikill_5x", s.multikill_5),
    ];
    for (name, ours) in ints {
        check.eq(&format!("{at} {name}"), ours, int(&c[name]));
    }
    let optional = [
        ("multikill_6x", s.multikill_6),
        ("useless_kills", s.useless_kills),
        ("full_selfkills", s.full_selfkills),
        ("repairs_constructions", s.repairs_constructions),
        ("revives_given", s.revives_given),
    ];
    for (name, ours) in optional {
        check.eq(&format!("{at} {name}"), ours, c[name].as_i64());
    }
    let floats = [
        ("time_played_percent", s.time_played_pct),
        ("dpm", s.dpm),
        ("tank_meatshield", s.tank_meatshield),
        ("time_dead_ratio", s.time_dead_ratio),
        ("kd_ratio", s.kd),
    ];
    for (name, ours) in floats {
        check.eq(&format!("{at} {name}"), ours, c[name].as_f64().unwrap());
    }
    let minutes = |name: &str| (c[name].as_f64().unwrap() * 60.0).round() as i64;
    check.eq(
        &format!("{at} time_played_s"),
        s.time_played_s,
        minutes("time_played_minutes"),
    );
    check.eq(
        &format!("{at} time_dead_s"),
        s.time_dead_s,
        minutes("time_dead_minutes"),
    );
}

fn check_round_only(check: &mut Check, at: &str, p: &Player, truth: &Value, time_tolerance_s: i64) {
    let r = &truth["round_only"];
    let s = &p.stats;
    check.eq(
        &format!("{at} round-only kills"),
        p.kills(),
        int(&r["kills"]),
    );
    check.eq(
        &format!("{at} round-only deaths"),
        p.deaths(),
        int(&r["deaths"]),
    );
    check.eq(
        &format!("{at} round-only headshots"),
        p.headshots(),
        int(&r["headshots"]),
    );
    check_weapons(check, &format!("{at} round-only"), p, &r["weapons"]);
    let ints = [
        ("damage_given", s.damage_given),
        ("damage_received", s.damage_received),
        ("team_damage_given", s.team_damage_given),
        ("team_damage_received", s.team_damage_received),
        ("gibs", s.gibs),
        ("self_kills", s.self_kills),
        ("team_kills", s.team_kills),
        ("team_gibs", s.team_gibs),
        ("xp", s.xp),
        ("times_revived", s.times_revived),
        ("dynamites_planted", s.dynamites_planted),
        ("dynamites_defused", s.dynamites_defused),
        ("objectives_stolen", s.objectives_stolen),
        ("objectives_returned", s.objectives_returned),
        ("kill_assists", s.kill_assists),
        ("kill_steals", s.kill_steals),
        ("headshot_kills", s.headshot_kills),
        ("bullets_fired", s.bullets_fired),
        ("killing_spree", s.killing_spree),
        ("death_spree", s.death_spree),
        ("useful_kills", s.useful_kills),
        ("denied_playtime_seconds", s.denied_playtime_s),
    ];
    for (name, ours) in ints {
        check.eq(&format!("{at} round-only {name}"), ours, int(&r[name]));
    }
    let optional = [
        ("revives_given", s.revives_given),
        ("useless_kills", s.useless_kills),
        ("full_selfkills", s.full_selfkills),
        ("repairs_constructions", s.repairs_constructions),
    ];
    for (name, ours) in optional {
        check.eq(&format!("{at} round-only {name}"), ours, r[name].as_i64());
    }
    let multikills: Vec<Option<i64>> = ["2x", "3x", "4x", "5x", "6x"]
        .iter()
        .map(|k| r["multikills"][k].as_i64())
        .collect();
    check.eq(
        &format!("{at} round-only multikills"),
        p.multikills().to_vec(),
        multikills,
    );
    let truth_s = int(&r["time_played_seconds"]);
    check.compared += 1;
    if (s.time_played_s - truth_s).abs() > time_tolerance_s {
        check.failures.push(format!(
            "{at} round-only time_played_s: parser {}, truth {truth_s} (tolerance {time_tolerance_s} s)",
            s.time_played_s
        ));
    }
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
            check.eq(
                &format!("{name} header fields"),
                round.header.field_count as i64,
                int(&h["field_count"]),
            );
            check.eq(
                &format!("{name} server"),
                round.header.server.as_bytes().to_vec(),
                bytes(&h["server_name"]),
            );
            check.eq(
                &format!("{name} map"),
                round.header.map.as_str(),
                h["map"].as_str().unwrap(),
            );
            check.eq(
                &format!("{name} config"),
                round.header.config.as_str(),
                h["config"].as_str().unwrap(),
            );
            check.eq(
                &format!("{name} round"),
                i64::from(round.header.round.get()),
                int(&h["round"]),
            );
            check.eq(
                &format!("{name} defender"),
                round.header.defender.map(|s| s as i64 + 1).unwrap_or(0),
                int(&h["defender_team"]),
            );
            check.eq(
                &format!("{name} winner"),
                round.header.winner.map(|s| s as i64 + 1).unwrap_or(0),
                int(&h["winner_team"]),
            );
            let limit = clock(&h["timelimit"]);
            let next = clock(&h["next_timelimit"]);
            check.eq(
                &format!("{name} time limit"),
                round.header.time_limit_s,
                limit,
            );
            check.eq(
                &format!("{name} actual time"),
                round.header.actual_time_s,
                (next <= limit).then_some(next),
            );
            let duration = h["measured_duration_ms"]
                .as_i64()
                .and_then(|d| u64::try_from(d).ok());
            check.eq(
                &format!("{name} duration"),
                round.header.duration_ms,
                duration,
            );

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
