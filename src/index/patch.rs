//! Reloads without a full build (issue 12: at a million links an edit is served within
//! 100 ms; a build takes half a second). The index is copied (cheaply: its big parts
//! are shared, see `shared`) and only what the changed file touches is redone.
//!
//! - `patch`: files that kept their shape (same apps, records and pairs; URLs, names and
//!   places may differ).
//! - `patch_file`: one file whose records were added, removed or replaced anywhere, or
//!   that defines new apps, as long as no merge, conflict or app-level problem comes
//!   or goes: then the answers are exactly a build's. Anything else: `None`, and the
//!   caller builds. Records and apps keep a build's order (`order`; `apps()` sorts).
//!
//! Every renumbering maps old numbers to new ones reading the old index and writing
//! the copy: a number read back from the copy may already be a new one, and moving it
//! again puts it on another app's or record's definition (issue 18, found twice).

use std::ops::Range;
use std::sync::Arc;

use super::{Entry, Index, NO_RECORD, Record, Snippets, entry_hash, url_key};
use crate::app_id::AppId;
use crate::parsed_file::{AppDef, LinkDef, ParsedFile, RecordDef, pair_hash};
use crate::url_parts::UrlParts;

/// An entry a patch removed: in no table, on no record.
const DEAD: u32 = u32::MAX;

/// What an edit of one file did (`Index::diff_file`), in the old and new versions'
/// numbers: records `removed` from the old one where `added` are in the new one, the
/// rest the same before and after them.
struct FileEdit {
    position: usize,
    pos: u32,
    /// For each app the new version defines: the old definition it is, or `None` (new).
    app_map: Vec<Option<usize>>,
    /// The index's numbers of the old version's link App IDs.
    old_apps: Vec<u32>,
    removed: Range<usize>,
    added: Range<usize>,
    /// The new version's records after the edit (the old ones, moved by `record_shift`).
    moved: Range<usize>,
    /// The old version's first link of the removed records, and first link after them.
    old_first: usize,
    old_end: usize,
    link_shift: i64,
    record_shift: i64,
    /// The merged records the removed ones are.
    removed_records: Vec<u32>,
    /// Where in `order` the edit's records are.
    split: usize,
}

impl Index {
    /// The index with some files replaced by new versions (see the module's doc).
    pub fn patch(&self, replaced: &[(usize, Arc<ParsedFile>)]) -> Option<Index> {
        if let [(position, new)] = replaced
            && let Some(old) = self.files.get(*position)
            && !same_shape(old, new)
        {
            return self.patch_file(*position, new);
        }
        let mut snippets = Snippets::default();
        let mut new_diagnostics = Vec::new();
        let mut refile = Vec::new();
        for (position, new) in replaced {
            let old = self.files.get(*position)?;
            let p = *position as u32;
            if !same_shape(old, new) {
                return None;
            }
            // A naming warning's place is rendered once; if places move, only a build renders it again.
            if self.name_warnings.iter().any(|(f, _, _)| *f == p)
                && old.links.iter().zip(&new.links).any(|(a, b)| a.at != b.at)
            {
                return None;
            }
            let apps = self.file_apps(new)?;
            for (l, (old_def, def)) in old.links.iter().zip(&new.links).enumerate() {
                let differs =
                    old.link_url(old_def) != new.link_url(def) || old.link_name(old_def) != new.link_name(def);
                if differs && self.dup_links.contains(&(p, l as u32)) {
                    return None; // a pair defined elsewhere too: a conflict or warning may come or go
                }
                let app = apps[def.app as usize];
                let (_, was_applied) = self.check_link(old, old_def, app, &mut Snippets::none());
                let (problem, applied) = self.check_link(new, def, app, &mut snippets);
                if applied != was_applied {
                    return None;
                }
                new_diagnostics.extend(problem.map(|d| (p, d)));
                // The link's entry, if it is its pair's, files under its new URL.
                if old.link_url(old_def) != new.link_url(def)
                    && let Some(e) = self.entry_of_link(p, old, l as u32, app)
                {
                    refile.push((e, old.link_url(old_def).map(str::to_owned)));
                }
            }
        }
        let mut index = self.clone();
        for (position, new) in replaced {
            index.files[*position] = new.clone();
        }
        let mut reverse = std::mem::take(&mut index.reverse);
        reverse.refile(&index, &refile);
        index.reverse = reverse;
        index.link_diagnostics.retain(|(f, _)| !replaced.iter().any(|(p, _)| *p as u32 == *f));
        index.link_diagnostics.extend(new_diagnostics);
        index.collect_diagnostics();
        Some(index)
    }

    /// The index numbers of the App IDs a file's links name (`None` if one is unknown).
    fn file_apps(&self, file: &ParsedFile) -> Option<Vec<u32>> {
        file.link_apps.iter().map(|a| self.app_names.get(a.as_str()).copied()).collect()
    }

    /// The pair hash of a file's link, as the pair table files it (under its app's App ID).
    fn link_hash(&self, file: &ParsedFile, l: u32, app: u32) -> u64 {
        pair_hash(self.apps[app as usize].id.as_str(), file.link_id(&file.links[l as usize]))
    }

    /// The entry that link `l` of `file` (at `position`) defines, if its pair is its own.
    fn entry_of_link(&self, position: u32, file: &ParsedFile, l: u32, app: u32) -> Option<u32> {
        let hash = self.link_hash(file, l, app);
        self.pairs
            .find(hash, |&e| {
                let e = &self.entries[e as usize];
                e.file == position && e.link == l
            })
            .copied()
    }

    /// The merged record a file's record definition belongs to.
    fn merged_of(&self, position: u32, file: &ParsedFile, r: u32, apps: &[u32]) -> Option<u32> {
        for l in file.records[r as usize].links.clone() {
            let app = apps[file.links[l as usize].app as usize];
            let hash = self.link_hash(file, l, app);
            let id = file.link_id(&file.links[l as usize]);
            let found = self.pairs.find(hash, |&e| {
                let e = &self.entries[e as usize];
                e.app == app && self.files[e.file as usize].link_id(self.def(e)) == id
            });
            if let Some(&e) = found
                && self.entries[e as usize].record != NO_RECORD
            {
                return Some(self.entries[e as usize].record);
            }
        }
        // No link says (none applied, or all in conflict): look among the definitions.
        (0..self.records.len() as u32).find(|&m| {
            let range = &self.records[m as usize].defs;
            self.record_defs.range(range.start as usize..range.end as usize).any(|&d| d == (position, r))
        })
    }

    /// The key records are ordered by: their first definition's (file, record).
    fn record_key(&self, m: u32) -> (u32, u32) {
        self.record_defs[self.records[m as usize].defs.start as usize]
    }

    /// The index with one file replaced by a version with records added, removed or
    /// replaced anywhere, or new apps (see the module's doc). `None` when only a build will do.
    ///
    /// The steps: find what the edit did, comparing the two versions and the old index
    /// (nothing is changed until it is known a patch can do it); then, on a copy,
    /// renumber the file's app definitions, add the new apps, remove the removed
    /// records, move what follows the edit, add the added records, and bring up to date
    /// what is derived from all of it (App Names, templates, URLs, problems). Every
    /// step reads old numbers from `self`, never from the copy it changes.
    pub(super) fn patch_file(&self, position: usize, new: &Arc<ParsedFile>) -> Option<Index> {
        let edit = self.diff_file(position, new)?;
        let mut index = self.clone();
        self.renumber_app_defs(&mut index, &edit);
        let new_apps = index.add_apps(new, &edit)?;
        self.remove_records(&mut index, &edit);
        self.move_records_after_the_edit(&mut index, new, &edit)?;
        index.files[position] = new.clone();
        let refile = index.add_records(new, &edit, &new_apps)?;
        index.update_derived(new, &edit, &new_apps, &refile)?;
        Some(index)
    }

    /// Step 1: what an edit of the file at `position` did, if a patch can apply it.
    fn diff_file(&self, position: usize, new: &ParsedFile) -> Option<FileEdit> {
        let old = &self.files[position];
        let pos = position as u32;
        if old.browser_fallback != new.browser_fallback || !contiguous(old) || !contiguous(new) {
            return None;
        }
        // Problems of this file's apps and aliases are rendered with places that may move.
        if self.app_diagnostics.iter().any(|d| d.labels.iter().any(|l| l.location.file == old.path)) {
            return None;
        }
        let app_map = self.match_apps(old, new)?;
        let old_apps = self.file_apps(old)?;
        let (prefix, suffix) = unchanged_records(old, new);
        let (on, nn) = (old.records.len(), new.records.len());
        let link_end =
            |file: &ParsedFile, at: usize| file.records.get(at).map_or(file.links.len(), |r| r.links.start as usize);
        let (old_end, new_end) = (link_end(old, on - suffix), link_end(new, nn - suffix));
        let mut edit = FileEdit {
            position,
            pos,
            app_map,
            old_apps,
            removed: prefix..on - suffix,
            added: prefix..nn - suffix,
            moved: nn - suffix..nn,
            old_first: link_end(old, prefix),
            old_end,
            link_shift: new_end as i64 - old_end as i64,
            record_shift: nn as i64 - on as i64,
            removed_records: Vec::new(),
            split: 0,
        };
        self.name_warnings_stay(old, new, &edit)?;
        edit.removed_records = self.removed_records(old, &edit)?;
        self.link_named_apps_stay(old, new, &edit)?;
        let removed_links: usize = edit.removed.clone().map(|r| old.records[r].links.len()).sum();
        if self.dead_entries as usize + removed_links > self.entries.len() / 4 + 1024 {
            return None; // enough removed slots: a build compacts them
        }
        edit.split = self.split_of_order(&edit)?;
        Some(edit)
    }

    /// For each app the new file defines: the old definition it is (in order; places
    /// may move), or `None` for a new App ID without aliases. `None` if an old one went.
    fn match_apps(&self, old: &ParsedFile, new: &ParsedFile) -> Option<Vec<Option<usize>>> {
        let mut app_map = Vec::with_capacity(new.apps.len());
        let mut kept = 0;
        for def in &new.apps {
            if kept < old.apps.len() && same_app(&old.apps[kept], def) {
                app_map.push(Some(kept));
                kept += 1;
            } else if !self.app_names.contains_key(def.id.as_str()) && def.formerly.is_empty() {
                app_map.push(None);
            } else {
                return None;
            }
        }
        (kept == old.apps.len()).then_some(app_map)
    }

    /// Naming warnings are rendered with their places: those must not move.
    fn name_warnings_stay(&self, old: &ParsedFile, new: &ParsedFile, edit: &FileEdit) -> Option<()> {
        for (_, l, _) in self.name_warnings.iter().filter(|(f, _, _)| *f == edit.pos) {
            let l = *l as usize;
            let moved = match l {
                l if l < edit.old_first => Some(l),
                l if l >= edit.old_end => Some((l as i64 + edit.link_shift) as usize),
                _ => None,
            };
            if moved.is_none_or(|m| old.links[l].at != new.links[m].at) {
                return None;
            }
        }
        Some(())
    }

    /// The merged records the removed record definitions are: each must be a record of
    /// its own, with no pair shared with another.
    fn removed_records(&self, old: &ParsedFile, edit: &FileEdit) -> Option<Vec<u32>> {
        let mut removed_records = Vec::new();
        for r in edit.removed.clone() {
            if old.records[r].links.clone().any(|l| self.dup_links.contains(&(edit.pos, l))) {
                return None;
            }
            let m = self.merged_of(edit.pos, old, r as u32, &edit.old_apps)?;
            if self.records[m as usize].defs.len() != 1 {
                return None;
            }
            removed_records.push(m);
        }
        Some(removed_records)
    }

    /// Apps that only links name must not vanish with them (a build would drop them).
    fn link_named_apps_stay(&self, old: &ParsedFile, new: &ParsedFile, edit: &FileEdit) -> Option<()> {
        for (a, &app) in edit.old_apps.iter().enumerate() {
            let app_ref = &self.apps[app as usize];
            if app_ref.def.is_none()
                && !new.link_apps.contains(&old.link_apps[a])
                && !self
                    .files
                    .iter()
                    .enumerate()
                    .any(|(f, file)| f != edit.position && file.link_apps.contains(&app_ref.id))
            {
                return None;
            }
        }
        Some(())
    }

    /// Where in `order` the edit's records go, found before anything moves; the removed
    /// ones must be there.
    fn split_of_order(&self, edit: &FileEdit) -> Option<usize> {
        let key = (edit.pos, edit.removed.start as u32);
        let (mut lo, mut hi) = (0, self.order.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if self.record_key(self.order[mid]) < key {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let removed = &edit.removed_records;
        let found = self.order.range(lo..lo + removed.len().min(self.order.len() - lo)).copied();
        found.eq(removed.iter().copied()).then_some(lo)
    }

    /// Step 2: the file's app definitions get their new numbers (new apps inserted
    /// anywhere move the old ones down). Each app's old place is read from `self`: in
    /// the copy, an app already moved would be moved again onto another's definition.
    fn renumber_app_defs(&self, index: &mut Index, edit: &FileEdit) {
        let old_count = edit.app_map.iter().flatten().count();
        let mut new_number = vec![0u32; old_count];
        for (a, old_a) in edit.app_map.iter().enumerate() {
            if let Some(old_a) = old_a {
                new_number[*old_a] = a as u32;
            }
        }
        let renumber = |place: (u32, u32)| match place {
            (f, d) if f == edit.pos => (f, new_number[d as usize]),
            other => other,
        };
        for (app, was) in index.apps.iter_mut().zip(&self.apps) {
            app.def = was.def.map(renumber);
            for (also, was) in app.also.iter_mut().zip(&was.also) {
                *also = renumber(*was);
            }
        }
    }

    /// Step 3: the new apps, numbered after the others (`apps()` lists them in a
    /// build's order): those the file defines, then those only its links name, new
    /// everywhere, as a build adds them. Returns the numbers of the new file's link App IDs.
    fn add_apps(&mut self, new: &ParsedFile, edit: &FileEdit) -> Option<Vec<u32>> {
        let defined = edit.app_map.iter().zip(&new.apps).enumerate().filter(|(_, (mapped, _))| mapped.is_none());
        let defined: Vec<(u32, &AppId)> = defined.map(|(a, (_, def))| (a as u32, &def.id)).collect();
        for (a, id) in defined {
            self.push_app(id, Some((edit.pos, a)));
        }
        for id in &new.link_apps {
            if !self.app_names.contains_key(id.as_str()) {
                self.push_app(id, None);
            }
        }
        let old = &self.files[edit.position];
        // Which file first names an app only links name may have changed, or apps come.
        self.apps_reordered |= old.link_apps != new.link_apps || edit.app_map.iter().any(Option::is_none);
        self.file_apps(new)
    }

    fn push_app(&mut self, id: &AppId, def: Option<(u32, u32)>) {
        let number = self.apps.len() as u32;
        self.app_names.insert(id.as_str().into(), number);
        self.apps.push(super::App { id: id.clone(), number, def, link_name: None, also: Vec::new(), conflict: None });
    }

    /// Step 4: the removed records' pairs leave every table; their slots stay, dead.
    fn remove_records(&self, index: &mut Index, edit: &FileEdit) {
        let old = &self.files[edit.position];
        for r in edit.removed.clone() {
            for l in old.records[r].links.clone() {
                let app = edit.old_apps[old.links[l as usize].app as usize];
                let Some(e) = self.entry_of_link(edit.pos, old, l, app) else { continue };
                index.pairs.remove(self.link_hash(old, l, app), |&x| x == e);
                if let Some(url) = old.link_url(&old.links[l as usize]) {
                    let parts = UrlParts::of(url);
                    index.reverse.urls.remove(url_key(&parts, parts.params().next().unwrap_or("")), |&x| x == e);
                }
                index.entries[e as usize] = Entry { file: DEAD, link: DEAD, app, record: NO_RECORD };
                index.dead_entries += 1;
            }
        }
        for &m in &edit.removed_records {
            index.records[m as usize] = Record { kind: self.records[m as usize].kind, defs: 0..0, entries: 0..0 };
        }
    }

    /// Step 5: records after the edit moved in the file: their entries, definitions,
    /// duplicate links, conflicts and link-given names follow.
    fn move_records_after_the_edit(&self, index: &mut Index, new: &ParsedFile, edit: &FileEdit) -> Option<()> {
        if edit.link_shift == 0 && edit.record_shift == 0 {
            return Some(());
        }
        let (old, pos) = (&self.files[edit.position], edit.pos);
        for r_new in edit.moved.clone() {
            let r_old = (r_new as i64 - edit.record_shift) as u32;
            for l_new in new.records[r_new].links.clone() {
                let l_old = (l_new as i64 - edit.link_shift) as u32;
                let app = edit.old_apps[old.links[l_old as usize].app as usize];
                if let Some(e) = self.entry_of_link(pos, old, l_old, app) {
                    index.entries[e as usize].link = l_new;
                }
            }
            let m = self.merged_of(pos, old, r_old, &edit.old_apps)?;
            for d in self.records[m as usize].defs.clone() {
                // Found in the old index's list: the copy's may already hold a moved one.
                if self.record_defs[d as usize] == (pos, r_old) {
                    index.record_defs[d as usize] = (pos, r_new as u32);
                }
            }
        }
        let shift = |l: u32| if l as usize >= edit.old_end { (l as i64 + edit.link_shift) as u32 } else { l };
        index.dup_links = self.dup_links.iter().map(|&(f, l)| if f == pos { (f, shift(l)) } else { (f, l) }).collect();
        for (conflict, was) in index.pair_conflicts.iter_mut().zip(&self.pair_conflicts) {
            for (def, was) in conflict.defs.iter_mut().zip(&was.defs).filter(|(_, was)| was.0 == pos) {
                def.1 = shift(was.1);
            }
        }
        for (app, was) in index.apps.iter_mut().zip(&self.apps) {
            if let Some((f, l)) = was.link_name
                && f == pos
            {
                app.link_name = Some((f, shift(l)));
            }
        }
        Some(())
    }

    /// Step 6: the added records, each of pairs new everywhere, and their place in
    /// `order`. Returns the entries to file under their URLs.
    fn add_records(
        &mut self,
        new: &ParsedFile,
        edit: &FileEdit,
        new_apps: &[u32],
    ) -> Option<Vec<(u32, Option<String>)>> {
        let pos = edit.pos;
        let mut new_records = Vec::new();
        let mut refile = Vec::new();
        for r in edit.added.clone() {
            let record = &new.records[r];
            let m = self.records.len() as u32;
            let first_entry = self.record_entries.len() as u32;
            for l in record.links.clone() {
                let def = &new.links[l as usize];
                let app = new_apps[def.app as usize];
                if !self.check_link(new, def, app, &mut Snippets::none()).1 {
                    continue;
                }
                let id = new.link_id(def);
                if self.entry(&self.apps[app as usize], id).is_some() {
                    return None; // a merge or a conflict, for a build to settle
                }
                let hash = self.link_hash(new, l, app);
                let e = self.entries.len() as u32;
                self.entries.push(Entry { file: pos, link: l, app, record: m });
                let Index { entries, pairs, apps, files, .. } = self;
                pairs.insert_unique(hash, e, |&x| entry_hash(files, apps, &entries[x as usize]));
                self.record_entries.push(e);
                refile.push((e, None));
            }
            let def_at = self.record_defs.len() as u32;
            self.record_defs.push((pos, r as u32));
            self.records.push(Record {
                kind: record.kind,
                defs: def_at..def_at + 1,
                entries: first_entry..self.record_entries.len() as u32,
            });
            new_records.push(m);
        }
        let split = edit.split;
        let tail: Vec<u32> = self.order.range(split + edit.removed_records.len()..self.order.len()).copied().collect();
        self.order.splice_tail(split, new_records.into_iter().chain(tail));
        for chunked in [&mut self.order, &mut self.record_entries] {
            chunked.shrink_to_fit();
        }
        self.entries.shrink_to_fit();
        self.records.shrink_to_fit();
        self.record_defs.shrink_to_fit();
        Some(refile)
    }

    /// Step 7: what is derived from the rest: the first App Name links give, templates
    /// of new apps (for identify), the URL table, this file's links' problems.
    fn update_derived(
        &mut self,
        new: &ParsedFile,
        edit: &FileEdit,
        new_apps: &[u32],
        refile: &[(u32, Option<String>)],
    ) -> Option<()> {
        // This file's names may have come, gone or moved.
        for &app in new_apps.iter().chain(&edit.old_apps) {
            self.apps[app as usize].link_name = self.first_link_name(app);
        }
        if edit.app_map.iter().any(Option::is_none) {
            let new_defs = edit.app_map.iter().zip(&new.apps).filter(|(mapped, _)| mapped.is_none());
            if new_defs
                .into_iter()
                .any(|(_, def)| def.template.as_ref().is_some_and(|t| t.inverse(def.id.as_str()).is_err()))
            {
                return None; // a template that cannot be inverted: a build reports it
            }
            // (The other apps' notes are the build's, already in `app_diagnostics`.)
            let taken = std::mem::take(&mut self.reverse);
            self.reverse = super::Reverse::build_templates(self, &mut Vec::new(), taken);
        }
        let mut reverse = std::mem::take(&mut self.reverse);
        reverse.refile(self, refile);
        self.reverse = reverse;
        // This file's links' problems, in a build's order.
        self.link_diagnostics.retain(|(f, _)| *f != edit.pos);
        let mut snippets = Snippets::default();
        for def in &new.links {
            let (problem, _) = self.check_link(new, def, new_apps[def.app as usize], &mut snippets);
            self.link_diagnostics.extend(problem.map(|d| (edit.pos, d)));
        }
        self.collect_diagnostics();
        Some(())
    }

    /// The first link (in file order, then each file's App IDs in order) giving `app` a
    /// name, as a build finds it.
    fn first_link_name(&self, app: u32) -> Option<(u32, u32)> {
        self.files.iter().enumerate().find_map(|(f, file)| {
            file.link_apps.iter().enumerate().find_map(|(a, id)| {
                (self.app_names.get(id.as_str()) == Some(&app))
                    .then_some(file.first_named[a])
                    .flatten()
                    .map(|l| (f as u32, l))
            })
        })
    }
}

/// How many records at the start (`prefix`) and at the end (`suffix`) of two versions
/// of a file are the same: the edit is what lies between.
fn unchanged_records(old: &ParsedFile, new: &ParsedFile) -> (usize, usize) {
    let same_record = |a: &RecordDef, b: &RecordDef| {
        a.kind == b.kind
            && old.record_name(a) == new.record_name(b)
            && a.links.len() == b.links.len()
            && a.links
                .clone()
                .zip(b.links.clone())
                .all(|(x, y)| same_link(old, &old.links[x as usize], new, &new.links[y as usize]))
    };
    let (on, nn) = (old.records.len(), new.records.len());
    let mut prefix = 0;
    while prefix < on.min(nn) && same_record(&old.records[prefix], &new.records[prefix]) {
        prefix += 1;
    }
    let mut suffix = 0;
    while suffix < (on - prefix).min(nn - prefix)
        && same_record(&old.records[on - 1 - suffix], &new.records[nn - 1 - suffix])
    {
        suffix += 1;
    }
    (prefix, suffix)
}

/// Two definitions of an app that mean the same (their places may differ).
fn same_app(a: &AppDef, b: &AppDef) -> bool {
    a.id == b.id
        && a.name == b.name
        && a.template == b.template
        && a.schemes == b.schemes
        && a.open_with == b.open_with
        && a.native == b.native
        && a.formerly.len() == b.formerly.len()
        && a.formerly.iter().zip(&b.formerly).all(|(x, y)| x.0 == y.0)
}

/// Two links that mean the same (their places may differ).
fn same_link(a_file: &ParsedFile, a: &LinkDef, b_file: &ParsedFile, b: &LinkDef) -> bool {
    a_file.link_app(a) == b_file.link_app(b)
        && a_file.link_id(a) == b_file.link_id(b)
        && a_file.link_url(a) == b_file.link_url(b)
        && a_file.link_name(a) == b_file.link_name(b)
}

/// Whether a file's records own its links back to back, in order (the loader's way).
fn contiguous(file: &ParsedFile) -> bool {
    let mut next = 0;
    file.records.iter().all(|r| {
        let ok = r.links.start == next;
        next = r.links.end;
        ok
    }) && next as usize == file.links.len()
}

/// Whether two versions of a file have the same shape: the same apps, records and
/// pairs in the same places of their lists, each link with or without URL and name
/// as before. Then an index built with one is right for the other too.
fn same_shape(old: &ParsedFile, new: &ParsedFile) -> bool {
    old.apps == new.apps
        && old.link_apps == new.link_apps
        && old.records.len() == new.records.len()
        && old.records.iter().zip(&new.records).all(|(a, b)| a.kind == b.kind && a.links == b.links)
        && old.links.len() == new.links.len()
        && old
            .links
            .iter()
            .zip(&new.links)
            .all(|(a, b)| a.app == b.app && old.link_id(a) == new.link_id(b) && a.url.is_some() == b.url.is_some())
        && old.named_links().eq(new.named_links())
}
