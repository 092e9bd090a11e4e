//! Identifiers and free text that cannot hold bad values: each type's only
//! constructor parses, so a blank reason or an id with spaces cannot exist.

use std::{fmt, num::NonZeroU64, str::FromStr};

use serde::{Deserialize, Serialize};

/// Text that is not an id: the input and the rule it broke.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadInput {
    /// An id that is empty, too long, or has characters other than ASCII
    /// letters, digits, `-` and `_`.
    #[error("`{value}` is not a valid {what}: use 1 to 64 letters, digits, hyphens or underscores")]
    Id {
        /// What kind of id it was meant to be.
        what: &'static str,
        /// The text given.
        value: String,
    },
    /// Free text that is blank once trimmed.
    #[error("this cannot be left blank: write a sentence or two")]
    Blank,
    /// Free text longer than [`Text::MAX_CHARS`].
    #[error("this is {chars} characters long; keep it under {max}", max = Text::MAX_CHARS)]
    TooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// Zero is not an event's position in its stream.
    #[error("event numbers start at 1")]
    ZeroSequence,
}

/// Declares an opaque id newtype issued outside this crate (by the storage
/// layer or the directory of people and agencies) and parsed on the way in.
macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Parses an id: 1 to 64 ASCII letters, digits, `-` or `_`.
            pub fn parse(s: &str) -> Result<$name, BadInput> {
                let ok = (1..=64).contains(&s.len())
                    && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if ok {
                    Ok($name(s.to_owned()))
                } else {
                    Err(BadInput::Id { what: $what, value: s.to_owned() })
                }
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = BadInput;
            fn from_str(s: &str) -> Result<Self, BadInput> {
                $name::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = BadInput;
            fn try_from(s: String) -> Result<Self, BadInput> {
                $name::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        #[cfg(feature = "openapi")]
        accord_calendar::schema_as!(
            $name,
            accord_calendar::openapi::string(
                concat!("A ", $what, ": 1 to 64 letters, digits, hyphens or underscores."),
                Some("^[A-Za-z0-9_-]{1,64}$"),
                Some(1),
                Some(64)
            )
        );
    };
}

opaque_id!(
    /// A disagreement's id, issued by the storage layer before raising.
    CaseId,
    "case id"
);
opaque_id!(
    /// A person's id in the partnership's directory.
    PersonId,
    "person id"
);
opaque_id!(
    /// A member agency's id in the partnership's directory.
    AgencyId,
    "agency id"
);
opaque_id!(
    /// A subject's id within one case (a child or an adult at risk), so that
    /// a correction can name whom it is about without repeating their name.
    SubjectId,
    "subject id"
);

/// Free text someone wrote on the record: a reason, a summary, an outcome.
/// Trimmed, never blank, and bounded so one field cannot swamp a case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Text(String);

impl Text {
    /// The longest text accepted, in characters: several pages, far more
    /// than any form box the documents print.
    pub const MAX_CHARS: usize = 20_000;

    /// Trims `s` and accepts it if it is not blank and not too long.
    pub fn parse(s: &str) -> Result<Text, BadInput> {
        let s = s.trim();
        let chars = s.chars().count();
        if chars == 0 {
            Err(BadInput::Blank)
        } else if chars > Text::MAX_CHARS {
            Err(BadInput::TooLong { chars })
        } else {
            Ok(Text(s.to_owned()))
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Text {
    type Err = BadInput;
    fn from_str(s: &str) -> Result<Self, BadInput> {
        Text::parse(s)
    }
}

impl TryFrom<String> for Text {
    type Error = BadInput;
    fn try_from(s: String) -> Result<Self, BadInput> {
        Text::parse(&s)
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(feature = "openapi")]
accord_calendar::schema_as!(
    Text,
    accord_calendar::openapi::string(
        "Free text on the record: not blank, at most 20,000 characters once trimmed.",
        Some("\\S"),
        Some(1),
        Some(Text::MAX_CHARS)
    )
);

#[cfg(feature = "openapi")]
accord_calendar::schema_as!(
    Sequence,
    accord_calendar::openapi::integer(
        "An event's number in its case's stream, from 1 (the raise).",
        1,
        i64::MAX as u64
    )
);

/// An event's position in its case's stream: 1 for the raise, then 2, 3…
/// It is the stream version the storage layer checks on append, and the
/// way commands name an earlier record (the discussion to approve, the
/// action completed, the event corrected).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Sequence(NonZeroU64);

impl Sequence {
    /// The raise: every stream's first event.
    pub const FIRST: Sequence = Sequence(NonZeroU64::MIN);

    /// Parses a position read back from storage or a form; `Err` for zero.
    pub fn new(n: u64) -> Result<Sequence, BadInput> {
        NonZeroU64::new(n)
            .map(Sequence)
            .ok_or(BadInput::ZeroSequence)
    }

    /// The number.
    pub fn get(self) -> u64 {
        self.0.get()
    }

    /// The position after this one.
    pub fn next(self) -> Sequence {
        Sequence(self.0.saturating_add(1))
    }
}

impl TryFrom<u64> for Sequence {
    type Error = BadInput;
    fn try_from(n: u64) -> Result<Self, BadInput> {
        Sequence::new(n)
    }
}

impl From<Sequence> for u64 {
    fn from(s: Sequence) -> u64 {
        s.get()
    }
}

impl fmt::Display for Sequence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.get())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_spaces_and_empty() {
        assert!(CaseId::parse("HAV-2025-0042").is_ok());
        assert!(CaseId::parse("").is_err());
        assert!(AgencyId::parse("police force").is_err());
        assert!(PersonId::parse(&"x".repeat(65)).is_err());
    }

    #[test]
    fn text_is_trimmed_and_never_blank() {
        assert_eq!(Text::parse("  agreed \n").unwrap().as_str(), "agreed");
        assert_eq!(Text::parse(" \t\n"), Err(BadInput::Blank));
        assert!(matches!(
            Text::parse(&"a".repeat(Text::MAX_CHARS + 1)),
            Err(BadInput::TooLong { .. })
        ));
    }

    #[test]
    fn deserialising_parses() {
        assert!(serde_json::from_str::<Text>("\"   \"").is_err());
        assert!(serde_json::from_str::<Sequence>("0").is_err());
        assert!(serde_json::from_str::<AgencyId>("\"a b\"").is_err());
        assert_eq!(
            serde_json::from_str::<Sequence>("7").unwrap(),
            Sequence::new(7).unwrap()
        );
    }
}
