//! `jsonl`: one JSON object a line. Links: `{"kind", "record", "app", "id", "url",
//! "name", "ref"}` (`url` and `name` only where the link writes them; `ref` numbers the
//! record, so that two records with one name stay two); apps: `{"app", "name", "url",
//! "formerly", "schemes", "open_with", "native"}`; the fallback browser:
//! `{"browser": {"fallback": [...]}}`.
//!
//! Read as strictly as a link file (README: Links in and out): each line is one of those shapes exactly
//! (an unknown or mis-cased field, a value of the wrong type or a duplicate key is an
//! error at its line and column), and an id written as a number must survive as written
//! (an integer up to 2^53; `1e3` or a longer integer is an error: write it as a string).

use serde::Deserialize;
use serde_json::json;

use super::{Input, InputError, StrictId};
use crate::edit::ops::IncomingApp;
use crate::index::Index;
use crate::parsed_file::Kind;

pub fn export(index: &Index) -> String {
    let mut out = String::new();
    for line in app_lines(index) {
        out.push_str(&line.to_string());
        out.push('\n');
    }
    // Links are the bulk (a million lines): written directly, strings escaped by serde_json.
    let quoted = |text: &str| serde_json::to_string(text).expect("strings serialise");
    for (n, record) in index.records().enumerate() {
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
            if let Some(name) = link.name() {
                out.push_str(",\"name\":");
                out.push_str(&quoted(name));
            }
            out.push_str(&format!(",\"ref\":{}}}\n", n + 1));
        }
    }
    out
}

/// The app definitions and the fallback browser as export writes them, a JSON object each:
/// `{"app", "name", "url", "formerly", "schemes", "open_with", "native"}`, then
/// `{"browser": {"fallback": [...]}}` (Cloze's export holds the same, in its `applinkd`).
pub(crate) fn app_lines(index: &Index) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
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
        out.push(line);
    }
    if let Some((fallback, _, _)) = index.browser_fallback() {
        out.push(json!({ "browser": { "fallback": fallback } }));
    }
    out
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LinkLine {
    kind: String,
    record: String,
    app: String,
    id: StrictId,
    #[serde(default, deserialize_with = "super::not_null")]
    url: Option<String>,
    #[serde(default, deserialize_with = "super::not_null")]
    name: Option<String>,
    #[serde(rename = "ref", default, deserialize_with = "super::not_null")]
    record_ref: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppLine {
    app: String,
    #[serde(default, deserialize_with = "super::not_null")]
    name: Option<String>,
    #[serde(default, deserialize_with = "super::not_null")]
    url: Option<String>,
    #[serde(default)]
    formerly: Vec<String>,
    #[serde(default, deserialize_with = "super::not_null")]
    schemes: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::not_null")]
    open_with: Option<Vec<String>>,
    #[serde(default, deserialize_with = "super::not_null")]
    native: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BrowserLine {
    browser: Browser,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Browser {
    fallback: Vec<String>,
}

/// Which shape a line has, from its keys alone (its values are checked by the shape).
#[derive(Deserialize)]
struct Probe {
    kind: Option<serde::de::IgnoredAny>,
    record: Option<serde::de::IgnoredAny>,
    browser: Option<serde::de::IgnoredAny>,
}

/// Parses the lines of `reader` (streamed: one line in memory at a time).
pub fn parse_reader(reader: impl std::io::BufRead) -> Result<Input, InputError> {
    let mut input = Input::default();
    // The `ref` of the last record read, to keep records with one name apart.
    let mut last_ref: Option<Option<u64>> = None;
    // The line each app was given at: an app given twice is an error, as a key given twice.
    let mut app_lines: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (n, raw) in reader.split(b'\n').enumerate() {
        let line = n + 1;
        let raw = raw.map_err(|e| InputError::at(line, None, format!("cannot read: {e}")))?;
        let raw = std::str::from_utf8(&raw).map_err(|_| InputError::at(line, None, "the input is not UTF-8"))?;
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let raw = if line == 1 { raw.trim_start_matches('\u{feff}') } else { raw };
        if raw.trim().is_empty() {
            continue;
        }
        let bad = |e: serde_json::Error| InputError::at(line, Some(e.column()), super::without_place(&e));
        let probe: Probe = serde_json::from_str(raw).map_err(|e| {
            if e.is_data() {
                InputError::at(
                    line,
                    Some(e.column()),
                    format!("each line must be a JSON object: {}", super::without_place(&e)),
                )
            } else {
                InputError::at(line, Some(e.column()), format!("not JSON: {}", super::without_place(&e)))
            }
        })?;
        if probe.kind.is_some() || probe.record.is_some() {
            let l: LinkLine = serde_json::from_str(raw).map_err(bad)?;
            let kind = Kind::from_key(&l.kind)
                .ok_or_else(|| InputError::at(line, None, "`kind` must be person, company or project"))?;
            let link = super::link(line, &l.app, &l.id.0, l.url.as_deref(), l.name.as_deref())?;
            // Consecutive lines of one record make one record, as export writes them.
            let same = last_ref == Some(l.record_ref)
                && input.records.last().is_some_and(|last| last.kind == kind && last.name == l.record);
            if !same {
                input.records.start(kind, &super::name(line, None, &l.record)?, line);
            }
            input.records.push(&link);
            last_ref = Some(l.record_ref);
        } else if probe.browser.is_some() {
            let b: BrowserLine = serde_json::from_str(raw).map_err(bad)?;
            add_fallback(&mut input, b.browser, line)?;
        } else {
            let a: AppLine = serde_json::from_str(raw).map_err(bad)?;
            add_app(&mut input, &mut app_lines, a, line)?;
        }
    }
    input.records.shrink();
    Ok(input)
}

/// The fallback browser an input gives at `line`, checked: once, naming a program.
pub(crate) fn add_fallback(input: &mut Input, browser: Browser, line: usize) -> Result<(), InputError> {
    if browser.fallback.is_empty() {
        return Err(InputError::at(line, None, "`fallback` names no program"));
    }
    if let Some((_, first)) = &input.fallback {
        return Err(InputError::at(line, None, format!("`browser` is given twice (first at line {first})")));
    }
    input.fallback = Some((browser.fallback, line));
    Ok(())
}

/// An app definition an input gives at `line`, checked: a valid App ID given once
/// (`seen`: the line each app was given at), templates that parse.
pub(crate) fn add_app(
    input: &mut Input,
    seen: &mut std::collections::HashMap<String, usize>,
    a: AppLine,
    line: usize,
) -> Result<(), InputError> {
    let id = crate::app_id::AppId::parse(&a.app).map_err(|e| InputError::at(line, None, e.to_string()))?;
    if let Some(first) = seen.insert(id.as_str().to_owned(), line) {
        return Err(InputError::at(line, None, format!("the app `{id}` is given twice (first at line {first})")));
    }
    for template in [&a.url, &a.native].into_iter().flatten() {
        crate::template::UrlTemplate::parse(template)
            .map_err(|e| InputError::at(line, None, format!("`{template}`: {}", e.message)))?;
    }
    // As in a link file: an empty list is an error, not the default it would become.
    if a.schemes.as_ref().is_some_and(Vec::is_empty) {
        return Err(InputError::at(line, None, "`schemes` is empty; leave it out for http and https"));
    }
    if a.open_with.as_ref().is_some_and(Vec::is_empty) {
        return Err(InputError::at(line, None, "`open_with` must start with a program; leave it out for none"));
    }
    input.apps.push(IncomingApp {
        app: id.as_str().to_owned(),
        name: a.name,
        url: a.url,
        native: a.native,
        formerly: a.formerly,
        schemes: a.schemes.unwrap_or_default(),
        open_with: a.open_with.unwrap_or_default(),
        line,
    });
    Ok(())
}

pub fn parse(bytes: &[u8]) -> Result<Input, InputError> {
    parse_reader(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(line: &str) -> String {
        match parse(line.as_bytes()) {
            Ok(_) => panic!("{line} was accepted"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn strict_lines() {
        assert!(
            error(r#"{"kind":"person","record":"A","app":"a.example","id":"1","URL":"https://a.example/1"}"#)
                .contains("unknown field `URL`")
        );
        assert!(error(r#"{"kind":"person","record":"A","app":"a.example","id":"1","url":5}"#).contains("invalid type"));
        assert!(error(r#"{"app":"a.example","open_with":["firefox",7,"--private"]}"#).contains("invalid type"));
        assert!(
            error(r#"{"kind":"person","record":"A","app":"a.example","app":"b.example","id":"1"}"#)
                .contains("duplicate field `app`")
        );
        for id in ["12345678901234567890123", "1e3", "9007199254740993", "1.5"] {
            let e = error(&format!(r#"{{"kind":"person","record":"A","app":"a.example","id":{id}}}"#));
            assert!(e.contains("would not survive"), "{id}: {e}");
        }
        let ok = parse(br#"{"kind":"person","record":"A","app":"a.example","id":9007199254740992}"#).unwrap();
        assert_eq!(ok.records.link(0).id, "9007199254740992");
        assert!(error("[1]").contains("line 1, column"));
    }
}
