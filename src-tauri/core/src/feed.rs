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
use std::sync::{RwLock, RwLockReadGuard};

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

/// When a request arrived, in check tickets (`Follower::arrival`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival(u64);

/// Where a process stands in the feed, and the freshness rule. The cache it guards calls
/// [`Follower::fresh`] before answering and [`Follower::admit`] before storing an answer.
///
/// Checks are numbered by tickets. A request needs a check whose ticket was taken after it
/// arrived: if one is already running it waits for that one (a check takes microseconds),
/// otherwise it runs its own. So concurrent requests share checks and none blocks on a lock;
/// checks may overlap, and each applies what it read (dropping entries is idempotent, the
/// position only moves forward).
pub struct Follower {
    /// The sequence number of the last change applied.
    position: AtomicU64,
    /// Held shared while an answer is stored, exclusively while changes are applied: an answer
    /// read before a change can never be stored after that change was applied.
    gate: RwLock<()>,
    /// Tickets taken: checks started.
    started: AtomicU64,
    /// The highest ticket of a check that finished, successfully or not.
    finished: AtomicU64,
    /// The highest ticket of a check whose changes were applied.
    applied: AtomicU64,
}

impl Follower {
    pub fn new(position: u64) -> Follower {
        Follower {
            position: AtomicU64::new(position),
            gate: RwLock::new(()),
            started: AtomicU64::new(0),
            finished: AtomicU64::new(0),
            applied: AtomicU64::new(0),
        }
    }

    pub fn position(&self) -> u64 {
        self.position.load(Ordering::Acquire)
    }

    /// The moment a request arrived, as far as the feed is concerned: checks with a later
    /// ticket started after it. Taken as early as a face can (see `Tokendesk::arrival`).
    pub fn arrival(&self) -> Arrival {
        Arrival(self.started.load(Ordering::SeqCst))
    }

    /// Returns once a check of the feed that *started after this call* has been applied, and
    /// the position it reached. `check(position)` reads the changes after `position` and
    /// returns the last sequence number with what they affect (`None` when there are none);
    /// `apply` drops what they affect from the cache, under the gate, before the position moves.
    /// (Faces pass the arrival they took themselves, through `fresh_since`.)
    #[cfg(test)]
    pub fn fresh(
        &self,
        check: impl Fn(u64) -> Result<Option<(u64, Affected)>>,
        apply: impl Fn(&Affected),
    ) -> Result<u64> {
        self.fresh_since(self.arrival(), check, apply)
    }

    /// `fresh` for a request that arrived at `arrived`: a check started since then serves it.
    pub fn fresh_since(
        &self,
        Arrival(arrived): Arrival,
        check: impl Fn(u64) -> Result<Option<(u64, Affected)>>,
        apply: impl Fn(&Affected),
    ) -> Result<u64> {
        loop {
            if self.applied.load(Ordering::SeqCst) > arrived {
                return Ok(self.position());
            }
            // A newer check is running (taken after arrival, not finished): wait for it.
            if self.started.load(Ordering::SeqCst) > arrived
                && self.finished.load(Ordering::SeqCst) <= arrived
            {
                std::thread::yield_now();
                continue;
            }
            break;
        }
        let ticket = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let outcome = check(self.position()).map(|found| {
            if let Some((to, affected)) = found {
                let _applying = self.gate.write().unwrap_or_else(|p| p.into_inner());
                apply(&affected);
                self.position.fetch_max(to, Ordering::AcqRel);
            }
        });
        if outcome.is_ok() {
            self.applied.fetch_max(ticket, Ordering::SeqCst);
        }
        self.finished.fetch_max(ticket, Ordering::SeqCst);
        outcome.map(|()| self.position())
    }

    /// Permission to store an answer read at `position`: granted (and held until the guard
    /// drops) only while no change after it has been applied.
    pub fn admit(&self, position: u64) -> Option<RwLockReadGuard<'_, ()>> {
        let guard = self.gate.read().unwrap_or_else(|p| p.into_inner());
        (self.position() == position).then_some(guard)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::{Tenant, TokenMeta, TokenStatus, User, UserKind, UserStatus};
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Barrier};
    use std::time::Duration;

    pub(crate) fn verified(
        token: &str,
        kind: TokenKind,
        owner: &str,
        creator: &str,
        role: &str,
        tenants: &[&str],
    ) -> Verified {
        let tenant = |id: &&str| Tenant {
            id: id.to_string(),
            name: id.to_string(),
            created_at: 0,
        };
        Verified {
            token: TokenMeta {
                id: token.into(),
                owner_id: owner.into(),
                created_by: creator.into(),
                kind,
                name: token.into(),
                description: String::new(),
                created_at: 0,
                expires_at: None,
                revoked_at: None,
                revoked_by: None,
                revoke_reason: None,
                last_used_at: None,
                use_count: 0,
                display_hint: String::new(),
                status: TokenStatus::Active,
                owner_name: String::new(),
                created_by_name: String::new(),
                scopes: None,
                tenant_ids: None,
                rotated_from: None,
                rotated_to: None,
            },
            user: User {
                id: owner.into(),
                display_name: owner.into(),
                email: None,
                kind: UserKind::Human,
                role: role.into(),
                status: UserStatus::Active,
                created_at: 0,
                has_password: false,
                tenant_ids: tenants.iter().map(|t| t.to_string()).collect(),
                active_tenant_id: None,
            },
            tenants: tenants.iter().map(tenant).collect(),
            tenant: None,
            me_json: Default::default(),
        }
    }

    /// Which change kinds drop which cached answers: each change hits exactly the answers it
    /// can make wrong.
    #[test]
    fn each_change_kind_hits_exactly_what_it_affects() {
        let mine = verified("t1", TokenKind::Personal, "ada", "ada", "member", &["acme"]);
        let other = verified("t2", TokenKind::Personal, "bob", "bob", "admin", &[]);
        let imp = verified("t3", TokenKind::Impersonation, "bob", "root", "admin", &[]);
        let all = [&mine, &other, &imp];
        let hits = |c: Change| -> Vec<&str> {
            let a = Affected::of([&c]);
            all.iter()
                .filter(|v| a.hits(v))
                .map(|v| v.token.id.as_str())
                .collect()
        };
        assert_eq!(hits(Change::token_created("t9")), Vec::<&str>::new());
        assert!(Affected::of([&Change::token_created("t9")]).is_nothing());
        assert_eq!(hits(Change::token("t1")), ["t1"]);
        assert_eq!(hits(Change::user("ada")), ["t1"]);
        assert_eq!(hits(Change::user("bob")), ["t2", "t3"]);
        assert_eq!(
            hits(Change::user("root")),
            ["t3"],
            "the creator of an impersonation token"
        );
        assert_eq!(
            hits(Change::role("member")),
            ["t1", "t3"],
            "a role, and every impersonation token (its creator's role)"
        );
        assert_eq!(hits(Change::tenant("acme")), ["t1"]);
        assert_eq!(hits(Change::tenant("other")), Vec::<&str>::new());
        assert_eq!(hits(Change::Authority), ["t1", "t2", "t3"]);
        let batch = Affected::of(&[Change::token("t2"), Change::user("ada")]);
        assert!(all.iter().filter(|v| batch.hits(v)).count() == 2);
    }

    #[test]
    fn changes_round_trip_through_their_stored_form_and_unknown_kinds_are_errors() {
        for c in [
            Change::token_created("a"),
            Change::token("a"),
            Change::user("u"),
            Change::role("r"),
            Change::tenant("t"),
            Change::Authority,
        ] {
            let [t, u, n, r] = c.ids().map(|x| x.map(str::to_string));
            assert_eq!(Change::from_parts(c.kind(), t, u, n, r).unwrap(), c);
        }
        let e =
            Change::from_parts("token.flipped", Some("a".into()), None, None, None).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::DatabaseCorrupt);
        assert!(Change::from_parts("user", None, None, None, None).is_err());
    }

    /// A request that arrives while a check is running does not take that check's answer: the
    /// check may have read the feed before the request's change was committed.
    #[test]
    fn a_check_that_started_before_a_request_does_not_serve_it() {
        let f = Follower::new(0);
        let committed = AtomicU64::new(0);
        let (in_check, go_on) = (Barrier::new(2), Barrier::new(2));
        let first = AtomicUsize::new(0);
        let check = |_from: u64| {
            let seen = committed.load(Ordering::SeqCst);
            if first.fetch_add(1, Ordering::SeqCst) == 0 {
                in_check.wait(); // the first check has read the feed ...
                go_on.wait(); // ... and is slow to finish
            }
            Ok((seen > 0).then(|| (seen, Affected::default())))
        };
        std::thread::scope(|s| {
            s.spawn(|| f.fresh(check, |_| {}).unwrap());
            in_check.wait();
            committed.store(1, Ordering::SeqCst); // a revoke commits and returns
            let late = s.spawn(|| f.fresh(check, |_| {}).unwrap());
            std::thread::sleep(Duration::from_millis(20));
            go_on.wait();
            assert_eq!(late.join().unwrap(), 1, "the later request saw the commit");
        });
    }

    /// Many requests racing many commits: every request sees at least every change that was
    /// committed before it arrived, whether it ran its own check or waited for another's.
    #[test]
    fn racing_requests_never_miss_a_change_committed_before_they_arrived() {
        let f = Follower::new(0);
        let committed = AtomicU64::new(0);
        let checks = AtomicUsize::new(0);
        let check = |from: u64| {
            checks.fetch_add(1, Ordering::SeqCst);
            let c = committed.load(Ordering::SeqCst);
            Ok((c > from).then(|| (c, Affected::default())))
        };
        let stop = std::sync::atomic::AtomicBool::new(false);
        // The commits start once every request thread runs, so they race on a loaded machine too.
        let started = Barrier::new(5);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    started.wait();
                    loop {
                        let last = stop.load(Ordering::SeqCst);
                        let before = committed.load(Ordering::SeqCst);
                        let at = f.fresh(check, |_| {}).unwrap();
                        assert!(
                            at >= before,
                            "answered at {at} after {before} was committed"
                        );
                        if last {
                            break;
                        }
                    }
                });
            }
            started.wait();
            for i in 1..=20_000 {
                committed.store(i, Ordering::SeqCst);
                if i % 64 == 0 {
                    std::thread::yield_now();
                }
            }
            stop.store(true, Ordering::SeqCst);
        });
        assert!(checks.load(Ordering::SeqCst) > 0);
    }

    #[test]
    fn an_answer_read_before_an_applied_change_is_not_stored_and_errors_reach_the_waiters() {
        let f = Arc::new(Follower::new(5));
        let at = f.fresh(|_| Ok(None), |_| {}).unwrap();
        assert_eq!(at, 5);
        assert!(f.admit(at).is_some());
        let applied = AtomicUsize::new(0);
        f.fresh(
            |_| Ok(Some((7, Affected::of([&Change::token("x")])))),
            |a| {
                assert!(!a.is_nothing());
                applied.fetch_add(1, Ordering::SeqCst);
            },
        )
        .unwrap();
        assert_eq!(applied.load(Ordering::SeqCst), 1);
        assert!(f.admit(at).is_none(), "read at 5, change 7 applied since");
        assert!(f.admit(7).is_some());
        let e = f
            .fresh(|_| Err(Error::Database("disk gone".into())), |_| {})
            .unwrap_err();
        assert!(e.to_string().contains("disk gone"));
        assert_eq!(
            f.fresh(|_| Ok(None), |_| {}).unwrap(),
            7,
            "the next check recovers"
        );
    }
}
