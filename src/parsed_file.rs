//! `ParsedFile`: one link file after parsing and per-file validation.
//!
//! Immutable once built. The index is rebuilt from these, so a reload re-parses
//! only the files that changed. It holds no source text (a million links must
//! stay small); diagnostics that are found later re-read one line when needed.

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

#[derive(Debug)]
pub struct ParsedFile {
    /// The path as shown to the user.
    pub path: String,
    /// Hash of the bytes parsed, to tell whether the file on disk is still this version.
    pub fingerprint: u64,
    pub apps: Vec<AppDef>,
    pub records: Vec<RecordDef>,
    /// All links of all records, in file order; a record owns a range of them.
    pub links: Vec<LinkDef>,
}

#[derive(Debug)]
pub struct AppDef {
    pub id: AppId,
    pub name: Option<Box<str>>,
    pub template: Option<UrlTemplate>,
    pub formerly: Vec<(AppId, Pos)>,
    pub schemes: Schemes,
    /// The program and arguments `open` launches this app's links with (URL appended).
    pub open_with: Option<Vec<String>>,
    pub at: Pos,
}

#[derive(Debug)]
pub struct RecordDef {
    pub kind: Kind,
    pub name: Box<str>,
    pub links: Range<u32>,
    pub at: Pos,
}

#[derive(Debug)]
pub struct LinkDef {
    pub app: AppId,
    pub id: UniqueId,
    pub name: Option<Box<str>>,
    pub url: Option<LinkUrl>,
    pub at: Pos,
}

impl ParsedFile {
    pub fn record_links(&self, record: &RecordDef) -> &[LinkDef] {
        &self.links[record.links.start as usize..record.links.end as usize]
    }
}

pub fn fingerprint(bytes: &[u8]) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(bytes)
}
