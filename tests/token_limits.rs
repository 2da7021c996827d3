//! A token's own limits (its scopes, its tenants) are rules of core, so every face gives the same
//! answer: one table of (token limits × operation) runs through core in this process, through
//! the HTTP API of a real server on 127.0.0.1, and through the built `tokendesk` binary with
//! `TOKENDESK_TOKEN`. Needs a Secret Service: run through `make test-keyring`.

use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;
use tokendesk_core::model::*;
use tokendesk_core::policy::{ExpiryChoice, ExpiryPreset};
use tokendesk_core::secret::ExposeSecret;
use tokendesk_core::secret_store::KeyringStore;
use tokendesk_core::{ErrorCode, OpenOptions, SystemClock, Tokendesk};
use tokendesk_http::{serve, HttpConfig};

#[path = "support/bin.rs"]
#[allow(dead_code)]
mod bin;

const ANN: &str = "ann@example.org";

/// What a face answered: success, or the error code.
type Outcome = Result<(), ErrorCode>;

#[derive(Debug, Clone, Copy)]
enum Op {
    ListTokens,
    CreateToken,
    RenameToken,
    RevokeToken,
    ListUsers,
    ReadAudit,
    /// Create a token limited to the second tenant.
    CreateInOtherTenant,
}

struct Limits {
    what: &'static str,
    scopes: Option<Vec<Scope>>,
    first_tenant_only: bool,
}

fn expected(l: &Limits, op: Op) -> Outcome {
    use ErrorCode::InsufficientScope as Scope_;
    let read = |s: Scope| match &l.scopes {
        None => Ok(()),
        Some(list) if list.contains(&s) => Ok(()),
        Some(_) => Err(Scope_),
    };
    let change = || {
        if l.scopes.is_none() {
            Ok(())
        } else {
            Err(Scope_)
        }
    };
    match op {
        Op::ListTokens => read(Scope::TokensRead),
        Op::ListUsers => read(Scope::UsersRead),
        Op::ReadAudit => read(Scope::AuditRead),
        Op::CreateToken | Op::RenameToken | Op::RevokeToken => change(),
        Op::CreateInOtherTenant => change().and(if l.first_tenant_only {
            Err(ErrorCode::PermissionDenied)
        } else {
            Ok(())
        }),
    }
}

fn code_of(v: &Value) -> ErrorCode {
    serde_json::from_value(v["code"].clone()).unwrap_or_else(|_| panic!("no code in {v}"))
}

fn request(name: &str, tenants: Option<Vec<String>>) -> CreateTokenRequest {
    CreateTokenRequest {
        for_user: None,
        name: name.into(),
        description: None,
        expiry: ExpiryChoice::Preset {
            preset: ExpiryPreset::OneDay,
        },
        scopes: None,
        tenant_ids: tenants,
    }
}

#[test]
#[ignore = "needs a Secret Service: run `make test-keyring`"]
fn every_face_applies_a_tokens_limits_alike() {
    let dir = tempfile::tempdir().unwrap();
    let keyring = KeyringStore::new("tokendesk", Duration::from_secs(10));
    let td = Arc::new(
        Tokendesk::open(
            OpenOptions::new(dir.path(), Arc::new(SystemClock)),
            &keyring,
        )
        .unwrap(),
    );
    let owner = td.local_session();
    let ann = td
        .create_user(
            &owner,
            NewUser {
                display_name: "Ann".into(),
                email: Some(ANN.into()),
                kind: UserKind::Human,
                role: "admin".into(),
                password: Some("ann password 1".into()),
            },
        )
        .unwrap();
    let blue = td.create_tenant(&owner, "Blue").unwrap();
    let green = td.create_tenant(&owner, "Green").unwrap();
    for t in [&blue, &green] {
        td.set_tenant_member(&owner, &t.id, &ann.id, true).unwrap();
    }
    let as_ann = Session::of_user(&ann.id);

    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = rt.spawn(serve(td.clone(), HttpConfig::default(), listener, async {
        let _ = stopped.await;
    }));
    let http = bin::http().build().unwrap();

    let limits = [
        Limits {
            what: "full access",
            scopes: None,
            first_tenant_only: false,
        },
        Limits {
            what: "tokens:read",
            scopes: Some(vec![Scope::TokensRead]),
            first_tenant_only: false,
        },
        Limits {
            what: "users:read",
            scopes: Some(vec![Scope::UsersRead]),
            first_tenant_only: false,
        },
        Limits {
            what: "audit:read",
            scopes: Some(vec![Scope::AuditRead]),
            first_tenant_only: false,
        },
        Limits {
            what: "introspect",
            scopes: Some(vec![Scope::Introspect]),
            first_tenant_only: false,
        },
        Limits {
            what: "tenant Blue only",
            scopes: None,
            first_tenant_only: true,
        },
    ];
    let ops = [
        Op::ListTokens,
        Op::CreateToken,
        Op::RenameToken,
        Op::RevokeToken,
        Op::ListUsers,
        Op::ReadAudit,
        Op::CreateInOtherTenant,
    ];
    let mut checked = 0;
    for (i, l) in limits.iter().enumerate() {
        let mut r = request(&format!("acting {i}"), None);
        r.scopes = l.scopes.clone();
        r.tenant_ids = l.first_tenant_only.then(|| vec![blue.id.clone()]);
        let acting = td.create_token(&as_ann, r).unwrap();
        let plain = acting.token.expose_secret().to_string();
        let Verification::Active(v) = td.verify(&plain).unwrap() else {
            panic!("the new token is active")
        };
        let session = v.session();
        for op in ops {
            // A fresh target per face, so a rename or revoke by one face leaves the next its own.
            let target = |face: &str| {
                td.create_token(&as_ann, request(&format!("target {i} {op:?} {face}"), None))
                    .unwrap()
                    .meta
                    .id
            };
            let want = expected(l, op);
            let name = |face: &str| format!("made {i} {op:?} {face}");

            // Core, with the session the token's verification gives.
            let core: Outcome = match op {
                Op::ListTokens => td.list_tokens(&session, &ListQuery::default()).map(drop),
                Op::CreateToken => td
                    .create_token(&session, request(&name("core"), None))
                    .map(drop),
                Op::RenameToken => td
                    .rename_token(&session, &target("core"), &format!("renamed {i} core"))
                    .map(drop),
                Op::RevokeToken => td.revoke_token(&session, &target("core"), None).map(drop),
                Op::ListUsers => td.list_users(&session).map(drop),
                Op::ReadAudit => td.verify_audit_chain(&session).map(drop),
                Op::CreateInOtherTenant => td
                    .create_token(
                        &session,
                        request(&name("core"), Some(vec![green.id.clone()])),
                    )
                    .map(drop),
            }
            .map_err(|e| e.code());

            // HTTP.
            let auth = format!("Bearer {plain}");
            let call = |method: reqwest::Method, path: &str, body: Option<Value>| {
                let mut rq = http
                    .request(method, format!("{base}{path}"))
                    .header("authorization", &auth);
                if let Some(b) = body {
                    rq = rq.json(&b);
                }
                let resp = rq.send().unwrap();
                let ok = resp.status().is_success();
                let v: Value = resp.json().unwrap_or(Value::Null);
                if ok {
                    Ok(())
                } else {
                    Err(code_of(&v))
                }
            };
            let create_body = |name: String, tenants: Option<Vec<String>>| json!({"name": name, "expiry": {"kind": "preset", "preset": "one_day"}, "tenantIds": tenants});
            use reqwest::Method as M;
            let over_http: Outcome = match op {
                Op::ListTokens => call(M::GET, "/api/tokens", None),
                Op::CreateToken => call(
                    M::POST,
                    "/api/tokens",
                    Some(create_body(name("http"), None)),
                ),
                Op::RenameToken => call(
                    M::PATCH,
                    &format!("/api/tokens/{}", target("http")),
                    Some(json!({"name": format!("renamed {i} http")})),
                ),
                Op::RevokeToken => {
                    call(M::DELETE, &format!("/api/tokens/{}", target("http")), None)
                }
                Op::ListUsers => call(M::GET, "/api/users", None),
                Op::ReadAudit => call(M::GET, "/api/audit", None),
                Op::CreateInOtherTenant => call(
                    M::POST,
                    "/api/tokens",
                    Some(create_body(name("http"), Some(vec![green.id.clone()]))),
                ),
            };

            // The command line, acting with the token.
            let cli_name = name("cli");
            let cli_target = target("cli");
            let cli_rename = format!("renamed {i} cli");
            let args: Vec<&str> = match op {
                Op::ListTokens => vec!["tokens", "list"],
                Op::CreateToken => vec!["tokens", "create", "--name", &cli_name],
                Op::RenameToken => vec!["tokens", "rename", &cli_target, &cli_rename],
                Op::RevokeToken => vec!["tokens", "revoke", &cli_target],
                Op::ListUsers => vec!["users", "list"],
                Op::ReadAudit => vec!["audit", "verify"],
                Op::CreateInOtherTenant => {
                    vec![
                        "tokens", "create", "--name", &cli_name, "--tenant", &green.id,
                    ]
                }
            };
            let mut full = vec!["--as", ANN];
            full.extend(args);
            let out = bin::run(
                dir.path(),
                &full,
                "",
                &[("TOKENDESK_TOKEN", plain.as_str())],
            );
            let cli: Outcome = if out.status.success() {
                Ok(())
            } else {
                let err = String::from_utf8_lossy(&out.stderr);
                let code = err
                    .strip_prefix("error[")
                    .and_then(|r| r.split(']').next())
                    .unwrap_or_else(|| panic!("no coded error: {err}"));
                Err(serde_json::from_value(json!(code)).unwrap())
            };

            assert_eq!(core, want, "core, {} × {op:?}", l.what);
            assert_eq!(over_http, want, "HTTP, {} × {op:?}", l.what);
            assert_eq!(cli, want, "CLI, {} × {op:?}", l.what);
            checked += 1;
        }
    }
    assert_eq!(checked, limits.len() * ops.len());
    // The tenant limit also narrows what a list shows: the Blue-only token sees Blue only.
    let blue_only = td
        .create_token(&as_ann, {
            let mut r = request("blue lister", Some(vec![blue.id.clone()]));
            r.scopes = None;
            r
        })
        .unwrap();
    let Verification::Active(v) = td.verify(blue_only.token.expose_secret()).unwrap() else {
        panic!()
    };
    let seen: Vec<String> = td
        .list_tenants(&v.session())
        .unwrap()
        .into_iter()
        .map(|t| t.id)
        .collect();
    assert_eq!(seen, vec![blue.id.clone()]);
    let listed: Value = http
        .get(format!("{base}/api/tenants"))
        .header(
            "authorization",
            format!("Bearer {}", blue_only.token.expose_secret()),
        )
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let _ = stop.send(());
    rt.block_on(server).unwrap().unwrap();
}
