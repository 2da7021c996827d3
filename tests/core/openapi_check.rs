//! Checks HTTP responses against the committed OpenAPI document, so the document cannot drift from what the server sends.
//!
//! Only the JSON Schema subset that utoipa 5 emits is understood; this is a test oracle, not a
//! general validator. Keywords that would need a regex engine (`pattern`) or that only annotate
//! (`format`, `description`, `example`, ...) are ignored, so a body can pass here and still be
//! wrong in those respects.

use serde_json::{Number, Value};
use std::cmp::Ordering;

/// A cyclic `$ref` chain in a broken document must turn into an error, not a stack overflow.
const MAX_REF_DEPTH: usize = 64;

/// Long bodies would bury the actual violation in the message.
const MAX_SNIPPET_CHARS: usize = 80;

/// A oneOf over many variants can fail in each of them; the first few reasons are enough to see why.
const MAX_ALTERNATIVE_ERRORS: usize = 3;

pub struct OpenApiDoc {
    root: Value,
}

impl OpenApiDoc {
    pub fn parse(text: &str) -> OpenApiDoc {
        let root: Value = serde_json::from_str(text)
            .unwrap_or_else(|e| panic!("the OpenAPI document is not valid JSON: {e}"));
        match root.get("openapi") {
            Some(Value::String(v)) if v == "3.1" || v.starts_with("3.1.") => {}
            Some(other) => panic!(
                "the OpenAPI document declares \"openapi\": {other}; only 3.1.x is supported \
                 (3.0 has different nullable/exclusiveMinimum semantics)"
            ),
            None => panic!(
                "the OpenAPI document has no \"openapi\" version field; expected an OpenAPI 3.1.x document"
            ),
        }
        OpenApiDoc { root }
    }

    /// Validates `body` against the schema of the response `status` of operation `method path_template`
    /// (e.g. "get", "/api/tokens/{id}", 200) for media type application/json. Err lists every violation with its JSON path
    /// (like `$.items[3].status: "bogus" is not one of ["active","expired"]`). Err also if the doc does not describe that
    /// operation/status (so undocumented responses are caught), or if it has no application/json content.
    pub fn check_response(
        &self,
        method: &str,
        path_template: &str,
        status: u16,
        body: &serde_json::Value,
    ) -> Result<(), String> {
        let label = operation_label(method, path_template, status);
        let response = self.response(method, path_template, status)?;
        let content = response.get("content").and_then(Value::as_object);
        let media = content.and_then(|c| {
            c.get("application/json").or_else(|| {
                // A server may document `application/json; charset=utf-8`; the body is still JSON.
                c.iter()
                    .find(|(k, _)| media_essence(k) == "application/json")
                    .map(|(_, v)| v)
            })
        });
        let Some(media) = media else {
            let has: Vec<&str> = content
                .map(|c| c.keys().map(String::as_str).collect())
                .unwrap_or_default();
            return Err(if has.is_empty() {
                format!("{label}: the document describes this response without any content, so it must have no JSON body")
            } else {
                format!(
                    "{label}: the document has no application/json content for this response (it has: {})",
                    has.join(", ")
                )
            });
        };
        // A media type without a schema constrains nothing.
        let schema = media.get("schema").unwrap_or(&Value::Bool(true));
        let mut errors = Vec::new();
        self.validate(schema, body, "$", 0, &mut errors);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{label}: the body does not match the documented schema ({} violation{}):\n  {}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" },
                errors.join("\n  ")
            ))
        }
    }

    /// True if the document describes this operation and status at all (for responses without a body).
    pub fn has_response(&self, method: &str, path_template: &str, status: u16) -> bool {
        self.response(method, path_template, status).is_ok()
    }

    fn response(&self, method: &str, path_template: &str, status: u16) -> Result<&Value, String> {
        let label = operation_label(method, path_template, status);
        let paths = self
            .root
            .get("paths")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{label}: the document has no \"paths\""))?;
        let item = paths
            .get(path_template)
            .ok_or_else(|| format!("{label}: the path {path_template} is not in the document"))?;
        let item = self.follow_refs(item, &label)?;
        let method_key = method.to_ascii_lowercase();
        let operation = item.get(&method_key).ok_or_else(|| {
            let documented: Vec<String> = item
                .as_object()
                .map(|o| {
                    o.keys()
                        .filter(|k| HTTP_METHODS.contains(&k.as_str()))
                        .map(|k| k.to_ascii_uppercase())
                        .collect()
                })
                .unwrap_or_default();
            format!(
                "{label}: the document has no {} operation on {path_template} (documented: {})",
                method.to_ascii_uppercase(),
                none_if_empty(&documented)
            )
        })?;
        let responses = operation
            .get("responses")
            .and_then(Value::as_object)
            .ok_or_else(|| format!("{label}: the operation documents no responses"))?;
        let code = status.to_string();
        let range = format!("{}XX", status / 100);
        let response = responses
            .get(&code)
            .or_else(|| {
                responses
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(&range))
                    .map(|(_, v)| v)
            })
            .or_else(|| responses.get("default"))
            .ok_or_else(|| {
                let documented: Vec<String> = responses.keys().cloned().collect();
                format!(
                    "{label}: status {status} is not documented for this operation (documented: {})",
                    none_if_empty(&documented)
                )
            })?;
        self.follow_refs(response, &label)
    }

    /// Path items and responses may be `$ref`s (utoipa emits `#/components/responses/X`); only
    /// the object they finally point at carries the content.
    fn follow_refs<'a>(&'a self, mut value: &'a Value, label: &str) -> Result<&'a Value, String> {
        for _ in 0..MAX_REF_DEPTH {
            let Some(reference) = value.get("$ref").and_then(Value::as_str) else {
                return Ok(value);
            };
            value = self
                .resolve(reference)
                .ok_or_else(|| format!("{label}: cannot resolve $ref {reference}"))?;
        }
        Err(format!(
            "{label}: $ref chain longer than {MAX_REF_DEPTH}; is it cyclic?"
        ))
    }

    fn resolve(&self, reference: &str) -> Option<&Value> {
        // Only references inside this document are meaningful for a committed, self-contained file.
        let fragment = reference.strip_prefix('#')?;
        let pointer = percent_decode(fragment)?;
        self.root.pointer(&pointer)
    }

    fn validate(
        &self,
        schema: &Value,
        value: &Value,
        path: &str,
        depth: usize,
        errors: &mut Vec<String>,
    ) {
        let schema = match schema {
            Value::Bool(true) => return,
            Value::Bool(false) => {
                errors.push(format!(
                    "{path}: no value is allowed here (schema is false), got {}",
                    describe(value)
                ));
                return;
            }
            Value::Object(map) => map,
            other => {
                errors.push(format!(
                    "{path}: the document has an invalid schema {} (must be an object or boolean)",
                    snippet(other)
                ));
                return;
            }
        };

        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if depth >= MAX_REF_DEPTH {
                errors.push(format!(
                    "{path}: $ref nesting deeper than {MAX_REF_DEPTH} at {reference}; is the schema cyclic?"
                ));
                return;
            }
            match self.resolve(reference) {
                Some(target) => self.validate(target, value, path, depth + 1, errors),
                None => errors.push(format!("{path}: cannot resolve $ref {reference}")),
            }
            // In 3.1 (JSON Schema 2020-12) keywords beside $ref still apply, so fall through.
        }

        if let Some(types) = schema.get("type") {
            let names: Vec<&str> = match types {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            if !names.is_empty() && !names.iter().any(|t| type_matches(t, value)) {
                errors.push(format!(
                    "{path}: expected {}, got {}",
                    names.join(" or "),
                    describe(value)
                ));
                // The remaining keywords would only restate the same mismatch.
                return;
            }
        }

        if let Some(Value::Array(allowed)) = schema.get("enum") {
            if !allowed.iter().any(|a| json_eq(a, value)) {
                errors.push(format!(
                    "{path}: {} is not one of {}",
                    snippet(value),
                    snippet(&Value::Array(allowed.clone()))
                ));
            }
        }
        if let Some(expected) = schema.get("const") {
            if !json_eq(expected, value) {
                errors.push(format!(
                    "{path}: {} is not the constant {}",
                    snippet(value),
                    snippet(expected)
                ));
            }
        }

        match value {
            Value::Number(n) => check_number(schema, n, path, errors),
            Value::String(s) => check_string(schema, s, path, errors),
            Value::Array(items) => self.check_array(schema, items, path, depth, errors),
            Value::Object(object) => self.check_object(schema, object, path, depth, errors),
            _ => {}
        }

        if let Some(Value::Array(all)) = schema.get("allOf") {
            for sub in all {
                self.validate(sub, value, path, depth, errors);
            }
        }
        if let Some(Value::Array(any)) = schema.get("anyOf") {
            let results = self.alternatives(any, value, path, depth);
            if !results.iter().any(Vec::is_empty) {
                errors.push(format!(
                    "{path}: matches none of the {} anyOf alternatives ({})",
                    any.len(),
                    summarize_alternatives(&results)
                ));
            }
        }
        if let Some(Value::Array(one)) = schema.get("oneOf") {
            let results = self.alternatives(one, value, path, depth);
            let matching: Vec<String> = results
                .iter()
                .enumerate()
                .filter(|(_, e)| e.is_empty())
                .map(|(i, _)| format!("#{i}"))
                .collect();
            match matching.len() {
                1 => {}
                0 => errors.push(format!(
                    "{path}: matches none of the {} oneOf alternatives ({})",
                    one.len(),
                    summarize_alternatives(&results)
                )),
                n => errors.push(format!(
                    "{path}: matches {n} oneOf alternatives ({}), expected exactly one",
                    matching.join(", ")
                )),
            }
        }
        if let Some(not) = schema.get("not") {
            let mut sub = Vec::new();
            self.validate(not, value, path, depth, &mut sub);
            if sub.is_empty() {
                errors.push(format!(
                    "{path}: {} must not match the schema {}",
                    snippet(value),
                    snippet(not)
                ));
            }
        }
    }

    fn alternatives(
        &self,
        schemas: &[Value],
        value: &Value,
        path: &str,
        depth: usize,
    ) -> Vec<Vec<String>> {
        schemas
            .iter()
            .map(|s| {
                let mut sub = Vec::new();
                self.validate(s, value, path, depth, &mut sub);
                sub
            })
            .collect()
    }

    fn check_array(
        &self,
        schema: &serde_json::Map<String, Value>,
        items: &[Value],
        path: &str,
        depth: usize,
        errors: &mut Vec<String>,
    ) {
        let prefix: &[Value] = match schema.get("prefixItems") {
            Some(Value::Array(p)) => p,
            _ => &[],
        };
        for (i, item) in items.iter().enumerate() {
            let item_path = format!("{path}[{i}]");
            if let Some(sub) = prefix.get(i) {
                self.validate(sub, item, &item_path, depth, errors);
            } else if let Some(sub) = schema.get("items") {
                if sub == &Value::Bool(false) {
                    errors.push(format!(
                        "{item_path}: no item is allowed past the {} listed in prefixItems",
                        prefix.len()
                    ));
                } else {
                    self.validate(sub, item, &item_path, depth, errors);
                }
            }
        }
        if let Some(min) = schema.get("minItems").and_then(Value::as_u64) {
            if (items.len() as u64) < min {
                errors.push(format!(
                    "{path}: has {} items, fewer than minItems {min}",
                    items.len()
                ));
            }
        }
        if let Some(max) = schema.get("maxItems").and_then(Value::as_u64) {
            if items.len() as u64 > max {
                errors.push(format!(
                    "{path}: has {} items, more than maxItems {max}",
                    items.len()
                ));
            }
        }
        if schema.get("uniqueItems") == Some(&Value::Bool(true)) {
            'outer: for (i, a) in items.iter().enumerate() {
                for (j, b) in items.iter().enumerate().skip(i + 1) {
                    if json_eq(a, b) {
                        errors.push(format!(
                            "{path}: items [{i}] and [{j}] are equal ({}) but uniqueItems is set",
                            snippet(a)
                        ));
                        break 'outer;
                    }
                }
            }
        }
    }

    fn check_object(
        &self,
        schema: &serde_json::Map<String, Value>,
        object: &serde_json::Map<String, Value>,
        path: &str,
        depth: usize,
        errors: &mut Vec<String>,
    ) {
        if let Some(Value::Array(required)) = schema.get("required") {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    errors.push(format!(
                        "{path}: missing required property {}",
                        snippet(&Value::String(name.to_owned()))
                    ));
                }
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        if let Some(properties) = properties {
            for (name, sub) in properties {
                if let Some(v) = object.get(name) {
                    self.validate(sub, v, &child_path(path, name), depth, errors);
                }
            }
        }
        // Without a regex engine patternProperties cannot be evaluated, and guessing which keys
        // they claim would make additionalProperties reject valid bodies.
        if !schema.contains_key("patternProperties") {
            if let Some(additional) = schema.get("additionalProperties") {
                for (name, v) in object {
                    if properties.is_some_and(|p| p.contains_key(name)) {
                        continue;
                    }
                    let key_path = child_path(path, name);
                    if additional == &Value::Bool(false) {
                        errors.push(format!(
                            "{key_path}: property is not allowed (additionalProperties is false)"
                        ));
                    } else {
                        self.validate(additional, v, &key_path, depth, errors);
                    }
                }
            }
        }
        if let Some(names) = schema.get("propertyNames") {
            for name in object.keys() {
                let mut sub = Vec::new();
                self.validate(names, &Value::String(name.clone()), path, depth, &mut sub);
                errors.extend(sub.into_iter().map(|e| {
                    format!(
                        "{e} (in property name {})",
                        snippet(&Value::String(name.clone()))
                    )
                }));
            }
        }
        if let Some(min) = schema.get("minProperties").and_then(Value::as_u64) {
            if (object.len() as u64) < min {
                errors.push(format!(
                    "{path}: has {} properties, fewer than minProperties {min}",
                    object.len()
                ));
            }
        }
        if let Some(max) = schema.get("maxProperties").and_then(Value::as_u64) {
            if object.len() as u64 > max {
                errors.push(format!(
                    "{path}: has {} properties, more than maxProperties {max}",
                    object.len()
                ));
            }
        }
    }
}

const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operation_label(method: &str, path_template: &str, status: u16) -> String {
    format!(
        "{} {path_template} -> {status}",
        method.to_ascii_uppercase()
    )
}

fn none_if_empty(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

fn media_essence(media_type: &str) -> String {
    media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// `$ref` fragments are URI-encoded (a schema named `A B` is referenced as `#/.../A%20B`).
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn type_matches(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        "number" => value.is_number(),
        "integer" => matches!(value, Value::Number(n) if is_integral(n)),
        _ => false,
    }
}

/// JSON Schema treats `1.0` as an integer: the test is mathematical, not lexical.
fn is_integral(n: &Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

fn exact_integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

/// Integers are compared exactly so that limits near u64::MAX are not blurred by f64 rounding.
fn compare_numbers(a: &Number, b: &Number) -> Option<Ordering> {
    match (exact_integer(a), exact_integer(b)) {
        (Some(x), Some(y)) => Some(x.cmp(&y)),
        _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
    }
}

/// serde_json's `==` tells `1` from `1.0`, but JSON Schema's `enum`/`const` equality does not.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => compare_numbers(x, y) == Some(Ordering::Equal),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn check_number(
    schema: &serde_json::Map<String, Value>,
    n: &Number,
    path: &str,
    errors: &mut Vec<String>,
) {
    let limit = |key: &str| match schema.get(key) {
        Some(Value::Number(limit)) => compare_numbers(n, limit).map(|o| (o, limit.clone())),
        // 3.0's boolean exclusiveMinimum has no meaning in 3.1; ignoring it beats misreading it.
        _ => None,
    };
    if let Some((Ordering::Less, min)) = limit("minimum") {
        errors.push(format!("{path}: {n} is less than minimum {min}"));
    }
    if let Some((Ordering::Greater, max)) = limit("maximum") {
        errors.push(format!("{path}: {n} is greater than maximum {max}"));
    }
    if let Some((Ordering::Less | Ordering::Equal, min)) = limit("exclusiveMinimum") {
        errors.push(format!(
            "{path}: {n} is not greater than exclusiveMinimum {min}"
        ));
    }
    if let Some((Ordering::Greater | Ordering::Equal, max)) = limit("exclusiveMaximum") {
        errors.push(format!(
            "{path}: {n} is not less than exclusiveMaximum {max}"
        ));
    }
    if let Some(Value::Number(divisor)) = schema.get("multipleOf") {
        let is_multiple = match (exact_integer(n), exact_integer(divisor)) {
            (Some(x), Some(d)) if d != 0 => x % d == 0,
            _ => match (n.as_f64(), divisor.as_f64()) {
                (Some(x), Some(d)) if d != 0.0 => {
                    let q = x / d;
                    (q - q.round()).abs() < 1e-9
                }
                _ => true,
            },
        };
        if !is_multiple {
            errors.push(format!("{path}: {n} is not a multiple of {divisor}"));
        }
    }
}

fn check_string(
    schema: &serde_json::Map<String, Value>,
    s: &str,
    path: &str,
    errors: &mut Vec<String>,
) {
    // JSON Schema lengths count code points, which is what `chars` yields.
    let len = s.chars().count() as u64;
    if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
        if len < min {
            errors.push(format!(
                "{path}: {} has {len} characters, fewer than minLength {min}",
                snippet(&Value::String(s.to_owned()))
            ));
        }
    }
    if let Some(max) = schema.get("maxLength").and_then(Value::as_u64) {
        if len > max {
            errors.push(format!(
                "{path}: {} has {len} characters, more than maxLength {max}",
                snippet(&Value::String(s.to_owned()))
            ));
        }
    }
}

fn summarize_alternatives(results: &[Vec<String>]) -> String {
    results
        .iter()
        .enumerate()
        .map(|(i, errs)| {
            let mut shown: Vec<&str> = errs
                .iter()
                .take(MAX_ALTERNATIVE_ERRORS)
                .map(String::as_str)
                .collect();
            let more = errs.len().saturating_sub(MAX_ALTERNATIVE_ERRORS);
            let more_text = format!("and {more} more");
            if more > 0 {
                shown.push(&more_text);
            }
            format!("#{i}: {}", shown.join("; "))
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn child_path(path: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        format!("{path}.{key}")
    } else {
        format!("{path}[{}]", snippet(&Value::String(key.to_owned())))
    }
}

fn describe(value: &Value) -> String {
    let kind = match value {
        Value::Null => return "null".to_owned(),
        Value::Bool(_) => "boolean",
        Value::Number(n) if is_integral(n) => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    format!("{kind} {}", snippet(value))
}

fn snippet(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= MAX_SNIPPET_CHARS {
        text
    } else {
        let cut: String = text.chars().take(MAX_SNIPPET_CHARS).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(value: Value) -> OpenApiDoc {
        OpenApiDoc::parse(&value.to_string())
    }

    /// One operation, `GET /t -> 200`, whose body must match `schema`; `components` is available
    /// for `$ref`s.
    fn doc_with(schema: Value, components: Value) -> OpenApiDoc {
        doc(json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/t": {"get": {"responses": {"200": {
                "description": "ok",
                "content": {"application/json": {"schema": schema}}
            }}}}},
            "components": components
        }))
    }

    fn check(schema: Value, body: Value) -> Result<(), String> {
        doc_with(schema, json!({})).check_response("get", "/t", 200, &body)
    }

    fn check_with(schema: Value, components: Value, body: Value) -> Result<(), String> {
        doc_with(schema, components).check_response("get", "/t", 200, &body)
    }

    #[track_caller]
    fn assert_ok(result: Result<(), String>) {
        if let Err(e) = result {
            panic!("expected Ok, got Err:\n{e}");
        }
    }

    /// Returns the message so a test can make further claims about it.
    #[track_caller]
    fn assert_err(result: Result<(), String>, needle: &str) -> String {
        match result {
            Ok(()) => panic!("expected an Err containing {needle:?}, got Ok"),
            Err(e) => {
                assert!(e.contains(needle), "expected {needle:?} in:\n{e}");
                e
            }
        }
    }

    /// A document shaped like utoipa 5's output for a small token API.
    fn token_api() -> OpenApiDoc {
        doc(json!({
            "openapi": "3.1.0",
            "info": {"title": "tokendesk", "version": "0.1.0"},
            "paths": {
                "/api/tokens": {
                    "get": {"responses": {
                        "200": {"description": "list", "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/TokenList"
                        }}}},
                        "401": {"$ref": "#/components/responses/Unauthorized"}
                    }},
                    "post": {"responses": {
                        "201": {"description": "created", "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Token"
                        }}}},
                        "4XX": {"description": "client error", "content": {"application/json": {"schema": {
                            "$ref": "#/components/schemas/Error"
                        }}}},
                        "default": {"description": "anything else", "content": {"application/json": {"schema": {
                            "type": "object", "required": ["fallback"]
                        }}}}
                    }}
                },
                "/api/tokens/{id}": {
                    "get": {"responses": {
                        "200": {"description": "one", "content": {"application/json; charset=utf-8": {"schema": {
                            "$ref": "#/components/schemas/Token"
                        }}}},
                        "404": {"$ref": "#/components/responses/NotFound"}
                    }},
                    "delete": {"responses": {
                        "204": {"description": "deleted"}
                    }}
                },
                "/api/export": {
                    "get": {"responses": {
                        "200": {"description": "csv", "content": {"text/csv": {"schema": {"type": "string"}}}}
                    }}
                }
            },
            "components": {
                "schemas": {
                    "Token": {
                        "type": "object",
                        "required": ["id", "name", "status", "created_at"],
                        "properties": {
                            "id": {"type": "integer", "format": "int64", "minimum": 0},
                            "name": {"type": "string", "minLength": 1, "maxLength": 64},
                            "status": {"$ref": "#/components/schemas/TokenStatus"},
                            "created_at": {"type": "string", "format": "date-time"},
                            "expires_at": {"type": ["string", "null"], "format": "date-time"},
                            "owner": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/User"}]},
                            "scopes": {"type": "array", "items": {"type": "string"}, "uniqueItems": true}
                        },
                        "additionalProperties": false
                    },
                    "TokenStatus": {"type": "string", "enum": ["active", "expired"]},
                    "User": {
                        "type": "object",
                        "required": ["login"],
                        "properties": {"login": {"type": "string"}}
                    },
                    "TokenList": {
                        "type": "object",
                        "required": ["items", "total"],
                        "properties": {
                            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Token"}},
                            "total": {"type": "integer", "format": "int32", "minimum": 0}
                        }
                    },
                    "Error": {
                        "type": "object",
                        "required": ["error"],
                        "properties": {"error": {"type": "string"}}
                    }
                },
                "responses": {
                    "NotFound": {"description": "not found", "content": {"application/json": {"schema": {
                        "$ref": "#/components/schemas/Error"
                    }}}},
                    "Unauthorized": {"$ref": "#/components/responses/NotFound"}
                }
            }
        }))
    }

    fn token(id: u64, status: &str) -> Value {
        json!({"id": id, "name": "ci", "status": status, "created_at": "2026-01-01T00:00:00Z"})
    }

    // ---- parse ----

    #[test]
    fn parse_accepts_3_1_documents() {
        let d = OpenApiDoc::parse(r#"{"openapi": "3.1.0", "info": {}, "paths": {}}"#);
        assert!(!d.has_response("get", "/", 200));
        OpenApiDoc::parse(r#"{"openapi": "3.1.1"}"#);
    }

    #[test]
    #[should_panic(expected = "not valid JSON")]
    fn parse_rejects_non_json() {
        OpenApiDoc::parse("openapi: 3.1.0");
    }

    #[test]
    #[should_panic(expected = "only 3.1.x is supported")]
    fn parse_rejects_openapi_3_0() {
        OpenApiDoc::parse(r#"{"openapi": "3.0.3", "paths": {}}"#);
    }

    #[test]
    #[should_panic(expected = "only 3.1.x is supported")]
    fn parse_rejects_3_10_lookalike() {
        OpenApiDoc::parse(r#"{"openapi": "3.10.0"}"#);
    }

    #[test]
    #[should_panic(expected = "no \"openapi\" version field")]
    fn parse_rejects_missing_version() {
        OpenApiDoc::parse(r#"{"swagger": "2.0"}"#);
    }

    // ---- response lookup ----

    #[test]
    fn realistic_document_accepts_valid_bodies() {
        let d = token_api();
        let list = json!({
            "items": [
                token(1, "active"),
                {"id": 2, "name": "x", "status": "expired", "created_at": "t",
                 "expires_at": null, "owner": {"login": "ann"}, "scopes": ["read", "write"]},
                {"id": 3, "name": "y", "status": "active", "created_at": "t",
                 "expires_at": "2027-01-01T00:00:00Z", "owner": null, "scopes": []}
            ],
            "total": 3
        });
        assert_ok(d.check_response("get", "/api/tokens", 200, &list));
        assert_ok(d.check_response("GET", "/api/tokens/{id}", 200, &token(7, "active")));
    }

    #[test]
    fn nested_violation_is_reported_with_its_json_path() {
        let d = token_api();
        let list = json!({
            "items": [token(0, "active"), token(1, "active"), token(2, "active"), token(3, "bogus")],
            "total": 4
        });
        let e = assert_err(
            d.check_response("get", "/api/tokens", 200, &list),
            r#"$.items[3].status: "bogus" is not one of ["active","expired"]"#,
        );
        assert!(e.starts_with("GET /api/tokens -> 200: "), "{e}");
        assert!(e.contains("(1 violation)"), "{e}");
    }

    #[test]
    fn every_violation_is_listed() {
        let d = token_api();
        let list = json!({
            "items": [
                {"id": -1, "name": "", "status": "active", "created_at": 5, "extra": true},
                {"id": 1.5, "name": "n", "status": "expired", "created_at": "t",
                 "owner": {"login": 3}, "scopes": ["a", "a"]}
            ]
        });
        let e = assert_err(
            d.check_response("get", "/api/tokens", 200, &list),
            "$: missing required property \"total\"",
        );
        for needle in [
            "$.items[0].id: -1 is less than minimum 0",
            "$.items[0].name: \"\" has 0 characters, fewer than minLength 1",
            "$.items[0].created_at: expected string, got integer 5",
            "$.items[0].extra: property is not allowed (additionalProperties is false)",
            "$.items[1].id: expected integer, got number 1.5",
            "$.items[1].owner: matches none of the 2 oneOf alternatives",
            "$.items[1].owner.login: expected string, got integer 3",
            "$.items[1].scopes: items [0] and [1] are equal (\"a\") but uniqueItems is set",
        ] {
            assert!(e.contains(needle), "expected {needle:?} in:\n{e}");
        }
        assert!(e.contains("(8 violations)"), "{e}");
    }

    #[test]
    fn missing_path_is_an_error() {
        let d = token_api();
        assert_err(
            d.check_response("get", "/api/nope", 200, &json!({})),
            "GET /api/nope -> 200: the path /api/nope is not in the document",
        );
        assert!(!d.has_response("get", "/api/nope", 200));
    }

    #[test]
    fn concrete_path_is_not_matched_against_templates() {
        let d = token_api();
        assert!(!d.has_response("get", "/api/tokens/7", 200));
    }

    #[test]
    fn missing_method_is_an_error() {
        let d = token_api();
        assert_err(
            d.check_response("put", "/api/tokens/{id}", 200, &json!({})),
            "no PUT operation on /api/tokens/{id} (documented: DELETE, GET)",
        );
        assert!(!d.has_response("put", "/api/tokens/{id}", 200));
    }

    #[test]
    fn undocumented_status_is_an_error() {
        let d = token_api();
        assert_err(
            d.check_response("get", "/api/tokens/{id}", 500, &json!({"error": "x"})),
            "status 500 is not documented for this operation (documented: 200, 404)",
        );
        assert!(!d.has_response("get", "/api/tokens/{id}", 500));
        assert!(!d.has_response("delete", "/api/tokens/{id}", 200));
    }

    #[test]
    fn method_is_case_insensitive() {
        let d = token_api();
        assert!(d.has_response("GET", "/api/tokens/{id}", 200));
        assert!(d.has_response("Delete", "/api/tokens/{id}", 204));
    }

    #[test]
    fn response_without_content_exists_but_has_no_json_body() {
        let d = token_api();
        assert!(d.has_response("delete", "/api/tokens/{id}", 204));
        assert_err(
            d.check_response("delete", "/api/tokens/{id}", 204, &json!(null)),
            "describes this response without any content",
        );
    }

    #[test]
    fn non_json_content_is_an_error() {
        let d = token_api();
        assert!(d.has_response("get", "/api/export", 200));
        assert_err(
            d.check_response("get", "/api/export", 200, &json!("a,b")),
            "no application/json content for this response (it has: text/csv)",
        );
    }

    #[test]
    fn json_media_type_with_parameters_counts_as_json() {
        let d = token_api();
        assert_err(
            d.check_response("get", "/api/tokens/{id}", 200, &json!({})),
            "missing required property \"id\"",
        );
    }

    #[test]
    fn response_ref_to_components_is_resolved() {
        let d = token_api();
        assert!(d.has_response("get", "/api/tokens/{id}", 404));
        assert_ok(d.check_response(
            "get",
            "/api/tokens/{id}",
            404,
            &json!({"error": "no such token"}),
        ));
        assert_err(
            d.check_response("get", "/api/tokens/{id}", 404, &json!({"message": "x"})),
            "$: missing required property \"error\"",
        );
    }

    #[test]
    fn chained_response_refs_are_resolved() {
        let d = token_api();
        assert_ok(d.check_response("get", "/api/tokens", 401, &json!({"error": "login"})));
        assert_err(
            d.check_response("get", "/api/tokens", 401, &json!({"error": 1})),
            "$.error: expected string, got integer 1",
        );
    }

    #[test]
    fn unresolvable_response_ref_is_an_error() {
        let d = doc(json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Gone"}}}}}
        }));
        assert!(!d.has_response("get", "/a", 200));
        assert_err(
            d.check_response("get", "/a", 200, &json!({})),
            "cannot resolve $ref #/components/responses/Gone",
        );
    }

    #[test]
    fn cyclic_response_refs_are_an_error() {
        let d = doc(json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/A"}}}}},
            "components": {"responses": {
                "A": {"$ref": "#/components/responses/B"},
                "B": {"$ref": "#/components/responses/A"}
            }}
        }));
        assert_err(
            d.check_response("get", "/a", 200, &json!({})),
            "is it cyclic?",
        );
    }

    #[test]
    fn range_status_key_is_used_when_no_exact_code() {
        let d = token_api();
        assert!(d.has_response("post", "/api/tokens", 422));
        assert_ok(d.check_response("post", "/api/tokens", 422, &json!({"error": "bad"})));
        assert_err(
            d.check_response("post", "/api/tokens", 409, &json!({})),
            "missing required property \"error\"",
        );
    }

    #[test]
    fn lowercase_range_key_is_accepted() {
        let d = doc(json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"get": {"responses": {"5xx": {"description": "e"}}}}}
        }));
        assert!(d.has_response("get", "/a", 503));
        assert!(!d.has_response("get", "/a", 404));
    }

    #[test]
    fn default_is_the_last_fallback() {
        let d = token_api();
        assert!(d.has_response("post", "/api/tokens", 500));
        assert_ok(d.check_response("post", "/api/tokens", 500, &json!({"fallback": 1})));
        // An exact code wins over both the range and the default.
        assert_ok(d.check_response("post", "/api/tokens", 201, &token(1, "active")));
        // The range wins over the default.
        assert_err(
            d.check_response("post", "/api/tokens", 400, &json!({"fallback": 1})),
            "missing required property \"error\"",
        );
    }

    #[test]
    fn no_default_means_no_fallback() {
        let d = token_api();
        assert!(!d.has_response("get", "/api/tokens", 500));
    }

    #[test]
    fn path_item_ref_is_resolved() {
        let d = doc(json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"$ref": "#/components/pathItems/A"}},
            "components": {"pathItems": {"A": {"get": {"responses": {"200": {
                "description": "x", "content": {"application/json": {"schema": {"type": "boolean"}}}
            }}}}}}
        }));
        assert_ok(d.check_response("get", "/a", 200, &json!(true)));
        assert_err(
            d.check_response("get", "/a", 200, &json!(1)),
            "expected boolean",
        );
    }

    #[test]
    fn document_without_paths_describes_nothing() {
        let d = doc(json!({"openapi": "3.1.0"}));
        assert_err(
            d.check_response("get", "/", 200, &json!(null)),
            "has no \"paths\"",
        );
    }

    #[test]
    fn media_type_without_schema_accepts_anything() {
        let d = doc(json!({
            "openapi": "3.1.0",
            "paths": {"/a": {"get": {"responses": {"200": {
                "description": "x", "content": {"application/json": {}}
            }}}}}
        }));
        assert_ok(d.check_response("get", "/a", 200, &json!({"any": [1, "thing"]})));
    }

    // ---- boolean and empty schemas ----

    #[test]
    fn true_and_empty_schemas_accept_anything() {
        for body in [
            json!(null),
            json!(1),
            json!("s"),
            json!([1]),
            json!({"a": 1}),
        ] {
            assert_ok(check(json!(true), body.clone()));
            assert_ok(check(json!({}), body));
        }
    }

    #[test]
    fn false_schema_accepts_nothing() {
        assert_err(
            check(json!(false), json!(null)),
            "$: no value is allowed here",
        );
        assert_err(
            check(json!({"properties": {"a": false}}), json!({"a": 1})),
            "$.a: no value is allowed here (schema is false), got integer 1",
        );
        assert_ok(check(json!({"properties": {"a": false}}), json!({"b": 1})));
    }

    #[test]
    fn invalid_schema_value_is_reported() {
        assert_err(check(json!(3), json!(1)), "invalid schema 3");
    }

    // ---- type ----

    #[test]
    fn each_type_accepts_its_values() {
        assert_ok(check(json!({"type": "null"}), json!(null)));
        assert_ok(check(json!({"type": "boolean"}), json!(false)));
        assert_ok(check(json!({"type": "string"}), json!("")));
        assert_ok(check(json!({"type": "array"}), json!([])));
        assert_ok(check(json!({"type": "object"}), json!({})));
        assert_ok(check(json!({"type": "number"}), json!(1.5)));
        assert_ok(check(json!({"type": "integer"}), json!(-3)));
    }

    #[test]
    fn each_type_rejects_other_values() {
        assert_err(
            check(json!({"type": "null"}), json!(0)),
            "$: expected null, got integer 0",
        );
        assert_err(
            check(json!({"type": "boolean"}), json!("true")),
            "expected boolean, got string \"true\"",
        );
        assert_err(
            check(json!({"type": "string"}), json!(null)),
            "expected string, got null",
        );
        assert_err(
            check(json!({"type": "array"}), json!({})),
            "expected array, got object {}",
        );
        assert_err(
            check(json!({"type": "object"}), json!([])),
            "expected object, got array []",
        );
        assert_err(
            check(json!({"type": "number"}), json!("1")),
            "expected number, got string \"1\"",
        );
        assert_err(
            check(json!({"type": "integer"}), json!(true)),
            "expected integer, got boolean true",
        );
    }

    #[test]
    fn integer_means_no_fractional_part() {
        assert_err(
            check(json!({"type": "integer"}), json!(1.5)),
            "expected integer, got number 1.5",
        );
        assert_ok(check(json!({"type": "integer"}), json!(2.0)));
        assert_ok(check(json!({"type": "integer"}), json!(u64::MAX)));
        assert_ok(check(json!({"type": "integer"}), json!(i64::MIN)));
    }

    #[test]
    fn number_accepts_integers() {
        assert_ok(check(json!({"type": "number"}), json!(7)));
        assert_ok(check(json!({"type": "number"}), json!(u64::MAX)));
    }

    #[test]
    fn type_array_accepts_any_listed_type() {
        let schema = json!({"type": ["string", "null"]});
        assert_ok(check(schema.clone(), json!("x")));
        assert_ok(check(schema.clone(), json!(null)));
        assert_err(
            check(schema, json!(1)),
            "$: expected string or null, got integer 1",
        );
    }

    #[test]
    fn unknown_type_name_matches_nothing() {
        assert_err(
            check(json!({"type": "date"}), json!("2026-01-01")),
            "expected date",
        );
    }

    #[test]
    fn nullable_is_not_3_1_and_is_ignored() {
        assert_err(
            check(json!({"type": "string", "nullable": true}), json!(null)),
            "expected string, got null",
        );
    }

    // ---- enum and const ----

    #[test]
    fn enum_accepts_listed_values_only() {
        let schema = json!({"type": "string", "enum": ["active", "expired"]});
        assert_ok(check(schema.clone(), json!("expired")));
        assert_err(
            check(schema, json!("Active")),
            r#"$: "Active" is not one of ["active","expired"]"#,
        );
    }

    #[test]
    fn enum_without_type_and_with_null() {
        let schema = json!({"enum": [1, "a", null, {"k": [true]}]});
        assert_ok(check(schema.clone(), json!(null)));
        assert_ok(check(schema.clone(), json!({"k": [true]})));
        assert_ok(check(schema.clone(), json!(1.0)));
        assert_err(
            check(schema.clone(), json!({"k": [false]})),
            "is not one of",
        );
        assert_err(check(schema, json!("1")), "is not one of");
    }

    #[test]
    fn const_accepts_only_its_value() {
        let schema = json!({"const": "token"});
        assert_ok(check(schema.clone(), json!("token")));
        assert_err(
            check(schema, json!("other")),
            r#"$: "other" is not the constant "token""#,
        );
        assert_ok(check(json!({"const": null}), json!(null)));
        assert_err(
            check(json!({"const": null}), json!(0)),
            "is not the constant null",
        );
        assert_ok(check(json!({"const": 5}), json!(5.0)));
    }

    // ---- numbers ----

    #[test]
    fn minimum_and_maximum_are_inclusive() {
        let schema = json!({"type": "integer", "minimum": 1, "maximum": 10});
        assert_ok(check(schema.clone(), json!(1)));
        assert_ok(check(schema.clone(), json!(10)));
        assert_err(
            check(schema.clone(), json!(0)),
            "$: 0 is less than minimum 1",
        );
        assert_err(check(schema, json!(11)), "$: 11 is greater than maximum 10");
    }

    #[test]
    fn float_limits() {
        let schema = json!({"type": "number", "minimum": 0.5, "maximum": 1.5});
        assert_ok(check(schema.clone(), json!(1)));
        assert_err(
            check(schema.clone(), json!(0.25)),
            "0.25 is less than minimum 0.5",
        );
        assert_err(check(schema, json!(2)), "2 is greater than maximum 1.5");
    }

    #[test]
    fn limits_near_u64_max_are_exact() {
        let schema = json!({"type": "integer", "maximum": u64::MAX - 1});
        assert_ok(check(schema.clone(), json!(u64::MAX - 1)));
        assert_err(check(schema, json!(u64::MAX)), "is greater than maximum");
        assert_err(
            check(json!({"type": "integer", "minimum": 0}), json!(i64::MIN)),
            "is less than minimum 0",
        );
    }

    #[test]
    fn exclusive_limits() {
        let schema = json!({"exclusiveMinimum": 0, "exclusiveMaximum": 10});
        assert_ok(check(schema.clone(), json!(5)));
        assert_err(
            check(schema.clone(), json!(0)),
            "0 is not greater than exclusiveMinimum 0",
        );
        assert_err(
            check(schema, json!(10)),
            "10 is not less than exclusiveMaximum 10",
        );
        // 3.0's boolean form means nothing on its own in 3.1.
        assert_ok(check(json!({"exclusiveMinimum": true}), json!(0)));
    }

    #[test]
    fn multiple_of() {
        assert_ok(check(json!({"multipleOf": 5}), json!(15)));
        assert_err(
            check(json!({"multipleOf": 5}), json!(7)),
            "7 is not a multiple of 5",
        );
        assert_ok(check(json!({"multipleOf": 0.1}), json!(0.3)));
        assert_err(
            check(json!({"multipleOf": 0.5}), json!(0.3)),
            "is not a multiple of 0.5",
        );
    }

    #[test]
    fn numeric_keywords_ignore_non_numbers() {
        assert_ok(check(json!({"minimum": 5, "multipleOf": 2}), json!("x")));
    }

    // ---- strings ----

    #[test]
    fn string_lengths_count_characters_not_bytes() {
        let schema = json!({"type": "string", "minLength": 2, "maxLength": 3});
        assert_ok(check(schema.clone(), json!("ab")));
        assert_ok(check(schema.clone(), json!("äöü")));
        assert_err(
            check(schema.clone(), json!("a")),
            "$: \"a\" has 1 characters, fewer than minLength 2",
        );
        assert_err(
            check(schema, json!("abcd")),
            "\"abcd\" has 4 characters, more than maxLength 3",
        );
        assert_ok(check(json!({"maxLength": 1}), json!("🦀")));
    }

    #[test]
    fn format_and_pattern_are_ignored() {
        assert_ok(check(
            json!({"type": "string", "format": "date-time"}),
            json!("not a date"),
        ));
        assert_ok(check(
            json!({"type": "string", "pattern": "^a$"}),
            json!("b"),
        ));
        assert_ok(check(
            json!({"type": "integer", "format": "int32"}),
            json!(i64::MAX),
        ));
    }

    #[test]
    fn string_keywords_ignore_non_strings() {
        assert_ok(check(json!({"minLength": 3}), json!(1)));
    }

    // ---- arrays ----

    #[test]
    fn items_apply_to_every_element_with_index_in_path() {
        let schema = json!({"type": "array", "items": {"type": "integer"}});
        assert_ok(check(schema.clone(), json!([1, 2, 3])));
        assert_ok(check(schema.clone(), json!([])));
        let e = assert_err(
            check(schema, json!([1, "2", 3, null])),
            "$[1]: expected integer, got string \"2\"",
        );
        assert!(e.contains("$[3]: expected integer, got null"), "{e}");
    }

    #[test]
    fn nested_arrays_and_objects_build_paths() {
        let schema = json!({"type": "object", "properties": {"rows": {
            "type": "array", "items": {"type": "array", "items": {
                "type": "object", "properties": {"v": {"type": "string"}}
            }}
        }}});
        assert_err(
            check(schema, json!({"rows": [[], [{"v": "a"}, {"v": 1}]]})),
            "$.rows[1][1].v: expected string, got integer 1",
        );
    }

    #[test]
    fn min_and_max_items() {
        let schema = json!({"type": "array", "minItems": 1, "maxItems": 2});
        assert_ok(check(schema.clone(), json!([1])));
        assert_ok(check(schema.clone(), json!([1, 2])));
        assert_err(
            check(schema.clone(), json!([])),
            "$: has 0 items, fewer than minItems 1",
        );
        assert_err(
            check(schema, json!([1, 2, 3])),
            "$: has 3 items, more than maxItems 2",
        );
    }

    #[test]
    fn unique_items() {
        let schema = json!({"type": "array", "uniqueItems": true});
        assert_ok(check(schema.clone(), json!([1, "1", [1], {"a": 1}])));
        assert_err(
            check(schema.clone(), json!([{"a": 1}, 2, {"a": 1}])),
            "items [0] and [2] are equal",
        );
        assert_err(
            check(schema, json!([1, 1.0])),
            "items [0] and [1] are equal",
        );
        assert_ok(check(json!({"uniqueItems": false}), json!([1, 1])));
    }

    #[test]
    fn prefix_items_for_tuples() {
        let schema = json!({
            "type": "array",
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "items": false
        });
        assert_ok(check(schema.clone(), json!(["a", 1])));
        assert_ok(check(schema.clone(), json!(["a"])));
        assert_err(
            check(schema.clone(), json!([1, 1])),
            "$[0]: expected string",
        );
        assert_err(
            check(schema, json!(["a", 1, true])),
            "$[2]: no item is allowed past the 2 listed in prefixItems",
        );
        let open = json!({"prefixItems": [{"type": "string"}], "items": {"type": "boolean"}});
        assert_ok(check(open.clone(), json!(["a", true, false])));
        assert_err(check(open, json!(["a", 1])), "$[1]: expected boolean");
    }

    // ---- objects ----

    #[test]
    fn properties_are_checked_only_when_present() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert_ok(check(schema.clone(), json!({})));
        assert_ok(check(schema.clone(), json!({"a": "x"})));
        assert_err(
            check(schema, json!({"a": 1})),
            "$.a: expected string, got integer 1",
        );
    }

    #[test]
    fn required_properties() {
        let schema = json!({"type": "object", "required": ["a", "b"]});
        assert_ok(check(schema.clone(), json!({"a": null, "b": 0})));
        let e = assert_err(
            check(schema, json!({"b": 0})),
            "$: missing required property \"a\"",
        );
        assert!(!e.contains("\"b\""), "{e}");
    }

    #[test]
    fn additional_properties_absent_allows_extras() {
        let schema = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert_ok(check(schema, json!({"a": "x", "b": 1})));
    }

    #[test]
    fn additional_properties_false_rejects_extras() {
        let schema =
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false});
        assert_ok(check(schema.clone(), json!({"a": 1})));
        assert_err(
            check(schema, json!({"a": 1, "b": 2})),
            "$.b: property is not allowed",
        );
        assert_ok(check(
            json!({"additionalProperties": true}),
            json!({"x": 1}),
        ));
    }

    #[test]
    fn additional_properties_schema_checks_map_values() {
        let schema = json!({"type": "object", "additionalProperties": {"type": "integer"}});
        assert_ok(check(schema.clone(), json!({"x": 1, "y": 2})));
        assert_err(
            check(schema, json!({"x": 1, "y": "2"})),
            "$.y: expected integer, got string \"2\"",
        );
    }

    #[test]
    fn pattern_properties_disable_additional_properties_check() {
        let schema = json!({"patternProperties": {"^x": {}}, "additionalProperties": false});
        assert_ok(check(schema, json!({"x1": 1})));
    }

    #[test]
    fn unusual_keys_are_quoted_in_paths() {
        let schema = json!({"type": "object", "additionalProperties": {"type": "string"}});
        let e = assert_err(
            check(schema, json!({"a b": 1, "9": 2, "ok_1": 3})),
            r#"$["a b"]: expected string"#,
        );
        assert!(e.contains(r#"$["9"]: expected string"#), "{e}");
        assert!(e.contains("$.ok_1: expected string"), "{e}");
    }

    #[test]
    fn min_and_max_properties() {
        let schema = json!({"minProperties": 1, "maxProperties": 1});
        assert_ok(check(schema.clone(), json!({"a": 1})));
        assert_err(
            check(schema.clone(), json!({})),
            "fewer than minProperties 1",
        );
        assert_err(
            check(schema, json!({"a": 1, "b": 2})),
            "more than maxProperties 1",
        );
    }

    #[test]
    fn property_names() {
        let schema = json!({"propertyNames": {"maxLength": 2}});
        assert_ok(check(schema.clone(), json!({"ab": 1})));
        assert_err(
            check(schema, json!({"abc": 1})),
            "more than maxLength 2 (in property name \"abc\")",
        );
    }

    #[test]
    fn object_keywords_ignore_non_objects() {
        assert_ok(check(
            json!({"required": ["a"], "additionalProperties": false}),
            json!([1]),
        ));
    }

    // ---- composition ----

    #[test]
    fn one_of_exactly_one_match_is_accepted() {
        let schema = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        assert_ok(check(schema.clone(), json!("a")));
        assert_ok(check(schema, json!(1)));
    }

    #[test]
    fn one_of_with_no_match_is_rejected_with_reasons() {
        let schema = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        let e = assert_err(
            check(schema, json!(1.5)),
            "$: matches none of the 2 oneOf alternatives",
        );
        assert!(e.contains("#0: $: expected string, got number 1.5"), "{e}");
        assert!(e.contains("#1: $: expected integer, got number 1.5"), "{e}");
    }

    #[test]
    fn one_of_with_two_matches_is_rejected() {
        let schema = json!({"oneOf": [{"type": "number"}, {"type": "integer"}]});
        assert_ok(check(schema.clone(), json!(1.5)));
        assert_err(
            check(schema, json!(2)),
            "$: matches 2 oneOf alternatives (#0, #1), expected exactly one",
        );
    }

    #[test]
    fn one_of_tagged_enum_like_utoipa() {
        let schema = json!({"oneOf": [
            {"type": "object", "required": ["kind", "id"], "properties": {
                "kind": {"type": "string", "enum": ["token"]}, "id": {"type": "integer"}}},
            {"type": "object", "required": ["kind", "login"], "properties": {
                "kind": {"type": "string", "enum": ["user"]}, "login": {"type": "string"}}}
        ], "discriminator": {"propertyName": "kind"}});
        assert_ok(check(schema.clone(), json!({"kind": "token", "id": 1})));
        assert_ok(check(
            schema.clone(),
            json!({"kind": "user", "login": "ann"}),
        ));
        let e = assert_err(
            check(schema, json!({"kind": "user", "id": 1})),
            "matches none of the 2 oneOf",
        );
        assert!(
            e.contains("#1: $: missing required property \"login\""),
            "{e}"
        );
    }

    #[test]
    fn one_of_reason_lists_are_capped() {
        let schema =
            json!({"oneOf": [{"required": ["a", "b", "c", "d", "e"]}, {"type": "string"}]});
        let e = assert_err(check(schema, json!({})), "and 2 more");
        assert!(!e.contains("\"d\""), "{e}");
    }

    #[test]
    fn any_of_needs_at_least_one_match() {
        let schema = json!({"anyOf": [{"type": "number"}, {"type": "integer"}]});
        assert_ok(check(schema.clone(), json!(2)));
        assert_ok(check(schema.clone(), json!(2.5)));
        assert_err(
            check(schema, json!("2")),
            "$: matches none of the 2 anyOf alternatives",
        );
    }

    #[test]
    fn all_of_needs_every_match() {
        let schema = json!({"allOf": [
            {"type": "object", "required": ["a"]},
            {"type": "object", "required": ["b"], "properties": {"b": {"type": "integer"}}}
        ]});
        assert_ok(check(schema.clone(), json!({"a": 1, "b": 2})));
        let e = assert_err(
            check(schema.clone(), json!({"b": "x"})),
            "$: missing required property \"a\"",
        );
        assert!(e.contains("$.b: expected integer"), "{e}");
        assert_err(
            check(schema, json!({"a": 1})),
            "missing required property \"b\"",
        );
    }

    #[test]
    fn not_rejects_matches() {
        let schema = json!({"not": {"type": "null"}});
        assert_ok(check(schema.clone(), json!(0)));
        assert_err(
            check(schema, json!(null)),
            "$: null must not match the schema {\"type\":\"null\"}",
        );
    }

    #[test]
    fn composition_inside_nested_properties_reports_full_path() {
        let schema = json!({"properties": {"a": {"items": {"oneOf": [{"type": "null"}, {"type": "integer", "minimum": 3}]}}}});
        assert_ok(check(schema.clone(), json!({"a": [null, 3]})));
        let e = assert_err(
            check(schema, json!({"a": [null, 1]})),
            "$.a[1]: matches none of the 2 oneOf",
        );
        assert!(e.contains("#1: $.a[1]: 1 is less than minimum 3"), "{e}");
    }

    // ---- $ref ----

    #[test]
    fn ref_to_component_schema() {
        let components = json!({"schemas": {"Id": {"type": "integer", "minimum": 1}}});
        let schema =
            json!({"type": "object", "properties": {"id": {"$ref": "#/components/schemas/Id"}}});
        assert_ok(check_with(
            schema.clone(),
            components.clone(),
            json!({"id": 3}),
        ));
        assert_err(
            check_with(schema, components, json!({"id": 0})),
            "$.id: 0 is less than minimum 1",
        );
    }

    #[test]
    fn nullable_ref_like_utoipa_option() {
        let components = json!({"schemas": {"User": {"type": "object", "required": ["login"]}}});
        let schema = json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/User"}]});
        assert_ok(check_with(schema.clone(), components.clone(), json!(null)));
        assert_ok(check_with(
            schema.clone(),
            components.clone(),
            json!({"login": "a"}),
        ));
        assert_err(
            check_with(schema, components, json!({})),
            "missing required property \"login\"",
        );
    }

    #[test]
    fn ref_chains_and_recursive_schemas() {
        let components = json!({"schemas": {
            "Alias": {"$ref": "#/components/schemas/Node"},
            "Node": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string"},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
            }}
        }});
        let schema = json!({"$ref": "#/components/schemas/Alias"});
        let tree = json!({"name": "a", "children": [{"name": "b", "children": [{"name": "c"}]}]});
        assert_ok(check_with(schema.clone(), components.clone(), tree));
        assert_err(
            check_with(
                schema,
                components,
                json!({"name": "a", "children": [{"children": [{"name": 1}]}]}),
            ),
            "$.children[0].children[0].name: expected string",
        );
    }

    #[test]
    fn ref_siblings_still_apply() {
        let components = json!({"schemas": {"S": {"type": "string"}}});
        let schema = json!({"$ref": "#/components/schemas/S", "description": "d", "maxLength": 1});
        assert_ok(check_with(schema.clone(), components.clone(), json!("a")));
        assert_err(
            check_with(schema, components, json!("ab")),
            "more than maxLength 1",
        );
    }

    #[test]
    fn ref_with_escaped_name_resolves() {
        let components = json!({"schemas": {"a/b c": {"type": "boolean"}}});
        let schema = json!({"$ref": "#/components/schemas/a~1b%20c"});
        assert_ok(check_with(schema.clone(), components.clone(), json!(true)));
        assert_err(check_with(schema, components, json!(1)), "expected boolean");
    }

    #[test]
    fn unresolvable_schema_ref_is_an_error() {
        assert_err(
            check(json!({"$ref": "#/components/schemas/Missing"}), json!(1)),
            "$: cannot resolve $ref #/components/schemas/Missing",
        );
        assert_err(
            check(json!({"$ref": "other.json#/X"}), json!(1)),
            "cannot resolve $ref other.json#/X",
        );
        assert_err(
            check(json!({"$ref": "#/bad%zz"}), json!(1)),
            "cannot resolve $ref #/bad%zz",
        );
    }

    #[test]
    fn cyclic_schema_refs_stop_at_depth_limit() {
        let components = json!({"schemas": {
            "A": {"$ref": "#/components/schemas/B"},
            "B": {"allOf": [{"$ref": "#/components/schemas/A"}]}
        }});
        assert_err(
            check_with(
                json!({"$ref": "#/components/schemas/A"}),
                components,
                json!(1),
            ),
            "$ref nesting deeper than 64",
        );
    }

    /// A chain of `refs` schema `$ref`s ending in `{"type": "string"}`.
    fn ref_chain(refs: usize) -> Value {
        let mut schemas = serde_json::Map::new();
        for i in 1..refs {
            schemas.insert(
                format!("S{i}"),
                json!({"$ref": format!("#/components/schemas/S{}", i + 1)}),
            );
        }
        schemas.insert(format!("S{refs}"), json!({"type": "string"}));
        json!({"schemas": schemas})
    }

    #[test]
    fn ref_depth_limit_allows_64_levels() {
        let schema = json!({"$ref": "#/components/schemas/S1"});
        assert_ok(check_with(schema.clone(), ref_chain(64), json!("x")));
        assert_err(
            check_with(schema.clone(), ref_chain(64), json!(1)),
            "expected string",
        );
        assert_err(
            check_with(schema, ref_chain(65), json!("x")),
            "$ref nesting deeper than 64",
        );
    }

    // ---- annotations and unknown keywords ----

    #[test]
    fn annotations_and_unknown_keywords_are_ignored() {
        let schema = json!({
            "type": "string",
            "default": 5, "description": "d", "example": 1, "examples": [1], "title": "t",
            "deprecated": true, "readOnly": true, "writeOnly": true,
            "contentMediaType": "image/png", "contentEncoding": "base64",
            "x-vendor": {"anything": true}, "xml": {"name": "n"}, "discriminator": {"propertyName": "k"}
        });
        assert_ok(check(schema, json!("value")));
    }

    #[test]
    fn long_values_are_truncated_in_messages() {
        let long = "x".repeat(500);
        let e = assert_err(
            check(json!({"type": "integer"}), json!(long)),
            "expected integer, got string \"xxx",
        );
        assert!(e.contains('…'), "{e}");
        assert!(e.len() < 300, "{e}");
    }
}
