//! The change feed: what a committed change affects, so that every process sharing an authority
//! drops exactly the cached answers a change makes wrong, and nothing else.
//!
//! Writers append a [`Change`] in the same transaction as the change itself (`store::changes`).
//! A [`Follower`] reads the changes after the last sequence number it applied; its freshness
//! rule is strict: a change committed (by any process) before a request arrived is applied
//! before that request is answered. One check of the feed serves every request that arrived
//! before the check started, so the cost per request falls as the load grows.

use crate::model::{TokenKind, Verified};
use crate::{Error, Result};
use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, RwLock, RwLockReadGuard};

/// One committed change, as stored in the `changes` table. Usage counts are statistics, not
/// changes: they never appear here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A new token: nothing cached can be wrong because of it.
    TokenCreated { token_id: String },
    /// Revoked, renamed, its limits changed.
    Token { token_id: String },
    /// Disabled, enabled, removed, role, password or credential epoch, tenant membership,
    /// active tenant, name or email.
    User { user_id: String },
    /// A role's permissions.
    Role { role_id: String },
    /// A tenant created or renamed.
    Tenant { tenant_id: String },
    /// Authority-wide settings: everything may be affected.
    Authority,
}

impl Change {
    pub fn token_created(id: &str) -> Change {
        Change::TokenCreated {
            token_id: id.into(),
        }
    }
    pub fn token(id: &str) -> Change {
        Change::Token {
            token_id: id.into(),
        }
    }
    pub fn user(id: &str) -> Change {
        Change::User { user_id: id.into() }
    }
    pub fn role(id: &str) -> Change {
        Change::Role { role_id: id.into() }
    }
    pub fn tenant(id: &str) -> Change {
        Change::Tenant {
            tenant_id: id.into(),
        }
    }

    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Change::TokenCreated { .. } => "token.created",
            Change::Token { .. } => "token",
            Change::User { .. } => "user",
            Change::Role { .. } => "role",
            Change::Tenant { .. } => "tenant",
            Change::Authority => "authority",
        }
    }

    /// Back from the stored columns (kind, token, user, tenant, role). An unknown kind is an
    /// error, not a guess: a newer writer's change must not be silently ignored.
    pub fn from_parts(
        kind: &str,
        token: Option<String>,
        user: Option<String>,
        tenant: Option<String>,
        role: Option<String>,
    ) -> Result<Change> {
        let missing = || Error::DatabaseCorrupt(format!("a change of kind {kind} names nothing"));
        Ok(match kind {
            "token.created" => Change::TokenCreated {
                token_id: token.ok_or_else(missing)?,
            },
            "token" => Change::Token {
                token_id: token.ok_or_else(missing)?,
            },
            "user" => Change::User {
                user_id: user.ok_or_else(missing)?,
            },
            "role" => Change::Role {
                role_id: role.ok_or_else(missing)?,
            },
            "tenant" => Change::Tenant {
                tenant_id: tenant.ok_or_else(missing)?,
            },
            "authority" => Change::Authority,
            other => {
                return Err(Error::DatabaseCorrupt(format!(
                    "unknown change kind {other:?} in the change feed"
                )))
            }
        })
    }

    /// The stored id columns: (token, user, tenant, role).
    pub fn ids(&self) -> [Option<&str>; 4] {
        match self {
            Change::TokenCreated { token_id } | Change::Token { token_id } => {
                [Some(token_id), None, None, None]
            }
            Change::User { user_id } => [None, Some(user_id), None, None],
            Change::Tenant { tenant_id } => [None, None, Some(tenant_id), None],
            Change::Role { role_id } => [None, None, None, Some(role_id)],
            Change::Authority => [None; 4],
        }
    }
}

/// What a batch of changes affects, gathered so the cache is walked once per batch.
#[derive(Debug, Default)]
pub struct Affected {
    everything: bool,
    tokens: HashSet<String>,
    users: HashSet<String>,
    roles: HashSet<String>,
    tenants: HashSet<String>,
}

impl Affected {
    pub fn of<'a>(changes: impl IntoIterator<Item = &'a Change>) -> Affected {
        let mut a = Affected::default();
        for c in changes {
            match c {
                Change::TokenCreated { .. } => {}
                Change::Token { token_id } => {
                    a.tokens.insert(token_id.clone());
                }
                Change::User { user_id } => {
                    a.users.insert(user_id.clone());
                }
                Change::Role { role_id } => {
                    a.roles.insert(role_id.clone());
                }
                Change::Tenant { tenant_id } => {
                    a.tenants.insert(tenant_id.clone());
                }
                Change::Authority => a.everything = true,
            }
        }
        a
    }

    /// Everything must go (an authority-wide change, or changes were missed).
    pub fn everything() -> Affected {
        Affected {
            everything: true,
            ..Default::default()
        }
    }

    pub fn is_nothing(&self) -> bool {
        !self.everything
            && self.tokens.is_empty()
            && self.users.is_empty()
            && self.roles.is_empty()
            && self.tenants.is_empty()
    }

    pub fn is_everything(&self) -> bool {
        self.everything
    }

    /// Is this cached verification possibly wrong now?
    pub fn hits(&self, v: &Verified) -> bool {
        let t = &v.token;
        self.everything
            || self.tokens.contains(&t.id)
            || self.users.contains(&t.owner_id)
            // An impersonation token ends when its creator may no longer impersonate.
            || self.users.contains(&t.created_by)
            || self.roles.contains(&v.user.role)
            || (t.kind == TokenKind::Impersonation && !self.roles.is_empty())
            || v.tenants.iter().any(|x| self.tenants.contains(&x.id))
            || t.tenant_ids.iter().flatten().any(|x| self.tenants.contains(x))
    }
}

/// Where a process stands in the feed, and the freshness rule. The cache it guards calls
/// [`Follower::fresh`] before answering and [`Follower::admit`] before storing an answer.
pub struct Follower {
    /// The sequence number of the last change applied.
    position: AtomicU64,
    /// Held shared while an answer is stored, exclusively while changes are applied: an answer
    /// read before a change can never be stored after that change was applied.
    gate: RwLock<()>,
    checks: Mutex<Checks>,
    done: Condvar,
}

#[derive(Default)]
struct Checks {
    started: u64,
    finished: u64,
    running: bool,
    /// The number of the last check that failed, and why.
    failed: Option<(u64, String)>,
}

impl Follower {
    pub fn new(position: u64) -> Follower {
        Follower {
            position: AtomicU64::new(position),
            gate: RwLock::new(()),
            checks: Mutex::new(Checks::default()),
            done: Condvar::new(),
        }
    }

    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Acquire)
    }

    /// Returns once a check of the feed that *started after this call* has been applied, and
    /// the position it reached. Callers that arrive while a check runs share the next one.
    /// `check(position)` reads the changes after `position` and returns the last sequence
    /// number with what they affect (`None` when there are none); `apply` drops what they
    /// affect from the cache, under the gate, before the position moves.
    pub fn fresh(
        &self,
        check: impl Fn(u64) -> Result<Option<(u64, Affected)>>,
        apply: impl Fn(&Affected),
    ) -> Result<u64> {
        let lock = || self.checks.lock().unwrap_or_else(|p| p.into_inner());
        let mut st = lock();
        let need = st.started + 1;
        loop {
            if st.finished >= need {
                return match &st.failed {
                    Some((n, why)) if *n >= need => Err(Error::Database(why.clone())),
                    _ => Ok(self.position()),
                };
            }
            if st.running {
                st = self.done.wait(st).unwrap_or_else(|p| p.into_inner());
                continue;
            }
            st.running = true;
            st.started += 1;
            let mine = st.started;
            drop(st);
            let outcome = check(self.position()).map(|found| {
                if let Some((to, affected)) = found {
                    let _applying = self.gate.write().unwrap_or_else(|p| p.into_inner());
                    apply(&affected);
                    self.position.store(to, Ordering::Release);
                }
            });
            st = lock();
            st.running = false;
            st.finished = mine;
            if let Err(e) = &outcome {
                st.failed = Some((mine, e.to_string()));
            }
            self.done.notify_all();
            if mine >= need {
                return outcome.map(|()| self.position());
            }
        }
    }

    /// Permission to store an answer read at `position`: granted (and held until the guard
    /// drops) only while no change after it has been applied.
    pub fn admit(&self, position: u64) -> Option<RwLockReadGuard<'_, ()>> {
        let guard = self.gate.read().unwrap_or_else(|p| p.into_inner());
        (self.position() == position).then_some(guard)
    }
}
