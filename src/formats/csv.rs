//! `csv`: a header row, then one record a row. `--name-column` (default `name`),
//! `--kind` (default person), `--link APP=COL` for each application's id column and
//! `--url-column APP=COL` for its URL column; empty cells are skipped. A BOM, CRLF
//! line ends and quoted multi-line cells are read as CSV has them. Cells are taken
//! exactly as written (no space trimmed); a header named twice is an error.
//!
//! Export writes `kind,record,app,id,url,name,ref` (`name`: the link's own App Name;
//! `ref`: the record's number, so that two records with one name stay two), and a
//! cell a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab
//! or CR) with a leading `'`, which import takes off again (README: Links in and out).

use super::{CsvColumns, Input, InputError};
use crate::index::Index;
use crate::parsed_file::Kind;

pub fn export(index: &Index) -> String {
    let mut writer = ::csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(["kind", "record", "app", "id", "url", "name", "ref"]);
    for (n, record) in index.records().enumerate() {
        let name = defused(index.record_name(record));
        let number = (n + 1).to_string();
        for link in index.record_links(record) {
            let _ = writer.write_record([
                record.kind.key(),
                &name,
                link.app.id.as_str(),
                &defused(link.id()),
                &defused(link.url().unwrap_or("")),
                &defused(link.name().unwrap_or("")),
                &number,
            ]);
        }
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub fn parse(bytes: &[u8], columns: &CsvColumns) -> Result<Input, InputError> {
    check_quoting(bytes)?;
    let mut reader = ::csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| error_of(&e, "cannot read the header row"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect::<Vec<_>>();
    if let Some((i, h)) = headers.iter().enumerate().find(|(i, h)| headers[..*i].contains(h)) {
        return Err(InputError::at(1, Some(i + 1), format!("the column `{h}` is named twice; name each column once")));
    }
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            InputError::at(
                1,
                None,
                format!(
                    "no column `{name}`; the columns are {}",
                    headers.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>().join(", ")
                ),
            )
        })
    };
    // `kind,record,app,id,url`, as export writes: one link a row.
    let exported =
        ["kind", "record", "app", "id"].iter().all(|c| headers.iter().any(|h| h == c)) && columns.links.is_empty();
    let mut input = Input::default();
    let mut lines = Lines::new(bytes);
    if exported {
        let (k, r, a, i) = (column("kind")?, column("record")?, column("app")?, column("id")?);
        let (u, n, number) = (column("url").ok(), column("name").ok(), column("ref").ok());
        let mut last_ref = None;
        for row in reader.records() {
            let row = row.map_err(|e| error_of(&e, "bad row"))?;
            let line = lines.of(row.position());
            let cell = |c: usize| undefused(row.get(c).unwrap_or(""));
            let kind = Kind::from_key(&cell(k))
                .ok_or_else(|| InputError::at(line, Some(k + 1), "`kind` must be person, company or project"))?;
            let link = super::link(line, &cell(a), &cell(i), u.map(cell).as_deref(), n.map(cell).as_deref())?;
            let this_ref = number.map(cell);
            let same = last_ref.as_ref() == Some(&this_ref)
                && input.records.last().is_some_and(|last| last.kind == kind && last.name == cell(r));
            if !same {
                input.records.start(kind, &super::name(line, Some(r + 1), &cell(r))?, line);
            }
            input.records.push(&link);
            last_ref = Some(this_ref);
        }
        input.records.shrink();
        return Ok(input);
    }
    if columns.links.is_empty() {
        return Err(InputError::at(1, None, "say which columns hold ids: `--link APP=COLUMN` for each application"));
    }
    let name = column(columns.name.as_deref().unwrap_or("name"))?;
    let links: Vec<(String, usize, Option<usize>)> = columns
        .links
        .iter()
        .map(|(app, col)| {
            let url = columns.urls.iter().find(|(a, _)| a == app).map(|(_, c)| column(c)).transpose()?;
            Ok((app.clone(), column(col)?, url))
        })
        .collect::<Result<_, InputError>>()?;
    if let Some((app, _)) = columns.urls.iter().find(|(a, _)| !columns.links.iter().any(|(l, _)| l == a)) {
        return Err(InputError::at(1, None, format!("`--url-column {app}=…` has no `--link {app}=…`")));
    }
    let kind = columns.kind.unwrap_or(Kind::Person);
    for row in reader.records() {
        let row = row.map_err(|e| error_of(&e, "bad row"))?;
        let line = lines.of(row.position());
        let cell = |c: usize| undefused(row.get(c).unwrap_or(""));
        if cell(name).trim().is_empty() {
            return Err(InputError::at(line, Some(name + 1), "the name cell is empty"));
        }
        input.records.start(kind, &super::name(line, Some(name + 1), &cell(name))?, line);
        for (app, id_col, url_col) in &links {
            let id = cell(*id_col);
            if id.is_empty() {
                continue;
            }
            let link = super::link(line, app, &id, url_col.map(cell).as_deref(), None)
                .map_err(|e| InputError { column: Some(id_col + 1), ..e })?;
            input.records.push(&link);
        }
    }
    input.records.shrink();
    Ok(input)
}

/// Whether a spreadsheet would run `cell` as a formula.
fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// `cell` as export writes it: a formula (or a cell that already starts with the
/// guard, so that it survives) behind a `'`.
fn defused(cell: &str) -> String {
    if is_formula(cell) || (cell.starts_with('\'') && (is_formula(&cell[1..]) || cell[1..].starts_with('\''))) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// `cell` as import reads it: export's guard taken off again.
fn undefused(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest) if is_formula(rest) || rest.starts_with('\'') => rest.to_owned(),
        _ => cell.to_owned(),
    }
}

/// The 1-based line each record starts on, counted from byte offsets (which CRLF
/// line ends and quoted line breaks cannot confuse), incrementally: records come in
/// order, so each byte is counted once.
struct Lines<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Lines<'a> {
    fn new(bytes: &'a [u8]) -> Lines<'a> {
        Lines { bytes, at: 0, line: 1 }
    }

    fn of(&mut self, position: Option<&::csv::Position>) -> usize {
        let Some(p) = position else { return self.line };
        let mut start = (p.byte() as usize).min(self.bytes.len());
        // The offset may stand on the previous record's line end.
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        if start >= self.at {
            self.line += self.bytes[self.at..start].iter().filter(|&&b| b == b'\n').count();
            self.at = start;
        }
        self.line
    }
}

fn error_of(e: &::csv::Error, what: &str) -> InputError {
    let line = e.position().map_or(1, |p| p.line() as usize);
    match e.kind() {
        ::csv::ErrorKind::Utf8 { .. } => InputError::at(line, None, "the input is not UTF-8"),
        _ => InputError::at(line, None, format!("{what}: {e}")),
    }
}

/// RFC 4180's quoting where the csv crate reads on leniently and changes the value: text
/// after a quoted field's closing quote (`"A"B` was read as `AB`, `"1" x` as `1 x`), and
/// a quote never closed (the rest of the input was read as one field). A quote inside an
/// unquoted field (`5'10"`) is read as it is written, and stays allowed.
fn check_quoting(bytes: &[u8]) -> Result<(), InputError> {
    let (mut line, mut field, mut at_start) = (1, 1, true);
    let mut i = 0;
    while i < bytes.len() {
        if at_start && bytes[i] == b'"' {
            let opened = line;
            i += 1;
            loop {
                match bytes.get(i) {
                    None => return Err(InputError::at(opened, Some(field), "a quoted field is never closed")),
                    Some(b'"') if bytes.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => break,
                    Some(b) => {
                        line += usize::from(*b == b'\n');
                        i += 1;
                    }
                }
            }
            i += 1;
            if !matches!(bytes.get(i), None | Some(b',' | b'\n' | b'\r')) {
                return Err(InputError::at(
                    line,
                    Some(field),
                    "text after a quoted field's closing quote; quote the whole field (a quote inside it is written twice: \"\")",
                ));
            }
            at_start = false;
            continue;
        }
        match bytes[i] {
            b',' => (field, at_start) = (field + 1, true),
            b'\n' => (line, field, at_start) = (line + 1, 1, true),
            _ => at_start = false,
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_round_trip() {
        for cell in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "'=x", "''", "'plain", "plain", ""] {
            assert_eq!(undefused(&defused(cell)), cell, "{cell:?}");
            assert!(!is_formula(&defused(cell)), "{cell:?}");
        }
    }

    #[test]
    fn quoting_that_would_change_a_value_is_an_error_at_its_line_and_field() {
        assert!(check_quoting(b"name,Z\n\"A\",\"1\"\n\"a \"\"b\"\"\",\"x\ny\"\r\n5'10\",2\n").is_ok());
        for (input, line, field, message) in [
            (&b"name,Z\n\"A\"B,1\n"[..], 2, 1, "after a quoted field's closing quote"),
            (b"name,Z\nA,\"1\" x\n", 2, 2, "after a quoted field's closing quote"),
            (b"name,Z\nA,\"1\nB,2\n", 2, 2, "never closed"),
        ] {
            let e = check_quoting(input).unwrap_err();
            assert_eq!((e.line, e.column), (line, Some(field)), "{e}");
            assert!(e.message.contains(message), "{e}");
        }
    }

    #[test]
    fn a_header_named_twice_is_an_error() {
        let columns = CsvColumns { links: vec![("a.example".into(), "id".into())], ..CsvColumns::default() };
        let e = parse(b"name,id,id\nA,1,2\n", &columns).unwrap_err();
        assert!(e.message.contains("named twice"), "{e}");
    }
}
