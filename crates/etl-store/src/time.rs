use jiff::SignedDuration;
use jiff::civil::DateTime;

/// A round's time on the server's wall clock, as stored: `YYYY-MM-DD HH:MM:SS`
/// (text sorts in time order on both backends; the files carry no time zone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub at: DateTime,
    pub text: String,
}

const FORMAT: &str = "%Y-%m-%d %H:%M:%S";

impl Stamp {
    pub fn new(at: DateTime) -> Self {
        Self {
            text: at.strftime(FORMAT).to_string(),
            at,
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        DateTime::strptime(FORMAT, text).ok().map(Self::new)
    }

    pub fn minus_seconds(&self, seconds: i64) -> String {
        self.at
            .checked_sub(SignedDuration::from_secs(seconds))
            .map_or_else(|_| self.text.clone(), |at| Self::new(at).text)
    }

    pub fn minus_minutes(&self, minutes: i64) -> String {
        self.minus_seconds(minutes.saturating_mul(60))
    }

    pub fn plus_minutes(&self, minutes: i64) -> String {
        self.minus_seconds(minutes.saturating_mul(-60))
    }

    /// `YYYY-MM-DD-HHMMSS`, the id of a session this round opens.
    pub fn session_id(&self) -> String {
        self.at.strftime("%Y-%m-%d-%H%M%S").to_string()
    }
}

/// Now, on the machine's clock, for `imported_at` / `processed_at`.
pub(crate) fn now_text() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
