use std::fmt;

/// Everything that can go wrong reading a stats file.
///
/// Content errors always carry the 1-based line number, the name of the field
/// and the text that was found, so an operator can open the file at the spot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    /// The file name does not follow `YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt`,
    /// or names a side file that is not a round.
    #[error("{name}: not a round file name: {reason}")]
    FileName { name: String, reason: &'static str },

    /// A field could not be read.
    #[error("{}line {line}, field `{field}`: {problem} (found {found:?})", FilePrefix(.file))]
    Field {
        file: Option<String>,
        line: usize,
        field: String,
        problem: &'static str,
        found: String,
    },

    /// The last line has no newline: the file was cut short while written or copied.
    #[error("{}line {line}: the file ends in the middle of this line (no newline)", FilePrefix(.file))]
    Truncated { file: Option<String>, line: usize },

    /// Two rounds given to the round-2 differential do not belong together.
    #[error("{round2}: cannot take round 1 {round1} away from it: {reason}")]
    NotAPair {
        round1: String,
        round2: String,
        reason: &'static str,
    },
}

impl ParseError {
    /// The 1-based line the error is on, when it is about the content.
    pub fn line(&self) -> Option<usize> {
        match self {
            Self::Field { line, .. } | Self::Truncated { line, .. } => Some(*line),
            Self::FileName { .. } | Self::NotAPair { .. } => None,
        }
    }

    /// The name of the field the error is about, when there is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Field { field, .. } => Some(field),
            _ => None,
        }
    }

    pub(crate) fn with_file(mut self, name: &str) -> Self {
        match &mut self {
            Self::Field { file, .. } | Self::Truncated { file, .. } => {
                *file = Some(name.to_owned());
            }
            Self::FileName { .. } | Self::NotAPair { .. } => {}
        }
        self
    }
}

struct FilePrefix<'a>(&'a Option<String>);

impl fmt::Display for FilePrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(file) => write!(f, "{file}: "),
            None => Ok(()),
        }
    }
}

/// Where in the file a value came from; turns a field-level failure into a [`ParseError`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct At {
    pub line: usize,
}

impl At {
    pub fn error(
        self,
        field: impl Into<String>,
        problem: &'static str,
        found: &[u8],
    ) -> ParseError {
        ParseError::Field {
            file: None,
            line: self.line,
            field: field.into(),
            problem,
            found: shown(found),
        }
    }
}

/// A bounded, printable rendering of raw bytes for error messages.
fn shown(found: &[u8]) -> String {
    const MAX: usize = 60;
    let text = String::from_utf8_lossy(found);
    let mut out: String = text.chars().take(MAX).collect();
    if text.chars().count() > MAX {
        out.push('…');
    }
    out
}
