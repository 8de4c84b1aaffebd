//! The truth's squads are what the store's squad detection finds: a few
//! nights imported into a throwaway SQLite store, exported, and every player
//! line's squad compared with the truth (one A/B mapping per night).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::collections::HashMap;

use etl_parser::decode;
use etl_sim::{Config, generate};
use etl_store::testing::TestDb;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread")]
async fn the_store_finds_the_squads_of_the_truth() {
    let nights = generate(&Config {
        nights: 8,
        seed: 31,
        every_day: true,
        ..Config::default()
    })
    .unwrap();
    // These nights hold every kind of edge case the simulator makes.
    let kinds: std::collections::BTreeSet<&str> = nights
        .iter()
        .flat_map(|n| n.truth.edge_cases.iter().map(|e| e.kind.as_str()))
        .collect();
    assert_eq!(kinds.len(), 12, "{kinds:?}");
    let db = TestDb::sqlite();
    let store = db.open().await;
    for night in &nights {
        for file in &night.files {
            store.import_file(&file.name, &file.bytes).await.unwrap();
        }
    }
    let export = serde_json::to_value(store.export().await.unwrap()).unwrap();
    let mut rounds: HashMap<String, Value> = HashMap::new();
    for session in export["sessions"].as_array().unwrap() {
        for round in session["rounds"].as_array().unwrap() {
            rounds.insert(round["file"].as_str().unwrap().to_owned(), round.clone());
        }
    }

    let (mut lines, mut right, mut high, mut high_wrong) = (0usize, 0usize, 0usize, 0usize);
    let mut wrong = Vec::new();
    for night in &nights {
        // (ours, truth, confidence, where) for every line of the night.
        let mut seen: Vec<(Value, Value, Value, String)> = Vec::new();
        for file in &night.truth.files {
            let round = rounds
                .get(&file.file)
                .unwrap_or_else(|| panic!("{} not exported", file.file));
            assert_eq!(
                round["round_only"],
                Value::Bool(true),
                "{}: {}",
                file.file,
                round["pairing"]
            );
            let players = round["players"].as_array().unwrap();
            assert_eq!(players.len(), file.players.len(), "{}", file.file);
            for truth in &file.players {
                let name = decode(&truth.name_raw.bytes()).into_owned();
                let ours = players
                    .iter()
                    .find(|p| p["guid"] == truth.guid8.as_str() && p["name"] == name.as_str())
                    .unwrap_or_else(|| panic!("{}: {name} not exported", file.file));
                assert_eq!(
                    ours["kills"], truth.round_only.kills,
                    "{} {name}",
                    file.file
                );
                seen.push((
                    ours["squad"].clone(),
                    truth.squad.clone().map_or(Value::Null, Value::from),
                    ours["team_confidence"].clone(),
                    format!("{} {name} {:?}", file.file, truth.flags),
                ));
            }
        }
        let relabel = |ours: &Value, flip: bool| match (ours.as_str(), flip) {
            (Some("A"), true) => Value::from("B"),
            (Some("B"), true) => Value::from("A"),
            _ => ours.clone(),
        };
        let agree = |flip: bool| {
            seen.iter()
                .filter(|(ours, truth, _, _)| &relabel(ours, flip) == truth)
                .count()
        };
        let flip = agree(true) > agree(false);
        for (ours, truth, confidence, at) in &seen {
            let ours = relabel(ours, flip);
            lines += 1;
            right += usize::from(&ours == truth);
            if &ours != truth {
                wrong.push(format!("{at}: store {ours}, truth {truth} ({confidence})"));
            }
            if confidence == "high" {
                high += 1;
                high_wrong += usize::from(&ours != truth);
            }
        }
    }
    eprintln!(
        "squads through the store: {right}/{lines} right, {high} high, {high_wrong} high wrong\n{}",
        wrong.join("\n")
    );
    assert!(lines > 500);
    assert!(right * 100 >= lines * 99, "squads right {right}/{lines}");
}
