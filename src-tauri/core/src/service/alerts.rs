//! Expiry alerts: which tokens a person should hear are about to expire, each once per
//! threshold (the alert settings' first and last days), whichever app of theirs asks first.
//! The desktop turns them into OS notifications and a tray count; a person sees their own
//! tokens, an admin who lists everyone's sees every token.

use super::*;
use crate::store::authority as authority_store;

/// Alerts returned one by one; the rest of a claim is one summary.
const SHOWN: usize = 10;
/// Tokens claimed at most per call; a later call takes the others.
const CLAIM_MAX: u32 = 500;

impl Tokendesk {
    /// Claims the alerts due to the session's person now: each is returned to this caller
    /// only, and never again at the same threshold (a token first seen within the last
    /// threshold is not announced at the first one afterwards). Writes only when some are due.
    pub fn claim_expiry_alerts(&self, s: &Session) -> Result<ExpiryAlerts> {
        let now = self.now();
        // The due tokens, the tray's count, the thresholds, and who asks.
        let due = |c: &dyn Conn| -> Result<(Vec<TokenMeta>, ListCount, AlertSettings, String)> {
            // It records what the person has heard: a read-only token must not use that up.
            let ctx = self.ctx(c, s, Need::Change)?;
            let scope = if ctx.can(Action::ListAll) {
                ListScope::All
            } else {
                ListScope::Own
            };
            let settings = authority_store::alert_settings(c)?;
            let v = Self::visibility(&ctx, scope, None)?;
            let due = token_store::expiring_unannounced(
                c,
                v,
                &ctx.actor.id,
                (settings.first_days, settings.last_days),
                now,
                CLAIM_MAX,
            )?;
            let soon = ListQuery {
                scope,
                status: Some(TokenStatus::Active),
                expiring_within_days: Some(settings.first_days),
                limit: 1,
                ..Default::default()
            };
            let count = token_store::list(c, v, &soon, now, true)?
                .matching
                .unwrap_or(ListCount { n: 0, more: false });
            Ok((due, count, settings, ctx.actor.id.clone()))
        };
        let read = self.store.read(|c| due(c))?;
        let (tokens, expiring_soon, settings, _) = if read.0.is_empty() {
            read
        } else {
            // Again under the write lock, so two apps of one person never both announce.
            self.write(|tx| {
                let found = due(tx)?;
                let user = &found.3;
                for t in &found.0 {
                    let days = threshold(t, &found.2, now);
                    // At the last threshold the first is past too: never announced after it.
                    for d in [days, found.2.first_days] {
                        tx.execute(
                            "INSERT INTO expiry_notices (user_id, token_id, days, at) VALUES (?1, ?2, ?3, ?4) \
                             ON CONFLICT DO NOTHING",
                            crate::params![user, t.id, d as i64, now],
                        )?;
                    }
                }
                Ok(found)
            })?
        };
        let more = tokens.len().saturating_sub(SHOWN) as u32;
        let alerts = tokens
            .into_iter()
            .take(SHOWN)
            .map(|token| ExpiryAlert {
                days: threshold(&token, &settings, now),
                token,
            })
            .collect();
        Ok(ExpiryAlerts {
            alerts,
            more,
            expiring_soon,
            settings,
            now,
        })
    }
}

/// The threshold a token is within now: the last one once that close, else the first.
fn threshold(t: &TokenMeta, a: &AlertSettings, now: Millis) -> u32 {
    match t.expires_at {
        Some(at) if at - now <= a.last_days as i64 * crate::clock::DAY => a.last_days,
        _ => a.first_days,
    }
}
