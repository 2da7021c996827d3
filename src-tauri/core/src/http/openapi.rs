//! The OpenAPI 3.1 document of the HTTP service, generated from the handlers' attributes and
//! the model types, so it describes what the code does. `docs/openapi.json` is a committed copy;
//! a test fails when they differ (regenerate with `make openapi`).

use super::api;
use std::sync::OnceLock;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
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
        api::create_token_for_user,
        api::exchange,
        api::set_active_tenant,
        api::list_users,
        api::list_tenants,
        api::list_audit,
    ),
    // Enums used only as query parameters are not collected from the paths by themselves.
    components(schemas(
        crate::model::SortKey,
        crate::model::SortDir,
        crate::model::ListScope
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "service", description = "Health and this document"),
        (name = "oauth", description = "RFC 7662 introspection and RFC 7009 revocation"),
        (name = "tokens", description = "Managing tokens, with the same rules as the desktop app"),
        (name = "users", description = "Users and tenants"),
        (name = "auth", description = "Credential exchange"),
        (name = "audit", description = "The audit log"),
    )
)]
struct ApiDoc;

struct BearerAuth;

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
