//! Import and export formats (SPEC §7): `cloze` (the JSON of Cloze's API), `csv`
//! (a header row; columns named by options) and `jsonl` (one object a line, as
//! export writes it). Parsing checks every App ID, id and URL as a link file would
//! and stops at the first bad row, naming its line (and column).

pub mod cloze;
pub mod csv;
pub mod jsonl;

use crate::edit::ops::{Incoming, IncomingApp};
use crate::index::Index;
use crate::parsed_file::Kind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Cloze,
    Csv,
    Jsonl,
}

impl Format {
    /// The format a file name says (`contacts.csv`, `export.jsonl`, `cloze.json`).
    pub fn of_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        match lower.rsplit_once('.').map(|(_, ext)| ext) {
            Some("csv") => Some(Format::Csv),
            Some("jsonl" | "ndjson") => Some(Format::Jsonl),
            Some("json") => Some(Format::Cloze),
            _ => None,
        }
    }
}

/// A bad input, where it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}{}: {message}", column.map(|c| format!(", column {c}")).unwrap_or_default())]
pub struct InputError {
    pub line: usize,
    pub column: Option<usize>,
    pub message: String,
}

impl InputError {
    pub fn at(line: usize, column: Option<usize>, message: impl Into<String>) -> InputError {
        InputError { line, column, message: message.into() }
    }
}

/// What CSV needs to know of its columns.
#[derive(Debug, Clone, Default)]
pub struct CsvColumns {
    pub kind: Option<Kind>,
    pub name: Option<String>,
    /// (App ID, column) for each `--link APP=COL`.
    pub links: Vec<(String, String)>,
    /// (App ID, column) for each `--url-column APP=COL`.
    pub urls: Vec<(String, String)>,
}

/// Everything an input holds.
#[derive(Debug, Default)]
pub struct Input {
    pub apps: Vec<IncomingApp>,
    pub records: Vec<Incoming>,
}

pub fn parse(format: Format, bytes: &[u8], kind: Option<Kind>, columns: &CsvColumns) -> Result<Input, InputError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::at(1, None, "the input is empty"));
    }
    match format {
        Format::Cloze => cloze::parse(bytes, kind),
        Format::Csv => csv::parse(bytes, columns),
        Format::Jsonl => jsonl::parse(bytes),
    }
}

pub fn export(format: Format, index: &Index) -> String {
    match format {
        Format::Cloze => cloze::export(index),
        Format::Csv => csv::export(index),
        Format::Jsonl => jsonl::export(index),
    }
}

/// A record's name, checked as a link file would (not empty, no control characters).
pub(crate) fn name(line: usize, column: Option<usize>, name: &str) -> Result<String, InputError> {
    if name.trim().is_empty() || name.chars().any(char::is_control) {
        return Err(InputError::at(
            line,
            column,
            format!("the name {name:?} is empty or holds control characters (a line break?)"),
        ));
    }
    Ok(name.to_owned())
}

/// A link of an input, checked.
pub(crate) fn link(
    line: usize,
    app: &str,
    id: &str,
    url: Option<&str>,
    name: Option<&str>,
) -> Result<crate::edit::document::NewLink, InputError> {
    crate::edit::ops::checked_link(app, id, url.filter(|u| !u.is_empty()), name.filter(|n| !n.is_empty()))
        .map_err(|e| InputError::at(line, None, e))
}
