//! Golden files: every `.txt` under `testdata/` parsed, with the expected JSON
//! (and, for round 2, the round-2-only JSON; for broken files, the error)
//! committed under `testdata/snapshots/`. Re-bless with `INSTA_UPDATE=always`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use std::path::Path;

use etl_parser::{Round, RoundNumber};

fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../../../testdata/snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}

fn parse(path: &Path) -> Result<Round, etl_parser::ParseError> {
    let name = path.file_name().unwrap().to_str().unwrap();
    Round::parse_named(name, &std::fs::read(path).unwrap())
}

#[test]
fn round_files_parse_to_their_golden_json() {
    settings().bind(|| {
        insta::glob!("../../../testdata", "{parser,sample-night}/*.txt", |path| {
            let round = parse(path).unwrap_or_else(|e| panic!("{e}"));
            insta::assert_json_snapshot!(round);
        });
    });
}

#[test]
fn round_two_files_give_golden_round_only_values() {
    settings().bind(|| {
        insta::glob!(
            "../../../testdata",
            "{parser,sample-night}/*-round-2.txt",
            |path| {
                let round2 = parse(path).unwrap();
                let folder = path.parent().unwrap();
                let mut candidates: Vec<_> = std::fs::read_dir(folder)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .filter(|p| p.to_string_lossy().ends_with("-round-1.txt"))
                    .filter_map(|p| parse(&p).ok())
                    .filter(|r1| r1.pairs_with(&round2))
                    .collect();
                candidates.sort_by_key(|r| r.file.as_ref().map(|f| f.written_at));
                let round1 = candidates
                    .into_iter()
                    .rfind(|r1| {
                        r1.file.as_ref().unwrap().written_at
                            < round2.file.as_ref().unwrap().written_at
                    })
                    .unwrap_or_else(|| panic!("no round 1 for {}", path.display()));
                let round_only = Round::round_two_only(&round1, &round2).unwrap();
                assert!(round_only.round_only);
                assert_eq!(round_only.header.round, RoundNumber::Two);
                insta::assert_json_snapshot!(round_only);
            }
        );
    });
}

#[test]
fn broken_files_give_golden_errors() {
    settings().bind(|| {
        insta::glob!("../../../testdata", "parser/broken/*.txt", |path| {
            let error = parse(path).expect_err("a broken file must be refused");
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(
                error.to_string().starts_with(name),
                "the error names the file: {error}"
            );
            insta::assert_snapshot!(error.to_string());
        });
    });
}
