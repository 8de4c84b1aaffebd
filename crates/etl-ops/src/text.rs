//! Times, durations and sizes as people read them in a one-line detail.

use std::time::Duration;

/// `45 s`, `12 min`, `3 h 02 min`, `2 d 4 h`.
pub fn ago(span: Duration) -> String {
    let seconds = span.as_secs();
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds / 60),
        3600..86_400 => format!("{} h {:02} min", seconds / 3600, seconds % 3600 / 60),
        _ => format!("{} d {} h", seconds / 86_400, seconds % 86_400 / 3600),
    }
}

/// The span from `then` to `now` (zero when `then` is later).
pub fn since(then: jiff::Timestamp, now: jiff::Timestamp) -> Duration {
    Duration::try_from(now.duration_since(then)).unwrap_or_default()
}

/// `2025-11-20 08:00 UTC`.
pub fn utc(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// `3 ms`, `1.4 s`.
pub fn latency(span: Duration) -> String {
    let millis = span.as_secs_f64() * 1000.0;
    if millis < 1.0 {
        "under 1 ms".to_owned()
    } else if millis < 1000.0 {
        format!("{millis:.0} ms")
    } else {
        format!("{:.1} s", millis / 1000.0)
    }
}

/// `812 MB`, `41.2 GB` (powers of 1024, as `df -h` counts).
pub fn bytes(count: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let mb = count as f64 / MB;
    if mb < 1024.0 {
        format!("{mb:.0} MB")
    } else if mb < 1024.0 * 1024.0 {
        format!("{:.1} GB", mb / 1024.0)
    } else {
        format!("{:.1} TB", mb / 1024.0 / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_and_sizes_read_well() {
        assert_eq!(ago(Duration::from_secs(45)), "45 s");
        assert_eq!(ago(Duration::from_secs(12 * 60 + 5)), "12 min");
        assert_eq!(ago(Duration::from_secs(3 * 3600 + 120)), "3 h 02 min");
        assert_eq!(ago(Duration::from_secs(2 * 86_400 + 4 * 3600)), "2 d 4 h");
        assert_eq!(latency(Duration::from_micros(300)), "under 1 ms");
        assert_eq!(latency(Duration::from_millis(3)), "3 ms");
        assert_eq!(latency(Duration::from_millis(1400)), "1.4 s");
        assert_eq!(bytes(812 * 1024 * 1024), "812 MB");
        assert_eq!(
            bytes(41 * 1024 * 1024 * 1024 + 200 * 1024 * 1024),
            "41.2 GB"
        );
        let then: jiff::Timestamp = "2025-11-20T08:00:00Z".parse().unwrap_or_default();
        assert_eq!(utc(then), "2025-11-20 08:00 UTC");
        assert_eq!(since(then, then), Duration::ZERO);
    }
}
