//! `Index`: every link file combined into one immutable lookup structure.
//!
//! Owns the rules that need all files at once (README: Link files): records that share a pair
//! merge (transitively, across files), `formerly` aliases, and conflicts, where the
//! earlier file wins and both places are reported. Never mutated: a reload makes a
//! new one beside the old (built whole, or patched: a copy with the edited file's
//! changes applied, see `patch`) and swaps it in.
//!
//! Memory: the index borrows the strings of the parsed files; a pair costs one
//! 16-byte entry plus a 4-byte slot in the hash table, and records are ranges
//! into two flat arrays (no allocation per record). Lookups do not allocate. The big
//! parts are copy-on-write (`shared`), so a patched copy shares what it did not change.
//!
//! Modules: `patch` (reloads without a build), `reverse` (identify's lookups), `shared`
//! (chunked vectors and a sharded table), `origins` (the web origins it names).

use std::sync::Arc;

mod origins;
mod patch;
mod reverse;
mod same_templates;
mod shared;

use hashbrown::HashMap;
pub use origins::{Origins, Routed};
pub(crate) use reverse::{Reverse, url_key};
pub(crate) use shared::{Chunked, Sharded};

use crate::app_id::AppId;
use crate::diagnostic::{Diagnostic, Label, Location};
use crate::parsed_file::{AppDef, Kind, LinkDef, ParsedFile, Pos, RecordDef, pair_hash};
use crate::scheme::Schemes;
use crate::template::UrlTemplate;

#[derive(Clone)]
pub struct Index {
    files: Vec<Arc<ParsedFile>>,
    apps: Vec<App>,
    /// Every App ID and `formerly` alias → its app.
    app_names: HashMap<Box<str>, u32>,
    entries: Chunked<Entry>,
    /// Indexes into `entries`, hashed by (app, id).
    pairs: Sharded,
    /// Merged records by number; a record a patch removed stays as an empty slot.
    records: Chunked<Record>,
    /// The live records' numbers in the order of their first definitions (file, record):
    /// the order a build numbers them in, kept by patches.
    order: Chunked<u32>,
    /// Entries a patch removed (their slots stay, out of every table).
    dead_entries: u32,
    /// Whether a patch added apps or changed which file first names one (then `apps`
    /// may not be in a build's order).
    apps_reordered: bool,
    /// The record definitions of each merged record, as (file, record), back to back.
    record_defs: Chunked<(u32, u32)>,
    /// The entries of each merged record, back to back.
    record_entries: Chunked<u32>,
    /// Every link of a pair defined more than once, as (file, link): an edit that
    /// changes one of their URLs may change a conflict, so it cannot be patched.
    dup_links: hashbrown::HashSet<(u32, u32)>,
    pair_conflicts: Vec<PairConflict>,
    /// Conflicted entries → their conflict.
    conflict_of_entry: HashMap<u32, u32>,
    /// (merged record, app) → a conflict of a pair of that app on that record.
    conflict_on_record: HashMap<(u32, u32), u32>,
    /// Problems of app definitions and aliases.
    app_diagnostics: Vec<Diagnostic>,
    /// Problems of single links, with the file's position.
    link_diagnostics: Vec<(u32, Diagnostic)>,
    /// Warnings that a pair is named differently in two places, at (file, link) of the later.
    name_warnings: Vec<(u32, u32, Diagnostic)>,
    /// All of the above and the conflicts, in that order.
    diagnostics: Vec<Diagnostic>,
    /// Link URLs and template inverses, for identifying App URLs.
    reverse: Reverse,
}

/// A link whose pair an earlier link already has.
#[derive(Clone, Copy)]
struct Dup {
    entry: u32,
    file: u32,
    link: u32,
    /// The record definition (numbered across files) the link is on.
    record: u32,
    kind: Kind,
}

/// An entry's `record` when its pair is in conflict: it belongs to no record.
const NO_RECORD: u32 = u32::MAX;

/// A pair whose definitions disagree (two URLs, or records of two kinds): neither
/// applies (README: Link files), whatever the order of the files.
#[derive(Clone)]
pub struct PairConflict {
    entry: u32,
    /// Every definition of the pair, in path order: (file, link, merged record).
    defs: Vec<(u32, u32, u32)>,
    /// Whether the kinds differ (else the URLs do).
    kinds: bool,
}

/// One side of a conflict, for people and for the API.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Candidate {
    /// Where it goes: a link's URL, or an app's template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
    pub file: String,
    pub line: u32,
}

impl std::fmt::Display for Candidate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.url.as_deref().unwrap_or("(no URL)"))?;
        if let (Some(kind), Some(record)) = (self.kind, &self.record) {
            write!(f, " on the {kind} `{record}`")?;
        }
        write!(f, " at {}:{}", self.file, self.line)
    }
}

/// An application, whether defined under `[apps]` or only named by links.
#[derive(Clone)]
pub struct App {
    pub id: AppId,
    /// This app's position in the index.
    number: u32,
    def: Option<(u32, u32)>,
    /// A name given on a link, for apps that have no definition.
    link_name: Option<(u32, u32)>,
    /// Later definitions of the same App ID, as (file, app).
    also: Vec<(u32, u32)>,
    /// When its definitions disagree on `url`, `schemes` or `open_with`: the schemes
    /// they all allow. Then no template and no `open_with` applies.
    conflict: Option<Schemes>,
}

impl App {
    /// Where it is defined, as (file, app), if it is.
    pub(crate) fn def_place(&self) -> Option<(u32, u32)> {
        self.def
    }
}

/// One distinct (app, id) pair: the link that defines it and the record holding it.
#[derive(Clone, Copy)]
struct Entry {
    file: u32,
    link: u32,
    app: u32,
    record: u32,
}

/// Records merged because they share pairs.
#[derive(Clone)]
pub struct Record {
    pub kind: Kind,
    /// Its record definitions (as (file, record), in file order) in `Index::record_defs`.
    defs: std::ops::Range<u32>,
    /// Its distinct pairs' entries, in file order, in `Index::record_entries`.
    entries: std::ops::Range<u32>,
}

/// One pair as seen through the index.
#[derive(Clone, Copy)]
pub struct LinkView<'a> {
    pub app: &'a App,
    pub(crate) def: &'a LinkDef,
    pub file: &'a ParsedFile,
    pub(crate) record: u32,
}

impl<'a> LinkView<'a> {
    pub fn id(&self) -> &'a str {
        self.file.link_id(self.def)
    }

    /// The URL the link itself gives, if any.
    pub fn url(&self) -> Option<&'a str> {
        self.file.link_url(self.def)
    }

    /// The App Name the link itself gives, if any.
    pub fn name(&self) -> Option<&'a str> {
        self.file.link_name(self.def)
    }

    pub fn at(&self) -> Pos {
        self.def.at
    }
}

impl Index {
    /// Combines parsed files, given in path order (earlier wins conflicts).
    pub fn build(files: Vec<Arc<ParsedFile>>) -> Index {
        let mut builder = Builder {
            index: Index {
                files,
                apps: Vec::new(),
                app_names: HashMap::new(),
                entries: Chunked::default(),
                pairs: Sharded::default(),
                records: Chunked::default(),
                order: Chunked::default(),
                dead_entries: 0,
                apps_reordered: false,
                record_defs: Chunked::default(),
                record_entries: Chunked::default(),
                dup_links: Default::default(),
                pair_conflicts: Vec::new(),
                conflict_of_entry: HashMap::new(),
                conflict_on_record: HashMap::new(),
                app_diagnostics: Vec::new(),
                link_diagnostics: Vec::new(),
                name_warnings: Vec::new(),
                diagnostics: Vec::new(),
                reverse: Reverse::default(),
            },
            snippets: Snippets::default(),
            parent: Vec::new(),
            kinds: Vec::new(),
            record_base: Vec::new(),
            dups: Vec::new(),
        };
        builder.apps();
        builder.app_conflicts();
        builder.browser_conflicts();
        builder.aliases();
        builder.links();
        builder.settle();
        let mut index = builder.finish();
        let mut notes = Vec::new();
        index.reverse = Reverse::build(&index, &mut notes);
        index.app_diagnostics.extend(notes);
        index.collect_diagnostics();
        index
    }

    pub fn files(&self) -> &[Arc<ParsedFile>] {
        &self.files
    }

    /// Errors and warnings from combining the files (conflicts and the like).
    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Every app in a build's order: defined ones in the order of their definitions,
    /// then those only links name, in the order files first name them. (A patch numbers
    /// an app it adds last; listings still show this order.)
    pub fn apps(&self) -> Vec<&App> {
        let mut apps: Vec<&App> = self.apps.iter().collect();
        if self.apps_reordered {
            let mut first_named: HashMap<u32, (u32, u32)> = HashMap::new();
            for (f, file) in self.files.iter().enumerate() {
                for (a, id) in file.link_apps.iter().enumerate() {
                    if let Some(&app) = self.app_names.get(id.as_str()) {
                        first_named.entry(app).or_insert((f as u32, a as u32));
                    }
                }
            }
            apps.sort_by_key(|app| match app.def {
                Some(place) => (0, place),
                None => (1, first_named.get(&app.number).copied().unwrap_or((u32::MAX, u32::MAX))),
            });
        }
        apps
    }

    /// The app numbered `n` (numbers are positions in the index, not in `apps()`).
    pub(crate) fn app_at(&self, n: u32) -> &App {
        &self.apps[n as usize]
    }

    /// Everything the index answers, in order, as text: records (kind, name, where each
    /// definition is, each link with its place, resolved, and resolved `?to=` each app
    /// the record links or has a disputed pair of, and one other), apps (name, template,
    /// where defined, `formerly`, `schemes`, `open_with`, `native`, conflicts; what each
    /// App ID and alias names; an unlisted id through the template), `[browser]
    /// fallback`, problems, counts, and what identify says of each link's URL, of a URL
    /// each template makes, and of `urls`. Two indexes of the same files describe alike
    /// however they were made (a build, or patches: tests and the `patch` fuzz target
    /// compare them), so it leaves out nothing a build answers with.
    pub fn describe(&self, urls: &[&str]) -> Vec<String> {
        let place = |file: &ParsedFile, at: Pos| format!("{}:{}:{}", file.path, at.line, at.column);
        let answer = |r: Result<crate::resolve::Resolved<'_>, crate::resolve::NotFound>| match r {
            Ok(resolved) => serde_json::to_string(&resolved).unwrap_or_default(),
            Err(why) => format!("{why:?}"),
        };
        let apps = self.apps();
        let mut out = Vec::new();
        for r in self.records() {
            let defs: Vec<String> = self.record_defs(r).map(|(file, def)| place(file, def.at)).collect();
            out.push(format!("{:?} {} defined at {defs:?}", r.kind, self.record_name(r)));
            // `?to=` the apps the record links or has a disputed pair of, and one other
            // (its answer, no link to it, depends on the record alone).
            let disputed: Vec<&App> =
                apps.iter().copied().filter(|a| self.conflict_on_record(r, a).is_some()).collect();
            let linked =
                |a: &App| self.record_links(r).any(|l| l.app.id == a.id) || disputed.iter().any(|d| d.id == a.id);
            let other = apps.iter().copied().find(|a| !linked(a));
            let targets: Vec<&App> = apps.iter().copied().filter(|a| linked(a)).chain(other).collect();
            for l in self.record_links(r) {
                let (app, id) = (l.app.id.as_str(), l.id());
                let at = place(l.file, l.at());
                out.push(format!(
                    "  {app} {id} {:?} {:?} at {at}: {}",
                    l.url(),
                    l.name(),
                    answer(self.resolve(app, id, None))
                ));
                for to in &targets {
                    out.push(format!("    ?to={}: {}", to.id, answer(self.resolve(app, id, Some(to.id.as_str())))));
                }
            }
            for app in disputed {
                if let Some((id, candidates)) = self.conflict_on_record(r, app) {
                    out.push(format!("  conflict on {} {id}: {candidates:?}", app.id));
                }
            }
        }
        for app in &apps {
            let def = self.app_def_place(app).map(|(file, def)| place(file, def.at));
            let also: Vec<String> = app
                .also
                .iter()
                .map(|&(f, a)| {
                    let file = &self.files[f as usize];
                    place(file, file.apps[a as usize].at)
                })
                .collect();
            let formerly: Vec<String> = self
                .app_def(app)
                .map(|d| d.formerly.iter().map(|(alias, at)| format!("{alias} at {}:{}", at.line, at.column)).collect())
                .unwrap_or_default();
            out.push(format!(
                "app {} {:?} {:?} defined at {def:?} also {also:?} formerly {formerly:?} schemes {:?} open_with {:?} native {:?} conflict {:?}",
                app.id,
                self.app_name(app),
                self.template(app).map(|t| t.as_str()),
                self.schemes(app),
                self.open_with(app),
                self.native(app).map(|t| t.as_str()),
                self.app_conflict(app),
            ));
            out.push(format!("  unlisted: {}", answer(self.resolve(app.id.as_str(), "unlisted-9", None))));
        }
        let mut names: Vec<String> =
            self.app_names.iter().map(|(name, &a)| format!("name {name} → {}", self.apps[a as usize].id)).collect();
        names.sort();
        out.extend(names);
        let fallback = self.browser_fallback().map(|(argv, file, at)| (argv, place(file, at)));
        out.push(format!("[browser] fallback {fallback:?}"));
        out.extend(self.diagnostics().iter().map(ToString::to_string));
        out.push(format!("links {} records {}", self.link_count(), self.records().len()));
        // Identify: of `urls`, of every link's URL, and of a URL each template makes.
        let link_urls = self.records().flat_map(|r| self.record_links(r).filter_map(|l| l.url().map(str::to_owned)));
        let template_urls =
            apps.iter().filter_map(|app| self.resolve(app.id.as_str(), "unlisted-9", None).ok().map(|r| r.url.into()));
        let asked: Vec<String> = link_urls.chain(template_urls).collect();
        for url in urls.iter().copied().chain(asked.iter().map(String::as_str)) {
            let found = self.identify(url).map(|m| {
                m.iter().map(|m| format!("{} {} {:?} {:?}", m.app.id, m.id, m.source, m.extras)).collect::<Vec<_>>()
            });
            out.push(format!("{url}: {found:?}"));
        }
        out
    }

    /// The merged records, in the order of their first definitions.
    pub fn records(&self) -> impl ExactSizeIterator<Item = &Record> + '_ {
        self.order.iter().map(|&m| &self.records[m as usize])
    }

    pub fn link_count(&self) -> usize {
        self.entries.len() - self.dead_entries as usize
    }

    /// The app named `name` (any case, or a `formerly` alias).
    pub fn app(&self, name: &str) -> Option<&App> {
        let mut buf = [0; crate::app_id::MAX_LEN];
        let key = crate::app_id::lookup_key(name, &mut buf)?;
        self.app_names.get(&*key).map(|&i| &self.apps[i as usize])
    }

    /// The link for (app, id), exactly, with `app` already an App ID of this index.
    /// A pair in conflict has none (see `pair_conflict`).
    pub fn link(&self, app: &App, id: &str) -> Option<LinkView<'_>> {
        let entry = self.entry(app, id)?;
        (self.entries[entry as usize].record != NO_RECORD).then(|| self.view(entry))
    }

    fn entry(&self, app: &App, id: &str) -> Option<u32> {
        let app_index = self.app_index(app);
        let hash = pair_hash(app.id.as_str(), id);
        self.pairs
            .find(hash, |&e| {
                let e = &self.entries[e as usize];
                e.app == app_index && self.files[e.file as usize].link_id(self.def(e)) == id
            })
            .copied()
    }

    /// When the definitions of (app, id) disagree: each of them (README: Link files "Conflicts").
    pub fn pair_conflict(&self, app: &App, id: &str) -> Option<Vec<Candidate>> {
        let conflict = self.conflict_of_entry.get(&self.entry(app, id)?)?;
        Some(self.candidates(&self.pair_conflicts[*conflict as usize]))
    }

    /// When a record's definitions hold a pair of `app` that is in conflict: its id and candidates.
    pub fn conflict_on_record(&self, record: &Record, app: &App) -> Option<(&str, Vec<Candidate>)> {
        if self.conflict_on_record.is_empty() {
            return None;
        }
        let number = self.records.iter().position(|r| std::ptr::eq(r, record))? as u32;
        let conflict = &self.pair_conflicts[*self.conflict_on_record.get(&(number, self.app_index(app)))? as usize];
        let entry = &self.entries[conflict.entry as usize];
        Some((self.files[entry.file as usize].link_id(self.def(entry)), self.candidates(conflict)))
    }

    /// When an app's definitions disagree: each of them, its template as the URL.
    pub fn app_conflict(&self, app: &App) -> Option<Vec<Candidate>> {
        app.conflict.as_ref()?;
        let defs = app.def.into_iter().chain(app.also.iter().copied());
        Some(
            defs.map(|(f, a)| {
                let file = &self.files[f as usize];
                let def = &file.apps[a as usize];
                Candidate {
                    url: def.template.as_ref().map(|t| t.as_str().to_owned()),
                    kind: None,
                    record: None,
                    file: file.path.clone(),
                    line: def.at.line,
                }
            })
            .collect(),
        )
    }

    fn candidates(&self, conflict: &PairConflict) -> Vec<Candidate> {
        conflict
            .defs
            .iter()
            .map(|&(f, l, record)| {
                let file = &self.files[f as usize];
                let link = &file.links[l as usize];
                let record = &self.records[record as usize];
                Candidate {
                    url: file.link_url(link).map(str::to_owned),
                    kind: Some(record.kind),
                    record: Some(self.record_name(record).to_owned()),
                    file: file.path.clone(),
                    line: link.at.line,
                }
            })
            .collect()
    }

    pub fn app_def(&self, app: &App) -> Option<&AppDef> {
        app.def.map(|(file, def)| &self.files[file as usize].apps[def as usize])
    }

    /// The app's template; none while its definitions disagree.
    pub fn template(&self, app: &App) -> Option<&UrlTemplate> {
        if app.conflict.is_some() {
            return None;
        }
        self.app_def(app)?.template.as_ref()
    }

    /// How `open` launches the app's links; none while its definitions disagree.
    pub fn open_with(&self, app: &App) -> Option<&[String]> {
        if app.conflict.is_some() {
            return None;
        }
        self.app_def(app)?.open_with.as_deref()
    }

    /// The desktop app's deep link template; none while its definitions disagree.
    pub fn native(&self, app: &App) -> Option<&UrlTemplate> {
        if app.conflict.is_some() {
            return None;
        }
        self.app_def(app)?.native.as_ref()
    }

    /// `[browser] fallback` and the file that gives it; none when no file does, or
    /// while two files give different ones (a conflict: what runs is never settled
    /// by file order).
    pub fn browser_fallback(&self) -> Option<(&[String], &ParsedFile, Pos)> {
        let mut given = self.files.iter().filter_map(|f| f.browser_fallback.as_ref().map(|(argv, at)| (argv, f, *at)));
        let (argv, file, at) = given.next()?;
        if given.any(|(other, _, _)| other != argv) {
            return None;
        }
        Some((argv, file, at))
    }

    /// The app's human name: from its definition, else from a link, else none.
    pub fn app_name(&self, app: &App) -> Option<&str> {
        self.app_def(app).and_then(|d| d.name.as_deref()).or_else(|| {
            app.link_name.and_then(|(f, l)| {
                let file = &self.files[f as usize];
                file.link_name(&file.links[l as usize])
            })
        })
    }

    pub fn schemes<'a>(&'a self, app: &'a App) -> &'a Schemes {
        static DEFAULT: std::sync::OnceLock<Schemes> = std::sync::OnceLock::new();
        if let Some(agreed) = &app.conflict {
            return agreed;
        }
        self.app_def(app).map(|d| &d.schemes).unwrap_or_else(|| DEFAULT.get_or_init(Schemes::default))
    }

    /// The record a link belongs to.
    pub fn record_of(&self, link: &LinkView<'_>) -> &Record {
        &self.records[link.record as usize]
    }

    /// The links of a record, one per distinct pair, in file order.
    pub fn record_links<'a>(&'a self, record: &'a Record) -> impl Iterator<Item = LinkView<'a>> + 'a {
        let range = record.entries.start as usize..record.entries.end as usize;
        self.record_entries.range(range).map(|&e| self.view(e))
    }

    /// The definitions merged into a record, in file order, with their files.
    pub fn record_defs<'a>(&'a self, record: &'a Record) -> impl Iterator<Item = (&'a ParsedFile, &'a RecordDef)> + 'a {
        let range = record.defs.start as usize..record.defs.end as usize;
        self.record_defs.range(range).map(|&(f, r)| {
            let file = &*self.files[f as usize];
            (file, &file.records[r as usize])
        })
    }

    /// Records whose names, App IDs or ids contain `query` (case-insensitive), in order.
    /// A scan: meant for people searching, not for the redirect path.
    pub fn search<'a>(&'a self, query: &str) -> impl Iterator<Item = &'a Record> + 'a {
        let needle = query.trim().to_lowercase();
        self.order.iter().map(|&m| &self.records[m as usize]).filter(move |r| {
            needle.is_empty()
                || self.record_defs(r).any(|(f, d)| f.record_name(d).to_lowercase().contains(&needle))
                || self
                    .record_links(r)
                    .any(|l| l.app.id.as_str().contains(&needle) || l.id().to_lowercase().contains(&needle))
        })
    }

    /// The record's name: that of its first definition.
    pub fn record_name<'a>(&'a self, record: &'a Record) -> &'a str {
        let (file, def) = self.record_defs[record.defs.start as usize];
        let file = &self.files[file as usize];
        file.record_name(&file.records[def as usize])
    }

    /// A link's URL must be allowed by its app, and a link without one needs a template.
    /// Returns the problem, and whether the link is applied anyway.
    fn check_link(
        &self,
        file: &ParsedFile,
        def: &LinkDef,
        app: u32,
        snippets: &mut Snippets,
    ) -> (Option<Diagnostic>, bool) {
        let index = self;
        let app = &index.apps[app as usize];
        match file.link_scheme(def) {
            Some(scheme) => {
                let schemes = index.schemes(app);
                if schemes.allows(scheme) {
                    return (None, true);
                }
                let hint = match app.def {
                    Some(_) => format!("allow it too: `{}` in the app's definition", schemes.with(scheme)),
                    None => format!("define `[apps.\"{}\"]` with `{}`", app.id, schemes.with(scheme)),
                };
                let d = Diagnostic::error(
                    format!("`{scheme}:` URLs are not allowed for `{}`; the link is not applied", app.id),
                    snippets.label(file, def.at, "this link"),
                )
                .with_hint(Some(hint));
                (Some(d), false)
            }
            None if index.template(app).is_none() && app.conflict.is_none() => {
                let d = Diagnostic::error(
                    format!("the link to `{}` has no `url`, and the app has no URL template", app.id),
                    snippets.label(file, def.at, "this link cannot be resolved"),
                )
                .with_hint(Some(format!(
                    "add `url = \"https://…\"` to the link, or a `url` template to `[apps.\"{}\"]`",
                    app.id
                )));
                (Some(d), true)
            }
            None => (None, true),
        }
    }

    /// One error per definition of a conflicted pair, each pointing at the others.
    fn conflict_diagnostics(&self, conflict: &PairConflict, snippets: &mut Snippets) -> Vec<Diagnostic> {
        let entry = &self.entries[conflict.entry as usize];
        let app_id = &self.apps[entry.app as usize].id;
        let first = &self.files[entry.file as usize];
        let id = first.link_id(&first.links[entry.link as usize]);
        let count = conflict.defs.len();
        let (what, hint) = if conflict.kinds {
            (
                "on records of different kinds",
                format!(
                    "a pair names one record; if `{app_id}` has several kinds of object whose ids overlap, give each kind \
                     its own App ID, a sub-domain as Cloze does (`companies.{app_id}`, `lead.{app_id}`)"
                ),
            )
        } else {
            ("with different URLs", "keep one URL, or leave `url` out where the other one is right".to_owned())
        };
        let describe = |file: &ParsedFile, link: &LinkDef, record: u32| {
            let record = &self.records[record as usize];
            match file.link_url(link) {
                Some(url) => format!("on the {} {}: {url}", record.kind, self.record_name(record)),
                None => format!("on the {} {}", record.kind, self.record_name(record)),
            }
        };
        conflict
            .defs
            .iter()
            .map(|&(f, l, record)| {
                let file = &*self.files[f as usize];
                let link = &file.links[l as usize];
                let mut d = Diagnostic::error(
                    format!("`{app_id} {id}` is defined {count} times {what}; neither applies until they agree"),
                    snippets.label(file, link.at, describe(file, link, record)),
                );
                for &(of, ol, orecord) in conflict.defs.iter().filter(|&&(of, ol, _)| (of, ol) != (f, l)).take(4) {
                    let other = &*self.files[of as usize];
                    let olink = &other.links[ol as usize];
                    d = d.with_label(snippets.label(
                        other,
                        olink.at,
                        format!("also {}", describe(other, olink, orecord)),
                    ));
                }
                d.with_hint(Some(hint.clone()))
            })
            .collect()
    }

    /// Materialises `diagnostics`: apps, single links in file order, then conflicts in file order.
    fn collect_diagnostics(&mut self) {
        let mut snippets = Snippets::default();
        let conflicts: Vec<Diagnostic> =
            self.pair_conflicts.iter().flat_map(|c| self.conflict_diagnostics(c, &mut snippets)).collect();
        self.link_diagnostics.sort_by_key(|(f, _)| *f);
        // A file's own problems, then its links' naming warnings, file by file.
        let mut by_file: Vec<(u32, bool, &Diagnostic)> = self
            .link_diagnostics
            .iter()
            .map(|(f, d)| (*f, false, d))
            .chain(self.name_warnings.iter().map(|(f, _, d)| (*f, true, d)))
            .collect();
        by_file.sort_by_key(|(f, warning, _)| (*f, *warning));
        // Computed here, from the apps in force, so a patched index says what a build does.
        let mut same_templates = Vec::new();
        same_templates::warn(self, &mut same_templates);
        self.diagnostics = self
            .app_diagnostics
            .iter()
            .cloned()
            .chain(same_templates)
            .chain(by_file.into_iter().map(|(_, _, d)| d.clone()))
            .chain(conflicts)
            .collect();
    }

    /// Heap bytes of the reverse part (identify's lookups), for benchmarks.
    pub fn reverse_heap_bytes(&self) -> usize {
        self.reverse.heap_bytes()
    }

    pub(crate) fn reverse(&self) -> &Reverse {
        &self.reverse
    }

    pub(crate) fn entry_count(&self) -> usize {
        self.entries.len()
    }

    /// The URL the link of an entry writes, if any.
    pub(crate) fn entry_url(&self, entry: u32) -> Option<&str> {
        let e = &self.entries[entry as usize];
        self.files[e.file as usize].link_url(self.def(e))
    }

    /// Whether an entry's pair is in conflict (then it resolves to nothing and matches nothing).
    pub(crate) fn entry_conflicted(&self, entry: u32) -> bool {
        self.entries[entry as usize].record == NO_RECORD
    }

    pub(crate) fn entry_link(&self, entry: u32) -> LinkView<'_> {
        self.view(entry)
    }

    /// The file and definition of an app, if it has one.
    pub(crate) fn app_def_place(&self, app: &App) -> Option<(&ParsedFile, &AppDef)> {
        app.def.map(|(file, def)| {
            let file = &*self.files[file as usize];
            (file, &file.apps[def as usize])
        })
    }

    pub(crate) fn app_index(&self, app: &App) -> u32 {
        app.number
    }

    fn def(&self, e: &Entry) -> &LinkDef {
        &self.files[e.file as usize].links[e.link as usize]
    }

    fn view(&self, entry: u32) -> LinkView<'_> {
        let e = &self.entries[entry as usize];
        let file = &*self.files[e.file as usize];
        LinkView { app: &self.apps[e.app as usize], def: &file.links[e.link as usize], file, record: e.record }
    }
}

struct Builder {
    index: Index,
    snippets: Snippets,
    /// Union-find over all record definitions, numbered across files.
    parent: Vec<u32>,
    kinds: Vec<Kind>,
    /// The number of the first record definition of each file.
    record_base: Vec<u32>,
    /// Links whose pair an earlier link already has: where merges and conflicts come from.
    dups: Vec<Dup>,
}

impl Builder {
    fn apps(&mut self) {
        let index = &mut self.index;
        for (f, file) in index.files.iter().enumerate() {
            for (a, def) in file.apps.iter().enumerate() {
                match index.app_names.get(def.id.as_str()) {
                    Some(&existing) => index.apps[existing as usize].also.push((f as u32, a as u32)),
                    None => {
                        index.app_names.insert(def.id.as_str().into(), index.apps.len() as u32);
                        index.apps.push(App {
                            number: index.apps.len() as u32,
                            id: def.id.clone(),
                            def: Some((f as u32, a as u32)),
                            link_name: None,
                            also: Vec::new(),
                            conflict: None,
                        });
                    }
                }
            }
        }
    }

    /// Apps defined more than once: a different `url`, `schemes` or `open_with` is a
    /// conflict (neither applies: no template, no `open_with`, only the schemes all
    /// allow); a different name only keeps the first, with a warning.
    fn app_conflicts(&mut self) {
        let index = &mut self.index;
        for app in index.apps.iter_mut().filter(|a| !a.also.is_empty()) {
            let (ff, fa) = app.def.expect("only definitions exist yet");
            let defs: Vec<(u32, u32)> = std::iter::once((ff, fa)).chain(app.also.iter().copied()).collect();
            let def = |(f, a): (u32, u32)| &index.files[f as usize].apps[a as usize];
            let first = def((ff, fa));
            let differs = app.also.iter().any(|&other| {
                let other = def(other);
                other.template != first.template
                    || other.schemes != first.schemes
                    || other.open_with != first.open_with
                    || other.native != first.native
            });
            if differs {
                let agreed: Vec<String> = first
                    .schemes
                    .iter()
                    .filter(|s| app.also.iter().all(|&other| def(other).schemes.allows(s)))
                    .map(str::to_owned)
                    .collect();
                app.conflict = Some(Schemes::new(agreed));
                for &(f, a) in &defs {
                    let file = &*index.files[f as usize];
                    let here = def((f, a));
                    let mut d = Diagnostic::error(
                        format!(
                            "`{}` is defined {} times, differently (`url`, `schemes`, `open_with` or `native`); neither definition applies until they agree",
                            app.id,
                            defs.len()
                        ),
                        self.snippets.label(file, here.at, "defined here"),
                    );
                    for &(of, oa) in defs.iter().filter(|&&o| o != (f, a)).take(4) {
                        let other = &*index.files[of as usize];
                        d = d.with_label(self.snippets.label(other, def((of, oa)).at, "and here"));
                    }
                    index.app_diagnostics.push(d.with_hint(Some("keep one definition, or make them the same")));
                }
            } else if app.also.iter().any(|&other| def(other).name != first.name) {
                let (lf, la) = *app.also.iter().find(|&&other| def(other).name != first.name).expect("checked");
                let file = &*index.files[lf as usize];
                let d = Diagnostic::warning(
                    format!("`{}` is defined again with another name; the first name is used", app.id),
                    self.snippets.label(file, def((lf, la)).at, "named differently here"),
                )
                .with_label(self.snippets.label(
                    &index.files[ff as usize],
                    first.at,
                    "first named here",
                ));
                index.app_diagnostics.push(d);
            }
        }
    }

    /// `[browser] fallback` given differently by two files: an error in each; neither applies.
    fn browser_conflicts(&mut self) {
        let index = &mut self.index;
        let given: Vec<(u32, &Vec<String>, Pos)> = index
            .files
            .iter()
            .enumerate()
            .filter_map(|(f, file)| file.browser_fallback.as_ref().map(|(argv, at)| (f as u32, argv, *at)))
            .collect();
        if given.windows(2).all(|w| w[0].1 == w[1].1) {
            return;
        }
        for &(f, _, at) in &given {
            let file = &*index.files[f as usize];
            let mut d = Diagnostic::error(
                "`[browser] fallback` is given differently in two files; neither applies until they agree",
                self.snippets.label(file, at, "given here"),
            );
            for &(of, _, other_at) in given.iter().filter(|g| g.0 != f || g.2 != at).take(4) {
                d = d.with_label(self.snippets.label(&index.files[of as usize], other_at, "and here"));
            }
            index.app_diagnostics.push(d.with_hint(Some("keep one `[browser]` table, in one file")));
        }
    }

    fn aliases(&mut self) {
        let index = &mut self.index;
        let mut claimed: HashMap<&str, (u32, Pos)> = HashMap::new();
        for (f, file) in index.files.iter().enumerate() {
            for def in &file.apps {
                let Some(&app) = index.app_names.get(def.id.as_str()) else {
                    continue;
                };
                if index.apps[app as usize].def.map(|(df, _)| df) != Some(f as u32) {
                    continue; // a later duplicate definition, already reported
                }
                for (alias, at) in &def.formerly {
                    if let Some(&real) = index.app_names.get(alias.as_str()) {
                        let real_app = &index.apps[real as usize];
                        if real_app.id == *alias {
                            let (rf, ra) = real_app.def.expect("only definitions exist yet");
                            let other = &index.files[rf as usize];
                            index.app_diagnostics.push(conflict(
                                &mut Snippets::default(),
                                format!("`{alias}` is in `formerly` of `{}`, but it is an app of its own", def.id),
                                file,
                                *at,
                                "named as a former App ID here",
                                other,
                                other.apps[ra as usize].at,
                            ));
                        }
                        continue;
                    }
                    if let Some(&(other_file, other_at)) = claimed.get(alias.as_str()) {
                        let other = &index.files[other_file as usize];
                        index.app_diagnostics.push(
                            conflict(
                                &mut Snippets::default(),
                                format!("`{alias}` is in `formerly` of two apps"),
                                file,
                                *at,
                                "claimed again here",
                                other,
                                other_at,
                            )
                            .with_hint(Some("the first claim is used")),
                        );
                        continue;
                    }
                    claimed.insert(alias.as_str(), (f as u32, *at));
                }
            }
        }
        for (f, file) in index.files.iter().enumerate() {
            for def in &file.apps {
                for (alias, at) in &def.formerly {
                    if claimed.get(alias.as_str()) == Some(&(f as u32, *at)) {
                        let app = index.app_names[def.id.as_str()];
                        index.app_names.insert(alias.as_str().into(), app);
                    }
                }
            }
        }
    }

    fn links(&mut self) {
        let files = self.index.files.clone();
        let total: usize = files.iter().map(|f| f.links.len()).sum();
        self.index.pairs = Sharded::with_capacity(total, |_| 0);
        for (f, file) in files.iter().enumerate() {
            self.record_base.push(self.parent.len() as u32);
            // Each App ID a file names is looked up once, not once per link.
            let apps: Vec<u32> = (0..file.link_apps.len()).map(|a| self.app_for_links(f as u32, file, a)).collect();
            for record in &file.records {
                let global = self.parent.len() as u32;
                self.parent.push(global);
                self.kinds.push(record.kind);
                for l in record.links.clone() {
                    let file_app = file.links[l as usize].app as usize;
                    self.link(&files, f as u32, l, apps[file_app], global);
                }
            }
        }
    }

    fn link(&mut self, files: &[Arc<ParsedFile>], f: u32, l: u32, app: u32, global: u32) {
        let file = &*files[f as usize];
        let def = &file.links[l as usize];
        let (problem, applied) = self.index.check_link(file, def, app, &mut self.snippets);
        self.index.link_diagnostics.extend(problem.map(|d| (f, d)));
        if !applied {
            return;
        }
        let id = file.link_id(def);
        let app_id = &self.index.apps[app as usize].id;
        // A pair hashes under its app's App ID, whichever (former) one the link writes.
        let hash = pair_hash(app_id.as_str(), id);
        let Index { entries, pairs, apps, .. } = &mut self.index;
        let hash_of = |e: &u32| entry_hash(files, apps, &entries[*e as usize]);
        let same = |e: &u32| {
            let e = &entries[*e as usize];
            let other = &files[e.file as usize];
            e.app == app && other.link_id(&other.links[e.link as usize]) == id
        };
        let existing = match pairs.shard_mut(hash).entry(hash, same, hash_of) {
            hashbrown::hash_table::Entry::Occupied(occupied) => *occupied.get(),
            hashbrown::hash_table::Entry::Vacant(vacant) => {
                vacant.insert(entries.len() as u32);
                entries.push(Entry { file: f, link: l, app, record: global });
                return;
            }
        };
        // Merged or in conflict: `settle` decides, once every definition is known.
        let kind = self.kinds[global as usize];
        self.dups.push(Dup { entry: existing, file: f, link: l, record: global, kind });
    }

    /// For each pair defined more than once: when the definitions agree (one kind,
    /// at most one URL), their records merge and the pair takes the URL; when they
    /// disagree, the pair is in conflict and belongs to no record. Decided from all
    /// definitions at once, so file order never settles it.
    fn settle(&mut self) {
        let mut dups = std::mem::take(&mut self.dups);
        dups.sort_by_key(|d| (d.entry, d.file, d.link));
        let files = self.index.files.clone();
        let url_of = |f: u32, l: u32| files[f as usize].link_url(&files[f as usize].links[l as usize]);
        for group in dups.chunk_by(|a, b| a.entry == b.entry) {
            let e = group[0].entry;
            let entry = self.index.entries[e as usize];
            let first_kind = self.kinds[entry.record as usize];
            let first_url = url_of(entry.file, entry.link);
            let mut url = first_url;
            let mut urls_differ = false;
            for d in group {
                match (url, url_of(d.file, d.link)) {
                    (None, found) => url = found,
                    (Some(a), Some(b)) if a != b => urls_differ = true,
                    _ => {}
                }
            }
            let kinds_differ = group.iter().any(|d| d.kind != first_kind);
            self.index.dup_links.insert((entry.file, entry.link));
            self.index.dup_links.extend(group.iter().map(|d| (d.file, d.link)));
            if kinds_differ || urls_differ {
                let defs = std::iter::once((entry.file, entry.link, entry.record))
                    .chain(group.iter().map(|d| (d.file, d.link, d.record)))
                    .collect();
                self.index.conflict_of_entry.insert(e, self.index.pair_conflicts.len() as u32);
                self.index.pair_conflicts.push(PairConflict { entry: e, defs, kinds: kinds_differ });
                self.index.entries[e as usize].record = NO_RECORD;
                continue;
            }
            // A name is cosmetic: the first stands, with a warning where another differs.
            let name_of = |f: u32, l: u32| files[f as usize].link_name(&files[f as usize].links[l as usize]);
            let first_name = std::iter::once((entry.file, entry.link))
                .chain(group.iter().map(|d| (d.file, d.link)))
                .find_map(|(f, l)| name_of(f, l));
            if let Some(first_name) = first_name
                && let Some(d) = group.iter().find(|d| name_of(d.file, d.link).is_some_and(|n| n != first_name))
            {
                let file = &*files[d.file as usize];
                let link = &file.links[d.link as usize];
                let app_id = &self.index.apps[entry.app as usize].id;
                let id = file.link_id(link);
                let warning = Diagnostic::warning(
                    format!(
                        "`{app_id} {id}` is named `{}` here and `{first_name}` before; the first name is used",
                        name_of(d.file, d.link).unwrap_or("")
                    ),
                    self.snippets.label(file, link.at, "named differently"),
                );
                self.index.name_warnings.push((d.file, d.link, warning));
            }
            if first_url.is_none()
                && let Some(d) = group.iter().find(|d| url_of(d.file, d.link).is_some())
            {
                // The first link with a URL gives the pair its URL.
                let entry = &mut self.index.entries[e as usize];
                entry.file = d.file;
                entry.link = d.link;
            }
            for d in group {
                self.union(entry.record, d.record);
            }
        }
    }

    /// The app for a file's `a`-th linked App ID: aliases mapped, apps that only
    /// links name added, and the first name a link gives remembered.
    fn app_for_links(&mut self, f: u32, file: &ParsedFile, a: usize) -> u32 {
        let id = &file.link_apps[a];
        let named = file.first_named[a];
        let index = &mut self.index;
        let app = match index.app_names.get(id.as_str()) {
            Some(&app) => app,
            None => {
                let app = index.apps.len() as u32;
                index.app_names.insert(id.as_str().into(), app);
                index.apps.push(App {
                    number: app,
                    id: id.clone(),
                    def: None,
                    link_name: None,
                    also: Vec::new(),
                    conflict: None,
                });
                app
            }
        };
        let app_ref = &mut index.apps[app as usize];
        if app_ref.link_name.is_none()
            && let Some(l) = named
        {
            app_ref.link_name = Some((f, l));
        }
        app
    }

    fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    fn union(&mut self, a: u32, b: u32) {
        let (a, b) = (self.find(a), self.find(b));
        // The earlier definition stays the root, so a merged record is named by its first.
        let (root, child) = if a < b { (a, b) } else { (b, a) };
        self.parent[child as usize] = root;
    }

    /// Groups record definitions and entries by merged record, as ranges into
    /// two flat arrays (a counting sort: no allocation per record).
    fn finish(mut self) -> Index {
        let total = self.parent.len();
        let mut merged = vec![u32::MAX; total];
        let mut def_counts: Vec<u32> = Vec::new();
        let mut kinds = Vec::new();
        for g in 0..total as u32 {
            let root = self.find(g);
            if merged[root as usize] == u32::MAX {
                merged[root as usize] = def_counts.len() as u32;
                def_counts.push(0);
                kinds.push(self.kinds[root as usize]);
            }
            let m = merged[root as usize];
            merged[g as usize] = m;
            def_counts[m as usize] += 1;
        }
        let mut entry_counts = vec![0u32; def_counts.len()];
        for entry in self.index.entries.iter_mut().filter(|e| e.record != NO_RECORD) {
            entry.record = merged[entry.record as usize];
            entry_counts[entry.record as usize] += 1;
        }
        // Conflicts name merged records; each (record, app) of a side leads to its conflict.
        for (n, conflict) in self.index.pair_conflicts.iter_mut().enumerate() {
            let app = self.index.entries[conflict.entry as usize].app;
            for def in &mut conflict.defs {
                def.2 = merged[def.2 as usize];
                self.index.conflict_on_record.insert((def.2, app), n as u32);
            }
        }
        let def_starts = prefix_sums(&def_counts);
        let entry_starts = prefix_sums(&entry_counts);
        let index = &mut self.index;
        index.records = kinds
            .iter()
            .enumerate()
            .map(|(m, &kind)| Record {
                kind,
                defs: def_starts[m]..def_starts[m] + def_counts[m],
                entries: entry_starts[m]..entry_starts[m] + entry_counts[m],
            })
            .collect();
        let mut next_def = def_starts;
        let mut record_defs = vec![(0, 0); total];
        for (f, file) in index.files.iter().enumerate() {
            let base = self.record_base[f];
            for r in 0..file.records.len() as u32 {
                let m = merged[(base + r) as usize] as usize;
                record_defs[next_def[m] as usize] = (f as u32, r);
                next_def[m] += 1;
            }
        }
        let mut next_entry = entry_starts;
        let mut record_entries = vec![0; index.entries.len() - index.conflict_of_entry.len()];
        for (n, entry) in index.entries.iter().enumerate().filter(|(_, e)| e.record != NO_RECORD) {
            let m = entry.record as usize;
            record_entries[next_entry[m] as usize] = n as u32;
            next_entry[m] += 1;
        }
        index.order = (0..index.records.len() as u32).collect();
        index.entries.shrink_to_fit();
        index.records.shrink_to_fit();
        index.record_defs = Chunked::from_vec(record_defs);
        index.record_entries = Chunked::from_vec(record_entries);
        self.index
    }
}

/// Where each group starts when groups of these sizes are laid back to back.
fn prefix_sums(counts: &[u32]) -> Vec<u32> {
    let mut sum = 0;
    counts
        .iter()
        .map(|&c| {
            let start = sum;
            sum += c;
            start
        })
        .collect()
}

/// The pair hash of an entry, as the pair table has it: its app's App ID (not a former
/// one a link may write) and its id.
fn entry_hash(files: &[Arc<ParsedFile>], apps: &[App], e: &Entry) -> u64 {
    let file = &files[e.file as usize];
    pair_hash(apps[e.app as usize].id.as_str(), file.link_id(&file.links[e.link as usize]))
}

/// Labels for places found after parsing. A file is re-read for its lines only if
/// it still holds the version that was parsed, once, and only for the first
/// `BUDGET` labels: a file with ten thousand conflicts must not be read ten thousand times.
#[derive(Default)]
struct Snippets {
    used: usize,
    texts: HashMap<String, Option<String>>,
    off: bool,
}

impl Snippets {
    const BUDGET: usize = 200;

    fn none() -> Snippets {
        Snippets { off: true, ..Snippets::default() }
    }

    fn label(&mut self, file: &ParsedFile, at: Pos, text: impl Into<String>) -> Label {
        let location = Location { file: file.path.clone(), line: at.line, column: at.column };
        let mut label = Label::at(location, text);
        if self.off || self.used >= Self::BUDGET {
            return label;
        }
        self.used += 1;
        let source = self.texts.entry(file.path.clone()).or_insert_with(|| {
            std::fs::read(&file.path)
                .ok()
                .filter(|bytes| crate::parsed_file::fingerprint(bytes) == file.fingerprint)
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        });
        if let Some(line) = source.as_deref().and_then(|text| text.lines().nth(at.line as usize - 1)) {
            let start = line.char_indices().nth(at.column as usize - 1).map_or(line.len(), |(i, _)| i);
            label.snippet = Some((line.to_owned(), start..value_end(line, start)));
        }
        label
    }
}

/// Where the TOML value that starts at byte `start` of `line` ends: the closing bracket of an
/// inline table or array (strings inside skipped), else the end of a bare value. A label
/// underlines the value only, never the `,` or the comment after it.
fn value_end(line: &str, start: usize) -> usize {
    let bytes = line.as_bytes();
    let (mut depth, mut i, mut quote): (usize, usize, Option<u8>) = (0, start, None);
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == b'\\' && q == b'"' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None => match b {
                b'"' | b'\'' => quote = Some(b),
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 1 => depth -= 1,
                b'}' | b']' if depth == 1 => return i + 1,
                b',' | b'#' | b'}' | b']' if depth == 0 => break,
                _ => {}
            },
        }
        i += 1;
    }
    // A bare value, or one continued on the next line: up to what follows it.
    let end = i.min(bytes.len());
    start + line[start..end].trim_end().len()
}

fn conflict(
    snippets: &mut Snippets,
    message: String,
    file: &ParsedFile,
    at: Pos,
    text: impl Into<String>,
    first: &ParsedFile,
    first_at: Pos,
) -> Diagnostic {
    Diagnostic::error(message, snippets.label(file, at, text)).with_label(snippets.label(
        first,
        first_at,
        "first defined here",
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_label_underlines_the_value_only() {
        let line = r#"  { app = "a.com", id = "}", url = "https://a.com/1" },   # first"#;
        assert_eq!(&line[2..super::value_end(line, 2)], r#"{ app = "a.com", id = "}", url = "https://a.com/1" }"#);
        let line = r#"links = [{ app = "a.com", id = "1" }] # second"#;
        assert_eq!(&line[9..super::value_end(line, 9)], r#"{ app = "a.com", id = "1" }"#);
        let line = "x = 5   # five";
        assert_eq!(&line[4..super::value_end(line, 4)], "5");
        let line = "links = [ # open";
        assert_eq!(&line[8..super::value_end(line, 8)], "[ # open");
    }

    use super::*;

    fn file(path: &str, text: &str) -> Arc<ParsedFile> {
        let outcome = crate::loader::parse(path, text.as_bytes());
        Arc::new(outcome.parsed.unwrap_or_else(|| panic!("{:?}", outcome.diagnostics.first().map(ToString::to_string))))
    }

    const APPS: &str = "[apps.\"a.example\"]\nurl = \"https://a.example/{id}\"\nformerly = [\"old-a.example\"]\n";
    const ONE: &str = "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"a.example\", id = \"1\" }, { app = \"b.example\", id = \"x\", url = \"https://b.example/x\" }]\n";

    /// `describe`, with identify asked about a few URLs too.
    fn answers(index: &Index) -> Vec<String> {
        index.describe(&[
            "https://b.example/x",
            "https://b.example/y",
            "https://b.example/same",
            "https://a.example/2",
            "https://n.example/5",
        ])
    }

    fn person(name: &str, links: &[(&str, &str, Option<&str>)]) -> String {
        let links: Vec<String> = links
            .iter()
            .map(|(app, id, url)| match url {
                Some(url) => format!("{{ app = \"{app}\", id = \"{id}\", url = \"{url}\" }}"),
                None => format!("{{ app = \"{app}\", id = \"{id}\" }}"),
            })
            .collect();
        format!("\n[[person]]\nname = \"{name}\"\nlinks = [{}]\n", links.join(", "))
    }

    /// Issue 12: records added, removed or replaced anywhere in a file, and apps added,
    /// are patched into a copy of the index, and every patch (also a patch of a patch)
    /// answers exactly as a build of the same files: records and apps in the same order,
    /// the same problems, the same identify answers. What a patch cannot do, a build does.
    #[test]
    fn structural_edits_are_patched_and_answer_as_a_build() {
        let apps = format!("{APPS}\n[apps.\"z.example\"]\nurl = \"https://z.example/{{id}}\"\n");
        let other = format!(
            "{}{}{}",
            person("Ada too", &[("a.example", "1", None), ("c.example", "q", Some("https://c.example/q"))]),
            "\n[[company]]\nname = \"Clash\"\nlinks = [{ app = \"b.example\", id = \"clash\", url = \"https://b.example/other\" }]\n",
            person("Same URL", &[("b.example", "s2", Some("https://b.example/same"))]),
        );
        let r = |n: u32| {
            person(
                &format!("R{n}"),
                &[
                    ("a.example", &format!("{n}"), None),
                    ("b.example", &format!("b{n}"), Some(&format!("https://b.example/b{n}"))),
                ],
            )
        };
        let ada = person("Ada", &[("a.example", "1", None), ("b.example", "x", Some("https://b.example/x"))]);
        let clash = "\n[[company]]\nname = \"Clash here\"\nlinks = [{ app = \"b.example\", id = \"clash\", url = \"https://b.example/mine\" }]\n";
        let same = person("Same URL here", &[("b.example", "s1", Some("https://b.example/same"))]);
        let named = "\n[[person]]\nname = \"Named\"\nlinks = [{ app = \"b.example\", id = \"nm\", name = \"Bee\", url = \"https://b.example/nm\" }]\n";
        let new_app = "[apps.\"n.example\"]\nurl = \"https://n.example/{id}\"\n";
        let n_rec = person("N", &[("n.example", "5", None)]);
        let dup = person("Dup", &[("a.example", "1", None)]);
        let (r2, r3, r10, r11, r12, r13, r20) = (r(2), r(3), r(10), r(11), r(12), r(13), r(20));
        let base: String = [&r10, &ada, &r11, clash, &same, &r12].concat();
        // (the file's pieces, whether a patch can do it)
        let steps: Vec<(Vec<&str>, bool)> = vec![
            (vec![&r2, &r10, &ada, &r11, clash, &same, &r12], true), // added at the top
            (vec![&r2, &r10, &ada, &r3, &r11, clash, &same, &r12], true), // in the middle
            (vec![&r10, &ada, &r3, &r11, clash, &same, &r12], true), // removed at the top
            (vec![&r10, &ada, &r11, clash, &same, &r12], true),      // in the middle
            (vec![&r10, &ada, &r11, clash, &same, &r13], true),      // replaced at the end
            (vec![new_app, &r10, &ada, &r11, clash, &same, &r13], true), // an app added
            (vec![new_app, &r10, &ada, &n_rec, &r11, clash, &same, &r13], true), // and used
            (vec![new_app, &r10, &ada, named, &r11, clash, &same, &r13], true), // a link's name
            (vec![new_app, &r10, &r11, clash, &same, &r13], false),  // a merged record removed
            (vec![new_app, &r10, &dup, &r11, clash, &same, &r13], false), // a merge
            (vec![new_app, &r10, &dup, &same, &r13], false),         // a conflict goes
            (vec![new_app, &r13], false),                            // the same URL goes
            (vec![new_app, &r13, &r20], true),
            (vec![], false), // the app removed
            (vec![&r20], true),
        ];
        let mut index = Index::build(vec![file("0.toml", &apps), file("1.toml", &base), file("2.toml", &other)]);
        for (n, (pieces, patchable)) in steps.iter().enumerate() {
            let text = &pieces.concat();
            let files = vec![file("0.toml", &apps), file("1.toml", text), file("2.toml", &other)];
            let built = Index::build(files.clone());
            let patched = index.patch(&[(1, files[1].clone())]);
            assert_eq!(patched.is_some(), *patchable, "step {n}: {text}");
            let next = patched.unwrap_or_else(|| Index::build(files));
            assert_eq!(answers(&next), answers(&built), "step {n}: {text}");
            index = next;
        }
    }

    /// Found by the `patch` fuzz target: records of one merged record moved by an insert
    /// above them (their definitions were renumbered onto each other), and a naming
    /// warning whose line an app added above it moved (it kept the old line).
    #[test]
    fn patches_found_wrong_by_fuzzing_answer_as_a_build() {
        let c2 = |n: u32| person(&format!("R{n}"), &[("c.example", "2", Some("https://c.example/2"))]);
        let named = |n: u32, name: &str| {
            format!(
                "\n[[person]]\nname = \"R{n}\"\nlinks = [{{ app = \"a.example\", id = \"1\", name = \"{name}\" }}]\n"
            )
        };
        let cases = [
            (
                c2(102),
                [c2(0), c2(1), named(2, "N")].concat(),
                [person("R10", &[("a.example", "new", None)]), c2(0), c2(1), named(2, "N")].concat(),
            ),
            (
                String::new(),
                [named(0, "N0"), c2(1), named(2, "N1")].concat(),
                ["[apps.\"n.example\"]\nurl = \"https://n.example/{id}\"\n", &named(0, "N0"), &c2(1), &named(2, "N1")]
                    .concat(),
            ),
        ];
        for (other, before, after) in cases {
            let files = |text: &str| vec![file("0.toml", APPS), file("1.toml", text), file("2.toml", &other)];
            let index = Index::build(files(&before));
            let built = Index::build(files(&after));
            let next = index.patch(&[(1, files(&after)[1].clone())]);
            if before.contains("R0\"\nlinks = [{ app = \"c.example\"") {
                assert!(next.is_some(), "the insert above a merged record is patched");
            }
            let next = next.unwrap_or_else(|| Index::build(files(&after)));
            assert_eq!(answers(&next), answers(&built), "{before}\n→\n{after}");
        }
    }

    /// Issue 18: apps and records inserted, removed and moved at every position of a
    /// file (before the others too) are patched, or built, and answer exactly as a build:
    /// each app on its own definition, with its `schemes`, `open_with`, `native`, alias
    /// and place. An app or a record inserted anywhere is patched.
    #[test]
    fn apps_and_records_edited_at_every_position_answer_as_a_build() {
        let app = |host: &str, extra: &str| format!("[apps.\"{host}\"]\nurl = \"https://{host}/{{id}}\"\n{extra}\n");
        let pool = [
            app("n.example", ""),
            app("m.example", "open_with = [\"prog\", \"--new-window\"]\n"),
            app(
                "p.example",
                "schemes = [\"https\", \"nat\"]\nnative = \"nat://open/{id}\"\nformerly = [\"old-p.example\"]\n",
            ),
            app("q.example", "name = \"Q\"\n"),
        ];
        let records: Vec<String> = (0..4)
            .map(|n| {
                let id = format!("{n}");
                person(
                    &format!("R{n}"),
                    &[("m.example", &id, None), ("old-p.example", &id, None), ("q.example", &id, None)],
                )
            })
            .collect();
        let other = [
            app("m.example", "open_with = [\"prog\", \"--new-window\"]\n"),
            "[browser]\nfallback = [\"fallback-browser\"]\n\n".into(),
            person("Other", &[("old-a.example", "9", None), ("q.example", "0", None)]),
        ]
        .concat();
        let urls = ["https://n.example/1", "https://m.example/2", "https://p.example/3", "https://q.example/0"];
        // The middle file: apps by their place in `pool`, records by number.
        type Middle = (Vec<usize>, Vec<usize>);
        let base: Middle = (vec![1, 2, 3], vec![0, 1, 2]);
        // (the file, whether a patch must do it)
        let mut edits: Vec<(Middle, bool)> = Vec::new();
        for at in 0..=base.0.len() {
            let mut apps = base.0.clone();
            apps.insert(at, 0);
            edits.push(((apps, base.1.clone()), true));
        }
        for at in 0..=base.1.len() {
            let mut records = base.1.clone();
            records.insert(at, 3);
            edits.push(((base.0.clone(), records), true));
        }
        for at in 0..base.0.len() {
            let mut apps = base.0.clone();
            apps.remove(at);
            edits.push(((apps, base.1.clone()), false));
            let mut records = base.1.clone();
            records.remove(at);
            edits.push(((base.0.clone(), records), false));
            for to in 0..base.0.len() {
                let (mut apps, mut records) = base.clone();
                let moved = apps.remove(at);
                apps.insert(to, moved);
                let moved = records.remove(at);
                records.insert(to, moved);
                edits.push(((apps, base.1.clone()), false));
                edits.push(((base.0.clone(), records), false));
            }
        }
        let text = |(apps, recs): &Middle| {
            let apps: String = apps.iter().map(|&a| pool[a].as_str()).collect();
            let recs: String = recs.iter().map(|&r| records[r].as_str()).collect();
            apps + &recs
        };
        // The first file defines `q.example` too: the middle file's is a later definition.
        let first = [APPS, "\n", &pool[3]].concat();
        let files = |text: &str| vec![file("0.toml", &first), file("1.toml", text), file("2.toml", &other)];
        let index = Index::build(files(&text(&base)));
        for (edit, must_patch) in &edits {
            let after = text(edit);
            let built = Index::build(files(&after));
            let patched = index.patch(&[(1, files(&after)[1].clone())]);
            if *must_patch {
                assert!(patched.is_some(), "patched: {after}");
            }
            // And back again, from the patched index when there is one.
            let next = patched.unwrap_or_else(|| Index::build(files(&after)));
            assert_eq!(next.describe(&urls), built.describe(&urls), "{:?}:\n{after}", edit);
            let back = next.patch(&[(1, files(&text(&base))[1].clone())]);
            let back = back.unwrap_or_else(|| Index::build(files(&text(&base))));
            assert_eq!(back.describe(&urls), index.describe(&urls), "{:?} and back", edit);
        }
    }

    /// A file's problems, a link's URL changed: the same-shape patch also answers as a build.
    #[test]
    fn changed_urls_are_patched_and_answer_as_a_build() {
        let files = vec![file("0.toml", APPS), file("1.toml", ONE)];
        let index = Index::build(files.clone());
        let changed = ONE.replace("https://b.example/x", "https://b.example/y");
        let patched = index.patch(&[(1, file("1.toml", &changed))]).expect("patched");
        let built = Index::build(vec![files[0].clone(), file("1.toml", &changed)]);
        assert_eq!(answers(&patched), answers(&built));
        assert_eq!(patched.identify("https://b.example/y").unwrap().len(), 1);
        assert!(patched.identify("https://b.example/x").is_err());
    }
}
