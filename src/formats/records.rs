//! The records an input holds, kept compactly: every name, id, URL and link name back
//! to back in one buffer, App IDs once each, and a record or a link as a few numbers
//! that point into them (README: Links in and out, an import's memory). A record and
//! its links cost about 30 bytes and the text itself, where one `String` a field cost
//! about 600 bytes for a CSV row's record of two links.

use std::collections::HashMap;
use std::ops::Range;

use crate::edit::document::NewLink;
use crate::parsed_file::Kind;

/// A slice of `Records::text`; `NONE` when the field is absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u32,
}

impl Span {
    const NONE: Span = Span { start: u32::MAX, len: 0 };
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Record {
    kind: Kind,
    name: Span,
    line: u32,
    /// Its first link's position in `links`; its links run to the next record's first.
    first: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Link {
    app: u32,
    id: Span,
    url: Span,
    name: Span,
}

/// Records in input order, each with its links (checked values: the formats check
/// every field before pushing it).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Records {
    text: String,
    apps: Vec<String>,
    app_at: HashMap<String, u32>,
    records: Vec<Record>,
    links: Vec<Link>,
}

/// One record, borrowed.
#[derive(Debug, Clone, Copy)]
pub struct RecordRef<'a> {
    pub kind: Kind,
    pub name: &'a str,
    pub line: usize,
    pub position: usize,
    links: (u32, u32),
}

impl RecordRef<'_> {
    /// Positions of its links (for `Records::link`).
    pub fn links(&self) -> Range<usize> {
        self.links.0 as usize..self.links.1 as usize
    }
}

/// One link, borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkRef<'a> {
    /// The App ID's position among `Records::apps` (the same App ID, the same number).
    pub app_at: u32,
    pub app: &'a str,
    pub id: &'a str,
    pub url: Option<&'a str>,
    pub name: Option<&'a str>,
}

impl LinkRef<'_> {
    pub fn to_new(self) -> NewLink {
        NewLink {
            app: self.app.to_owned(),
            id: self.id.to_owned(),
            url: self.url.map(str::to_owned),
            name: self.name.map(str::to_owned),
        }
    }
}

impl Records {
    fn keep(&mut self, text: Option<&str>) -> Span {
        let Some(text) = text else { return Span::NONE };
        let start = self.text.len() as u32;
        self.text.push_str(text);
        Span { start, len: text.len() as u32 }
    }

    fn get(&self, span: Span) -> Option<&str> {
        (span.start != u32::MAX).then(|| &self.text[span.start as usize..(span.start + span.len) as usize])
    }

    /// Begins a record; the links pushed next are its own.
    pub fn start(&mut self, kind: Kind, name: &str, line: usize) {
        let name = self.keep(Some(name));
        let first = self.links.len() as u32;
        self.records.push(Record { kind, name, line: line as u32, first });
    }

    /// A link onto the last record begun.
    pub fn push(&mut self, link: &NewLink) {
        assert!(!self.records.is_empty(), "a link is pushed onto a record");
        let app = match self.app_at.get(link.app.as_str()) {
            Some(&at) => at,
            None => {
                let at = self.apps.len() as u32;
                self.apps.push(link.app.clone());
                self.app_at.insert(link.app.clone(), at);
                at
            }
        };
        let id = self.keep(Some(&link.id));
        let url = self.keep(link.url.as_deref());
        let name = self.keep(link.name.as_deref());
        self.links.push(Link { app, id, url, name });
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// How many links all records have.
    pub fn link_count(&self) -> usize {
        self.links.len()
    }

    pub fn record(&self, n: usize) -> RecordRef<'_> {
        let r = &self.records[n];
        let end = self.records.get(n + 1).map_or(self.links.len() as u32, |next| next.first);
        RecordRef {
            kind: r.kind,
            name: self.get(r.name).unwrap_or(""),
            line: r.line as usize,
            position: n,
            links: (r.first, end),
        }
    }

    pub fn last(&self) -> Option<RecordRef<'_>> {
        self.records.len().checked_sub(1).map(|n| self.record(n))
    }

    pub fn iter(&self) -> impl Iterator<Item = RecordRef<'_>> {
        (0..self.records.len()).map(|n| self.record(n))
    }

    pub fn link(&self, n: usize) -> LinkRef<'_> {
        let l = &self.links[n];
        LinkRef {
            app_at: l.app,
            app: &self.apps[l.app as usize],
            id: self.get(l.id).unwrap_or(""),
            url: self.get(l.url),
            name: self.get(l.name),
        }
    }

    /// The links of record `r`.
    pub fn links_of(&self, r: RecordRef<'_>) -> impl Iterator<Item = LinkRef<'_>> {
        r.links().map(|n| self.link(n))
    }

    /// Forgets link `n`'s own App Name and URL where `drop_name`/`drop_url` say so (the
    /// text stays in the buffer; only the link stops pointing at it).
    pub fn forget(&mut self, n: usize, drop_name: bool, drop_url: bool) {
        let link = &mut self.links[n];
        if drop_name {
            link.name = Span::NONE;
        }
        if drop_url {
            link.url = Span::NONE;
        }
    }

    /// Frees what growing left unused.
    pub fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.records.shrink_to_fit();
        self.links.shrink_to_fit();
        self.app_at = HashMap::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_their_links_and_fields() {
        let mut records = Records::default();
        let link = |app: &str, id: &str, url: Option<&str>| NewLink {
            app: app.into(),
            id: id.into(),
            url: url.map(Into::into),
            name: None,
        };
        records.start(Kind::Person, "  Ada  ", 3);
        records.push(&link("a.example", "1", Some("https://a.example/1")));
        records.push(&link("b.example", "2", None));
        records.start(Kind::Company, "Acme", 9);
        records.start(Kind::Person, "Bob", 10);
        records.push(&link("a.example", "3", None));
        assert_eq!(records.len(), 3);
        let ada = records.record(0);
        assert_eq!((ada.kind, ada.name, ada.line), (Kind::Person, "  Ada  ", 3));
        let links: Vec<_> = records.links_of(ada).map(|l| (l.app, l.id, l.url)).collect();
        assert_eq!(links, [("a.example", "1", Some("https://a.example/1")), ("b.example", "2", None)]);
        assert!(records.links_of(records.record(1)).next().is_none());
        let bob = records.last().unwrap();
        let only: Vec<_> = records.links_of(bob).collect();
        assert_eq!((only[0].app, only[0].id, only[0].app_at), ("a.example", "3", 0));
        records.forget(0, true, true);
        assert_eq!(records.link(0).url, None);
    }
}
