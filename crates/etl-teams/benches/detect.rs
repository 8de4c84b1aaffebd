//! The detector on a 12-map night (24 rounds, 6v6 with a late joiner, a
//! leaver, a mid-round switch, two bots and a player who changes squad):
//! `cargo bench -p etl-teams`. The target is well under 1 ms per round.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use etl_teams::{
    Objectives, PlayerInput, PlayerKey, RoundInput, RoundNumber, SessionInput, Side, detect,
};

const MAPS: usize = 12;

fn line(key: &str, side: Side, seconds: u32, skill: f64) -> PlayerInput {
    PlayerInput::new(PlayerKey::new(key), key)
        .with_side(side)
        .with_seconds(seconds)
        .with_rounds(0)
        .with_skill(skill)
}

fn night() -> SessionInput {
    let a: Vec<String> = (1..=6).map(|i| format!("A{i}")).collect();
    let b: Vec<String> = (1..=6).map(|i| format!("B{i}")).collect();
    let mut rounds = Vec::new();
    for m in 0..MAPS {
        let first = if m % 3 == 0 { Side::Allies } else { Side::Axis };
        for (number, a_side) in [(RoundNumber::One, first), (RoundNumber::Two, first.other())] {
            let mut round = RoundInput::new(format!("map{m}"), number, Some(Side::Axis));
            for (i, key) in a.iter().enumerate() {
                // A6 plays the second half of the night for B.
                let side = if i == 5 && m >= MAPS / 2 {
                    a_side.other()
                } else {
                    a_side
                };
                round = round.with_player(line(key, side, 600, 150.0 + i as f64 * 20.0));
            }
            for (i, key) in b.iter().enumerate() {
                // B6 leaves halfway through map 3, round 1 and is back later.
                let seconds = if m == 3 && number == RoundNumber::One && i == 5 {
                    300
                } else {
                    600
                };
                round =
                    round.with_player(line(key, a_side.other(), seconds, 140.0 + i as f64 * 25.0));
            }
            if m == 5 && number == RoundNumber::Two {
                round = round.with_player(line("LATE", a_side, 60, 90.0).with_rounds(-1));
            }
            if m == 7 && number == RoundNumber::Two {
                // A2 switches to the other side in the middle of the round.
                let a2 = round
                    .players
                    .iter_mut()
                    .find(|p| p.key.as_str() == "A2")
                    .unwrap();
                a2.side = Some(a_side.other());
            }
            if m == 9 {
                round = round
                    .with_player(line("OMNIBOT0:[BOT]Hoss", Side::Axis, 600, 50.0).as_bot())
                    .with_player(line("OMNIBOT0:[BOT]Sarge", Side::Allies, 600, 50.0).as_bot());
            }
            if m % 4 == 1 {
                let planter = round
                    .players
                    .iter_mut()
                    .find(|p| p.side == Some(Side::Allies))
                    .unwrap();
                planter.objectives = Objectives {
                    dynamites_planted: 2,
                    ..Objectives::default()
                };
            }
            rounds.push(round);
        }
    }
    SessionInput::new(rounds)
}

fn detect_a_night(c: &mut Criterion) {
    let session = night();
    let rounds = session.rounds.len();
    let mut group = c.benchmark_group("detect");
    group.throughput(Throughput::Elements(rounds as u64));
    group.bench_function(format!("{MAPS} maps, {rounds} rounds, 6v6"), |b| {
        b.iter(|| black_box(detect(black_box(&session)).unwrap()))
    });
    group.finish();
}

criterion_group!(benches, detect_a_night);
criterion_main!(benches);
