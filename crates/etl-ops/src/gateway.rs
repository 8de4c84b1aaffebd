//! What the bot saw of its Discord gateway connection.

use jiff::Timestamp;

/// Connected since when, or disconnected since when, and how often it came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayState {
    pub connected_since: Option<Timestamp>,
    /// Since the last close, or since start before the first session.
    pub disconnected_since: Option<Timestamp>,
    /// Sessions established (READY) or resumed (RESUMED).
    pub sessions: u64,
    /// Every session after the first: a resume or a fresh identify.
    pub reconnects: u64,
}

impl GatewayState {
    /// Not connected yet.
    pub fn started(at: Timestamp) -> Self {
        Self {
            connected_since: None,
            disconnected_since: Some(at),
            sessions: 0,
            reconnects: 0,
        }
    }

    /// A READY (`resumed` false) or RESUMED (`resumed` true) arrived.
    pub fn session(&mut self, at: Timestamp, resumed: bool) {
        if self.sessions > 0 || resumed {
            self.reconnects = self.reconnects.saturating_add(1);
        }
        self.sessions = self.sessions.saturating_add(1);
        self.connected_since = Some(at);
        self.disconnected_since = None;
    }

    /// The connection closed (by either side, or it dropped).
    pub fn closed(&mut self, at: Timestamp) {
        if self.connected_since.take().is_some() {
            self.disconnected_since = Some(at);
        }
    }

    pub fn is_connected(&self) -> bool {
        self.connected_since.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_session_is_not_a_reconnect_the_later_ones_are() {
        let t = |s: i64| Timestamp::from_second(s).unwrap();
        let mut state = GatewayState::started(t(0));
        assert!(!state.is_connected());
        state.session(t(1), false);
        assert_eq!((state.sessions, state.reconnects), (1, 0));
        state.closed(t(5));
        state.closed(t(6));
        assert_eq!(
            state.disconnected_since,
            Some(t(5)),
            "the first close counts"
        );
        state.session(t(7), true);
        state.session(t(9), false);
        assert_eq!((state.sessions, state.reconnects), (3, 2));
        assert_eq!(state.connected_since, Some(t(9)));
    }
}
