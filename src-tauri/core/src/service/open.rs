//! Opening an authority: its database, its hash key from the keyring, and the first run that
//! creates both, all or nothing.

use super::*;

impl Tokendesk {
    /// Whether an authority was created in `data_dir` (its embedded database is there), so a
    /// desktop app can tell a first run, which offers a choice, from a later one.
    pub fn exists_in(data_dir: &std::path::Path) -> bool {
        data_dir.join(DB_FILE).exists()
    }

    /// Opens the authority in `data_dir`, creating it on first run.
    ///
    /// First run is all or nothing for the user, whatever moment it is killed at: the
    /// authority id is committed first (`first_run`), then one transaction — holding the write
    /// lock, so a second process waits — writes the hash key to the keyring (or reuses the one
    /// a killed earlier attempt left for that id) and creates the authority, its owner and the
    /// first audit event. A database without an authority is a first run still to finish. If
    /// the keyring fails on a data directory this run created, the files are removed again.
    pub fn open(opts: OpenOptions, secrets: &dyn SecretStore) -> Result<Tokendesk> {
        if let Some(open) = opts.database.clone() {
            let store = open()?;
            let (authority, key) = Self::authority_and_key(&store, secrets, &opts)?;
            return Self::start(store, key, opts, authority);
        }
        let db_path = opts.data_dir.join(DB_FILE);
        let dir_existed = opts.data_dir.exists();
        let db_existed = db_path.exists();
        std::fs::create_dir_all(&opts.data_dir).map_err(|e| {
            Error::Database(format!(
                "cannot create the data directory {}: {e}",
                opts.data_dir.display()
            ))
        })?;
        let store = Store::open(&db_path, opts.busy_timeout)?;
        let (authority, key) = match Self::authority_and_key(&store, secrets, &opts) {
            Ok(found) => found,
            Err(e) => {
                drop(store);
                if !db_existed {
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
                    }
                    if !dir_existed {
                        let _ = std::fs::remove_dir(&opts.data_dir);
                    }
                }
                return Err(e);
            }
        };
        Self::start(store, key, opts, authority)
    }

    /// The authority in `store` with its key, made by a first run if there is none yet.
    fn authority_and_key(
        store: &Store,
        secrets: &dyn SecretStore,
        opts: &OpenOptions,
    ) -> Result<(AuthorityRow, HashKey)> {
        match store.read(store::authority::get)? {
            Some(authority) => Self::load_key(secrets, authority),
            None if opts.create_if_missing => Self::first_run(store, secrets, opts),
            None => Err(Error::NotFound(
                "This database holds no authority yet. Create one with `tokendesk server init`."
                    .into(),
            )),
        }
    }

    /// Creates a new authority for a team server (`tokendesk server init`): its hash key goes
    /// to `secrets` (the key file), its owner signs in with `owner_email` and `password`. A
    /// database that already holds an authority is refused; bad input is refused before
    /// anything is written.
    pub fn init(
        mut opts: OpenOptions,
        secrets: &dyn SecretStore,
        owner_email: &str,
        password: &SecretString,
    ) -> Result<Tokendesk> {
        let email = validate::email(owner_email)?;
        crate::password::check_rules(password)?;
        let local = email.split('@').next().unwrap_or_default();
        opts.owner_name = validate::name(local).unwrap_or_else(|_| "Owner".into());
        let store = match opts.database.clone() {
            Some(open) => open()?,
            None => {
                std::fs::create_dir_all(&opts.data_dir).map_err(|e| {
                    Error::Database(format!(
                        "cannot create the data directory {}: {e}",
                        opts.data_dir.display()
                    ))
                })?;
                Store::open(&opts.data_dir.join(DB_FILE), opts.busy_timeout)?
            }
        };
        if store.read(store::authority::get)?.is_some() {
            return Err(Error::InvalidInput(
                "This database already holds an authority; `tokendesk server init` only creates new ones. Start `tokendesk serve` on it with its key file."
                    .into(),
            ));
        }
        let (authority, key) = Self::first_run(&store, secrets, &opts)?;
        let td = Self::start(store, key, opts, authority)?;
        let (s, owner) = (td.local_session(), td.local_owner_id.clone());
        let update = UserUpdate {
            display_name: None,
            email: Some(email),
            role: None,
        };
        td.update_user(&s, &owner, update)?;
        td.set_password(&s, &owner, password)?;
        Ok(td)
    }

    fn start(
        store: Store,
        key: HashKey,
        opts: OpenOptions,
        authority: AuthorityRow,
    ) -> Result<Tokendesk> {
        store.with_tx(|tx| {
            audit_store::sign_head_if_missing(tx, &key)?;
            token_store::fill_sort_keys(tx)
        })?;
        let owner = store.read(user_store::first_owner)?;
        log::info!(
            "opened authority {} ({})",
            authority.id,
            opts.data_dir.display()
        );
        Self::assemble(store, key, opts, authority, owner.id)
    }

    fn load_key(
        secrets: &dyn SecretStore,
        authority: AuthorityRow,
    ) -> Result<(AuthorityRow, HashKey)> {
        let raw = secrets.get(&hash_key_account(&authority.id))?.ok_or_else(|| {
            Error::KeyringUnavailable(format!(
                "The keyring has no hash key for this authority ({}). Without it no token can be verified. \
                 Restore the keyring entry '{}' (service '{KEYRING_SERVICE}') from a backup, or move the data \
                 directory away to start a new authority.",
                authority.id,
                hash_key_account(&authority.id)
            ))
        })?;
        Ok((authority, key_from_bytes(&raw)?))
    }

    fn assemble(
        store: Store,
        key: HashKey,
        opts: OpenOptions,
        authority: AuthorityRow,
        owner_id: String,
    ) -> Result<Tokendesk> {
        let store = Arc::new(store);
        let wakeup = store.feed_wakeup()?;
        let verified = Arc::new(verify::Cache::new(&store, wakeup.is_some())?);
        let stop_following = Arc::new(std::sync::atomic::AtomicBool::new(false));
        if verified.is_announced() {
            let (store, cache, stop) = (store.clone(), verified.clone(), stop_following.clone());
            std::thread::Builder::new()
                .name("tokendesk-feed".into())
                .spawn(move || verify::follow(store, cache, wakeup, stop))
                .map_err(|e| Error::Internal(format!("cannot start the feed follower: {e}")))?;
        }
        Ok(Tokendesk {
            usage: crate::usage::UsageRecorder::start(store.clone()),
            verified,
            stop_following,
            store,
            key,
            clock: opts.clock,
            authority_id: authority.id,
            local_owner_id: owner_id,
            data_dir: opts.data_dir,
            signing: Default::default(),
        })
    }

    /// Creates the authority in a database that has none (see `open`).
    fn first_run(
        store: &Store,
        secrets: &dyn SecretStore,
        opts: &OpenOptions,
    ) -> Result<(AuthorityRow, HashKey)> {
        let fresh_id = uuid::Uuid::now_v7().to_string();
        let id = store.with_tx(|tx| store::authority::pending_first_run(tx, &fresh_id))?;
        let created = store.with_tx(|tx| {
            if let Some(existing) = store::authority::get(tx)? {
                return Ok(Err(existing)); // another process finished the first run meanwhile
            }
            if user_store::count(tx)? > 0 {
                return Err(Error::DatabaseCorrupt(
                    "the database has users but no authority; move it away to start fresh".into(),
                ));
            }
            let key = Self::first_key(secrets, &id)?;
            let now = opts.clock.now_ms();
            let authority = AuthorityRow {
                id: id.clone(),
                display_name: "Tokendesk".into(),
                token_prefix: token::DEFAULT_PREFIX.into(),
                policy: ExpiryPolicy::default(),
                created_at: now,
                only_owners_create_tokens: false,
            };
            let owner = User {
                id: uuid::Uuid::now_v7().to_string(),
                display_name: opts.owner_name.clone(),
                email: None,
                kind: UserKind::Human,
                role: permissions::OWNER_ROLE.into(),
                status: UserStatus::Active,
                created_at: now,
                has_password: false,
                tenant_ids: vec![],
                active_tenant_id: None,
            };
            store::authority::insert(tx, &authority)?;
            store::authority::finish_first_run(tx)?;
            user_store::insert(tx, &owner, None)?;
            let details = json!({ "name": authority.display_name, "prefix": authority.token_prefix, "owner": owner.display_name });
            let event = audit_store::NewEvent {
                at: now,
                actor_id: &owner.id,
                subject_id: &owner.id,
                action: AuditAction::AuthorityCreated,
                target_id: Some(&authority.id),
                details: &details,
            };
            audit_store::append(tx, &key, event)?;
            Ok(Ok((authority, key)))
        })?;
        match created {
            Ok((authority, key)) => {
                log::info!("created authority {}", authority.id);
                Ok((authority, key))
            }
            Err(existing) => Self::load_key(secrets, existing),
        }
    }

    /// The hash key for the authority `id` being created: the one a killed earlier first run
    /// left in the keyring for this very id (no token was ever hashed with it), or a new one.
    fn first_key(secrets: &dyn SecretStore, id: &str) -> Result<HashKey> {
        let account = hash_key_account(id);
        if let Some(raw) = secrets.get(&account)? {
            if let Ok(key) = key_from_bytes(&raw) {
                log::info!("reusing the hash key an interrupted first run left in the keyring");
                return Ok(key);
            }
        }
        let key = crate::secret::random_key()?;
        secrets.set(&account, key.expose_secret())?;
        // Read back once: some keyrings accept a write they cannot return later.
        match secrets.get(&account)? {
            Some(v) if v.as_slice() == key.expose_secret() => Ok(key),
            _ => {
                let _ = secrets.delete(&account);
                Err(Error::KeyringUnavailable(
                    "The system keyring accepted the hash key but did not return it. Check that it is unlocked and persistent.".into(),
                ))
            }
        }
    }
}

fn key_from_bytes(raw: &[u8]) -> Result<HashKey> {
    if raw.len() != 32 {
        return Err(Error::KeyringUnavailable(format!(
            "The keyring entry for the hash key has {} bytes instead of 32; it was changed outside Tokendesk.",
            raw.len()
        )));
    }
    Ok(SecretBox::init_with_mut(|k: &mut [u8; 32]| {
        k.copy_from_slice(raw)
    }))
}
