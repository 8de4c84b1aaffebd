//! The night-long structure the five layers read: which rounds form one map
//! play, each player's presence-weighted side evidence, the two-colouring of
//! the "same squad" graph, the squad labels and how consistent each player is.

use std::collections::HashMap;

use etl_parser::{RoundNumber, Side};

use crate::{Objectives, PlayerKey, RoundInput, SessionInput, Squad, TeamsError};

/// A player with a side but no usable time still ended the round on that
/// side: a little evidence, never none.
const SIDE_FLOOR_SHARE: f64 = 0.05;
/// Presence given neither as seconds nor as percent: counted as half a
/// round, which also keeps such lines below the share needed for `High`.
const UNKNOWN_SHARE: f64 = 0.5;
/// Single flips always raise the agreement, so this only bounds the work.
const MAX_REFINEMENT_SWEEPS: usize = 64;

/// How a component's squad labels were tied to A and B.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Anchor {
    /// The main group: its labels come from the sides played.
    Sides,
    /// A separate group placed by its members' squad-mates of earlier sessions.
    History,
    /// A separate group placed to keep the squads even.
    Balance,
}

/// One player line, as the layers see it.
#[derive(Debug, Clone)]
pub(crate) struct Seat {
    /// `None` for bots and humans who never played on a side tonight.
    pub node: Option<usize>,
    pub side: Option<Side>,
    /// Share of the round the player was in the game, 0..=1.
    pub share: f64,
    /// The player's session started during this round (late join, reconnect).
    pub joined_during_round: bool,
    pub objectives: Objectives,
    pub skill: f64,
    pub is_bot: bool,
}

/// One human who played on a side at least once tonight.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub key: PlayerKey,
    pub name: String,
    /// The night-long squad.
    pub squad: Squad,
    /// Share of his side evidence that agrees with his night-long squad,
    /// 0..=1 (a player who changed squad, or switched sides within a map,
    /// scores lower).
    pub consistency: f64,
    /// Sum of his presence shares over the rounds he played on a side.
    pub support: f64,
    pub anchor: Anchor,
    /// Prior-history weight for squad A and for squad B.
    pub prior_votes: (f64, f64),
}

/// Round 1 and round 2 of one play of a map.
#[derive(Debug, Clone)]
pub(crate) struct Play {
    pub map: String,
    pub round_one: Option<usize>,
    pub round_two: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct Night {
    pub plays: Vec<Play>,
    /// Per round: the index of its play.
    pub round_play: Vec<usize>,
    pub round_numbers: Vec<RoundNumber>,
    pub defenders: Vec<Option<Side>>,
    /// Per round, per input player.
    pub seats: Vec<Vec<Seat>>,
    pub nodes: Vec<Node>,
}

pub(crate) fn side_sign(side: Side) -> f64 {
    match side {
        Side::Axis => 1.0,
        Side::Allies => -1.0,
    }
}

/// The squads swap sides between round 1 and round 2; evidence is kept in
/// round 1's frame.
pub(crate) fn frame(round: RoundNumber) -> f64 {
    match round {
        RoundNumber::One => 1.0,
        RoundNumber::Two => -1.0,
    }
}

pub(crate) fn squad_sign(squad: Squad) -> f64 {
    match squad {
        Squad::A => 1.0,
        Squad::B => -1.0,
    }
}

fn squad_of_sign(sign: f64) -> Squad {
    if sign >= 0.0 { Squad::A } else { Squad::B }
}

fn sign(value: f64) -> f64 {
    if value > 0.0 {
        1.0
    } else if value < 0.0 {
        -1.0
    } else {
        0.0
    }
}

/// A dense matrix that reads zero outside its bounds.
#[derive(Debug)]
struct Matrix {
    columns: usize,
    values: Vec<f64>,
}

impl Matrix {
    fn new(rows: usize, columns: usize) -> Self {
        Self {
            columns,
            values: vec![0.0; rows * columns],
        }
    }

    fn get(&self, row: usize, column: usize) -> f64 {
        if column >= self.columns {
            return 0.0;
        }
        self.values
            .get(row * self.columns + column)
            .copied()
            .unwrap_or(0.0)
    }

    fn add(&mut self, row: usize, column: usize, value: f64) {
        if column >= self.columns {
            return;
        }
        if let Some(cell) = self.values.get_mut(row * self.columns + column) {
            *cell += value;
        }
    }
}

impl Night {
    pub fn build(session: &SessionInput) -> Result<Self, TeamsError> {
        validate(session)?;
        let rounds = &session.rounds;
        let (plays, round_play) = pair_plays(rounds);

        let mut node_of: HashMap<&PlayerKey, usize> = HashMap::new();
        let mut keys: Vec<&PlayerKey> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for player in rounds.iter().flat_map(|r| &r.players) {
            if player.is_bot || player.side.is_none() {
                continue;
            }
            if !node_of.contains_key(&player.key) {
                node_of.insert(&player.key, keys.len());
                keys.push(&player.key);
                names.push(&player.name);
            }
        }
        // The roster shows the name a player used last.
        for player in rounds.iter().flat_map(|r| &r.players) {
            if let Some(name) = node_of
                .get(&player.key)
                .filter(|_| !player.is_bot)
                .and_then(|&n| names.get_mut(n))
            {
                *name = &player.name;
            }
        }

        let seats: Vec<Vec<Seat>> = rounds
            .iter()
            .map(|round| seats_of(round, &node_of))
            .collect();

        let node_count = keys.len();
        let mut evidence = Matrix::new(node_count, plays.len());
        let mut support = vec![0.0; node_count];
        for ((row, round), &play) in seats.iter().zip(rounds).zip(&round_play) {
            for seat in row {
                let (Some(node), Some(side)) = (seat.node, seat.side) else {
                    continue;
                };
                evidence.add(
                    node,
                    play,
                    seat.share * side_sign(side) * frame(round.round),
                );
                if let Some(total) = support.get_mut(node) {
                    *total += seat.share;
                }
            }
        }

        let (pair_weights, linked) = pair_weights(&evidence, node_count, plays.len());
        let (colours, components) = colour(&pair_weights, &linked, &support);
        let mut labels = Labels::new(&colours, &components, &support);
        labels.anchor_main(&seats);
        let prior_pairs = prior_pairs(session, &node_of);
        let skills = mean_skills(&seats, node_count);
        labels.anchor_others(&prior_pairs, &skills);

        let squads: Vec<f64> = labels.signs();
        let consistency = consistency(&evidence, &squads, &support, plays.len());
        let prior_votes = prior_votes(&prior_pairs, &squads, node_count);

        let nodes = keys
            .into_iter()
            .zip(names)
            .enumerate()
            .map(|(n, (key, name))| Node {
                key: key.clone(),
                name: name.to_owned(),
                squad: squad_of_sign(squads.get(n).copied().unwrap_or(1.0)),
                consistency: consistency.get(n).copied().unwrap_or(0.0),
                support: support.get(n).copied().unwrap_or(0.0),
                anchor: labels.anchor_of(n),
                prior_votes: prior_votes.get(n).copied().unwrap_or((0.0, 0.0)),
            })
            .collect();

        Ok(Self {
            plays,
            round_play,
            round_numbers: rounds.iter().map(|r| r.round).collect(),
            defenders: rounds.iter().map(|r| r.defender).collect(),
            seats,
            nodes,
        })
    }

    pub fn seat(&self, round: usize, index: usize) -> Option<&Seat> {
        self.seats.get(round)?.get(index)
    }

    pub fn node(&self, node: usize) -> Option<&Node> {
        self.nodes.get(node)
    }

    /// The other round of the same map play, if it was played.
    pub fn partner_round(&self, round: usize) -> Option<usize> {
        let play = self.plays.get(*self.round_play.get(round)?)?;
        match (play.round_one, play.round_two) {
            (Some(one), Some(two)) if one == round => Some(two),
            (Some(one), Some(two)) if two == round => Some(one),
            _ => None,
        }
    }

    /// The node's line in a round.
    pub fn seat_of_node(&self, round: usize, node: usize) -> Option<&Seat> {
        self.seats.get(round)?.iter().find(|s| s.node == Some(node))
    }

    pub fn frame_of(&self, round: usize) -> f64 {
        self.round_numbers
            .get(round)
            .copied()
            .map(frame)
            .unwrap_or(1.0)
    }
}

fn validate(session: &SessionInput) -> Result<(), TeamsError> {
    for (index, round) in session.rounds.iter().enumerate() {
        let mut seen = std::collections::HashSet::new();
        for player in &round.players {
            let key = || player.key.as_str().to_owned();
            if !seen.insert(&player.key) {
                return Err(TeamsError::DuplicatePlayer {
                    round: index,
                    key: key(),
                });
            }
            if let Some(value) = player.presence.percent
                && !(value.is_finite() && value >= 0.0)
            {
                return Err(TeamsError::InvalidPresence {
                    round: index,
                    key: key(),
                    value,
                });
            }
            if !player.skill.is_finite() {
                return Err(TeamsError::InvalidSkill {
                    round: index,
                    key: key(),
                    value: player.skill,
                });
            }
        }
    }
    for (index, prior) in session.prior.iter().enumerate() {
        if !(prior.weight.is_finite() && prior.weight >= 0.0) {
            return Err(TeamsError::InvalidPriorWeight {
                index,
                key: prior.player.as_str().to_owned(),
                value: prior.weight,
            });
        }
    }
    Ok(())
}

/// A round 2 completes the round 1 played just before it on the same map;
/// anything else (an abandoned map's round 1, a round 2 whose round 1 is
/// missing) is a play of its own.
fn pair_plays(rounds: &[RoundInput]) -> (Vec<Play>, Vec<usize>) {
    let mut plays: Vec<Play> = Vec::new();
    let mut round_play = Vec::with_capacity(rounds.len());
    for (index, round) in rounds.iter().enumerate() {
        if round.round == RoundNumber::Two {
            let previous = index.checked_sub(1).and_then(|p| rounds.get(p));
            if let Some(last) = plays.last_mut()
                && previous.is_some_and(|p| p.round == RoundNumber::One && p.map == round.map)
                && last.round_two.is_none()
            {
                last.round_two = Some(index);
                round_play.push(plays.len() - 1);
                continue;
            }
        }
        let (round_one, round_two) = match round.round {
            RoundNumber::One => (Some(index), None),
            RoundNumber::Two => (None, Some(index)),
        };
        round_play.push(plays.len());
        plays.push(Play {
            map: round.map.clone(),
            round_one,
            round_two,
        });
    }
    (plays, round_play)
}

fn seats_of(round: &RoundInput, node_of: &HashMap<&PlayerKey, usize>) -> Vec<Seat> {
    let longest = round
        .players
        .iter()
        .filter_map(|p| p.presence.seconds)
        .max()
        .unwrap_or(0);
    let usual_rounds = usual_rounds_value(round);
    round
        .players
        .iter()
        .map(|player| {
            let raw = match (player.presence.seconds, player.presence.percent) {
                (Some(seconds), _) if longest > 0 => f64::from(seconds) / f64::from(longest),
                (_, Some(percent)) => percent.min(100.0) / 100.0,
                _ => UNKNOWN_SHARE,
            };
            let share = if player.side.is_some() {
                raw.max(SIDE_FLOOR_SHARE)
            } else {
                raw
            };
            Seat {
                node: if player.is_bot {
                    None
                } else {
                    node_of.get(&player.key).copied()
                },
                side: player.side,
                share,
                joined_during_round: matches!(
                    (player.rounds, usual_rounds),
                    (Some(own), Some(usual)) if own < usual
                ),
                objectives: player.objectives,
                skill: player.skill,
                is_bot: player.is_bot,
            }
        })
        .collect()
}

/// The most common `rounds` value of the round (the larger one on a tie,
/// since late joiners show a lower value).
fn usual_rounds_value(round: &RoundInput) -> Option<i64> {
    let mut counts: HashMap<i64, usize> = HashMap::new();
    for value in round.players.iter().filter_map(|p| p.rounds) {
        *counts.entry(value).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(value, count)| (count, value))
        .map(|(value, _)| value)
}

/// Positive: the two players were on the same side in round 1's frame of the
/// plays they shared (same squad); negative: opposite squads. Also which
/// pairs shared a play at all: a player who played half the night for each
/// squad nets out to zero against everyone, but is still one of the group.
fn pair_weights(evidence: &Matrix, nodes: usize, plays: usize) -> (Matrix, Matrix) {
    let mut weights = Matrix::new(nodes, nodes);
    let mut linked = Matrix::new(nodes, nodes);
    for play in 0..plays {
        let present: Vec<(usize, f64)> = (0..nodes)
            .map(|n| (n, evidence.get(n, play)))
            .filter(|&(_, value)| value != 0.0)
            .collect();
        for &(a, value_a) in &present {
            for &(b, value_b) in &present {
                if a != b {
                    weights.add(a, b, value_a * value_b);
                    linked.add(a, b, 1.0);
                }
            }
        }
    }
    (weights, linked)
}

/// Two-colours the "same squad" graph: a maximum spanning tree by evidence
/// strength (Prim) fixes each player relative to the strongest link to the
/// players already placed, then single flips that raise the total agreement
/// repair what a tree edge got wrong. Players who shared a play are in one
/// component even when their evidence nets out to zero. Returns the colour
/// (+1/-1) and the component of every node.
fn colour(weights: &Matrix, linked: &Matrix, support: &[f64]) -> (Vec<f64>, Vec<usize>) {
    let nodes = support.len();
    let mut colours: Vec<Option<f64>> = vec![None; nodes];
    let mut components = vec![0; nodes];
    let mut component = 0;
    loop {
        let root = (0..nodes)
            .filter(|&n| colours.get(n).is_some_and(Option::is_none))
            .max_by(|&a, &b| {
                let support_of = |n: usize| support.get(n).copied().unwrap_or(0.0);
                support_of(a).total_cmp(&support_of(b)).then(b.cmp(&a))
            });
        let Some(root) = root else { break };
        set(&mut colours, root, Some(1.0));
        set(&mut components, root, component);
        loop {
            let mut best: Option<(usize, f64, f64)> = None;
            for inside in 0..nodes {
                let Some(Some(inside_colour)) = colours.get(inside).copied() else {
                    continue;
                };
                if components.get(inside) != Some(&component) {
                    continue;
                }
                for outside in 0..nodes {
                    if colours.get(outside).is_some_and(Option::is_some) {
                        continue;
                    }
                    if linked.get(inside, outside) == 0.0 {
                        continue;
                    }
                    let weight = weights.get(inside, outside);
                    if best.is_none_or(|(_, _, w)| weight.abs() > w.abs()) {
                        // A zero link places the player provisionally; the
                        // flips below settle him.
                        let relative = if weight < 0.0 { -1.0 } else { 1.0 };
                        best = Some((outside, inside_colour * relative, weight));
                    }
                }
            }
            let Some((outside, outside_colour, _)) = best else {
                break;
            };
            set(&mut colours, outside, Some(outside_colour));
            set(&mut components, outside, component);
        }
        component += 1;
    }
    let mut colours: Vec<f64> = colours.into_iter().map(|c| c.unwrap_or(1.0)).collect();
    for _ in 0..MAX_REFINEMENT_SWEEPS {
        let mut flipped = false;
        for node in 0..nodes {
            let pull: f64 = colours
                .iter()
                .enumerate()
                .map(|(other, c)| weights.get(node, other) * c)
                .sum();
            if let Some(own) = colours.get_mut(node)
                && pull * *own < 0.0
            {
                *own = -*own;
                flipped = true;
            }
        }
        if !flipped {
            break;
        }
    }
    (colours, components)
}

fn set<T>(values: &mut [T], index: usize, value: T) {
    if let Some(slot) = values.get_mut(index) {
        *slot = value;
    }
}

/// Turns colours into squads, one component at a time.
struct Labels<'a> {
    colours: &'a [f64],
    components: &'a [usize],
    /// Per component: the sign that turns a colour into a squad (+1 = A), and
    /// how it was chosen.
    orientation: Vec<Option<(f64, Anchor)>>,
    main: Option<usize>,
}

impl<'a> Labels<'a> {
    fn new(colours: &'a [f64], components: &'a [usize], support: &[f64]) -> Self {
        let count = components.iter().max().map_or(0, |&c| c + 1);
        let mut totals = vec![0.0; count];
        for (&component, &weight) in components.iter().zip(support) {
            if let Some(total) = totals.get_mut(component) {
                *total += weight;
            }
        }
        // The main group is the one with the most play in it; on a tie the
        // one found first (its root had the most support).
        let main = totals
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))
            .map(|(c, _)| c);
        Self {
            colours,
            components,
            orientation: vec![None; count],
            main,
        }
    }

    /// Squad A is the main group's squad on the Axis side in the earliest
    /// round where the group's sides lean one way.
    fn anchor_main(&mut self, seats: &[Vec<Seat>]) {
        let Some(main) = self.main else { return };
        let mut orientation = 1.0;
        for row in seats {
            let lean: f64 = row
                .iter()
                .filter_map(|seat| {
                    let node = seat.node?;
                    let side = seat.side?;
                    (self.components.get(node) == Some(&main))
                        .then(|| seat.share * side_sign(side) * self.colour(node))
                })
                .sum();
            if lean != 0.0 {
                orientation = sign(lean);
                break;
            }
        }
        set(
            &mut self.orientation,
            main,
            Some((orientation, Anchor::Sides)),
        );
    }

    /// Groups that never shared a map with the main group: placed by prior
    /// history where their members have squad-mates of earlier sessions here,
    /// otherwise so that the squads stay even (then in skill).
    fn anchor_others(&mut self, prior_pairs: &[(usize, usize, f64)], skills: &[f64]) {
        let count = self.orientation.len();
        let mut order: Vec<usize> = (0..count).filter(|&c| Some(c) != self.main).collect();
        let size = |c: usize| self.components.iter().filter(|&&x| x == c).count();
        order.sort_by_key(|&c| std::cmp::Reverse(size(c)));
        for component in order {
            let members = |colour: f64| {
                self.components
                    .iter()
                    .zip(self.colours)
                    .enumerate()
                    .filter(move |(_, (c, k))| **c == component && **k == colour)
                    .map(|(n, _)| n)
            };
            let mut vote = 0.0;
            for &(a, b, weight) in prior_pairs {
                for (inside, mate) in [(a, b), (b, a)] {
                    if self.components.get(inside) == Some(&component)
                        && let Some(mate_sign) = self.sign_of(mate)
                    {
                        vote += weight * self.colour(inside) * mate_sign;
                    }
                }
            }
            let chosen = if vote != 0.0 {
                (sign(vote), Anchor::History)
            } else {
                let labelled: Vec<f64> = (0..self.colours.len())
                    .filter_map(|n| self.sign_of(n))
                    .collect();
                let a_count = labelled.iter().filter(|&&s| s > 0.0).count() as f64;
                let b_count = labelled.len() as f64 - a_count;
                let plus = members(1.0).count() as f64;
                let minus = members(-1.0).count() as f64;
                let skill_of = |colour: f64| -> f64 {
                    members(colour)
                        .map(|n| skills.get(n).copied().unwrap_or(0.0))
                        .sum()
                };
                let labelled_skill = |squad: f64| -> f64 {
                    (0..self.colours.len())
                        .filter(|&n| self.sign_of(n) == Some(squad))
                        .map(|n| skills.get(n).copied().unwrap_or(0.0))
                        .sum()
                };
                let uneven_as_is = (a_count + plus - b_count - minus).abs();
                let uneven_flipped = (a_count + minus - b_count - plus).abs();
                let skill_as_is =
                    (labelled_skill(1.0) + skill_of(1.0) - labelled_skill(-1.0) - skill_of(-1.0))
                        .abs();
                let skill_flipped =
                    (labelled_skill(1.0) + skill_of(-1.0) - labelled_skill(-1.0) - skill_of(1.0))
                        .abs();
                let flip = uneven_flipped < uneven_as_is
                    || (uneven_flipped == uneven_as_is && skill_flipped < skill_as_is);
                (if flip { -1.0 } else { 1.0 }, Anchor::Balance)
            };
            set(&mut self.orientation, component, Some(chosen));
        }
    }

    fn colour(&self, node: usize) -> f64 {
        self.colours.get(node).copied().unwrap_or(1.0)
    }

    /// +1 for squad A, -1 for B, `None` while the node's group is unplaced.
    fn sign_of(&self, node: usize) -> Option<f64> {
        let component = *self.components.get(node)?;
        let (orientation, _) = (*self.orientation.get(component)?)?;
        Some(orientation * self.colour(node))
    }

    fn signs(&self) -> Vec<f64> {
        (0..self.colours.len())
            .map(|n| self.sign_of(n).unwrap_or(1.0))
            .collect()
    }

    fn anchor_of(&self, node: usize) -> Anchor {
        self.components
            .get(node)
            .and_then(|&c| *self.orientation.get(c)?)
            .map_or(Anchor::Balance, |(_, anchor)| anchor)
    }
}

/// Every (player, squad-mate, weight) of the prior history where both are
/// players of tonight.
fn prior_pairs(
    session: &SessionInput,
    node_of: &HashMap<&PlayerKey, usize>,
) -> Vec<(usize, usize, f64)> {
    let mut pairs = Vec::new();
    for prior in &session.prior {
        let Some(&player) = node_of.get(&prior.player) else {
            continue;
        };
        for mate in &prior.squad_mates {
            if let Some(&mate) = node_of.get(mate)
                && mate != player
            {
                pairs.push((player, mate, prior.weight));
            }
        }
    }
    pairs
}

fn prior_votes(pairs: &[(usize, usize, f64)], squads: &[f64], nodes: usize) -> Vec<(f64, f64)> {
    let mut votes = vec![(0.0, 0.0); nodes];
    for &(a, b, weight) in pairs {
        for (player, mate) in [(a, b), (b, a)] {
            let (Some(vote), Some(&mate_squad)) = (votes.get_mut(player), squads.get(mate)) else {
                continue;
            };
            if mate_squad > 0.0 {
                vote.0 += weight;
            } else {
                vote.1 += weight;
            }
        }
    }
    votes
}

fn mean_skills(seats: &[Vec<Seat>], nodes: usize) -> Vec<f64> {
    let mut sums = vec![(0.0, 0.0); nodes];
    for seat in seats.iter().flatten() {
        if let Some(sum) = seat.node.and_then(|n| sums.get_mut(n)) {
            sum.0 += seat.skill;
            sum.1 += 1.0;
        }
    }
    sums.into_iter()
        .map(|(total, count)| if count > 0.0 { total / count } else { 0.0 })
        .collect()
}

/// Each player's share of side evidence that agrees with his night-long
/// squad, given which side each squad had on every map play. The sides per
/// play are themselves voted by the players, weighted by how consistent they
/// are, so one player who changed squad does not turn a map around.
fn consistency(evidence: &Matrix, squads: &[f64], support: &[f64], plays: usize) -> Vec<f64> {
    let nodes = squads.len();
    let mut consistency = vec![1.0; nodes];
    for _ in 0..2 {
        let orientation: Vec<f64> = (0..plays)
            .map(|play| {
                sign(
                    (0..nodes)
                        .map(|n| {
                            consistency.get(n).copied().unwrap_or(0.0)
                                * squads.get(n).copied().unwrap_or(0.0)
                                * evidence.get(n, play)
                        })
                        .sum(),
                )
            })
            .collect();
        consistency = (0..nodes)
            .map(|n| {
                let squad = squads.get(n).copied().unwrap_or(0.0);
                let agreeing: f64 = orientation
                    .iter()
                    .enumerate()
                    .map(|(play, o)| (o * squad * evidence.get(n, play)).max(0.0))
                    .sum();
                let total = support.get(n).copied().unwrap_or(0.0);
                if total > 0.0 {
                    (agreeing / total).min(1.0)
                } else {
                    0.0
                }
            })
            .collect();
    }
    consistency
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::PlayerInput;
    use crate::fixtures::{SQUAD_A, SQUAD_B, line, map, night, player_mut};

    fn build(rounds: Vec<RoundInput>) -> Night {
        Night::build(&SessionInput::new(rounds)).unwrap()
    }

    fn squad(night: &Night, key: &str) -> Squad {
        night
            .nodes
            .iter()
            .find(|n| n.key.as_str() == key)
            .unwrap()
            .squad
    }

    #[test]
    fn a_round_two_pairs_with_the_round_one_just_before_it_on_the_same_map() {
        let mut rounds = Vec::new();
        // An abandoned map (round 1 only), then supply twice.
        rounds.push(map("bremen", Side::Axis, &["a"], &["b"])[0].clone());
        rounds.extend(map("supply", Side::Axis, &["a"], &["b"]));
        rounds.extend(map("supply", Side::Allies, &["a"], &["b"]));
        let (plays, round_play) = pair_plays(&rounds);
        let pairs: Vec<_> = plays
            .iter()
            .map(|p| (p.map.as_str(), p.round_one, p.round_two))
            .collect();
        assert_eq!(
            pairs,
            [
                ("bremen", Some(0), None),
                ("supply", Some(1), Some(2)),
                ("supply", Some(3), Some(4))
            ]
        );
        assert_eq!(round_play, [0, 1, 1, 2, 2]);
    }

    #[test]
    fn a_round_two_after_another_map_stands_alone() {
        let [first, _] = map("radar", Side::Axis, &["a"], &["b"]);
        let [_, orphan] = map("supply", Side::Axis, &["a"], &["b"]);
        let (plays, _) = pair_plays(&[first, orphan]);
        assert_eq!(plays.len(), 2);
        assert_eq!(plays[1].round_two, Some(1));
        assert_eq!(plays[1].round_one, None);
    }

    #[test]
    fn squad_a_is_the_squad_on_axis_in_the_first_round() {
        let night_a = build(night(3));
        assert_eq!(squad(&night_a, "A1"), Squad::A);
        assert_eq!(squad(&night_a, "B1"), Squad::B);
        // The same night with the other squad on Axis first swaps the labels.
        let swapped: Vec<RoundInput> = (0..3)
            .flat_map(|m| map(&format!("map{m}"), Side::Allies, &SQUAD_A, &SQUAD_B))
            .collect();
        let night_b = build(swapped);
        assert_eq!(squad(&night_b, "A1"), Squad::B);
        assert_eq!(squad(&night_b, "B4"), Squad::A);
    }

    #[test]
    fn side_across_maps_is_related_through_the_squads_not_directly() {
        // Squad A is Axis in round 1 of map 0 and Allies in round 1 of map 1:
        // reading "Axis = one squad" across maps would mix the squads.
        let built = build(night(4));
        for key in SQUAD_A {
            assert_eq!(squad(&built, key), Squad::A, "{key}");
        }
        for key in SQUAD_B {
            assert_eq!(squad(&built, key), Squad::B, "{key}");
        }
        assert!(built.nodes.iter().all(|n| n.consistency == 1.0));
    }

    #[test]
    fn a_leaver_and_his_replacement_are_linked_through_the_map() {
        // "Z" leaves after round 1, "N" joins in round 2 in his place: they
        // never share a round, but the map play links them.
        let mut rounds = night(2);
        rounds[1].players.retain(|p| p.key.as_str() != "B4");
        rounds[1] = rounds[1]
            .clone()
            .with_player(line("N", rounds[1].players[4].side.unwrap()));
        let built = build(rounds);
        assert_eq!(squad(&built, "N"), Squad::B);
    }

    #[test]
    fn a_changer_is_less_consistent_than_his_squad_mates() {
        // A4 plays for B on the last two maps (B4 takes his place in A).
        let mut rounds = night(6);
        for round in &mut rounds[8..] {
            let a_side = player_mut(round, "A1").side.unwrap();
            player_mut(round, "A4").side = Some(a_side.other());
            player_mut(round, "B4").side = Some(a_side);
        }
        let built = build(rounds);
        let node = |key: &str| built.nodes.iter().find(|n| n.key.as_str() == key).unwrap();
        assert_eq!(node("A4").squad, Squad::A);
        assert!((node("A4").consistency - 8.0 / 12.0).abs() < 1e-9);
        assert_eq!(node("A1").consistency, 1.0);
    }

    #[test]
    fn the_presence_share_prefers_seconds_over_the_written_percent() {
        let mut round = map("supply", Side::Axis, &["a", "late"], &["b"])[0].clone();
        let late = player_mut(&mut round, "late");
        late.presence.seconds = Some(60);
        late.presence.percent = Some(80.0);
        let built = build(vec![round]);
        let late = &built.seats[0][1];
        assert!((late.share - 0.1).abs() < 1e-9);
    }

    #[test]
    fn a_lower_rounds_counter_marks_a_session_started_in_the_round() {
        let [_, mut round] = map("supply", Side::Axis, &["a", "c"], &["b", "late"]);
        for player in &mut round.players {
            player.rounds = Some(1);
        }
        player_mut(&mut round, "late").rounds = Some(0);
        let built = build(vec![round]);
        let flags: Vec<bool> = built.seats[0]
            .iter()
            .map(|s| s.joined_during_round)
            .collect();
        assert_eq!(flags, [false, false, false, true]);
    }

    #[test]
    fn bots_and_spectators_only_are_no_nodes() {
        let mut round = map("supply", Side::Axis, &["a"], &["b"])[0].clone();
        round = round
            .with_player(line("OMNIBOT0:[BOT]Hoss", Side::Axis).as_bot())
            .with_player(PlayerInput::new(PlayerKey::new("caster"), "caster"));
        let built = build(vec![round]);
        assert_eq!(built.nodes.len(), 2);
        assert_eq!(built.seats[0][2].node, None);
        assert_eq!(built.seats[0][3].node, None);
    }
}
