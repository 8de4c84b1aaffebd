//! Small sessions built in code for the unit tests.

use etl_parser::{RoundNumber, Side};

use crate::{PlayerInput, PlayerKey, RoundInput};

pub const ROUND_SECONDS: u32 = 600;

/// A full-round human line.
pub fn line(key: &str, side: Side) -> PlayerInput {
    PlayerInput::new(PlayerKey::new(key), key)
        .with_side(side)
        .with_seconds(ROUND_SECONDS)
}

/// Both rounds of a map in stopwatch: squad A on `a_side` in round 1, the
/// sides swapped in round 2; every player there for the full round. Axis
/// defends.
pub fn map(name: &str, a_side: Side, a: &[&str], b: &[&str]) -> [RoundInput; 2] {
    let round = |number, a_side: Side| {
        let mut round = RoundInput::new(name, number, Some(Side::Axis));
        for key in a {
            round = round.with_player(line(key, a_side));
        }
        for key in b {
            round = round.with_player(line(key, a_side.other()));
        }
        round
    };
    [
        round(RoundNumber::One, a_side),
        round(RoundNumber::Two, a_side.other()),
    ]
}

pub const SQUAD_A: [&str; 4] = ["A1", "A2", "A3", "A4"];
pub const SQUAD_B: [&str; 4] = ["B1", "B2", "B3", "B4"];

/// `maps` stopwatch maps of 4v4, squad A on Axis in round 1 of every other map.
pub fn night(maps: usize) -> Vec<RoundInput> {
    (0..maps)
        .flat_map(|m| {
            let a_side = if m % 2 == 0 { Side::Axis } else { Side::Allies };
            map(&format!("map{m}"), a_side, &SQUAD_A, &SQUAD_B)
        })
        .collect()
}

/// The line of `key` in a round.
pub fn player_mut<'a>(round: &'a mut RoundInput, key: &str) -> &'a mut PlayerInput {
    round
        .players
        .iter_mut()
        .find(|p| p.key.as_str() == key)
        .unwrap_or_else(|| panic!("no {key} in the round"))
}
