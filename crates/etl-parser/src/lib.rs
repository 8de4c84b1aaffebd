#![doc = include_str!("../README.md")]

mod error;
mod file_name;
mod header;
#[cfg(feature = "serde")]
mod json;
mod name;
mod player;
mod round;
mod scalar;
mod weapon;

pub use error::ParseError;
pub use file_name::{FileKind, FileName};
pub use header::Header;
pub use name::{PlayerName, decode, strip_colour_codes};
pub use player::{FIELD_NAMES, KNOWN_FIELD_COUNTS, Player, Stats};
pub use round::{Round, RoundNumber, Side, Team};
pub use weapon::{Weapon, WeaponStats, WeaponTable};
