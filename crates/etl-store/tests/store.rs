//! The storage suite, run against a real SQLite file and a real PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

mod common;

use std::path::PathBuf;

use common::{TestDb, corpus_dir, import_all, repo_root, round_files};
use etl_store::{ImportOptions, ImportOutcome, Pairing, Store, SumBy};
use serde_json::Value;

/// Stamps each test once per backend.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let db = super::TestDb::sqlite();
                    super::$name(&db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $name() {
                    let Some(db) = super::TestDb::postgres().await else { return };
                    super::$name(&db).await;
                }
            )*
        }
    };
}

on_both_backends!(
    reimport_changes_nothing,
    bad_files_are_recorded_and_the_batch_goes_on,
    changed_content_is_refused_not_overwritten,
    round2_before_round1_waits_and_is_completed,
    round2_without_round1_is_flagged_past_the_window,
    sessions_split_on_gaps_and_cross_midnight,
    corpus_round_trips_to_its_truth,
    the_classic_view_has_one_row_per_player_round,
    session_totals_follow_every_import,
    sums_the_database_adds_match_the_rows,
    announced_imports_queue_their_rounds_once,
);

fn sample_night() -> Vec<PathBuf> {
    round_files(&repo_root().join("testdata/sample-night"))
}

async fn export_json(store: &Store) -> Value {
    serde_json::to_value(store.export().await.unwrap()).unwrap()
}

async fn reimport_changes_nothing(db: &TestDb) {
    let store = db.open().await;
    let first = import_all(&store, &sample_night()).await;
    assert!(
        first
            .iter()
            .all(|o| matches!(o, ImportOutcome::Imported { .. })),
        "{first:?}"
    );
    let counts = store.info().await.unwrap().counts;
    let export = export_json(&store).await;

    let second = import_all(&store, &sample_night()).await;
    assert!(
        second
            .iter()
            .all(|o| matches!(o, ImportOutcome::AlreadyImported { .. })),
        "{second:?}"
    );
    assert_eq!(store.info().await.unwrap().counts, counts);
    assert_eq!(export_json(&store).await, export);
    let rounds = counts.iter().find(|(t, _)| *t == "rounds").unwrap().1;
    assert_eq!(rounds, 8);
}

async fn bad_files_are_recorded_and_the_batch_goes_on(db: &TestDb) {
    let store = db.open().await;
    let mut files = round_files(&repo_root().join("testdata/parser/broken"));
    let broken = files.len();
    files.extend(sample_night());
    let outcomes = import_all(&store, &files).await;
    let failed: Vec<_> = outcomes
        .iter()
        .filter(|o| matches!(o, ImportOutcome::Failed { .. }))
        .collect();
    assert_eq!(failed.len(), broken);
    assert_eq!(
        outcomes
            .iter()
            .filter(|o| matches!(o, ImportOutcome::Imported { .. }))
            .count(),
        8
    );

    let processed = store.processed_files().await.unwrap();
    let record = processed
        .iter()
        .find(|p| p.file_name == "2025-11-20-200400-non_numeric_field-round-1.txt")
        .unwrap();
    assert!(!record.success);
    assert_eq!(
        record.error.as_deref(),
        Some(
            "2025-11-20-200400-non_numeric_field-round-1.txt: line 3, field `xp`: expected a whole number (found \"12a\")"
        )
    );
    assert_eq!(record.attempts, 1);
    // A failed file is tried again on the next import and counted, nothing else changes.
    import_all(&store, &files[..1]).await;
    let again = store.processed_files().await.unwrap();
    assert_eq!(
        again
            .iter()
            .find(|p| p.file_name == files[0].file_name().unwrap().to_str().unwrap())
            .unwrap()
            .attempts,
        2
    );
}

async fn changed_content_is_refused_not_overwritten(db: &TestDb) {
    let store = db.open().await;
    let files = sample_night();
    import_all(&store, &files).await;
    let export = export_json(&store).await;
    let name = files[0].file_name().unwrap().to_str().unwrap();
    let bytes = std::fs::read(&files[0]).unwrap();
    let changed = String::from_utf8_lossy(&bytes).replace("legacy6", "legacy7");
    let outcome = store.import_file(name, changed.as_bytes()).await.unwrap();
    let ImportOutcome::Refused { error, .. } = outcome else {
        panic!("{outcome:?}")
    };
    assert!(
        error.contains("already imported with other content"),
        "{error}"
    );
    assert_eq!(export_json(&store).await, export);
    let records: Vec<_> = store
        .processed_files()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.file_name == name)
        .collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records.iter().filter(|p| p.success).count(), 1);
}

async fn round2_before_round1_waits_and_is_completed(db: &TestDb) {
    let store = db.open().await;
    let files = sample_night();
    let in_order = {
        let other = TestDb::sqlite();
        let reference = other.open().await;
        import_all(&reference, &files).await;
        export_json(&reference).await
    };
    // Every round 2 first, then every round 1.
    let (round2, round1): (Vec<_>, Vec<_>) = files
        .iter()
        .cloned()
        .partition(|p| p.to_string_lossy().ends_with("round-2.txt"));
    let waiting = import_all(&store, &round2).await;
    assert!(
        waiting.iter().all(|o| matches!(
            o,
            ImportOutcome::Imported {
                pairing: Pairing::Waiting,
                ..
            }
        )),
        "{waiting:?}"
    );
    import_all(&store, &round1).await;
    assert_eq!(export_json(&store).await, in_order);
}

async fn round2_without_round1_is_flagged_past_the_window(db: &TestDb) {
    let store = db.open().await;
    let files = sample_night();
    // supply round 2 alone, then a round 1 far later on the same server.
    let supply_round2 = &files[1];
    import_all(&store, std::slice::from_ref(supply_round2)).await;
    let late_round1 = std::fs::read(&files[6]).unwrap();
    store
        .import_file("2025-11-03-201530-sw_goldrush_te-round-1.txt", &late_round1)
        .await
        .unwrap();
    let export = store.export().await.unwrap();
    let round = &export.sessions[0].rounds[0];
    assert_eq!(round.pairing, "unpaired");
    assert!(!round.round_only);
    assert_eq!(round.players.len(), 12);
    assert_eq!(export.sessions.len(), 2);
}

async fn sessions_split_on_gaps_and_cross_midnight(db: &TestDb) {
    let store = db
        .open_with(ImportOptions {
            session_gap_min: 60,
            ..ImportOptions::default()
        })
        .await;
    let files = sample_night();
    let bytes = |i: usize| std::fs::read(&files[i]).unwrap();
    for (name, content) in [
        ("2025-12-01-233000-supply-round-1.txt", bytes(0)),
        ("2025-12-02-002500-supply-round-2.txt", bytes(1)),
        // 59 minutes later: same session.
        ("2025-12-02-012400-te_escape2-round-1.txt", bytes(2)),
        // 61 minutes later: a new one.
        ("2025-12-02-022500-te_escape2-round-2.txt", bytes(3)),
    ] {
        store.import_file(name, &content).await.unwrap();
    }
    // A round that comes in late and opens the first session renames it.
    store
        .import_file("2025-12-01-230000-etl_adlernest-round-1.txt", &bytes(4))
        .await
        .unwrap();
    let export = store.export().await.unwrap();
    let ids: Vec<_> = export
        .sessions
        .iter()
        .map(|s| (s.id.as_str(), s.rounds.len()))
        .collect();
    assert_eq!(ids, [("2025-12-01-230000", 4), ("2025-12-02-022500", 1)]);
    assert_eq!(export.sessions[0].ended_at, "2025-12-02 01:24:00");
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an int: {value}"))
}

async fn corpus_round_trips_to_its_truth(db: &TestDb) {
    let Some(dir) = corpus_dir() else { return };
    let store = db.open().await;
    let outcomes = import_all(&store, &round_files(&dir)).await;
    let export = export_json(&store).await;
    let mut rounds = std::collections::HashMap::new();
    for session in export["sessions"].as_array().unwrap() {
        for round in session["rounds"].as_array().unwrap() {
            rounds.insert(round["file"].as_str().unwrap().to_owned(), round.clone());
        }
    }
    let mut failures = Vec::new();
    let mut compared = 0usize;
    let mut files = 0usize;
    // Squads: per night, (ours, truth, confidence) for every player line.
    let mut squads: Vec<Vec<(Value, Value, Value)>> = Vec::new();
    for truth_path in round_files(&dir)
        .iter()
        .map(|p| p.parent().unwrap().join("truth.json"))
        .collect::<std::collections::BTreeSet<_>>()
    {
        let truth: Value = serde_json::from_slice(&std::fs::read(&truth_path).unwrap()).unwrap();
        squads.push(Vec::new());
        for file in truth["files"].as_array().unwrap() {
            let name = file["file"].as_str().unwrap();
            files += 1;
            if file["reject"].as_bool().unwrap_or(false) {
                let failed = outcomes
                    .iter()
                    .any(|o| matches!(o, ImportOutcome::Failed { file, .. } if file == name));
                if !failed {
                    failures.push(format!("{name}: should have been refused"));
                }
                continue;
            }
            let Some(round) = rounds.get(name) else {
                failures.push(format!("{name}: not exported"));
                continue;
            };
            if round["round_only"] != Value::Bool(true) {
                failures.push(format!("{name}: not round-only ({})", round["pairing"]));
            }
            let players = round["players"].as_array().unwrap();
            let truth_players = file["players"].as_array().unwrap();
            if players.len() != truth_players.len() {
                failures.push(format!(
                    "{name}: {} players, truth {}",
                    players.len(),
                    truth_players.len()
                ));
                continue;
            }
            for (ours, theirs) in players.iter().zip(truth_players) {
                squads.last_mut().unwrap().push((
                    ours["squad"].clone(),
                    theirs["squad"].clone(),
                    ours["team_confidence"].clone(),
                ));
                let at = format!("{name} {}", ours["clean_name"]);
                let r = &theirs["round_only"];
                if ours["guid"] != theirs["guid8"] {
                    failures.push(format!(
                        "{at}: guid {} vs {}",
                        ours["guid"], theirs["guid8"]
                    ));
                }
                for (our_key, truth_key) in [
                    ("kills", "kills"),
                    ("deaths", "deaths"),
                    ("headshots", "headshots"),
                    ("damage_given", "damage_given"),
                    ("damage_received", "damage_received"),
                    ("team_damage_given", "team_damage_given"),
                    ("team_damage_received", "team_damage_received"),
                    ("gibs", "gibs"),
                    ("self_kills", "self_kills"),
                    ("team_kills", "team_kills"),
                    ("team_gibs", "team_gibs"),
                    ("xp", "xp"),
                    ("revives_given", "revives_given"),
                    ("times_revived", "times_revived"),
                    ("dynamites_planted", "dynamites_planted"),
                    ("dynamites_defused", "dynamites_defused"),
                    ("objectives_stolen", "objectives_stolen"),
                    ("objectives_returned", "objectives_returned"),
                    ("kill_assists", "kill_assists"),
                    ("kill_steals", "kill_steals"),
                    ("headshot_kills", "headshot_kills"),
                    ("bullets_fired", "bullets_fired"),
                    ("killing_spree", "killing_spree"),
                    ("death_spree", "death_spree"),
                    ("useful_kills", "useful_kills"),
                    ("useless_kills", "useless_kills"),
                    ("full_selfkills", "full_selfkills"),
                    ("repairs_constructions", "repairs_constructions"),
                    ("denied_playtime_s", "denied_playtime_seconds"),
                ] {
                    compared += 1;
                    if ours[our_key] != r[truth_key] {
                        failures.push(format!(
                            "{at} {our_key}: {} vs truth {}",
                            ours[our_key], r[truth_key]
                        ));
                    }
                }
                for (i, key) in ["2x", "3x", "4x", "5x", "6x"].iter().enumerate() {
                    compared += 1;
                    if ours["multikills"][i] != r["multikills"][key] {
                        failures.push(format!("{at} multikill {key}"));
                    }
                }
                compared += 1;
                if ours["weapons"] != r["weapons"] {
                    failures.push(format!(
                        "{at} weapons: {} vs truth {}",
                        ours["weapons"], r["weapons"]
                    ));
                }
                compared += 1;
                let tolerance = if int(&file["round"]) == 2 { 6 } else { 3 };
                if (int(&ours["time_played_s"]) - int(&r["time_played_seconds"])).abs() > tolerance
                {
                    failures.push(format!(
                        "{at} time played {} vs {}",
                        ours["time_played_s"], r["time_played_seconds"]
                    ));
                }
            }
        }
    }
    let (mut lines, mut right, mut high, mut high_wrong) = (0usize, 0usize, 0usize, 0usize);
    for night in &squads {
        // Our A may be the truth's B: one mapping per night, the better one.
        let relabel = |ours: &Value, flip: bool| match (ours.as_str(), flip) {
            (Some("A"), true) => Value::from("B"),
            (Some("B"), true) => Value::from("A"),
            _ => ours.clone(),
        };
        let agree = |flip: bool| {
            night
                .iter()
                .filter(|(ours, truth, _)| &relabel(ours, flip) == truth)
                .count()
        };
        let flip = agree(true) > agree(false);
        for (ours, truth, confidence) in night {
            let ours = relabel(ours, flip);
            lines += 1;
            right += usize::from(&ours == truth);
            if confidence == "high" {
                high += 1;
                high_wrong += usize::from(&ours != truth);
            }
        }
    }
    eprintln!(
        "squads through the store: {right}/{lines} right, {high} high, {high_wrong} high wrong"
    );
    assert!(right * 100 >= lines * 99, "squads right {right}/{lines}");
    assert_eq!(high_wrong, 0, "a high-confidence squad is wrong");
    assert!(high > 0);
    eprintln!(
        "corpus through the store: {files} files, {compared} values compared, {} mismatches",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(compared > 10_000);
}

#[derive(diesel::QueryableByName, Debug)]
struct ViewTotals {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    rows: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    kills: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    won: i64,
}

async fn the_classic_view_has_one_row_per_player_round(db: &TestDb) {
    use diesel_async::{AsyncConnection, RunQueryDsl};
    let store = db.open().await;
    import_all(&store, &sample_night()).await;
    let export = store.export().await.unwrap();
    let players: Vec<_> = export
        .sessions
        .iter()
        .flat_map(|s| &s.rounds)
        .flat_map(|r| &r.players)
        .collect();
    let kills: i64 = players.iter().map(|p| p.player.kills()).sum();

    let query = diesel::sql_query(
        "SELECT COUNT(*) AS rows, CAST(SUM(kills) AS BIGINT) AS kills, CAST(SUM(won_round) AS BIGINT) AS won \
         FROM player_comprehensive_stats WHERE session_id = '2025-11-02-201530'",
    );
    let totals: ViewTotals = if db.url.starts_with("postgres") {
        let mut conn = diesel_async::AsyncPgConnection::establish(&db.url)
            .await
            .unwrap();
        query.get_result(&mut conn).await.unwrap()
    } else {
        let path = etl_store::sqlite_path(&db.url).unwrap();
        let mut conn = diesel_async::sync_connection_wrapper::SyncConnectionWrapper::<
            diesel::SqliteConnection,
        >::establish(path)
        .await
        .unwrap();
        query.get_result(&mut conn).await.unwrap()
    };
    assert_eq!(totals.rows, players.len() as i64);
    assert_eq!(totals.kills, kills);
    // Every round of the sample has a winner: the winning side's players won it.
    let won = export
        .sessions
        .iter()
        .flat_map(|s| &s.rounds)
        .map(|r| {
            r.players
                .iter()
                .filter(|p| p.player.team.map(|t| t.as_str()) == Some(winner_of(&r.file)))
                .count() as i64
        })
        .sum::<i64>();
    assert_eq!(totals.won, won);
}

fn winner_of(file: &str) -> &'static str {
    let path = repo_root().join("testdata/sample-night").join(file);
    let round = etl_parser::Round::parse_named(file, &std::fs::read(path).unwrap()).unwrap();
    round.header.winner.unwrap().as_str()
}

/// The per-session totals follow every import, and a window's sums plus its
/// unsummed rows are exactly the window's rows.
async fn session_totals_follow_every_import(db: &TestDb) {
    let store = db.open().await;
    let files = sample_night();
    // Round 2s first (they wait), a late round 1 that renames the session, then the rest.
    let (round2, round1): (Vec<_>, Vec<_>) = files
        .iter()
        .cloned()
        .partition(|p| p.to_string_lossy().ends_with("round-2.txt"));
    import_all(&store, &round2).await;
    assert_eq!(
        store.session_totals_out_of_step().await.unwrap(),
        Vec::<String>::new()
    );
    import_all(&store, &round1).await;
    assert_eq!(
        store.session_totals_out_of_step().await.unwrap(),
        Vec::<String>::new()
    );
    // A second night under other names, one file of it in a batch of its own.
    let second: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            (
                format!("2025-11-10{}", &name[10..]),
                std::fs::read(path).unwrap(),
            )
        })
        .collect();
    let inputs: Vec<(&str, &[u8])> = second
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    store.import_files(&inputs).await.unwrap();
    assert_eq!(
        store.session_totals_out_of_step().await.unwrap(),
        Vec::<String>::new()
    );

    let sum = |records: &[etl_store::PlayerRecord]| {
        let mut by_player: std::collections::BTreeMap<i64, [i64; 6]> = Default::default();
        for r in records {
            let t = by_player.entry(r.player.id).or_default();
            t[0] += 1;
            t[1] += r.stats.kills;
            t[2] += r.stats.damage_given;
            t[3] += r.stats.time_played_s;
            t[4] = t[4].max(r.stats.killing_spree);
            t[5] += r.stats.revives_given.unwrap_or(0);
        }
        by_player
    };
    let played: Vec<String> = store
        .records(&etl_store::RecordFilter::default())
        .await
        .unwrap()
        .iter()
        .map(|r| r.round.played_at.clone())
        .collect();
    let middle = played[played.len() / 3].clone();
    // Whole history, cut inside the first night, from a cut, up to a cut, nothing.
    let windows = [
        (None, None),
        (Some(middle.clone()), None),
        (None, Some(middle.clone())),
        (Some(middle.clone()), Some("2025-11-10 21:00:00".to_owned())),
        (Some("2030-01-01 00:00:00".to_owned()), None),
    ];
    for (from, to) in windows {
        let rows = store
            .records(&etl_store::RecordFilter {
                from: from.clone(),
                to: to.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        let expected = sum(&rows);
        let window = store
            .window_totals(from.as_deref(), to.as_deref(), false)
            .await
            .unwrap();
        let mut got = sum(&window.records);
        for s in &window.summed {
            let t = got.entry(s.player_id).or_default();
            t[0] += s.rounds;
            t[1] += s.kills;
            t[2] += s.damage_given;
            t[3] += s.time_played_s;
            t[4] = t[4].max(s.best_spree);
            t[5] += s.revives_given;
        }
        assert_eq!(got, expected, "window {from:?}..{to:?}");
        if from.is_some() && to.is_none() && from.as_deref() == Some(middle.as_str()) {
            assert!(!window.records.is_empty(), "a cut night leaves raw rows");
            assert!(!window.summed.is_empty(), "the second night is summed");
        }
    }
}

/// A second process opening the SQLite file while another holds its lock
/// (an `ask` while the bot imports) waits for it instead of failing.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_open_waits_for_a_lock_held_by_another_connection() {
    use diesel::Connection;
    use diesel::connection::SimpleConnection;

    let db = TestDb::sqlite();
    drop(
        Store::open(&db.url, ImportOptions::default())
            .await
            .unwrap(),
    );
    let path = etl_store::sqlite_path(&db.url).unwrap().to_owned();
    let mut holder = diesel::SqliteConnection::establish(&path).unwrap();
    // Rollback mode: an exclusive transaction keeps every other connection out,
    // as the switch to WAL does on a file that is not in WAL yet.
    holder
        .batch_execute("PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE;")
        .unwrap();
    let release = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(400));
        holder.batch_execute("COMMIT;").unwrap();
    });
    let store = Store::connect(&db.url, ImportOptions::default()).await;
    release.join().unwrap();
    let store = store.expect("the open waited for the lock");
    assert!(store.processed_files().await.unwrap().is_empty());
}

/// `weapon_sums` and `met_sums` add up in SQL what the raw rows add up to, for
/// every player, over all time and over windows cutting the night.
async fn sums_the_database_adds_match_the_rows(db: &TestDb) {
    use std::collections::BTreeMap;

    let store = Store::open(&db.url, ImportOptions::default())
        .await
        .unwrap();
    import_all(&store, &sample_night()).await;
    let everyone_ever = store
        .records(&etl_store::RecordFilter::default())
        .await
        .unwrap();
    let middle = everyone_ever[everyone_ever.len() / 2]
        .round
        .played_at
        .clone();
    let windows = [
        (None, None),
        (Some(middle.clone()), None),
        (None, Some(middle)),
    ];
    let players = store.players().await.unwrap();
    assert!(players.len() > 6);
    let mut met_someone = false;
    for player in &players {
        for (from, to) in &windows {
            let filter = etl_store::RecordFilter {
                players: Some(vec![player.id]),
                from: from.clone(),
                to: to.clone(),
                include_bots: true,
                ..Default::default()
            };
            let mine = store.records(&filter).await.unwrap();

            for by in [SumBy::Window, SumBy::Session, SumBy::Map, SumBy::Day] {
                let key = |r: &etl_store::PlayerRecord| match by {
                    SumBy::Window => String::new(),
                    SumBy::Session => r
                        .round
                        .session_id
                        .clone()
                        .unwrap_or_else(|| r.round.played_at[..10].to_owned()),
                    SumBy::Map => r.round.map.clone(),
                    SumBy::Day => r.round.played_at[..10].to_owned(),
                };
                let mut groups: Vec<(String, Vec<&etl_store::PlayerRecord>)> = Vec::new();
                for record in &mine {
                    let k = key(record);
                    match groups.iter_mut().find(|(g, _)| *g == k) {
                        Some((_, rows)) => rows.push(record),
                        None => groups.push((k, vec![record])),
                    }
                }
                let expected: Vec<_> = groups
                    .iter()
                    .map(|(k, rows)| {
                        let distinct = |f: &dyn Fn(&etl_store::PlayerRecord) -> Option<String>| {
                            rows.iter()
                                .filter_map(|r| f(r))
                                .collect::<std::collections::BTreeSet<_>>()
                                .len() as i64
                        };
                        let sum = |f: &dyn Fn(&etl_store::models::StatsRow) -> i64| {
                            rows.iter().map(|r| f(&r.stats)).sum::<i64>()
                        };
                        let result = |won: bool| {
                            rows.iter()
                                .filter(|r| {
                                    let team =
                                        r.stats.team.as_deref().filter(|t| *t != "spectator");
                                    match (team, r.round.winner.as_deref()) {
                                        (Some(team), Some(winner)) => (team == winner) == won,
                                        _ => false,
                                    }
                                })
                                .count() as i64
                        };
                        (
                            k.clone(),
                            vec![
                                rows.len() as i64,
                                distinct(&|r| r.round.session_id.clone()),
                                distinct(&|r| Some(r.round.map.clone())),
                                sum(&|s| s.kills),
                                sum(&|s| s.deaths),
                                sum(&|s| s.damage_given),
                                sum(&|s| s.time_played_s),
                                sum(&|s| s.revives_given.unwrap_or(0)),
                                sum(&|s| s.multikill_6.unwrap_or(0)),
                                sum(&|s| s.objectives_stolen),
                                rows.iter()
                                    .map(|r| r.stats.killing_spree)
                                    .max()
                                    .unwrap_or(0),
                                result(true),
                                result(false),
                            ],
                            rows.first().unwrap().round.played_at.clone(),
                            rows.last().unwrap().round.played_at.clone(),
                        )
                    })
                    .collect();
                let got: Vec<_> = store
                    .player_sums(player.id, from.as_deref(), to.as_deref(), by)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|g| {
                        let t = &g.sums;
                        assert_eq!(t.player_id, player.id);
                        (
                            g.key,
                            vec![
                                t.rounds,
                                t.sessions,
                                g.maps,
                                t.kills,
                                t.deaths,
                                t.damage_given,
                                t.time_played_s,
                                t.revives_given,
                                t.multikill_6,
                                t.objectives_stolen,
                                t.best_spree,
                                t.wins,
                                t.losses,
                            ],
                            g.first_played,
                            g.last_played,
                        )
                    })
                    .collect();
                assert_eq!(
                    got, expected,
                    "{by:?} sums of {} in {from:?}..{to:?}",
                    player.last_clean_name
                );
            }

            let weapon_rows = store.weapons_of(&mine).await.unwrap();
            let mut expected: BTreeMap<String, [i64; 5]> = BTreeMap::new();
            for record in &mine {
                for w in weapon_rows
                    .get(&(record.round.id, record.stats.line_index))
                    .into_iter()
                    .flatten()
                {
                    let sum = expected.entry(w.weapon.clone()).or_default();
                    for (total, value) in
                        sum.iter_mut()
                            .zip([w.kills, w.deaths, w.hits, w.shots, w.headshots])
                    {
                        *total += value;
                    }
                }
            }
            let got: BTreeMap<String, [i64; 5]> = store
                .weapon_sums(player.id, from.as_deref(), to.as_deref())
                .await
                .unwrap()
                .into_iter()
                .map(|w| (w.weapon, [w.kills, w.deaths, w.hits, w.shots, w.headshots]))
                .collect();
            assert_eq!(
                got, expected,
                "weapons of {} in {from:?}..{to:?}",
                player.last_clean_name
            );

            let playing = |team: &Option<String>| {
                team.as_deref()
                    .filter(|t| *t == "axis" || *t == "allies")
                    .map(str::to_owned)
            };
            let mut expected: BTreeMap<(i64, i64), (String, [i64; 7])> = BTreeMap::new();
            for me in &mine {
                let Some(my_team) = playing(&me.stats.team) else {
                    continue;
                };
                for other in everyone_ever.iter().filter(|o| o.round.id == me.round.id) {
                    let Some(their_team) = playing(&other.stats.team) else {
                        continue;
                    };
                    if other.player.id == player.id {
                        continue;
                    }
                    let entry = expected
                        .entry((other.player.id, i64::from(their_team == my_team)))
                        .or_insert_with(|| (other.player.last_clean_name.clone(), [0; 7]));
                    let winner = me.round.winner.as_deref();
                    for (total, value) in entry.1.iter_mut().zip([
                        1,
                        i64::from(winner == Some(my_team.as_str())),
                        i64::from(winner.is_some_and(|w| w != my_team)),
                        me.stats.kills,
                        me.stats.deaths,
                        other.stats.kills,
                        other.stats.deaths,
                    ]) {
                        *total += value;
                    }
                }
            }
            let got: BTreeMap<(i64, i64), (String, [i64; 7])> = store
                .met_sums(player.id, from.as_deref(), to.as_deref())
                .await
                .unwrap()
                .into_iter()
                .map(|m| {
                    let sums = [
                        m.rounds,
                        m.wins,
                        m.losses,
                        m.kills,
                        m.deaths,
                        m.their_kills,
                        m.their_deaths,
                    ];
                    ((m.player_id, m.same_side), (m.name, sums))
                })
                .collect();
            met_someone |=
                got.keys().any(|(_, same)| *same == 1) && got.keys().any(|(_, same)| *same == 0);
            assert_eq!(
                got, expected,
                "met by {} in {from:?}..{to:?}",
                player.last_clean_name
            );
        }
    }
    assert!(met_someone, "the night has teammates and opponents");
}

async fn announced_imports_queue_their_rounds_once(db: &TestDb) {
    let store = db.open().await;
    let announced = ImportOptions {
        source: "game".to_owned(),
        announce: true,
        ..ImportOptions::default()
    };
    let files = sample_night();
    let read = |i: usize| std::fs::read(&files[i]).unwrap();
    let name = |i: usize| files[i].file_name().unwrap().to_str().unwrap().to_owned();

    // A bulk import queues nothing.
    store.import_file(&name(0), &read(0)).await.unwrap();
    assert_eq!(store.waiting_announcements(100).await.unwrap(), []);

    let mut queued = Vec::new();
    for i in 1..4 {
        match store
            .import_file_with(&announced, &name(i), &read(i))
            .await
            .unwrap()
        {
            ImportOutcome::Imported { round_id, .. } => queued.push(round_id),
            other => panic!("{other:?}"),
        }
    }
    // The same file again, and a broken one: no new entry.
    store
        .import_file_with(&announced, &name(1), &read(1))
        .await
        .unwrap();
    let broken = store
        .import_file_with(
            &announced,
            "2025-11-02-230000-supply-round-1.txt",
            b"not a stats file\n",
        )
        .await
        .unwrap();
    assert!(matches!(broken, ImportOutcome::Failed { .. }), "{broken:?}");

    let waiting = store.waiting_announcements(100).await.unwrap();
    assert_eq!(
        waiting.iter().map(|w| w.round_id).collect::<Vec<_>>(),
        queued,
        "in import order"
    );
    let queued_at = waiting[0].queued_at.unwrap();
    assert!(jiff::Timestamp::now().duration_since(queued_at).as_secs() < 60);
    assert_eq!(store.waiting_announcements(2).await.unwrap().len(), 2);

    assert!(
        store
            .finish_announcement(queued[0], "posted")
            .await
            .unwrap()
    );
    assert!(
        !store
            .finish_announcement(queued[0], "posted")
            .await
            .unwrap(),
        "finished once"
    );
    assert!(
        store
            .finish_announcement(queued[2], "too old")
            .await
            .unwrap()
    );
    let waiting = store.waiting_announcements(100).await.unwrap();
    assert_eq!(
        waiting.iter().map(|w| w.round_id).collect::<Vec<_>>(),
        [queued[1]]
    );
    let counts = store.table_counts().await.unwrap();
    assert!(counts.contains(&("round_announcements", 3)), "{counts:?}");

    let hour_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(1);
    let backlog = store.announcement_backlog(hour_ago).await.unwrap();
    assert_eq!(backlog.waiting, 1);
    assert_eq!(backlog.oldest_waiting, waiting[0].queued_at);
    assert_eq!(backlog.given_up, 1, "the one too old, not the posted one");
    assert_eq!(backlog.last_given_up.as_deref(), Some("too old"));
    let later = jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1);
    let backlog = store.announcement_backlog(later).await.unwrap();
    assert_eq!((backlog.waiting, backlog.given_up), (1, 0));
}

/// Another writer of the same process (the bot recording a posted card, a
/// `!link`) must not make an import fail: SQLite answers "database is
/// locked" at once, without waiting, to a transaction that read before it
/// wrote while another connection wrote.
#[tokio::test(flavor = "multi_thread")]
async fn sqlite_imports_wait_for_other_writers_instead_of_failing() {
    let db = TestDb::sqlite();
    let store = std::sync::Arc::new(db.open().await);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let store = std::sync::Arc::clone(&store);
        let stop = std::sync::Arc::clone(&stop);
        tokio::spawn(async move {
            let mut writes = 0_u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Queued rounds taken off the queue, as the bot does after each post.
                for round in 1..=20 {
                    store.finish_announcement(round, "posted").await.unwrap();
                }
                writes += 1;
            }
            writes
        })
    };
    let files = sample_night();
    for night in 0..6 {
        for path in &files {
            let name = path.file_name().unwrap().to_str().unwrap();
            let name = format!("2026-02-{:02}{}", night + 1, &name[10..]);
            let announced = ImportOptions {
                announce: true,
                ..ImportOptions::default()
            };
            let outcome = store
                .import_file_with(&announced, &name, &std::fs::read(path).unwrap())
                .await;
            assert!(
                matches!(outcome, Ok(ImportOutcome::Imported { .. })),
                "{name}: {outcome:?}"
            );
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(writer.await.unwrap() > 0);
}
