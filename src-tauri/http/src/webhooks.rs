//! Webhooks on the wire: the owners' endpoints API, and the delivery loop a server runs —
//! raise the expiry events that are owed, take the messages that are due (core leases each to
//! this server), POST them with their Standard Webhooks headers, record each answer. Which
//! events exist, what they carry, how they are signed and when they are retried is core's.

use super::api::{blocking, json_body, Answer};
use super::errors::ErrorBody;
use super::{AppState, Caller};
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::model::*;
use tokendesk_core::service::{AttemptOutcome, OutgoingWebhook};
use tokendesk_core::Tokendesk;

#[utoipa::path(get, path = "/api/webhooks", operation_id = "list_webhooks", tag = "webhooks", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every endpoint, oldest first", body = Vec<WebhookEndpoint>),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not an owner, or a token without audit:read", body = ErrorBody),
    ))]
pub async fn list(
    State(st): State<AppState>,
    Caller(s): Caller,
) -> Answer<Json<Vec<WebhookEndpoint>>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.list_webhooks(&s)).await?))
}

/// A new endpoint. The answer carries its signing secret (`whsec_…`), this once. Audited.
#[utoipa::path(post, path = "/api/webhooks", operation_id = "create_webhook", tag = "webhooks", security(("bearer" = [])),
    request_body = NewWebhookEndpoint,
    responses(
        (status = 201, description = "Created; the secret is shown this once", body = WebhookSecret),
        (status = 400, description = "Not an https:// URL (plain http only to this computer), no events, or a bad description", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not an owner, or a read-only token", body = ErrorBody),
    ))]
pub async fn create(
    State(st): State<AppState>,
    Caller(s): Caller,
    body: Result<Json<NewWebhookEndpoint>, JsonRejection>,
) -> Answer<(StatusCode, Json<WebhookSecret>)> {
    let new = json_body(body)?;
    let td = st.td.clone();
    Ok((
        StatusCode::CREATED,
        Json(blocking(move || td.create_webhook(&s, new)).await?),
    ))
}

/// Changes the URL, description, events or `enabled`; absent fields stay. Audited.
#[utoipa::path(patch, path = "/api/webhooks/{id}", operation_id = "update_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The endpoint's id")),
    request_body = WebhookEndpointUpdate,
    responses(
        (status = 200, description = "Saved", body = WebhookEndpoint),
        (status = 400, description = "Invalid URL, events or description", body = ErrorBody),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not an owner, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such endpoint", body = ErrorBody),
    ))]
pub async fn update(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
    body: Result<Json<WebhookEndpointUpdate>, JsonRejection>,
) -> Answer<Json<WebhookEndpoint>> {
    let u = json_body(body)?;
    let td = st.td.clone();
    Ok(Json(blocking(move || td.update_webhook(&s, &id, u)).await?))
}

/// Removes the endpoint and the messages still owed to it. Audited.
#[utoipa::path(delete, path = "/api/webhooks/{id}", operation_id = "delete_webhook", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "Deleted", body = WebhookEndpoint),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not an owner, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such endpoint", body = ErrorBody),
    ))]
pub async fn delete(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Answer<Json<WebhookEndpoint>> {
    let td = st.td.clone();
    Ok(Json(blocking(move || td.delete_webhook(&s, &id)).await?))
}

/// A new signing secret, this once; the previous one also signs for 24 hours. Audited.
#[utoipa::path(post, path = "/api/webhooks/{id}/roll-secret", operation_id = "roll_webhook_secret", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The new secret, shown this once", body = WebhookSecret),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not an owner, or a read-only token", body = ErrorBody),
        (status = 404, description = "No such endpoint", body = ErrorBody),
    ))]
pub async fn roll_secret(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Answer<Json<WebhookSecret>> {
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.roll_webhook_secret(&s, &id)).await?,
    ))
}

/// The latest 200 messages to the endpoint, newest first: status, attempts, the last answer.
#[utoipa::path(get, path = "/api/webhooks/{id}/deliveries", operation_id = "webhook_deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "The endpoint's id")),
    responses(
        (status = 200, description = "The delivery log", body = Vec<WebhookDelivery>),
        (status = 401, description = "Not an active token", body = ErrorBody),
        (status = 403, description = "Not an owner, or a token without audit:read", body = ErrorBody),
        (status = 404, description = "No such endpoint", body = ErrorBody),
    ))]
pub async fn deliveries(
    State(st): State<AppState>,
    Caller(s): Caller,
    Path(id): Path<String>,
) -> Answer<Json<Vec<WebhookDelivery>>> {
    let td = st.td.clone();
    Ok(Json(
        blocking(move || td.webhook_deliveries(&s, &id, tokendesk_core::service::DELIVERIES_MAX))
            .await?,
    ))
}

/// How often the loop looks for due messages, and raises owed expiry events.
const POLL: Duration = Duration::from_secs(1);
const SWEEP_EVERY: u32 = 30;
/// Messages sent at once at most (per server).
const BATCH: u32 = 16;
/// An endpoint that has not answered by then counts as not answering.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Delivers webhooks until `stop` is set: run by `tokendesk serve` (every server of a team
/// may run it; core's leases keep them from sending a message twice at once).
pub async fn deliver(td: Arc<Tokendesk>, mut stop: tokio::sync::watch::Receiver<bool>) {
    super::install_crypto();
    let client = match reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Tokendesk-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            log::error!("webhooks are not delivered: no HTTP client ({e})");
            return;
        }
    };
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // Sends run side by side, each on its own: a slow endpoint holds up only its own messages
    // (they stay leased), never the next poll.
    let mut in_flight = tokio::task::JoinSet::new();
    let mut n: u32 = 0;
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            _ = tick.tick() => {}
        }
        if *stop.borrow() {
            break;
        }
        while in_flight.try_join_next().is_some() {}
        let room = BATCH.saturating_sub(in_flight.len() as u32);
        let sweep = n.is_multiple_of(SWEEP_EVERY);
        n = n.wrapping_add(1);
        let t = td.clone();
        let taken = tokio::task::spawn_blocking(move || {
            if sweep {
                if let Err(e) = t.sweep_webhook_expiries() {
                    log::warn!("webhooks: the expiry sweep failed: {e}");
                }
            }
            if room == 0 {
                return Ok(vec![]);
            }
            t.take_webhook_messages(room)
        })
        .await;
        let messages = match taken {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => {
                log::warn!("webhooks: could not take due messages: {e}");
                continue;
            }
            Err(e) => {
                log::warn!("webhooks: {e}");
                continue;
            }
        };
        for m in messages {
            let (client, td) = (client.clone(), td.clone());
            in_flight.spawn(async move {
                let outcome = send(&client, &m).await;
                let status = tokio::task::spawn_blocking(move || {
                    td.record_webhook_attempt(&m, &outcome).map(|s| (m, s))
                })
                .await;
                match status {
                    Ok(Ok((m, s))) => log::info!(
                        "webhook {} to endpoint {}: {s:?} after attempt {}",
                        m.message_id,
                        m.endpoint_id,
                        m.attempts + 1
                    ),
                    Ok(Err(e)) => log::warn!("webhooks: could not record an attempt: {e}"),
                    Err(e) => log::warn!("webhooks: {e}"),
                }
            });
        }
    }
    // Sends under way end (within SEND_TIMEOUT) and are recorded; the rest wait for a server.
    while in_flight.join_next().await.is_some() {}
}

async fn send(client: &reqwest::Client, m: &OutgoingWebhook) -> AttemptOutcome {
    let mut req = client.post(&m.url).body(m.body.clone());
    for (name, value) in &m.headers {
        req = req.header(*name, value);
    }
    match req.send().await {
        Ok(res) => AttemptOutcome::Answered(res.status().as_u16()),
        // Without the URL: it is in the endpoint's row already, and may carry a query secret.
        Err(e) => AttemptOutcome::NoAnswer(describe(e)),
    }
}

fn describe(e: reqwest::Error) -> String {
    let e = e.without_url();
    let kind = if e.is_timeout() {
        "no answer within 10 s"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "the request failed"
    };
    let mut why = String::new();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        why = s.to_string();
        source = s.source();
    }
    if why.is_empty() {
        kind.to_string()
    } else {
        format!("{kind}: {why}")
    }
}
