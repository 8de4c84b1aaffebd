//! One round of stopwatch, simulated second by second: duels and their kills,
//! damage, headshots, gibs, revives on the reinforcement waves, self kills,
//! team damage, objectives, and what the game and the script count of it.
//!
//! Every counter comes from an event that touches both sides of it: a kill
//! with an MP40 is an MP40 kill of the killer and an MP40 death of the
//! victim; damage given by one player is damage received by another; a
//! revive is given by one medic and received by one player.

use etl_parser::{Side, Weapon};

use crate::catalog::{self, Class, Kind, MapInfo, Primary};
use crate::counters::Counters;
use crate::rng::Rng;

/// Which version of the script writes the file (it decides the header and
/// how the dead time is totalled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Producer {
    /// 8-field header; its dead-time total grows on every periodic store
    /// while the player is dead.
    C0rnp0rn7,
    /// 9-field header with the measured round duration.
    C0rnp0rn8,
}

impl Producer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::C0rnp0rn7 => "c0rnp0rn7",
            Self::C0rnp0rn8 => "c0rnp0rn8",
        }
    }
}

/// A stretch of a round a player spends on one side.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stint {
    pub start: i64,
    pub end: i64,
    pub side: Side,
}

/// One connection of a player in the round.
#[derive(Debug, Clone)]
pub(crate) struct Participant {
    pub class: Class,
    pub primary: Primary,
    pub skill: f64,
    pub stints: Vec<Stint>,
}

impl Participant {
    fn side_at(&self, t: i64) -> Option<Side> {
        self.stints
            .iter()
            .find(|s| s.start <= t && t < s.end)
            .map(|s| s.side)
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct RoundSpec<'a> {
    pub map: &'a MapInfo,
    pub duration_ms: i64,
    pub defender: Side,
    pub objective_completed: bool,
    /// Level time of the first periodic store (the script stores every 5 s).
    pub store_phase_ms: i64,
    pub producer: Producer,
}

const STORE_INTERVAL_MS: i64 = 5000;
const TICK_MS: i64 = 1000;

#[derive(Debug, Clone, Default)]
struct State {
    side: Option<Side>,
    alive: bool,
    dead_since: i64,
    respawn_at: i64,
    revivable: bool,
    revive: Option<(i64, usize)>,
    streak: i64,
    dstreak: i64,
    chain: i64,
    last_kill: i64,
}

struct Sim<'a> {
    spec: RoundSpec<'a>,
    people: &'a [Participant],
    state: Vec<State>,
    out: Vec<Counters>,
    rng: &'a mut Rng,
    kill_weapons: Vec<[Vec<(Weapon, u32)>; 2]>,
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Axis => 0,
        Side::Allies => 1,
    }
}

/// Simulates one round; returns the counters of each participant (same order).
pub(crate) fn simulate(
    spec: RoundSpec<'_>,
    people: &[Participant],
    rng: &mut Rng,
) -> Vec<Counters> {
    let kill_weapons = people
        .iter()
        .map(|p| {
            [Side::Axis, Side::Allies].map(|side| catalog::kill_weapons(p.class, p.primary, side))
        })
        .collect();
    let mut sim = Sim {
        spec,
        people,
        state: vec![State::default(); people.len()],
        out: vec![Counters::default(); people.len()],
        rng,
        kill_weapons,
    };
    sim.run();
    sim.out
}

impl Sim<'_> {
    fn run(&mut self) {
        let duration = self.spec.duration_ms;
        let plan = self.objective_plan();
        let mut t = 0;
        while t < duration {
            let dt = TICK_MS.min(duration - t);
            self.presence(t);
            self.respawns(t);
            for &(at, action) in &plan {
                if at >= t && at < t + dt {
                    self.objective(action);
                }
            }
            self.activity(t);
            self.clock(dt);
            t += dt;
        }
        for i in 0..self.people.len() {
            let dead = self
                .state
                .get(i)
                .is_some_and(|s| s.side.is_some() && !s.alive);
            if dead {
                self.close_dead(i, duration);
            }
            self.end_chain(i, duration);
        }
        for i in 0..self.people.len() {
            self.finish(i);
        }
    }

    /// Joins, leaves and side switches at the start of a tick.
    fn presence(&mut self, t: i64) {
        for (i, person) in self.people.iter().enumerate() {
            let now = person.side_at(t);
            let Some(state) = self.state.get_mut(i) else {
                continue;
            };
            if now == state.side {
                continue;
            }
            let was_dead = state.side.is_some() && !state.alive;
            state.side = now;
            state.alive = now.is_some();
            state.revive = None;
            state.streak = 0;
            if was_dead {
                self.close_dead(i, t);
            }
        }
    }

    fn respawns(&mut self, t: i64) {
        for i in 0..self.people.len() {
            let Some(state) = self.state.get(i) else {
                continue;
            };
            if state.side.is_none() || state.alive {
                continue;
            }
            let revive = state.revive;
            if t >= state.respawn_at {
                self.close_dead(i, t);
                if let Some(state) = self.state.get_mut(i) {
                    state.alive = true;
                    state.revive = None;
                }
                continue;
            }
            if let Some((at, medic)) = revive
                && t >= at
            {
                let medic_ok = self.state.get(medic).is_some_and(|m| {
                    m.alive && m.side.is_some() && m.side == self.state.get(i).and_then(|s| s.side)
                });
                if let Some(state) = self.state.get_mut(i) {
                    state.revive = None;
                }
                if medic_ok {
                    self.close_dead(i, t);
                    if let Some(state) = self.state.get_mut(i) {
                        state.alive = true;
                    }
                    if let Some(c) = self.out.get_mut(i) {
                        c.script.times_revived += 1;
                    }
                    if let Some(c) = self.out.get_mut(medic) {
                        c.script.revives_given += 1;
                        if let Some(w) = c.game.weapon(Weapon::Syringe) {
                            w.shots += 1;
                            w.hits += 1;
                        }
                    }
                }
            }
        }
    }

    fn clock(&mut self, dt: i64) {
        for (state, c) in self.state.iter().zip(self.out.iter_mut()) {
            match state.side {
                Some(Side::Axis) => c.game.time_axis_ms += dt,
                Some(Side::Allies) => c.game.time_allies_ms += dt,
                None => continue,
            }
            if state.alive {
                c.game.time_alive_ms += dt;
            }
        }
    }

    fn alive_on(&self, side: Side) -> Vec<usize> {
        self.state
            .iter()
            .enumerate()
            .filter(|(_, s)| s.alive && s.side == Some(side))
            .map(|(i, _)| i)
            .collect()
    }

    fn side_of(&self, i: usize) -> Option<Side> {
        self.state
            .get(i)
            .and_then(|s| if s.alive { s.side } else { None })
    }

    fn person(&self, i: usize) -> Option<&Participant> {
        self.people.get(i)
    }

    /// What the alive players do in this second.
    fn activity(&mut self, t: i64) {
        let mut order: Vec<usize> = (0..self.people.len()).collect();
        self.rng.shuffle(&mut order);
        for i in order {
            let Some(side) = self.side_of(i) else {
                continue;
            };
            self.background(i, side);
            if self.rng.chance(0.005) {
                self.self_kill(i, t);
                continue;
            }
            if self.rng.chance(0.004) {
                self.team_damage(i, side, t);
            }
            if self.rng.chance(0.021) {
                let enemies = self.alive_on(side.other());
                if let Some(&enemy) = self.rng.pick(&enemies) {
                    self.duel(i, enemy, t);
                }
            }
        }
    }

    /// Shots that hit nobody, thrown grenades, called strikes, placed mines.
    fn background(&mut self, i: usize, side: Side) {
        let Some(p) = self.person(i).cloned() else {
            return;
        };
        let defending = side == self.spec.defender;
        let main = p.primary.weapon(side);
        let mut add: Vec<(Weapon, i64)> = Vec::new();
        let main_rate = if catalog::profile(main).kind == Kind::Bullet {
            0.05
        } else {
            0.02
        };
        if self.rng.chance(main_rate) {
            let shots = if catalog::profile(main).kind == Kind::Bullet {
                self.rng.range(1, 4)
            } else {
                1
            };
            add.push((main, shots));
        }
        if self.rng.chance(0.012) {
            add.push((catalog::pistol(side), self.rng.range(1, 3)));
        }
        if catalog::throws_grenades(p.class) && self.rng.chance(0.011) {
            add.push((Weapon::Grenade, 1));
        }
        if self.rng.chance(0.003) {
            add.push((catalog::knife(side), 1));
        }
        match p.class {
            Class::FieldOps if self.rng.chance(0.02) => {
                let strike = if self.rng.chance(0.55) {
                    Weapon::Airstrike
                } else {
                    Weapon::Artillery
                };
                add.push((strike, 1));
            }
            Class::Engineer => {
                if p.primary == Primary::Rifle && self.rng.chance(0.012) {
                    add.push((Weapon::GrenadeLauncher, 1));
                }
                if defending && self.rng.chance(0.008) {
                    add.push((Weapon::Landmine, 1));
                }
                if self.rng.chance(0.003)
                    && let Some(c) = self.out.get_mut(i)
                {
                    c.script.repairs_constructions += 1;
                }
            }
            Class::CovertOps if self.rng.chance(0.005) => add.push((Weapon::Satchel, 1)),
            _ => {}
        }
        if let Some(c) = self.out.get_mut(i) {
            for (weapon, shots) in add {
                if let Some(w) = c.game.weapon(weapon) {
                    w.shots += shots;
                }
            }
        }
    }

    fn duel(&mut self, a: usize, b: usize, t: i64) {
        let (Some(pa), Some(pb)) = (self.person(a), self.person(b)) else {
            return;
        };
        let defends = |i: usize| {
            if self.side_of(i) == Some(self.spec.defender) {
                0.12
            } else {
                0.0
            }
        };
        let edge = 1.1 * (pa.skill - pb.skill) + defends(a) - defends(b);
        let p_a = 1.0 / (1.0 + (-edge).exp());
        let (winner, loser) = if self.rng.chance(p_a) { (a, b) } else { (b, a) };
        self.kill(winner, loser, t, None);
    }

    fn pick_kill_weapon(&mut self, i: usize, side: Side) -> Weapon {
        let choices = self
            .kill_weapons
            .get(i)
            .and_then(|both| both.get(side_index(side)))
            .cloned()
            .unwrap_or_default();
        let weights: Vec<u32> = choices.iter().map(|(_, w)| *w).collect();
        let index = self.rng.weighted(&weights);
        choices
            .get(index)
            .map_or(catalog::pistol(side), |(weapon, _)| *weapon)
    }

    fn fire_weapon(&mut self, i: usize, side: Side) -> Weapon {
        let Some(p) = self.person(i) else {
            return catalog::pistol(side);
        };
        let main = p.primary.weapon(side);
        if catalog::profile(main).kind == Kind::Bullet && self.rng.chance(0.85) {
            main
        } else {
            catalog::pistol(side)
        }
    }

    /// `killer` kills `victim`; `chained` carries the weapon of a kill in the
    /// same second (a grenade or a strike that hits several).
    fn kill(&mut self, killer: usize, victim: usize, t: i64, chained: Option<Weapon>) {
        let (Some(k_side), Some(v_side)) = (self.side_of(killer), self.side_of(victim)) else {
            return;
        };
        let weapon = match chained {
            Some(weapon) => weapon,
            None => self.pick_kill_weapon(killer, k_side),
        };
        let profile = catalog::profile(weapon);
        let explosive = profile.kind != Kind::Bullet && profile.kind != Kind::Melee;
        let health = self.rng.range(100, 140);

        // Another attacker hit the victim just before: an assist, maybe a steal.
        let mut assist = 0;
        let mates: Vec<usize> = self
            .alive_on(k_side)
            .into_iter()
            .filter(|&m| m != killer)
            .collect();
        if self.rng.chance(0.28)
            && let Some(&mate) = self.rng.pick(&mates)
        {
            assist = self.rng.range(15, health - 20);
            let mate_weapon = self.fire_weapon(mate, k_side);
            self.deal(mate, victim, mate_weapon, assist, false, true);
            if let Some(c) = self.out.get_mut(mate) {
                c.script.kill_assists += 1;
            }
        }
        let blow = health - assist;
        let damage = blow + self.rng.range(0, profile.overkill);
        let headshot = self.deal(killer, victim, weapon, damage, true, chained.is_none());
        if assist > blow
            && !explosive
            && let Some(c) = self.out.get_mut(killer)
        {
            c.script.kill_steals += 1;
        }
        // The victim fired back before he fell.
        if chained.is_none() && self.rng.chance(0.7) {
            let back = self.fire_weapon(victim, v_side);
            let damage = self.rng.range(5, 95);
            self.deal(victim, killer, back, damage, false, true);
        }

        if let Some(c) = self.out.get_mut(killer) {
            if let Some(w) = c.game.weapon(weapon) {
                w.kills += 1;
            }
            if headshot {
                c.script.headshot_kills += 1;
            }
        }
        if let Some(c) = self.out.get_mut(victim)
            && let Some(w) = c.game.weapon(weapon)
        {
            w.deaths += 1;
        }
        self.count_kill(killer, t);
        self.spree_end(victim);
        if let Some(s) = self.state.get_mut(victim) {
            s.dstreak += 1;
        }
        self.die(victim, t, true);
        let (wait, period) = self.wait(victim, t);
        if let Some(c) = self.out.get_mut(killer) {
            c.script.denied_ms += wait;
            if wait * 20 >= period * 11 {
                c.script.useful_kills += 1;
            } else if wait * 3 < period {
                c.script.useless_kills += 1;
            }
        }
        if self.rng.chance(0.4) {
            let enemies = self.alive_on(k_side);
            let gibber = if self.rng.chance(0.8) {
                Some(killer)
            } else {
                self.rng.pick(&enemies).copied()
            };
            if let Some(gibber) = gibber
                && let Some(c) = self.out.get_mut(gibber)
            {
                c.game.gibs += 1;
                if let Some(s) = self.state.get_mut(victim) {
                    s.revivable = false;
                    s.revive = None;
                }
            }
        }

        // A spray or a blast that takes a second enemy.
        let chain_p = if explosive { 0.12 } else { 0.02 };
        if self.rng.chance(chain_p) {
            let others = self.alive_on(v_side);
            if let Some(&next) = self.rng.pick(&others) {
                self.kill(killer, next, t, Some(weapon));
            }
        }
    }

    /// Damage from `from` to `to` with a weapon: hits, shots, headshots and
    /// damage on both sides. Returns whether a final blow was a headshot.
    fn deal(
        &mut self,
        from: usize,
        to: usize,
        weapon: Weapon,
        damage: i64,
        final_blow: bool,
        new_shot: bool,
    ) -> bool {
        let profile = catalog::profile(weapon);
        let skill = self.person(from).map_or(0.0, |p| p.skill);
        let mut headshot_kill = false;
        let (hits, shots, heads) = match profile.kind {
            Kind::Bullet => {
                let hits = (damage + profile.per_hit - 1) / profile.per_hit.max(1);
                let hits = hits.max(1);
                let head_p = (profile.head * (1.0 + 0.25 * skill)).clamp(0.0, 0.9);
                let heads = self.rng.binomial(hits, head_p);
                if final_blow && heads > 0 {
                    let p = if profile.per_hit >= 34 { 0.6 } else { 0.33 };
                    headshot_kill = self.rng.chance(p);
                }
                let accuracy = (profile.accuracy * (1.0 + 0.15 * skill)).clamp(0.1, 0.9);
                let misses = (hits as f64 * (1.0 / accuracy - 1.0) * (0.7 + 0.6 * self.rng.unit()))
                    .round() as i64;
                (hits, hits + misses.max(0), heads)
            }
            Kind::Melee => (1, 1 + self.rng.binomial(2, 0.3), 0),
            Kind::Thrown => (1, i64::from(new_shot), 0),
            Kind::Called | Kind::Placed | Kind::Syringe => (1, 0, 0),
        };
        if let Some(c) = self.out.get_mut(from) {
            c.game.damage_given += damage;
            if let Some(w) = c.game.weapon(weapon) {
                w.hits += hits;
                w.headshots += heads;
                w.shots += shots;
                // A strike or a charge that hit was called or placed at least once.
                if w.shots == 0 {
                    w.shots = 1;
                }
            }
        }
        if let Some(c) = self.out.get_mut(to) {
            c.game.damage_received += damage;
        }
        headshot_kill
    }

    /// The script's multi-kill and spree bookkeeping for a kill.
    fn count_kill(&mut self, killer: usize, t: i64) {
        let Some(s) = self.state.get_mut(killer) else {
            return;
        };
        s.streak += 1;
        let dstreak = std::mem::take(&mut s.dstreak);
        let pending = if s.chain > 0 && t - s.last_kill < 3000 {
            s.chain += 1;
            None
        } else {
            let done = s.chain;
            s.chain = 1;
            Some(done)
        };
        s.last_kill = t;
        if let Some(c) = self.out.get_mut(killer) {
            if dstreak >= 3 && dstreak > c.script.death_spree {
                c.script.death_spree = dstreak;
            }
            if let Some(done) = pending {
                add_multikill(&mut c.script.multikills, done);
            }
        }
    }

    /// A chain still waiting at the end counts only if the script's 3.1 s
    /// wait ran out before the round ended.
    fn end_chain(&mut self, i: usize, end: i64) {
        let Some(s) = self.state.get_mut(i) else {
            return;
        };
        let chain = std::mem::take(&mut s.chain);
        if s.last_kill + 3100 < end
            && let Some(c) = self.out.get_mut(i)
        {
            add_multikill(&mut c.script.multikills, chain);
        }
    }

    fn spree_end(&mut self, victim: usize) {
        let Some(s) = self.state.get_mut(victim) else {
            return;
        };
        let streak = std::mem::take(&mut s.streak);
        if let Some(c) = self.out.get_mut(victim)
            && streak >= 3
            && streak > c.script.killing_spree
        {
            c.script.killing_spree = streak;
        }
    }

    /// Time until the victim's next reinforcement wave, and the wave period.
    fn wait(&self, victim: usize, t: i64) -> (i64, i64) {
        let Some(s) = self.state.get(victim) else {
            return (0, 1);
        };
        let period = self.period(s.side.unwrap_or(Side::Axis));
        ((s.respawn_at - t).max(0), period)
    }

    fn period(&self, side: Side) -> i64 {
        let (attack, defend) = self.spec.map.waves;
        1000 * if side == self.spec.defender {
            defend
        } else {
            attack
        }
    }

    fn die(&mut self, i: usize, t: i64, revivable: bool) {
        let Some(side) = self.state.get(i).and_then(|s| s.side) else {
            return;
        };
        let period = self.period(side);
        let mut respawn = (t / period + 1) * period;
        if respawn - t < 2000 {
            respawn += period;
        }
        let medics: Vec<usize> = self
            .alive_on(side)
            .into_iter()
            .filter(|&m| m != i && self.person(m).is_some_and(|p| p.class == Class::Medic))
            .collect();
        let mut revive = None;
        if revivable
            && self.rng.chance(0.62)
            && let Some(&medic) = self.rng.pick(&medics)
        {
            let at = t + 1000 * self.rng.range(2, 8);
            if at < respawn {
                revive = Some((at, medic));
            }
        }
        if let Some(s) = self.state.get_mut(i) {
            s.alive = false;
            s.dead_since = t;
            s.respawn_at = respawn;
            s.revivable = revivable;
            s.revive = revive;
        }
    }

    /// Adds a finished dead period to the script's dead-time total.
    fn close_dead(&mut self, i: usize, until: i64) {
        let Some(s) = self.state.get(i) else {
            return;
        };
        let since = s.dead_since;
        let length = (until - since).max(0);
        let mut total = length;
        if self.spec.producer == Producer::C0rnp0rn7 {
            // Every periodic store while dead adds the time since the death again.
            let phase = self.spec.store_phase_ms;
            let mut store = if since < phase {
                phase
            } else {
                phase + ((since - phase) / STORE_INTERVAL_MS + 1) * STORE_INTERVAL_MS
            };
            while store < until {
                total += store - since;
                store += STORE_INTERVAL_MS;
            }
        }
        if let Some(c) = self.out.get_mut(i) {
            c.script.dead_ms += total;
        }
    }

    fn self_kill(&mut self, i: usize, t: i64) {
        if let Some(c) = self.out.get_mut(i) {
            c.game.self_kills += 1;
            if self.rng.chance(0.07) {
                c.script.full_selfkills += 1;
            }
        }
        self.spree_end(i);
        if let Some(s) = self.state.get_mut(i) {
            s.dstreak += 1;
        }
        self.die(i, t, false);
    }

    fn team_damage(&mut self, i: usize, side: Side, t: i64) {
        let mates: Vec<usize> = self
            .alive_on(side)
            .into_iter()
            .filter(|&m| m != i)
            .collect();
        let Some(&mate) = self.rng.pick(&mates) else {
            return;
        };
        let team_kill = self.rng.chance(0.06);
        let damage = if team_kill {
            self.rng.range(100, 140)
        } else {
            self.rng.range(5, 45)
        };
        let gib = team_kill && self.rng.chance(0.15);
        if let Some(c) = self.out.get_mut(i) {
            c.game.team_damage_given += damage;
            if team_kill {
                c.game.team_kills += 1;
            }
            if gib {
                c.game.team_gibs += 1;
            }
        }
        if let Some(c) = self.out.get_mut(mate) {
            c.game.team_damage_received += damage;
        }
        if team_kill {
            self.spree_end(mate);
            self.die(mate, t, !gib);
        }
    }

    /// When plants, steals, defuses and returns happen in this round.
    fn objective_plan(&mut self) -> Vec<(i64, Objective)> {
        let d = self.spec.duration_ms;
        let mut plan = Vec::new();
        let at = |rng: &mut Rng, from: f64, to: f64| {
            let low = (d as f64 * from) as i64;
            let high = (d as f64 * to) as i64;
            rng.range(low, high.max(low))
        };
        let plants = self.rng.range(0, 3);
        for _ in 0..plants {
            let when = at(self.rng, 0.1, 0.9);
            plan.push((when, Objective::Plant));
            if self.rng.chance(0.65) {
                plan.push(((when + 15_000).min(d - 1), Objective::Defuse));
            }
        }
        if self.spec.map.carry {
            let steals = self.rng.range(0, 2);
            for _ in 0..steals {
                let when = at(self.rng, 0.1, 0.85);
                plan.push((when, Objective::Steal));
                if self.rng.chance(0.6) {
                    plan.push(((when + 20_000).min(d - 1), Objective::Return));
                }
            }
        }
        if self.spec.objective_completed {
            let last = (d - 1000 * self.rng.range(2, 30)).max(0);
            let finale = if self.spec.map.carry && self.rng.chance(0.5) {
                Objective::Steal
            } else {
                Objective::Plant
            };
            plan.push((last, finale));
        }
        plan
    }

    fn objective(&mut self, action: Objective) {
        let defender = self.spec.defender;
        let (side, want) = match action {
            Objective::Plant => (defender.other(), Some(Class::Engineer)),
            Objective::Defuse => (defender, Some(Class::Engineer)),
            Objective::Steal => (defender.other(), None),
            Objective::Return => (defender, None),
        };
        let alive = self.alive_on(side);
        let fitting: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&i| want.is_none_or(|class| self.person(i).is_some_and(|p| p.class == class)))
            .collect();
        let pool = if fitting.is_empty() { &alive } else { &fitting };
        let Some(&who) = self.rng.pick(pool) else {
            return;
        };
        if let Some(c) = self.out.get_mut(who) {
            match action {
                Objective::Plant => {
                    c.script.dynamites_planted += 1;
                    if let Some(w) = c.game.weapon(Weapon::Dynamite) {
                        w.shots += 1;
                    }
                }
                Objective::Defuse => c.script.dynamites_defused += 1,
                Objective::Steal => c.script.objectives_stolen += 1,
                Objective::Return => c.script.objectives_returned += 1,
            }
        }
    }

    /// Experience points and the guarantee that a player who was on a side
    /// has some weapon activity (the script writes only such players).
    fn finish(&mut self, i: usize) {
        let Some(p) = self.person(i).cloned() else {
            return;
        };
        let first_side = p.stints.first().map_or(Side::Axis, |s| s.side);
        let Some(c) = self.out.get_mut(i) else {
            return;
        };
        if c.game.time_played_ms() > 0
            && c.game.mask() == 0
            && let Some(w) = c.game.weapon(p.primary.weapon(first_side))
        {
            w.shots += 1;
        }
        let total = c.game.total();
        let s = &c.script;
        c.script.xp = 4 * total.kills
            + 3 * s.revives_given
            + 6 * (s.dynamites_planted + s.dynamites_defused)
            + 8 * s.objectives_stolen
            + 5 * s.objectives_returned
            + 3 * s.repairs_constructions
            + c.game.gibs
            + c.game.time_alive_ms / 20_000
            + c.game.damage_given / 200;
    }
}

fn add_multikill(multikills: &mut [i64; 5], chain: i64) {
    if chain >= 2
        && let Some(slot) = multikills.get_mut((chain.min(6) - 2) as usize)
    {
        *slot += 1;
    }
}

#[derive(Debug, Clone, Copy)]
enum Objective {
    Plant,
    Defuse,
    Steal,
    Return,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::MAPS;

    fn squad(side: Side, n: usize, end: i64) -> Vec<Participant> {
        (0..n)
            .map(|i| Participant {
                class: catalog::CLASS_ORDER[i],
                primary: Primary::Smg,
                skill: 0.0,
                stints: vec![Stint {
                    start: 0,
                    end,
                    side,
                }],
            })
            .collect()
    }

    #[test]
    fn counters_balance_between_the_sides() {
        let d = 600_000;
        let mut people = squad(Side::Axis, 6, d);
        people.extend(squad(Side::Allies, 6, d));
        let spec = RoundSpec {
            map: &MAPS[0],
            duration_ms: d,
            defender: Side::Axis,
            objective_completed: true,
            store_phase_ms: 2000,
            producer: Producer::C0rnp0rn8,
        };
        let out = simulate(spec, &people, &mut Rng::new(9));
        let total = |f: &dyn Fn(&Counters) -> i64| out.iter().map(f).sum::<i64>();
        let kills = total(&|c| c.game.total().kills);
        assert!(kills > 40, "{kills}");
        assert_eq!(kills, total(&|c| c.game.total().deaths));
        assert_eq!(
            total(&|c| c.game.damage_given),
            total(&|c| c.game.damage_received)
        );
        assert_eq!(
            total(&|c| c.script.revives_given),
            total(&|c| c.script.times_revived)
        );
        for c in &out {
            assert_eq!(c.game.time_played_ms(), d);
            assert!(c.game.time_alive_ms < d);
            assert!(c.script.headshot_kills <= c.game.total().kills);
        }
    }
}
