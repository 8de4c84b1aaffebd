//! The hard cases of squad detection, each a small night built in code.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]

use etl_parser::Round;
use etl_teams::{
    Confidence, Detection, Layer, PlayerInput, PlayerKey, PriorAssignment, RoundInput, RoundNumber,
    SessionInput, Side, Squad, TeamsError, detect,
};

const A: [&str; 4] = ["A1", "A2", "A3", "A4"];
const B: [&str; 4] = ["B1", "B2", "B3", "B4"];

fn line(key: &str, side: Side) -> PlayerInput {
    PlayerInput::new(PlayerKey::new(key), key)
        .with_side(side)
        .with_seconds(600)
}

/// `maps` stopwatch maps of `a` against `b`; squad `a` on Axis in round 1 of
/// even maps, Allies on odd ones; Axis defends.
fn stopwatch(maps: usize, a: &[&str], b: &[&str]) -> Vec<RoundInput> {
    let mut rounds = Vec::new();
    for m in 0..maps {
        let first = if m % 2 == 0 { Side::Axis } else { Side::Allies };
        for (number, a_side) in [(RoundNumber::One, first), (RoundNumber::Two, first.other())] {
            let mut round = RoundInput::new(format!("map{m}"), number, Some(Side::Axis));
            round.players.extend(a.iter().map(|k| line(k, a_side)));
            round
                .players
                .extend(b.iter().map(|k| line(k, a_side.other())));
            rounds.push(round);
        }
    }
    rounds
}

fn player<'a>(round: &'a mut RoundInput, key: &str) -> &'a mut PlayerInput {
    round
        .players
        .iter_mut()
        .find(|p| p.key.as_str() == key)
        .unwrap()
}

/// (round, squad, confidence, layer) of every line of `key`.
fn lines_of(detection: &Detection, key: &str) -> Vec<(usize, Option<Squad>, Confidence, Layer)> {
    detection
        .rounds
        .iter()
        .enumerate()
        .flat_map(|(r, round)| {
            round
                .players
                .iter()
                .filter(|p| p.key.as_str() == key)
                .map(move |p| (r, p.squad, p.confidence, p.layer))
        })
        .collect()
}

fn squads_of(detection: &Detection, key: &str) -> Vec<Option<Squad>> {
    lines_of(detection, key).into_iter().map(|l| l.1).collect()
}

/// Everyone of the regular squads other than `except` is in his squad in
/// every round, with `High` confidence.
fn regulars_are_sure(detection: &Detection, except: &[&str]) {
    for (keys, squad) in [(A, Squad::A), (B, Squad::B)] {
        for key in keys.iter().filter(|k| !except.contains(k)) {
            for (round, got, confidence, _) in lines_of(detection, key) {
                assert_eq!(got, Some(squad), "{key} in round {round}");
                assert_eq!(confidence, Confidence::High, "{key} in round {round}");
            }
        }
    }
}

#[test]
fn a_plain_night_is_all_high_and_labelled_by_the_first_axis_squad() {
    let detection = detect(&SessionInput::new(stopwatch(3, &A, &B))).unwrap();
    regulars_are_sure(&detection, &[]);
    // Axis defends, so squad B (Allies in round 1) attacks first on map 0,
    // and squad A on map 1 (where A starts on Allies).
    let first: Vec<_> = detection.maps.iter().map(|m| m.first_attacker).collect();
    assert_eq!(first, [Some(Squad::B), Some(Squad::A), Some(Squad::B)]);
    let roster: Vec<_> = detection.rosters.a.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(roster, A);
    assert!(detection.rosters.b.iter().all(|e| e.rounds == 6));
}

#[test]
fn side_switch_mid_round_keeps_the_squad_without_high() {
    // A2 ends round 2 of map 1 on the side he had in round 1, with squad B.
    let mut rounds = stopwatch(3, &A, &B);
    let side = player(&mut rounds[2], "A2").side;
    player(&mut rounds[3], "A2").side = side;
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    assert_eq!(squads_of(&detection, "A2"), vec![Some(Squad::A); 6]);
    let lines = lines_of(&detection, "A2");
    assert_eq!(lines[3].3, Layer::History);
    assert!(lines[2].2 < Confidence::High && lines[3].2 < Confidence::High);
    regulars_are_sure(&detection, &["A2"]);
}

#[test]
fn a_switch_in_the_first_round_of_the_night_is_read_from_the_objectives() {
    // Axis defends and squad B attacks in round 1 of map 0. B3 plants, then
    // switches and ends the round on Axis; in round 2 he is back with B (who
    // now defend on Axis), so the two rounds of the map contradict each
    // other and there is no earlier round to go by.
    let mut rounds = stopwatch(2, &A, &B);
    let b3 = player(&mut rounds[0], "B3");
    b3.objectives.dynamites_planted = 1;
    b3.side = Some(Side::Axis);
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    let lines = lines_of(&detection, "B3");
    assert_eq!(lines[0].1, Some(Squad::B));
    assert_eq!(lines[0].3, Layer::Objectives);
    assert!(
        lines
            .iter()
            .all(|l| l.1 == Some(Squad::B) && l.2 < Confidence::High)
    );
}

#[test]
fn a_late_joiner_with_a_small_share_is_not_high() {
    let mut rounds = stopwatch(3, &A, &B);
    for player in &mut rounds[5].players {
        player.rounds = Some(1);
    }
    let b_side = player(&mut rounds[5], "B1").side.unwrap();
    rounds[5]
        .players
        .push(line("LATE", b_side).with_seconds(45).with_rounds(0));
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    let lines = lines_of(&detection, "LATE");
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].1, Some(Squad::B));
    assert!(lines[0].2 < Confidence::High);
    regulars_are_sure(&detection, &[]);
}

#[test]
fn a_leaver_and_his_replacement_are_in_the_same_squad() {
    // B4 leaves after half of round 1 of map 1; NEW plays round 2 for B.
    let mut rounds = stopwatch(3, &A, &B);
    player(&mut rounds[2], "B4").presence.seconds = Some(300);
    rounds[3].players.retain(|p| p.key.as_str() != "B4");
    let b_side = player(&mut rounds[3], "B1").side.unwrap();
    rounds[3].players.push(line("NEW", b_side));
    for later in &mut rounds[4..] {
        later.players.retain(|p| p.key.as_str() != "B4");
    }
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    let b4 = lines_of(&detection, "B4");
    assert!(b4.iter().all(|l| l.1 == Some(Squad::B)));
    assert!(b4[2].2 < Confidence::High, "half a round is not High");
    assert_eq!(squads_of(&detection, "NEW"), [Some(Squad::B)]);
    regulars_are_sure(&detection, &["B4"]);
}

#[test]
fn a_reconnect_keeps_the_squad_without_high() {
    let mut rounds = stopwatch(2, &A, &B);
    for player in &mut rounds[3].players {
        player.rounds = Some(1);
    }
    let a1 = player(&mut rounds[3], "A1");
    a1.rounds = Some(0);
    a1.presence.seconds = Some(540);
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    let lines = lines_of(&detection, "A1");
    assert_eq!(lines[3].1, Some(Squad::A));
    assert_eq!(lines[3].2, Confidence::Medium);
    assert_eq!(lines[2].2, Confidence::High);
}

#[test]
fn a_spectator_line_keeps_the_squad_of_earlier_in_the_night() {
    let mut rounds = stopwatch(2, &A, &B);
    let a4 = player(&mut rounds[3], "A4");
    a4.side = None;
    a4.presence.seconds = Some(0);
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    let line = detection.rounds[3]
        .players
        .iter()
        .find(|p| p.key.as_str() == "A4")
        .unwrap();
    assert_eq!(
        (line.side, line.squad, line.confidence, line.layer),
        (None, Some(Squad::A), Confidence::Medium, Layer::History)
    );
}

#[test]
fn a_first_line_as_spectator_takes_the_night_long_squad() {
    let mut rounds = stopwatch(3, &A, &B);
    player(&mut rounds[0], "B2").side = None;
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    let first = lines_of(&detection, "B2")[0];
    assert_eq!(
        (first.1, first.2, first.3),
        (Some(Squad::B), Confidence::Medium, Layer::Collaboration)
    );
}

#[test]
fn uneven_squads_are_detected() {
    let detection = detect(&SessionInput::new(stopwatch(3, &A, &B[..3]))).unwrap();
    regulars_are_sure(&detection, &["B4"]);
    assert!(lines_of(&detection, "B4").is_empty());
    assert_eq!(detection.rosters.b.len(), 3);
}

#[test]
fn a_player_who_changes_squad_between_maps_gets_the_squad_he_played_for() {
    // After two maps A4 and B4 swap squads for the last two.
    let mut rounds = stopwatch(4, &A, &B);
    for round in &mut rounds[4..] {
        let a_side = player(round, "A1").side.unwrap();
        player(round, "A4").side = Some(a_side.other());
        player(round, "B4").side = Some(a_side);
    }
    let detection = detect(&SessionInput::new(rounds)).unwrap();
    let expected = |first: Squad| [[Some(first); 4], [Some(first.other()); 4]].concat();
    assert_eq!(squads_of(&detection, "A4"), expected(Squad::A));
    assert_eq!(squads_of(&detection, "B4"), expected(Squad::B));
    for key in ["A4", "B4"] {
        assert!(
            lines_of(&detection, key)
                .iter()
                .all(|l| l.2 < Confidence::High)
        );
        let on = |squad: Squad| {
            detection
                .rosters
                .of(squad)
                .iter()
                .find(|e| e.key.as_str() == key)
                .map(|e| e.rounds)
        };
        assert_eq!((on(Squad::A), on(Squad::B)), (Some(4), Some(4)), "{key}");
    }
    regulars_are_sure(&detection, &["A4", "B4"]);
}

#[test]
fn the_answer_does_not_depend_on_the_order_of_the_lines() {
    let rounds = stopwatch(3, &A, &B);
    let mut reversed = rounds.clone();
    for round in &mut reversed {
        round.players.reverse();
    }
    let forward = detect(&SessionInput::new(rounds)).unwrap();
    let backward = detect(&SessionInput::new(reversed)).unwrap();
    for key in A.iter().chain(&B) {
        assert_eq!(lines_of(&forward, key), lines_of(&backward, key), "{key}");
    }
}

/// A duel map of two players the main squads never meet.
fn night_with_a_separate_duel() -> Vec<RoundInput> {
    let mut rounds = stopwatch(2, &A, &B);
    for number in [RoundNumber::One, RoundNumber::Two] {
        let p_side = if number == RoundNumber::One {
            Side::Axis
        } else {
            Side::Allies
        };
        let mut duel = RoundInput::new("duel", number, Some(Side::Axis));
        duel.players.push(line("P", p_side));
        duel.players.push(line("Q", p_side.other()));
        rounds.push(duel);
    }
    rounds
}

#[test]
fn prior_history_places_a_group_that_never_met_the_squads() {
    let session =
        SessionInput::new(night_with_a_separate_duel()).with_prior(vec![PriorAssignment {
            player: PlayerKey::new("Q"),
            squad_mates: vec![PlayerKey::new("A1"), PlayerKey::new("A2")],
            weight: 2.0,
        }]);
    let detection = detect(&session).unwrap();
    for (key, squad) in [("Q", Squad::A), ("P", Squad::B)] {
        for (_, got, confidence, layer) in lines_of(&detection, key) {
            assert_eq!(
                (got, confidence, layer),
                (Some(squad), Confidence::Low, Layer::History)
            );
        }
    }
}

#[test]
fn balance_places_a_group_nothing_else_can() {
    let detection = detect(&SessionInput::new(night_with_a_separate_duel())).unwrap();
    let p = lines_of(&detection, "P");
    let q = lines_of(&detection, "Q");
    assert!(
        p.iter()
            .chain(&q)
            .all(|l| l.2 == Confidence::Low && l.3 == Layer::Balance)
    );
    // The duellists stay on opposite squads, each the same all night.
    assert_eq!(p[0].1, p[1].1);
    assert_eq!(q[0].1, q[1].1);
    assert_ne!(p[0].1, q[0].1);
}

// Parsed rounds.

const HEADER_R1: &str = "^1ET\\supply\\legacy6\\1\\1\\2\\12:00\\8:00\n";

/// A player line: MP40 activity, the given side code and minutes played.
fn file_line(guid: &str, name: &str, team: u8, minutes: f64, damage: i64, plants: i64) -> String {
    let mut fields = vec!["0".to_owned(); 38];
    for float in [8, 21, 22, 23, 24, 25, 26] {
        fields[float] = "0.0".into();
    }
    fields[0] = damage.to_string();
    fields[8] = "80.0".into();
    fields[17] = plants.to_string();
    fields[22] = format!("{minutes:.1}");
    format!(
        "{guid}\\{name}\\0\\{team}\\16 1 4 1 0 0 \t{}\n",
        fields.join("\t")
    )
}

fn parsed(lines: &[String]) -> Round {
    let text = format!("{HEADER_R1}{}", lines.concat());
    Round::parse_named("2025-11-07-205841-supply-round-1.txt", text.as_bytes()).unwrap()
}

#[test]
fn from_round_reads_sides_presence_objectives_and_skill() {
    let round = RoundInput::from_round(&parsed(&[
        file_line("ABCDEF12", "^1Sl^7omix", 2, 8.0, 1600, 2),
        file_line("12345678", "spec", 3, 0.0, 0, 0),
    ]))
    .unwrap();
    assert_eq!(
        (round.map.as_str(), round.round),
        ("supply", RoundNumber::One)
    );
    assert_eq!(round.defender, Some(Side::Axis));
    let player = &round.players[0];
    assert_eq!(player.key.as_str(), "ABCDEF12");
    assert_eq!(player.name, "Slomix");
    assert_eq!(player.side, Some(Side::Allies));
    assert_eq!(player.presence.seconds, Some(480));
    assert_eq!(player.objectives.dynamites_planted, 2);
    assert_eq!(player.skill, 200.0);
    assert_eq!(round.players[1].side, None);
}

#[test]
fn bots_sharing_a_guid_are_told_apart_and_get_no_squad() {
    let humans = |round: &mut Vec<String>| {
        round.push(file_line("AAAA0001", "one", 1, 8.0, 100, 0));
        round.push(file_line("AAAA0002", "two", 1, 8.0, 100, 0));
        round.push(file_line("BBBB0001", "three", 2, 8.0, 100, 0));
        round.push(file_line("BBBB0002", "four", 2, 8.0, 100, 0));
    };
    let mut lines = Vec::new();
    humans(&mut lines);
    lines.push(file_line("OMNIBOT0", "[BOT]Hoss", 1, 8.0, 100, 0));
    lines.push(file_line("OMNIBOT0", "[BOT]Sarge", 2, 8.0, 100, 0));
    let session = SessionInput::from_rounds([&parsed(&lines)]).unwrap();
    let keys: Vec<_> = session.rounds[0].players[4..]
        .iter()
        .map(|p| p.key.as_str())
        .collect();
    assert_eq!(keys, ["OMNIBOT0:[BOT]Hoss", "OMNIBOT0:[BOT]Sarge"]);
    let detection = detect(&session).unwrap();
    for bot in &detection.rounds[0].players[4..] {
        assert_eq!((bot.squad, bot.layer), (None, Layer::Excluded));
    }
    assert!(
        detection.rounds[0].players[..4]
            .iter()
            .all(|p| p.squad.is_some())
    );
}

#[test]
fn two_players_with_the_same_name_are_two_players() {
    let lines = [
        file_line("FE46254C", "^1Ghost", 1, 8.0, 100, 0),
        file_line("AAAA0001", "Lynx", 1, 8.0, 100, 0),
        file_line("DC9FC22B", "^4Ghost", 2, 8.0, 100, 0),
        file_line("BBBB0001", "Orca", 2, 8.0, 100, 0),
    ];
    let detection = detect(&SessionInput::from_rounds([&parsed(&lines)]).unwrap()).unwrap();
    let squads: Vec<_> = detection.rounds[0]
        .players
        .iter()
        .map(|p| p.squad)
        .collect();
    assert_eq!(
        squads,
        [
            Some(Squad::A),
            Some(Squad::A),
            Some(Squad::B),
            Some(Squad::B)
        ]
    );
}

#[test]
fn humans_whose_guids_collide_are_keyed_by_name_all_night() {
    // Two humans share the GUID8 in round 1; in round 2 only one is there.
    let first = parsed(&[
        file_line("CAFE0001", "Alpha", 1, 8.0, 100, 0),
        file_line("CAFE0001", "Bravo", 2, 8.0, 100, 0),
    ]);
    let second = parsed(&[file_line("CAFE0001", "Alpha", 1, 8.0, 100, 0)]);
    let session = SessionInput::from_rounds([&first, &second]).unwrap();
    assert_eq!(session.rounds[1].players[0].key.as_str(), "CAFE0001:Alpha");
    let alone = RoundInput::from_round(&second).unwrap();
    assert_eq!(alone.players[0].key.as_str(), "CAFE0001");
}

#[test]
fn a_cumulative_round_two_is_refused() {
    let text = format!(
        "^1ET\\supply\\legacy6\\2\\1\\2\\8:00\\8:00\n{}",
        file_line("AAAA0001", "one", 2, 8.0, 100, 0)
    );
    let round = Round::parse(text.as_bytes()).unwrap();
    assert_eq!(
        RoundInput::from_round(&round),
        Err(TeamsError::CumulativeRound {
            map: "supply".into()
        })
    );
}

#[test]
fn invalid_input_is_refused_with_the_round_and_player() {
    let mut duplicate = stopwatch(1, &A, &B);
    duplicate[1].players.push(line("A1", Side::Axis));
    assert_eq!(
        detect(&SessionInput::new(duplicate)),
        Err(TeamsError::DuplicatePlayer {
            round: 1,
            key: "A1".into()
        })
    );

    let mut presence = stopwatch(1, &A, &B);
    presence[0].players[2].presence.percent = Some(f64::NAN);
    assert!(matches!(
        detect(&SessionInput::new(presence)),
        Err(TeamsError::InvalidPresence { round: 0, key, .. }) if key == "A3"
    ));

    let mut skill = stopwatch(1, &A, &B);
    skill[1].players[5].skill = f64::INFINITY;
    assert!(matches!(
        detect(&SessionInput::new(skill)),
        Err(TeamsError::InvalidSkill { round: 1, key, .. }) if key == "B2"
    ));

    let prior = SessionInput::new(stopwatch(1, &A, &B)).with_prior(vec![PriorAssignment {
        player: PlayerKey::new("A1"),
        squad_mates: vec![PlayerKey::new("A2")],
        weight: -1.0,
    }]);
    assert!(matches!(
        detect(&prior),
        Err(TeamsError::InvalidPriorWeight { index: 0, .. })
    ));
}

#[test]
fn an_empty_session_has_no_squads() {
    let detection = detect(&SessionInput::default()).unwrap();
    assert!(detection.rounds.is_empty() && detection.maps.is_empty());
    assert!(detection.rosters.a.is_empty() && detection.rosters.b.is_empty());
}
