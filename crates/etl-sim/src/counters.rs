//! What the game and the script count for one player session in one round,
//! and how a player line is put together and written from it.

use etl_parser::Weapon;

/// The five counters of one weapon slot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WeaponCount {
    pub hits: i64,
    pub shots: i64,
    pub kills: i64,
    pub deaths: i64,
    pub headshots: i64,
}

impl WeaponCount {
    /// The script's rule for the mask: any hits, shots, kills or deaths.
    pub(crate) fn active(&self) -> bool {
        self.hits != 0 || self.shots != 0 || self.kills != 0 || self.deaths != 0
    }

    fn plus(self, other: Self) -> Self {
        Self {
            hits: self.hits + other.hits,
            shots: self.shots + other.shots,
            kills: self.kills + other.kills,
            deaths: self.deaths + other.deaths,
            headshots: self.headshots + other.headshots,
        }
    }
}

/// The game's session counters: kept from round 1 into round 2 of a map,
/// restarted by a reconnect.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Game {
    pub weapons: [WeaponCount; Weapon::COUNT],
    pub damage_given: i64,
    pub damage_received: i64,
    pub team_damage_given: i64,
    pub team_damage_received: i64,
    pub gibs: i64,
    pub self_kills: i64,
    pub team_kills: i64,
    pub team_gibs: i64,
    pub time_axis_ms: i64,
    pub time_allies_ms: i64,
    /// `sess.time_played`: time alive on a side.
    pub time_alive_ms: i64,
}

impl Game {
    pub(crate) fn weapon(&mut self, weapon: Weapon) -> Option<&mut WeaponCount> {
        self.weapons.get_mut(weapon.slot())
    }

    pub(crate) fn total(&self) -> WeaponCount {
        self.weapons
            .iter()
            .fold(WeaponCount::default(), |sum, w| sum.plus(*w))
    }

    pub(crate) fn mask(&self) -> u32 {
        self.weapons
            .iter()
            .enumerate()
            .filter(|(_, w)| w.active())
            .fold(0, |mask, (slot, _)| mask | (1 << slot))
    }

    pub(crate) fn time_played_ms(&self) -> i64 {
        self.time_axis_ms + self.time_allies_ms
    }

    /// Round 1 and round 2 of one uninterrupted session.
    pub(crate) fn plus(&self, other: &Self) -> Self {
        let mut weapons = self.weapons;
        for (sum, more) in weapons.iter_mut().zip(other.weapons.iter()) {
            *sum = sum.plus(*more);
        }
        Self {
            weapons,
            damage_given: self.damage_given + other.damage_given,
            damage_received: self.damage_received + other.damage_received,
            team_damage_given: self.team_damage_given + other.team_damage_given,
            team_damage_received: self.team_damage_received + other.team_damage_received,
            gibs: self.gibs + other.gibs,
            self_kills: self.self_kills + other.self_kills,
            team_kills: self.team_kills + other.team_kills,
            team_gibs: self.team_gibs + other.team_gibs,
            time_axis_ms: self.time_axis_ms + other.time_axis_ms,
            time_allies_ms: self.time_allies_ms + other.time_allies_ms,
            time_alive_ms: self.time_alive_ms + other.time_alive_ms,
        }
    }
}

/// The script's own counters: they start at zero in every round.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Script {
    pub xp: i64,
    pub killing_spree: i64,
    pub death_spree: i64,
    pub kill_assists: i64,
    pub kill_steals: i64,
    pub headshot_kills: i64,
    pub objectives_stolen: i64,
    pub objectives_returned: i64,
    pub dynamites_planted: i64,
    pub dynamites_defused: i64,
    pub times_revived: i64,
    /// The script's dead-time total, as its version counts it.
    pub dead_ms: i64,
    pub useful_kills: i64,
    pub denied_ms: i64,
    pub multikills: [i64; 5],
    pub useless_kills: i64,
    pub full_selfkills: i64,
    pub repairs_constructions: i64,
    pub revives_given: i64,
}

/// Everything counted for one player session in one round.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Counters {
    pub game: Game,
    pub script: Script,
}

/// One player line's values, before formatting.
#[derive(Debug, Clone)]
pub(crate) struct Line {
    pub guid8: String,
    pub name: Vec<u8>,
    pub rounds: i64,
    pub team: u8,
    pub game: Game,
    pub script: Script,
    pub dpm: f64,
}

/// Lua's `roundNum(num, n)`: `math.floor(num * 10^n + 0.5) / 10^n`.
pub(crate) fn round_num(value: f64, digits: i32) -> f64 {
    let mult = 10f64.powi(digits);
    (value * mult + 0.5).floor() / mult
}

/// C's `%0.1f` (Rust's formatting rounds the exact binary value the same way).
pub(crate) fn fmt1(value: f64) -> String {
    format!("{value:.1}")
}

/// The derived and float fields as the script writes them (text).
#[derive(Debug, Clone)]
pub(crate) struct Floats {
    pub time_played_pct: String,
    pub dpm: String,
    pub time_played_min: String,
    pub tank: String,
    pub time_dead_ratio: String,
    pub time_dead_min: String,
    pub kd: String,
}

impl Line {
    pub(crate) fn kills(&self) -> i64 {
        self.game.total().kills
    }

    pub(crate) fn deaths(&self) -> i64 {
        self.game.total().deaths
    }

    pub(crate) fn floats(&self) -> Floats {
        let g = &self.game;
        let tp = g.time_played_ms();
        let pct = if tp == 0 {
            0.0
        } else {
            100.0 * g.time_alive_ms as f64 / tp as f64
        };
        let (kills, deaths) = (self.kills(), self.deaths());
        let kd = if deaths == 0 {
            (kills + 1) as f64
        } else {
            round_num(kills as f64 / deaths as f64, 2)
        };
        let mut tank = 0.0;
        if g.damage_received > 1000 {
            let ratio = if deaths == 0 {
                (g.damage_received + 1) as f64 / 130.0
            } else {
                g.damage_received as f64 / deaths as f64 / 130.0
            };
            if ratio > 3.0 {
                tank = round_num(ratio, 2);
            }
        }
        let dead = self.script.dead_ms as f64;
        let ratio = if tp > 120_000 {
            round_num(dead / tp as f64 * 100.0, 2)
        } else {
            0.0
        };
        Floats {
            time_played_pct: fmt1(pct),
            dpm: fmt1(self.dpm),
            time_played_min: fmt1(tp as f64 / 60_000.0),
            tank: fmt1(tank),
            time_dead_ratio: fmt1(ratio),
            time_dead_min: fmt1(round_num(dead / 60_000.0, 2)),
            kd: fmt1(kd),
        }
    }

    /// The 38 TAB fields as text, in file order.
    pub(crate) fn fields(&self) -> [String; 38] {
        let g = &self.game;
        let s = &self.script;
        let f = self.floats();
        let bullets: i64 = g.weapons.iter().map(|w| w.shots).sum();
        let [m2, m3, m4, m5, m6] = s.multikills;
        [
            g.damage_given.to_string(),
            g.damage_received.to_string(),
            g.team_damage_given.to_string(),
            g.team_damage_received.to_string(),
            g.gibs.to_string(),
            g.self_kills.to_string(),
            g.team_kills.to_string(),
            g.team_gibs.to_string(),
            f.time_played_pct,
            s.xp.to_string(),
            s.killing_spree.to_string(),
            s.death_spree.to_string(),
            s.kill_assists.to_string(),
            s.kill_steals.to_string(),
            s.headshot_kills.to_string(),
            s.objectives_stolen.to_string(),
            s.objectives_returned.to_string(),
            s.dynamites_planted.to_string(),
            s.dynamites_defused.to_string(),
            s.times_revived.to_string(),
            bullets.to_string(),
            f.dpm,
            f.time_played_min,
            f.tank,
            f.time_dead_ratio,
            f.time_dead_min,
            f.kd,
            s.useful_kills.to_string(),
            (s.denied_ms / 1000).to_string(),
            m2.to_string(),
            m3.to_string(),
            m4.to_string(),
            m5.to_string(),
            m6.to_string(),
            s.useless_kills.to_string(),
            s.full_selfkills.to_string(),
            s.repairs_constructions.to_string(),
            s.revives_given.to_string(),
        ]
    }

    /// The line's bytes: `GUID\name\rounds\team\MASK W... \tF0\t...\tF37\n`.
    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.guid8.as_bytes());
        out.push(b'\\');
        out.extend_from_slice(&self.name);
        let mut text = format!("\\{}\\{}\\{}", self.rounds, self.team, self.game.mask());
        for w in self.game.weapons.iter().filter(|w| w.active()) {
            text.push_str(&format!(
                " {} {} {} {} {}",
                w.hits, w.shots, w.kills, w.deaths, w.headshots
            ));
        }
        text.push_str(" \t");
        text.push_str(&self.fields().join("\t"));
        text.push('\n');
        out.extend_from_slice(text.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lua_rounding_and_c_formatting() {
        assert_eq!(round_num(0.666, 2), 0.67);
        assert_eq!(fmt1(0.25), "0.2");
        assert_eq!(fmt1(0.35), "0.3");
        assert_eq!(fmt1(5.0), "5.0");
        assert_eq!(fmt1(72.85), "72.8");
    }

    #[test]
    fn a_line_has_the_server_shape() {
        let mut game = Game::default();
        if let Some(w) = game.weapon(Weapon::Mp40) {
            *w = WeaponCount {
                hits: 10,
                shots: 30,
                kills: 2,
                deaths: 1,
                headshots: 4,
            };
        }
        game.time_axis_ms = 456_000;
        game.time_alive_ms = 400_000;
        let line = Line {
            guid8: "ABCDEF12".into(),
            name: b"^1Sl^7omix".to_vec(),
            rounds: 0,
            team: 1,
            game,
            script: Script::default(),
            dpm: 0.0,
        };
        let mut out = Vec::new();
        line.write(&mut out);
        let text = String::from_utf8(out).unwrap_or_default();
        assert!(text.starts_with("ABCDEF12\\^1Sl^7omix\\0\\1\\16 10 30 2 1 4 \t"));
        assert!(text.ends_with("\t0\n"));
        assert_eq!(text.matches('\t').count(), 38);
        assert!(text.contains("\t87.7\t"), "{text}");
        assert!(text.contains("\t7.6\t"), "{text}");
    }
}
