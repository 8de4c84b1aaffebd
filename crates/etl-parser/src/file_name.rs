use jiff::civil::{Date, DateTime, Time};
use nom::bytes::complete::take_while_m_n;
use nom::character::complete::char;
use nom::combinator::map_res;
use nom::{IResult, Parser};

use crate::{ParseError, RoundNumber};

/// What a stats file's name says: `2025-11-02-201530-te_escape2-round-2.txt`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileName {
    /// The whole file name, without any folder.
    pub name: String,
    /// The server's local wall clock when the file was written (end of the round).
    pub written_at: DateTime,
    pub map: String,
    pub round: RoundNumber,
}

/// The kinds of file a server's `gamestats/` folder holds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileKind {
    Round(FileName),
    /// `...-round-N_ws.txt`: the per-weapon side file.
    WeaponSide,
    /// `...-round-N-endstats.txt`: awards written by another script.
    EndStats,
}

impl FileName {
    /// Parses a round file's name. Side files and other names are errors.
    pub fn parse(name: &str) -> Result<Self, ParseError> {
        match FileKind::classify(name)? {
            FileKind::Round(file) => Ok(file),
            side_file => Err(side_file.not_a_round(name)),
        }
    }

    /// `YYYY-MM-DD`.
    pub fn date(&self) -> Date {
        self.written_at.date()
    }

    /// `HH:MM:SS`.
    pub fn time(&self) -> Time {
        self.written_at.time()
    }
}

impl FileKind {
    pub(crate) fn not_a_round(&self, name: &str) -> ParseError {
        let reason = match self {
            Self::Round(_) => "a round file",
            Self::WeaponSide => "a per-weapon side file (_ws), not a round",
            Self::EndStats => "an endstats awards file, not a round",
        };
        ParseError::FileName {
            name: name.to_owned(),
            reason,
        }
    }

    /// Tells round files from the side files that share their folder.
    pub fn classify(name: &str) -> Result<Self, ParseError> {
        let fail = |reason| ParseError::FileName {
            name: name.to_owned(),
            reason,
        };
        let (rest, written_at) = timestamp(name.as_bytes())
            .map_err(|_| fail("expected it to start with YYYY-MM-DD-HHMMSS-"))?;
        let rest = std::str::from_utf8(rest).map_err(|_| fail("not valid text"))?;
        let (stem, kind) = if let Some(stem) = rest.strip_suffix("_ws.txt") {
            (stem, Some(Self::WeaponSide))
        } else if let Some(stem) = rest.strip_suffix("-endstats.txt") {
            (stem, Some(Self::EndStats))
        } else if let Some(stem) = rest.strip_suffix(".txt") {
            (stem, None)
        } else {
            return Err(fail("expected it to end with -round-N.txt"));
        };
        let (map, round) = if let Some(map) = stem.strip_suffix("-round-1") {
            (map, RoundNumber::One)
        } else if let Some(map) = stem.strip_suffix("-round-2") {
            (map, RoundNumber::Two)
        } else {
            return Err(fail("expected -round-1 or -round-2 before .txt"));
        };
        if map.is_empty() {
            return Err(fail("the map name is empty"));
        }
        Ok(kind.unwrap_or_else(|| {
            Self::Round(FileName {
                name: name.to_owned(),
                written_at,
                map: map.to_owned(),
                round,
            })
        }))
    }
}

fn digits(count: usize) -> impl FnMut(&[u8]) -> IResult<&[u8], u32> {
    move |input| {
        map_res(
            take_while_m_n(count, count, |b: u8| b.is_ascii_digit()),
            |d: &[u8]| {
                d.iter()
                    .try_fold(0u32, |n, &b| {
                        n.checked_mul(10)?.checked_add(u32::from(b - b'0'))
                    })
                    .ok_or(())
            },
        )
        .parse(input)
    }
}

fn timestamp(input: &[u8]) -> IResult<&[u8], DateTime> {
    map_res(
        (
            digits(4),
            char('-'),
            digits(2),
            char('-'),
            digits(2),
            char('-'),
            digits(2),
            digits(2),
            digits(2),
            char('-'),
        ),
        |(year, _, month, _, day, _, hour, minute, second, _)| {
            let date = Date::new(
                i16::try_from(year).map_err(|_| ())?,
                i8::try_from(month).map_err(|_| ())?,
                i8::try_from(day).map_err(|_| ())?,
            )
            .map_err(|_| ())?;
            let time = Time::new(
                i8::try_from(hour).map_err(|_| ())?,
                i8::try_from(minute).map_err(|_| ())?,
                i8::try_from(second).map_err(|_| ())?,
                0,
            )
            .map_err(|_| ())?;
            Ok::<_, ()>(date.to_datetime(time))
        },
    )
    .parse(input)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_file_names() {
        let file = FileName::parse("2025-11-02-201530-te_escape2-round-2.txt").unwrap();
        assert_eq!(file.map, "te_escape2");
        assert_eq!(file.round, RoundNumber::Two);
        assert_eq!(file.date().to_string(), "2025-11-02");
        assert_eq!(file.time().to_string(), "20:15:30");
    }

    #[test]
    fn map_names_may_hold_hyphens_and_dots() {
        let file = FileName::parse("2025-11-02-201530-my-map-v1.2-round-1.txt").unwrap();
        assert_eq!(file.map, "my-map-v1.2");
        let file = FileName::parse("2025-11-02-201530-x-round-2-round-1.txt").unwrap();
        assert_eq!(file.map, "x-round-2");
    }

    #[test]
    fn side_files_are_recognised_on_purpose() {
        assert_eq!(
            FileKind::classify("2025-11-02-201530-supply-round-1_ws.txt").unwrap(),
            FileKind::WeaponSide
        );
        assert_eq!(
            FileKind::classify("2025-11-02-201530-supply-round-2-endstats.txt").unwrap(),
            FileKind::EndStats
        );
        assert!(FileName::parse("2025-11-02-201530-supply-round-2-endstats.txt").is_err());
    }

    #[test]
    fn bad_names() {
        for name in [
            "supply-round-1.txt",
            "2025-13-02-201530-supply-round-1.txt",
            "2025-11-02-251530-supply-round-1.txt",
            "2025-11-02-201530-supply-round-3.txt",
            "2025-11-02-201530--round-1.txt",
            "2025-11-02-201530-supply-round-1.log",
        ] {
            assert!(FileName::parse(name).is_err(), "{name} should be refused");
        }
    }
}
