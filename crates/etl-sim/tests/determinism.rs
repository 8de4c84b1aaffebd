//! The same seed gives the same bytes; another seed gives others.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use etl_sim::{Config, Night, generate, generate_night};

fn run(seed: u64, nights: usize) -> Vec<Night> {
    generate(&Config {
        nights,
        seed,
        ..Config::default()
    })
    .unwrap()
}

fn bytes(nights: &[Night]) -> Vec<(String, Vec<u8>)> {
    nights
        .iter()
        .flat_map(|n| {
            n.files
                .iter()
                .map(|f| (f.name.clone(), f.bytes.clone()))
                .chain([(format!("{}/truth.json", n.id), n.truth_bytes())])
        })
        .collect()
}

#[test]
fn the_same_seed_gives_identical_bytes() {
    let first = bytes(&run(77, 4));
    let second = bytes(&run(77, 4));
    assert!(first.len() > 20);
    assert_eq!(first, second);
}

#[test]
fn another_seed_gives_other_bytes() {
    let a = bytes(&run(77, 2));
    let b = bytes(&run(78, 2));
    let names = |x: &[(String, Vec<u8>)]| x.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>();
    assert_ne!(names(&a), names(&b));
    for ((_, x), (_, y)) in a.iter().zip(&b) {
        assert_ne!(x, y);
    }
}

#[test]
fn a_night_depends_only_on_the_seed_and_its_number() {
    let short = run(5, 2);
    let long = run(5, 5);
    assert_eq!(short[..], long[..2]);
    let plans = Config {
        nights: 5,
        seed: 5,
        ..Config::default()
    }
    .plans()
    .unwrap();
    assert_eq!(generate_night(&plans[3]).unwrap(), long[3]);
}

#[test]
fn nights_are_weekly_or_daily() {
    let weekly = run(1, 3);
    let dates: Vec<String> = weekly.iter().map(|n| n.id.clone()).collect();
    assert_eq!(
        dates,
        ["sim-2025-01-03", "sim-2025-01-10", "sim-2025-01-17"]
    );
    let daily = generate(&Config {
        nights: 2,
        every_day: true,
        start: jiff::civil::date(2025, 11, 7),
        ..Config::default()
    })
    .unwrap();
    assert_eq!(daily[1].id, "sim-2025-11-08");
}

#[test]
fn bad_settings_are_refused() {
    for (team_size, maps) in [
        (Some(2), None),
        (Some(17), None),
        (None, Some(0)),
        (None, Some(26)),
    ] {
        let config = Config {
            team_size,
            maps,
            ..Config::default()
        };
        assert!(generate(&config).is_err(), "{config:?}");
    }
    let night = &generate(&Config {
        team_size: Some(16),
        maps: Some(25),
        ..Config::default()
    })
    .unwrap()[0];
    assert_eq!(night.truth.team_size, 16);
    assert_eq!(night.truth.maps_in_order.len(), 25);
    assert!(night.files.len() <= 50);
}
