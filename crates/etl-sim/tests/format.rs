//! The bytes have the server's shape, and the counters hold together the way
//! an event-based game counts them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use etl_parser::Weapon;
use etl_sim::truth::{FileTruth, RoundOnly};
use etl_sim::{Config, Night, generate};
use jiff::civil::DateTime;

fn nights() -> Vec<Night> {
    generate(&Config {
        nights: 12,
        seed: 34,
        every_day: true,
        ..Config::default()
    })
    .unwrap()
}

fn is_int(field: &[u8]) -> bool {
    let digits = field.strip_prefix(b"-").unwrap_or(field);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// `%0.1f`: digits, a point, exactly one digit.
fn is_one_decimal(field: &[u8]) -> bool {
    let field = field.strip_prefix(b"-").unwrap_or(field);
    match field.iter().position(|&b| b == b'.') {
        Some(dot) => {
            is_int(&field[..dot]) && field.len() == dot + 2 && field[dot + 1].is_ascii_digit()
        }
        None => false,
    }
}

fn is_clock(field: &[u8]) -> bool {
    let text = std::str::from_utf8(field).unwrap();
    let (m, s) = text.split_once(':').unwrap();
    is_int(m.as_bytes()) && s.len() == 2 && s.parse::<u32>().unwrap() < 60
}

const FLOAT_FIELDS: [usize; 7] = [8, 21, 22, 23, 24, 25, 26];

#[test]
fn bytes_have_the_servers_shape() {
    let mut lines = 0;
    for night in nights() {
        for file in &night.files {
            let at = &file.name;
            assert!(!file.bytes.contains(&b'\r'), "{at}: CR");
            assert_eq!(
                file.bytes.last(),
                Some(&b'\n'),
                "{at}: last line without newline"
            );
            let mut rows = file.bytes.split(|&b| b == b'\n');
            let header: Vec<&[u8]> = rows.next().unwrap().split(|&b| b == b'\\').collect();
            assert!(header.len() == 8 || header.len() == 9, "{at}: header");
            assert!(is_clock(header[6]) && is_clock(header[7]), "{at}: times");
            if let Some(measured) = header.get(8) {
                assert!(is_int(measured));
            }
            for row in rows.filter(|r| !r.is_empty()) {
                lines += 1;
                let tab = row.iter().position(|&b| b == b'\t').unwrap();
                let (head, tail) = row.split_at(tab);
                assert!(head.ends_with(b" "), "{at}: a space before the TAB");
                let fields: Vec<&[u8]> = tail[1..].split(|&b| b == b'\t').collect();
                assert_eq!(fields.len(), 38, "{at}");
                for (i, field) in fields.iter().enumerate() {
                    if FLOAT_FIELDS.contains(&i) {
                        assert!(
                            is_one_decimal(field),
                            "{at}: field {i} {:?}",
                            String::from_utf8_lossy(field)
                        );
                    } else {
                        assert!(is_int(field), "{at}: field {i}");
                    }
                }
                // GUID \ name \ rounds \ team \ MASK W...
                let guid_end = head.iter().position(|&b| b == b'\\').unwrap();
                assert_eq!(guid_end, 8, "{at}: GUID8");
                assert!(
                    head[..8]
                        .iter()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
                );
                let parts: Vec<&[u8]> = head.rsplitn(4, |&b| b == b'\\').collect();
                let block: Vec<i64> = std::str::from_utf8(parts[0])
                    .unwrap()
                    .split_whitespace()
                    .map(|n| n.parse().unwrap())
                    .collect();
                assert!(matches!(parts[1], b"1" | b"2" | b"3"), "{at}: team");
                let mask = block[0];
                assert_ne!(mask, 0, "{at}: a line without weapon activity");
                assert_eq!(
                    block.len() - 1,
                    5 * mask.count_ones() as usize,
                    "{at}: mask vs block"
                );
                for counters in block[1..].chunks(5) {
                    let [hits, shots, kills, deaths, heads] = counters.try_into().unwrap();
                    assert!(
                        hits != 0 || shots != 0 || kills != 0 || deaths != 0,
                        "{at}: an empty weapon in the mask"
                    );
                    assert!(heads <= hits && hits >= 0 && shots >= 0, "{at}");
                }
                let shots: i64 = block[1..].chunks(5).map(|c| c[1]).sum();
                assert_eq!(
                    std::str::from_utf8(fields[20])
                        .unwrap()
                        .parse::<i64>()
                        .unwrap(),
                    shots,
                    "{at}: bullets fired"
                );
            }
        }
    }
    assert!(lines > 2000);
}

fn sum_by_side(file: &FileTruth, value: impl Fn(&RoundOnly) -> i64) -> BTreeMap<u8, i64> {
    let mut out = BTreeMap::new();
    for p in &file.players {
        *out.entry(p.team_written).or_default() += value(&p.round_only);
    }
    out
}

#[test]
fn counters_hold_together() {
    let mut checked = 0;
    for night in nights() {
        for file in &night.truth.files {
            for p in &file.players {
                let r = &p.round_only;
                assert!(
                    r.headshot_kills <= r.kills,
                    "{} {:?}",
                    file.file,
                    p.name_clean
                );
                assert!(
                    p.cumulative_written.headshot_kills
                        <= p.cumulative_written.kills_sum_of_weapons
                );
                assert!(r.time_played_ms <= file.round_facts.play_duration_ms);
                assert!(r.time_alive_ms <= r.time_played_ms);
            }
            // Lines that lost counters (a reconnect's first session) or moved
            // them across sides (a switch) do not balance by side.
            let whole = !file.players.iter().any(|p| {
                p.flags
                    .iter()
                    .any(|f| f.starts_with("reconnected") || f.starts_with("switched"))
            });
            if !whole {
                continue;
            }
            checked += 1;
            let mut kills: BTreeMap<String, (i64, i64)> = BTreeMap::new();
            for p in &file.players {
                for (code, w) in &p.round_only.weapons {
                    let entry = kills.entry(code.clone()).or_default();
                    entry.0 += w.kills;
                    entry.1 += w.deaths;
                }
            }
            for (code, (k, d)) in &kills {
                assert!(Weapon::from_code(code).is_some());
                assert_eq!(k, d, "{}: {code} kills vs deaths", file.file);
            }
            let given = sum_by_side(file, |r| r.damage_given);
            let received = sum_by_side(file, |r| r.damage_received);
            assert_eq!(given.get(&1), received.get(&2), "{}", file.file);
            assert_eq!(given.get(&2), received.get(&1), "{}", file.file);
            let team_given = sum_by_side(file, |r| r.team_damage_given);
            let team_received = sum_by_side(file, |r| r.team_damage_received);
            assert_eq!(team_given, team_received, "{}", file.file);
            let revives = sum_by_side(file, |r| r.revives_given);
            let revived = sum_by_side(file, |r| r.times_revived);
            assert_eq!(revives, revived, "{}", file.file);
        }
    }
    assert!(checked > 100);
}

fn at(text: &str) -> DateTime {
    text.parse().unwrap()
}

fn minutes(from: &str, to: &str) -> f64 {
    let span = at(from).duration_until(at(to));
    span.as_secs_f64() / 60.0
}

#[test]
fn the_night_runs_on_a_realistic_clock() {
    for night in nights() {
        let t = &night.truth;
        let start = at(&t.session.start);
        let hour = f64::from(start.hour()) + f64::from(start.minute()) / 60.0;
        assert!((20.0..=21.5).contains(&hour), "{} starts {start}", night.id);
        let written: BTreeMap<&str, &str> = t
            .files
            .iter()
            .map(|f| (f.file.as_str(), f.round_facts.file_written.as_str()))
            .collect();
        for play in &t.maps_in_order {
            if let Some(r2) = &play.r2_file {
                let gap = minutes(written[play.r1_file.as_str()], written[r2.as_str()]);
                assert!(
                    (5.0..=25.0).contains(&gap),
                    "{}: {gap} min to round 2",
                    play.r1_file
                );
            }
        }
        for pair in t.files.windows(2) {
            let (a, b) = (&pair[0], &pair[1]);
            assert!(a.file < b.file, "files in the order written");
            if b.round == 1 {
                let gap = minutes(&a.round_facts.file_written, &b.round_facts.round_start);
                assert!(
                    (4.0..=8.0).contains(&gap),
                    "{} -> {}: {gap}",
                    a.file,
                    b.file
                );
            }
        }
        // The defender is a property of the map.
        let mut defender: BTreeMap<&str, u8> = BTreeMap::new();
        for f in &t.files {
            assert_eq!(
                *defender
                    .entry(f.map.as_str())
                    .or_insert(f.header.defender_team),
                f.header.defender_team
            );
        }
    }
}
