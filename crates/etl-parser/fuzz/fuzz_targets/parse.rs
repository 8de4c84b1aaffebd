//! `cargo +nightly fuzz run parse` from `crates/etl-parser`: any bytes, read
//! as one file or split into a round 1 and a round 2, must never panic.
#![no_main]

use etl_parser::{Round, RoundNumber};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Round::parse(data);
    let _ = Round::parse_named("2025-11-02-201530-supply-round-1.txt", data);
    if let Ok(name) = std::str::from_utf8(data) {
        let _ = etl_parser::FileKind::classify(name);
    }
    // Two files glued with a form feed: exercise the differential on whatever parses.
    if let Some(split) = data.iter().position(|&b| b == 0x0c) {
        let (first, second) = data.split_at(split);
        if let (Ok(round1), Ok(round2)) = (Round::parse(first), Round::parse(&second[1..])) {
            if round1.header.round == RoundNumber::One {
                if let Ok(only) = Round::round_two_only(&round1, &round2) {
                    for player in &only.players {
                        assert!(player.kills() >= 0 && player.deaths() >= 0);
                    }
                }
            }
        }
    }
    for player in Round::parse(data).map(|r| r.players).unwrap_or_default() {
        let _ = (player.name.clean(), player.name.raw(), player.accuracy(), player.is_bot());
    }
});
