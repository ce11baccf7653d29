//! `cloze`: the JSON of Cloze's API, `{"people": [...], "companies": [...],
//! "projects": [...]}` (or one array, with `--kind`), each object with `name` (people:
//! else `first` and `last`) and `appLinks: [{"source", "uniqueid", "label", "url"}]`:
//! `source` is the App ID, `label` the App Name. Export writes each link's resolved
//! URL (Cloze has no templates), so its round trip keeps links, records and URLs,
//! with templated links becoming links with their own URL.

use serde::Deserialize;
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Value, json};

use super::{Input, InputError, StrictId};
use crate::index::Index;
use crate::parsed_file::Kind;

/// applinkd's own section of a Cloze export: the app definitions and the fallback browser
/// (`{"apps": [...], "browser": {"fallback": [...]}}`, each app as `export --format jsonl`
/// writes it), which Cloze's records cannot hold. Cloze's own JSON has no such key.
const EXTRA: &str = "applinkd";

/// `applinkd`'s shape (see `EXTRA`), as strict as the rest.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Extra {
    #[serde(default)]
    apps: Vec<super::jsonl::AppLine>,
    #[serde(default, deserialize_with = "super::not_null")]
    browser: Option<super::jsonl::Browser>,
}

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
                        // The link's own name, else its app's (as `[apps]` defines it: a
                        // name another link gives is that link's, not this one's).
                        if let Some(label) = l.name().or_else(|| defined_name(index, l.app)) {
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
    // What Cloze's shape cannot hold, beside it, so that a round trip keeps it.
    let (browser, apps): (Vec<Value>, Vec<Value>) =
        super::jsonl::app_lines(index).into_iter().partition(|line| line.get("browser").is_some());
    if !apps.is_empty() || !browser.is_empty() {
        let mut extra = json!({ "apps": apps });
        if let Some(line) = browser.into_iter().next() {
            extra["browser"] = line["browser"].clone();
        }
        sections.insert(EXTRA.to_owned(), extra);
    }
    serde_json::to_string_pretty(&Value::Object(sections)).expect("JSON serialises") + "\n"
}

/// The App Name an app's definition gives (`[apps."x"] name`), if it has one.
fn defined_name<'a>(index: &'a Index, app: &'a crate::index::App) -> Option<&'a str> {
    index.app_def(app).and_then(|d| d.name.as_deref())
}

/// A record of Cloze's API. Its other fields (e-mail, phones, …) are Cloze's own and
/// are not imported, and are skipped as they are read (never held: a record's size is
/// not its memory); a mis-cased known field (`Name`, `applinks`) or a known field given
/// twice is an error.
#[derive(Default)]
struct ClozeRecord {
    name: Option<String>,
    first: Option<String>,
    last: Option<String>,
    app_links: Vec<ClozeLink>,
}

impl<'de> Deserialize<'de> for ClozeRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ClozeRecord, D::Error> {
        deserializer.deserialize_map(RecordFields)
    }
}

struct RecordFields;

impl<'de> Visitor<'de> for RecordFields {
    type Value = ClozeRecord;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a record: an object with `name` (or `first` and `last`) and `appLinks`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ClozeRecord, A::Error> {
        const KNOWN: [&str; 4] = ["name", "first", "last", "appLinks"];
        let mut record = ClozeRecord::default();
        let mut seen = [false; 4];
        while let Some(key) = map.next_key::<String>()? {
            let Some(at) = KNOWN.iter().position(|k| *k == key) else {
                if KNOWN.iter().any(|k| k.eq_ignore_ascii_case(&key)) {
                    return Err(A::Error::custom(format!(
                        "`{key}` is mis-cased; Cloze writes `name`, `first`, `last`, `appLinks`"
                    )));
                }
                map.next_value::<serde::de::IgnoredAny>()?;
                continue;
            };
            if std::mem::replace(&mut seen[at], true) {
                return Err(A::Error::duplicate_field(KNOWN[at]));
            }
            match at {
                // A string, never `null` (a value of the wrong type, as everywhere).
                0 => record.name = Some(map.next_value()?),
                1 => record.first = Some(map.next_value()?),
                2 => record.last = Some(map.next_value()?),
                _ => record.app_links = map.next_value()?,
            }
        }
        Ok(record)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClozeLink {
    source: String,
    uniqueid: StrictId,
    #[serde(default, deserialize_with = "super::not_null")]
    label: Option<String>,
    #[serde(default, deserialize_with = "super::not_null")]
    url: Option<String>,
}

/// Parses Cloze's JSON from `reader` as it reads: each record is checked and kept
/// compactly as soon as it is read (no tree of the input, nor of a section, in memory).
pub fn parse_reader(reader: impl std::io::Read, kind: Option<Kind>) -> Result<Input, InputError> {
    let located = |e: serde_json::Error| InputError::at(e.line(), Some(e.column()), super::without_place(&e));
    let mut input = Input::default();
    let mut de = serde_json::Deserializer::from_reader(reader);
    match kind {
        Some(kind) => Section { input: &mut input, kind, key: "" }.deserialize(&mut de).map_err(located)?,
        None => de.deserialize_map(Sections(&mut input)).map_err(|e| {
            let mut error = located(e);
            if error.message.contains("invalid type: sequence") {
                error.message = "a JSON array of records needs `--kind person|company|project`".into();
            }
            error
        })?,
    }
    de.end().map_err(located)?;
    input.records.shrink();
    Ok(input)
}

/// The top object: `people`, `companies`, `projects`, each at most once.
struct Sections<'a>(&'a mut Input);

impl<'de> Visitor<'de> for Sections<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an object of `people`, `companies` and `projects`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = [false; 3];
        let mut extra_seen = false;
        while let Some(key) = map.next_key::<String>()? {
            if key == EXTRA {
                if std::mem::replace(&mut extra_seen, true) {
                    return Err(A::Error::duplicate_field(EXTRA));
                }
                let extra: Extra = map.next_value()?;
                let mut apps = std::collections::HashMap::new();
                // Positions count from 1 in `apps` (what messages call a line, as for records).
                for (n, app) in extra.apps.into_iter().enumerate() {
                    super::jsonl::add_app(self.0, &mut apps, app, n + 1)
                        .map_err(|e| A::Error::custom(format!("{EXTRA}.apps[{n}]: {}", e.message)))?;
                }
                if let Some(browser) = extra.browser {
                    super::jsonl::add_fallback(self.0, browser, 1)
                        .map_err(|e| A::Error::custom(format!("{EXTRA}.browser: {}", e.message)))?;
                }
                continue;
            }
            let Some(at) = SECTIONS.iter().position(|(k, _)| *k == key) else {
                return Err(A::Error::unknown_field(&key, &["people", "companies", "projects", EXTRA]));
            };
            if std::mem::replace(&mut seen[at], true) {
                return Err(A::Error::duplicate_field(SECTIONS[at].0));
            }
            let (key, kind) = SECTIONS[at];
            map.next_value_seed(Section { input: self.0, kind, key })?;
        }
        Ok(())
    }
}

/// One array of records, each added as it is read.
struct Section<'a> {
    input: &'a mut Input,
    kind: Kind,
    key: &'static str,
}

impl<'de> DeserializeSeed<'de> for Section<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Section<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        while let Some(item) = seq.next_element::<ClozeRecord>()? {
            let at = if self.key.is_empty() { format!("[{n}]") } else { format!("{}[{n}]", self.key) };
            add(self.input, self.kind, item, n + 1).map_err(|e| A::Error::custom(format!("{at}: {e}")))?;
            n += 1;
        }
        Ok(())
    }
}

/// One record of Cloze's, checked, onto `input`; `position` counts from 1 in its array
/// (what messages call its line: Cloze's JSON is read without line numbers).
fn add(input: &mut Input, kind: Kind, item: ClozeRecord, position: usize) -> Result<(), String> {
    let full = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
    let name = match (full(&item.name), full(&item.first), full(&item.last)) {
        (Some(name), _, _) => name,
        (None, Some(first), Some(last)) => format!("{first} {last}"),
        (None, Some(one), None) | (None, None, Some(one)) => one,
        _ => return Err("no `name` (nor `first` and `last`)".into()),
    };
    let name = super::name(0, None, &name).map_err(|e| e.message)?;
    let mut links = Vec::with_capacity(item.app_links.len());
    for (m, link) in item.app_links.into_iter().enumerate() {
        let link = super::link(0, &link.source, &link.uniqueid.0, link.url.as_deref(), link.label.as_deref())
            .map_err(|e| format!("appLinks[{m}]: {}", e.message))?;
        links.push(link);
    }
    input.records.start(kind, &name, position);
    for link in &links {
        input.records.push(link);
    }
    Ok(())
}

/// What Cloze's shape cannot say, taken as the link files say it: a link's `label`
/// that is its app's name is not a name of its own, and a `url` that is what the app's
/// template gives is not a URL of its own (export writes both for every link). So a
/// round trip writes back the links as they were.
/// An app the input defines itself (its `applinkd` section) counts as the files' would.
pub fn as_the_files_say(input: &mut Input, index: &Index) {
    use crate::template::UrlTemplate;
    let incoming: std::collections::HashMap<String, (Option<String>, Option<UrlTemplate>)> = input
        .apps
        .iter()
        .map(|a| (a.app.clone(), (a.name.clone(), a.url.as_deref().and_then(|u| UrlTemplate::parse(u).ok()))))
        .collect();
    for n in 0..input.records.link_count() {
        let link = input.records.link(n);
        let (name, template, app_id) = match index.app(link.app).filter(|app| index.app_def(app).is_some()) {
            Some(app) => {
                (defined_name(index, app), index.app_def(app).and_then(|d| d.template.as_ref()), app.id.as_str())
            }
            None => match incoming.get(link.app) {
                Some((name, template)) => (name.as_deref(), template.as_ref(), link.app),
                None => continue,
            },
        };
        let drop_name = link.name.is_some() && link.name == name;
        let drop_url = link
            .url
            .is_some_and(|url| template.is_some_and(|t| t.expand(app_id, link.id).is_ok_and(|made| made == url)));
        input.records.forget(n, drop_name, drop_url);
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
        assert!(
            error(r#"{"people": [{"name": "A", "name": "B", "appLinks": []}]}"#).contains("duplicate field `name`")
        );
        // Cloze's own fields are skipped as read, whatever they hold.
        let other =
            parse(br#"{"people": [{"name": "A", "email": {"x": [[], [1, {"y": null}]]}, "appLinks": []}]}"#, None);
        assert_eq!(other.unwrap().records.record(0).name, "A");
        let link = |l: &str| format!(r#"{{"people": [{{"name": "A", "appLinks": [{l}]}}]}}"#);
        assert!(error(&link(r#"{"source": "a.example", "uniqueid": 1e3}"#)).contains("would not survive"));
        assert!(
            error(&link(r#"{"source": "a.example", "uniqueid": "1", "URL": "x"}"#)).contains("unknown field `URL`")
        );
        assert!(error(&link(r#"{"source": "a.example", "uniqueid": "1", "url": 5}"#)).contains("invalid type"));
        let ok = parse(link(r#"{"source": "a.example", "uniqueid": 12}"#).as_bytes(), None).unwrap();
        assert_eq!(ok.records.link(0).id, "12");
        let spaced = parse(br#"{"people": [{"name": "  Ada  ", "appLinks": []}]}"#, None).unwrap();
        assert_eq!(spaced.records.record(0).name, "  Ada  ");
        // `null` is a value of the wrong type, for a record's fields and a section alike.
        assert!(
            error(r#"{"people": [{"name": null, "first": "A", "last": "B", "appLinks": []}]}"#)
                .contains("invalid type: null")
        );
        assert!(error(r#"{"people": null}"#).contains("invalid type: null"));
        // applinkd's own section: as strict as the rest.
        let extra = parse(
            br#"{"applinkd": {"apps": [{"app": "a.example", "url": "https://a.example/{id}"}], "browser": {"fallback": ["firefox"]}}, "people": []}"#,
            None,
        )
        .unwrap();
        assert_eq!(extra.apps[0].app, "a.example");
        assert_eq!(extra.fallback.as_ref().unwrap().0, ["firefox"]);
        assert!(error(r#"{"applinkd": {"apps": [], "Apps": []}}"#).contains("unknown field `Apps`"));
        assert!(error(r#"{"applinkd": {}, "applinkd": {}}"#).contains("duplicate field `applinkd`"));
        assert!(
            error(r#"{"applinkd": {"apps": [{"app": "a.example"}, {"app": "a.example"}]}}"#).contains("given twice")
        );
        assert!(error(r#"{"applinkd": {"apps": [{"app": "a.example", "open_with": [7]}]}}"#).contains("invalid type"));
        // An empty list is an error, as in a link file (not the default it would become).
        assert!(
            error(r#"{"applinkd": {"apps": [{"app": "a.example", "open_with": []}]}}"#)
                .contains("must start with a program")
        );
        assert!(
            error(r#"{"applinkd": {"apps": [{"app": "a.example", "schemes": []}]}}"#).contains("`schemes` is empty")
        );
    }
}
