//! One text policy for every human-readable field, through core and over HTTP: each refused
//! class of character (invisible, direction, separators, controls) in each field gets its typed
//! error and writes nothing; names that only differ by look-alike characters collide.

mod common;

use common::{person, req, Env};
use serde_json::{json, Value};
use tokendesk_core::model::*;
use tokendesk_core::{ErrorCode, Tokendesk};

/// One of each class the policy refuses (the characters the issue found accepted included).
const REFUSED: &[(&str, char)] = &[
    ("word joiner", '\u{2060}'),
    ("soft hyphen", '\u{00AD}'),
    ("Mongolian vowel separator", '\u{180E}'),
    ("Hangul filler", '\u{3164}'),
    ("Arabic letter mark", '\u{061C}'),
    ("invisible times", '\u{2062}'),
    ("variation selector", '\u{FE0F}'),
    ("tag character", '\u{E0041}'),
    ("line separator", '\u{2028}'),
    ("right-to-left override", '\u{202E}'),
    ("NUL", '\0'),
];

/// Everything a refused write could have touched.
fn snapshot(td: &Tokendesk) -> (usize, usize, usize, usize, String) {
    let owner = td.local_session();
    let tokens = td
        .list_tokens(
            &owner,
            &ListQuery {
                scope: ListScope::All,
                limit: 200,
                ..Default::default()
            },
        )
        .unwrap()
        .items;
    let names: Vec<String> = tokens
        .iter()
        .map(|t| format!("{}|{:?}|{:?}", t.name, t.description, t.revoked_at))
        .collect();
    (
        tokens.len(),
        td.audit_events(None).unwrap().len(),
        td.list_users(&owner).unwrap().len(),
        td.list_tenants(&owner).unwrap().len(),
        names.join(",") + &td.settings(&owner).unwrap().authority_name,
    )
}

#[test]
fn every_refused_class_in_every_field_is_a_typed_error_that_writes_nothing() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    let mia = person(&td, &owner, "Mia", "member");
    let tok = td.create_token(&owner, req("target")).unwrap().meta;
    let tenant = td.create_tenant(&owner, "Blue").unwrap();
    let before = snapshot(&td);
    for (what, c) in REFUSED {
        let text = format!("ad{c}min");
        let email = format!("eve{c}@example.org");
        let attempts: Vec<(&str, ErrorCode, Result<(), tokendesk_core::Error>)> = vec![
            (
                "token name",
                ErrorCode::InvalidName,
                td.create_token(&owner, req(&text)).map(drop),
            ),
            (
                "token description",
                ErrorCode::InvalidInput,
                td.create_token(
                    &owner,
                    CreateTokenRequest {
                        description: Some(text.clone()),
                        ..req("described")
                    },
                )
                .map(drop),
            ),
            (
                "rename",
                ErrorCode::InvalidName,
                td.rename_token(&owner, &tok.id, &text).map(drop),
            ),
            (
                "revoke reason",
                ErrorCode::InvalidInput,
                td.revoke_token(&owner, &tok.id, Some(&text)).map(drop),
            ),
            (
                "tenant name",
                ErrorCode::InvalidName,
                td.create_tenant(&owner, &text).map(drop),
            ),
            (
                "tenant rename",
                ErrorCode::InvalidName,
                td.rename_tenant(&owner, &tenant.id, &text).map(drop),
            ),
            (
                "user name",
                ErrorCode::InvalidName,
                td.create_user(
                    &owner,
                    NewUser {
                        display_name: text.clone(),
                        email: Some("new@example.org".into()),
                        kind: UserKind::Human,
                        role: "member".into(),
                        password: None,
                    },
                )
                .map(drop),
            ),
            (
                "user email",
                ErrorCode::InvalidEmail,
                td.create_user(
                    &owner,
                    NewUser {
                        display_name: "Eve".into(),
                        email: Some(email.clone()),
                        kind: UserKind::Human,
                        role: "member".into(),
                        password: None,
                    },
                )
                .map(drop),
            ),
            (
                "changed email",
                ErrorCode::InvalidEmail,
                td.update_user(
                    &owner,
                    &mia.id,
                    UserUpdate {
                        email: Some(email.clone()),
                        ..Default::default()
                    },
                )
                .map(drop),
            ),
            ("authority name", ErrorCode::InvalidName, {
                let mut s = td.settings(&owner).unwrap();
                s.authority_name = text.clone();
                td.update_settings(&owner, s).map(drop)
            }),
        ];
        for (field, code, result) in attempts {
            let e = result.expect_err(&format!("{what} in the {field} is refused"));
            assert_eq!(e.code(), code, "{what} in the {field}: {e}");
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(snapshot(&td), before, "{what}: nothing written");
    }
}

#[test]
fn names_that_look_alike_are_one_name() {
    let env = Env::new();
    let td = env.open();
    let owner = td.local_session();
    td.create_token(&owner, req("admin")).unwrap();
    for alike in ["\u{430}dmin", "ADMIN", "adm\u{456}n"] {
        let e = td.create_token(&owner, req(alike)).unwrap_err();
        assert_eq!(e.code(), ErrorCode::NameTaken, "{alike}");
        assert!(e.to_string().contains("\u{201c}admin\u{201d}"), "{e}");
    }
    let other = td.create_token(&owner, req("other")).unwrap().meta;
    let e = td
        .rename_token(&owner, &other.id, "\u{430}dmin")
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NameTaken);
    // Distinct names stay distinct, and NFC makes two spellings of é one name.
    td.create_token(&owner, req("admins")).unwrap();
    td.create_token(&owner, req("caf\u{e9}")).unwrap();
    let e = td.create_token(&owner, req("cafe\u{301}")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::NameTaken);

    td.create_tenant(&owner, "Blue").unwrap();
    let e = td.create_tenant(&owner, "Blu\u{435}").unwrap_err();
    assert_eq!(e.code(), ErrorCode::NameTaken, "a Cyrillic е");
}

/// The API document's patterns say exactly what the server refuses: every code point of the
/// Basic Multilingual Plane and a sample above it, in the committed document, checked by the
/// jsonschema crate against `validate::name` and `validate::free_text`.
#[test]
fn the_documented_patterns_are_the_policy() {
    let doc: Value = serde_json::from_str(include_str!("../../docs/openapi.json")).unwrap();
    let props = &doc["components"]["schemas"]["CreateTokenRequest"]["properties"];
    let compile = |schema: &Value| {
        let pattern = schema["pattern"].as_str().expect("a pattern is documented");
        jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&json!({ "type": "string", "pattern": pattern }))
            .unwrap()
    };
    let name = compile(&props["name"]);
    let description = compile(&props["description"]);
    let astral = (0x10000..=0x10FFFFu32).step_by(61).chain([
        0x1BC9F, 0x1BCA0, 0x1BCA3, 0x1BCA4, 0x1D172, 0x1D173, 0x1D17A, 0x1D17B, 0xDFFFF, 0xE0000,
        0xE0041, 0xE0FFF, 0xE1000,
    ]);
    let mut checked = 0;
    for c in (0..=0xFFFFu32).chain(astral).filter_map(char::from_u32) {
        let text = format!("a{c}b");
        assert_eq!(
            name.is_valid(&json!(text)),
            tokendesk_core::validate::name(&text).is_ok(),
            "name with U+{:04X}",
            c as u32
        );
        assert_eq!(
            description.is_valid(&json!(text)),
            tokendesk_core::validate::free_text(&text, "description", 1000).is_ok(),
            "description with U+{:04X}",
            c as u32
        );
        checked += 1;
    }
    assert!(checked > 80_000);
    for blank in ["", " ", "\u{3000}", " \u{2003} "] {
        assert!(!name.is_valid(&json!(blank)), "{blank:?}");
        assert!(tokendesk_core::validate::name(blank).is_err());
    }
}
