//! The edits: each computes an `Edit` from a `Workspace` and says what it does, with
//! `file:line`. Nothing here writes; the command line checks and writes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::document::{self, NewLink};
use super::{Edit, EditError, Effect, Workspace};
use crate::app_id::AppId;
use crate::formats::records::{LinkRef, Records};
use crate::link_url::LinkUrl;
use crate::parsed_file::Kind;
use crate::template::UrlTemplate;
use crate::unique_id::UniqueId;

/// What an edit did, for people: one line each.
pub type Said = Vec<String>;

/// Checks an App ID, id and URL as a link file would.
pub fn checked_link(app: &str, id: &str, url: Option<&str>, name: Option<&str>) -> Result<NewLink, String> {
    let app = AppId::parse(app).map_err(|e| match &e.suggestion {
        Some(s) => format!("{e} (did you mean `{s}`?)"),
        None => e.to_string(),
    })?;
    let id = UniqueId::parse(id).map_err(|e| e.to_string())?;
    let url = url.map(LinkUrl::parse).transpose().map_err(|e| e.to_string())?;
    Ok(NewLink {
        app: app.as_str().to_owned(),
        id: id.as_str().to_owned(),
        url: url.map(|u| u.as_str().to_owned()),
        name: name.map(str::to_owned),
    })
}

/// Where the first definition of the record of `kind` named `name` is, if any.
fn record_file(workspace: &Workspace, kind: Kind, name: &str) -> Option<PathBuf> {
    workspace.catalog.files().iter().find_map(|f| {
        let good = f.good.as_ref()?;
        good.records.iter().any(|r| r.kind == kind && good.record_name(r) == name).then(|| f.path.clone())
    })
}

/// `add KIND NAME APP ID [--url]`: the link onto that record (made if there is none).
pub fn add(
    workspace: &Workspace,
    kind: Kind,
    name: &str,
    link: NewLink,
    file: Option<&Path>,
    merge: bool,
) -> Result<(Edit, Said), EditError> {
    let index = &workspace.index;
    if let Some(app) = index.app(&link.app)
        && let Some(existing) = index.link(app, &link.id)
    {
        let record = index.record_of(&existing);
        let here = format!("{}:{}", existing.file.path, existing.at().line);
        if record.kind != kind {
            return Err(EditError::Refused {
                message: format!(
                    "`{} {}` is on the {} `{}` ({here}): a pair names one record, so it cannot also be on a {kind}",
                    link.app,
                    link.id,
                    record.kind,
                    index.record_name(record)
                ),
                details: vec![format!(
                    "give this kind of object its own App ID, a sub-domain such as `companies.{}`",
                    link.app
                )],
            });
        }
        let same_record =
            index.record_defs(record).any(|(_, d)| d.kind == kind && existing.file.record_name(d) == name);
        if same_record && (link.url.is_none() || existing.url() == link.url.as_deref()) {
            return Ok((
                Edit::default(),
                vec![format!("`{} {}` is already on the {kind} `{name}` ({here})", link.app, link.id)],
            ));
        }
        if !same_record && !merge {
            return Err(EditError::Refused {
                message: format!(
                    "`{} {}` is already on the {} `{}` ({here}); adding it to `{name}` would merge the two records",
                    link.app,
                    link.id,
                    record.kind,
                    index.record_name(record)
                ),
                details: vec!["add `--merge` if they are the same record".into()],
            });
        }
    }
    let target = match file {
        Some(file) => workspace.known(file),
        None => record_file(workspace, kind, name).unwrap_or_else(|| workspace.default_file()),
    };
    workspace.writable(&target)?;
    let mut edit = Edit::default();
    let text = edit.text(&target)?;
    let in_file =
        workspace.good(&target).is_some_and(|g| g.records.iter().any(|r| r.kind == kind && g.record_name(r) == name));
    let after = if in_file {
        let mut doc = document::parse(&text).map_err(EditError::Invalid)?;
        document::add_links(&mut doc, kind, name, std::slice::from_ref(&link));
        doc.to_string()
    } else {
        document::add_record(&text, kind, name, std::slice::from_ref(&link)).map_err(EditError::Invalid)?
    };
    // The new link's line: where its text first stands in the new file.
    let text = link.text();
    // (A link written as a `[[person.links]]` table has other text: then the file alone.)
    let line = after.find(&text).map(|at| format!(":{}", after[..at].matches('\n').count() + 1)).unwrap_or_default();
    edit.set(&target, after)?;
    edit.expect(Effect::LinkOn { kind, name: name.to_owned(), app: link.app.clone(), id: link.id.clone() });
    let what = if in_file { "added" } else { "added, with a new record," };
    Ok((edit, vec![format!("{what} `{} {}` to the {kind} `{name}` at {}{line}", link.app, link.id, target.display())]))
}

/// `rm APP ID`: every link with that pair, in every file (links written with a
/// former App ID of the app too).
pub fn rm(workspace: &Workspace, app: &str, id: &str) -> Result<(Edit, Said), EditError> {
    let index = &workspace.index;
    let wanted = index.app(app).map(|a| a.id.clone());
    let matches = |written: &str| match &wanted {
        Some(wanted) => index.app(written).is_some_and(|a| a.id == *wanted),
        None => written.eq_ignore_ascii_case(app),
    };
    let mut edit = Edit::default();
    let mut said = Vec::new();
    for file in workspace.catalog.files() {
        let Some(good) = &file.good else { continue };
        let places: Vec<u32> = good
            .links
            .iter()
            .filter(|l| good.link_id(l) == id && matches(good.link_app(l).as_str()))
            .map(|l| l.at.line)
            .collect();
        if places.is_empty() {
            continue;
        }
        let text = edit.text(&file.path)?;
        let mut doc = document::parse(&text).map_err(EditError::Invalid)?;
        document::remove_links(&mut doc, &matches, id);
        edit.set(&file.path, doc.to_string())?;
        for line in places {
            said.push(format!("removed `{app} {id}` from {}:{line}", file.path.display()));
        }
    }
    if said.is_empty() {
        // A file with errors is not read: it may hold the pair, and must be fixed first.
        let unread = match workspace.unread_files().as_slice() {
            [] => String::new(),
            files => format!(" in force ({} has errors and was not read: fix it first)", files.join(", ")),
        };
        return Err(EditError::NotFound(format!("no link file{unread} has `{app} {id}`")));
    }
    edit.expect(Effect::NoLink { app: app.to_owned(), id: id.to_owned() });
    Ok((edit, said))
}

/// `app add APP [--name] [--url]`.
pub fn app_add(
    workspace: &Workspace,
    app: &str,
    name: Option<&str>,
    url: Option<&str>,
    file: Option<&Path>,
) -> Result<(Edit, Said), EditError> {
    let id = AppId::parse(app).map_err(|e| EditError::Invalid(e.to_string()))?;
    if let Some(url) = url {
        UrlTemplate::parse(url).map_err(|e| EditError::Invalid(format!("`{url}`: {}", e.message)))?;
    }
    if let Some(existing) = workspace.index.app(id.as_str())
        && let Some((file, def)) = workspace.index.app_def_place(existing)
    {
        let same = def.name.as_deref() == name && def.template.as_ref().map(UrlTemplate::as_str) == url;
        let here = format!("{}:{}", file.path, def.at.line);
        if same {
            return Ok((Edit::default(), vec![format!("`{id}` is already defined so ({here})")]));
        }
        return Err(EditError::Refused {
            message: format!("`{id}` is already defined at {here}; edit it there"),
            details: Vec::new(),
        });
    }
    let target = match file {
        Some(file) => workspace.known(file),
        None => workspace
            .catalog
            .files()
            .iter()
            .find(|f| f.good.as_ref().is_some_and(|g| !g.apps.is_empty()))
            .map_or_else(|| workspace.default_file(), |f| f.path.clone()),
    };
    workspace.writable(&target)?;
    let mut edit = Edit::default();
    let text = edit.text(&target)?;
    let after = document::append(&text, &document::app_text(id.as_str(), name, url));
    let line = after.lines().position(|l| l.starts_with("[apps.") && l.contains(id.as_str())).map_or(0, |n| n + 1);
    edit.set(&target, after)?;
    edit.expect(Effect::App { app: id.as_str().to_owned(), alias: None });
    Ok((edit, vec![format!("added app `{id}` at {}:{line}", target.display())]))
}

/// `app rename OLD NEW`: the table renamed where it stands, OLD added to its
/// `formerly`, and every link's `app` rewritten, in every file.
pub fn app_rename(workspace: &Workspace, old: &str, new: &str) -> Result<(Edit, Said), EditError> {
    let new = AppId::parse(new).map_err(|e| EditError::Invalid(e.to_string()))?;
    let index = &workspace.index;
    let Some(app) = index.app(old).filter(|a| a.id.as_str() == old.to_ascii_lowercase()) else {
        return Err(EditError::NotFound(format!("`{old}` is not an App ID any link file knows")));
    };
    if index.app(new.as_str()).is_some() {
        return Err(EditError::Refused {
            message: format!("`{new}` is already an App ID the link files use; pick another name"),
            details: Vec::new(),
        });
    }
    let old = app.id.as_str().to_owned();
    let mut edit = Edit::default();
    let mut said = Vec::new();
    let mut links = 0;
    let mut files = 0;
    for file in workspace.catalog.files() {
        let Some(good) = &file.good else { continue };
        let defines = good.apps.iter().any(|a| a.id.as_str() == old);
        let uses = good.link_apps.iter().any(|a| a.as_str() == old);
        if !defines && !uses {
            continue;
        }
        let text = edit.text(&file.path)?;
        let mut doc = document::parse(&text).map_err(EditError::Invalid)?;
        if defines && document::rename_app(&mut doc, &old, new.as_str()) {
            let line = good.apps.iter().find(|a| a.id.as_str() == old).map_or(0, |a| a.at.line);
            said.push(format!(
                "renamed `{old}` to `{new}` at {}:{line}; `{old}` stays in its `formerly`",
                file.path.display()
            ));
        }
        let renamed = document::rename_link_apps(&mut doc, &old, new.as_str());
        if renamed > 0 {
            links += renamed;
            files += 1;
        }
        edit.set(&file.path, doc.to_string())?;
    }
    if said.is_empty() {
        return Err(EditError::NotFound(format!(
            "no link file defines `[apps.\"{old}\"]` (it is only named by links)"
        )));
    }
    if links > 0 {
        said.push(format!("rewrote the app of {links} link(s) in {files} file(s)"));
    }
    edit.expect(Effect::App { app: new.as_str().to_owned(), alias: Some(old) });
    Ok((edit, said))
}

/// An app definition to import.
#[derive(Debug, Clone)]
pub struct IncomingApp {
    pub app: String,
    pub name: Option<String>,
    pub url: Option<String>,
    /// The desktop app's deep link template (README: The web-link router).
    pub native: Option<String>,
    pub formerly: Vec<String>,
    pub schemes: Vec<String>,
    pub open_with: Vec<String>,
    pub line: usize,
}

impl IncomingApp {
    /// The fields the input gives that the app's definition gives otherwise (a field the
    /// input leaves out says nothing): an import never drops what its input says.
    fn differs_from(&self, def: &crate::parsed_file::AppDef) -> Vec<&'static str> {
        let mut differs = Vec::new();
        let given = |list: &[String]| !list.is_empty();
        if self.name.as_deref().is_some_and(|n| def.name.as_deref() != Some(n)) {
            differs.push("name");
        }
        if self.url.as_deref().is_some_and(|u| def.template.as_ref().map(|t| t.as_str()) != Some(u)) {
            differs.push("url");
        }
        if self.native.as_deref().is_some_and(|n| def.native.as_ref().map(|t| t.as_str()) != Some(n)) {
            differs.push("native");
        }
        if given(&self.formerly)
            && !self.formerly.iter().map(String::as_str).eq(def.formerly.iter().map(|(f, _)| f.as_str()))
        {
            differs.push("formerly");
        }
        if given(&self.schemes) && !self.schemes.iter().map(String::as_str).eq(def.schemes.iter()) {
            differs.push("schemes");
        }
        if given(&self.open_with) && def.open_with.as_deref() != Some(self.open_with.as_slice()) {
            differs.push("open_with");
        }
        differs
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Summary {
    pub links_added: usize,
    pub records_created: usize,
    pub records_merged: usize,
    pub apps_added: usize,
    pub skipped: Vec<String>,
}

/// Where an import puts links: a record it creates, or a record of the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Group {
    /// A record this import creates, named as the input's record at this position.
    Created(u32),
    /// A record in the files: its kind, its name there, and its file (boxed: an import
    /// creates many records and joins few).
    Joined(Box<(Kind, String, PathBuf)>),
}

/// The links an import adds, and the record each must be on once written (the
/// import's postcondition, kept as compactly as its input: `Effect::Placed`).
#[derive(Debug, PartialEq, Eq)]
pub struct Placed {
    records: Records,
    groups: Vec<Group>,
    /// For each link of `records`, its group's position (`NOWHERE`: not added).
    dest: Vec<u32>,
}

const NOWHERE: u32 = u32::MAX;

impl Placed {
    /// Each link added: the kind and name of the record it must be on, its App ID and id.
    pub fn links(&self) -> impl Iterator<Item = (Kind, &str, &str, &str)> {
        self.dest.iter().enumerate().filter(|(_, g)| **g != NOWHERE).map(|(n, &g)| {
            let link = self.records.link(n);
            let (kind, name) = self.target(g);
            (kind, name, link.app, link.id)
        })
    }

    fn target(&self, g: u32) -> (Kind, &str) {
        target_of(&self.records, &self.groups[g as usize])
    }
}

/// The kind and name of the record `group`'s links must be on.
fn target_of<'a>(records: &'a Records, group: &'a Group) -> (Kind, &'a str) {
    match group {
        Group::Created(r) => {
            let record = records.record(*r as usize);
            (record.kind, record.name)
        }
        Group::Joined(joined) => (joined.0, &joined.1),
    }
}

/// `import`: records merge with the files' records (and each other) through shared
/// pairs, as in the files; links already there are left alone, so importing the same
/// input twice changes nothing. New records go to `file`; links joining a record of
/// the files go to that record's file.
/// An import adds a program to run (an app's `open_with` or `native`, `[browser]
/// fallback`) only when asked to (`--allow-programs`): a shared contacts file must not
/// be able to make a click run something.
pub fn import(
    workspace: &Workspace,
    input: crate::formats::Input,
    file: &Path,
    allow_programs: bool,
) -> Result<(Edit, Summary), EditError> {
    let crate::formats::Input { apps, records, fallback } = input;
    let index = &workspace.index;
    let mut summary = Summary::default();
    let mut edit = Edit::default();
    let target = workspace.known(file);
    workspace.writable(&target)?;
    let mut appended = String::new();
    let mut programs: Vec<String> = Vec::new();
    if let Some((argv, line)) = &fallback {
        match index.browser_fallback() {
            Some((given, f, at)) if given == argv.as_slice() => {
                let _ = (f, at);
            }
            Some((_, f, at)) => {
                return Err(EditError::Refused {
                    message: format!(
                        "line {line}: `[browser] fallback` is given differently at {}:{}; nothing was written",
                        f.path, at.line
                    ),
                    details: Vec::new(),
                });
            }
            None => {
                programs.push(format!("line {line}: [browser] fallback = {argv:?}"));
                appended.push_str(&format!(
                    "\n[browser]\nfallback = [{}]\n",
                    argv.iter()
                        .map(|a| toml_edit::Value::from(a.as_str()).to_string().trim().to_owned())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    for app in &apps {
        match index.app(&app.app).and_then(|a| index.app_def_place(a)) {
            Some((file, def)) => {
                let differs = app.differs_from(def);
                if !differs.is_empty() {
                    return Err(EditError::Refused {
                        message: format!(
                            "line {}: `{}` is defined differently at {}:{} ({}); change it there, or leave it out \
                             of the input; nothing was written",
                            app.line,
                            app.app,
                            file.path,
                            def.at.line,
                            differs.join(", ")
                        ),
                        details: Vec::new(),
                    });
                }
            }
            None => {
                if !app.open_with.is_empty() {
                    programs.push(format!("line {}: `{}` open_with = {:?}", app.line, app.app, app.open_with));
                }
                if let Some(native) = &app.native {
                    programs.push(format!("line {}: `{}` native = {native:?}", app.line, app.app));
                }
                let mut text = document::app_text(&app.app, app.name.as_deref(), app.url.as_deref());
                if let Some(native) = &app.native {
                    text.push_str(&format!(
                        "native = {}\n",
                        toml_edit::Value::from(native.as_str()).to_string().trim()
                    ));
                }
                for (key, values) in
                    [("formerly", &app.formerly), ("schemes", &app.schemes), ("open_with", &app.open_with)]
                {
                    if !values.is_empty() {
                        let list: Vec<String> = values
                            .iter()
                            .map(|f| toml_edit::Value::from(f.as_str()).to_string().trim().to_owned())
                            .collect();
                        text.push_str(&format!("{key} = [{}]\n", list.join(", ")));
                    }
                }
                appended.push_str(&text);
                summary.apps_added += 1;
            }
        }
    }
    if !programs.is_empty() && !allow_programs {
        let mut details = programs;
        details.push("add `--allow-programs` if you trust the input to say what runs".into());
        return Err(EditError::Refused {
            message: "the input would add programs that run when a link is opened; nothing was written".into(),
            details,
        });
    }
    // Pass 1: each record's group, and which of its links are new (`dest`).
    let mut groups: Vec<Group> = Vec::new();
    let mut dest: Vec<u32> = vec![NOWHERE; records.link_count()];
    {
        // Pairs this import places (App ID by its number in `records`), and where.
        let mut placed: HashMap<(u32, &str), u32> = HashMap::new();
        let mut joined: HashMap<(Kind, String, PathBuf), u32> = HashMap::new();
        for record in records.iter() {
            if record.links().is_empty() {
                summary.skipped.push(format!("line {}: `{}` has no links", record.line, record.name));
                continue;
            }
            let mut home: Option<u32> = None;
            for link in records.links_of(record) {
                let app = index.app(link.app);
                if let Some(existing) = app.and_then(|a| index.link(a, link.id)) {
                    let r = index.record_of(&existing);
                    if r.kind != record.kind {
                        return Err(EditError::Refused {
                            message: format!(
                                "line {}: `{} {}` is on the {} `{}` ({}:{}), not a {}",
                                record.line,
                                link.app,
                                link.id,
                                r.kind,
                                index.record_name(r),
                                existing.file.path,
                                existing.at().line,
                                record.kind
                            ),
                            details: vec!["nothing was written".into()],
                        });
                    }
                    if let Some(url) = link.url
                        && existing.url().is_some_and(|u| u != url)
                    {
                        return Err(EditError::Refused {
                            message: format!(
                                "line {}: `{} {}` has another URL in {}:{} ({})",
                                record.line,
                                link.app,
                                link.id,
                                existing.file.path,
                                existing.at().line,
                                existing.url().unwrap_or("")
                            ),
                            details: vec!["nothing was written".into()],
                        });
                    }
                    if home.is_none() {
                        let (file, def) = index.record_defs(r).next().expect("a record has a definition");
                        let key = (r.kind, file.record_name(def).to_owned(), PathBuf::from(&file.path));
                        let g = *joined.entry(key.clone()).or_insert_with(|| {
                            groups.push(Group::Joined(Box::new(key)));
                            groups.len() as u32 - 1
                        });
                        home = Some(g);
                    }
                } else if let Some(&g) = placed.get(&(link.app_at, link.id)) {
                    // A pair this import placed names one record too: of one kind.
                    let (kind, name) = target_of(&records, &groups[g as usize]);
                    if kind != record.kind {
                        return Err(EditError::Refused {
                            message: format!(
                                "line {}: `{} {}` is on the {kind} `{name}` (earlier in the input), not a {}",
                                record.line, link.app, link.id, record.kind
                            ),
                            details: vec!["nothing was written".into()],
                        });
                    }
                    home.get_or_insert(g);
                }
            }
            // New: in no file, and placed by no earlier record.
            let fresh: Vec<usize> = record
                .links()
                .filter(|&n| {
                    let l = records.link(n);
                    index.app(l.app).is_none_or(|a| index.link(a, l.id).is_none())
                        && !placed.contains_key(&(l.app_at, l.id))
                })
                .collect();
            let g = match home {
                Some(g) => {
                    summary.records_merged += 1;
                    g
                }
                None => {
                    summary.records_created += 1;
                    groups.push(Group::Created(record.position as u32));
                    groups.len() as u32 - 1
                }
            };
            summary.links_added += fresh.len();
            for n in fresh {
                dest[n] = g;
                let l = records.link(n);
                placed.insert((l.app_at, l.id), g);
            }
        }
    }
    // Pass 2: the links of each group, in input order (a counting sort of `dest`).
    let mut starts = vec![0u32; groups.len() + 1];
    for &g in dest.iter().filter(|g| **g != NOWHERE) {
        starts[g as usize + 1] += 1;
    }
    for g in 0..groups.len() {
        starts[g + 1] += starts[g];
    }
    let mut order = vec![0u32; starts[groups.len()] as usize];
    let mut next = starts.clone();
    for (n, &g) in dest.iter().enumerate().filter(|(_, g)| **g != NOWHERE) {
        order[next[g as usize] as usize] = n as u32;
        next[g as usize] += 1;
    }
    drop(next);
    let of_group =
        |g: usize| order[starts[g] as usize..starts[g + 1] as usize].iter().map(|&n| records.link(n as usize));
    for (g, group) in groups.iter().enumerate() {
        let Group::Joined(joined) = group else { continue };
        let (kind, name, file) = &**joined;
        let links: Vec<NewLink> = of_group(g).map(LinkRef::to_new).collect();
        if links.is_empty() {
            continue;
        }
        let text = edit.text(file)?;
        let mut doc = document::parse(&text).map_err(EditError::Invalid)?;
        if !document::add_links(&mut doc, *kind, name, &links) {
            return Err(EditError::Invalid(format!("cannot find the {kind} `{name}` in {}", file.display())));
        }
        edit.set(file, doc.to_string())?;
    }
    let creates = groups.iter().any(|g| matches!(g, Group::Created(_)));
    if !appended.is_empty() || creates {
        // The new records are written straight onto the target's text: no second copy.
        let mut out = edit.text(&target)?;
        if !appended.is_empty() {
            document::push_block(&mut out, &appended);
        }
        let mut block = String::new();
        for (g, group) in groups.iter().enumerate() {
            let Group::Created(r) = group else { continue };
            let record = records.record(*r as usize);
            block.clear();
            document::push_record(
                &mut block,
                record.kind,
                record.name,
                of_group(g).map(|l| document::link_text(l.app, l.id, l.url, l.name)),
            );
            document::push_block(&mut out, &block);
            if out.len() as u64 > crate::catalog::MAX_FILE {
                // Said now, not after building the rest (what `Edit::check` would say).
                return Err(EditError::too_large(&target));
            }
        }
        out.shrink_to_fit();
        edit.set(&target, out)?;
    }
    drop(order);
    if dest.iter().any(|g| *g != NOWHERE) {
        edit.expect(Effect::Placed(std::sync::Arc::new(Placed { records, groups, dest })));
    }
    Ok((edit, summary))
}
