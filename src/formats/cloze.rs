//! `cloze`: the JSON of Cloze's API, `{"people": [...], "companies": [...],
//! "projects": [...]}` (or one array, with `--kind`), each object with `name` (people:
//! else `first` and `last`) and `appLinks: [{"source", "uniqueid", "label", "url"}]`:
//! `source` is the App ID, `label` the App Name. Export writes each link's resolved
//! URL (Cloze has no templates), so its round trip keeps links, records and URLs,
//! with templated links becoming links with their own URL.

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Input, InputError, StrictId};
use crate::edit::ops::Incoming;
use crate::index::Index;
use crate::parsed_file::Kind;

pub(crate) const SECTIONS: [(&str, Kind); 3] =
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sections {
    people: Option<Vec<ClozeRecord>>,
    companies: Option<Vec<ClozeRecord>>,
    projects: Option<Vec<ClozeRecord>>,
}

/// A record of Cloze's API. Its other fields (e-mail, phones, …) are Cloze's own and
/// are not imported; a mis-cased known field (`Name`, `applinks`) is an error.
#[derive(Deserialize)]
struct ClozeRecord {
    name: Option<String>,
    first: Option<String>,
    last: Option<String>,
    #[serde(rename = "appLinks", default)]
    app_links: Vec<ClozeLink>,
    #[serde(flatten)]
    other: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClozeLink {
    source: String,
    uniqueid: StrictId,
    label: Option<String>,
    url: Option<String>,
}

/// Parses Cloze's JSON from `reader` into typed records as it reads (no tree of the
/// whole input in memory).
pub fn parse_reader(reader: impl std::io::Read, kind: Option<Kind>) -> Result<Input, InputError> {
    let located = |e: serde_json::Error| InputError::at(e.line(), Some(e.column()), super::without_place(&e));
    let sections: Vec<(Kind, Vec<ClozeRecord>, &str)> = match kind {
        Some(kind) => {
            let items: Vec<ClozeRecord> = serde_json::from_reader(reader).map_err(located)?;
            vec![(kind, items, "")]
        }
        None => {
            let all: Sections = serde_json::from_reader(reader).map_err(|e| {
                let mut error = located(e);
                if error.message.contains("invalid type: sequence") {
                    error.message = "a JSON array of records needs `--kind person|company|project`".into();
                }
                error
            })?;
            [
                (Kind::Person, all.people, "people"),
                (Kind::Company, all.companies, "companies"),
                (Kind::Project, all.projects, "projects"),
            ]
            .into_iter()
            .filter_map(|(kind, items, key)| items.map(|i| (kind, i, key)))
            .collect()
        }
    };
    let mut input = Input::default();
    for (kind, items, key) in sections {
        for (n, item) in items.into_iter().enumerate() {
            let at = if key.is_empty() { format!("[{n}]") } else { format!("{key}[{n}]") };
            let bad = |message: String| InputError::at(n + 1, None, format!("{at}: {message}"));
            if let Some(key) = item
                .other
                .keys()
                .find(|k| ["name", "first", "last", "appLinks"].iter().any(|known| known.eq_ignore_ascii_case(k)))
            {
                return Err(bad(format!("`{key}` is mis-cased; Cloze writes `name`, `first`, `last`, `appLinks`")));
            }
            let full = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
            let name = match (full(&item.name), full(&item.first), full(&item.last)) {
                (Some(name), _, _) => name,
                (None, Some(first), Some(last)) => format!("{first} {last}"),
                (None, Some(one), None) | (None, None, Some(one)) => one,
                _ => return Err(bad("no `name` (nor `first` and `last`)".into())),
            };
            let name = super::name(n + 1, None, &name).map_err(|e| bad(e.message))?;
            let mut record = Incoming { kind, name, links: Vec::new(), line: n + 1 };
            for (m, link) in item.app_links.into_iter().enumerate() {
                let link =
                    super::link(n + 1, &link.source, &link.uniqueid.0, link.url.as_deref(), link.label.as_deref())
                        .map_err(|e| bad(format!("appLinks[{m}]: {}", e.message)))?;
                record.links.push(link);
            }
            input.records.push(record);
        }
    }
    Ok(input)
}

/// What Cloze's shape cannot say, taken as the link files say it: a link's `label`
/// that is its app's name is not a name of its own, and a `url` that is what the app's
/// template gives is not a URL of its own (export writes both for every link). So a
/// round trip writes back the links as they were.
pub fn as_the_files_say(input: &mut Input, index: &Index) {
    for link in input.records.iter_mut().flat_map(|r| r.links.iter_mut()) {
        let Some(app) = index.app(&link.app) else { continue };
        if link.name.is_some() && link.name.as_deref() == index.app_name(app) {
            link.name = None;
        }
        if let Some(url) = &link.url
            && index
                .app_def(app)
                .and_then(|d| d.template.as_ref())
                .is_some_and(|t| t.expand(app.id.as_str(), link.id.as_str()).is_ok_and(|made| made == *url))
        {
            link.url = None;
        }
    }
}

pub fn parse(bytes: &[u8], kind: Option<Kind>) -> Result<Input, InputError> {
    parse_reader(bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes), kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(json: &str) -> String {
        match parse(json.as_bytes(), None) {
            Ok(_) => panic!("{json} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn strict_cloze() {
        assert!(error(r#"{"people": [], "people": []}"#).contains("duplicate field `people`"));
        assert!(error(r#"{"People": []}"#).contains("unknown field `People`"));
        assert!(error(r#"{"people": [{"Name": "A", "appLinks": []}]}"#).contains("mis-cased"));
        let link = |l: &str| format!(r#"{{"people": [{{"name": "A", "appLinks": [{l}]}}]}}"#);
        assert!(error(&link(r#"{"source": "a.example", "uniqueid": 1e3}"#)).contains("would not survive"));
        assert!(
            error(&link(r#"{"source": "a.example", "uniqueid": "1", "URL": "x"}"#)).contains("unknown field `URL`")
        );
        assert!(error(&link(r#"{"source": "a.example", "uniqueid": "1", "url": 5}"#)).contains("invalid type"));
        let ok = parse(link(r#"{"source": "a.example", "uniqueid": 12}"#).as_bytes(), None).unwrap();
        assert_eq!(ok.records[0].links[0].id, "12");
        let spaced = parse(br#"{"people": [{"name": "  Ada  ", "appLinks": []}]}"#, None).unwrap();
        assert_eq!(spaced.records[0].name, "  Ada  ");
    }
}
