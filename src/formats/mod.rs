//! Import and export formats (README: Links in and out): `cloze` (the JSON of Cloze's API), `csv`
//! (a header row; columns named by options) and `jsonl` (one object a line, as
//! export writes it). Parsing checks every App ID, id and URL as a link file would
//! and stops at the first bad row, naming its line (and column).

pub mod cloze;
pub mod csv;
pub mod jsonl;
pub mod records;

use crate::edit::ops::IncomingApp;
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

/// For the `Option` fields of an input line: absent is `None`, but `null` is a value of
/// the wrong type, an error (as strict as a link file, where a key has a value or is not
/// there), never read as absent.
pub(crate) fn not_null<'de, D: serde::Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
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

/// A JSON error's message without serde_json's " at line L column C" (the error's
/// place is said once, as `file:line:column`).
pub(crate) fn without_place(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
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
    pub records: records::Records,
    /// `[browser] fallback`, and the line that gives it.
    pub fallback: Option<(Vec<String>, usize)>,
}

/// An id as JSON may write it: a string, or an integer that survives as written (at
/// most 2^53, what every JSON reader keeps exactly). `1e3`, `1.5` or a longer integer
/// would come back changed, so they are errors: write them as strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StrictId(pub String);

impl<'de> serde::Deserialize<'de> for StrictId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<StrictId, D::Error> {
        const MAX: u64 = 1 << 53;
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = StrictId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an id: a string, or an integer of at most 2^53")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<StrictId, E> {
                Ok(StrictId(v.to_owned()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<StrictId, E> {
                if v > MAX {
                    return Err(E::custom(format!(
                        "the id {v} would not survive as a number (past 2^53); write it as a string"
                    )));
                }
                Ok(StrictId(v.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<StrictId, E> {
                if v.unsigned_abs() > MAX {
                    return Err(E::custom(format!(
                        "the id {v} would not survive as a number (past 2^53); write it as a string"
                    )));
                }
                Ok(StrictId(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<StrictId, E> {
                Err(E::custom(format!(
                    "an id written as this number (read as {v}) would not survive as written: only integers up to 2^53 do; write it as a string"
                )))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
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

/// `parse`, reading from a file as it goes where the format allows (JSON lines and
/// Cloze's JSON are parsed as they stream; CSV is read whole first).
pub fn parse_reader(
    format: Format,
    mut reader: impl std::io::BufRead,
    kind: Option<Kind>,
    columns: &CsvColumns,
) -> Result<Input, InputError> {
    let empty = |reader: &mut dyn std::io::BufRead| -> Result<bool, InputError> {
        loop {
            let buf = reader.fill_buf().map_err(|e| InputError::at(1, None, format!("cannot read: {e}")))?;
            if buf.is_empty() {
                return Ok(true);
            }
            match buf.iter().position(|b| !b.is_ascii_whitespace()) {
                Some(_) => return Ok(false),
                None => {
                    let n = buf.len();
                    reader.consume(n);
                }
            }
        }
    };
    if empty(&mut reader)? {
        return Err(InputError::at(1, None, "the input is empty"));
    }
    match format {
        Format::Jsonl => jsonl::parse_reader(reader),
        Format::Cloze => {
            let buf = reader.fill_buf().map_err(|e| InputError::at(1, None, format!("cannot read: {e}")))?;
            if buf.starts_with(b"\xef\xbb\xbf") {
                reader.consume(3);
            }
            cloze::parse_reader(reader, kind)
        }
        Format::Csv => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(|e| InputError::at(1, None, format!("cannot read: {e}")))?;
            csv::parse(&bytes, columns)
        }
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
