//! nom parsers for the scalar values of the format. Each takes the whole field
//! and fails unless all of it is consumed, so `12x` is an error, not `12`.

use nom::branch::alt;
use nom::bytes::complete::tag;
use nom::character::complete::{char, digit1};
use nom::combinator::{all_consuming, map_res, opt, recognize};
use nom::{IResult, Parser};

fn text(bytes: &[u8]) -> Result<&str, std::str::Utf8Error> {
    std::str::from_utf8(bytes)
}

fn signed_int(input: &[u8]) -> IResult<&[u8], i64> {
    map_res(recognize((opt(char('-')), digit1)), |digits: &[u8]| {
        text(digits)
            .map_err(|_| ())
            .and_then(|t| t.parse::<i64>().map_err(|_| ()))
    })
    .parse(input)
}

fn finite_float(input: &[u8]) -> IResult<&[u8], f64> {
    map_res(
        recognize((opt(char('-')), digit1, opt((char('.'), digit1)))),
        |digits: &[u8]| {
            text(digits)
                .map_err(|_| ())
                .and_then(|t| t.parse::<f64>().map_err(|_| ()))
        },
    )
    .parse(input)
}

/// Lua's `%0.1f` prints these for a division by zero; a real file can hold them.
fn non_finite_float(input: &[u8]) -> IResult<&[u8], f64> {
    alt((
        tag(&b"-nan"[..]).map(|_| f64::NAN),
        tag(&b"nan"[..]).map(|_| f64::NAN),
        tag(&b"-inf"[..]).map(|_| f64::NEG_INFINITY),
        tag(&b"inf"[..]).map(|_| f64::INFINITY),
    ))
    .parse(input)
}

fn clock_seconds(input: &[u8]) -> IResult<&[u8], u32> {
    map_res(
        (digit1, char(':'), digit1),
        |(minutes, _, seconds): (&[u8], char, &[u8])| {
            if seconds.len() != 2 {
                return Err(());
            }
            let minutes: u32 = text(minutes).map_err(|_| ())?.parse().map_err(|_| ())?;
            let seconds: u32 = text(seconds).map_err(|_| ())?.parse().map_err(|_| ())?;
            if seconds >= 60 {
                return Err(());
            }
            minutes
                .checked_mul(60)
                .and_then(|m| m.checked_add(seconds))
                .ok_or(())
        },
    )
    .parse(input)
}

/// A decimal integer, optionally negative.
pub(crate) fn int(field: &[u8]) -> Option<i64> {
    all_consuming(signed_int)
        .parse(field)
        .ok()
        .map(|(_, value)| value)
}

/// A decimal number as `%0.1f` writes it (also `nan` / `inf`).
pub(crate) fn float(field: &[u8]) -> Option<f64> {
    all_consuming(alt((finite_float, non_finite_float)))
        .parse(field)
        .ok()
        .map(|(_, value)| value)
}

/// A time as `M:SS`, in seconds.
pub(crate) fn clock(field: &[u8]) -> Option<u32> {
    all_consuming(clock_seconds)
        .parse(field)
        .ok()
        .map(|(_, value)| value)
}

/// Minutes with a decimal, as whole seconds (the contract's `*_s` fields).
pub(crate) fn minutes_as_seconds(field: &[u8]) -> Option<i64> {
    let minutes = float(field)?;
    if !minutes.is_finite() {
        return None;
    }
    // The format has one decimal of minutes, so this is exact to the 6 s it can say.
    Some((minutes * 60.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ints() {
        assert_eq!(int(b"0"), Some(0));
        assert_eq!(int(b"-12"), Some(-12));
        assert_eq!(int(b"12x"), None);
        assert_eq!(int(b""), None);
        assert_eq!(int(b"99999999999999999999999"), None);
    }

    #[test]
    fn floats() {
        assert_eq!(float(b"70.2"), Some(70.2));
        assert_eq!(float(b"-3.5"), Some(-3.5));
        assert_eq!(float(b"5"), Some(5.0));
        assert!(float(b"nan").is_some_and(f64::is_nan));
        assert_eq!(float(b"1.2.3"), None);
        assert_eq!(float(b"."), None);
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(b"12:00"), Some(720));
        assert_eq!(clock(b"7:36"), Some(456));
        assert_eq!(clock(b"79:20"), Some(4760));
        assert_eq!(clock(b"7:6"), None);
        assert_eq!(clock(b"7:60"), None);
        assert_eq!(clock(b"7"), None);
    }

    #[test]
    fn minutes() {
        assert_eq!(minutes_as_seconds(b"19.0"), Some(1140));
        assert_eq!(minutes_as_seconds(b"5.1"), Some(306));
        assert_eq!(minutes_as_seconds(b"inf"), None);
    }
}
