//! Sums over round-only rows, and the values derived from them. Derived values
//! are always computed from sums, never averaged from per-round ratios.

use std::collections::HashSet;

use etl_store::{PlayerRecord, SummedTotals};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub rounds: i64,
    pub sessions: HashSet<String>,
    pub maps: HashSet<String>,
    pub kills: i64,
    pub deaths: i64,
    pub headshots: i64,
    pub hits: i64,
    pub shots: i64,
    pub damage_given: i64,
    pub damage_received: i64,
    pub team_damage_given: i64,
    pub team_damage_received: i64,
    pub gibs: i64,
    pub self_kills: i64,
    pub team_kills: i64,
    pub xp: i64,
    pub kill_assists: i64,
    pub kill_steals: i64,
    pub headshot_kills: i64,
    pub objectives_stolen: i64,
    pub objectives_returned: i64,
    pub dynamites_planted: i64,
    pub dynamites_defused: i64,
    pub times_revived: i64,
    pub revives_given: i64,
    pub repairs_constructions: i64,
    pub bullets_fired: i64,
    pub time_played_s: i64,
    pub time_dead_s: i64,
    pub useful_kills: i64,
    pub useless_kills: i64,
    pub denied_playtime_s: i64,
    pub multikills: [i64; 5],
    pub best_spree: i64,
    pub worst_death_spree: i64,
    pub wins: i64,
    pub losses: i64,
}

/// Did this row's side win its round? `None` when the round has no winner
/// or the player ended as a spectator.
pub fn won(record: &PlayerRecord) -> Option<bool> {
    let winner = record.round.winner.as_deref()?;
    let team = record.stats.team.as_deref().filter(|t| *t != "spectator")?;
    Some(team == winner)
}

/// The counts a round row and a session's sums both hold, under the same
/// name, as plain numbers: [`Totals::add`] and [`Totals::add_summed`] add
/// them alike, so a count added to one is not forgotten in the other.
macro_rules! plain_counts {
    ($apply:ident) => {
        $apply!(
            kills,
            deaths,
            headshots,
            hits,
            shots,
            damage_given,
            damage_received,
            team_damage_given,
            team_damage_received,
            gibs,
            self_kills,
            team_kills,
            xp,
            kill_assists,
            kill_steals,
            headshot_kills,
            objectives_stolen,
            objectives_returned,
            dynamites_planted,
            dynamites_defused,
            times_revived,
            bullets_fired,
            time_played_s,
            time_dead_s,
            useful_kills,
            denied_playtime_s
        )
    };
}

impl Totals {
    pub fn add(&mut self, record: &PlayerRecord) {
        let s = &record.stats;
        self.rounds += 1;
        if let Some(session) = &record.round.session_id {
            self.sessions.insert(session.clone());
        }
        self.maps.insert(record.round.map.clone());
        macro_rules! add {
            ($($field:ident),*) => { $(self.$field += s.$field;)* };
        }
        plain_counts!(add);
        self.revives_given += s.revives_given.unwrap_or(0);
        self.repairs_constructions += s.repairs_constructions.unwrap_or(0);
        self.useless_kills += s.useless_kills.unwrap_or(0);
        for (total, value) in self.multikills.iter_mut().zip([
            s.multikill_2,
            s.multikill_3,
            s.multikill_4,
            s.multikill_5,
            s.multikill_6.unwrap_or(0),
        ]) {
            *total += value;
        }
        self.best_spree = self.best_spree.max(s.killing_spree);
        self.worst_death_spree = self.worst_death_spree.max(s.death_spree);
        match won(record) {
            Some(true) => self.wins += 1,
            Some(false) => self.losses += 1,
            None => {}
        }
    }

    /// Adds sums read from the per-session totals. They carry no session ids
    /// or map names: `sessions` and `maps` stay as they were, so these totals
    /// serve metrics (leaderboards), not the session or map counts.
    pub fn add_summed(&mut self, s: &SummedTotals) {
        self.rounds += s.rounds;
        macro_rules! add {
            ($($field:ident),*) => { $(self.$field += s.$field;)* };
        }
        plain_counts!(add);
        self.revives_given += s.revives_given;
        self.repairs_constructions += s.repairs_constructions;
        self.useless_kills += s.useless_kills;
        for (total, value) in self.multikills.iter_mut().zip([
            s.multikill_2,
            s.multikill_3,
            s.multikill_4,
            s.multikill_5,
            s.multikill_6,
        ]) {
            *total += value;
        }
        self.best_spree = self.best_spree.max(s.best_spree);
        self.worst_death_spree = self.worst_death_spree.max(s.worst_death_spree);
        self.wins += s.wins;
        self.losses += s.losses;
    }

    pub fn of<'a>(records: impl IntoIterator<Item = &'a PlayerRecord>) -> Self {
        let mut totals = Self::default();
        for record in records {
            totals.add(record);
        }
        totals
    }

    /// Kills per death; with no deaths, the kills.
    pub fn kd(&self) -> f64 {
        ratio(self.kills as f64, self.deaths.max(1) as f64)
    }

    /// Damage given per minute played.
    pub fn dpm(&self) -> f64 {
        ratio(self.damage_given as f64 * 60.0, self.time_played_s as f64)
    }

    /// Hits per shot, in percent.
    pub fn accuracy(&self) -> f64 {
        ratio(self.hits as f64 * 100.0, self.shots as f64)
    }

    /// Headshot hits per hit, in percent.
    pub fn headshot_rate(&self) -> f64 {
        ratio(self.headshots as f64 * 100.0, self.hits as f64)
    }

    /// Kills per kill-or-death, in percent.
    pub fn efficiency(&self) -> f64 {
        ratio(self.kills as f64 * 100.0, (self.kills + self.deaths) as f64)
    }

    pub fn win_rate(&self) -> f64 {
        ratio(self.wins as f64 * 100.0, (self.wins + self.losses) as f64)
    }

    pub fn objectives(&self) -> i64 {
        self.objectives_stolen
            + self.objectives_returned
            + self.dynamites_planted
            + self.dynamites_defused
    }

    /// Revives given, revived, repairs and constructions: what a team mate is thanked for.
    pub fn support(&self) -> i64 {
        self.revives_given + self.repairs_constructions + self.kill_assists
    }

    pub fn kills_per_round(&self) -> f64 {
        ratio(self.kills as f64, self.rounds as f64)
    }

    pub fn time_dead_share(&self) -> f64 {
        ratio(self.time_dead_s as f64 * 100.0, self.time_played_s as f64)
    }
}

pub fn ratio(numerator: f64, denominator: f64) -> f64 {
    if denominator > 0.0 {
        numerator / denominator
    } else {
        0.0
    }
}

/// A number a leaderboard can rank by.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub description: &'static str,
    pub higher_is_better: bool,
    /// Shown with this many decimals.
    pub decimals: usize,
    pub value: fn(&Totals) -> f64,
}

impl Metric {
    pub fn format(&self, totals: &Totals) -> String {
        format!("{:.*}", self.decimals, (self.value)(totals))
    }
}

macro_rules! metric {
    ($name:literal, [$($alias:literal),*], $description:literal, $higher:literal, $decimals:literal, |$t:ident| $value:expr) => {
        Metric {
            name: $name,
            aliases: &[$($alias),*],
            description: $description,
            higher_is_better: $higher,
            decimals: $decimals,
            value: |$t: &Totals| $value,
        }
    };
}

pub const METRICS: &[Metric] = &[
    metric!("kills", ["frags"], "enemy kills", true, 0, |t| t.kills
        as f64),
    metric!("deaths", [], "deaths by an enemy", false, 0, |t| t.deaths
        as f64),
    metric!("kd", ["k/d", "ratio"], "kills per death", true, 2, |t| t
        .kd()),
    metric!(
        "dpm",
        ["damage_per_minute"],
        "damage given per minute played",
        true,
        1,
        |t| t.dpm()
    ),
    metric!(
        "damage",
        ["damage_given", "dmg"],
        "damage given",
        true,
        0,
        |t| t.damage_given as f64
    ),
    metric!("accuracy", ["acc"], "hits per shot, %", true, 1, |t| t
        .accuracy()),
    metric!(
        "headshots",
        ["hs"],
        "headshot hits",
        true,
        0,
        |t| t.headshots as f64
    ),
    metric!(
        "headshot_rate",
        ["hs_rate", "hs%"],
        "headshot hits per hit, %",
        true,
        1,
        |t| t.headshot_rate()
    ),
    metric!(
        "efficiency",
        ["eff"],
        "kills per kill or death, %",
        true,
        1,
        |t| t.efficiency()
    ),
    metric!("xp", [], "experience points", true, 0, |t| t.xp as f64),
    metric!(
        "revives",
        ["revives_given"],
        "team mates revived",
        true,
        0,
        |t| t.revives_given as f64
    ),
    metric!(
        "objectives",
        ["obj"],
        "objectives stolen/returned, dynamites planted/defused",
        true,
        0,
        |t| t.objectives() as f64
    ),
    metric!(
        "support",
        [],
        "revives, repairs/constructions and kill assists",
        true,
        0,
        |t| t.support() as f64
    ),
    metric!("gibs", [], "gibs", true, 0, |t| t.gibs as f64),
    metric!(
        "useful_kills",
        ["useful"],
        "most useful kills",
        true,
        0,
        |t| t.useful_kills as f64
    ),
    metric!(
        "kills_per_round",
        ["kpr"],
        "kills per round",
        true,
        2,
        |t| t.kills_per_round()
    ),
    metric!(
        "win_rate",
        ["wins%", "winrate"],
        "rounds won, %",
        true,
        1,
        |t| t.win_rate()
    ),
    metric!("wins", [], "rounds won", true, 0, |t| t.wins as f64),
    metric!("rounds", ["games"], "rounds played", true, 0, |t| t.rounds
        as f64),
    metric!(
        "time_played",
        ["time", "playtime"],
        "hours played",
        true,
        1,
        |t| t.time_played_s as f64 / 3600.0
    ),
    metric!(
        "team_damage",
        ["team_dmg"],
        "damage given to team mates",
        false,
        0,
        |t| t.team_damage_given as f64
    ),
    metric!(
        "self_kills",
        ["suicides"],
        "self kills",
        false,
        0,
        |t| t.self_kills as f64
    ),
    metric!(
        "team_kills",
        ["tk"],
        "team kills",
        false,
        0,
        |t| t.team_kills as f64
    ),
    metric!(
        "multikills",
        ["multi"],
        "double kills and better",
        true,
        0,
        |t| t.multikills.iter().sum::<i64>() as f64
    ),
    metric!(
        "spree",
        ["killing_spree"],
        "best kill streak in a round",
        true,
        0,
        |t| t.best_spree as f64
    ),
];

pub fn find_metric(name: &str) -> Option<&'static Metric> {
    let lower = name.to_lowercase();
    METRICS
        .iter()
        .find(|m| m.name == lower || m.aliases.contains(&lower.as_str()))
}
