//! Argument conventions shared by every command: tokens, players, time
//! windows, metrics.

use etl_parser::strip_colour_codes;
use jiff::ToSpan;
use jiff::civil::{Date, DateTime};

use crate::{CommandError, Context};

/// Splits a command line into words; double quotes keep spaces.
pub fn tokenize(line: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut started = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                started = true;
            }
            c if c.is_whitespace() && !quoted => {
                if started {
                    tokens.push(std::mem::take(&mut current));
                    started = false;
                }
            }
            c => {
                current.push(c);
                started = true;
            }
        }
    }
    if started {
        tokens.push(current);
    }
    tokens
}

/// Levenshtein distance, for "did you mean".
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let insertion = current.get(j).copied().unwrap_or(0) + 1;
            let deletion = previous.get(j + 1).copied().unwrap_or(0) + 1;
            current.push(substitution.min(insertion).min(deletion));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

/// The `n` candidates closest to `word` (within a sensible distance).
pub fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    n: usize,
) -> Vec<String> {
    let word = word.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates
        .into_iter()
        .map(|c| {
            let lower = c.to_lowercase();
            let d = if lower.starts_with(&word) || lower.contains(&word) {
                0
            } else {
                distance(&word, &lower)
            };
            (d, c)
        })
        .filter(|(d, c)| *d <= (c.chars().count() / 2).max(2))
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(n)
        .map(|(_, c)| c.to_owned())
        .collect()
}

/// A span of time commands filter on: `[from, to)` on the server's clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub label: String,
    pub from: Option<DateTime>,
    pub to: Option<DateTime>,
}

impl Window {
    pub fn all() -> Self {
        Self {
            label: "all time".into(),
            from: None,
            to: None,
        }
    }

    pub fn bounds(&self) -> (Option<String>, Option<String>) {
        let text = |t: &DateTime| t.strftime("%Y-%m-%d %H:%M:%S").to_string();
        (self.from.as_ref().map(text), self.to.as_ref().map(text))
    }

    /// `today`, `yesterday`, `week`, `month`, `year`, `all`, `Nd`, `Nw`,
    /// `Nweek(s)`, `Nday(s)`, `Nmonth(s)`, `YYYY`, `YYYY-MM`, `YYYY-MM-DD`.
    pub fn parse(text: &str, now: DateTime) -> Option<Self> {
        let lower = text.to_lowercase();
        let today = now.date().to_datetime(jiff::civil::Time::midnight());
        let back = |label: String, span: jiff::Span| {
            now.checked_sub(span).ok().map(|from| Self {
                label,
                from: Some(from),
                to: None,
            })
        };
        match lower.as_str() {
            "all" | "ever" | "alltime" => return Some(Self::all()),
            "today" => {
                return Some(Self {
                    label: "today".into(),
                    from: Some(today),
                    to: None,
                });
            }
            "yesterday" => {
                return Some(Self {
                    label: "yesterday".into(),
                    from: today.checked_sub(1.day()).ok(),
                    to: Some(today),
                });
            }
            "week" => return back("the last 7 days".into(), 7.days()),
            "month" => return back("the last 30 days".into(), 30.days()),
            "year" => return back("the last 365 days".into(), 365.days()),
            _ => {}
        }
        let digits: String = lower.chars().take_while(char::is_ascii_digit).collect();
        let unit = &lower[digits.len()..];
        if !digits.is_empty() && !unit.is_empty() && !unit.starts_with('-') {
            let n: i64 = digits.parse().ok().filter(|n| (1..=36_500).contains(n))?;
            return match unit {
                "d" | "day" | "days" => back(format!("the last {n} days"), n.days()),
                "w" | "week" | "weeks" => back(format!("the last {n} weeks"), (n * 7).days()),
                "m" | "month" | "months" => back(format!("the last {n} months"), (n * 30).days()),
                "y" | "year" | "years" => back(format!("the last {n} years"), (n * 365).days()),
                _ => None,
            };
        }
        let parts: Vec<&str> = lower.split('-').collect();
        let number = |s: &str| s.parse::<i16>().ok();
        match parts.as_slice() {
            [year] if year.len() == 4 => {
                let start = Date::new(number(year)?, 1, 1).ok()?;
                Some(Self {
                    label: (*year).to_owned(),
                    from: Some(start.to_datetime(jiff::civil::Time::midnight())),
                    to: start
                        .checked_add(1.year())
                        .ok()
                        .map(|d| d.to_datetime(jiff::civil::Time::midnight())),
                })
            }
            [year, month] if year.len() == 4 => {
                let start = Date::new(number(year)?, i8::try_from(number(month)?).ok()?, 1).ok()?;
                Some(Self {
                    label: lower.clone(),
                    from: Some(start.to_datetime(jiff::civil::Time::midnight())),
                    to: start
                        .checked_add(1.month())
                        .ok()
                        .map(|d| d.to_datetime(jiff::civil::Time::midnight())),
                })
            }
            [year, month, day] if year.len() == 4 => {
                let start = Date::new(
                    number(year)?,
                    i8::try_from(number(month)?).ok()?,
                    i8::try_from(number(day)?).ok()?,
                )
                .ok()?;
                Some(Self {
                    label: lower.clone(),
                    from: Some(start.to_datetime(jiff::civil::Time::midnight())),
                    to: start
                        .checked_add(1.day())
                        .ok()
                        .map(|d| d.to_datetime(jiff::civil::Time::midnight())),
                })
            }
            _ => None,
        }
    }
}

/// A player as the engine knows him.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerRef {
    pub id: i64,
    pub guid: String,
    pub name: String,
    pub is_bot: bool,
}

fn normalise(name: &str) -> String {
    String::from_utf8_lossy(&strip_colour_codes(name.as_bytes()))
        .trim()
        .to_lowercase()
}

/// Finds a player by any name he used (case- and colour-insensitive; exact,
/// then unique prefix, then unique substring), by GUID, as `me` or as a
/// Discord mention of a linked account.
pub async fn resolve_player(
    ctx: &Context<'_>,
    text: &str,
    usage: &str,
) -> Result<PlayerRef, CommandError> {
    let bad = |message: String| CommandError::BadArgument {
        message,
        usage: usage.to_owned(),
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(bad(
            "name a player (any name he used, his GUID, or `me`)".into()
        ));
    }
    let players = ctx.store.players().await?;
    let by_id = |id: i64| players.iter().find(|p| p.id == id);
    let reference = |p: &etl_store::models::PlayerRow| PlayerRef {
        id: p.id,
        guid: p.guid.clone(),
        name: p.last_clean_name.clone(),
        is_bot: p.is_bot,
    };

    let discord_id = if text.eq_ignore_ascii_case("me") {
        match ctx.caller.discord_id.as_deref() {
            Some(id) => Some(id.to_owned()),
            None => {
                return Err(bad(
                    "`me` needs a linked Discord account: this caller has none".into(),
                ));
            }
        }
    } else {
        text.strip_prefix("<@")
            .and_then(|rest| rest.strip_suffix('>'))
            .map(|id| id.trim_start_matches('!').to_owned())
    };
    if let Some(discord_id) = discord_id {
        let linked = ctx.store.linked_player(&discord_id).await?;
        return match linked.and_then(by_id) {
            Some(player) => Ok(reference(player)),
            None => Err(bad(format!(
                "<@{discord_id}> has not linked a player: use `!link <name or guid>` first"
            ))),
        };
    }

    if let Some(player) = players
        .iter()
        .find(|p| p.guid.eq_ignore_ascii_case(text) && !p.is_bot)
    {
        return Ok(reference(player));
    }

    let wanted = normalise(text);
    let names = ctx.store.known_names().await?;
    let mut exact: Vec<i64> = names
        .iter()
        .filter(|n| normalise(&n.clean_name) == wanted)
        .map(|n| n.player_id)
        .collect();
    exact.sort_unstable();
    exact.dedup();
    let pick = |ids: Vec<i64>, kind: &str| -> Option<Result<PlayerRef, CommandError>> {
        match ids.as_slice() {
            [] => None,
            [id] => by_id(*id).map(|p| Ok(reference(p))),
            many => {
                let list: Vec<String> = many
                    .iter()
                    .filter_map(|id| by_id(*id))
                    .take(8)
                    .map(|p| format!("{} ({})", p.last_clean_name, p.guid))
                    .collect();
                Some(Err(bad(format!(
                    "{} players {kind} `{text}`: {}; use the GUID to pick one",
                    many.len(),
                    list.join(", ")
                ))))
            }
        }
    };
    if let Some(found) = pick(exact, "are called") {
        return found;
    }
    let mut prefix: Vec<i64> = names
        .iter()
        .filter(|n| normalise(&n.clean_name).starts_with(&wanted))
        .map(|n| n.player_id)
        .collect();
    prefix.sort_unstable();
    prefix.dedup();
    if let Some(found) = pick(prefix, "have names starting with") {
        return found;
    }
    let mut inside: Vec<i64> = names
        .iter()
        .filter(|n| normalise(&n.clean_name).contains(&wanted))
        .map(|n| n.player_id)
        .collect();
    inside.sort_unstable();
    inside.dedup();
    if let Some(found) = pick(inside, "have names containing") {
        return found;
    }
    let all: Vec<&str> = names.iter().map(|n| n.clean_name.as_str()).collect();
    let suggestions = closest(text, all, 5);
    Err(bad(if suggestions.is_empty() {
        format!("no player called `{text}`")
    } else {
        format!(
            "no player called `{text}`; did you mean {}?",
            suggestions.join(", ")
        )
    }))
}

/// Splits `<player words...> [window]`: the last word is a window when it parses as one.
pub fn split_window(tokens: &[String], now: DateTime) -> (String, Option<Window>) {
    if let Some((last, rest)) = tokens.split_last()
        && !rest.is_empty()
        && let Some(window) = Window::parse(last, now)
    {
        return (rest.join(" "), Some(window));
    }
    (tokens.join(" "), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_keep_quoted_spaces() {
        assert_eq!(
            tokenize(r#"player_stats "Wolf Pack" 30d"#),
            ["player_stats", "Wolf Pack", "30d"]
        );
        assert_eq!(tokenize("  a  b "), ["a", "b"]);
    }

    #[test]
    fn windows() {
        let now = jiff::civil::date(2025, 11, 20).at(21, 0, 0, 0);
        let w = Window::parse("30d", now).unwrap();
        assert_eq!(
            w.from,
            Some(jiff::civil::date(2025, 10, 21).at(21, 0, 0, 0))
        );
        assert_eq!(
            Window::parse("1week", now).unwrap().label,
            "the last 1 weeks"
        );
        let month = Window::parse("2025-11", now).unwrap();
        assert_eq!(
            month.bounds(),
            (
                Some("2025-11-01 00:00:00".into()),
                Some("2025-12-01 00:00:00".into())
            )
        );
        let day = Window::parse("2025-11-02", now).unwrap();
        assert_eq!(day.bounds().1.as_deref(), Some("2025-11-03 00:00:00"));
        assert_eq!(
            Window::parse("today", now).unwrap().bounds().0.as_deref(),
            Some("2025-11-20 00:00:00")
        );
        assert_eq!(Window::parse("all", now), Some(Window::all()));
        assert_eq!(Window::parse("Slomix", now), None);
        assert_eq!(Window::parse("2025-13", now), None);
    }

    #[test]
    fn did_you_mean() {
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(
            closest("plyer_stats", ["player_stats", "player_maps", "help"], 2),
            ["player_stats", "player_maps"]
        );
    }
}
