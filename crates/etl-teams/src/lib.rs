#![doc = include_str!("../README.md")]

mod error;
#[cfg(test)]
mod fixtures;
mod input;
mod layers;
mod night;
mod output;

pub use error::TeamsError;
pub use etl_parser::{RoundNumber, Side};
pub use input::{
    Objectives, PlayerInput, PlayerKey, Presence, PriorAssignment, RoundInput, SessionInput,
};
pub use output::{
    Assignment, Confidence, Detection, Layer, MapPlay, RosterEntry, Rosters, RoundAssignments,
    Squad,
};

use layers::Decision;
use night::Night;

/// Detects, for every player line of the session, the squad he played for,
/// how sure that is and which layer decided it; and the night's rosters and
/// who attacked first on each map.
///
/// Pure and deterministic: the same input gives the same labels. Fails only
/// on input it cannot read (see [`TeamsError`]).
pub fn detect(session: &SessionInput) -> Result<Detection, TeamsError> {
    let night = Night::build(session)?;
    let decisions = layers::decide(&night);

    let rounds: Vec<RoundAssignments> = session
        .rounds
        .iter()
        .zip(&decisions)
        .map(|(round, decided)| RoundAssignments {
            map: round.map.clone(),
            round: round.round,
            players: round
                .players
                .iter()
                .zip(decided)
                .map(|(player, decision)| Assignment {
                    key: player.key.clone(),
                    side: player.side,
                    squad: decision.squad,
                    confidence: decision.confidence,
                    layer: decision.layer,
                })
                .collect(),
        })
        .collect();

    let rosters = rosters(&night, &decisions);
    let maps = night
        .plays
        .iter()
        .map(|play| MapPlay {
            map: play.map.clone(),
            round_one: play.round_one,
            round_two: play.round_two,
            first_attacker: first_attacker(&night, &decisions, play),
        })
        .collect();
    Ok(Detection {
        rounds,
        rosters,
        maps,
    })
}

fn rosters(night: &Night, decisions: &[Vec<Decision>]) -> Rosters {
    let mut rounds_for = vec![[0_usize; 2]; night.nodes.len()];
    for (row, decided) in night.seats.iter().zip(decisions) {
        for (seat, decision) in row.iter().zip(decided) {
            if let (Some(counts), Some(squad)) = (
                seat.node.and_then(|n| rounds_for.get_mut(n)),
                decision.squad,
            ) {
                let slot = counts.get_mut(usize::from(squad == Squad::B));
                if let Some(slot) = slot {
                    *slot += 1;
                }
            }
        }
    }
    let mut rosters = Rosters::default();
    for (node, [for_a, for_b]) in night.nodes.iter().zip(rounds_for) {
        let entry = |rounds| RosterEntry {
            key: node.key.clone(),
            name: node.name.clone(),
            rounds,
        };
        if for_a > 0 {
            rosters.a.push(entry(for_a));
        }
        if for_b > 0 {
            rosters.b.push(entry(for_b));
        }
    }
    rosters
}

/// The squad holding the attacking side in round 1, by the presence-weighted
/// majority of the lines on that side; from round 2 (where the first
/// attackers defend) when round 1 is missing.
fn first_attacker(night: &Night, decisions: &[Vec<Decision>], play: &night::Play) -> Option<Squad> {
    let (round, attackers_first) = match (play.round_one, play.round_two) {
        (Some(one), _) => (one, true),
        (None, Some(two)) => (two, false),
        (None, None) => return None,
    };
    let defender = (*night.defenders.get(round)?)?;
    let side = if attackers_first {
        defender.other()
    } else {
        defender
    };
    let mut weight = [0.0_f64; 2];
    for (seat, decision) in night.seats.get(round)?.iter().zip(decisions.get(round)?) {
        if seat.side == Some(side)
            && let Some(squad) = decision.squad
            && let Some(w) = weight.get_mut(usize::from(squad == Squad::B))
        {
            *w += seat.share;
        }
    }
    let [a, b] = weight;
    if a > b {
        Some(Squad::A)
    } else if b > a {
        Some(Squad::B)
    } else {
        None
    }
}
