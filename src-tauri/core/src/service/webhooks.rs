//! Webhooks: owners' endpoints, the outbox written in the transaction of each token change,
//! the expiry sweep a server runs, and taking and recording deliveries so that several
//! servers sharing one database never send a message twice at once (a lease taken under the
//! write lock) and a server killed mid-send loses nothing (the lease runs out).

use super::*;
use crate::model::Scope;
use crate::permissions::OWNER_ROLE;
use crate::store::{authority as authority_store, webhooks as hook_store};
use crate::webhook::{self, LEASE, OLD_SECRET_SIGNS_FOR};

/// Expiry events raised per sweep at most (of each kind); the next sweep takes the rest.
const SWEEP_MAX: u32 = 500;
/// The delivery log's length.
pub const DELIVERIES_MAX: u32 = 200;
/// An attempt's error as recorded, at most.
const ERROR_MAX: usize = 300;
/// How long the delivery log keeps delivered and failed messages.
pub const LOG_KEPT: Millis = 30 * crate::clock::DAY;

/// A message taken for sending: the request to make, signed now.
#[derive(Debug)]
pub struct OutgoingWebhook {
    pub message_id: String,
    pub endpoint_id: String,
    pub url: String,
    pub body: String,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` (and the content type).
    pub headers: Vec<(&'static str, String)>,
    /// Attempts before this one.
    pub attempts: u32,
    /// This server's lease on the message: its attempt counts only while the lease is its.
    pub lease_until: Millis,
}

/// How an attempt went.
#[derive(Debug, Clone)]
pub enum AttemptOutcome {
    /// The endpoint answered with this status (2xx: delivered).
    Answered(u16),
    /// No answer: refused, timed out, TLS, …
    NoAnswer(String),
}

/// The expiry events a sweep owes: tokens expiring soon, tokens expired, and the thresholds.
type Owed = (Vec<TokenMeta>, Vec<TokenMeta>, AlertSettings);

fn endpoint_not_found(id: &str) -> Error {
    Error::NotFound(format!("No webhook endpoint with id {id} was found."))
}

fn events(list: &[WebhookEvent]) -> Result<Vec<WebhookEvent>> {
    let chosen: Vec<WebhookEvent> = WebhookEvent::ALL
        .into_iter()
        .filter(|e| list.contains(e))
        .collect();
    if chosen.is_empty() {
        return Err(Error::InvalidInput(
            "Choose at least one event the endpoint receives.".into(),
        ));
    }
    Ok(chosen)
}

fn new_salt() -> Result<[u8; 16]> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)
        .map_err(|e| Error::Internal(format!("no randomness for a webhook secret: {e}")))?;
    Ok(salt)
}

impl Tokendesk {
    /// Owners configure webhooks: they decide where the authority's events go.
    fn webhook_owner(&self, c: &dyn Conn, s: &Session, need: Need) -> Result<Ctx> {
        let ctx = self.ctx(c, s, need)?;
        if ctx.actor.role != OWNER_ROLE {
            return Err(Error::PermissionDenied(
                "Only owners manage webhooks.".into(),
            ));
        }
        Ok(ctx)
    }

    fn endpoint_secret(&self, e: &hook_store::EndpointRow) -> WebhookSecret {
        WebhookSecret {
            endpoint: e.endpoint.clone(),
            secret: webhook::secret_text(&webhook::derive_secret(&self.key, &e.salt)),
        }
    }

    pub fn list_webhooks(&self, s: &Session) -> Result<Vec<WebhookEndpoint>> {
        self.store.read(|c| {
            self.webhook_owner(c, s, Need::Read(Scope::AuditRead))?;
            Ok(hook_store::list(c)?
                .into_iter()
                .map(|e| e.endpoint)
                .collect())
        })
    }

    /// A new endpoint and its secret, shown this once. Audited.
    pub fn create_webhook(&self, s: &Session, new: NewWebhookEndpoint) -> Result<WebhookSecret> {
        let url = webhook::check_url(&new.url)?;
        let description = validate::free_text(
            new.description.as_deref().unwrap_or(""),
            "description",
            validate::DESCRIPTION_MAX,
        )?;
        let events = events(&new.events)?;
        let salt = new_salt()?;
        let id = uuid::Uuid::now_v7().to_string();
        let created = self.write(|tx| {
            let ctx = self.webhook_owner(tx, s, Need::Change)?;
            let e = WebhookEndpoint {
                id: id.clone(),
                url,
                description,
                events,
                enabled: true,
                created_at: self.now(),
                secret_rolled_at: None,
                pending: 0,
                failed: 0,
            };
            hook_store::insert(tx, &e, &salt, &ctx.actor.id)?;
            self.audit(
                tx,
                s,
                AuditAction::WebhookCreated,
                Some(&id),
                json!({ "url": e.url, "events": hook_store::events_text(&e.events) }),
            )?;
            hook_store::get(tx, &id)?.ok_or_else(|| endpoint_not_found(&id))
        })?;
        log::info!("webhook endpoint {id} created");
        Ok(self.endpoint_secret(&created))
    }

    /// Changes an endpoint's URL, description, events or whether it is enabled. Audited.
    pub fn update_webhook(
        &self,
        s: &Session,
        id: &str,
        u: WebhookEndpointUpdate,
    ) -> Result<WebhookEndpoint> {
        let url = u.url.as_deref().map(webhook::check_url).transpose()?;
        let description = u
            .description
            .as_deref()
            .map(|d| validate::free_text(d, "description", validate::DESCRIPTION_MAX))
            .transpose()?;
        let chosen = u.events.as_deref().map(events).transpose()?;
        self.write(|tx| {
            self.webhook_owner(tx, s, Need::Change)?;
            let mut e = hook_store::get(tx, id)?
                .ok_or_else(|| endpoint_not_found(id))?
                .endpoint;
            if let Some(url) = url {
                e.url = url;
            }
            if let Some(d) = description {
                e.description = d;
            }
            if let Some(ev) = chosen {
                e.events = ev;
            }
            if let Some(on) = u.enabled {
                e.enabled = on;
            }
            hook_store::update(tx, &e)?;
            self.audit(
                tx,
                s,
                AuditAction::WebhookUpdated,
                Some(id),
                json!({ "url": e.url, "events": hook_store::events_text(&e.events), "enabled": e.enabled }),
            )?;
            Ok(e)
        })
    }

    /// Removes an endpoint and the messages still owed to it. Audited.
    pub fn delete_webhook(&self, s: &Session, id: &str) -> Result<WebhookEndpoint> {
        self.write(|tx| {
            self.webhook_owner(tx, s, Need::Change)?;
            let e = hook_store::get(tx, id)?
                .ok_or_else(|| endpoint_not_found(id))?
                .endpoint;
            hook_store::delete(tx, id)?;
            self.audit(
                tx,
                s,
                AuditAction::WebhookDeleted,
                Some(id),
                json!({ "url": e.url, "undelivered": e.pending }),
            )?;
            Ok(e)
        })
    }

    /// A new secret, shown this once; the previous one also signs for a day, so receivers
    /// can take the new one without missing a message. Audited.
    pub fn roll_webhook_secret(&self, s: &Session, id: &str) -> Result<WebhookSecret> {
        let salt = new_salt()?;
        let now = self.now();
        let rolled = self.write(|tx| {
            self.webhook_owner(tx, s, Need::Change)?;
            hook_store::get(tx, id)?.ok_or_else(|| endpoint_not_found(id))?;
            hook_store::roll(tx, id, &salt, now, now + OLD_SECRET_SIGNS_FOR)?;
            self.audit(
                tx,
                s,
                AuditAction::WebhookSecretRolled,
                Some(id),
                json!({ "old_signs_until": format_utc(now + OLD_SECRET_SIGNS_FOR) }),
            )?;
            hook_store::get(tx, id)?.ok_or_else(|| endpoint_not_found(id))
        })?;
        log::info!("webhook endpoint {id}: secret rolled");
        Ok(self.endpoint_secret(&rolled))
    }

    /// The latest messages to an endpoint, newest first.
    pub fn webhook_deliveries(
        &self,
        s: &Session,
        id: &str,
        limit: u32,
    ) -> Result<Vec<WebhookDelivery>> {
        self.store.read(|c| {
            self.webhook_owner(c, s, Need::Read(Scope::AuditRead))?;
            hook_store::get(c, id)?.ok_or_else(|| endpoint_not_found(id))?;
            hook_store::deliveries(c, id, limit.clamp(1, DELIVERIES_MAX))
        })
    }

    /// Puts `event` about `t` in the outbox of every endpoint that takes it, in the
    /// transaction of the change. Legacy keys have no webhooks (they are not tokens' pages').
    pub(super) fn enqueue_webhook(
        &self,
        tx: &dyn Conn,
        event: WebhookEvent,
        t: &TokenMeta,
        days_left: Option<u32>,
    ) -> Result<()> {
        if t.kind == TokenKind::Legacy {
            return Ok(());
        }
        let endpoints = hook_store::subscribed(tx, event)?;
        if endpoints.is_empty() {
            return Ok(());
        }
        let now = self.now();
        let body = webhook::payload(event, t, now, days_left).to_string();
        let id = webhook::message_id();
        for endpoint_id in &endpoints {
            hook_store::enqueue(
                tx,
                hook_store::NewMessage {
                    id: &id,
                    endpoint_id,
                    event,
                    token_id: &t.id,
                    token_name: &t.name,
                    payload: &body,
                    at: now,
                },
            )?;
        }
        Ok(())
    }

    /// Raises the `token.expiring` (once per alert threshold) and `token.expired` events that
    /// are owed now, to the endpoints that take them; returns how many. Also forgets finished
    /// messages past `LOG_KEPT`. Run by `tokendesk serve` every 30 seconds; with several
    /// servers, whichever runs first raises each event, once.
    pub fn sweep_webhook_expiries(&self) -> Result<usize> {
        let now = self.now();
        let old = now - LOG_KEPT;
        if self
            .store
            .read(|c| hook_store::any_finished_before(c, old))?
        {
            self.write(|tx| hook_store::prune(tx, old))?;
        }
        let owed = |c: &dyn Conn| -> Result<Option<Owed>> {
            let Some(since) = hook_store::first_created(c)? else {
                return Ok(None);
            };
            let a = authority_store::alert_settings(c)?;
            let (mut soon, mut gone) = token_store::expiry_events_owed(
                c,
                (a.first_days, a.last_days),
                since,
                now,
                SWEEP_MAX,
            )?;
            // An event no endpoint takes is not raised (nor marked): one that subscribes later
            // hears of it.
            if hook_store::subscribed(c, WebhookEvent::TokenExpiring)?.is_empty() {
                soon.clear();
            }
            if hook_store::subscribed(c, WebhookEvent::TokenExpired)?.is_empty() {
                gone.clear();
            }
            Ok((!soon.is_empty() || !gone.is_empty()).then_some((soon, gone, a)))
        };
        if self.store.read(|c| owed(c))?.is_none() {
            return Ok(0);
        }
        self.write(|tx| {
            let Some((soon, gone, a)) = owed(tx)? else {
                return Ok(0);
            };
            let mut raised = 0;
            for t in &soon {
                let left = t.expires_at.unwrap_or(now) - now;
                let days = if left <= a.last_days as i64 * crate::clock::DAY {
                    a.last_days
                } else {
                    a.first_days
                };
                let ev = WebhookEvent::TokenExpiring;
                // Within the last threshold the first is past as well: never raised after it.
                hook_store::mark_token_event(tx, &t.id, ev, a.first_days, now)?;
                hook_store::mark_token_event(tx, &t.id, ev, days, now)?;
                let days_left = (left + crate::clock::DAY - 1) / crate::clock::DAY;
                self.enqueue_webhook(tx, ev, t, Some(days_left.max(0) as u32))?;
                raised += 1;
            }
            for t in &gone {
                hook_store::mark_token_event(tx, &t.id, WebhookEvent::TokenExpired, 0, now)?;
                self.enqueue_webhook(tx, WebhookEvent::TokenExpired, t, None)?;
                raised += 1;
            }
            Ok(raised)
        })
    }

    /// Takes up to `limit` messages that are due, each for this caller alone for the next
    /// minute (`webhook::LEASE`), signed now. Only reads when none is due.
    pub fn take_webhook_messages(&self, limit: u32) -> Result<Vec<OutgoingWebhook>> {
        let now = self.now();
        if !self.store.read(|c| hook_store::any_due(c, now))? {
            return Ok(vec![]);
        }
        let taken = self.write(|tx| {
            let due = hook_store::take_due(tx, now, now + LEASE, limit)?;
            let mut out = Vec::with_capacity(due.len());
            for d in due {
                let e = hook_store::get(tx, &d.endpoint_id)?
                    .ok_or_else(|| endpoint_not_found(&d.endpoint_id))?;
                out.push((d, e));
            }
            Ok(out)
        })?;
        let ts = now.div_euclid(1000);
        Ok(taken
            .into_iter()
            .map(|(d, e)| {
                let mut sigs = vec![webhook::sign(
                    &webhook::derive_secret(&self.key, &e.salt),
                    &d.message_id,
                    ts,
                    &d.payload,
                )];
                if let (Some(old), Some(until)) = (&e.old_salt, e.old_until) {
                    if now < until {
                        sigs.push(webhook::sign(
                            &webhook::derive_secret(&self.key, old),
                            &d.message_id,
                            ts,
                            &d.payload,
                        ));
                    }
                }
                OutgoingWebhook {
                    headers: vec![
                        ("content-type", "application/json".into()),
                        ("webhook-id", d.message_id.clone()),
                        ("webhook-timestamp", ts.to_string()),
                        ("webhook-signature", sigs.join(" ")),
                    ],
                    message_id: d.message_id,
                    endpoint_id: d.endpoint_id,
                    url: e.endpoint.url,
                    body: d.payload,
                    attempts: d.attempts,
                    lease_until: now + LEASE,
                }
            })
            .collect())
    }

    /// Records how an attempt went: delivered on a 2xx answer; otherwise another attempt on
    /// the retry schedule, or failed after the last.
    pub fn record_webhook_attempt(
        &self,
        m: &OutgoingWebhook,
        outcome: &AttemptOutcome,
    ) -> Result<DeliveryStatus> {
        let now = self.now();
        let (http_status, error) = match outcome {
            AttemptOutcome::Answered(code) if (200..300).contains(code) => (Some(*code), None),
            AttemptOutcome::Answered(code) => (Some(*code), Some(format!("HTTP {code}"))),
            AttemptOutcome::NoAnswer(e) => (None, Some(e.chars().take(ERROR_MAX).collect())),
        };
        let (status, next_at) = if error.is_none() {
            (DeliveryStatus::Delivered, None)
        } else {
            match webhook::next_attempt(m.attempts + 1, now) {
                Some(at) => (DeliveryStatus::Pending, Some(at)),
                None => (DeliveryStatus::Failed, None),
            }
        };
        let recorded = self.write(|tx| {
            hook_store::record_attempt(
                tx,
                hook_store::Attempt {
                    message_id: &m.message_id,
                    endpoint_id: &m.endpoint_id,
                    lease_until: m.lease_until,
                    at: now,
                    status,
                    http_status,
                    error: error.as_deref(),
                    next_at,
                },
            )
        })?;
        if !recorded {
            log::info!(
                "webhook {} to {}: its lease was taken over, the attempt is not counted",
                m.message_id,
                m.endpoint_id
            );
        }
        Ok(status)
    }
}
