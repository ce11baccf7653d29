//! `cloze`: the JSON of Cloze's API, `{"people": [...], "companies": [...],
//! "projects": [...]}` (or one array, with `--kind`), each object with `name` (people:
//! else `first` and `last`) and `appLinks: [{"source", "uniqueid", "label", "url"}]`:
//! `source` is the App ID, `label` the App Name. Export writes each link's resolved
//! URL (Cloze has no templates), so its round trip keeps links, records and URLs,
//! with templated links becoming links with their own URL.

use serde_json::{Value, json};

use super::{Input, InputError};
use crate::edit::ops::Incoming;
use crate::index::Index;
use crate::parsed_file::Kind;

const SECTIONS: [(&str, Kind); 3] =
    [("people", Kind::Person), ("companies", Kind::Company), ("projects", Kind::Project)];

pub fn export(index: &Index) -> String {
    let mut sections = serde_json::Map::new();
    for (key, kind) in SECTIONS {
        let records: Vec<Value> = index
            .records()
            .filter(|r| r.kind == kind)
            .map(|r| {
                let links: Vec<Value> = index
                    .record_links(r)
                    .map(|l| {
                        let mut link = json!({ "source": l.app.id.as_str(), "uniqueid": l.id() });
                        if let Some(label) = l.name().or_else(|| index.app_name(l.app)) {
                            link["label"] = json!(label);
                        }
                        // Cloze's app links carry their URL: the resolved one, whoever makes it.
                        if let Ok(resolved) = index.resolve(l.app.id.as_str(), l.id(), None) {
                            link["url"] = json!(resolved.url);
                        }
                        link
                    })
                    .collect();
                json!({ "name": index.record_name(r), "appLinks": links })
            })
            .collect();
        sections.insert(key.to_owned(), Value::Array(records));
    }
    serde_json::to_string_pretty(&Value::Object(sections)).expect("JSON serialises") + "\n"
}

pub fn parse(bytes: &[u8], kind: Option<Kind>) -> Result<Input, InputError> {
    let value: Value = serde_json::from_slice(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes))
        .map_err(|e| InputError::at(e.line(), Some(e.column()), format!("not JSON: {e}")))?;
    let mut input = Input::default();
    let sections: Vec<(Kind, &Vec<Value>, &str)> = match (&value, kind) {
        (Value::Array(items), Some(kind)) => vec![(kind, items, "")],
        (Value::Array(_), None) => {
            return Err(InputError::at(1, None, "a JSON array of records needs `--kind person|company|project`"));
        }
        (Value::Object(map), _) => {
            let unknown: Vec<&String> = map.keys().filter(|k| !SECTIONS.iter().any(|(s, _)| s == k)).collect();
            if let Some(key) = unknown.first() {
                return Err(InputError::at(
                    1,
                    None,
                    format!("unknown section `{key}`; Cloze's are `people`, `companies`, `projects`"),
                ));
            }
            SECTIONS
                .iter()
                .filter_map(|(key, kind)| map.get(*key).map(|v| (*kind, v, *key)))
                .map(|(kind, v, key)| {
                    v.as_array()
                        .map(|a| (kind, a, key))
                        .ok_or_else(|| InputError::at(1, None, format!("`{key}` must be an array")))
                })
                .collect::<Result<_, _>>()?
        }
        _ => return Err(InputError::at(1, None, "expected `{\"people\": [...], ...}` or an array of records")),
    };
    for (kind, items, key) in sections {
        for (n, item) in items.iter().enumerate() {
            let at = if key.is_empty() { format!("[{n}]") } else { format!("{key}[{n}]") };
            let bad = |message: String| InputError::at(n + 1, None, format!("{at}: {message}"));
            let name = match (text(item, "name"), text(item, "first"), text(item, "last")) {
                (Some(name), _, _) => name.to_owned(),
                (None, Some(first), Some(last)) => format!("{first} {last}"),
                (None, Some(one), None) | (None, None, Some(one)) => one.to_owned(),
                _ => return Err(bad("no `name` (nor `first` and `last`)".into())),
            };
            let name = super::name(n + 1, None, &name).map_err(|e| bad(e.message))?;
            let mut record = Incoming { kind, name, links: Vec::new(), line: n + 1 };
            for (m, link) in item.get("appLinks").and_then(Value::as_array).into_iter().flatten().enumerate() {
                let source = text(link, "source").ok_or_else(|| bad(format!("appLinks[{m}] has no `source`")))?;
                let id = match link.get("uniqueid") {
                    Some(Value::String(s)) => s.clone(),
                    Some(Value::Number(n)) => n.to_string(),
                    _ => return Err(bad(format!("appLinks[{m}] has no `uniqueid`"))),
                };
                let link = super::link(n + 1, source, &id, text(link, "url"), text(link, "label"))
                    .map_err(|e| bad(format!("appLinks[{m}]: {}", e.message)))?;
                record.links.push(link);
            }
            input.records.push(record);
        }
    }
    Ok(input)
}

fn text<'v>(value: &'v Value, key: &str) -> Option<&'v str> {
    value.get(key).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty())
}
