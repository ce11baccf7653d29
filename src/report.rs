//! JSON shapes shared by the command line and the HTTP API: records, apps,
//! and the answer for something not found. One shape, two edges.

use serde_json::{Value, json};

use crate::index::{App, Index, Record};
use crate::resolve::NotFound;

pub fn record(index: &Index, record: &Record) -> Value {
    let defs: Vec<_> = index
        .record_defs(record)
        .map(|(file, def)| json!({"name": file.record_name(def), "file": file.path, "line": def.at.line}))
        .collect();
    let links: Vec<_> = index
        .record_links(record)
        .map(|link| {
            let resolved = index.resolve(link.app.id.as_str(), link.id(), None);
            json!({
                "app": link.app.id.as_str(),
                "id": link.id(),
                "app_name": link.name().or_else(|| index.app_name(link.app)),
                "url": resolved.as_ref().ok().map(|r| r.url.as_ref()),
                "error": resolved.as_ref().err().map(ToString::to_string),
                "file": link.file.path,
                "line": link.at().line,
            })
        })
        .collect();
    json!({
        "kind": record.kind,
        "name": index.record_name(record),
        "definitions": defs,
        "links": links,
    })
}

pub fn app(index: &Index, app: &App) -> Value {
    let def = index.app_def(app);
    json!({
        "id": app.id.as_str(),
        "name": index.app_name(app),
        "template": index.template(app).map(|t| t.as_str()),
        "schemes": index.schemes(app).iter().collect::<Vec<_>>(),
        "formerly": def.map(|d| d.formerly.iter().map(|(a, _)| a.as_str()).collect::<Vec<_>>()).unwrap_or_default(),
        "defined": def.is_some(),
    })
}

pub fn not_found(not_found: &NotFound, app: &str, id: &str) -> Value {
    json!({
        "error": {
            "code": not_found.code(),
            "message": not_found.to_string(),
            "app": app,
            "id": id,
            "suggestions": not_found.suggestions(),
        }
    })
}
