//! A gaming night: the squads, the maps in order, the times, the edge cases,
//! and for every round the file bytes and their truth.

use std::collections::BTreeMap;

use etl_parser::{Side, Weapon, strip_colour_codes};
use jiff::civil::Date;

use crate::catalog::{self, CLASS_ORDER, CLASSES, Class, MAPS, MapInfo, Primary};
use crate::counters::{Counters, Game, Line, Script, WeaponCount};
use crate::rng::{Rng, derive};
use crate::sim::{self, Participant, Producer, RoundSpec, Stint};
use crate::truth::{
    BeforeReconnect, Cumulative, EdgeCase, FileTruth, HeaderTruth, MapPlay, Multikills,
    PlayerTruth, RosterEntry, RoundFacts, RoundOnly, Server, Session, Squads, Text, Truth,
    WeaponTruth,
};
use crate::{Night, NightPlan, SimError, SimFile};

const POOL_SIZE: usize = 72;
const DAY_MS: i64 = 86_400_000;
const MINUTE_MS: i64 = 60_000;

/// A regular of the community the squads are drawn from (the same people,
/// GUIDs and names in every night of a run).
#[derive(Debug, Clone)]
struct Member {
    guid_full: String,
    name: Vec<u8>,
    alt_name: Vec<u8>,
    skill: f64,
    class: Class,
    primaries: [Primary; 5],
}

fn hex_guid(rng: &mut Rng) -> String {
    format!("{:016X}{:016X}", rng.next_u64(), rng.next_u64())
}

fn pick_primaries(rng: &mut Rng) -> [Primary; 5] {
    CLASSES.map(|class| {
        let choices = Primary::choices(class);
        let weights: Vec<u32> = choices.iter().map(|(_, w)| *w).collect();
        choices
            .get(rng.weighted(&weights))
            .map_or(Primary::Smg, |(p, _)| *p)
    })
}

fn colour(rng: &mut Rng) -> &'static str {
    rng.pick(&catalog::COLOURS).copied().unwrap_or("^7")
}

/// A decorated name: colour codes, clan tags, odd codes, or a non-ASCII name.
fn decorate(rng: &mut Rng, base: &str) -> Vec<u8> {
    let roll = rng.unit();
    let text = if roll < 0.30 {
        format!("{}{base}", colour(rng))
    } else if roll < 0.45 && base.len() > 3 {
        match base.split_at_checked(base.len() / 2) {
            Some((head, tail)) => format!("{}{head}{}{tail}", colour(rng), colour(rng)),
            None => format!("{}{base}", colour(rng)),
        }
    } else if roll < 0.55 {
        let tag = rng.pick(&catalog::TAGS).copied().unwrap_or("[X]");
        format!("{}{tag}{}{base}", colour(rng), colour(rng))
    } else if roll < 0.58 {
        format!("{base}^^{}x", colour(rng).trim_start_matches('^'))
    } else {
        base.to_owned()
    };
    text.into_bytes()
}

fn community(seed: u64) -> Vec<Member> {
    let mut rng = Rng::new(derive(seed, 0xC0FFEE));
    let mut bases: Vec<&str> = catalog::NAME_BASES.to_vec();
    rng.shuffle(&mut bases);
    let mut members: Vec<Member> = Vec::with_capacity(POOL_SIZE);
    let mut seen_guids = Vec::new();
    let mut utf8 = catalog::UTF8_NAMES.iter();
    let mut latin1 = catalog::LATIN1_NAMES.iter();
    for (index, base) in bases.iter().cycle().take(POOL_SIZE).enumerate() {
        let mut guid = hex_guid(&mut rng);
        while seen_guids.contains(&guid.get(..8).unwrap_or_default().to_owned()) {
            guid = hex_guid(&mut rng);
        }
        seen_guids.push(guid.get(..8).unwrap_or_default().to_owned());
        // Every few players a name outside ASCII; two players share "Ghost".
        let name = match index % 9 {
            4 => match utf8.next() {
                Some(name) => decorate(&mut rng, name),
                None => decorate(&mut rng, base),
            },
            7 => match latin1.next() {
                Some(name) => {
                    let mut bytes = colour(&mut rng).as_bytes().to_vec();
                    bytes.extend_from_slice(name);
                    bytes
                }
                None => decorate(&mut rng, base),
            },
            _ => match index {
                1 => b"^4Ghost".to_vec(),
                2 => b"^1Ghost".to_vec(),
                _ => decorate(&mut rng, base),
            },
        };
        let clean = String::from_utf8_lossy(&strip_colour_codes(&name)).into_owned();
        let alt_name = format!("{}{clean}^1*", colour(&mut rng)).into_bytes();
        let class = CLASSES
            .get(rng.weighted(&[6, 34, 26, 20, 14]))
            .copied()
            .unwrap_or(Class::Medic);
        members.push(Member {
            guid_full: guid,
            name,
            alt_name,
            skill: 0.45 * rng.normal(),
            class,
            primaries: pick_primaries(&mut rng),
        });
    }
    members
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Squad {
    A,
    B,
}

impl Squad {
    fn as_str(self) -> &'static str {
        match self {
            Squad::A => "A",
            Squad::B => "B",
        }
    }
}

/// Everyone who connects during the night (humans and bots).
#[derive(Debug, Clone)]
struct Person {
    guid_full: String,
    guid8: String,
    name: Vec<u8>,
    /// The name he switches to if he renames.
    alt_name: Vec<u8>,
    /// (match index, name in use from then on).
    names: Vec<(u32, Vec<u8>)>,
    squad: Option<Squad>,
    is_bot: bool,
    skill: f64,
    class: Class,
    primaries: [Primary; 5],
    slot: Option<usize>,
}

impl Person {
    fn primary(&self, class: Class) -> Primary {
        let index = CLASSES.iter().position(|c| *c == class).unwrap_or(0);
        self.primaries.get(index).copied().unwrap_or(Primary::Smg)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event {
    Abandon,
    Rename,
    LeaveAfterR1,
    LeaveMidR1,
    JoinMidR1,
    LeaveMidR2,
    Reconnect,
    SpectateR2,
    SwitchR2,
    Bots(i64),
    ImplausibleNext,
    Pause(u8),
}

/// How a participant of a round relates to the night.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Full,
    JoinedMid,
    /// Joined in round 2 without a round 1 of this map.
    JoinedR2,
    LeftMid,
    ReconnectBefore,
    ReconnectAfter,
    Switched,
}

struct Part {
    person: usize,
    tag: Tag,
    participant: Participant,
}

/// Wall-clock time: the night's date plus milliseconds since its midnight.
#[derive(Debug, Clone, Copy)]
struct Clock {
    date: Date,
}

struct Stamp {
    year: i16,
    month: i8,
    day: i8,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
}

impl Clock {
    fn stamp(self, ms: i64) -> Result<Stamp, SimError> {
        let days = ms.div_euclid(DAY_MS);
        let rest = ms.rem_euclid(DAY_MS);
        let date = self
            .date
            .checked_add(jiff::Span::new().days(days))
            .map_err(|e| SimError::Date(e.to_string()))?;
        Ok(Stamp {
            year: date.year(),
            month: date.month(),
            day: date.day(),
            hour: rest / 3_600_000,
            minute: rest / MINUTE_MS % 60,
            second: rest / 1000 % 60,
            milli: rest % 1000,
        })
    }

    /// Python's `isoformat()`: no fraction when it is zero, else microseconds.
    fn iso(self, ms: i64) -> Result<String, SimError> {
        let s = self.stamp(ms)?;
        let mut text = format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            s.year, s.month, s.day, s.hour, s.minute, s.second
        );
        if s.milli != 0 {
            text.push_str(&format!(".{:03}000", s.milli));
        }
        Ok(text)
    }

    fn file_name(self, ms: i64, map: &str, round: u8) -> Result<String, SimError> {
        let s = self.stamp(ms)?;
        Ok(format!(
            "{:04}-{:02}-{:02}-{:02}{:02}{:02}-{map}-round-{round}.txt",
            s.year, s.month, s.day, s.hour, s.minute, s.second
        ))
    }
}

/// The script's `ConvertTimelimit`: minutes (a cvar) to `M:SS`, floored.
fn convert_timelimit(minutes: f64) -> String {
    let msec = (minutes * 60_000.0).floor();
    let seconds = (msec / 1000.0).floor() as i64;
    let mins = seconds / 60;
    let secs = seconds - mins * 60;
    format!("{}:{}{}", mins, secs / 10, secs % 10)
}

/// The game keeps the attackers' time in a cvar as float minutes ("%f").
fn time_cvar(ms: i64) -> f64 {
    let minutes = ms as f32 / 60_000.0;
    format!("{minutes:.6}").parse().unwrap_or(0.0)
}

fn side_code(side: Side) -> u8 {
    match side {
        Side::Axis => 1,
        Side::Allies => 2,
    }
}

fn weapons_truth(weapons: &[WeaponCount]) -> BTreeMap<String, WeaponTruth> {
    Weapon::ALL
        .iter()
        .zip(weapons)
        .filter(|(_, w)| w.active())
        .map(|(weapon, w)| {
            (
                weapon.code().to_owned(),
                WeaponTruth {
                    hits: w.hits,
                    shots: w.shots,
                    kills: w.kills,
                    deaths: w.deaths,
                    headshots: w.headshots,
                },
            )
        })
        .collect()
}

fn round_only(c: &Counters) -> RoundOnly {
    let g = &c.game;
    let s = &c.script;
    let total = g.total();
    let [x2, x3, x4, x5, x6] = s.multikills;
    RoundOnly {
        kills: total.kills,
        deaths: total.deaths,
        headshots: total.headshots,
        damage_given: g.damage_given,
        damage_received: g.damage_received,
        team_damage_given: g.team_damage_given,
        team_damage_received: g.team_damage_received,
        gibs: g.gibs,
        self_kills: g.self_kills,
        team_kills: g.team_kills,
        team_gibs: g.team_gibs,
        xp: s.xp,
        revives_given: s.revives_given,
        times_revived: s.times_revived,
        dynamites_planted: s.dynamites_planted,
        dynamites_defused: s.dynamites_defused,
        objectives_stolen: s.objectives_stolen,
        objectives_returned: s.objectives_returned,
        kill_assists: s.kill_assists,
        kill_steals: s.kill_steals,
        headshot_kills: s.headshot_kills,
        bullets_fired: total.shots,
        killing_spree: s.killing_spree,
        death_spree: s.death_spree,
        useful_kills: s.useful_kills,
        useless_kills: s.useless_kills,
        full_selfkills: s.full_selfkills,
        repairs_constructions: s.repairs_constructions,
        denied_playtime_seconds: s.denied_ms / 1000,
        multikills: Multikills { x2, x3, x4, x5, x6 },
        time_played_ms: g.time_played_ms(),
        time_played_seconds: (g.time_played_ms() + 500) / 1000,
        time_axis_ms: g.time_axis_ms,
        time_allies_ms: g.time_allies_ms,
        time_alive_ms: g.time_alive_ms,
        weapons: weapons_truth(&g.weapons),
    }
}

fn cumulative(line: &Line) -> Cumulative {
    let g = &line.game;
    let s = &line.script;
    let f = line.floats();
    let num = |text: &str| text.parse::<f64>().unwrap_or(0.0);
    let total = g.total();
    let [m2, m3, m4, m5, m6] = s.multikills;
    Cumulative {
        rounds: line.rounds,
        weapon_mask: g.mask(),
        weapons: weapons_truth(&g.weapons),
        damage_given: g.damage_given,
        damage_received: g.damage_received,
        team_damage_given: g.team_damage_given,
        team_damage_received: g.team_damage_received,
        gibs: g.gibs,
        self_kills: g.self_kills,
        team_kills: g.team_kills,
        team_gibs: g.team_gibs,
        time_played_percent: num(&f.time_played_pct),
        xp: s.xp,
        killing_spree: s.killing_spree,
        death_spree: s.death_spree,
        kill_assists: s.kill_assists,
        kill_steals: s.kill_steals,
        headshot_kills: s.headshot_kills,
        objectives_stolen: s.objectives_stolen,
        objectives_returned: s.objectives_returned,
        dynamites_planted: s.dynamites_planted,
        dynamites_defused: s.dynamites_defused,
        times_revived: s.times_revived,
        bullets_fired: total.shots,
        dpm: num(&f.dpm),
        time_played_minutes: num(&f.time_played_min),
        tank_meatshield: num(&f.tank),
        time_dead_ratio: num(&f.time_dead_ratio),
        time_dead_minutes: num(&f.time_dead_min),
        kd_ratio: num(&f.kd),
        useful_kills: s.useful_kills,
        denied_playtime: s.denied_ms / 1000,
        multikill_2x: m2,
        multikill_3x: m3,
        multikill_4x: m4,
        multikill_5x: m5,
        multikill_6x: m6,
        useless_kills: s.useless_kills,
        full_selfkills: s.full_selfkills,
        repairs_constructions: s.repairs_constructions,
        revives_given: s.revives_given,
        kills_sum_of_weapons: total.kills,
        deaths_sum_of_weapons: total.deaths,
        headshots_sum_of_weapons: total.headshots,
    }
}

/// A line waiting to be written, with what the truth says about it.
struct Pending {
    line: Line,
    person: usize,
    flags: Vec<&'static str>,
    source: &'static str,
    round_only: Counters,
    before: Option<Counters>,
}

struct Header {
    round: u8,
    defender: Side,
    winner: Side,
    limit: String,
    next: String,
    measured: Option<i64>,
}

struct Builder {
    rng: Rng,
    clock: Clock,
    producer: Producer,
    dpm_set: bool,
    server: String,
    config: String,
    people: Vec<Person>,
    reserves: Vec<usize>,
    roster_a: Vec<usize>,
    roster_b: Vec<usize>,
    slots: Vec<Option<usize>>,
    dpm_cvar: Vec<i64>,
    files: Vec<SimFile>,
    file_truths: Vec<FileTruth>,
    edge_cases: Vec<EdgeCase>,
    maps: Vec<MapPlay>,
    appeared: Vec<bool>,
}

impl Builder {
    fn take_slot(&mut self, person: usize) {
        if let Some(free) = self.slots.iter().position(Option::is_none) {
            if let Some(slot) = self.slots.get_mut(free) {
                *slot = Some(person);
            }
            if let Some(p) = self.people.get_mut(person) {
                p.slot = Some(free);
            }
        }
    }

    fn free_slot(&mut self, person: usize) {
        let slot = self.people.get_mut(person).and_then(|p| p.slot.take());
        if let Some(entry) = slot.and_then(|s| self.slots.get_mut(s)) {
            *entry = None;
        }
    }

    fn roster(&mut self, squad: Squad) -> &mut Vec<usize> {
        match squad {
            Squad::A => &mut self.roster_a,
            Squad::B => &mut self.roster_b,
        }
    }

    fn person(&self, i: usize) -> Option<&Person> {
        self.people.get(i)
    }

    fn clean_name(&self, i: usize) -> String {
        self.person(i)
            .map(|p| String::from_utf8_lossy(&strip_colour_codes(&p.name)).into_owned())
            .unwrap_or_default()
    }

    fn guid8(&self, i: usize) -> String {
        self.person(i).map(|p| p.guid8.clone()).unwrap_or_default()
    }

    fn edge(
        &mut self,
        kind: &str,
        file: Option<&str>,
        person: Option<usize>,
        description: Option<&str>,
    ) {
        self.edge_cases.push(EdgeCase {
            kind: kind.to_owned(),
            file: file.map(str::to_owned),
            description: description.map(str::to_owned),
            guid8: person.map(|p| self.guid8(p)),
            name_clean: person.map(|p| self.clean_name(p)),
            from: None,
            to: None,
            from_match_index: None,
        });
    }

    /// A reserve joins a squad (for the rest of the night).
    fn recruit(&mut self, squad: Squad, match_index: u32) -> Option<usize> {
        if self.reserves.is_empty() {
            return None;
        }
        let person = self.reserves.remove(0);
        if let Some(p) = self.people.get_mut(person) {
            p.squad = Some(squad);
            p.names = vec![(match_index, p.name.clone())];
        }
        self.take_slot(person);
        self.roster(squad).push(person);
        Some(person)
    }

    fn leave(&mut self, person: usize) {
        self.roster_a.retain(|&p| p != person);
        self.roster_b.retain(|&p| p != person);
        self.free_slot(person);
    }

    fn participant(&self, person: usize, class: Class, stints: Vec<Stint>) -> Participant {
        let (primary, skill) = self
            .person(person)
            .map_or((Primary::Smg, 0.0), |p| (p.primary(class), p.skill));
        Participant {
            class,
            primary,
            skill,
            stints,
        }
    }

    /// Assigns classes to a squad for a map: everyone gets his favourite
    /// while the squad's class mix has room for it.
    fn classes(&mut self, members: &[usize]) -> Vec<(usize, Class)> {
        let mut open: Vec<Class> = CLASS_ORDER
            .iter()
            .copied()
            .cycle()
            .take(members.len())
            .collect();
        let mut order = members.to_vec();
        self.rng.shuffle(&mut order);
        let mut out = Vec::new();
        let mut later = Vec::new();
        for person in order {
            let wanted = self.person(person).map(|p| p.class);
            match open.iter().position(|c| Some(*c) == wanted) {
                Some(at) => out.push((person, open.remove(at))),
                None => later.push(person),
            }
        }
        for person in later {
            let class = if open.is_empty() {
                Class::Medic
            } else {
                open.remove(0)
            };
            out.push((person, class));
        }
        out
    }

    fn build_line(&self, person: usize, rounds: i64, team: u8, game: Game, script: Script) -> Line {
        let p = self.person(person);
        Line {
            guid8: p.map(|p| p.guid8.clone()).unwrap_or_default(),
            name: p.map(|p| p.name.clone()).unwrap_or_default(),
            rounds,
            team,
            game,
            script,
            dpm: 0.0,
        }
    }

    /// Writes one file and its truth.
    #[allow(clippy::too_many_arguments)]
    fn emit(
        &mut self,
        map: &MapInfo,
        match_index: u32,
        header: &Header,
        mut pending: Vec<Pending>,
        written_ms: i64,
        facts: RoundFacts,
        paired: Option<String>,
        note: Option<String>,
    ) -> Result<String, SimError> {
        let name = self.clock.file_name(written_ms, map.name, header.round)?;
        pending.retain(|p| p.line.game.mask() != 0);
        self.rng.shuffle(&mut pending);
        let mut bytes = Vec::with_capacity(256 + pending.len() * 400);
        let mut text = format!(
            "{}\\{}\\{}\\{}\\{}\\{}\\{}\\{}",
            self.server,
            map.name,
            self.config,
            header.round,
            side_code(header.defender),
            side_code(header.winner),
            header.limit,
            header.next
        );
        if let Some(measured) = header.measured {
            text.push_str(&format!("\\{measured}"));
        }
        text.push('\n');
        bytes.extend_from_slice(text.as_bytes());
        let mut players = Vec::with_capacity(pending.len());
        for (index, p) in pending.iter().enumerate() {
            p.line.write(&mut bytes);
            if let Some(seen) = self.appeared.get_mut(p.person) {
                *seen = true;
            }
            let person = self.person(p.person);
            players.push(PlayerTruth {
                line_index: index,
                guid8: p.line.guid8.clone(),
                guid_full: person.map(|x| x.guid_full.clone()).unwrap_or_default(),
                name_raw: Text::new(&p.line.name),
                name_clean: Text::new(&strip_colour_codes(&p.line.name)),
                team_written: p.line.team,
                squad: person.and_then(|x| x.squad).map(|s| s.as_str().to_owned()),
                is_bot: person.is_some_and(|x| x.is_bot),
                flags: p.flags.iter().map(|f| (*f).to_owned()).collect(),
                round_only_source: p.source.to_owned(),
                round_only: round_only(&p.round_only),
                cumulative_written: cumulative(&p.line),
                before_reconnect_not_in_file: p.before.as_ref().map(|b| {
                    let total = b.game.total();
                    BeforeReconnect {
                        kills: total.kills,
                        deaths: total.deaths,
                        damage_given: b.game.damage_given,
                        damage_received: b.game.damage_received,
                        time_played_seconds: (b.game.time_played_ms() + 500) / 1000,
                    }
                }),
            });
        }
        for p in &pending {
            for flag in &p.flags {
                let kind = *flag;
                self.edge_cases.push(EdgeCase {
                    kind: kind.to_owned(),
                    file: Some(name.clone()),
                    description: None,
                    guid8: Some(p.line.guid8.clone()),
                    name_clean: Some(
                        String::from_utf8_lossy(&strip_colour_codes(&p.line.name)).into_owned(),
                    ),
                    from: None,
                    to: None,
                    from_match_index: None,
                });
            }
        }
        let header_truth = HeaderTruth {
            field_count: if header.measured.is_some() { 9 } else { 8 },
            server_name: Text::new(self.server.as_bytes()),
            map: map.name.to_owned(),
            config: self.config.clone(),
            round: header.round,
            defender_team: side_code(header.defender),
            winner_team: side_code(header.winner),
            timelimit: header.limit.clone(),
            next_timelimit: header.next.clone(),
            measured_duration_ms: header.measured,
        };
        self.file_truths.push(FileTruth {
            file: name.clone(),
            reject: false,
            reject_reason: None,
            producer: self.producer.as_str().to_owned(),
            round: header.round,
            map: map.name.to_owned(),
            match_index,
            paired_round_1_file: paired,
            header: header_truth,
            round_facts: RoundFacts {
                player_count: players.len(),
                ..facts
            },
            note,
            players,
        });
        self.files.push(SimFile {
            name: name.clone(),
            bytes,
        });
        Ok(name)
    }
}

fn sample_team_size(rng: &mut Rng) -> u8 {
    // 3v3 .. 16v16, mostly 6v6.
    const WEIGHTS: [u32; 14] = [4, 6, 14, 40, 12, 8, 4, 4, 1, 2, 1, 1, 1, 2];
    3 + rng.weighted(&WEIGHTS) as u8
}

fn sample_maps(rng: &mut Rng) -> u8 {
    const WEIGHTS: [u32; 7] = [10, 15, 20, 20, 15, 10, 10];
    6 + rng.weighted(&WEIGHTS) as u8
}

/// A duration on the server's 50 ms frame grid.
fn frames(ms: f64) -> i64 {
    ((ms / 50.0).round() as i64).max(1) * 50
}

/// Whole seconds inside `[from, to]` of a round, as milliseconds.
fn second_within(rng: &mut Rng, duration: i64, from: f64, to: f64) -> i64 {
    let low = (duration as f64 * from / 1000.0).ceil() as i64;
    let high = (duration as f64 * to / 1000.0).floor() as i64;
    1000 * rng.range(low, high.max(low))
}

/// A periodic store time inside `[from, to]` of a round.
fn store_within(rng: &mut Rng, duration: i64, phase: i64, from: f64, to: f64) -> i64 {
    let low = ((duration as f64 * from) as i64 - phase).max(0) / 5000 + 1;
    let high = ((duration as f64 * to) as i64 - phase).max(0) / 5000;
    phase + 5000 * rng.range(low, high.max(low))
}

pub(crate) fn build(plan: &NightPlan) -> Result<Night, SimError> {
    let mut rng = Rng::new(plan.seed);
    let pool = community(plan.pool_seed);
    let team_size = plan.team_size.unwrap_or_else(|| sample_team_size(&mut rng));
    let n = usize::from(team_size);
    let n_maps = usize::from(plan.maps.unwrap_or_else(|| sample_maps(&mut rng)));
    let producer = if rng.chance(0.5) {
        Producer::C0rnp0rn8
    } else {
        Producer::C0rnp0rn7
    };
    let dpm_set = rng.chance(0.15);
    let server = rng
        .pick(&catalog::SERVERS)
        .copied()
        .unwrap_or("ETL")
        .to_owned();
    let config = if rng.chance(0.07) {
        String::new()
    } else {
        format!("legacy{}", team_size.clamp(3, 6))
    };
    let maxclients = [12u32, 16, 20, 24, 32, 40, 48, 64]
        .into_iter()
        .find(|&m| m as usize >= 2 * n + 4)
        .unwrap_or(64);

    // Who plays tonight: two squads and a few reserves, from the community.
    let mut order: Vec<usize> = (0..pool.len()).collect();
    rng.shuffle(&mut order);
    let mut people: Vec<Person> = order
        .iter()
        .filter_map(|&m| pool.get(m))
        .map(|m| Person {
            guid_full: m.guid_full.clone(),
            guid8: m.guid_full.get(..8).unwrap_or_default().to_owned(),
            name: m.name.clone(),
            alt_name: m.alt_name.clone(),
            names: Vec::new(),
            squad: None,
            is_bot: false,
            skill: m.skill,
            class: m.class,
            primaries: m.primaries,
            slot: None,
        })
        .collect();
    for (i, p) in people.iter_mut().enumerate().take(2 * n) {
        p.squad = Some(if i < n { Squad::A } else { Squad::B });
        p.names = vec![(1, p.name.clone())];
    }
    let mut builder = Builder {
        clock: Clock { date: plan.date },
        producer,
        dpm_set,
        server,
        config,
        reserves: (2 * n..people.len()).collect(),
        roster_a: (0..n).collect(),
        roster_b: (n..2 * n).collect(),
        slots: vec![None; maxclients as usize],
        dpm_cvar: vec![0; maxclients as usize],
        files: Vec::new(),
        file_truths: Vec::new(),
        edge_cases: Vec::new(),
        maps: Vec::new(),
        appeared: vec![false; people.len()],
        people: Vec::new(),
        rng: Rng::new(0),
    };
    std::mem::swap(&mut builder.people, &mut people);
    // People connected over time: their slots are scattered over the server.
    let mut free: Vec<usize> = (0..maxclients as usize).collect();
    rng.shuffle(&mut free);
    for (person, slot) in (0..2 * n).zip(free) {
        if let Some(entry) = builder.slots.get_mut(slot) {
            *entry = Some(person);
        }
        if let Some(p) = builder.people.get_mut(person) {
            p.slot = Some(slot);
        }
    }

    // Which edge cases tonight, on which map.
    let mut events: Vec<Vec<Event>> = vec![Vec::new(); n_maps];
    let abandoned = if n_maps >= 3 && rng.chance(0.10) {
        Some(rng.range(0, n_maps as i64 - 2) as usize)
    } else {
        None
    };
    if let Some(m) = abandoned.and_then(|m| events.get_mut(m)) {
        m.push(Event::Abandon);
    }
    let playable: Vec<usize> = (0..n_maps).filter(|&m| Some(m) != abandoned).collect();
    let odds = [
        (Event::Rename, 0.15),
        (Event::LeaveAfterR1, 0.35),
        (Event::LeaveMidR1, 0.15),
        (Event::JoinMidR1, 0.15),
        (Event::LeaveMidR2, 0.15),
        (Event::Reconnect, 0.25),
        (Event::SpectateR2, 0.12),
        (Event::SwitchR2, 0.10),
        (Event::ImplausibleNext, 0.08),
    ];
    for (event, p) in odds {
        if rng.chance(p) {
            let choices: Vec<usize> = match event {
                Event::Rename => (1..n_maps).collect(),
                Event::LeaveMidR1 | Event::JoinMidR1 => (0..n_maps).collect(),
                _ => playable.clone(),
            };
            if let Some(m) = rng.pick(&choices).and_then(|&m| events.get_mut(m)) {
                m.push(event);
            }
        }
    }
    if rng.chance(0.10) {
        let m = rng.below(n_maps);
        let round = if Some(m) == abandoned || rng.chance(0.5) {
            1
        } else {
            2
        };
        if let Some(list) = events.get_mut(m) {
            list.push(Event::Pause(round));
        }
    }
    if rng.chance(0.20) {
        let per_side = rng.range(1, if n <= 4 { 3 } else { 2 });
        let first = rng.below(n_maps);
        let count = if rng.chance(0.3) { 2 } else { 1 };
        for m in first..(first + count).min(n_maps) {
            if let Some(list) = events.get_mut(m) {
                list.push(Event::Bots(per_side));
            }
        }
    }

    // The maps in order: mostly new ones, now and then one played again.
    let mut map_ids: Vec<usize> = Vec::with_capacity(n_maps);
    let mut dropped: Vec<usize> = Vec::new();
    for m in 0..n_maps {
        let recent: Vec<usize> = map_ids.iter().rev().take(2).copied().collect();
        let unused: Vec<usize> = (0..MAPS.len()).filter(|i| !map_ids.contains(i)).collect();
        let replayable: Vec<usize> = map_ids
            .iter()
            .copied()
            .filter(|i| !recent.contains(i) && !dropped.contains(i))
            .collect();
        let pick = if (!replayable.is_empty() && rng.chance(0.12)) || unused.is_empty() {
            let any: Vec<usize> = (0..MAPS.len())
                .filter(|i| !recent.contains(i) && !dropped.contains(i))
                .collect();
            let from = if replayable.is_empty() {
                &any
            } else {
                &replayable
            };
            rng.pick(from).copied().unwrap_or(0)
        } else {
            rng.pick(&unused).copied().unwrap_or(0)
        };
        map_ids.push(pick);
        if Some(m) == abandoned {
            dropped.push(pick);
        }
    }

    builder.rng = Rng::new(derive(plan.seed, 1));
    let start_ms = (20 * 60 + rng.range(0, 90)) * MINUTE_MS + 1000 * rng.range(0, 59);
    let mut cursor = start_ms;
    let mut last_written = start_ms;
    for (m, &map_id) in map_ids.iter().enumerate() {
        let Some(map) = MAPS.get(map_id) else {
            continue;
        };
        let list = events.get(m).cloned().unwrap_or_default();
        let (next_start, written) = play_map(&mut builder, map, m as u32 + 1, &list, cursor)?;
        cursor = next_start;
        last_written = written;
    }

    // Rosters of the truth: everyone who appeared in a file.
    let mut squads = Squads {
        a: Vec::new(),
        b: Vec::new(),
    };
    let mut others = Vec::new();
    for (i, p) in builder.people.iter().enumerate() {
        if !builder.appeared.get(i).copied().unwrap_or(false) {
            continue;
        }
        let mut names_raw: Vec<Text> = Vec::new();
        let mut by_match = BTreeMap::new();
        for (match_index, name) in &p.names {
            let text = Text::new(name);
            if !names_raw.contains(&text) {
                names_raw.push(text.clone());
            }
            by_match.insert(match_index.to_string(), text);
        }
        let entry = RosterEntry {
            guid_full: p.guid_full.clone(),
            guid8: p.guid8.clone(),
            names_raw,
            names_by_match_index: by_match,
            is_bot: p.is_bot,
        };
        match p.squad {
            Some(Squad::A) => squads.a.push(entry),
            Some(Squad::B) => squads.b.push(entry),
            None => others.push(entry),
        }
    }

    let night_id = format!("sim-{}", plan.date);
    let first_file = builder
        .files
        .first()
        .map(|f| f.name.clone())
        .unwrap_or_default();
    let last_file = builder
        .files
        .last()
        .map(|f| f.name.clone())
        .unwrap_or_default();
    let description = describe(
        team_size,
        producer,
        dpm_set,
        builder.maps.len(),
        &builder.edge_cases,
    );
    let truth = Truth {
        schema_version: 1,
        night_id: night_id.clone(),
        seed: plan.seed,
        description,
        session: Session {
            start: builder.clock.iso(start_ms)?,
            end: builder.clock.iso(last_written)?,
            first_file,
            last_file,
        },
        server: Server {
            sv_hostname: Text::new(builder.server.as_bytes()),
            custom_config: builder.config.clone(),
            sv_maxclients: maxclients,
        },
        team_size,
        maps_in_order: builder.maps,
        squads,
        others,
        edge_cases: builder.edge_cases,
        files: builder.file_truths,
    };
    Ok(Night {
        id: night_id,
        date: plan.date,
        files: builder.files,
        truth,
    })
}

fn describe(
    team_size: u8,
    producer: Producer,
    dpm_set: bool,
    maps: usize,
    edges: &[EdgeCase],
) -> String {
    let mut parts = vec![
        format!("{team_size}v{team_size}"),
        match producer {
            Producer::C0rnp0rn7 => "c0rnp0rn7 (8-field header)".to_owned(),
            Producer::C0rnp0rn8 => "c0rnp0rn8 (9-field header)".to_owned(),
        },
        format!("{maps} maps"),
    ];
    if dpm_set {
        parts.push("DPM mode round_global_set".to_owned());
    }
    let mut kinds: Vec<&str> = edges.iter().map(|e| e.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    for kind in kinds {
        let count = edges.iter().filter(|e| e.kind == kind).count();
        parts.push(format!("{kind} x{count}"));
    }
    parts.join(", ")
}

/// Plays both rounds of one map; returns the start of the next map and the
/// time the last file of this one was written.
fn play_map(
    b: &mut Builder,
    map: &MapInfo,
    match_index: u32,
    events: &[Event],
    start: i64,
) -> Result<(i64, i64), SimError> {
    let has = |e: Event| events.contains(&e);
    let defender = map.defender;
    let attacker = defender.other();
    let a_side_r1 = if b.rng.chance(0.5) {
        Side::Axis
    } else {
        Side::Allies
    };
    let side_of = |squad: Option<Squad>, round: u8| -> Side {
        let a_side = if round == 1 {
            a_side_r1
        } else {
            a_side_r1.other()
        };
        match squad {
            Some(Squad::B) => a_side.other(),
            _ => a_side,
        }
    };
    let base_rounds = i64::from(b.rng.chance(0.25));
    let mut used: Vec<usize> = Vec::new();

    // A rename from this map on.
    if has(Event::Rename) {
        let humans: Vec<usize> = b.roster_a.iter().chain(&b.roster_b).copied().collect();
        if let Some(&who) = b.rng.pick(&humans) {
            let alt = b.person(who).map(|p| p.alt_name.clone());
            if let (Some(alt), Some(p)) = (alt, b.people.get_mut(who)) {
                let from = p.name.clone();
                p.name = alt.clone();
                p.names.push((match_index, alt.clone()));
                b.edge_cases.push(EdgeCase {
                    kind: "renamed_between_maps".to_owned(),
                    file: None,
                    description: None,
                    guid8: Some(p.guid8.clone()),
                    name_clean: None,
                    from: Some(Text::new(&from)),
                    to: Some(Text::new(&alt)),
                    from_match_index: Some(match_index),
                });
            }
        }
    }

    // Bots for this map, one team each, in the lowest free slots.
    let mut bots: Vec<(usize, Side)> = Vec::new();
    for event in events {
        if let Event::Bots(per_side) = *event {
            for k in 0..2 * per_side {
                let taken: Vec<Vec<u8>> = b
                    .people
                    .iter()
                    .filter(|p| p.is_bot)
                    .map(|p| p.name.clone())
                    .collect();
                let free: Vec<&str> = catalog::BOT_NAMES
                    .iter()
                    .copied()
                    .filter(|n| !taken.contains(&format!("[BOT]{n}").into_bytes()))
                    .collect();
                let Some(&bot_name) = b.rng.pick(&free) else {
                    break;
                };
                let name = format!("[BOT]{bot_name}").into_bytes();
                let class = CLASSES.get(b.rng.below(5)).copied().unwrap_or(Class::Medic);
                let mut primaries = [Primary::Smg; 5];
                if let Some(p) = primaries.get_mut(0) {
                    *p = Primary::Mg;
                }
                b.people.push(Person {
                    guid_full: String::new(),
                    guid8: String::new(),
                    name: name.clone(),
                    alt_name: name.clone(),
                    names: vec![(match_index, name)],
                    squad: None,
                    is_bot: true,
                    skill: -0.6 + 0.2 * b.rng.normal(),
                    class,
                    primaries,
                    slot: None,
                });
                b.appeared.push(false);
                let index = b.people.len() - 1;
                b.take_slot(index);
                if let Some(p) = b.people.get_mut(index) {
                    let slot = p.slot.unwrap_or(0);
                    p.guid_full = format!("OMNIBOT{slot:02}{}", "0".repeat(23));
                    p.guid8 = p.guid_full.get(..8).unwrap_or_default().to_owned();
                }
                bots.push((index, if k % 2 == 0 { Side::Axis } else { Side::Allies }));
            }
        }
    }

    // Classes for this map.
    let members_a = b.roster_a.clone();
    let members_b = b.roster_b.clone();
    let mut classes: Vec<(usize, Class)> = b.classes(&members_a);
    classes.extend(b.classes(&members_b));
    for &(bot, _) in &bots {
        let class = b.person(bot).map_or(Class::Medic, |p| p.class);
        classes.push((bot, class));
    }
    let class_of = |classes: &[(usize, Class)], person: usize| {
        classes
            .iter()
            .find(|(p, _)| *p == person)
            .map_or(Class::Medic, |(_, c)| *c)
    };

    // ---- round 1 ----
    let limit_ms = map.limit_min * MINUTE_MS;
    let completed1 = b.rng.chance(0.65);
    let d1 = if completed1 {
        frames(limit_ms as f64 * (0.35 + 0.62 * b.rng.unit()))
    } else {
        limit_ms + 50
    };
    let phase1 = 1000 * b.rng.range(0, 4);
    let mut parts: Vec<Part> = Vec::new();
    let mut leaver_r1: Option<(usize, Squad)> = None;
    if has(Event::LeaveMidR1) && d1 >= 120_000 {
        let humans: Vec<usize> = b.roster_a.iter().chain(&b.roster_b).copied().collect();
        if let Some(&who) = b.rng.pick(&humans) {
            let squad = b.person(who).and_then(|p| p.squad).unwrap_or(Squad::A);
            leaver_r1 = Some((who, squad));
            used.push(who);
        }
    }
    for &person in members_a.iter().chain(&members_b) {
        let squad = b.person(person).and_then(|p| p.squad);
        let side = side_of(squad, 1);
        let class = class_of(&classes, person);
        let (end, tag) = match leaver_r1 {
            Some((who, _)) if who == person => {
                (store_within(&mut b.rng, d1, phase1, 0.3, 0.8), Tag::LeftMid)
            }
            _ => (d1, Tag::Full),
        };
        let participant = b.participant(
            person,
            class,
            vec![Stint {
                start: 0,
                end,
                side,
            }],
        );
        parts.push(Part {
            person,
            tag,
            participant,
        });
    }
    if has(Event::JoinMidR1) && d1 >= 150_000 {
        let squad = if b.rng.chance(0.5) {
            Squad::A
        } else {
            Squad::B
        };
        if let Some(person) = b.recruit(squad, match_index) {
            let join = second_within(&mut b.rng, d1 - 60_000, 0.2, 0.8);
            let class = b.person(person).map_or(Class::Medic, |p| p.class);
            classes.push((person, class));
            let participant = b.participant(
                person,
                class,
                vec![Stint {
                    start: join,
                    end: d1,
                    side: side_of(Some(squad), 1),
                }],
            );
            parts.push(Part {
                person,
                tag: Tag::JoinedMid,
                participant,
            });
            used.push(person);
        }
    }
    for &(bot, side) in &bots {
        let class = class_of(&classes, bot);
        let participant = b.participant(
            bot,
            class,
            vec![Stint {
                start: 0,
                end: d1,
                side,
            }],
        );
        parts.push(Part {
            person: bot,
            tag: Tag::Full,
            participant,
        });
    }
    let spec1 = RoundSpec {
        map,
        duration_ms: d1,
        defender,
        objective_completed: completed1,
        store_phase_ms: phase1,
        producer: b.producer,
    };
    let participants: Vec<Participant> = parts.iter().map(|p| p.participant.clone()).collect();
    let counters1 = sim::simulate(spec1, &participants, &mut b.rng);

    let mut r1_counters: Vec<(usize, Counters)> = Vec::new();
    let mut pending = Vec::new();
    for (part, c) in parts.iter().zip(&counters1) {
        let team = part
            .participant
            .stints
            .last()
            .map_or(1, |s| side_code(s.side));
        let mut line = b.build_line(
            part.person,
            base_rounds,
            team,
            c.game.clone(),
            c.script.clone(),
        );
        if b.dpm_set {
            let minutes = c.game.time_played_ms() as f64 / 60_000.0;
            line.dpm = if minutes > 0.0 {
                c.game.damage_given as f64 / minutes
            } else {
                0.0
            };
            let slot = b.person(part.person).and_then(|p| p.slot);
            if let Some(cvar) = slot.and_then(|s| b.dpm_cvar.get_mut(s)) {
                *cvar = c.game.damage_given;
            }
        }
        let mut flags = Vec::new();
        if b.person(part.person).is_some_and(|p| p.is_bot) {
            flags.push("omnibot");
        }
        match part.tag {
            Tag::LeftMid => flags.push("left_mid_round_line_is_last_periodic_store"),
            Tag::JoinedMid => flags.push("late_joiner_mid_round_1"),
            _ => {}
        }
        if part.tag != Tag::LeftMid {
            r1_counters.push((part.person, c.clone()));
        }
        pending.push(Pending {
            line,
            person: part.person,
            flags,
            source: "file",
            round_only: c.clone(),
            before: None,
        });
    }
    let pause1 = if has(Event::Pause(1)) {
        1000 * b.rng.range(30, 180)
    } else {
        0
    };
    let written1 = start + d1 + pause1 + 1000 * b.rng.range(2, 4) + b.rng.range(0, 999);
    let winner1 = if completed1 { attacker } else { defender };
    let cvar1 = if completed1 {
        time_cvar(d1)
    } else {
        map.limit_min as f64
    };
    let next1 = convert_timelimit(cvar1);
    let header1 = Header {
        round: 1,
        defender,
        winner: winner1,
        limit: convert_timelimit(map.limit_min as f64),
        next: next1.clone(),
        measured: (b.producer == Producer::C0rnp0rn8).then(|| d1 + b.rng.range(10, 90)),
    };
    let dpm_mode = if b.dpm_set {
        "round_global_set"
    } else {
        "script_default"
    };
    let facts1 = RoundFacts {
        true_round: 1,
        kind: "normal".to_owned(),
        round_start: b.clock.iso(start)?,
        file_written: b.clock.iso(written1)?,
        play_duration_ms: d1,
        pause_ms: pause1,
        attacking_team: side_code(attacker),
        defending_team: side_code(defender),
        objective_completed: completed1,
        dpm_mode: dpm_mode.to_owned(),
        player_count: 0,
    };
    let r1_file = b.emit(
        map,
        match_index,
        &header1,
        pending,
        written1,
        facts1,
        None,
        None,
    )?;
    if pause1 > 0 {
        b.edge("paused_round", Some(&r1_file), None, None);
    }
    if let Some((who, _)) = leaver_r1 {
        b.leave(who);
        // Someone takes his place in round 2, usually.
        if !b.rng.chance(0.6) {
            leaver_r1 = None;
        }
    }

    if has(Event::Abandon) {
        b.edge(
            "abandoned_map",
            Some(&r1_file),
            None,
            Some("round 1 was played, the map was changed before round 2 started"),
        );
        b.maps.push(MapPlay {
            match_index,
            map: map.name.to_owned(),
            r1_file,
            r2_file: None,
            status: "abandoned_after_round_1".to_owned(),
            squad_a_side_r1: side_code(a_side_r1),
            defender_side: side_code(defender),
            producer: b.producer.as_str().to_owned(),
        });
        for &(bot, _) in &bots {
            b.free_slot(bot);
        }
        let next = written1 + MINUTE_MS * b.rng.range(4, 7) + b.rng.range(0, 59_999);
        return Ok((next, written1));
    }

    // ---- round 2 ----
    let ttb_ms = (cvar1 * 60_000.0).floor() as i64;
    let hold_forced = has(Event::ImplausibleNext);
    let completed2 = !hold_forced && b.rng.chance(0.5);
    let d2 = if completed2 {
        frames(ttb_ms as f64 * (0.3 + 0.68 * b.rng.unit()))
            .max(45_000)
            .min(ttb_ms - 50)
    } else {
        (ttb_ms / 50 + 1) * 50
    };
    let phase2 = 1000 * b.rng.range(0, 4);
    let humans: Vec<usize> = b.roster_a.iter().chain(&b.roster_b).copied().collect();
    let full_r1: Vec<usize> = humans
        .iter()
        .copied()
        .filter(|h| !used.contains(h) && r1_counters.iter().any(|(p, _)| p == h))
        .collect();
    let choose = |b: &mut Builder, used: &mut Vec<usize>| -> Option<usize> {
        let free: Vec<usize> = full_r1
            .iter()
            .copied()
            .filter(|h| !used.contains(h))
            .collect();
        let who = b.rng.pick(&free).copied();
        if let Some(who) = who {
            used.push(who);
        }
        who
    };
    let leaver_after = if has(Event::LeaveAfterR1) {
        choose(b, &mut used)
    } else {
        None
    };
    let spectator = if has(Event::SpectateR2) {
        choose(b, &mut used)
    } else {
        None
    };
    let reconnect = if has(Event::Reconnect) && d2 >= 100_000 {
        choose(b, &mut used)
    } else {
        None
    };
    let leaver_r2 = if has(Event::LeaveMidR2) && d2 >= 90_000 {
        choose(b, &mut used)
    } else {
        None
    };
    let switcher = if has(Event::SwitchR2) && d2 >= 90_000 {
        choose(b, &mut used)
    } else {
        None
    };

    let mut parts: Vec<Part> = Vec::new();
    let mut late_r2: Vec<(usize, i64)> = Vec::new();
    if let Some(who) = leaver_after {
        let squad = b.person(who).and_then(|p| p.squad).unwrap_or(Squad::A);
        b.leave(who);
        b.edge(
            "left_after_round_1",
            Some(&r1_file),
            Some(who),
            Some("played round 1 and disconnected before round 2; absent from the round-2 file"),
        );
        if let Some(joiner) = b.recruit(squad, match_index) {
            late_r2.push((joiner, 1000 * b.rng.range(0, 45)));
        }
    }
    if let Some((_, squad)) = leaver_r1
        && let Some(joiner) = b.recruit(squad, match_index)
    {
        late_r2.push((joiner, 1000 * b.rng.range(0, 30)));
    }
    let members: Vec<usize> = b.roster_a.iter().chain(&b.roster_b).copied().collect();
    for &person in &members {
        if Some(person) == spectator || late_r2.iter().any(|(p, _)| *p == person) {
            continue;
        }
        let squad = b.person(person).and_then(|p| p.squad);
        let side = side_of(squad, 2);
        let class = class_of(&classes, person);
        if Some(person) == reconnect {
            let gone = second_within(&mut b.rng, d2, 0.15, 0.6).max(30_000);
            let back = gone + 1000 * b.rng.range(5, 20);
            let before = b.participant(
                person,
                class,
                vec![Stint {
                    start: 0,
                    end: gone,
                    side,
                }],
            );
            let after = b.participant(
                person,
                class,
                vec![Stint {
                    start: back,
                    end: d2,
                    side,
                }],
            );
            parts.push(Part {
                person,
                tag: Tag::ReconnectBefore,
                participant: before,
            });
            parts.push(Part {
                person,
                tag: Tag::ReconnectAfter,
                participant: after,
            });
            continue;
        }
        let (stints, tag) = if Some(person) == leaver_r2 {
            let end = store_within(&mut b.rng, d2, phase2, 0.3, 0.8);
            (
                vec![Stint {
                    start: 0,
                    end,
                    side,
                }],
                Tag::LeftMid,
            )
        } else if Some(person) == switcher {
            let at = second_within(&mut b.rng, d2, 0.3, 0.7);
            (
                vec![
                    Stint {
                        start: 0,
                        end: at,
                        side,
                    },
                    Stint {
                        start: at,
                        end: d2,
                        side: side.other(),
                    },
                ],
                Tag::Switched,
            )
        } else {
            (
                vec![Stint {
                    start: 0,
                    end: d2,
                    side,
                }],
                Tag::Full,
            )
        };
        let participant = b.participant(person, class, stints);
        parts.push(Part {
            person,
            tag,
            participant,
        });
    }
    for &(person, join) in &late_r2 {
        let squad = b.person(person).and_then(|p| p.squad);
        let class = b.person(person).map_or(Class::Medic, |p| p.class);
        let participant = b.participant(
            person,
            class,
            vec![Stint {
                start: join,
                end: d2,
                side: side_of(squad, 2),
            }],
        );
        parts.push(Part {
            person,
            tag: Tag::JoinedR2,
            participant,
        });
    }
    for &(bot, side) in &bots {
        let class = class_of(&classes, bot);
        let participant = b.participant(
            bot,
            class,
            vec![Stint {
                start: 0,
                end: d2,
                side: side.other(),
            }],
        );
        parts.push(Part {
            person: bot,
            tag: Tag::Full,
            participant,
        });
    }
    let spec2 = RoundSpec {
        map,
        duration_ms: d2,
        defender,
        objective_completed: completed2,
        store_phase_ms: phase2,
        producer: b.producer,
    };
    let participants: Vec<Participant> = parts.iter().map(|p| p.participant.clone()).collect();
    let counters2 = sim::simulate(spec2, &participants, &mut b.rng);

    let mut pending = Vec::new();
    let before_of = |person: usize| {
        parts
            .iter()
            .zip(&counters2)
            .find(|(p, _)| p.person == person && p.tag == Tag::ReconnectBefore)
            .map(|(_, c)| c.clone())
    };
    for (part, c) in parts.iter().zip(&counters2) {
        if part.tag == Tag::ReconnectBefore {
            continue;
        }
        let team = part
            .participant
            .stints
            .last()
            .map_or(1, |s| side_code(s.side));
        let earlier = r1_counters
            .iter()
            .find(|(p, _)| *p == part.person)
            .map(|(_, c)| c);
        let mut flags = Vec::new();
        if b.person(part.person).is_some_and(|p| p.is_bot) {
            flags.push("omnibot");
        }
        let (game, rounds, source, before) = match (part.tag, earlier) {
            (Tag::ReconnectAfter, _) => {
                flags.push("reconnected_mid_round_counters_restarted");
                (
                    c.game.clone(),
                    base_rounds,
                    "file_counters_restarted",
                    before_of(part.person),
                )
            }
            (_, Some(r1)) => (
                r1.game.plus(&c.game),
                base_rounds + 1,
                "file_minus_round_1",
                None,
            ),
            (_, None) => (c.game.clone(), base_rounds, "file", None),
        };
        match part.tag {
            Tag::JoinedR2 => flags.push("late_joiner_present_only_in_round_2"),
            Tag::LeftMid => flags.push("left_mid_round_line_is_last_periodic_store"),
            Tag::Switched => flags.push("switched_team_mid_round"),
            _ => {}
        }
        let mut line = b.build_line(part.person, rounds, team, game, c.script.clone());
        if b.dpm_set {
            line.dpm = round2_dpm(b, part.person, &line.game);
        }
        pending.push(Pending {
            line,
            person: part.person,
            flags,
            source,
            round_only: c.clone(),
            before,
        });
    }
    if let Some(person) = spectator
        && let Some((_, r1)) = r1_counters.iter().find(|(p, _)| *p == person)
    {
        let mut line = b.build_line(
            person,
            base_rounds + 1,
            3,
            r1.game.clone(),
            Script::default(),
        );
        if b.dpm_set {
            line.dpm = round2_dpm(b, person, &line.game);
        }
        pending.push(Pending {
            line,
            person,
            flags: vec!["spectator_after_playing_round_1"],
            source: "file_minus_round_1",
            round_only: Counters::default(),
            before: None,
        });
    }
    let pause2 = if has(Event::Pause(2)) {
        1000 * b.rng.range(30, 150)
    } else {
        0
    };
    // Round 2 starts a few minutes after round 1's file; its file comes 5-25 minutes after.
    let mut break_ms = 1000 * b.rng.range(150, 330) + b.rng.range(0, 999);
    let tail = d2 + pause2 + 1000 * b.rng.range(2, 4) + b.rng.range(0, 999);
    if break_ms + tail < 5 * MINUTE_MS {
        break_ms = 5 * MINUTE_MS - tail + 1000 * b.rng.range(0, 60);
    }
    let start2 = written1 + break_ms;
    let written2 = start2 + tail;
    let winner2 = if completed2 { attacker } else { defender };
    let (next2, note) = if hold_forced {
        let seconds = b.rng.range(60 * 60, 95 * 60);
        (
            format!("{}:{:02}", seconds / 60, seconds % 60),
            Some("g_nextTimeLimit was already 0 when the file was written; the script's substitute value in header field 8 is not a time of this round".to_owned()),
        )
    } else if completed2 {
        (convert_timelimit(time_cvar(d2)), None)
    } else {
        (next1.clone(), None)
    };
    let header2 = Header {
        round: 2,
        defender,
        winner: winner2,
        limit: next1,
        next: next2,
        measured: (b.producer == Producer::C0rnp0rn8).then(|| d2 + b.rng.range(10, 90)),
    };
    let facts2 = RoundFacts {
        true_round: 2,
        kind: "normal".to_owned(),
        round_start: b.clock.iso(start2)?,
        file_written: b.clock.iso(written2)?,
        play_duration_ms: d2,
        pause_ms: pause2,
        attacking_team: side_code(attacker),
        defending_team: side_code(defender),
        objective_completed: completed2,
        dpm_mode: dpm_mode.to_owned(),
        player_count: 0,
    };
    let r2_file = b.emit(
        map,
        match_index,
        &header2,
        pending,
        written2,
        facts2,
        Some(r1_file.clone()),
        note.clone(),
    )?;
    if note.is_some() {
        b.edge(
            "round2_next_timelimit_recomputed_by_script",
            Some(&r2_file),
            None,
            Some("g_nextTimeLimit was already 0 when the file was written; the script's substitute value in header field 8 is not a time of this round"),
        );
    }
    if pause2 > 0 {
        b.edge("paused_round", Some(&r2_file), None, None);
    }
    if let Some(who) = leaver_r2 {
        b.leave(who);
    }
    for &(bot, _) in &bots {
        b.free_slot(bot);
    }
    b.maps.push(MapPlay {
        match_index,
        map: map.name.to_owned(),
        r1_file,
        r2_file: Some(r2_file),
        status: "complete".to_owned(),
        squad_a_side_r1: side_code(a_side_r1),
        defender_side: side_code(defender),
        producer: b.producer.as_str().to_owned(),
    });
    let next = written2 + MINUTE_MS * b.rng.range(4, 7) + b.rng.range(0, 59_999);
    Ok((next, written2))
}

/// The DPM the script writes in round 2 when its round detection works:
/// (cumulative damage - the round-1 damage kept in the slot's cvar) per
/// cumulative minute. The cvar belongs to the slot, not the player.
fn round2_dpm(b: &Builder, person: usize, game: &Game) -> f64 {
    let slot = b.person(person).and_then(|p| p.slot);
    let r1 = slot.and_then(|s| b.dpm_cvar.get(s)).copied().unwrap_or(0);
    let minutes = game.time_played_ms() as f64 / 60_000.0;
    if minutes > 0.0 {
        (game.damage_given - r1) as f64 / minutes
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_limits_are_floored_like_the_script() {
        assert_eq!(convert_timelimit(12.0), "12:00");
        assert_eq!(convert_timelimit(time_cvar(436_800)), "7:16");
        assert_eq!(convert_timelimit(7.599983), "7:35");
        assert_eq!(convert_timelimit(time_cvar(323_850)), "5:23");
    }

    #[test]
    fn the_community_has_unique_guids_and_odd_names() {
        let pool = community(5);
        let mut guids: Vec<&str> = pool
            .iter()
            .map(|m| m.guid_full.get(..8).unwrap_or(""))
            .collect();
        guids.sort_unstable();
        guids.dedup();
        assert_eq!(guids.len(), POOL_SIZE);
        assert!(pool.iter().any(|m| std::str::from_utf8(&m.name).is_err()));
        assert!(
            pool.iter()
                .any(|m| m.name.iter().any(|&b| b >= 0x80) && std::str::from_utf8(&m.name).is_ok())
        );
        for m in &pool {
            assert!(
                !m.name
                    .iter()
                    .any(|&b| b == b'\\' || b == b'\t' || b == b'\n' || b == b'\r')
            );
        }
    }
}
