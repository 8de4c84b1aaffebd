//! Conformance against files written by the real server-side script
//! (`../shared/corpus/**/truth.json`). Skips loudly when the corpus is absent;
//! fails then when `ETL_REQUIRE_CORPUS=1`.
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
use etl_testkit::corpus::{dir as corpus_dir, locate, truths};
use etl_testkit::truth::{Check, check_cumulative, check_header, check_round_only, int};

fn parse(path: &Path) -> Result<Round, etl_parser::ParseError> {
    let name = path.file_name().unwrap().to_str().unwrap();
    Round::parse_named(name, &std::fs::read(path).unwrap())
}

#[test]
fn parser_agrees_with_the_truth_of_the_shared_corpus() {
    let Some(dir) = corpus_dir() else { return };
    let mut check = Check {
        failures: Vec::new(),
        compared: 0,
    };
    let mut files = 0;
    let mut rejected = 0;
    for (night, truth) in truths(&dir) {
        let mut parsed: HashMap<String, Round> = HashMap::new();
        for file in truth["files"].as_array().unwrap() {
            let name = file["file"].as_str().unwrap();
            let path = locate(&night, name);
            files += 1;
            if file["reject"].as_bool().unwrap_or(false) {
                rejected += 1;
                match parse(&path) {
                    Err(error) => check.eq(
                        &format!("{name} error names the file"),
                        error.to_string().contains(name),
                        true,
                    ),
                    Ok(_) => check.failures.push(format!(
                        "{name}: accepted, but the truth says reject ({})",
                        file["reject_reason"]
                    )),
                }
                continue;
            }
            let round = match parse(&path) {
                Ok(round) => round,
                Err(error) => {
                    check.failures.push(format!("{name}: {error}"));
                    continue;
                }
            };
            let h = &file["header"];
            check_header(&mut check, name, &round, h);

            let players = file["players"].as_array().unwrap();
            check.eq(
                &format!("{name} player count"),
                round.players.len(),
                players.len(),
            );
            for (ours, theirs) in round.players.iter().zip(players) {
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
        "corpus: {files} files ({rejected} to reject), {} values compared, {} mismatches",
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
        check.compared > 10_000,
        "compared too little: {}",
        check.compared
    );
}
