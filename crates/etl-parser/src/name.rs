use std::borrow::Cow;
use std::fmt;

/// A name as the game wrote it: raw bytes with colour codes.
///
/// Names are kept as bytes so that nothing is lost; [`PlayerName::raw`] and
/// [`PlayerName::clean`] decode them as UTF-8 where the bytes are valid UTF-8,
/// and as Latin-1 otherwise (Latin-1 maps every byte to a character, so the
/// decoding never fails and never drops a player).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlayerName(Box<[u8]>);

impl PlayerName {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        Self(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The name with its colour codes, decoded.
    pub fn raw(&self) -> Cow<'_, str> {
        decode(&self.0)
    }

    /// The name as the game shows it: colour codes removed, decoded.
    pub fn clean(&self) -> String {
        decode(&strip_colour_codes(&self.0)).into_owned()
    }

    /// The bytes of the shown name, before decoding.
    pub fn clean_bytes(&self) -> Vec<u8> {
        strip_colour_codes(&self.0)
    }
}

impl fmt::Debug for PlayerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.raw(), f)
    }
}

impl fmt::Display for PlayerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.clean())
    }
}

/// Removes colour codes by the game's rule: `^` followed by any byte other than
/// `^` is a code and both bytes go; `^^` shows the first `^` and a `^` at the
/// very end stays.
pub fn strip_colour_codes(name: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len());
    let mut bytes = name.iter().copied().peekable();
    while let Some(byte) = bytes.next() {
        if byte == b'^' {
            match bytes.peek() {
                Some(b'^') | None => out.push(byte),
                Some(_) => {
                    bytes.next();
                }
            }
        } else {
            out.push(byte);
        }
    }
    out
}

/// UTF-8 when valid, otherwise Latin-1.
pub fn decode(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(raw: &[u8]) -> String {
        PlayerName::from_bytes(raw).clean()
    }

    #[test]
    fn colour_codes_follow_the_game_rule() {
        assert_eq!(clean(b"^1Sl^7omix"), "Slomix");
        // The spec's example says `//M.`, but its own rule (and every name in
        // the shared corpus) gives three slashes: `^D`, `^4`, `^?`, `^z` go.
        assert_eq!(clean(b"^D/^4/^?/^zM."), "///M.");
        assert_eq!(clean(b"a^^1b"), "a^b");
        assert_eq!(clean(b"trailing^"), "trailing^");
        assert_eq!(clean(b"^^"), "^^");
        assert_eq!(clean(b"^ space"), "space");
    }

    #[test]
    fn latin1_names_decode_without_loss() {
        let name = PlayerName::from_bytes(b"J\xe4ger");
        assert_eq!(name.raw(), "Jäger");
        assert_eq!(name.clean(), "Jäger");
        let utf8 = PlayerName::from_bytes("Jäger🎯".as_bytes());
        assert_eq!(utf8.raw(), "Jäger🎯");
    }
}
