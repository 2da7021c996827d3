//! The OpenAPI 3.1 document of the HTTP service, generated from the handlers' attributes and
//! the model types, so it describes what the code does. `docs/openapi.json` is a committed copy;
//! a test fails when they differ (regenerate with `make openapi`).

use super::{admin, api, legacy, oauth, webhooks};
use std::sync::OnceLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Tokendesk",
        description = "Verification service and REST API of a Tokendesk token authority. Authenticate with `Authorization: Bearer <token>` (RFC 6750)."
    ),
    paths(
        api::healthz,
        api::openapi,
        api::me,
        api::introspect,
        api::revoke,
        api::list_tokens,
        api::get_token,
        api::create_token,
        api::rename_token,
        api::revoke_token,
        api::rotate_token,
        api::bulk_revoke,
        api::claim_expiry_alerts,
        api::create_token_for_user,
        api::exchange,
        api::set_active_tenant,
        api::list_users,
        api::list_tenants,
        api::list_audit,
        admin::session,
        admin::start_impersonation,
        admin::stop_impersonation,
        admin::create_user,
        admin::update_user,
        admin::set_user_active,
        admin::remove_user,
        admin::set_password,
        admin::set_client_credentials,
        admin::change_own_password,
        admin::list_roles,
        admin::update_role,
        admin::get_settings,
        admin::update_settings,
        admin::verify_audit_chain,
        admin::token_usage,
        admin::create_tenant,
        admin::rename_tenant,
        admin::add_tenant_member,
        admin::remove_tenant_member,
        oauth::token,
        oauth::jwks,
        oauth::metadata,
        oauth::signing_keys,
        oauth::rotate_signing_key,
        legacy::notes,
        legacy::get_settings,
        legacy::put_settings,
        legacy::import,
        legacy::list,
        legacy::retire,
        legacy::replace,
        webhooks::list,
        webhooks::create,
        webhooks::update,
        webhooks::delete,
        webhooks::roll_secret,
        webhooks::deliveries,
    ),
    // Enums used only as query parameters are not collected from the paths by themselves.
    components(schemas(
        tokendesk_core::model::SortKey,
        tokendesk_core::model::SortDir,
        tokendesk_core::model::ListScope
    )),
    modifiers(&BearerAuth, &CommonErrors, &TextPatterns, &ActAs),
    tags(
        (name = "service", description = "Health and this document"),
        (name = "oauth", description = "RFC 7662 introspection, RFC 7009 revocation, RFC 8693 token exchange for signed tokens (JWT, RFC 9068), their keys (RFC 7517) and the server's metadata (RFC 8414)"),
        (name = "tokens", description = "Managing tokens, with the same rules as the desktop app"),
        (name = "users", description = "Users and tenants"),
        (name = "auth", description = "Credential exchange"),
        (name = "audit", description = "The audit log"),
        (name = "session", description = "The signed-in user's session and impersonation, for the desktop app and the CLI as clients"),
        (name = "settings", description = "Roles and the authority's settings"),
        (name = "webhooks", description = "Owners' webhook endpoints (Standard Webhooks: token.created, token.revoked, token.expiring, token.expired), their secrets and delivery logs"),
        (name = "legacy", description = "Migration from legacy API keys: import, settings (off / emulate until a sunset date), the Migration screen's keys, and the notes the Deprecation headers link to"),
    )
)]
struct ApiDoc;

struct BearerAuth;

/// A response with the error shape.
fn error_response(description: &str) -> utoipa::openapi::Response {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
}

/// `Tokendesk-Act-As` on every operation that takes the caller's session.
struct ActAs;

impl Modify for ActAs {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
        use utoipa::openapi::{ObjectBuilder, Required, Type};
        let header: Parameter = ParameterBuilder::new()
            .name("Tokendesk-Act-As")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "While impersonating (POST /api/impersonation): the id of the user acted as. Needs the impersonate permission on every call.",
            ))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .min_length(Some(1)),
            ))
            .build();
        for (path, item) in doc.paths.paths.iter_mut() {
            if !path.starts_with("/api/") || path == "/api/users/me" || path == "/api/auth/token" {
                continue;
            }
            for op in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                op.parameters
                    .get_or_insert_with(Vec::new)
                    .push(header.clone());
                for (status, description) in [
                    ("400", "A Tokendesk-Act-As that is not one user id (`invalid_input`)"),
                    ("403", "Acting as another user without the impersonate permission, or that user is disabled (`permission_denied`, `user_inactive`)"),
                    ("404", "No user with the Tokendesk-Act-As id (`not_found`)"),
                ] {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description).into());
                }
            }
        }
    }
}

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        if let Some(c) = doc.components.as_mut() {
            c.add_security_scheme(
                "bearer",
                SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
            );
        }
    }
}

/// The answers any operation can give besides its own, added to each so that the document
/// lists every status the server sends: the protocol layer's (timeout, header and body limits,
/// a path that is not UTF-8), and for the API the bearer check's and the store's.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let error = error_response;
        for (path, item) in doc.paths.paths.iter_mut() {
            let api = path.starts_with("/api/") || path.starts_with("/oauth/");
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let bearer = op.security.is_some();
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error(description).into());
                };
                add(
                    "408",
                    "The request took longer than the service waits (`request_timeout`)",
                );
                add(
                    "431",
                    "The request headers are over the limit (`headers_too_large`)",
                );
                if path.contains('{') {
                    add(
                        "400",
                        "A path segment that is not UTF-8 after percent-decoding",
                    );
                }
                if op.request_body.is_some() {
                    add("413", "The body is over the limit (`payload_too_large`)");
                }
                if bearer {
                    add(
                        "400",
                        "A malformed Authorization header (`invalid_request`)",
                    );
                    add("401", "No token, or not an active token (`invalid_token`)");
                }
                if api {
                    add("500", "The database failed (`database`, `database_corrupt`) or a bug (`internal`)");
                    add("503", "The database is locked by another process (`database_busy`), cannot be reached or the change feed cannot be read (`database_unavailable`), or the keyring is unavailable");
                }
            }
        }
    }
}

/// The text policy's patterns (validate.rs) on the fields it applies to, generated from the
/// same Unicode data as the checks, so the document states exactly what the server refuses.
struct TextPatterns;

fn set_pattern(schema: Option<&mut RefOr<Schema>>, pattern: &str) {
    if let Some(RefOr::T(Schema::Object(o))) = schema {
        o.pattern = Some(pattern.to_string());
    }
}

impl Modify for TextPatterns {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use tokendesk_core::validate::{free_text_pattern, name_pattern};
        let name = name_pattern();
        let free = free_text_pattern(true);
        let optional_name = free_text_pattern(false);
        let prefix = format!(
            "^[a-z][a-z0-9]{{1,{}}}$",
            tokendesk_core::token::PREFIX_MAX - 1
        );
        use tokendesk_core::password;
        if let Some(c) = doc.components.as_mut() {
            for (schema, field, pattern) in [
                ("CreateTokenRequest", "name", &name),
                ("CreateTokenRequest", "description", &free),
                ("Rename", "name", &name),
                ("Credentials", "name", &optional_name),
                ("TenantName", "name", &name),
                ("NewUser", "displayName", &name),
                ("UserUpdate", "displayName", &name),
                ("Settings", "authorityName", &name),
                ("Settings", "tokenPrefix", &prefix),
            ] {
                if let Some(RefOr::T(Schema::Object(o))) = c.schemas.get_mut(schema) {
                    set_pattern(o.properties.get_mut(field), pattern);
                }
            }
            for (schema, field) in [
                ("NewUser", "password"),
                ("NewPassword", "password"),
                ("PasswordChange", "new"),
            ] {
                if let Some(RefOr::T(Schema::Object(o))) = c.schemas.get_mut(schema) {
                    if let Some(RefOr::T(Schema::Object(f))) = o.properties.get_mut(field) {
                        f.min_length = Some(password::MIN_LEN);
                        f.max_length = Some(password::MAX_LEN);
                    }
                }
            }
            if let Some(RefOr::T(Schema::Object(o))) = c.schemas.get_mut("ExpiryPolicy") {
                if let Some(RefOr::T(Schema::Object(f))) = o.properties.get_mut("maxLifetimeDays") {
                    f.minimum = Some(1.into());
                }
            }
        }
        if let Some(op) = doc
            .paths
            .paths
            .get_mut("/api/tokens/{id}")
            .and_then(|p| p.delete.as_mut())
        {
            for p in op.parameters.iter_mut().flatten() {
                if p.name == "reason" {
                    set_pattern(p.schema.as_mut(), &free);
                }
            }
        }
    }
}

/// The document as pretty JSON with a trailing newline (the committed file's form).
pub fn document() -> String {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut s = ApiDoc::openapi()
            .to_pretty_json()
            .expect("the OpenAPI document serializes");
        s.push('\n');
        s
    })
    .clone()
}
