//! Newtype ids for the things the engine refers to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

string_id!(
    /// A configured person, e.g. `alice`.
    PersonId
);
string_id!(
    /// A configured team, e.g. `payments`.
    TeamId
);
string_id!(
    /// A configured severity, e.g. `sev1`.
    SeverityId
);
string_id!(
    /// A position such as `team-lead`.
    PositionId
);

/// An incident's number; shown as `INC-42`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(pub u64);

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "INC-{}", self.0)
    }
}

/// The text was not an incident id such as `INC-42` or `42`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not an incident id; incident ids look like INC-42")]
pub struct NotAnIncidentId(pub String);

impl FromStr for IncidentId {
    type Err = NotAnIncidentId;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim().trim_start_matches('#');
        let digits = trimmed
            .strip_prefix("INC-")
            .or_else(|| trimmed.strip_prefix("inc-"))
            .unwrap_or(trimmed);
        // `u64::from_str` accepts a leading `+`; chat text is full of `+1`, which must
        // not read as INC-1.
        digits
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0 && !digits.starts_with('+'))
            .map(IncidentId)
            .ok_or_else(|| NotAnIncidentId(text.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incident_ids_parse_in_their_usual_spellings() {
        for (text, expected) in [
            ("INC-42", Some(42)),
            ("inc-7", Some(7)),
            ("#12", Some(12)),
            ("3", Some(3)),
            ("INC-0", None),
            ("INC-", None),
            ("sev1", None),
            ("+1", None),
            ("INC-+5", None),
        ] {
            assert_eq!(
                text.parse::<IncidentId>().ok().map(|id| id.0),
                expected,
                "{text}"
            );
        }
    }
}
