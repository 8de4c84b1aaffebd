#![doc = include_str!("../README.md")]

use std::collections::HashMap;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// The one error of this crate: a configuration that cannot work.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error("unknown time zone {0:?}")]
    TimeZone(String),
    #[error("start_threshold ({start}) must be above end_threshold ({end})")]
    Thresholds { start: usize, end: usize },
}

/// The thresholds, as `[session]` in `etl.toml` sets them.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// People (not bots) in the watched voice channels that start a session.
    pub start_threshold: usize,
    /// At or below this many, the session ends after `end_delay`.
    pub end_threshold: usize,
    pub end_delay: Duration,
    /// A session with no new round for this long ends.
    pub idle_end: Duration,
    /// Every day at this time monitoring is switched on.
    pub daily_start: Time,
    pub time_zone: TimeZone,
}

impl SessionConfig {
    pub fn new(
        start_threshold: usize,
        end_threshold: usize,
        end_delay: Duration,
        idle_end: Duration,
        daily_start: Time,
        time_zone: &str,
    ) -> Result<Self, SessionError> {
        if start_threshold <= end_threshold {
            return Err(SessionError::Thresholds {
                start: start_threshold,
                end: end_threshold,
            });
        }
        let time_zone =
            TimeZone::get(time_zone).map_err(|_| SessionError::TimeZone(time_zone.to_owned()))?;
        Ok(Self {
            start_threshold,
            end_threshold,
            end_delay,
            idle_end,
            daily_start,
            time_zone,
        })
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            start_threshold: 6,
            end_threshold: 2,
            end_delay: Duration::from_secs(180),
            idle_end: Duration::from_secs(30 * 60),
            daily_start: Time::constant(20, 0, 0, 0),
            time_zone: TimeZone::get("Europe/Paris").unwrap_or(TimeZone::UTC),
        }
    }
}

/// What happened, fed to the machine with the time it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Someone joined, moved or left: where every member sits now.
    Voice {
        user: u64,
        channel: Option<u64>,
        is_bot: bool,
    },
    /// A round was imported.
    Round,
    /// `!session_start` / `!session_end`.
    StartCommand,
    EndCommand,
    /// Time passed (the bot ticks every few seconds).
    Tick,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartReason {
    Voice { people: usize },
    Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    VoiceEmptied { people: usize },
    Idle { minutes: u64 },
    Command,
}

/// What the bot must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Announce the session and switch monitoring on.
    StartSession(StartReason),
    /// Announce the end, post the summary of the session, switch monitoring off.
    EndSession(EndReason),
    /// The daily hour: monitoring on, no session yet.
    MonitoringOn,
}

/// Whether a session runs and whether the fetcher polls, decided from voice
/// presence, rounds and the clock. Pure: the caller supplies every event and
/// the time; the same events give the same actions.
#[derive(Debug, Clone)]
pub struct SessionMachine {
    config: SessionConfig,
    watched: Vec<u64>,
    seats: HashMap<u64, (u64, bool)>,
    session_since: Option<Timestamp>,
    monitoring: bool,
    low_since: Option<Timestamp>,
    /// Voice can only end a session that voice has filled: one started by
    /// command with nobody in the channels is ended by idleness or command.
    voice_filled: bool,
    last_activity: Option<Timestamp>,
    last_daily: Option<Date>,
}

impl SessionMachine {
    pub fn new(config: SessionConfig, watched_channels: Vec<u64>) -> Self {
        Self {
            config,
            watched: watched_channels,
            seats: HashMap::new(),
            session_since: None,
            monitoring: false,
            low_since: None,
            voice_filled: false,
            last_activity: None,
            last_daily: None,
        }
    }

    /// People (not bots) in the watched channels.
    pub fn people(&self) -> usize {
        self.seats
            .values()
            .filter(|(channel, is_bot)| !is_bot && self.watched.contains(channel))
            .count()
    }

    pub fn session_since(&self) -> Option<Timestamp> {
        self.session_since
    }

    pub fn monitoring(&self) -> bool {
        self.monitoring
    }

    pub fn handle(&mut self, now: Timestamp, event: Event) -> Vec<Action> {
        let mut actions = Vec::new();
        match event {
            Event::Voice {
                user,
                channel,
                is_bot,
            } => match channel {
                Some(channel) => {
                    self.seats.insert(user, (channel, is_bot));
                }
                None => {
                    self.seats.remove(&user);
                }
            },
            Event::Round => self.last_activity = Some(now),
            Event::StartCommand => {
                if self.session_since.is_none() {
                    self.start(now, StartReason::Command, &mut actions);
                }
            }
            Event::EndCommand => {
                if self.session_since.is_some() {
                    self.end(EndReason::Command, &mut actions);
                }
            }
            Event::Tick => {}
        }
        self.daily(now, &mut actions);
        self.follow_voice(now, &mut actions);
        self.check_idle(now, &mut actions);
        actions
    }

    fn start(&mut self, now: Timestamp, reason: StartReason, actions: &mut Vec<Action>) {
        self.session_since = Some(now);
        self.monitoring = true;
        self.last_activity = Some(now);
        self.low_since = None;
        self.voice_filled = false;
        actions.push(Action::StartSession(reason));
    }

    fn end(&mut self, reason: EndReason, actions: &mut Vec<Action>) {
        self.session_since = None;
        self.monitoring = false;
        self.low_since = None;
        actions.push(Action::EndSession(reason));
    }

    fn daily(&mut self, now: Timestamp, actions: &mut Vec<Action>) {
        let local = now.to_zoned_datetime(self.config.time_zone.clone());
        let today = local.date();
        if local.time() >= self.config.daily_start && self.last_daily != Some(today) {
            self.last_daily = Some(today);
            if !self.monitoring {
                self.monitoring = true;
                actions.push(Action::MonitoringOn);
            }
        }
    }

    fn follow_voice(&mut self, now: Timestamp, actions: &mut Vec<Action>) {
        let people = self.people();
        if self.session_since.is_none() {
            if people >= self.config.start_threshold {
                self.start(now, StartReason::Voice { people }, actions);
            }
            return;
        }
        if people > self.config.end_threshold {
            self.low_since = None;
            self.voice_filled = true;
            return;
        }
        if !self.voice_filled {
            return;
        }
        let since = *self.low_since.get_or_insert(now);
        if elapsed(since, now) >= self.config.end_delay {
            self.end(EndReason::VoiceEmptied { people }, actions);
        }
    }

    fn check_idle(&mut self, now: Timestamp, actions: &mut Vec<Action>) {
        let (Some(_), Some(last)) = (self.session_since, self.last_activity) else {
            return;
        };
        let idle = elapsed(last, now);
        if idle >= self.config.idle_end {
            self.end(
                EndReason::Idle {
                    minutes: idle.as_secs() / 60,
                },
                actions,
            );
        }
    }
}

fn elapsed(from: Timestamp, to: Timestamp) -> Duration {
    Duration::try_from(to.duration_since(from)).unwrap_or(Duration::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VOICE: u64 = 900;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn machine() -> SessionMachine {
        SessionMachine::new(SessionConfig::default(), vec![VOICE, 901])
    }

    fn join(m: &mut SessionMachine, now: Timestamp, user: u64) -> Vec<Action> {
        m.handle(
            now,
            Event::Voice {
                user,
                channel: Some(VOICE),
                is_bot: false,
            },
        )
    }

    fn leave(m: &mut SessionMachine, now: Timestamp, user: u64) -> Vec<Action> {
        m.handle(
            now,
            Event::Voice {
                user,
                channel: None,
                is_bot: false,
            },
        )
    }

    #[test]
    fn six_people_start_a_session_bots_and_other_channels_do_not_count() {
        let mut m = machine();
        let t = at("2025-11-02T18:00:00Z");
        for user in 1..=5 {
            assert!(join(&mut m, t, user).is_empty());
        }
        assert!(
            m.handle(
                t,
                Event::Voice {
                    user: 50,
                    channel: Some(VOICE),
                    is_bot: true
                }
            )
            .is_empty()
        );
        assert!(
            m.handle(
                t,
                Event::Voice {
                    user: 51,
                    channel: Some(777),
                    is_bot: false
                }
            )
            .is_empty()
        );
        assert_eq!(
            join(&mut m, t, 6),
            [Action::StartSession(StartReason::Voice { people: 6 })]
        );
        assert!(m.monitoring());
        assert!(join(&mut m, t, 7).is_empty(), "started once");
    }

    #[test]
    fn the_session_ends_when_two_or_fewer_stay_for_the_delay() {
        let mut m = machine();
        let t = at("2025-11-02T18:00:00Z");
        for user in 1..=6 {
            join(&mut m, t, user);
        }
        for user in 1..=4 {
            leave(&mut m, t, user);
        }
        let later = |s: i64| t.checked_add(jiff::SignedDuration::from_secs(s)).unwrap();
        assert!(m.handle(later(179), Event::Tick).is_empty());
        // Someone comes back: the countdown stops.
        join(&mut m, later(100), 3);
        assert!(m.handle(later(400), Event::Tick).is_empty());
        leave(&mut m, later(401), 3);
        assert!(m.handle(later(580), Event::Tick).is_empty());
        assert_eq!(
            m.handle(later(581), Event::Tick),
            [Action::EndSession(EndReason::VoiceEmptied { people: 2 })]
        );
        assert!(!m.monitoring());
    }

    #[test]
    fn thirty_minutes_without_a_round_end_it() {
        let mut m = machine();
        let t = at("2025-11-02T18:00:00Z");
        m.handle(t, Event::StartCommand);
        let later = |s: i64| t.checked_add(jiff::SignedDuration::from_secs(s)).unwrap();
        m.handle(later(1500), Event::Round);
        assert!(m.handle(later(1500 + 1799), Event::Tick).is_empty());
        assert_eq!(
            m.handle(later(1500 + 1800), Event::Tick),
            [Action::EndSession(EndReason::Idle { minutes: 30 })]
        );
    }

    #[test]
    fn a_session_started_by_command_with_empty_voice_is_not_ended_by_voice() {
        let mut m = machine();
        let t = at("2025-11-02T10:00:00Z");
        m.handle(t, Event::StartCommand);
        let later = t.checked_add(jiff::SignedDuration::from_secs(600)).unwrap();
        assert!(m.handle(later, Event::Tick).is_empty());
        assert!(m.session_since().is_some());
    }

    #[test]
    fn commands_start_and_end() {
        let mut m = machine();
        let t = at("2025-11-02T10:00:00Z");
        assert_eq!(
            m.handle(t, Event::StartCommand),
            [Action::StartSession(StartReason::Command)]
        );
        assert!(m.handle(t, Event::StartCommand).is_empty());
        assert_eq!(
            m.handle(t, Event::EndCommand),
            [Action::EndSession(EndReason::Command)]
        );
        assert!(m.handle(t, Event::EndCommand).is_empty());
    }

    #[test]
    fn monitoring_switches_on_at_the_daily_hour_in_the_time_zone_with_dst() {
        let mut m = machine();
        // 20:00 in Paris is 19:00 UTC in winter (CET)...
        assert!(m.handle(at("2025-11-02T18:59:59Z"), Event::Tick).is_empty());
        assert_eq!(
            m.handle(at("2025-11-02T19:00:00Z"), Event::Tick),
            [Action::MonitoringOn]
        );
        assert!(
            m.handle(at("2025-11-02T21:00:00Z"), Event::Tick).is_empty(),
            "once a day"
        );
        // ...and 18:00 UTC in summer (CEST).
        let mut summer = machine();
        assert!(
            summer
                .handle(at("2025-07-02T17:59:59Z"), Event::Tick)
                .is_empty()
        );
        assert_eq!(
            summer.handle(at("2025-07-02T18:00:00Z"), Event::Tick),
            [Action::MonitoringOn]
        );
    }

    #[test]
    fn thresholds_must_make_sense() {
        assert!(
            SessionConfig::new(
                2,
                2,
                Duration::ZERO,
                Duration::ZERO,
                Time::midnight(),
                "UTC"
            )
            .is_err()
        );
        assert!(
            SessionConfig::new(
                6,
                2,
                Duration::ZERO,
                Duration::ZERO,
                Time::midnight(),
                "Mars/Olympus"
            )
            .is_err()
        );
    }
}
