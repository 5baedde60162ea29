//! The Web API endpoint `/api/{method}`: reads parameters the way Slack does (query
//! string for GET, JSON or form body for POST), checks the bearer token, applies
//! injected faults and rate limits, dispatches to [`super::methods`] and records the call.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::faults::{take_fault, Fault};
use super::feed::WorkspaceEventKind;
use super::methods;
use super::records::{ApiCall, TokenKind};
use super::state::Shared;

/// How a method call ends when it does not succeed.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ApiFailure {
    /// `ok: false` with this code and optional `response_metadata.messages`.
    Error(String, Vec<String>),
    /// HTTP 429.
    RateLimited(u64),
    /// A bare HTTP status.
    Status(u16),
}

impl ApiFailure {
    /// `ok: false` with a code.
    pub(crate) fn code(code: &str) -> Self {
        Self::Error(code.to_string(), Vec::new())
    }
}

/// The result of one method.
pub(crate) type MethodResult = Result<Value, ApiFailure>;

/// Serves `GET|POST /api/{method}`.
pub(crate) async fn handle_api_call(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let params = read_params(query.as_deref(), &headers, &body);
    let token = bearer_token(&headers).or_else(|| {
        params
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_string)
    });
    let token_kind = TokenKind::of(token.as_deref());

    let outcome = match check_token(&shared, &method, token.as_deref(), token_kind) {
        Err(failure) => Err(failure),
        Ok(()) => answer(&shared, &method, &params).await,
    };

    let (status, error) = match &outcome {
        Ok(_) => (200, None),
        Err(ApiFailure::Error(code, _)) => (200, Some(code.clone())),
        Err(ApiFailure::RateLimited(_)) => (429, Some("ratelimited".to_string())),
        Err(ApiFailure::Status(status)) => (*status, None),
    };
    tracing::debug!(%method, status, error = error.as_deref(), "web api call");
    shared.lock().calls.push(ApiCall {
        method: method.clone(),
        params: redact_token(params),
        at: chrono::Utc::now(),
        token_kind,
        status,
        error,
    });
    shared.touch();

    if let Err(ApiFailure::RateLimited(secs)) = &outcome {
        shared.emit(WorkspaceEventKind::RateLimited {
            method,
            retry_after_secs: *secs,
        });
    }
    into_response(outcome)
}

async fn answer(shared: &Arc<Shared>, method: &str, params: &Value) -> MethodResult {
    let fault = take_fault(&mut shared.lock().faults, method, params);
    match fault {
        Some(Fault::RateLimited { retry_after_secs }) => {
            return Err(ApiFailure::RateLimited(retry_after_secs))
        }
        Some(Fault::Error(code)) => return Err(ApiFailure::Error(code, Vec::new())),
        Some(Fault::Status(status)) => return Err(ApiFailure::Status(status)),
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::SlowAnswer(delay)) => {
            let outcome = methods::dispatch(shared, method, params);
            tokio::time::sleep(delay).await;
            return outcome;
        }
        None => {}
    }
    methods::dispatch(shared, method, params)
}

fn check_token(
    shared: &Shared,
    method: &str,
    token: Option<&str>,
    kind: TokenKind,
) -> Result<(), ApiFailure> {
    let Some(token) = token else {
        return Err(ApiFailure::code("not_authed"));
    };
    let setup = &shared.setup;
    // Without expected tokens any token is accepted; with them, only those.
    let expected = match kind {
        TokenKind::App => setup.app_token.as_deref(),
        _ => setup.bot_token.as_deref(),
    };
    let is_known = expected.is_none_or(|t| t == token);
    if !is_known {
        return Err(ApiFailure::code("invalid_auth"));
    }
    let needs_app_token = method.starts_with("apps.connections.");
    if needs_app_token != (kind == TokenKind::App) && method != "auth.test" {
        return Err(ApiFailure::code("not_allowed_token_type"));
    }
    Ok(())
}

fn bearer_token(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_string())
}

/// Query parameters merged with the body: JSON as is, form fields as strings, with
/// JSON-valued form fields (`view`, `blocks`, `attachments`) decoded.
fn read_params(query: Option<&str>, headers: &HeaderMap, body: &[u8]) -> Value {
    let mut params = Map::new();
    if let Some(query) = query {
        params.extend(form_fields(query.as_bytes()));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if content_type.starts_with("application/json") {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
            params.extend(map);
        }
    } else if !body.is_empty() {
        params.extend(form_fields(body));
    }
    Value::Object(params)
}

fn form_fields(raw: &[u8]) -> Map<String, Value> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(raw).unwrap_or_default();
    pairs
        .into_iter()
        .map(|(key, value)| {
            let is_json_field = matches!(key.as_str(), "view" | "blocks" | "attachments");
            let decoded = is_json_field
                .then(|| serde_json::from_str::<Value>(&value).ok())
                .flatten()
                .unwrap_or(Value::String(value));
            (key, decoded)
        })
        .collect()
}

fn redact_token(mut params: Value) -> Value {
    if let Some(map) = params.as_object_mut() {
        if map.contains_key("token") {
            map.insert("token".into(), json!("[redacted]"));
        }
    }
    params
}

fn into_response(outcome: MethodResult) -> Response {
    match outcome {
        Ok(mut body) => {
            if let Some(map) = body.as_object_mut() {
                let mut ordered = Map::new();
                ordered.insert("ok".into(), json!(true));
                ordered.extend(std::mem::take(map));
                body = Value::Object(ordered);
            }
            json_response(StatusCode::OK, &body)
        }
        Err(ApiFailure::Error(code, messages)) => {
            let mut body = json!({"ok": false, "error": code});
            if !messages.is_empty() {
                body["response_metadata"] = json!({ "messages": messages });
            }
            json_response(StatusCode::OK, &body)
        }
        Err(ApiFailure::RateLimited(secs)) => {
            let mut response = json_response(
                StatusCode::TOO_MANY_REQUESTS,
                &json!({"ok": false, "error": "ratelimited"}),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            response
        }
        Err(ApiFailure::Status(status)) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let reason = status.canonical_reason().unwrap_or("error");
            (status, reason.to_string()).into_response()
        }
    }
}

/// A JSON response with Slack's content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_come_from_query_json_and_form() {
        let mut json_headers = HeaderMap::new();
        json_headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let mut form_headers = HeaderMap::new();
        form_headers.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let cases = [
            (Some("user=U1"), HeaderMap::new(), "", json!({"user": "U1"})),
            (
                None,
                json_headers,
                r#"{"channel":"C1","n":1}"#,
                json!({"channel": "C1", "n": 1}),
            ),
            (
                Some("a=b"),
                form_headers,
                "channel=C1&blocks=%5B%5D&text=%5B",
                json!({"a": "b", "channel": "C1", "blocks": [], "text": "["}),
            ),
        ];
        for (query, headers, body, expected) in cases {
            assert_eq!(read_params(query, &headers, body.as_bytes()), expected);
        }
    }
}
