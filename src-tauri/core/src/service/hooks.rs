//! Test hooks (feature `test-hooks`): raw store access and bulk seeding for the integration
//! tests, benchmarks and load tests. No face calls these.

use super::*;

impl Tokendesk {
    /// Every audit event (or those about one target), oldest first; for tests and tools.
    pub fn audit_events(&self, target_id: Option<&str>) -> Result<Vec<AuditEvent>> {
        self.store
            .read(|c| audit_store::list_for_target(c, target_id))
    }

    /// How many tokens the verification cache holds, to show what a change drops.
    pub fn verified_cache_len(&self) -> usize {
        self.verified.len()
    }

    /// Direct access for integration tests and benchmarks that need raw SQL.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Mints and stores `n` tokens in one transaction, without audit events: only for seeding
    /// benchmarks and load tests, never called by a face.
    #[doc(hidden)]
    pub fn seed_tokens(
        &self,
        s: &Session,
        n: usize,
        mut each: impl FnMut(usize, &SecretString),
    ) -> Result<()> {
        let now = self.now();
        let prefix = self.authority()?.token_prefix;
        self.write(|tx| {
            for i in 0..n {
                let plain = token::mint(&prefix)?;
                let hash = token::hash_secret(&self.key, &plain);
                let meta = TokenMeta {
                    id: uuid::Uuid::now_v7().to_string(),
                    owner_id: s.subject_id.clone(),
                    created_by: s.actor_id.clone(),
                    kind: TokenKind::Personal,
                    name: format!("seed {i}"),
                    description: if i % 10 == 0 {
                        "deploy pipeline".into()
                    } else {
                        String::new()
                    },
                    created_at: now - (n - i) as i64 * 1000,
                    expires_at: Some(now + (i as i64 % 400 - 30) * crate::clock::DAY),
                    revoked_at: (i % 7 == 0).then_some(now),
                    revoked_by: (i % 7 == 0).then(|| s.actor_id.clone()),
                    revoke_reason: None,
                    last_used_at: None,
                    use_count: 0,
                    display_hint: token::display_hint(plain.expose_secret()),
                    status: TokenStatus::Active,
                    owner_name: String::new(),
                    created_by_name: String::new(),
                    scopes: None,
                    tenant_ids: None,
                    rotated_from: None,
                    rotated_to: None,
                };
                token_store::insert(
                    tx,
                    token_store::NewToken {
                        meta: &meta,
                        hash: &hash,
                        credential_epoch: None,
                    },
                )?;
                each(i, &plain);
            }
            Ok(())
        })
    }
}
