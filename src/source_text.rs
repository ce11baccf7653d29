//! `SourceText`: a file's text with a line index, turning byte spans into
//! `line:column` and labelled snippets.

use std::ops::Range;

use crate::diagnostic::{Label, Location};

pub struct SourceText<'a> {
    pub path: &'a str,
    pub text: &'a str,
    /// Byte offsets where lines start (a link file is at most 64 MiB: `u32` is room enough).
    line_starts: Vec<u32>,
}

impl<'a> SourceText<'a> {
    pub fn new(path: &'a str, text: &'a str) -> SourceText<'a> {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i as u32 + 1)).collect();
        SourceText { path, text, line_starts }
    }

    /// 1-based line and character column of a byte offset.
    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start as usize <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        (line as u32 + 1, column as u32 + 1)
    }

    pub fn location(&self, offset: usize) -> Location {
        let (line, column) = self.line_column(offset);
        Location { file: self.path.to_owned(), line, column }
    }

    /// A label underlining `span` (clipped to its first line), with that line as snippet.
    pub fn label(&self, span: Range<usize>, text: impl Into<String>) -> Label {
        let start = span.start.min(self.text.len());
        let location = self.location(start);
        let line_start = self.line_starts[location.line as usize - 1] as usize;
        let line_end = self.text[line_start..].find('\n').map_or(self.text.len(), |i| line_start + i);
        let line = self.text[line_start..line_end].trim_end_matches('\r');
        // A span may start past the line's visible end (on a `\r`, found by fuzzing).
        let mut from = (start - line_start).min(line.len());
        while !line.is_char_boundary(from) {
            from -= 1;
        }
        let mut to = span.end.saturating_sub(line_start).clamp(from, line.len());
        if to == from {
            // Underline one character, not one byte.
            to = line[from..].chars().next().map_or(from, |c| from + c.len_utf8());
        }
        // Spans from parsers can end inside a character; a renderer must not cut one.
        while !line.is_char_boundary(to) {
            to += 1;
        }
        Label { location, text: text.into(), snippet: Some((line.to_owned(), from..to)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_columns() {
        let src = SourceText::new("f.toml", "a = 1\nbé = \"x\"\n");
        assert_eq!(src.line_column(0), (1, 1));
        assert_eq!(src.line_column(6), (2, 1));
        assert_eq!(src.line_column(10), (2, 4));
        let label = src.label(6..9, "here");
        assert_eq!(label.location.to_string(), "f.toml:2:1");
        assert_eq!(label.snippet.unwrap(), ("bé = \"x\"".to_owned(), 0..3));
    }

    /// Found by fuzzing (loader): a span that starts on the `\r` of a CRLF line.
    #[test]
    fn spans_past_the_visible_end_of_a_line() {
        let src = SourceText::new("f.toml", "a = 1\r\nb = 2\r\n");
        let label = src.label(5..7, "here");
        assert_eq!(label.snippet.unwrap(), ("a = 1".to_owned(), 5..5));
        let crash = "[[person]]\nname = \"A\"\nlinks = [{ app\t~\t\t\r\u{ff}\t = \"x\" }]\n";
        let _ = crate::loader::parse("f.toml", crash.as_bytes());
    }
}
