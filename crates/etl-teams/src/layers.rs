//! The five layers. Each looks at one player line (balance at what is left of
//! a round) and either decides it or passes it on; they run in order.

use etl_parser::Side;

use crate::night::{Anchor, Night, Seat, side_sign, squad_sign};
use crate::{Confidence, Layer, Squad};

/// Round-mates whose squads read the round need at least half a consistent
/// player's worth of presence between them.
const MIN_VOTER_WEIGHT: f64 = 0.5;
/// Below this share of agreement the round-mates' squads are spread over
/// both sides, and a side says nothing about a squad.
const MIN_CLARITY: f64 = 0.7;
/// `High` needs the round-mates to agree: one of them ending on the wrong
/// side in an 8-player round still leaves a reading this clear...
const HIGH_CLARITY: f64 = 0.85;
/// ...and at least one and a half consistent full-round players of them.
const HIGH_VOTER_WEIGHT: f64 = 1.5;
/// `High` needs the player in the game for most of the round: a late joiner
/// or a leaver may have spent his first or last minutes elsewhere.
const HIGH_SHARE: f64 = 0.8;
/// `High` needs a player whose night mostly agrees with one squad.
const HIGH_CONSISTENCY: f64 = 0.8;
/// `High` needs the squad confirmed by at least half a round elsewhere in
/// the night: a single round cannot show a mid-round switch.
const CORROBORATION: f64 = 0.5;
/// A line against the player's night-long squad is read as a change of
/// squad only when he played at least half of the round.
const SWITCH_MIN_SHARE: f64 = 0.5;
/// The collaboration layer leaves players whose sides agree with their
/// squad no more than half of the time to balance.
const COLLABORATION_MIN_CONSISTENCY: f64 = 0.5;
/// Prior history decides only when this share of the squad-mate weight
/// points one way.
const PRIOR_MAJORITY: f64 = 0.75;

/// What a layer decided for one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decision {
    pub squad: Option<Squad>,
    pub confidence: Confidence,
    pub layer: Layer,
}

impl Decision {
    fn new(squad: Squad, confidence: Confidence, layer: Layer) -> Self {
        Self {
            squad: Some(squad),
            confidence,
            layer,
        }
    }
}

/// Which squad had which side in a round, as the round-mates' night-long
/// squads say.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Orientation {
    /// The side squad A played.
    pub a_side: Side,
    /// Share of the vote weight that agrees, 0.5..=1.
    pub clarity: f64,
    pub weight: f64,
}

impl Orientation {
    pub fn squad_on(&self, side: Side) -> Squad {
        if side == self.a_side {
            Squad::A
        } else {
            Squad::B
        }
    }
}

/// The votes of one round: every line of a main-group player on a side says
/// "squad A is on Axis" or "on Allies", weighted by presence and by how
/// consistent the player is over the night.
#[derive(Debug)]
pub(crate) struct RoundContext {
    pub round: usize,
    a_on_axis: f64,
    a_on_allies: f64,
    /// Per line: (weight, says A on Axis).
    votes: Vec<Option<(f64, bool)>>,
}

impl RoundContext {
    pub fn new(night: &Night, round: usize) -> Self {
        let votes: Vec<Option<(f64, bool)>> = night
            .seats
            .get(round)
            .map(|row| row.iter().map(|seat| vote(night, seat)).collect())
            .unwrap_or_default();
        let (mut a_on_axis, mut a_on_allies) = (0.0, 0.0);
        for &(weight, axis) in votes.iter().flatten() {
            if axis {
                a_on_axis += weight;
            } else {
                a_on_allies += weight;
            }
        }
        Self {
            round,
            a_on_axis,
            a_on_allies,
            votes,
        }
    }

    /// The round's orientation without the vote of line `index` (a player
    /// must not vouch for himself).
    pub fn orientation_without(&self, index: usize) -> Option<Orientation> {
        let (mut axis, mut allies) = (self.a_on_axis, self.a_on_allies);
        if let Some(Some((weight, says_axis))) = self.votes.get(index) {
            if *says_axis {
                axis -= weight;
            } else {
                allies -= weight;
            }
        }
        orientation(axis.max(0.0), allies.max(0.0))
    }

    pub fn orientation(&self) -> Option<Orientation> {
        orientation(self.a_on_axis, self.a_on_allies)
    }
}

fn orientation(axis: f64, allies: f64) -> Option<Orientation> {
    let weight = axis + allies;
    if weight < MIN_VOTER_WEIGHT || axis == allies {
        return None;
    }
    let (a_side, agreeing) = if axis > allies {
        (Side::Axis, axis)
    } else {
        (Side::Allies, allies)
    };
    Some(Orientation {
        a_side,
        clarity: agreeing / weight,
        weight,
    })
}

fn vote(night: &Night, seat: &Seat) -> Option<(f64, bool)> {
    let node = night.node(seat.node?)?;
    let side = seat.side?;
    if node.anchor != Anchor::Sides {
        return None;
    }
    // Squared: a player who is often against his night-long squad (he
    // changed squad, or switched sides) is a much weaker witness.
    let weight = seat.share * node.consistency * node.consistency;
    (weight > 0.0).then_some((weight, squad_sign(node.squad) * side_sign(side) > 0.0))
}

/// The player ended the round on the same side he had in the other round
/// of this map play: since squads swap sides, one of the two lines is not
/// his squad's (a mid-round switch, or a change of squad within the map).
fn contradicts_within_play(night: &Night, round: usize, seat: &Seat) -> bool {
    let (Some(node), Some(side)) = (seat.node, seat.side) else {
        return false;
    };
    let Some(partner) = night.partner_round(round) else {
        return false;
    };
    let Some(partner_side) = night.seat_of_node(partner, node).and_then(|s| s.side) else {
        return false;
    };
    side_sign(side) * night.frame_of(round) != side_sign(partner_side) * night.frame_of(partner)
}

/// Plants or steals by a player who ended on the defending side (or defuses
/// and returns by one who ended attacking): he changed sides in the round.
fn objectives_contradict_side(night: &Night, round: usize, seat: &Seat) -> bool {
    let (Some(side), Some(Some(defender))) = (seat.side, night.defenders.get(round)) else {
        return false;
    };
    let attacking = seat.objectives.attacking_actions() > 0;
    let defending = seat.objectives.defending_actions() > 0;
    (attacking && side == *defender) || (defending && side != *defender)
}

/// Whether squad A sits on opposite sides in the two rounds of the play, as
/// stopwatch requires; `true` when there is nothing to compare.
fn play_swaps_sides(night: &Night, round: usize, own: Orientation) -> bool {
    let Some(partner) = night.partner_round(round) else {
        return true;
    };
    match RoundContext::new(night, partner).orientation() {
        Some(other) if other.clarity >= MIN_CLARITY => other.a_side != own.a_side,
        _ => true,
    }
}

/// Layer 1: the side the player ended the round on, read against his
/// round-mates. He is in the squad whose known members shared his side.
///
/// A line that agrees with the player's night-long squad is decided; `High`
/// when he was there for most of the round, the round-mates agree, his night
/// is consistent and confirmed elsewhere, he did not join during the round,
/// and neither the other round of the map nor his objectives say he changed
/// sides. A line against his night-long squad is a change of squad only
/// when he played at least half of the round and nothing says he switched
/// within it; then `Medium` when the other round of the map agrees, `Low`
/// when he played only this round of it.
pub(crate) fn side_evidence(
    night: &Night,
    context: &RoundContext,
    index: usize,
) -> Option<Decision> {
    let round = context.round;
    let seat = night.seat(round, index)?;
    let side = seat.side?;
    let node_index = seat.node?;
    let node = night.node(node_index)?;
    if node.anchor != Anchor::Sides {
        return None;
    }
    let orientation = context.orientation_without(index)?;
    if orientation.clarity < MIN_CLARITY {
        return None;
    }
    let implied = orientation.squad_on(side);
    let switched_within_play = contradicts_within_play(night, round, seat);
    let switched_in_round = objectives_contradict_side(night, round, seat);

    if implied == node.squad {
        let strong = seat.share >= HIGH_SHARE
            && orientation.clarity >= HIGH_CLARITY
            && orientation.weight >= HIGH_VOTER_WEIGHT
            && node.consistency >= HIGH_CONSISTENCY
            && node.support - seat.share >= CORROBORATION
            && !seat.joined_during_round
            && !switched_within_play
            && !switched_in_round
            && play_swaps_sides(night, round, orientation);
        let confidence = if strong {
            Confidence::High
        } else {
            Confidence::Medium
        };
        return Some(Decision::new(implied, confidence, Layer::SideEvidence));
    }

    if switched_within_play || switched_in_round || seat.share < SWITCH_MIN_SHARE {
        return None;
    }
    let partner_agrees = night
        .partner_round(round)
        .and_then(|partner| night.seat_of_node(partner, node_index))
        .is_some_and(|s| s.side.is_some() && s.share >= SWITCH_MIN_SHARE);
    let confidence = if partner_agrees {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(Decision::new(implied, confidence, Layer::SideEvidence))
}

/// Layer 2: the same player earlier tonight (his latest decided line), or,
/// before his first decided line, his squad-mates of earlier sessions as
/// they are split tonight. A group of players who never met the main group
/// tonight but has squad-mates in it from earlier sessions is placed here
/// too.
pub(crate) fn history(night: &Night, latest: &[Option<Decision>], seat: &Seat) -> Option<Decision> {
    let node_index = seat.node?;
    let node = night.node(node_index)?;
    if node.anchor == Anchor::Balance {
        // The group's placement is balance's; repeating it here would hide that.
        return None;
    }
    if let Some(earlier) = latest.get(node_index).copied().flatten()
        && let Some(squad) = earlier.squad
    {
        let confidence = if earlier.confidence >= Confidence::Medium
            && earlier.layer != Layer::Balance
            && node.consistency >= HIGH_CONSISTENCY
        {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        return Some(Decision::new(squad, confidence, Layer::History));
    }
    if node.anchor == Anchor::History {
        return Some(Decision::new(node.squad, Confidence::Low, Layer::History));
    }
    let (for_a, for_b) = node.prior_votes;
    let total = for_a + for_b;
    if total <= 0.0 {
        return None;
    }
    let (squad, agreeing) = if for_a >= for_b {
        (Squad::A, for_a)
    } else {
        (Squad::B, for_b)
    };
    if agreeing / total < PRIOR_MAJORITY {
        return None;
    }
    // Squads are reshuffled between sessions: even unanimous history is only
    // a hint about tonight.
    let confidence = if agreeing == total && total >= 2.0 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(Decision::new(squad, confidence, Layer::History))
}

/// Layer 3: plants and steals come from the attacking side, defuses and
/// returns from the defenders. With the header's defender and the round-mates'
/// sides that names the squad the player acted for, even when he ended the
/// round elsewhere. Spectator lines are skipped: a player who watched round
/// 2 keeps his round-1 counters in its file.
pub(crate) fn objectives(night: &Night, context: &RoundContext, index: usize) -> Option<Decision> {
    let round = context.round;
    let seat = night.seat(round, index)?;
    seat.side?;
    let node = night.node(seat.node?)?;
    if node.anchor != Anchor::Sides {
        return None;
    }
    let defender = (*night.defenders.get(round)?)?;
    let attacking = seat.objectives.attacking_actions();
    let defending = seat.objectives.defending_actions();
    let (acting_side, actions) = match (attacking, defending) {
        (0, 0) => return None,
        (a, 0) => (defender.other(), a),
        (0, d) => (defender, d),
        _ => return None,
    };
    let orientation = context.orientation_without(index)?;
    if orientation.clarity < MIN_CLARITY {
        return None;
    }
    let confidence = if actions >= 2 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(Decision::new(
        orientation.squad_on(acting_side),
        confidence,
        Layer::Objectives,
    ))
}

/// Layer 4: the night-long squad from the co-occurrence clustering: the
/// players he kept sharing a side with (round 2 read with the sides
/// swapped).
pub(crate) fn collaboration(night: &Night, seat: &Seat) -> Option<Decision> {
    let node = night.node(seat.node?)?;
    if node.anchor != Anchor::Sides || node.consistency <= COLLABORATION_MIN_CONSISTENCY {
        return None;
    }
    let confidence = if node.consistency >= HIGH_CONSISTENCY && node.support >= 1.0 {
        Confidence::Medium
    } else {
        Confidence::Low
    };
    Some(Decision::new(node.squad, confidence, Layer::Collaboration))
}

/// Layer 5: the lines no other layer decided fill the squad with fewer
/// players in this round, strongest first, a tie going to the squad with
/// less skill. A group placed by balance over the whole night keeps its
/// placement, so its players stay together.
pub(crate) fn balance(night: &Night, round: usize, decisions: &mut [Option<Decision>]) {
    let Some(row) = night.seats.get(round) else {
        return;
    };
    let mut count = [0.0_f64; 2];
    let mut skill = [0.0_f64; 2];
    let slot = |squad: Squad| usize::from(squad == Squad::B);
    for (seat, decision) in row.iter().zip(decisions.iter()) {
        if let (Some(squad), Some(_)) = (decision.and_then(|d| d.squad), seat.side) {
            add(&mut count, slot(squad), 1.0);
            add(&mut skill, slot(squad), seat.skill);
        }
    }
    let mut open: Vec<usize> = decisions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_none())
        .map(|(i, _)| i)
        .collect();
    open.sort_by(|&a, &b| {
        let skill_of = |i: usize| row.get(i).map_or(0.0, |s| s.skill);
        skill_of(b).total_cmp(&skill_of(a)).then(a.cmp(&b))
    });
    for index in open {
        let Some(seat) = row.get(index) else { continue };
        let placed = seat
            .node
            .and_then(|n| night.node(n))
            .filter(|node| node.anchor == Anchor::Balance)
            .map(|node| node.squad);
        let squad = placed.unwrap_or_else(|| smaller_squad(count, skill));
        if seat.side.is_some() {
            add(&mut count, slot(squad), 1.0);
            add(&mut skill, slot(squad), seat.skill);
        }
        if let Some(decision) = decisions.get_mut(index) {
            *decision = Some(Decision::new(squad, Confidence::Low, Layer::Balance));
        }
    }
}

fn add(values: &mut [f64; 2], slot: usize, amount: f64) {
    if let Some(value) = values.get_mut(slot) {
        *value += amount;
    }
}

fn smaller_squad(count: [f64; 2], skill: [f64; 2]) -> Squad {
    let [a, b] = count;
    let [skill_a, skill_b] = skill;
    if a < b || (a == b && skill_a <= skill_b) {
        Squad::A
    } else {
        Squad::B
    }
}

/// Runs the layers over every line, round by round in session order (layer
/// 2 reads the decisions of earlier rounds).
pub(crate) fn decide(night: &Night) -> Vec<Vec<Decision>> {
    let mut latest: Vec<Option<Decision>> = vec![None; night.nodes.len()];
    let mut result = Vec::with_capacity(night.seats.len());
    for (round, row) in night.seats.iter().enumerate() {
        let context = RoundContext::new(night, round);
        let mut decisions: Vec<Option<Decision>> = row
            .iter()
            .enumerate()
            .map(|(index, seat)| {
                if seat.is_bot {
                    // Bots fill whichever side is short; they are no squad's.
                    return Some(Decision {
                        squad: None,
                        confidence: Confidence::High,
                        layer: Layer::Excluded,
                    });
                }
                if seat.node.is_none() {
                    // Never on a side tonight: a caster or a pure spectator.
                    return Some(Decision {
                        squad: None,
                        confidence: Confidence::Medium,
                        layer: Layer::Excluded,
                    });
                }
                side_evidence(night, &context, index)
                    .or_else(|| history(night, &latest, seat))
                    .or_else(|| objectives(night, &context, index))
                    .or_else(|| collaboration(night, seat))
            })
            .collect();
        balance(night, round, &mut decisions);
        let decisions: Vec<Decision> = decisions
            .into_iter()
            .map(|d| {
                d.unwrap_or(Decision {
                    squad: None,
                    confidence: Confidence::Low,
                    layer: Layer::Balance,
                })
            })
            .collect();
        for (seat, decision) in row.iter().zip(&decisions) {
            if let Some(slot) = seat.node.and_then(|n| latest.get_mut(n)) {
                *slot = Some(*decision);
            }
        }
        result.push(decisions);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{line, night, player_mut};
    use crate::{Objectives, PriorAssignment, RoundInput, RoundNumber, SessionInput};
    use crate::{PlayerInput, PlayerKey};

    fn build(rounds: Vec<RoundInput>) -> Night {
        Night::build(&SessionInput::new(rounds)).unwrap()
    }

    fn index_of(night: &Night, round: usize, key: &str) -> usize {
        let node = night
            .nodes
            .iter()
            .position(|n| n.key.as_str() == key)
            .unwrap();
        night.seats[round]
            .iter()
            .position(|s| s.node == Some(node))
            .unwrap()
    }

    fn side_decision(night: &Night, round: usize, key: &str) -> Option<Decision> {
        let context = RoundContext::new(night, round);
        side_evidence(night, &context, index_of(night, round, key))
    }

    fn decided(squad: Squad, confidence: Confidence, layer: Layer) -> Option<Decision> {
        Some(Decision::new(squad, confidence, layer))
    }

    // Layer 1.

    #[test]
    fn side_evidence_is_high_for_a_full_round_with_clear_squad_mates() {
        let built = build(night(3));
        for (round, key, squad) in [(0, "A1", Squad::A), (3, "B2", Squad::B)] {
            assert_eq!(
                side_decision(&built, round, key),
                decided(squad, Confidence::High, Layer::SideEvidence)
            );
        }
    }

    #[test]
    fn side_evidence_is_not_high_for_a_late_joiner_with_a_small_share() {
        let mut rounds = night(3);
        player_mut(&mut rounds[2], "B1").presence.seconds = Some(60);
        let built = build(rounds);
        assert_eq!(
            side_decision(&built, 2, "B1"),
            decided(Squad::B, Confidence::Medium, Layer::SideEvidence)
        );
    }

    #[test]
    fn side_evidence_does_not_read_a_spectator_line() {
        let mut rounds = night(2);
        player_mut(&mut rounds[1], "A1").side = None;
        let built = build(rounds);
        assert_eq!(side_decision(&built, 1, "A1"), None);
    }

    #[test]
    fn side_evidence_passes_on_a_mid_round_switch_against_the_squad() {
        // A2 ends round 2 of map 1 on the side he had in round 1: the squads
        // swapped, he did not, so one of his lines is not his squad's.
        let mut rounds = night(3);
        let side = player_mut(&mut rounds[2], "A2").side;
        player_mut(&mut rounds[3], "A2").side = side;
        let built = build(rounds);
        assert_eq!(side_decision(&built, 3, "A2"), None);
        // The round that agrees with his squad is kept, but not as High.
        assert_eq!(
            side_decision(&built, 2, "A2"),
            decided(Squad::A, Confidence::Medium, Layer::SideEvidence)
        );
    }

    #[test]
    fn side_evidence_follows_a_change_of_squad_confirmed_by_both_rounds() {
        let mut rounds = night(4);
        for round in &mut rounds[6..] {
            let a_side = player_mut(round, "A1").side.unwrap();
            player_mut(round, "A4").side = Some(a_side.other());
            player_mut(round, "B4").side = Some(a_side);
        }
        let built = build(rounds);
        assert_eq!(
            side_decision(&built, 6, "A4"),
            decided(Squad::B, Confidence::Medium, Layer::SideEvidence)
        );
        assert_eq!(
            side_decision(&built, 7, "B4"),
            decided(Squad::A, Confidence::Medium, Layer::SideEvidence)
        );
    }

    #[test]
    fn side_evidence_is_not_high_when_objectives_contradict_the_final_side() {
        // Axis defends; a plant by a player who ended on Axis means he
        // attacked for part of the round.
        let mut rounds = night(2);
        let a1 = player_mut(&mut rounds[0], "A1");
        assert_eq!(a1.side, Some(Side::Axis));
        a1.objectives.dynamites_planted = 1;
        let built = build(rounds);
        assert_eq!(
            side_decision(&built, 0, "A1"),
            decided(Squad::A, Confidence::Medium, Layer::SideEvidence)
        );
    }

    #[test]
    fn side_evidence_is_not_high_for_a_single_round_player() {
        let mut rounds = night(2);
        rounds[3] = rounds[3].clone().with_player(line("guest", Side::Axis));
        let built = build(rounds);
        // Round 2 of map 1: squad A is back on Axis.
        assert_eq!(
            side_decision(&built, 3, "guest"),
            decided(Squad::A, Confidence::Medium, Layer::SideEvidence)
        );
    }

    #[test]
    fn side_evidence_needs_round_mates_to_read_the_side() {
        let mut rounds = night(2);
        let alone = RoundInput::new("duel", RoundNumber::One, Some(Side::Axis))
            .with_player(line("A1", Side::Axis))
            .with_player(line("OMNIBOT0:[BOT]Hoss", Side::Allies).as_bot());
        rounds.push(alone);
        let built = build(rounds);
        assert_eq!(side_decision(&built, 4, "A1"), None);
    }

    // Layer 2.

    #[test]
    fn history_takes_the_latest_decision_of_the_night() {
        let built = build(night(2));
        let node = built
            .nodes
            .iter()
            .position(|n| n.key.as_str() == "A3")
            .unwrap();
        let mut latest = vec![None; built.nodes.len()];
        let seat = &built.seats[1][index_of(&built, 1, "A3")];
        assert_eq!(history(&built, &latest, seat), None);
        latest[node] = decided(Squad::A, Confidence::High, Layer::SideEvidence);
        assert_eq!(
            history(&built, &latest, seat),
            decided(Squad::A, Confidence::Medium, Layer::History)
        );
        latest[node] = decided(Squad::A, Confidence::Low, Layer::Balance);
        assert_eq!(
            history(&built, &latest, seat),
            decided(Squad::A, Confidence::Low, Layer::History)
        );
    }

    #[test]
    fn history_reads_squad_mates_of_earlier_sessions() {
        let session = SessionInput::new(night(2)).with_prior(vec![PriorAssignment {
            player: PlayerKey::new("A2"),
            squad_mates: vec![PlayerKey::new("A1"), PlayerKey::new("A3")],
            weight: 1.0,
        }]);
        let built = Night::build(&session).unwrap();
        let latest = vec![None; built.nodes.len()];
        let seat = &built.seats[0][index_of(&built, 0, "A2")];
        assert_eq!(
            history(&built, &latest, seat),
            decided(Squad::A, Confidence::Medium, Layer::History)
        );
        // The record also speaks for the squad-mates, but one mate is weak.
        let seat = &built.seats[0][index_of(&built, 0, "A1")];
        assert_eq!(
            history(&built, &latest, seat),
            decided(Squad::A, Confidence::Low, Layer::History)
        );
    }

    #[test]
    fn history_ignores_split_prior_squad_mates() {
        let session = SessionInput::new(night(2)).with_prior(vec![
            PriorAssignment {
                player: PlayerKey::new("A2"),
                squad_mates: vec![PlayerKey::new("A1")],
                weight: 1.0,
            },
            PriorAssignment {
                player: PlayerKey::new("A2"),
                squad_mates: vec![PlayerKey::new("B1")],
                weight: 1.0,
            },
        ]);
        let built = Night::build(&session).unwrap();
        let latest = vec![None; built.nodes.len()];
        let seat = &built.seats[0][index_of(&built, 0, "A2")];
        assert_eq!(history(&built, &latest, seat), None);
    }

    // Layer 3.

    fn with_objectives(round: usize, key: &str, actions: Objectives) -> Option<Decision> {
        let mut rounds = night(2);
        player_mut(&mut rounds[round], key).objectives = actions;
        let built = build(rounds);
        let context = RoundContext::new(&built, round);
        objectives(&built, &context, index_of(&built, round, key))
    }

    #[test]
    fn objectives_name_the_attacking_and_defending_squads() {
        // Axis defends. Round 1 of map 0: A on Axis (defending), B attacking.
        let plant = Objectives {
            dynamites_planted: 2,
            ..Objectives::default()
        };
        let defuse = Objectives {
            dynamites_defused: 1,
            ..Objectives::default()
        };
        assert_eq!(
            with_objectives(0, "B1", plant),
            decided(Squad::B, Confidence::Medium, Layer::Objectives)
        );
        assert_eq!(
            with_objectives(0, "A1", defuse),
            decided(Squad::A, Confidence::Low, Layer::Objectives)
        );
        // In round 2 the squads swapped: A attacks.
        assert_eq!(
            with_objectives(1, "A1", plant),
            decided(Squad::A, Confidence::Medium, Layer::Objectives)
        );
        // Even a player who ended on the defending side planted as attacker.
        assert_eq!(
            with_objectives(1, "B1", plant),
            decided(Squad::A, Confidence::Medium, Layer::Objectives)
        );
    }

    #[test]
    fn objectives_pass_on_mixed_or_missing_actions() {
        let mixed = Objectives {
            dynamites_planted: 1,
            objectives_returned: 1,
            ..Objectives::default()
        };
        assert_eq!(with_objectives(0, "A1", mixed), None);
        assert_eq!(with_objectives(0, "A1", Objectives::default()), None);
    }

    #[test]
    fn objectives_skip_spectator_lines() {
        let mut rounds = night(2);
        let a1 = player_mut(&mut rounds[1], "A1");
        a1.side = None;
        a1.objectives.dynamites_planted = 3;
        let built = build(rounds);
        let context = RoundContext::new(&built, 1);
        assert_eq!(
            objectives(&built, &context, index_of(&built, 1, "A1")),
            None
        );
    }

    // Layer 4.

    #[test]
    fn collaboration_gives_the_night_long_squad() {
        let built = build(night(2));
        let seat = &built.seats[0][index_of(&built, 0, "B3")];
        assert_eq!(
            collaboration(&built, seat),
            decided(Squad::B, Confidence::Medium, Layer::Collaboration)
        );
    }

    #[test]
    fn collaboration_is_low_for_a_player_with_little_play() {
        let mut rounds = night(2);
        rounds[3] = rounds[3]
            .clone()
            .with_player(line("brief", Side::Allies).with_seconds(60));
        let built = build(rounds);
        let seat = &built.seats[3][index_of(&built, 3, "brief")];
        assert_eq!(
            collaboration(&built, seat),
            decided(Squad::B, Confidence::Low, Layer::Collaboration)
        );
    }

    #[test]
    fn collaboration_passes_on_a_player_split_between_the_squads() {
        // X plays one map for each squad.
        let mut rounds = night(2);
        for (round, mate) in [(0, "A1"), (1, "A1"), (2, "B1"), (3, "B1")] {
            let side = player_mut(&mut rounds[round], mate).side.unwrap();
            rounds[round] = rounds[round].clone().with_player(line("X", side));
        }
        let built = build(rounds);
        let seat = &built.seats[3][index_of(&built, 3, "X")];
        assert_eq!(collaboration(&built, seat), None);
    }

    // Layer 5.

    #[test]
    fn balance_fills_the_smaller_squad_strongest_first() {
        let mut rounds = night(1);
        for (key, skill) in [("new1", 300.0), ("new2", 200.0), ("new3", 100.0)] {
            rounds[0] = rounds[0].clone().with_player(
                PlayerInput::new(PlayerKey::new(key), key)
                    .with_side(Side::Axis)
                    .with_skill(skill),
            );
        }
        let built = build(rounds);
        // A1 and A2 already decided for A, B1 for B.
        let mut decisions: Vec<Option<Decision>> = vec![None; built.seats[0].len()];
        for key in ["A1", "A2"] {
            decisions[index_of(&built, 0, key)] =
                decided(Squad::A, Confidence::High, Layer::SideEvidence);
        }
        decisions[index_of(&built, 0, "B1")] =
            decided(Squad::B, Confidence::High, Layer::SideEvidence);
        for key in ["A3", "A4", "B2", "B3", "B4"] {
            decisions[index_of(&built, 0, key)] = Some(Decision {
                squad: None,
                confidence: Confidence::High,
                layer: Layer::Excluded,
            });
        }
        balance(&built, 0, &mut decisions);
        let squad_of = |key: &str| decisions[index_of(&built, 0, key)].unwrap();
        // 2 v 1: the strongest fills B; 2 v 2 with equal skill 0: A first.
        assert_eq!(
            squad_of("new1"),
            Decision::new(Squad::B, Confidence::Low, Layer::Balance)
        );
        assert_eq!(squad_of("new2").squad, Some(Squad::A));
        assert_eq!(squad_of("new3").squad, Some(Squad::B));
    }

    #[test]
    fn balance_gives_an_equal_count_to_the_weaker_squad() {
        assert_eq!(smaller_squad([3.0, 3.0], [900.0, 700.0]), Squad::B);
        assert_eq!(smaller_squad([3.0, 3.0], [700.0, 900.0]), Squad::A);
        assert_eq!(smaller_squad([2.0, 3.0], [100.0, 900.0]), Squad::A);
    }
}
