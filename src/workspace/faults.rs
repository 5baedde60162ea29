//! Fault injection: make chosen Web API calls (and response URL or webhook posts) fail
//! the way Slack fails, so the bot's retry and rate-limit handling can be exercised.
//!
//! A fault is keyed by method name (`chat.postMessage`), by `response_url` for posts to
//! response URLs, or by `hooks/NAME` for the webhook sink.

use std::time::Duration;

use serde_json::Value;

/// How a call fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 429 with `retry-after` and `{"ok":false,"error":"ratelimited"}`.
    RateLimited {
        /// Seconds in the `retry-after` header.
        retry_after_secs: u64,
    },
    /// HTTP 200 with `{"ok":false,"error":CODE}`.
    Error(String),
    /// That HTTP status with a short text body.
    Status(u16),
    /// Answer normally, after a delay.
    Delay(Duration),
    /// Do the call at once, and answer only after a delay: Slack accepted the call, but
    /// its answer is late (or never arrives, when the caller gives up or dies first).
    SlowAnswer(Duration),
}

/// Which calls of a method a fault applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultScope {
    /// Every call.
    Any,
    /// Calls whose `channel` parameter is this id.
    Channel(String),
    /// Calls whose `user` or `users` parameter names this user.
    User(String),
}

/// A fault with its method, scope and how many calls it still applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRule {
    /// Method name, `response_url` or `hooks/NAME`.
    pub method: String,
    /// The failure.
    pub fault: Fault,
    /// Which calls.
    pub scope: FaultScope,
    /// Calls left; `None` applies to every matching call until cleared.
    pub remaining: Option<u32>,
}

impl FaultRule {
    /// A fault for the next call of `method`.
    pub fn new(method: &str, fault: Fault) -> Self {
        Self {
            method: method.to_string(),
            fault,
            scope: FaultScope::Any,
            remaining: Some(1),
        }
    }

    /// Applies to the next `count` matching calls.
    pub fn times(mut self, count: u32) -> Self {
        self.remaining = Some(count);
        self
    }

    /// Applies to every matching call until [`super::SlackWorkspace::clear_faults`].
    pub fn always(mut self) -> Self {
        self.remaining = None;
        self
    }

    /// Applies only to calls for this channel.
    pub fn for_channel(mut self, channel: &str) -> Self {
        self.scope = FaultScope::Channel(channel.to_string());
        self
    }

    /// Applies only to calls for this user.
    pub fn for_user(mut self, user: &str) -> Self {
        self.scope = FaultScope::User(user.to_string());
        self
    }

    fn matches(&self, method: &str, params: &Value) -> bool {
        if self.method != method || self.remaining == Some(0) {
            return false;
        }
        match &self.scope {
            FaultScope::Any => true,
            FaultScope::Channel(channel) => {
                params.get("channel").and_then(Value::as_str) == Some(channel.as_str())
            }
            FaultScope::User(user) => names_user(params, user),
        }
    }
}

fn names_user(params: &Value, user: &str) -> bool {
    let in_field = |field: &str| match params.get(field) {
        Some(Value::String(s)) => s.split(',').any(|u| u.trim() == user),
        Some(Value::Array(items)) => items.iter().any(|u| u.as_str() == Some(user)),
        _ => false,
    };
    in_field("user") || in_field("users")
}

/// Takes the first fault matching a call, counting it down.
pub(crate) fn take_fault(
    rules: &mut Vec<FaultRule>,
    method: &str,
    params: &Value,
) -> Option<Fault> {
    let index = rules.iter().position(|rule| rule.matches(method, params))?;
    let rule = &mut rules[index];
    let fault = rule.fault.clone();
    if let Some(remaining) = rule.remaining.as_mut() {
        *remaining -= 1;
        if *remaining == 0 {
            rules.remove(index);
        }
    }
    Some(fault)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn faults_match_by_method_scope_and_count() {
        let mut rules = vec![
            FaultRule::new("chat.postMessage", Fault::Status(500)).for_channel("C2"),
            FaultRule::new("chat.postMessage", Fault::Error("x".into())).times(2),
            FaultRule::new("conversations.open", Fault::Error("y".into()))
                .for_user("U9")
                .always(),
        ];
        let c1 = json!({"channel": "C1"});
        let c2 = json!({"channel": "C2"});
        assert_eq!(
            take_fault(&mut rules, "chat.postMessage", &c2),
            Some(Fault::Status(500))
        );
        assert_eq!(
            take_fault(&mut rules, "chat.postMessage", &c2),
            Some(Fault::Error("x".into()))
        );
        assert_eq!(
            take_fault(&mut rules, "chat.postMessage", &c1),
            Some(Fault::Error("x".into()))
        );
        assert_eq!(take_fault(&mut rules, "chat.postMessage", &c1), None);
        let users = json!({"users": ["U1", "U9"]});
        for _ in 0..3 {
            assert!(take_fault(&mut rules, "conversations.open", &users).is_some());
        }
        assert_eq!(
            take_fault(&mut rules, "conversations.open", &json!({"users": "U1"})),
            None
        );
    }
}
