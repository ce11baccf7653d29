//! `Diagnostic`: an error or warning about the link files, located like a compiler's.
//!
//! A diagnostic carries everything needed to show it (the source line included),
//! so it can be rendered long after the file was read, by the CLI, the logs or the
//! daemon's pages. Rendering is `annotate-snippets`'.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// Something worth knowing that needs no change (a template identify skips).
    Note,
}

/// Where in a file: 1-based line and column (in characters). `line` 0 means the
/// whole file or path (a missing path has no line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u32,
    pub column: u32,
}

/// One place a diagnostic points at. The first label of a diagnostic is its primary place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    #[serde(flatten)]
    pub location: Location,
    pub text: String,
    /// The source line, and the byte range on it to underline.
    #[serde(skip)]
    pub snippet: Option<(String, Range<usize>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    pub labels: Vec<Label>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Location {
        Location { file: file.into(), line: 0, column: 0 }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file),
            line => write!(f, "{}:{}:{}", self.file, line, self.column),
        }
    }
}

impl Label {
    pub fn at(location: Location, text: impl Into<String>) -> Label {
        Label { location, text: text.into(), snippet: None }
    }
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, label: Label) -> Diagnostic {
        Diagnostic { severity: Severity::Error, message: message.into(), labels: vec![label], hint: None }
    }

    pub fn warning(message: impl Into<String>, label: Label) -> Diagnostic {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(message, label) }
    }

    pub fn note(message: impl Into<String>, label: Label) -> Diagnostic {
        Diagnostic { severity: Severity::Note, ..Diagnostic::error(message, label) }
    }

    pub fn with_hint(mut self, hint: Option<impl Into<String>>) -> Diagnostic {
        self.hint = hint.map(Into::into);
        self
    }

    pub fn with_label(mut self, label: Label) -> Diagnostic {
        self.labels.push(label);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn location(&self) -> &Location {
        &self.labels[0].location
    }

    /// The order diagnostics are shown in: by file, then line and column.
    pub fn order(&self) -> (&str, u32, u32) {
        let at = self.location();
        (&at.file, at.line, at.column)
    }

    /// Multi-line rendering with source lines and carets, like rustc's.
    pub fn render(&self, styled: bool) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
            Severity::Note => Level::NOTE,
        };
        let mut group = Group::with_title(level.clone().primary_title(&self.message));
        for (i, label) in self.labels.iter().enumerate() {
            let kind = if i == 0 { AnnotationKind::Primary } else { AnnotationKind::Context };
            group = match &label.snippet {
                Some((line, range)) => group.element(
                    Snippet::source(line.as_str())
                        .line_start(label.location.line as usize)
                        .path(label.location.file.as_str())
                        .fold(false)
                        .annotation(kind.span(range.clone()).label(label.text.as_str())),
                ),
                None => {
                    let mut origin = annotate_snippets::Origin::path(label.location.file.as_str());
                    if label.location.line > 0 {
                        origin = origin.line(label.location.line as usize).char_column(label.location.column as usize);
                    }
                    let group = group.element(origin);
                    if label.text.is_empty() { group } else { group.element(Level::NOTE.message(label.text.as_str())) }
                }
            };
        }
        if let Some(hint) = &self.hint {
            group = group.element(Level::HELP.message(hint.as_str()));
        }
        let renderer = if styled { Renderer::styled() } else { Renderer::plain() };
        renderer.render(&[group])
    }
}

/// How many diagnostics of one file are shown anywhere (CLI, log, page, API); the
/// rest are counted ("and 99,980 more in links.toml"). A file with a hundred thousand
/// mistakes must not make megabytes of output.
pub const SHOWN_PER_FILE: usize = 20;

/// The diagnostics to show: the first `SHOWN_PER_FILE` of each file, in order; and
/// for each file with more, how many more.
pub fn bounded<'a>(
    diagnostics: impl IntoIterator<Item = &'a Diagnostic>,
) -> (Vec<&'a Diagnostic>, Vec<(String, usize)>) {
    let mut per_file: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut shown = Vec::new();
    let mut more: Vec<(String, usize)> = Vec::new();
    for d in diagnostics {
        let file = d.location().file.as_str();
        let count = per_file.entry(file).or_default();
        *count += 1;
        if *count <= SHOWN_PER_FILE {
            shown.push(d);
        } else if *count == SHOWN_PER_FILE + 1 {
            more.push((file.to_owned(), 1));
        } else if let Some(entry) = more.iter_mut().find(|(f, _)| f == file) {
            entry.1 += 1;
        }
    }
    (shown, more)
}

/// "and 3 more in links.toml" lines for what `bounded` left out.
pub fn more_lines(more: &[(String, usize)]) -> Vec<String> {
    more.iter().map(|(file, n)| format!("… and {n} more in {file} (fix the first ones, then check again)")).collect()
}

/// How many of `diagnostics` are errors placed (by their primary label) in `file`:
/// a conflict between two files is an error of each, though both stay applied.
pub fn errors_in<'a>(diagnostics: impl IntoIterator<Item = &'a Diagnostic>, file: &str) -> usize {
    diagnostics.into_iter().filter(|d| d.is_error() && d.location().file == file).count()
}

/// One line: `file:line:column: error: message (hint)`, for logs and lists.
impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let severity = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        write!(f, "{}: {severity}: {}", self.location(), self.message)?;
        for label in &self.labels[1..] {
            write!(f, "; {}: {}", label.location, label.text)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}
