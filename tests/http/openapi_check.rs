//! Checks HTTP answers against the committed OpenAPI document with a real JSON Schema
//! validator (the `jsonschema` crate, Draft 2020-12 as OpenAPI 3.1 uses), so the document
//! cannot drift from what the server sends. This file only finds an operation's schema.

use serde_json::{json, Value};

pub struct OpenApiDoc {
    root: Value,
}

/// A JSON Pointer segment (RFC 6901).
fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

impl OpenApiDoc {
    pub fn parse(text: &str) -> OpenApiDoc {
        let root: Value = serde_json::from_str(text).expect("the OpenAPI document is JSON");
        assert!(
            root["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1")),
            "an OpenAPI 3.1 document"
        );
        OpenApiDoc { root }
    }

    fn pointer(method: &str, template: &str, status: u16) -> String {
        format!(
            "/paths/{}/{}/responses/{status}",
            escape(template),
            method.to_ascii_lowercase()
        )
    }

    /// True if the document lists this status for the operation.
    pub fn has_response(&self, method: &str, template: &str, status: u16) -> bool {
        self.root
            .pointer(&Self::pointer(method, template, status))
            .is_some()
    }

    /// Validates a JSON body against the documented application/json schema of the answer.
    pub fn check_response(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Result<(), String> {
        let label = format!("{method} {template} -> {status}");
        let at = format!(
            "{}/content/application~1json/schema",
            Self::pointer(method, template, status)
        );
        if self.root.pointer(&at).is_none() {
            return Err(format!("{label}: no JSON answer is documented"));
        }
        // The whole document is the schema resource, so its `#/components/...` references
        // resolve; the root `$ref` picks this answer's schema and the rest is ignored.
        let mut schema = self.root.clone();
        schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        // A fragment is a URI part: the template's braces are percent-encoded there.
        let fragment = at.replace('{', "%7B").replace('}', "%7D");
        schema["$ref"] = json!(format!("#{fragment}"));
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| format!("{label}: the schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(body)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!("{label}:\n  {}", errors.join("\n  ")))
        }
    }
}

#[test]
fn a_body_outside_the_document_is_caught() {
    let doc = OpenApiDoc::parse(include_str!("../../docs/openapi.json"));
    let ok = json!({"code": "not_found", "message": "No."});
    doc.check_response("get", "/api/tokens/{id}", 404, &ok)
        .unwrap();
    for bad in [
        json!({"code": "no_such_code", "message": "No."}),
        json!({"message": "No."}),
        json!({"code": "not_found", "message": 3}),
    ] {
        assert!(
            doc.check_response("get", "/api/tokens/{id}", 404, &bad)
                .is_err(),
            "{bad}"
        );
    }
    assert!(doc
        .check_response("get", "/api/tokens/{id}", 418, &ok)
        .is_err());
    assert!(!doc.has_response("get", "/api/tokens/{id}", 418));
}
