//! Bulk revoke: the tokens a person selected, or every token a list filter matches, revoked
//! in one transaction with one audit event each; a dry run says what would be revoked and
//! changes nothing. The filters are the token lists' own, so what a list shows is what goes.

use super::*;

/// The most tokens one bulk revoke takes; more is a filter to narrow (or to run again).
pub const BULK_MAX: usize = 10_000;

impl Tokendesk {
    pub fn bulk_revoke(&self, s: &Session, req: &BulkRevokeRequest) -> Result<BulkRevokeResult> {
        let reason = req
            .reason
            .as_deref()
            .map(|r| validate::free_text(r, "reason", validate::REASON_MAX))
            .transpose()?
            .filter(|r| !r.is_empty());
        let now = self.now();
        let run = |tx: &dyn Conn| {
            let ctx = self.ctx(tx, s, Need::Change)?;
            let matched = match (&req.ids, &req.filter) {
                (Some(ids), None) => self.selected(tx, &ctx, ids)?,
                (None, Some(filter)) => self.matching(tx, s, filter)?,
                _ => {
                    return Err(Error::InvalidInput(
                        "Name the tokens (ids) or give a filter, not both.".into(),
                    ))
                }
            };
            let mut tokens: Vec<TokenMeta> = matched.into_iter().filter(revocable).collect();
            for t in &tokens {
                ctx.may_manage(t)?;
            }
            if !req.dry_run {
                for t in tokens.iter_mut() {
                    self.revoke_row(tx, s, t, now, reason.clone(), false)?;
                }
            }
            Ok(BulkRevokeResult {
                dry_run: req.dry_run,
                count: tokens.len() as u32,
                tokens,
            })
        };
        let result = if req.dry_run {
            self.store.read(run)?
        } else {
            self.write(run)?
        };
        if !req.dry_run {
            log::info!("{} tokens revoked in bulk", result.count);
        }
        Ok(result)
    }

    fn selected(&self, tx: &dyn Conn, ctx: &Ctx, ids: &[String]) -> Result<Vec<TokenMeta>> {
        if ids.is_empty() || ids.len() > BULK_MAX {
            return Err(Error::InvalidInput(format!(
                "Name 1 to {BULK_MAX} tokens to revoke."
            )));
        }
        let mut seen = std::collections::HashSet::new();
        ids.iter()
            .filter(|id| seen.insert(id.as_str()))
            .map(|id| self.load_visible(tx, ctx, id))
            .collect()
    }

    /// Every token the list `filter` would show the session, page by page.
    fn matching(&self, tx: &dyn Conn, s: &Session, filter: &TokenFilter) -> Result<Vec<TokenMeta>> {
        let mut q = filter.to_query(token_store::LIMIT_MAX);
        let mut all = vec![];
        loop {
            let page = self.list_tokens_in(tx, s, &q, false)?;
            all.extend(page.items.into_iter().filter(revocable));
            if all.len() > BULK_MAX {
                return Err(Error::InvalidInput(format!(
                    "More than {BULK_MAX} tokens match; narrow the filter, or revoke in parts."
                )));
            }
            match page.next_cursor {
                Some(c) => q.cursor = Some(c),
                None => return Ok(all),
            }
        }
    }
}

/// Expired and revoked tokens are left as they are.
fn revocable(t: &TokenMeta) -> bool {
    matches!(t.status, TokenStatus::Active | TokenStatus::Suspended)
}
