//! `ParsedFile`: one link file after parsing and per-file validation.
//!
//! Immutable once built. The index is rebuilt from these, so a reload re-parses
//! only the files that changed. It holds no source text (a million links must
//! stay small); diagnostics that are found later re-read one line when needed.
//! Links are compact: their strings live back to back in one buffer per file,
//! and each names its app by a number into the file's list of App IDs.

use std::ops::Range;

use serde::Serialize;

use crate::app_id::AppId;
use crate::link_url::LinkUrl;
use crate::scheme::Schemes;
use crate::template::UrlTemplate;
use crate::unique_id::UniqueId;

/// What a record is. Records of different kinds never merge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Person,
    Company,
    Project,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Person, Kind::Company, Kind::Project];

    /// The TOML array-of-tables key: `[[person]]`.
    pub fn key(self) -> &'static str {
        match self {
            Kind::Person => "person",
            Kind::Company => "company",
            Kind::Project => "project",
        }
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key)
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A 1-based line and column in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// The path as shown to the user.
    pub path: String,
    /// Hash of the bytes parsed, to tell whether the file on disk is still this version.
    pub fingerprint: u64,
    pub apps: Vec<AppDef>,
    pub records: Vec<RecordDef>,
    /// All links of all records, in file order; a record owns a range of them.
    pub links: Vec<LinkDef>,
    /// The App IDs links name, each once; `LinkDef::app` is a position here.
    pub link_apps: Vec<AppId>,
    /// For each of `link_apps`, its first link that gives an App Name.
    pub(crate) first_named: Vec<Option<u32>>,
    /// The App Names links give, by link position, in order.
    link_names: Vec<(u32, Text)>,
    /// `[browser] fallback`: the program (and arguments) web links that are no App
    /// URL go to, and where it is written.
    pub browser_fallback: Option<(Vec<String>, Pos)>,
    /// Ids, URLs and names of links and records, back to back. Only the loader writes
    /// it, after validation, so every slice of it is a checked value.
    text: String,
}

/// A slice of a file's text buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text {
    start: u32,
    len: u32,
}

impl Text {
    pub const NONE: Text = Text { start: u32::MAX, len: 0 };

    pub fn is_some(self) -> bool {
        self.start != u32::MAX
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppDef {
    pub id: AppId,
    pub name: Option<Box<str>>,
    pub template: Option<UrlTemplate>,
    pub formerly: Vec<(AppId, Pos)>,
    pub schemes: Schemes,
    /// The program and arguments `open` launches this app's links with (URL appended).
    pub open_with: Option<Vec<String>>,
    /// The desktop app's deep link template (README: The web-link router), in one of `schemes`.
    pub native: Option<UrlTemplate>,
    pub at: Pos,
}

#[derive(Debug, Clone)]
pub struct RecordDef {
    pub kind: Kind,
    pub(crate) name: Text,
    pub links: Range<u32>,
    pub at: Pos,
}

/// One link, 28 bytes; its strings are read through the file (its rare App Name
/// too, in `ParsedFile::link_names`, so that links without one spend nothing on it).
#[derive(Debug, Clone, Copy)]
pub struct LinkDef {
    /// Position in the file's `link_apps`.
    pub app: u32,
    pub(crate) id: Text,
    /// The checked, canonical URL, if the link gives one.
    pub(crate) url: Text,
    pub at: Pos,
}

impl ParsedFile {
    pub fn new(path: String, fingerprint: u64) -> ParsedFile {
        ParsedFile {
            path,
            fingerprint,
            apps: Vec::new(),
            records: Vec::new(),
            links: Vec::new(),
            link_apps: Vec::new(),
            first_named: Vec::new(),
            link_names: Vec::new(),
            browser_fallback: None,
            text: String::new(),
        }
    }

    fn text(&self, text: Text) -> Option<&str> {
        text.is_some().then(|| &self.text[text.start as usize..(text.start + text.len) as usize])
    }

    pub fn link_app(&self, link: &LinkDef) -> &AppId {
        &self.link_apps[link.app as usize]
    }

    pub fn link_id(&self, link: &LinkDef) -> &str {
        self.text(link.id).unwrap_or("")
    }

    pub fn link_url(&self, link: &LinkDef) -> Option<&str> {
        self.text(link.url)
    }

    /// The scheme of the link's URL, lower-case (checked URLs are canonical).
    pub fn link_scheme(&self, link: &LinkDef) -> Option<&str> {
        self.link_url(link).and_then(crate::scheme::of)
    }

    /// The positions of the links that give an App Name.
    pub(crate) fn named_links(&self) -> impl Iterator<Item = u32> + '_ {
        self.link_names.iter().map(|&(l, _)| l)
    }

    /// The App Name `link` gives, if any. `link` is one of this file's links.
    pub fn link_name(&self, link: &LinkDef) -> Option<&str> {
        if self.link_names.is_empty() {
            return None;
        }
        // Its position, from where it sits in `links` (plain address arithmetic).
        let at = (link as *const LinkDef as usize).wrapping_sub(self.links.as_ptr() as usize)
            / std::mem::size_of::<LinkDef>();
        if !self.links.get(at).is_some_and(|l| std::ptr::eq(l, link)) {
            debug_assert!(false, "link_name of a link that is not in this file's `links`");
            return None;
        }
        let found = self.link_names.binary_search_by_key(&(at as u32), |&(l, _)| l).ok()?;
        self.text(self.link_names[found].1)
    }

    pub fn record_name(&self, record: &RecordDef) -> &str {
        self.text(record.name).unwrap_or("")
    }

    /// Adds a link with its checked parts.
    pub(crate) fn push_link(&mut self, app: &AppId, id: &UniqueId, url: Option<&LinkUrl>, name: Option<&str>, at: Pos) {
        let app = match self.link_apps.iter().rposition(|a| a == app) {
            Some(i) => i,
            None => {
                self.link_apps.push(app.clone());
                self.first_named.push(None);
                self.link_apps.len() - 1
            }
        } as u32;
        if name.is_some() && self.first_named[app as usize].is_none() {
            self.first_named[app as usize] = Some(self.links.len() as u32);
        }
        let id = self.push_text(Some(id.as_str()));
        let url = self.push_text(url.map(LinkUrl::as_str));
        if name.is_some() {
            let text = self.push_text(name);
            self.link_names.push((self.links.len() as u32, text));
        }
        self.links.push(LinkDef { app, id, url, at });
    }

    pub(crate) fn push_text(&mut self, text: Option<&str>) -> Text {
        match text {
            None => Text::NONE,
            Some(text) => {
                let start = self.text.len() as u32;
                self.text.push_str(text);
                Text { start, len: text.len() as u32 }
            }
        }
    }

    /// Room for the pieces `parts` of a file, to be `absorb`ed.
    pub(crate) fn reserve_for<'p>(&mut self, parts: impl Iterator<Item = &'p ParsedFile> + Clone) {
        self.text.reserve_exact(parts.clone().map(|p| p.text.len()).sum());
        self.links.reserve_exact(parts.clone().map(|p| p.links.len()).sum());
        self.records.reserve_exact(parts.clone().map(|p| p.records.len()).sum());
        self.link_names.reserve_exact(parts.map(|p| p.link_names.len()).sum());
    }

    /// Adds what the next piece of the same file holds, after what this one holds.
    pub(crate) fn absorb(&mut self, part: ParsedFile) {
        let link_base = self.links.len() as u32;
        let text_base = self.text.len() as u32;
        self.text.push_str(&part.text);
        let shift = |t: Text| if t.is_some() { Text { start: t.start + text_base, len: t.len } } else { t };
        let apps: Vec<u32> = part
            .link_apps
            .into_iter()
            .zip(part.first_named)
            .map(|(app, named)| {
                let named = named.map(|l| l + link_base);
                match self.link_apps.iter().position(|a| *a == app) {
                    Some(i) => {
                        self.first_named[i] = self.first_named[i].or(named);
                        i as u32
                    }
                    None => {
                        self.link_apps.push(app);
                        self.first_named.push(named);
                        self.link_apps.len() as u32 - 1
                    }
                }
            })
            .collect();
        self.links.extend(part.links.into_iter().map(|l| LinkDef {
            app: apps[l.app as usize],
            id: shift(l.id),
            url: shift(l.url),
            at: l.at,
        }));
        self.records.extend(part.records.into_iter().map(|r| RecordDef {
            name: shift(r.name),
            links: r.links.start + link_base..r.links.end + link_base,
            ..r
        }));
        self.link_names.extend(part.link_names.into_iter().map(|(l, t)| (l + link_base, shift(t))));
        self.apps.extend(part.apps);
        if self.browser_fallback.is_none() {
            self.browser_fallback = part.browser_fallback;
        }
    }

    /// Completes the file: gives back spare capacity.
    pub(crate) fn finish(&mut self) {
        self.text.shrink_to_fit();
        self.links.shrink_to_fit();
        self.records.shrink_to_fit();
        self.link_names.shrink_to_fit();
    }
}

/// The hash of an (App ID, Unique ID) pair, the same for the whole process, so
/// that files hash their pairs once and the index and lookups agree with them.
/// Seeded at random per process (hash flooding is not a way in).
pub fn pair_hash(app: &str, id: &str) -> u64 {
    use std::hash::BuildHasher;
    static HASHER: std::sync::OnceLock<hashbrown::DefaultHashBuilder> = std::sync::OnceLock::new();
    HASHER.get_or_init(Default::default).hash_one((app, id))
}

pub fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(bytes)
}
