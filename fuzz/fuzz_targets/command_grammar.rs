//! The `/escalate` grammar on arbitrary text: parsing never panics, and what it reports
//! as an error has a position inside the text.

#![no_main]

use escalator::command::{display_text, parse};
use escalator::engine::SeverityId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let severities = ["sev1", "sev2", "SEV3"].map(SeverityId::from);
    let _ = display_text(text);
    if let Err(error) = parse(text, &severities) {
        assert!(error.position <= text.chars().count(), "{error:?} outside {text:?}");
    }
});
