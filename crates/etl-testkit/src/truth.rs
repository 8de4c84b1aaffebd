//! The parser against a truth.json: every value as written, and round-only
//! values through the differential, field by field.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use etl_parser::{Player, Round, Weapon};
use serde_json::Value;

pub fn bytes(text_or_b64: &Value) -> Vec<u8> {
    B64.decode(text_or_b64["b64"].as_str().unwrap()).unwrap()
}

pub fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an int: {value}"))
}

pub fn clock(text: &Value) -> u32 {
    let (m, s) = text.as_str().unwrap().split_once(':').unwrap();
    m.parse::<u32>().unwrap() * 60 + s.parse::<u32>().unwrap()
}

/// Mismatches found so far, and how many values were compared.
#[derive(Debug, Default)]
pub struct Check {
    pub failures: Vec<String>,
    pub compared: usize,
}

impl Check {
    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, what: &str, ours: T, truth: T) {
        self.compared += 1;
        if ours != truth {
            self.failures
                .push(format!("{what}: ours {ours:?}, truth {truth:?}"));
        }
    }
}

/// A round's header against its truth (`file["header"]`): every field as
/// written, the time actually played only when the script wrote one.
pub fn check_header(check: &mut Check, name: &str, round: &Round, h: &Value) {
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
}

pub fn check_weapons(check: &mut Check, at: &str, player: &Player, truth: &Value) {
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

pub fn check_cumulative(check: &mut Check, at: &str, p: &Player, truth: &Value) {
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

pub fn check_round_only(
    check: &mut Check,
    at: &str,
    p: &Player,
    truth: &Value,
    time_tolerance_s: i64,
) {
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
            "{at} round-only time_played_s: ours {}, truth {truth_s} (tolerance {time_tolerance_s} s)",
            s.time_played_s
        ));
    }
}
