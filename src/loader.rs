//! Loader: one file's bytes → a validated [`ParsedFile`], or every error in it.
//!
//! Owns the file format of README: Link files and every rule that one file can check alone.
//! Rules that need all files (merges, conflicts, aliases) belong to the index.
//! Never panics on any input.

use std::borrow::Cow;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::app_id::AppId;
use crate::diagnostic::Diagnostic;
use crate::link_url::LinkUrl;
use crate::parsed_file::{AppDef, Kind, ParsedFile, Pos, RecordDef, fingerprint};
use crate::scheme::{self, Schemes};
use crate::source_text::SourceText;
use crate::template::UrlTemplate;
use crate::unique_id::UniqueId;

/// A link or template on the daemon's own origin: a click on it would come back to applinkd.
const DAEMON_ORIGIN: &str =
    "this URL is applinkd's own daemon (127.0.0.1:7133): opening it would come back to applinkd";
const DAEMON_ORIGIN_HINT: &str = "give the application's own URL; `applinkd` serves /APP/ID itself";

/// What parsing one file gave: the file if it had no errors, and every diagnostic.
#[derive(Debug)]
pub struct FileOutcome {
    pub parsed: Option<ParsedFile>,
    pub diagnostics: Vec<Diagnostic>,
}

const TOP_LEVEL: [&str; 5] = ["apps", "person", "company", "project", "browser"];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApp {
    name: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    formerly: Option<Vec<Spanned<String>>>,
    schemes: Option<Vec<Spanned<String>>>,
    open_with: Option<Spanned<Vec<String>>>,
    native: Option<Spanned<String>>,
}

/// `[browser]`: what `open` does with web links that are no App URL (README: The web-link router).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBrowser {
    fallback: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLink {
    app: Spanned<String>,
    id: Spanned<RawId>,
    name: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
}

/// Ids are strings, but `id = 48616032` is what people write for numeric ids.
enum RawId {
    Text(String),
    Number(i64),
}

impl<'de> Deserialize<'de> for RawId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<RawId, D::Error> {
        struct IdVisitor;
        impl serde::de::Visitor<'_> for IdVisitor {
            type Value = RawId;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an id: a string or an integer")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RawId, E> {
                Ok(RawId::Text(v.to_owned()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<RawId, E> {
                Ok(RawId::Number(v))
            }
        }
        deserializer.deserialize_any(IdVisitor)
    }
}

/// Parses and validates one file. `path` is how the file is named in messages.
pub fn parse(path: &str, bytes: &[u8]) -> FileOutcome {
    parse_on(path, bytes, true)
}

/// `parse`; `cores`: whether a long file's pieces may be parsed on all cores (when
/// this is the only file being parsed: see `FileParser::parse_document`).
pub fn parse_on(path: &str, bytes: &[u8], cores: bool) -> FileOutcome {
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let lossy = String::from_utf8_lossy(&bytes[..e.valid_up_to()]);
            let src = SourceText::new(path, &lossy);
            let diagnostic = Diagnostic::error(
                "the file is not valid UTF-8",
                src.label(e.valid_up_to()..e.valid_up_to(), "invalid byte here"),
            )
            .with_hint(Some("save the file as UTF-8"));
            return FileOutcome { parsed: None, diagnostics: vec![diagnostic] };
        }
    };
    let src = SourceText::new(path, text);
    let mut file = FileParser::new(&src, ParsedFile::new(path.to_owned(), fingerprint(bytes)), 0);
    file.parse_document(cores);
    file.parsed.finish();
    let has_errors = file.diagnostics.iter().any(Diagnostic::is_error);
    FileOutcome { parsed: (!has_errors).then_some(file.parsed), diagnostics: file.diagnostics }
}

struct FileParser<'a> {
    src: &'a SourceText<'a>,
    diagnostics: Vec<Diagnostic>,
    parsed: ParsedFile,
    /// Where the piece being parsed starts in the file: spans are the piece's.
    base: usize,
    /// App IDs defined in this piece or file (TOML reports one defined twice within a
    /// piece; pieces are checked against each other as they are joined).
    seen_apps: hashbrown::HashSet<String>,
    /// Where this piece defines each App ID and `browser`, for those checks.
    app_keys: Vec<(String, Range<usize>)>,
    browser_key: Option<Range<usize>>,
}

/// Files at most this long are parsed whole. Longer ones are parsed a piece at a
/// time, cut before `[[person]]`, `[[company]]` or `[[project]]` headers, so that the
/// TOML tree in memory is one piece's, not the whole file's (about 40 times its size):
/// measured, one file of 100,000 links (7 MB) peaked at 311 MiB parsed whole.
const PIECE: usize = 8 * 1024;

/// Byte offsets where `text` may be cut into pieces of about `PIECE` bytes: before a
/// record's array-of-tables header, at the start of a line, outside any value. A
/// record's own sub-tables (`[person.x]`) stay with it, so each piece is TOML that
/// means what it meant in the whole file.
fn cuts(text: &str) -> Vec<usize> {
    use toml_parser::lexer::TokenKind;
    let mut cuts = Vec::new();
    if text.len() <= PIECE {
        return cuts;
    }
    let source = toml_parser::Source::new(text);
    let mut tokens = source.lex().peekable();
    let (mut depth, mut line_start, mut last_cut) = (0usize, true, 0usize);
    while let Some(token) = tokens.next() {
        match token.kind() {
            TokenKind::Newline => {
                line_start = true;
                continue;
            }
            TokenKind::Whitespace | TokenKind::Comment => continue,
            TokenKind::LeftSquareBracket if depth == 0 && line_start => {
                let start = token.span().start();
                // A header line: `[[person]]` is a record's; any other, a table's.
                let line_end = text[start..].find('\n').map_or(text.len(), |n| start + n);
                let header = text[start..line_end].split('#').next().unwrap_or("").trim();
                let record =
                    ["[[person]]", "[[company]]", "[[project]]"].iter().any(|h| header.replace([' ', '\t'], "") == *h);
                if record && start - last_cut >= PIECE {
                    cuts.push(start);
                    last_cut = start;
                }
                while tokens.peek().is_some_and(|t| t.kind() != TokenKind::Newline) {
                    tokens.next();
                }
            }
            TokenKind::LeftSquareBracket | TokenKind::LeftCurlyBracket => depth += 1,
            TokenKind::RightSquareBracket | TokenKind::RightCurlyBracket => depth = depth.saturating_sub(1),
            _ => {}
        }
        line_start = false;
    }
    cuts
}

impl<'a> FileParser<'a> {
    fn new(src: &'a SourceText<'a>, parsed: ParsedFile, base: usize) -> FileParser<'a> {
        FileParser {
            src,
            diagnostics: Vec::new(),
            parsed,
            base,
            seen_apps: Default::default(),
            app_keys: Vec::new(),
            browser_key: None,
        }
    }

    /// A long file is parsed in pieces: on both cores when this is the only file being
    /// parsed (a reload of one file: issue 12, an edit at a million links served within
    /// 100 ms), else one after the other (a load parses files side by side already, and
    /// pieces in flight cost memory). Pieces are joined in order: the same meaning, errors
    /// and places as one parse of the whole file.
    fn parse_document(&mut self, cores: bool) {
        let text = self.src.text;
        let cuts = cuts(text);
        if cuts.is_empty() {
            self.parse_piece(text, false);
            return;
        }
        let starts = std::iter::once(0).chain(cuts.iter().copied());
        let ends = cuts.iter().copied().chain(std::iter::once(text.len()));
        let pieces: Vec<(usize, usize)> = starts.zip(ends).collect();
        let src = self.src;
        let parse = |&(start, end): &(usize, usize)| {
            let mut part = FileParser::new(src, ParsedFile::new(String::new(), 0), start);
            let ok = part.parse_piece(&text[start..end], false);
            (part, ok)
        };
        let mut failed = false;
        if cores && rayon::current_thread_index().is_none() && rayon::current_num_threads() > 1 {
            use rayon::prelude::*;
            let parts: Vec<(FileParser<'_>, bool)> = pieces.par_iter().map(parse).collect();
            self.parsed.reserve_for(parts.iter().map(|(part, _)| &part.parsed));
            for (part, ok) in parts {
                self.join(part, ok, &mut failed);
            }
        } else {
            for piece in &pieces {
                let (part, ok) = parse(piece);
                self.join(part, ok, &mut failed);
            }
        }
    }

    /// Adds a piece parsed on its own. After a piece with TOML errors, later pieces only
    /// add theirs (what they mean is not taken).
    fn join(&mut self, mut part: FileParser<'a>, ok: bool, failed: &mut bool) {
        if *failed {
            if !ok {
                self.diagnostics.append(&mut part.diagnostics);
            }
            return;
        }
        *failed |= !ok;
        let mut duplicates = Vec::new();
        for (id, span) in &part.app_keys {
            if !self.seen_apps.insert(id.clone()) {
                self.error_at(span.clone(), format!("duplicate key `{id}` in `apps`"));
                duplicates.push(id.clone());
            }
        }
        part.parsed.apps.retain(|app| !duplicates.iter().any(|d| d == app.id.as_str()));
        if let (Some(_), Some(span)) = (&self.parsed.browser_fallback, &part.browser_key) {
            self.error_at(span.clone(), "`browser` is defined twice".to_owned());
            part.parsed.browser_fallback = None;
        }
        self.diagnostics.append(&mut part.diagnostics);
        self.parsed.absorb(part.parsed);
    }

    /// An error at a span of the whole file.
    fn error_at(&mut self, span: Range<usize>, message: String) {
        let label = self.src.label(span, "");
        self.diagnostics.push(Diagnostic::error(message, label));
    }

    /// Parses one piece; false when it has TOML errors. `check_only`: report those
    /// errors and take nothing from it.
    fn parse_piece(&mut self, piece: &'a str, check_only: bool) -> bool {
        let (root, errors) = DeTable::parse_recoverable(piece);
        if !errors.is_empty() {
            for error in errors {
                self.toml_error(&error, 0..0);
            }
            return false;
        }
        if check_only {
            return true;
        }
        // Tables come back sorted by key; keep the file's order, which decides conflicts.
        let mut entries: Vec<_> = root.into_inner().into_iter().collect();
        entries.sort_by_key(|(key, _)| key.span().start);
        // Records of every kind in the order the file writes them (TOML groups a table's
        // arrays by key: all `[[person]]`, then all `[[company]]`), so that records and
        // their links are in file order however the file was cut into pieces, and a
        // record added at the end is the last one, with the last links.
        let mut records = Vec::new();
        for (key, value) in entries {
            let span = key.span();
            match key.get_ref().as_ref() {
                "apps" => self.apps(value),
                "browser" => self.browser(value, span),
                name => match Kind::from_key(name) {
                    Some(kind) => self.records(kind, value, &mut records),
                    None => {
                        let hint = top_level_for(name).map(|s| format!("did you mean `{s}`?"));
                        self.error(
                            span,
                            format!("unknown key `{name}`"),
                            "expected `apps`, `person`, `company`, `project` or `browser`",
                            hint,
                        );
                    }
                },
            }
        }
        records.sort_by_key(|(_, value)| value.span().start);
        for (kind, value) in records {
            let span = value.span();
            let DeValue::Table(table) = value.into_inner() else { unreachable!("only tables are kept") };
            self.record(kind, table, span);
        }
        true
    }

    fn apps(&mut self, value: Spanned<DeValue<'a>>) {
        let span = value.span();
        let DeValue::Table(apps) = value.into_inner() else {
            return self.error(span, "`apps` must be a table", "", Some("write `[apps.\"example.com\"]`"));
        };
        let mut apps: Vec<_> = apps.into_iter().collect();
        apps.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in apps {
            let key_span = key.span();
            let Some(id) = self.app_id(key.get_ref(), key_span.clone()) else {
                continue;
            };
            self.app_keys.push((id.as_str().to_owned(), key_span.start + self.base..key_span.end + self.base));
            if !self.seen_apps.insert(id.as_str().to_owned()) {
                self.error(key_span, format!("duplicate key `{id}` in `apps`"), "", None::<String>);
                continue;
            }
            let Some(raw) = self.deserialize::<RawApp>(value) else {
                continue;
            };
            if let Some(app) = self.app(id, raw, key_span) {
                self.parsed.apps.push(app);
            }
        }
    }

    fn app(&mut self, id: AppId, raw: RawApp, key_span: Range<usize>) -> Option<AppDef> {
        let errors_before = self.error_count();
        let schemes = match &raw.schemes {
            None => Schemes::default(),
            Some(list) => {
                let mut checked = Vec::new();
                for s in list {
                    match scheme::check(s.get_ref()) {
                        Ok(name) => checked.push(name),
                        Err(e) => self.error(s.span(), e.to_string(), "", None::<String>),
                    }
                }
                if list.is_empty() {
                    self.error(
                        key_span.clone(),
                        "`schemes` is empty",
                        "",
                        Some("leave it out to allow http and https"),
                    );
                }
                Schemes::new(checked)
            }
        };
        let template = raw.url.as_ref().and_then(|url| self.template(url, &schemes));
        let mut formerly = Vec::new();
        for old in raw.formerly.iter().flatten() {
            if let Some(old_id) = self.app_id(old.get_ref(), old.span()) {
                if old_id == id {
                    self.error(old.span(), format!("`{id}` names itself in `formerly`"), "", None::<String>);
                } else {
                    formerly.push((old_id, self.pos(old.span())));
                }
            }
        }
        let open_with = raw.open_with.map(|spanned| {
            let span = spanned.span();
            let argv = spanned.into_inner();
            if argv.first().is_none_or(|program| program.trim().is_empty()) {
                self.error(
                    span,
                    "`open_with` must start with a program",
                    "",
                    Some("like `open_with = [\"firefox\", \"--new-window\"]`"),
                );
            }
            argv
        });
        let native = raw.native.as_ref().and_then(|native| self.native(native, &schemes));
        let name = raw.name.and_then(|name| self.name(name));
        (self.error_count() == errors_before).then(|| AppDef {
            native,
            at: self.pos(key_span),
            id,
            name,
            template,
            formerly,
            schemes,
            open_with,
        })
    }

    fn template(&mut self, url: &Spanned<String>, schemes: &Schemes) -> Option<UrlTemplate> {
        let span = url.span();
        match UrlTemplate::parse(url.get_ref()) {
            Ok(template) if !schemes.allows(template.scheme()) => {
                let scheme = template.scheme();
                self.error(
                    span,
                    format!("the URL template's scheme `{scheme}` is not allowed for this app"),
                    format!("allowed: {}", schemes.describe()),
                    Some(format!("allow it too: `{}`", schemes.with(scheme))),
                );
                None
            }
            Ok(template) if template.expand("app.example", "1").is_ok_and(|u| crate::target::is_daemon_origin(&u)) => {
                self.error(span, DAEMON_ORIGIN, "", Some(DAEMON_ORIGIN_HINT));
                None
            }
            Ok(template) => Some(template),
            Err(e) => {
                let at = self.inside_string(&span, url.get_ref(), e.offset);
                self.error(at, e.message, "", e.hint);
                None
            }
        }
    }

    /// `native`: the desktop app's deep link (README: The web-link router), checked like `url`: a
    /// template whose literal text fixes scheme and host, in one of the app's
    /// `schemes`, and not `http`/`https` (that is `url`'s place).
    fn native(&mut self, native: &Spanned<String>, schemes: &Schemes) -> Option<UrlTemplate> {
        let template = self.template(native, schemes)?;
        if matches!(template.scheme(), "http" | "https") {
            self.error(
                native.span(),
                "`native` is the desktop app's own link, not a web URL",
                "",
                Some("a deep link such as `zoommtg://zoom.us/join?confno={id}`; the web URL goes in `url`"),
            );
            return None;
        }
        Some(template)
    }

    fn browser(&mut self, value: Spanned<DeValue<'a>>, key_span: Range<usize>) {
        let Some(raw) = self.deserialize::<RawBrowser>(value) else {
            return;
        };
        let Some(fallback) = raw.fallback else {
            return;
        };
        let span = fallback.span();
        let argv = fallback.into_inner();
        if argv.first().is_none_or(|program| program.trim().is_empty()) {
            return self.error(
                span,
                "`fallback` must start with a program",
                "",
                Some("like `fallback = [\"firefox\", \"-P\", \"personal\"]`"),
            );
        }
        if self.parsed.browser_fallback.is_some() {
            return self.error(key_span, "`browser` is defined twice", "", None::<String>);
        }
        self.browser_key = Some(key_span.start + self.base..key_span.end + self.base);
        let at = self.pos(span);
        self.parsed.browser_fallback = Some((argv, at));
    }

    /// Checks an array of records; keeps its tables in `out`, to be read in file order.
    fn records(&mut self, kind: Kind, value: Spanned<DeValue<'a>>, out: &mut Vec<(Kind, Spanned<DeValue<'a>>)>) {
        let span = value.span();
        let DeValue::Array(records) = value.into_inner() else {
            let key = kind.key();
            return self.error(
                span,
                format!("`{key}` must be an array of tables"),
                "",
                Some(format!("write each one under `[[{key}]]`")),
            );
        };
        for value in records {
            if !matches!(value.get_ref(), DeValue::Table(_)) {
                let key = kind.key();
                self.error(
                    value.span(),
                    format!("each `{key}` must be a table"),
                    "",
                    Some(format!("write it under `[[{key}]]`")),
                );
                continue;
            }
            out.push((kind, value));
        }
    }

    /// A record is walked by hand so that each link is checked on its own and
    /// every bad link is reported, not just the first.
    fn record(&mut self, kind: Kind, table: DeTable<'a>, span: Range<usize>) {
        let errors_before = self.error_count();
        let first_link = self.parsed.links.len();
        let mut name = None;
        let mut has_name = false;
        let mut fields: Vec<_> = table.into_iter().collect();
        fields.sort_by_key(|(key, _)| key.span().start);
        for (key, value) in fields {
            match key.get_ref().as_ref() {
                "name" => {
                    has_name = true;
                    name = self.deserialize::<Spanned<String>>(value).and_then(|n| self.name(n));
                }
                "links" => {
                    let links_span = value.span();
                    let DeValue::Array(links) = value.into_inner() else {
                        self.error(
                            links_span,
                            "`links` must be an array",
                            "",
                            Some("like `links = [{ app = \"github.com\", id = \"ada\" }]`"),
                        );
                        continue;
                    };
                    for link in links {
                        let at = link.span();
                        if let Some(link) = self.deserialize::<RawLink>(link) {
                            self.link(link, at);
                        }
                    }
                }
                other => {
                    let hint = closest(other, ["name", "links"])
                        .map(|s| format!("did you mean `{s}`?"))
                        .unwrap_or_else(|| "a record has `name` and `links`".into());
                    self.error(key.span(), format!("unknown key `{other}` in a {kind}"), "", Some(hint));
                }
            }
        }
        if !has_name {
            self.error(span.start..span.start, format!("this {kind} has no `name`"), "", Some("add `name = \"…\"`"));
        }
        if self.error_count() != errors_before {
            self.parsed.links.truncate(first_link);
            return;
        }
        let Some(name) = name else { return };
        let name = self.parsed.push_text(Some(&name));
        self.parsed.records.push(RecordDef {
            kind,
            name,
            links: first_link as u32..self.parsed.links.len() as u32,
            at: self.pos(span),
        });
    }

    fn link(&mut self, link: RawLink, at: Range<usize>) {
        let app = self.app_id(link.app.get_ref(), link.app.span());
        let id = self.unique_id(link.id);
        let url = link.url.and_then(|url| match LinkUrl::parse(url.get_ref()) {
            Ok(checked) if crate::target::is_daemon_origin(checked.as_str()) => {
                self.error(url.span(), DAEMON_ORIGIN, "", Some(DAEMON_ORIGIN_HINT));
                None
            }
            Ok(checked) => Some(checked),
            Err(e) => {
                self.error(url.span(), e.to_string(), "", url_hint(url.get_ref()));
                None
            }
        });
        let name = link.name.and_then(|name| self.name(name));
        if let (Some(app), Some(id)) = (app, id) {
            let at = self.pos(at);
            self.parsed.push_link(&app, &id, url.as_ref(), name.as_deref(), at);
        }
    }

    fn app_id(&mut self, text: &str, span: Range<usize>) -> Option<AppId> {
        AppId::parse(text)
            .map_err(|e| {
                let hint = e.suggestion.as_ref().map(|s| format!("did you mean `{s}`?"));
                self.error(span, e.to_string(), "", hint);
            })
            .ok()
    }

    fn unique_id(&mut self, raw: Spanned<RawId>) -> Option<UniqueId> {
        let span = raw.span();
        let text: Cow<str> = match raw.get_ref() {
            RawId::Text(text) => Cow::Borrowed(text),
            RawId::Number(n) => Cow::Owned(n.to_string()),
        };
        UniqueId::parse(&text).map_err(|e| self.error(span, e.to_string(), "", None::<String>)).ok()
    }

    fn name(&mut self, name: Spanned<String>) -> Option<Box<str>> {
        let span = name.span();
        let name = name.into_inner();
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            self.error(span, "a name must not be empty or hold control characters", "", None::<String>);
            return None;
        }
        Some(name.into())
    }

    fn deserialize<T: for<'de> Deserialize<'de>>(&mut self, value: Spanned<DeValue<'a>>) -> Option<T> {
        let span = value.span();
        T::deserialize(ValueDeserializer::from(value)).map_err(|e| self.toml_error(&e, span)).ok()
    }

    /// Reports a `toml` error at its own span, else at `fallback`.
    fn toml_error(&mut self, error: &toml::de::Error, fallback: Range<usize>) {
        let span = error.span().unwrap_or(fallback);
        let message = error.message().trim_end().to_owned();
        let hint = message.strip_prefix("unknown field `").and_then(|rest| rest.split('`').next()).map(|field| {
            // "expected one of `name`, `url`, …": the closest of those, if one is close.
            let expected = message.split("expected").nth(1).unwrap_or("").split('`').skip(1).step_by(2);
            match closest(field, expected) {
                Some(key) => {
                    format!("did you mean `{key}`? (a misspelt key would drop what it holds, so `{field}` is refused)")
                }
                None => format!("a misspelt key would drop what it holds, so `{field}` is refused"),
            }
        });
        self.error(span, message, "", hint);
    }

    fn error(
        &mut self,
        span: Range<usize>,
        message: impl Into<String>,
        label: impl Into<String>,
        hint: Option<impl Into<String>>,
    ) {
        let label = self.src.label(span.start + self.base..span.end + self.base, label);
        self.diagnostics.push(Diagnostic::error(message, label).with_hint(hint));
    }

    fn error_count(&self) -> usize {
        self.diagnostics.len()
    }

    fn pos(&self, span: Range<usize>) -> Pos {
        let (line, column) = self.src.line_column(span.start + self.base);
        Pos { line, column }
    }

    /// The span of byte `offset` of a string value, when the source spells it
    /// without escapes (so source bytes and value bytes line up).
    fn inside_string(&self, span: &Range<usize>, value: &str, offset: usize) -> Range<usize> {
        let raw = self.src.text.get(span.start + self.base..span.end + self.base).unwrap_or("");
        let quote = raw.chars().next().unwrap_or('"');
        if raw.len() == value.len() + 2 && raw[1..raw.len() - 1] == *value && (quote == '\'' || !value.contains('\\')) {
            let at = span.start + 1 + offset.min(value.len());
            at..span.end - 1
        } else {
            span.clone()
        }
    }
}

fn url_hint(url: &str) -> Option<String> {
    let example = match url.strip_prefix('/') {
        Some(path) => format!("https://example.com/{path}"),
        None => format!("https://{url}"),
    };
    scheme::of(url).is_none().then(|| format!("write the full URL with its scheme, like `{example}`"))
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
/// The top-level key meant by `name`: a close spelling, or a plural or synonym people write.
fn top_level_for(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let synonym = match lower.as_str() {
        "people" | "persons" | "contact" | "contacts" => Some("person"),
        "companies" | "organization" | "organizations" | "organisation" | "organisations" | "org" | "orgs" => {
            Some("company")
        }
        "projects" => Some("project"),
        "app" | "application" | "applications" => Some("apps"),
        _ => None,
    };
    synonym.or_else(|| closest(&lower, TOP_LEVEL))
}

pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|&(distance, c)| distance <= 2.max(c.len() / 3) && distance < c.len())
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of `n` person records (each with a sub-table header after it), an app
    /// defined at the end, and `tail` appended.
    fn big(n: usize, tail: &str) -> String {
        let mut text = String::from("# people\n[apps.\"a.example\"]\nurl = \"https://a.example/{id}\"\n\n");
        for i in 0..n {
            text.push_str(&format!(
                "[[person]]\nname = \"P {i}\"\nlinks = [\n  {{ app = \"a.example\", id = \"{i}\" }},\n]\n\n"
            ));
            if i % 3 == 0 {
                text.push_str(&format!("[[company]]\nname = \"C {i}\"\nlinks = [{{ app = \"b.example\", id = \"{i}\", url = \"https://b.example/{i}\" }}]\n\n"));
            }
        }
        text.push_str("[apps.\"b.example\"]\nname = \"B\"\n");
        text.push_str(tail);
        text
    }

    /// Issue 12: a big file is parsed a piece at a time, and means exactly what it
    /// means parsed whole: every record in file order, every place right.
    #[test]
    fn big_files_are_parsed_in_pieces_with_the_same_meaning() {
        let text = big(12_000, "");
        assert!(cuts(&text).len() >= 2, "{} bytes in one piece", text.len());
        let outcome = parse("big.toml", text.as_bytes());
        assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics.first().map(ToString::to_string));
        let parsed = outcome.parsed.unwrap();
        assert_eq!(parsed.records.len(), 12_000 + 4_000);
        assert_eq!(parsed.links.len(), 16_000);
        assert_eq!(parsed.apps.len(), 2);
        // File order across kinds, and positions in the whole file.
        let last = parsed.records.last().unwrap();
        assert_eq!(parsed.record_name(last), "P 11999");
        let line = text.lines().position(|l| l == "name = \"P 11999\"").unwrap() as u32;
        assert_eq!(last.at.line, line, "the record's `[[person]]` line");
        assert_eq!(parsed.record_name(&parsed.records[1]), "C 0");
    }

    #[test]
    fn errors_in_later_pieces_have_their_place_in_the_file() {
        let text = big(12_000, "[[person]]\nname = \"Late\"\nlinks = [{ app = \"Bad.Example\", id = \"1\" }]\n");
        let outcome = parse("big.toml", text.as_bytes());
        let error = outcome.diagnostics.iter().find(|d| d.is_error()).expect("an error");
        let line = text.lines().count();
        assert!(error.to_string().contains(&format!("big.toml:{line}:")), "{error}");
        assert!(outcome.parsed.is_none());
        // A TOML syntax error late in the file, too.
        let text = big(12_000, "[[person]]\nname = \"Late\nlinks = []\n");
        let outcome = parse("big.toml", text.as_bytes());
        let error = outcome.diagnostics.iter().find(|d| d.is_error()).expect("an error");
        assert!(error.to_string().contains(&format!("big.toml:{}:", text.lines().count() - 1)), "{error}");
        // An app defined in two pieces is the duplicate it would be in one.
        let text = big(12_000, "[apps.\"a.example\"]\nname = \"Again\"\n");
        let outcome = parse("big.toml", text.as_bytes());
        assert!(outcome.diagnostics.iter().any(|d| d.to_string().contains("duplicate key `a.example`")));
    }

    /// What a parse gives, in a form two parses can be compared by.
    fn summary(outcome: &FileOutcome) -> Vec<String> {
        let mut out: Vec<String> = outcome.diagnostics.iter().map(ToString::to_string).collect();
        if let Some(parsed) = &outcome.parsed {
            out.extend(parsed.apps.iter().map(|a| format!("app {} {:?}", a.id, a.at)));
            out.extend(parsed.records.iter().map(|r| {
                let links: Vec<String> = parsed.links[r.links.start as usize..r.links.end as usize]
                    .iter()
                    .map(|l| {
                        format!(
                            "{} {} {:?} {:?} {:?}",
                            parsed.link_app(l),
                            parsed.link_id(l),
                            parsed.link_url(l),
                            parsed.link_name(l),
                            l.at
                        )
                    })
                    .collect();
                format!("{:?} {} {:?} {links:?}", r.kind, parsed.record_name(r), r.at)
            }));
            out.push(format!("{:?} {:?} {:?}", parsed.link_apps, parsed.first_named, parsed.browser_fallback));
        }
        out
    }

    /// Pieces parsed side by side (a reload of one file) and one after the other (a
    /// load, inside the thread pool) join into the same file, errors included.
    #[test]
    fn pieces_in_parallel_mean_what_pieces_in_turn_mean() {
        let named = "[[person]]\nname = \"Named\"\nlinks = [{ app = \"c.example\", id = \"n\", name = \"Cee\", url = \"https://c.example/n\" }]\n[browser]\nfallback = [\"firefox\"]\n";
        let bad = "[[person]]\nname = \"Bad\"\nlinks = [{ app = \"Bad.Example\", id = \"1\" }]\n[apps.\"a.example\"]\nname = \"Again\"\n";
        let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
        for text in
            [big(12_000, named), big(12_000, bad), format!("{named}{}", big(12_000, "[browser]\nfallback = [\"x\"]\n"))]
        {
            assert!(cuts(&text).len() >= 2);
            let side_by_side = parse("big.toml", text.as_bytes());
            let in_turn = pool.install(|| parse("big.toml", text.as_bytes()));
            assert_eq!(summary(&side_by_side), summary(&parse_on("big.toml", text.as_bytes(), false)));
            assert_eq!(summary(&side_by_side), summary(&in_turn));
        }
    }
}
