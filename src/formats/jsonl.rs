//! `jsonl`: one JSON object a line. Links: `{"kind", "record", "app", "id", "url"}`
//! (`url` only where a link writes one); apps: `{"app", "name", "url", "formerly"}`.

use serde_json::{Value, json};

use super::{Input, InputError};
use crate::edit::ops::{Incoming, IncomingApp};
use crate::index::Index;
use crate::parsed_file::Kind;

pub fn export(index: &Index) -> String {
    let mut out = String::new();
    for app in index.apps() {
        let Some(def) = index.app_def(app) else { continue };
        let mut line = json!({ "app": app.id.as_str() });
        if let Some(name) = &def.name {
            line["name"] = json!(name);
        }
        if let Some(template) = &def.template {
            line["url"] = json!(template.as_str());
        }
        if !def.formerly.is_empty() {
            line["formerly"] = json!(def.formerly.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>());
        }
        if def.schemes != crate::scheme::Schemes::default() {
            line["schemes"] = json!(def.schemes.iter().collect::<Vec<_>>());
        }
        if let Some(open_with) = &def.open_with {
            line["open_with"] = json!(open_with);
        }
        if let Some(native) = &def.native {
            line["native"] = json!(native.as_str());
        }
        out.push_str(&line.to_string());
        out.push('\n');
    }
    // Links are the bulk (a million lines): written directly, strings escaped by serde_json.
    let quoted = |text: &str| serde_json::to_string(text).expect("strings serialise");
    for record in index.records() {
        let head = format!("{{\"kind\":\"{}\",\"record\":{}", record.kind, quoted(index.record_name(record)));
        for link in index.record_links(record) {
            out.push_str(&head);
            out.push_str(",\"app\":");
            out.push_str(&quoted(link.app.id.as_str()));
            out.push_str(",\"id\":");
            out.push_str(&quoted(link.id()));
            if let Some(url) = link.url() {
                out.push_str(",\"url\":");
                out.push_str(&quoted(url));
            }
            out.push_str("}\n");
        }
    }
    out
}

pub fn parse(bytes: &[u8]) -> Result<Input, InputError> {
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::at(line, None, "the input is not UTF-8")
    })?;
    let mut input = Input::default();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let raw = raw.trim().trim_start_matches('\u{feff}');
        if raw.is_empty() {
            continue;
        }
        let value: Value =
            serde_json::from_str(raw).map_err(|e| InputError::at(line, Some(e.column()), format!("not JSON: {e}")))?;
        let text = |key: &str| value.get(key).and_then(Value::as_str);
        let Some(object) = value.as_object() else {
            return Err(InputError::at(line, None, "each line must be a JSON object"));
        };
        if object.contains_key("record") || object.contains_key("kind") {
            let kind = text("kind")
                .and_then(Kind::from_key)
                .ok_or_else(|| InputError::at(line, None, "`kind` must be person, company or project"))?;
            let record = text("record")
                .filter(|r| !r.trim().is_empty())
                .ok_or_else(|| InputError::at(line, None, "`record` (its name) is missing"))?;
            let app = text("app").ok_or_else(|| InputError::at(line, None, "`app` is missing"))?;
            let id = match value.get("id") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => return Err(InputError::at(line, None, "`id` is missing")),
            };
            let link = super::link(line, app, &id, text("url"), text("name"))?;
            // Consecutive lines of one record make one record, as export writes them.
            match input.records.last_mut() {
                Some(last) if last.kind == kind && last.name == record => last.links.push(link),
                _ => input.records.push(Incoming {
                    kind,
                    name: super::name(line, None, record)?,
                    links: vec![link],
                    line,
                }),
            }
        } else if let Some(app) = text("app") {
            let id = crate::app_id::AppId::parse(app).map_err(|e| InputError::at(line, None, e.to_string()))?;
            for key in ["url", "native"] {
                if let Some(template) = text(key) {
                    crate::template::UrlTemplate::parse(template)
                        .map_err(|e| InputError::at(line, None, format!("`{template}`: {}", e.message)))?;
                }
            }
            let list = |key: &str| -> Vec<String> {
                value
                    .get(key)
                    .and_then(Value::as_array)
                    .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                    .unwrap_or_default()
            };
            let (formerly, schemes, open_with) = (list("formerly"), list("schemes"), list("open_with"));
            input.apps.push(IncomingApp {
                app: id.as_str().to_owned(),
                name: text("name").map(str::to_owned),
                url: text("url").map(str::to_owned),
                native: text("native").map(str::to_owned),
                formerly,
                schemes,
                open_with,
                line,
            });
        } else {
            return Err(InputError::at(
                line,
                None,
                "a line is a link (`kind`, `record`, `app`, `id`) or an app (`app`)",
            ));
        }
    }
    Ok(input)
}
