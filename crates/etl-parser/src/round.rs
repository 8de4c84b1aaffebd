use std::collections::HashMap;

use crate::{FileKind, FileName, Header, ParseError, Player};

/// Round 1 or round 2 of a stopwatch map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RoundNumber {
    One,
    Two,
}

impl RoundNumber {
    pub fn get(self) -> u8 {
        match self {
            Self::One => 1,
            Self::Two => 2,
        }
    }
}

/// A side of the map. The file writes 1 for Axis and 2 for Allies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Axis,
    Allies,
}

impl Side {
    pub(crate) fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::Axis),
            2 => Some(Self::Allies),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Axis => "axis",
            Self::Allies => "allies",
        }
    }

    /// The inverse of [`Side::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "axis" => Some(Self::Axis),
            "allies" => Some(Self::Allies),
            _ => None,
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::Axis => Self::Allies,
            Self::Allies => Self::Axis,
        }
    }
}

/// The side a player was on when the file was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Team {
    Axis,
    Allies,
    Spectator,
}

impl Team {
    pub(crate) fn from_code(code: i64) -> Option<Self> {
        match code {
            1 => Some(Self::Axis),
            2 => Some(Self::Allies),
            3 => Some(Self::Spectator),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Axis => "axis",
            Self::Allies => "allies",
            Self::Spectator => "spectator",
        }
    }

    /// The inverse of [`Team::as_str`].
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "axis" => Some(Self::Axis),
            "allies" => Some(Self::Allies),
            "spectator" => Some(Self::Spectator),
            _ => None,
        }
    }

    /// The playing side, if the player was not spectating.
    pub fn side(self) -> Option<Side> {
        match self {
            Self::Axis => Some(Side::Axis),
            Self::Allies => Some(Side::Allies),
            Self::Spectator => None,
        }
    }
}

/// One parsed stats file.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Round {
    /// What the file name says, when the round was read under a round file's name.
    pub file: Option<FileName>,
    pub header: Header,
    /// True when the values are this round's alone: round 1, or a round 2
    /// that went through [`Round::round_two_only`].
    pub round_only: bool,
    /// In file order.
    pub players: Vec<Player>,
}

impl Round {
    /// A round from stored values (a header and its players).
    pub fn from_parts(
        file: Option<FileName>,
        header: Header,
        round_only: bool,
        players: Vec<Player>,
    ) -> Self {
        Self {
            file,
            header,
            round_only,
            players,
        }
    }

    /// Parses a file's bytes without a file name.
    pub fn parse(bytes: &[u8]) -> Result<Self, ParseError> {
        let mut lines = Lines::new(bytes);
        let header_line = lines.next().ok_or_else(|| ParseError::Field {
            file: None,
            line: 1,
            field: "server".into(),
            problem: "the file is empty",
            found: String::new(),
        })??;
        let header = Header::parse(header_line.1)?;
        let mut players = Vec::new();
        for line in lines {
            let (number, text) = line?;
            players.push(Player::parse(text, number)?);
        }
        Ok(Self {
            file: None,
            round_only: header.round == RoundNumber::One,
            header,
            players,
        })
    }

    /// Parses a file read under `name` (a bare file name, no folder). Side
    /// files are refused; a name outside the round-file pattern gives a round
    /// with no [`Round::file`]. Errors name the file.
    pub fn parse_named(name: &str, bytes: &[u8]) -> Result<Self, ParseError> {
        let file = match FileKind::classify(name) {
            Ok(FileKind::Round(file)) => Some(file),
            Ok(side_file) => return Err(side_file.not_a_round(name)),
            Err(_) => None,
        };
        let mut round = Self::parse(bytes).map_err(|e| e.with_file(name))?;
        if let Some(file) = &file
            && file.round != round.header.round
        {
            return Err(ParseError::Field {
                file: Some(name.to_owned()),
                line: 1,
                field: "round".into(),
                problem: "the header's round differs from the file name's",
                found: round.header.round.get().to_string(),
            });
        }
        round.file = file;
        Ok(round)
    }

    /// Whether `self` (a round 1) and `round2` are the two halves of one map
    /// play, by the header's tie: round 2's time limit is round 1's time to beat.
    pub fn pairs_with(&self, round2: &Round) -> bool {
        self.header.round == RoundNumber::One
            && round2.header.round == RoundNumber::Two
            && self.header.map == round2.header.map
            && self.header.actual_time_s == Some(round2.header.time_limit_s)
    }

    /// Round 2 alone, from the cumulative round 2 file and its round 1.
    ///
    /// Cumulative fields are round 2 minus round 1 (never negative), per-round
    /// fields are taken as written, a player whose counters restarted (any of
    /// kills, deaths, damage or time played lower than in round 1) is taken
    /// as written, a late joiner is taken as written, and the derived values
    /// are recomputed from the round-only ones. Players are matched by GUID,
    /// and by GUID + name where a GUID is shared (bots).
    pub fn round_two_only(round1: &Round, round2: &Round) -> Result<Round, ParseError> {
        let refuse = |reason| ParseError::NotAPair {
            round1: round1.describe(),
            round2: round2.describe(),
            reason,
        };
        if round1.header.round != RoundNumber::One {
            return Err(refuse("the first file is not a round 1"));
        }
        if round2.header.round != RoundNumber::Two {
            return Err(refuse("the second file is not a round 2"));
        }
        if round2.round_only {
            return Err(refuse("round 1 was already taken away from this round 2"));
        }
        if round1.header.map != round2.header.map {
            return Err(refuse("they are on different maps"));
        }

        let mut by_guid: HashMap<&str, Vec<&Player>> = HashMap::new();
        for player in &round1.players {
            by_guid
                .entry(player.guid.as_str())
                .or_default()
                .push(player);
        }
        let round2_guid_count =
            |guid: &str| round2.players.iter().filter(|p| p.guid == guid).count();
        let partner = |player: &Player| -> Option<&Player> {
            let candidates = by_guid.get(player.guid.as_str())?;
            candidates
                .iter()
                .find(|earlier| earlier.name == player.name)
                .or_else(|| match candidates.as_slice() {
                    // A renamed player: the GUID alone is unambiguous.
                    [only] if round2_guid_count(&player.guid) == 1 => Some(only),
                    _ => None,
                })
                .copied()
        };

        let mut players: Vec<Player> = round2
            .players
            .iter()
            .map(|player| match partner(player) {
                Some(earlier) => player.minus_round_one(earlier),
                None => player.clone(),
            })
            .collect();
        // The round's length is the longest anyone played in it.
        let round_length_s = players
            .iter()
            .map(|p| p.stats.time_played_s)
            .max()
            .unwrap_or(0);
        for player in &mut players {
            player.recompute_derived(round_length_s);
        }
        Ok(Round {
            file: round2.file.clone(),
            header: round2.header.clone(),
            round_only: true,
            players,
        })
    }

    fn describe(&self) -> String {
        match &self.file {
            Some(file) => file.name.clone(),
            None => format!("({} round {})", self.header.map, self.header.round.get()),
        }
    }
}

/// Splits a file into numbered lines, accepting LF and CRLF, refusing a last
/// line without its newline (the writer ends every line with one).
struct Lines<'a> {
    rest: &'a [u8],
    number: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            number: 0,
        }
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Result<(usize, &'a [u8]), ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        self.number += 1;
        let Some(end) = self.rest.iter().position(|&b| b == b'\n') else {
            self.rest = &[];
            return Some(Err(ParseError::Truncated {
                file: None,
                line: self.number,
            }));
        };
        let (line, rest) = self.rest.split_at(end);
        self.rest = rest.get(1..).unwrap_or_default();
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        Some(Ok((self.number, line)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Weapon;

    /// A player line with MP40 `hits shots kills deaths headshots`, damage given
    /// and received, minutes played and xp; the rest zero.
    fn line(
        guid: &str,
        name: &str,
        team: u8,
        mp40: [i64; 5],
        damage: (i64, i64),
        minutes: f64,
        xp: i64,
    ) -> String {
        let [h, s, k, d, hs] = mp40;
        let mut fields = vec!["0".to_owned(); 38];
        fields[0] = damage.0.to_string();
        fields[1] = damage.1.to_string();
        fields[8] = "100.0".into();
        fields[9] = xp.to_string();
        fields[20] = s.to_string();
        fields[21] = "0.0".into();
        fields[22] = format!("{minutes:.1}");
        fields[23] = "0.0".into();
        fields[24] = "0.0".into();
        fields[25] = "1.0".into();
        fields[26] = "1.0".into();
        format!(
            "{guid}\\{name}\\0\\{team}\\16 {h} {s} {k} {d} {hs} \t{}\n",
            fields.join("\t")
        )
    }

    fn round(number: u8, limit: &str, next: &str, lines: &[String]) -> Round {
        let mut text = format!("^1ET\\supply\\legacy6\\{number}\\1\\2\\{limit}\\{next}\n");
        text.extend(lines.iter().cloned());
        Round::parse(text.as_bytes()).unwrap()
    }

    #[test]
    fn cumulative_fields_are_subtracted_and_per_round_fields_kept() {
        let r1 = round(
            1,
            "12:00",
            "8:00",
            &[line(
                "AAAA0001",
                "one",
                1,
                [10, 40, 3, 2, 1],
                (900, 700),
                8.0,
                50,
            )],
        );
        let r2 = round(
            2,
            "8:00",
            "6:30",
            &[line(
                "AAAA0001",
                "one",
                2,
                [25, 90, 7, 5, 4],
                (2000, 1500),
                14.5,
                30,
            )],
        );
        assert!(r1.pairs_with(&r2));
        let only = Round::round_two_only(&r1, &r2).unwrap();
        let p = &only.players[0];
        assert_eq!(p.weapons.get(Weapon::Mp40).hits, 15);
        assert_eq!((p.kills(), p.deaths(), p.headshots()), (4, 3, 3));
        assert_eq!((p.stats.damage_given, p.stats.damage_received), (1100, 800));
        assert_eq!(p.stats.bullets_fired, 50);
        assert_eq!(p.stats.time_played_s, 390);
        assert_eq!(p.stats.xp, 30, "xp is per round: taken as written");
        assert_eq!(p.stats.kd, 1.3);
        assert_eq!(p.stats.dpm, 169.2);
        assert_eq!(p.stats.time_played_pct, 100.0);
    }

    #[test]
    fn a_reconnect_takes_round_two_as_written() {
        let r1 = round(
            1,
            "12:00",
            "8:00",
            &[line(
                "AAAA0001",
                "one",
                1,
                [10, 40, 3, 2, 1],
                (900, 700),
                8.0,
                50,
            )],
        );
        let r2 = round(
            2,
            "8:00",
            "6:30",
            &[line(
                "AAAA0001",
                "one",
                2,
                [4, 20, 1, 1, 0],
                (300, 200),
                3.0,
                12,
            )],
        );
        let p = &Round::round_two_only(&r1, &r2).unwrap().players[0];
        assert_eq!(
            (p.kills(), p.stats.damage_given, p.stats.time_played_s),
            (1, 300, 180)
        );
    }

    #[test]
    fn a_counter_that_would_go_negative_is_zero() {
        // Kills, deaths, damage and time all grew, so this is no reconnect, but
        // the MP40 headshots did not: that counter must not go below zero.
        let r1 = round(
            1,
            "12:00",
            "8:00",
            &[line(
                "AAAA0001",
                "one",
                1,
                [10, 40, 3, 2, 5],
                (900, 700),
                8.0,
                50,
            )],
        );
        let r2 = round(
            2,
            "8:00",
            "6:30",
            &[line(
                "AAAA0001",
                "one",
                2,
                [12, 50, 4, 3, 2],
                (1000, 800),
                9.0,
                10,
            )],
        );
        let p = &Round::round_two_only(&r1, &r2).unwrap().players[0];
        assert_eq!(p.headshots(), 0);
    }

    #[test]
    fn late_joiners_leavers_and_bots() {
        let r1 = round(
            1,
            "12:00",
            "8:00",
            &[
                line(
                    "OMNIBOT0",
                    "[BOT]Hoss",
                    1,
                    [5, 20, 2, 1, 0],
                    (400, 300),
                    8.0,
                    10,
                ),
                line(
                    "OMNIBOT0",
                    "[BOT]Sarge",
                    2,
                    [6, 30, 1, 2, 0],
                    (500, 350),
                    8.0,
                    11,
                ),
                line("LEAVER01", "gone", 2, [1, 5, 0, 1, 0], (50, 90), 8.0, 3),
            ],
        );
        let r2 = round(
            2,
            "8:00",
            "8:00",
            &[
                line(
                    "OMNIBOT0",
                    "[BOT]Sarge",
                    1,
                    [16, 60, 4, 4, 1],
                    (1500, 800),
                    16.0,
                    20,
                ),
                line(
                    "OMNIBOT0",
                    "[BOT]Hoss",
                    2,
                    [7, 30, 3, 3, 0],
                    (600, 500),
                    16.0,
                    9,
                ),
                line("LATE0001", "late", 1, [9, 33, 2, 2, 1], (700, 600), 4.0, 15),
            ],
        );
        let only = Round::round_two_only(&r1, &r2).unwrap();
        let by_name = |name: &str| {
            only.players
                .iter()
                .find(|p| p.name.clean() == name)
                .unwrap()
        };
        assert_eq!(by_name("[BOT]Sarge").kills(), 3, "bots pair by GUID + name");
        assert_eq!(by_name("[BOT]Hoss").kills(), 1);
        assert_eq!(
            by_name("late").kills(),
            2,
            "a late joiner is his round 2 line"
        );
        assert!(
            only.players.iter().all(|p| p.guid != "LEAVER01"),
            "a leaver has no round 2 row"
        );
        assert_eq!(by_name("late").stats.time_played_pct, 50.0);
    }

    #[test]
    fn rounds_that_do_not_belong_together_are_refused() {
        let r1 = round(1, "12:00", "8:00", &[]);
        let r2 = round(2, "8:00", "8:00", &[]);
        assert!(Round::round_two_only(&r2, &r1).is_err());
        let only = Round::round_two_only(&r1, &r2).unwrap();
        assert!(
            Round::round_two_only(&r1, &only).is_err(),
            "twice is refused"
        );
    }

    #[test]
    fn header_variants() {
        let implausible = round(2, "9:00", "79:20", &[]);
        assert_eq!(implausible.header.actual_time_s, None);
        assert_eq!(implausible.header.time_limit_s, 540);
        let shutdown = Round::parse(b"x\\radar\\\\2\\1\\0\\9:00\\9:00\\-1700000000\r\n").unwrap();
        assert_eq!(shutdown.header.duration_ms, None);
        assert_eq!(shutdown.header.config, "");
        assert_eq!(shutdown.header.winner, None);
        assert!(shutdown.players.is_empty());
    }

    #[test]
    fn older_writers_leave_fields_unknown() {
        let full = line("AAAA0001", "one", 1, [10, 40, 3, 2, 1], (900, 700), 8.0, 50);
        let (head, tail) = full.trim_end().split_once('\t').unwrap();
        let fields: Vec<&str> = tail.split('\t').collect();
        let text = format!(
            "x\\supply\\\\1\\1\\2\\12:00\\8:00\n{head}\t{}\n",
            fields[..33].join("\t")
        );
        let p = &Round::parse(text.as_bytes()).unwrap().players[0];
        assert_eq!(p.field_count, 33);
        assert_eq!((p.stats.multikill_6, p.stats.revives_given), (None, None));
        assert_eq!(p.stats.multikill_5, 0);
    }
}
