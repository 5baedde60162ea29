//! What a button on a card does, and its stable text form.
//!
//! Platforms hand a pressed button's value back to the adapter as a string, possibly long
//! after the card was posted, so the encoding is part of our interface: `ack:42`,
//! `resolve:42`, `fix:42`, `fixedit:42`. Never change an existing prefix; add new ones.

use std::fmt;
use std::str::FromStr;

use crate::engine::IncidentId;

/// What pressing a button asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ActionKind {
    /// Take the incident over.
    Acknowledge,
    /// Mark the incident as fixed.
    Resolve,
    /// Open the fix-note form.
    PostFix,
    /// Open the fix-note form filled with the note, to edit it.
    EditFix,
}

impl ActionKind {
    /// Every kind, for tests and exhaustive tables.
    pub const ALL: [ActionKind; 4] = [
        ActionKind::Acknowledge,
        ActionKind::Resolve,
        ActionKind::PostFix,
        ActionKind::EditFix,
    ];

    /// The prefix in the encoded form.
    fn prefix(self) -> &'static str {
        match self {
            ActionKind::Acknowledge => "ack",
            ActionKind::Resolve => "resolve",
            ActionKind::PostFix => "fix",
            ActionKind::EditFix => "fixedit",
        }
    }
}

/// A button's action on one incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Action {
    /// What to do.
    pub kind: ActionKind,
    /// To which incident.
    pub incident: IncidentId,
}

impl Action {
    /// The stable text form, e.g. `ack:42`.
    pub fn encode(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.kind.prefix(), self.incident.0)
    }
}

/// The text was not an encoded action such as `ack:42`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a button action")]
pub struct NotAnAction(pub String);

impl FromStr for Action {
    type Err = NotAnAction;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let fail = || NotAnAction(text.to_owned());
        let (prefix, number) = text.split_once(':').ok_or_else(fail)?;
        let kind = ActionKind::ALL
            .into_iter()
            .find(|kind| kind.prefix() == prefix)
            .ok_or_else(fail)?;
        // Only plain digits: the form is ours, so anything else is not one of our buttons.
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(fail());
        }
        let number: u64 = number.parse().map_err(|_| fail())?;
        if number == 0 {
            return Err(fail());
        }
        Ok(Action {
            kind,
            incident: IncidentId(number),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_encode_to_stable_text() {
        for (kind, expected) in [
            (ActionKind::Acknowledge, "ack:42"),
            (ActionKind::Resolve, "resolve:42"),
            (ActionKind::PostFix, "fix:42"),
            (ActionKind::EditFix, "fixedit:42"),
        ] {
            let action = Action {
                kind,
                incident: IncidentId(42),
            };
            assert_eq!(action.encode(), expected);
            assert_eq!(expected.parse::<Action>(), Ok(action));
        }
    }

    #[test]
    fn every_action_survives_a_round_trip() {
        for kind in ActionKind::ALL {
            for number in [1, 7, 10, 999_999, u64::MAX] {
                let action = Action {
                    kind,
                    incident: IncidentId(number),
                };
                assert_eq!(action.encode().parse::<Action>(), Ok(action));
            }
        }
    }

    #[test]
    fn foreign_values_are_refused() {
        for text in [
            "",
            "ack",
            "ack:",
            "ack:0",
            "ack:-1",
            "ack:+4",
            "ack:4x",
            "ack: 4",
            "ACK:4",
            "close:4",
            "ack:INC-4",
            "ack:4:5",
            "ack:99999999999999999999",
        ] {
            assert_eq!(
                text.parse::<Action>(),
                Err(NotAnAction(text.to_owned())),
                "{text}"
            );
        }
    }
}
