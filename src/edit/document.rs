//! Format-preserving changes to one link file's text (toml_edit): comments, order,
//! quoting, blank lines and inline-versus-table style stay; only what a change
//! concerns is touched. A new link in a multi-line `links` array goes on its own
//! line, indented like the others.

use toml_edit::{Array, DocumentMut, InlineTable, Item, TableLike, Value};

use crate::parsed_file::Kind;

/// A link to write: App ID, id, and the URL if it has its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink {
    pub app: String,
    pub id: String,
    pub url: Option<String>,
    /// An App Name for an app no file defines (from an import's label).
    pub name: Option<String>,
}

impl NewLink {
    /// The link as TOML text: `{ app = "…", id = "…" }`.
    pub fn text(&self) -> String {
        link_text(&self.app, &self.id, self.url.as_deref(), self.name.as_deref())
    }
}

fn inline(app: &str, id: &str, url: Option<&str>, name: Option<&str>) -> InlineTable {
    let mut table = InlineTable::new();
    table.insert("app", app.into());
    table.insert("id", id.into());
    if let Some(name) = name {
        table.insert("name", name.into());
    }
    if let Some(url) = url {
        table.insert("url", url.into());
    }
    table.fmt();
    table
}

/// A link as TOML text: `{ app = "…", id = "…" }`.
pub fn link_text(app: &str, id: &str, url: Option<&str>, name: Option<&str>) -> String {
    inline(app, id, url, name).to_string().trim().to_owned()
}

pub fn parse(text: &str) -> Result<DocumentMut, String> {
    text.parse::<DocumentMut>().map_err(|e| e.to_string())
}

/// Every record of `kind` in `doc`: `[[kind]]` tables, or an inline array
/// (`person = [{ name = "Ada", links = [...] }]`), edited alike.
fn records_mut(doc: &mut DocumentMut, kind: Kind) -> Vec<&mut dyn TableLike> {
    match doc.get_mut(kind.key()) {
        Some(Item::ArrayOfTables(tables)) => tables.iter_mut().map(|t| t as &mut dyn TableLike).collect(),
        Some(Item::Value(Value::Array(array))) => {
            array.iter_mut().filter_map(Value::as_inline_table_mut).map(|t| t as &mut dyn TableLike).collect()
        }
        _ => Vec::new(),
    }
}

/// Adds `links` to the first record of `kind` named `name` in `doc`. `false` when
/// there is no such record.
pub fn add_links(doc: &mut DocumentMut, kind: Kind, name: &str, links: &[NewLink]) -> bool {
    let records = records_mut(doc, kind);
    let Some(record) = records.into_iter().find(|t| t.get("name").and_then(Item::as_str) == Some(name)) else {
        return false;
    };
    match record.get_mut("links") {
        Some(Item::Value(Value::Array(array))) => push_links(array, links),
        Some(Item::ArrayOfTables(tables)) => {
            for link in links {
                tables.push(inline(&link.app, &link.id, link.url.as_deref(), link.name.as_deref()).into_table());
            }
        }
        _ => {
            let mut array = Array::new();
            push_links(&mut array, links);
            record.insert("links", Item::Value(Value::Array(array)));
        }
    }
    true
}

/// `text` with a new record of `kind`: appended as `[[kind]]`, or, where the file
/// writes that kind as an inline array, pushed onto it (a table would be a TOML error).
pub fn add_record(text: &str, kind: Kind, name: &str, links: &[NewLink]) -> Result<String, String> {
    let mut doc = parse(text)?;
    if let Some(Item::Value(Value::Array(array))) = doc.get_mut(kind.key()) {
        let mut record = InlineTable::new();
        record.insert("name", name.into());
        let mut list = Array::new();
        push_links(&mut list, links);
        record.insert("links", Value::Array(list));
        record.fmt();
        let mut value = Value::InlineTable(record);
        let prefix = array.iter().last().and_then(|v| v.decor().prefix()).and_then(|p| p.as_str()).unwrap_or("");
        let prefix = if prefix.contains('\n') { prefix.to_owned() } else { " ".to_owned() };
        value.decor_mut().set_prefix(if array.is_empty() { "" } else { prefix.as_str() });
        array.push_formatted(value);
        return Ok(doc.to_string());
    }
    Ok(append(text, &record_text(kind, name, links)))
}

fn push_links(array: &mut Array, links: &[NewLink]) {
    // Multi-line arrays get each new link on its own line, indented as the last one is.
    let last_prefix = array.iter().last().and_then(|v| v.decor().prefix()).and_then(|p| p.as_str()).unwrap_or("");
    let multi_line = last_prefix.contains('\n');
    let indent = last_prefix.rsplit('\n').next().unwrap_or("").to_owned();
    for link in links {
        let mut value = Value::InlineTable(inline(&link.app, &link.id, link.url.as_deref(), link.name.as_deref()));
        if multi_line {
            // What follows the last element up to its line end (a comment) stays on its line.
            let trailing = array.trailing().as_str().unwrap_or("\n").to_owned();
            let (head, rest) = trailing.split_once('\n').map_or((trailing.as_str(), ""), |(h, r)| (h, r));
            value.decor_mut().set_prefix(format!("{head}\n{indent}"));
            array.set_trailing(format!("\n{rest}"));
        } else {
            value.decor_mut().set_prefix(if array.is_empty() { "" } else { " " });
        }
        value.decor_mut().set_suffix("");
        array.push_formatted(value);
    }
    if multi_line {
        array.set_trailing_comma(true);
    }
}

/// Removes every link with (app, id) from every record; `app_matches` says whether
/// a written App ID is that app (aliases included). Returns how many went.
pub fn remove_links(doc: &mut DocumentMut, app_matches: &dyn Fn(&str) -> bool, id: &str) -> usize {
    let mut removed = 0;
    for kind in Kind::ALL {
        for record in records_mut(doc, kind) {
            match record.get_mut("links") {
                Some(Item::Value(Value::Array(array))) => {
                    let mut i = 0;
                    while i < array.len() {
                        let hit = array
                            .get(i)
                            .and_then(Value::as_inline_table)
                            .is_some_and(|t| is_link(t.get("app"), t.get("id"), app_matches, id));
                        if hit {
                            remove_keeping_comments(array, i);
                            removed += 1;
                        } else {
                            i += 1;
                        }
                    }
                }
                Some(Item::ArrayOfTables(tables)) => {
                    let before = tables.len();
                    tables.retain(|t| {
                        !is_link(
                            t.get("app").and_then(Item::as_value),
                            t.get("id").and_then(Item::as_value),
                            app_matches,
                            id,
                        )
                    });
                    removed += before - tables.len();
                }
                _ => {}
            }
        }
    }
    removed
}

/// Removes element `i` of a multi-line array without taking a comment with it: neither the
/// previous line's (toml_edit keeps a comment after `,` in the next element's prefix) nor
/// comment lines directly above the link.
fn remove_keeping_comments(array: &mut Array, i: usize) {
    let removed = array.remove(i);
    let prefix = removed.decor().prefix().and_then(|p| p.as_str()).unwrap_or("").to_owned();
    let Some((head, _)) = prefix.split_once('\n') else {
        // One line: the new first element loses the space that parted it from the old.
        if i == 0
            && let Some(first) = array.get_mut(0)
            && first.decor().prefix().and_then(|p| p.as_str()).is_some_and(|p| !p.contains('\n'))
        {
            first.decor_mut().set_prefix("");
        }
        return;
    };
    let rest_of = |text: &str| text.split_once('\n').map_or(String::new(), |(_, rest)| rest.to_owned());
    // Whole lines above the removed link (comments): a comment may be about the lines
    // around it rather than this link alone, so it stays, when in doubt it is kept.
    let above = prefix
        .split_once('\n')
        .and_then(|(_, rest)| rest.rsplit_once('\n'))
        .map(|(lines, _)| lines)
        .filter(|lines| lines.lines().any(|line| line.trim_start().starts_with('#')))
        .map_or(String::new(), |lines| format!("{lines}\n"));
    match array.get_mut(i) {
        Some(next) => {
            let next_prefix = next.decor().prefix().and_then(|p| p.as_str()).unwrap_or("").to_owned();
            next.decor_mut().set_prefix(format!("{head}\n{above}{}", rest_of(&next_prefix)));
        }
        None => {
            let trailing = array.trailing().as_str().unwrap_or("").to_owned();
            array.set_trailing(format!("{head}\n{above}{}", rest_of(&trailing)));
        }
    }
}

fn is_link(app: Option<&Value>, link_id: Option<&Value>, app_matches: &dyn Fn(&str) -> bool, id: &str) -> bool {
    let id_matches = match link_id {
        Some(Value::String(s)) => s.value() == id,
        Some(Value::Integer(n)) => n.value().to_string() == id,
        _ => false,
    };
    id_matches && app.and_then(Value::as_str).is_some_and(app_matches)
}

/// Rewrites the `app` of every link whose App ID is `old` to `new`. Returns how many.
pub fn rename_link_apps(doc: &mut DocumentMut, old: &str, new: &str) -> usize {
    let mut renamed = 0;
    let rename = |app: Option<&mut Value>| -> bool {
        if let Some(value) = app
            && value.as_str() == Some(old)
        {
            let decor = value.decor().clone();
            *value = Value::from(new);
            *value.decor_mut() = decor;
            return true;
        }
        false
    };
    for kind in Kind::ALL {
        for record in records_mut(doc, kind) {
            match record.get_mut("links") {
                Some(Item::Value(Value::Array(array))) => {
                    for link in array.iter_mut() {
                        let Some(table) = link.as_inline_table_mut() else { continue };
                        if rename(table.get_mut("app")) {
                            renamed += 1;
                            realign_after_app(table, old.len(), new.len());
                        }
                    }
                }
                Some(Item::ArrayOfTables(tables)) => {
                    for table in tables.iter_mut() {
                        renamed += usize::from(rename(table.get_mut("app").and_then(Item::as_value_mut)));
                    }
                }
                _ => {}
            }
        }
    }
    renamed
}

/// Padding that aligned the key after `app` (`{ app = "zendesk.com",   id = "991" }`, so
/// that the ids of several lines line up) keeps the alignment for the new App ID's length
/// where it can, and shrinks to one space where it cannot.
fn realign_after_app(table: &mut toml_edit::InlineTable, old_len: usize, new_len: usize) {
    let keys: Vec<String> = table.iter().map(|(k, _)| k.to_owned()).collect();
    let Some(next) = keys.iter().position(|k| k == "app").and_then(|i| keys.get(i + 1)) else {
        return;
    };
    let Some(mut key) = table.key_mut(next) else { return };
    let decor = key.leaf_decor_mut();
    let Some(padding) = decor.prefix().and_then(|p| p.as_str()).map(str::to_owned) else { return };
    if padding.len() > 1 && padding.bytes().all(|b| b == b' ') {
        let width = padding.len() + old_len;
        decor.set_prefix(" ".repeat(width.saturating_sub(new_len).max(1)));
    }
}

/// Renames the app table `[apps."old"]` to `[apps."new"]` where it stands, and adds
/// `old` to its `formerly`. `false` when the file does not define `old`.
pub fn rename_app(doc: &mut DocumentMut, old: &str, new: &str) -> bool {
    let Some(apps) = doc.get_mut("apps").and_then(Item::as_table_like_mut) else {
        return false;
    };
    let Some(mut item) = apps.remove(old) else {
        return false;
    };
    match &mut item {
        Item::Table(table) => match table.get_mut("formerly").and_then(Item::as_array_mut) {
            Some(array) => push_string(array, old),
            None => {
                table.insert("formerly", toml_edit::value(Array::from_iter([old])));
            }
        },
        Item::Value(Value::InlineTable(table)) => match table.get_mut("formerly").and_then(Value::as_array_mut) {
            Some(array) => push_string(array, old),
            None => {
                table.insert("formerly", Value::Array(Array::from_iter([old])));
            }
        },
        _ => return false,
    }
    apps.insert(new, item);
    true
}

fn push_string(array: &mut Array, text: &str) {
    let mut value = Value::from(text);
    value.decor_mut().set_prefix(if array.is_empty() { "" } else { " " });
    array.push_formatted(value);
}

/// TOML text for a new record: `[[person]]`, its name and links, after a blank line.
pub fn record_text(kind: Kind, name: &str, links: &[NewLink]) -> String {
    let mut out = String::new();
    push_record(&mut out, kind, name, links.iter().map(NewLink::text));
    out
}

/// `record_text` written onto `out`, from each link's text.
pub fn push_record(out: &mut String, kind: Kind, name: &str, links: impl IntoIterator<Item = String>) {
    out.push_str(&format!("\n[[{}]]\nname = {}\nlinks = [\n", kind.key(), Value::from(name).to_string().trim()));
    for link in links {
        out.push_str("  ");
        out.push_str(&link);
        out.push_str(",\n");
    }
    out.push_str("]\n");
}

/// TOML text for a new app definition.
pub fn app_text(app: &str, name: Option<&str>, url: Option<&str>) -> String {
    let mut out = format!("\n[apps.{}]\n", Value::from(app).to_string().trim());
    if let Some(name) = name {
        out.push_str(&format!("name = {}\n", Value::from(name).to_string().trim()));
    }
    if let Some(url) = url {
        out.push_str(&format!("url = {}\n", Value::from(url).to_string().trim()));
    }
    out
}

/// `text` with `addition` appended, on a line of its own.
pub fn append(text: &str, addition: &str) -> String {
    let mut out = text.to_owned();
    push_block(&mut out, addition);
    out
}

/// `addition` appended to `out` in place, on a line of its own (and without the blank
/// line it starts with when `out` is empty).
pub fn push_block(out: &mut String, addition: &str) {
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if out.is_empty() {
        out.push_str(addition.trim_start_matches('\n'));
    } else {
        out.push_str(addition);
    }
}
