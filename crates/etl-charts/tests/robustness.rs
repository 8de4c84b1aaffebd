//! Odd data draws or fails with an error, never a panic: no rows, one row,
//! hundreds of rows, zeros, NaN and infinities, negative numbers, names the
//! font cannot draw, very long names.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod fixtures;

use etl_charts::{
    Chart, ChartError, DayRounds, DpmLine, DpmPoint, MapScore, PlayerActivity, PlayerLine,
    SessionResult, TrendPoint,
};

fn renders(chart: impl Into<Chart>) -> Vec<u8> {
    let chart = chart.into();
    let png = chart.render().unwrap();
    assert_eq!(Chart::from_png(&png).unwrap().kind(), chart.kind());
    png
}

#[test]
fn empty_data_is_an_error_not_a_picture() {
    let mut players = fixtures::session_players();
    players.players.clear();
    let mut score = fixtures::session_score();
    score.maps.clear();
    let mut dpm = fixtures::session_dpm();
    dpm.players.iter_mut().for_each(|p| p.points.clear());
    let mut trends = fixtures::player_trends();
    trends.sessions.clear();
    let mut activity = fixtures::player_activity();
    activity.days.iter_mut().for_each(|d| d.rounds = 0);
    let mut comparison = fixtures::player_comparison();
    comparison.metrics.clear();
    let mut weapons = fixtures::player_weapons();
    weapons.weapons.clear();
    let mut squads = fixtures::squad_results();
    squads.sessions.clear();
    let charts: Vec<Chart> = vec![
        players.into(),
        score.into(),
        dpm.into(),
        trends.into(),
        activity.into(),
        comparison.into(),
        weapons.into(),
        squads.into(),
    ];
    for chart in charts {
        assert!(
            matches!(chart.render(), Err(ChartError::NoData(_))),
            "{}",
            chart.kind()
        );
    }
}

#[test]
fn one_of_everything_draws() {
    let mut players = fixtures::session_players();
    players.players.truncate(1);
    renders(players);
    let mut score = fixtures::session_score();
    score.maps.truncate(1);
    renders(score);
    let mut dpm = fixtures::session_dpm();
    dpm.rounds.truncate(1);
    renders(dpm);
    let mut trends = fixtures::player_trends();
    trends.sessions.truncate(1);
    renders(trends);
    let mut activity = fixtures::player_activity();
    activity.days.truncate(1);
    renders(activity);
    let mut squads = fixtures::squad_results();
    squads.sessions.truncate(1);
    renders(squads);
}

#[test]
fn many_rows_and_long_histories_draw() {
    let mut players = fixtures::session_players();
    let template = players.players[0].clone();
    players.players = (0..200)
        .map(|i| PlayerLine {
            name: format!("player number {i} with a rather long name indeed"),
            damage: i * 97,
            ..template.clone()
        })
        .collect();
    renders(players);
    let mut dpm = fixtures::session_dpm();
    dpm.rounds = (0..60)
        .map(|i| format!("a_very_long_map_name_{i} R{}", i % 2 + 1))
        .collect();
    dpm.players = (0..20)
        .map(|p| DpmLine {
            name: format!("p{p}"),
            points: (0..60)
                .map(|r| DpmPoint {
                    round: r,
                    dpm: (p * r) as f64,
                })
                .collect(),
        })
        .collect();
    renders(dpm);
    let mut trends = fixtures::player_trends();
    let point = trends.sessions[0].clone();
    trends.sessions = (0..400)
        .map(|i| TrendPoint {
            label: format!("session {i}"),
            ..point.clone()
        })
        .collect();
    renders(trends);
    // Three years of play: the calendar shows the last 53 weeks and says so.
    let start = jiff::civil::date(2023, 1, 1);
    let days = (0..1000)
        .step_by(3)
        .map(|i| DayRounds {
            day: start.checked_add(jiff::Span::new().days(i)).unwrap(),
            rounds: (i % 13) as u32 + 1,
        })
        .collect();
    renders(PlayerActivity {
        days,
        ..fixtures::player_activity()
    });
    let mut squads = fixtures::squad_results();
    squads.sessions = (0..300)
        .map(|i| SessionResult {
            label: format!("s{i}"),
            won: i % 5,
            lost: i % 3,
            open: 0,
        })
        .collect();
    renders(squads);
    let mut score = fixtures::session_score();
    score.maps = (0..40)
        .map(|i| MapScore {
            map: format!("map{i}"),
            a: i,
            b: i / 2,
        })
        .collect();
    renders(score);
}

#[test]
fn odd_numbers_and_names_draw() {
    let mut players = fixtures::session_players();
    players.players[0].name = "🎯🎯🎯".into();
    players.players[1].name = "tab\tand\nnewline".into();
    players.players[2].damage = -500;
    players.players[3].kills = i64::MAX;
    players.players[4].squad = Some("C".into());
    renders(players);
    let mut trends = fixtures::player_trends();
    trends.sessions[0].kd = f64::NAN;
    trends.sessions[1].dpm = f64::INFINITY;
    trends.sessions[2].accuracy = -3.0;
    renders(trends);
    let mut weapons = fixtures::player_weapons();
    weapons.weapons.iter_mut().for_each(|w| {
        w.kills = 0;
        w.accuracy = 0.0;
    });
    renders(weapons);
    let mut comparison = fixtures::player_comparison();
    comparison.metrics.iter_mut().for_each(|m| {
        m.a = 0.0;
        m.b = 0.0;
    });
    comparison.a = "x".repeat(300);
    renders(comparison);
    let mut dpm = fixtures::session_dpm();
    dpm.players[0].points.push(DpmPoint {
        round: 999,
        dpm: f64::NAN,
    });
    renders(dpm);
    let mut squads = fixtures::squad_results();
    squads.sessions.iter_mut().for_each(|s| {
        s.won = 0;
        s.lost = 0;
        s.open = 0;
    });
    renders(squads);
}

#[test]
fn dates_at_the_edge_of_the_calendar_are_an_error() {
    let chart = PlayerActivity {
        days: vec![DayRounds {
            day: jiff::civil::Date::MIN,
            rounds: 1,
        }],
        ..fixtures::player_activity()
    };
    assert!(matches!(
        Chart::from(chart).render(),
        Err(ChartError::InvalidData(_))
    ));
}

#[test]
fn a_png_without_chart_data_says_so() {
    let png = fixtures::session_players().render().unwrap();
    assert!(matches!(
        Chart::from_png(&png[..40]),
        Err(ChartError::Png(_))
    ));
    assert!(Chart::from_png(b"not a png").is_err());
}
