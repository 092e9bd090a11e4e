//! How a practitioner identifies a child (issue 14 §2): the NHS number, with
//! its modulus 11 check digit, and the local identifier of the children's
//! social care system (an LCS or Mosaic id). Each type's only constructor
//! parses, so a mistyped NHS number cannot reach the record.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// What is wrong with an NHS number or local identifier as typed, in words
/// that say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierProblem {
    /// Characters other than digits, spaces and hyphens.
    #[error("An NHS number can only include numbers 0 to 9, spaces and hyphens, like 943 476 5919")]
    NhsNumberCharacters,
    /// Not ten digits.
    #[error("An NHS number has 10 digits; you typed {digits}. Check it, like 943 476 5919")]
    NhsNumberLength {
        /// How many digits were typed.
        digits: usize,
    },
    /// Ten digits whose last is not the check digit of the other nine.
    #[error(
        "That is not a valid NHS number: its last digit does not match the others, so one may be mistyped. Check it against the child's records"
    )]
    NhsNumberCheckDigit,
    /// A local identifier that is blank.
    #[error("Enter the local identifier, or leave it out")]
    LocalIdBlank,
    /// A local identifier that is too long.
    #[error("A local identifier must be {max} characters or fewer", max = LocalId::MAX_CHARS)]
    LocalIdTooLong,
    /// A local identifier with a character other than those allowed.
    #[error(
        "A local identifier can only include letters, numbers, spaces, hyphens, slashes and full stops"
    )]
    LocalIdCharacters,
}

/// An NHS number: ten digits whose last is the modulus 11 check digit of
/// the other nine (NHS Data Dictionary, "NHS number"). Typed with spaces or
/// hyphens (`943 476 5919`, `943-476-5919`), kept as digits, shown in the
/// groups of 3, 3 and 4 that people read it in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NhsNumber(String);

impl NhsNumber {
    /// Parses an NHS number as someone typed it.
    pub fn parse(typed: &str) -> Result<NhsNumber, IdentifierProblem> {
        let typed = typed.trim();
        if !typed
            .chars()
            .all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
        {
            return Err(IdentifierProblem::NhsNumberCharacters);
        }
        let digits: Vec<u32> = typed.chars().filter_map(|c| c.to_digit(10)).collect();
        if digits.len() != 10 {
            return Err(IdentifierProblem::NhsNumberLength {
                digits: digits.len(),
            });
        }
        if check_digit(&digits[..9]) != Some(digits[9]) {
            return Err(IdentifierProblem::NhsNumberCheckDigit);
        }
        Ok(NhsNumber(digits.iter().map(|d| d.to_string()).collect()))
    }

    /// The ten digits, as stored and searched.
    pub fn digits(&self) -> &str {
        &self.0
    }
}

/// The modulus 11 check digit of an NHS number's first nine digits: each
/// weighted 10 down to 2, the sum's remainder by 11 taken from 11, where 11
/// means 0 and 10 means no valid number has these nine digits.
fn check_digit(nine: &[u32]) -> Option<u32> {
    let sum: u32 = nine.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        digit => Some(digit),
    }
}

impl fmt::Display for NhsNumber {
    /// As people read it: `943 476 5919`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.0;
        write!(f, "{} {} {}", &d[..3], &d[3..6], &d[6..])
    }
}

impl FromStr for NhsNumber {
    type Err = IdentifierProblem;
    fn from_str(s: &str) -> Result<Self, IdentifierProblem> {
        NhsNumber::parse(s)
    }
}

impl TryFrom<String> for NhsNumber {
    type Error = IdentifierProblem;
    fn try_from(s: String) -> Result<Self, IdentifierProblem> {
        NhsNumber::parse(&s)
    }
}

impl From<NhsNumber> for String {
    fn from(n: NhsNumber) -> String {
        n.0
    }
}

/// The child's identifier in the local children's social care system, such
/// as an LCS or Mosaic id: letters, digits, spaces, hyphens, slashes and
/// full stops, trimmed, with runs of spaces made one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct LocalId(String);

impl LocalId {
    /// The longest a local identifier may be, in characters.
    pub const MAX_CHARS: usize = 40;

    /// Parses a local identifier as someone typed it.
    pub fn parse(typed: &str) -> Result<LocalId, IdentifierProblem> {
        let id = typed.split_whitespace().collect::<Vec<_>>().join(" ");
        if id.is_empty() {
            return Err(IdentifierProblem::LocalIdBlank);
        }
        if id.chars().count() > LocalId::MAX_CHARS {
            return Err(IdentifierProblem::LocalIdTooLong);
        }
        if !id
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '/' | '.'))
        {
            return Err(IdentifierProblem::LocalIdCharacters);
        }
        Ok(LocalId(id))
    }

    /// The identifier as kept.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier as search compares it: lower case, so `ab-123` finds
    /// `AB-123`.
    pub fn folded(&self) -> String {
        self.0.to_lowercase()
    }
}

impl fmt::Display for LocalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for LocalId {
    type Err = IdentifierProblem;
    fn from_str(s: &str) -> Result<Self, IdentifierProblem> {
        LocalId::parse(s)
    }
}

impl TryFrom<String> for LocalId {
    type Error = IdentifierProblem;
    fn try_from(s: String) -> Result<Self, IdentifierProblem> {
        LocalId::parse(&s)
    }
}

impl From<LocalId> for String {
    fn from(id: LocalId) -> String {
        id.0
    }
}

#[cfg(feature = "openapi")]
accord_calendar::schema_as!(
    NhsNumber,
    accord_calendar::openapi::string(
        "An NHS number: 10 digits whose last is the modulus 11 check digit, such as `943 476 5919`; spaces and hyphens are allowed as typed, and it is kept and answered as digits.",
        Some("^[0-9][0-9 -]{8,18}[0-9]$"),
        Some(10),
        Some(20)
    )
);
#[cfg(feature = "openapi")]
accord_calendar::schema_as!(
    LocalId,
    accord_calendar::openapi::string(
        "The child's identifier in the local children's social care system, such as an LCS or Mosaic id: letters (of any alphabet), numbers, spaces, hyphens, slashes and full stops, beginning with one that is not a space. No pattern is given, because JSON Schema's regular expressions have no portable way to say \"a letter of any alphabet\"; the server names the field when it refuses one.",
        None,
        Some(1),
        Some(LocalId::MAX_CHARS)
    )
);

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_valid_nhs_number_is_kept_as_digits_and_shown_in_groups() {
        for typed in [
            "943 476 5919",
            "9434765919",
            "943-476-5919",
            " 943 4765 919 ",
        ] {
            let n = NhsNumber::parse(typed).unwrap();
            assert_eq!(n.digits(), "9434765919");
            assert_eq!(n.to_string(), "943 476 5919");
        }
        // A check digit of 0 (remainder 0, so 11, which is 0).
        assert_eq!(
            NhsNumber::parse("774 544 3520").unwrap().digits(),
            "7745443520"
        );
    }

    #[test]
    fn a_mistyped_nhs_number_says_what_to_fix() {
        assert_eq!(
            NhsNumber::parse("943 476 5918"),
            Err(IdentifierProblem::NhsNumberCheckDigit)
        );
        assert_eq!(
            NhsNumber::parse("943 476 591"),
            Err(IdentifierProblem::NhsNumberLength { digits: 9 })
        );
        assert_eq!(
            NhsNumber::parse("943.476.5919"),
            Err(IdentifierProblem::NhsNumberCharacters)
        );
        let words = IdentifierProblem::NhsNumberCheckDigit.to_string();
        assert!(words.contains("last digit does not match"), "{words}");
        // Nine digits whose check digit would be 10 make no NHS number.
        let nine = [1, 2, 3, 4, 5, 6, 7, 8, 9];
        let sum: u32 = nine.iter().zip((2..=10).rev()).map(|(d, w)| d * w).sum();
        assert_eq!(11 - sum % 11, 10);
        for last in 0..=9 {
            assert_eq!(
                NhsNumber::parse(&format!("123456789{last}")),
                Err(IdentifierProblem::NhsNumberCheckDigit)
            );
        }
    }

    #[test]
    fn a_local_identifier_is_tidied_and_refused_when_it_cannot_be_one() {
        assert_eq!(
            LocalId::parse("  LCS  12/345 ").unwrap().as_str(),
            "LCS 12/345"
        );
        assert_eq!(LocalId::parse("Ab-1").unwrap().folded(), "ab-1");
        assert_eq!(LocalId::parse("  "), Err(IdentifierProblem::LocalIdBlank));
        assert_eq!(
            LocalId::parse("a<b"),
            Err(IdentifierProblem::LocalIdCharacters)
        );
        assert_eq!(
            LocalId::parse(&"1".repeat(LocalId::MAX_CHARS + 1)),
            Err(IdentifierProblem::LocalIdTooLong)
        );
    }

    #[test]
    fn deserialising_parses_and_serialising_gives_digits() {
        let n: NhsNumber = serde_json::from_str("\"943 476 5919\"").unwrap();
        assert_eq!(serde_json::to_string(&n).unwrap(), "\"9434765919\"");
        assert!(serde_json::from_str::<NhsNumber>("\"943 476 5918\"").is_err());
        assert!(serde_json::from_str::<LocalId>("\"\"").is_err());
    }

    proptest! {
        /// Every nine digits with a check digit make exactly one valid NHS
        /// number, which reads back the same however it is spaced.
        #[test]
        fn exactly_one_last_digit_makes_nine_digits_valid(nine in proptest::collection::vec(0u32..10, 9)) {
            let head: String = nine.iter().map(|d| d.to_string()).collect();
            let valid: Vec<u32> = (0..10)
                .filter(|last| NhsNumber::parse(&format!("{head}{last}")).is_ok())
                .collect();
            prop_assert!(valid.len() <= 1);
            prop_assert_eq!(valid.first().copied(), check_digit(&nine));
            if let Some(last) = valid.first() {
                let spaced = format!("{} {} {}{last}", &head[..3], &head[3..6], &head[6..]);
                let n = NhsNumber::parse(&spaced).unwrap();
                prop_assert_eq!(n.digits(), format!("{head}{last}"));
                prop_assert_eq!(NhsNumber::parse(&n.to_string()).unwrap(), n);
            }
        }

        /// Changing any one digit of a valid NHS number makes it invalid:
        /// the check digit catches every single mistyped digit.
        #[test]
        fn one_mistyped_digit_is_always_caught(nine in proptest::collection::vec(0u32..10, 9), at in 0usize..10, by in 1u32..10) {
            let Some(last) = check_digit(&nine) else { return Ok(()); };
            let mut digits = nine.clone();
            digits.push(last);
            digits[at] = (digits[at] + by) % 10;
            let typed: String = digits.iter().map(|d| d.to_string()).collect();
            prop_assert!(NhsNumber::parse(&typed).is_err());
        }

        /// A local identifier of allowed characters survives a round trip.
        #[test]
        fn local_ids_round_trip(id in "[A-Za-z0-9/.-]{1,20}( [A-Za-z0-9]{1,10})?") {
            let parsed = LocalId::parse(&id).unwrap();
            prop_assert_eq!(parsed.as_str(), id.as_str());
            prop_assert_eq!(LocalId::parse(parsed.as_str()).unwrap(), parsed);
        }
    }
}
