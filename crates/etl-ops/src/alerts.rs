//! When a problem reaches the admin channel: once when it has persisted, once
//! more when it has cleared, never in between.

use std::collections::BTreeMap;

use jiff::Timestamp;

use crate::{HealthReport, Status};

/// How many consecutive checks make a problem worth posting, and a fix
/// worth believing. With the self-check every `interval`, a problem is
/// posted after about `raise_after × interval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertPolicy {
    /// Consecutive checks that must see the problem before it is posted.
    pub raise_after: u32,
    /// Consecutive checks that must not see it before "cleared" is posted.
    pub clear_after: u32,
}

impl Default for AlertPolicy {
    fn default() -> Self {
        Self {
            raise_after: 2,
            clear_after: 2,
        }
    }
}

/// What to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Alert {
    /// A problem persisted: post it.
    Raised {
        key: String,
        title: String,
        detail: String,
        /// When the first of the consecutive checks saw it.
        since: Timestamp,
    },
    /// A posted problem is gone.
    Cleared {
        key: String,
        title: String,
        /// What the check says now.
        detail: String,
        since: Timestamp,
        until: Timestamp,
    },
}

#[derive(Debug, Clone)]
struct Track {
    title: String,
    since: Timestamp,
    /// Consecutive checks with the problem (before it is raised).
    seen: u32,
    /// Consecutive checks without it (after it is raised).
    fine: u32,
    raised: bool,
}

/// The alert state of every check, fed one report at a time. Pure: the
/// caller says what time it is and posts what comes out.
#[derive(Debug, Clone, Default)]
pub struct Alerts {
    policy: AlertPolicy,
    tracks: BTreeMap<String, Track>,
}

impl Alerts {
    pub fn new(policy: AlertPolicy) -> Self {
        Self {
            policy,
            tracks: BTreeMap::new(),
        }
    }

    /// The keys of the problems posted and not cleared yet.
    pub fn raised(&self) -> impl Iterator<Item = &str> {
        self.tracks
            .iter()
            .filter(|(_, t)| t.raised)
            .map(|(k, _)| k.as_str())
    }

    /// Takes one report; returns what to post now, in the report's order.
    /// A check missing from the report counts as fine.
    pub fn observe(&mut self, report: &HealthReport, now: Timestamp) -> Vec<Alert> {
        let raise_after = self.policy.raise_after.max(1);
        let clear_after = self.policy.clear_after.max(1);
        let mut alerts = Vec::new();
        let mut fine: Vec<(String, String)> = Vec::new();
        for check in &report.checks {
            if check.status != Status::Problem {
                fine.push((check.key.clone(), check.detail.clone()));
                continue;
            }
            let track = self.tracks.entry(check.key.clone()).or_insert(Track {
                title: check.title.clone(),
                since: now,
                seen: 0,
                fine: 0,
                raised: false,
            });
            track.fine = 0;
            track.seen = track.seen.saturating_add(1);
            if !track.raised && track.seen >= raise_after {
                track.raised = true;
                alerts.push(Alert::Raised {
                    key: check.key.clone(),
                    title: check.title.clone(),
                    detail: check.detail.clone(),
                    since: track.since,
                });
            }
        }
        let missing: Vec<(String, String)> = self
            .tracks
            .keys()
            .filter(|key| report.check(key).is_none())
            .map(|key| (key.clone(), "no longer checked".to_owned()))
            .collect();
        for (key, detail) in fine.into_iter().chain(missing) {
            let Some(track) = self.tracks.get_mut(&key) else {
                continue;
            };
            if !track.raised {
                // It went away before anyone was told: nothing to say.
                self.tracks.remove(&key);
                continue;
            }
            track.fine = track.fine.saturating_add(1);
            if track.fine >= clear_after {
                alerts.push(Alert::Cleared {
                    key: key.clone(),
                    title: track.title.clone(),
                    detail,
                    since: track.since,
                    until: now,
                });
                self.tracks.remove(&key);
            }
        }
        alerts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Check;

    fn t(minute: i64) -> Timestamp {
        Timestamp::from_second(1_763_640_000 + minute * 60).unwrap()
    }

    fn report(checks: &[(&str, Status)]) -> HealthReport {
        HealthReport {
            checks: checks
                .iter()
                .map(|(key, status)| {
                    Check::new(
                        *key,
                        key.to_uppercase(),
                        *status,
                        format!("{key} is {}", status.as_str()),
                    )
                })
                .collect(),
            live: true,
        }
    }

    fn kinds(alerts: &[Alert]) -> Vec<String> {
        alerts
            .iter()
            .map(|a| match a {
                Alert::Raised { key, .. } => format!("raised {key}"),
                Alert::Cleared { key, .. } => format!("cleared {key}"),
            })
            .collect()
    }

    #[test]
    fn a_problem_is_posted_once_when_it_persists_and_once_when_it_clears() {
        let mut alerts = Alerts::new(AlertPolicy::default());
        let down = report(&[("db", Status::Problem), ("disk", Status::Ok)]);
        let up = report(&[("db", Status::Ok), ("disk", Status::Ok)]);

        assert!(
            alerts.observe(&down, t(0)).is_empty(),
            "one check is not enough"
        );
        let raised = alerts.observe(&down, t(1));
        assert_eq!(
            raised,
            [Alert::Raised {
                key: "db".into(),
                title: "DB".into(),
                detail: "db is problem".into(),
                since: t(0),
            }]
        );
        for minute in 2..10 {
            assert!(
                alerts.observe(&down, t(minute)).is_empty(),
                "never repeated"
            );
        }
        assert_eq!(alerts.raised().collect::<Vec<_>>(), ["db"]);
        assert!(
            alerts.observe(&up, t(10)).is_empty(),
            "one good check is not enough"
        );
        let cleared = alerts.observe(&up, t(11));
        assert_eq!(
            cleared,
            [Alert::Cleared {
                key: "db".into(),
                title: "DB".into(),
                detail: "db is ok".into(),
                since: t(0),
                until: t(11),
            }]
        );
        assert!(alerts.observe(&up, t(12)).is_empty());
        assert_eq!(alerts.raised().count(), 0);
    }

    #[test]
    fn a_flapping_check_says_nothing_and_a_relapse_keeps_the_alert_open() {
        let mut alerts = Alerts::new(AlertPolicy::default());
        let down = report(&[("src", Status::Problem)]);
        let up = report(&[("src", Status::Ok)]);
        let warn = report(&[("src", Status::Warning)]);
        for minute in 0..10 {
            let now = if minute % 2 == 0 { &down } else { &up };
            assert!(alerts.observe(now, t(minute)).is_empty(), "flap {minute}");
        }
        assert_eq!(kinds(&alerts.observe(&down, t(10))), Vec::<String>::new());
        assert_eq!(kinds(&alerts.observe(&down, t(11))), ["raised src"]);
        // Better for one check, then bad again: still the same open problem.
        assert!(alerts.observe(&warn, t(12)).is_empty());
        assert!(alerts.observe(&down, t(13)).is_empty());
        assert!(alerts.observe(&up, t(14)).is_empty());
        let cleared = alerts.observe(&warn, t(15));
        assert_eq!(
            kinds(&cleared),
            ["cleared src"],
            "a warning is not a problem"
        );
        assert!(matches!(&cleared[0], Alert::Cleared { since, .. } if *since == t(10)));
    }

    #[test]
    fn several_problems_are_tracked_apart() {
        let mut alerts = Alerts::new(AlertPolicy {
            raise_after: 3,
            clear_after: 1,
        });
        let both = report(&[("a", Status::Problem), ("b", Status::Problem)]);
        let only_b = report(&[("a", Status::Ok), ("b", Status::Problem)]);
        let none = report(&[("a", Status::Ok), ("b", Status::Ok)]);
        assert!(alerts.observe(&both, t(0)).is_empty());
        assert!(alerts.observe(&both, t(1)).is_empty());
        assert_eq!(
            kinds(&alerts.observe(&both, t(2))),
            ["raised a", "raised b"]
        );
        assert_eq!(kinds(&alerts.observe(&only_b, t(3))), ["cleared a"]);
        assert!(alerts.observe(&only_b, t(4)).is_empty());
        assert_eq!(kinds(&alerts.observe(&none, t(5))), ["cleared b"]);
        // `a` comes back: three checks again before it is posted again.
        assert!(alerts.observe(&both, t(6)).is_empty());
        assert!(alerts.observe(&both, t(7)).is_empty());
        assert_eq!(
            kinds(&alerts.observe(&both, t(8))),
            ["raised a", "raised b"]
        );
    }

    #[test]
    fn a_check_that_disappears_clears_its_alert() {
        let mut alerts = Alerts::new(AlertPolicy {
            raise_after: 1,
            clear_after: 1,
        });
        assert_eq!(
            kinds(&alerts.observe(&report(&[("source:old", Status::Problem)]), t(0))),
            ["raised source:old"]
        );
        let cleared = alerts.observe(&report(&[("disk", Status::Ok)]), t(1));
        assert!(
            matches!(&cleared[..], [Alert::Cleared { detail, .. }] if detail == "no longer checked"),
            "{cleared:?}"
        );
    }
}
