use crate::error::At;
use crate::name::decode;
use crate::{ParseError, RoundNumber, Side, scalar};

/// Line 1 of a stats file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// The server name with its colour codes.
    pub server: String,
    pub map: String,
    /// `g_customConfig`; may be empty.
    pub config: String,
    pub round: RoundNumber,
    /// `None` when the file says 0 or something unknown.
    pub defender: Option<Side>,
    /// `None` when the file says 0 (no winner known).
    pub winner: Option<Side>,
    pub time_limit_s: u32,
    /// Round 1: the attackers' time (the time to beat); round 2: the time the
    /// attackers needed, or the limit. `None` when the writer substituted an
    /// implausible value longer than the limit.
    pub actual_time_s: Option<u32>,
    /// The measured playing time (9-field headers only); `None` when absent or
    /// negative (written by the shutdown path).
    pub duration_ms: Option<u64>,
    /// 8 or 9.
    pub field_count: usize,
}

const NAMES: [&str; 9] = [
    "server",
    "map",
    "config",
    "round",
    "defender",
    "winner",
    "time_limit",
    "actual_time",
    "duration_ms",
];

impl Header {
    pub(crate) fn parse(line: &[u8]) -> Result<Self, ParseError> {
        let at = At { line: 1 };
        let fields: Vec<&[u8]> = line.split(|&b| b == b'\\').collect();
        let count = fields.len();
        if !(8..=9).contains(&count) {
            let field = NAMES.get(count).copied().unwrap_or("header");
            let problem = if count < 8 {
                "the header is cut short: expected 8 or 9 fields separated by \\"
            } else {
                "too many header fields: expected 8 or 9 separated by \\"
            };
            return Err(at.error(field, problem, line));
        }
        let get = |index: usize| fields.get(index).copied().unwrap_or_default();
        let round = match get(3) {
            b"1" => RoundNumber::One,
            b"2" => RoundNumber::Two,
            other => return Err(at.error("round", "expected 1 or 2", other)),
        };
        let side = |index: usize, name: &'static str| -> Result<Option<Side>, ParseError> {
            match scalar::int(get(index)) {
                Some(value) => Ok(Side::from_code(value)),
                None => Err(at.error(name, "expected a side number (0, 1 or 2)", get(index))),
            }
        };
        let clock = |index: usize, name: &'static str| {
            scalar::clock(get(index))
                .ok_or_else(|| at.error(name, "expected a time as M:SS", get(index)))
        };
        let map = decode(get(1)).into_owned();
        if map.is_empty() {
            return Err(at.error("map", "the map name is empty", b""));
        }
        let time_limit_s = clock(6, "time_limit")?;
        let next = clock(7, "actual_time")?;
        let duration_ms = match fields.get(8) {
            None => None,
            Some(field) => {
                let value = scalar::int(field)
                    .ok_or_else(|| at.error("duration_ms", "expected whole milliseconds", field))?;
                u64::try_from(value).ok()
            }
        };
        Ok(Self {
            server: decode(get(0)).into_owned(),
            map,
            config: decode(get(2)).into_owned(),
            round,
            defender: side(4, "defender")?,
            winner: side(5, "winner")?,
            time_limit_s,
            actual_time_s: (next <= time_limit_s).then_some(next),
            duration_ms,
            field_count: count,
        })
    }
}
