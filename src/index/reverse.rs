//! `Reverse`: the index's reverse part, for identifying App URLs (README: identify): link URLs
//! hashed by origin, path and one query parameter (a 4-byte slot per link with a URL;
//! lookups probe once per parameter of the App URL and allocate nothing), and the
//! templates' inverses by origin. Built with the index and patched with it; the
//! matching itself is `identify`'s.

use hashbrown::HashMap;

use super::{Index, Sharded};
use crate::diagnostic::{Diagnostic, Label, Location};
use crate::template::{Inverse, NotInvertible};
use crate::url_parts::UrlParts;

#[derive(Clone, Default)]
pub(crate) struct Reverse {
    /// Entries (pairs) whose link has a `url`, by `url_key` of that URL.
    pub(crate) urls: Sharded,
    /// Each invertible template with its app, most literal text first.
    pub(crate) templates: Vec<(u32, Inverse)>,
    /// Positions in `templates`, by the origin its URLs have.
    pub(crate) by_origin: HashMap<Box<str>, Vec<u32>>,
}

/// The hash a link URL is filed under: origin, path without a trailing `/`, and one
/// query parameter (the link's first; an App URL is probed with each of its own).
pub(crate) fn url_key(parts: &UrlParts<'_>, param: &str) -> u64 {
    use std::hash::BuildHasher;
    static HASHER: std::sync::OnceLock<hashbrown::DefaultHashBuilder> = std::sync::OnceLock::new();
    HASHER.get_or_init(Default::default).hash_one((parts.origin, parts.trimmed_path(), param))
}

fn link_key(url: &str) -> u64 {
    let parts = UrlParts::of(url);
    url_key(&parts, parts.params().next().unwrap_or(""))
}

impl Reverse {
    /// Files every entry whose link has a URL, and inverts every app's template.
    pub(crate) fn build(index: &Index, diagnostics: &mut Vec<Diagnostic>) -> Reverse {
        let mut reverse = Reverse::default();
        let count = index.entry_count();
        let keys: Vec<Option<u64>> = (0..count as u32)
            .map(|e| if index.entry_conflicted(e) { None } else { index.entry_url(e).map(link_key) })
            .collect();
        reverse.urls =
            Sharded::with_capacity(keys.iter().flatten().count(), |&e| link_key(index.entry_url(e).unwrap_or("")));
        for (e, key) in keys.into_iter().enumerate() {
            if let Some(key) = key {
                reverse.urls.insert_unique(key, e as u32, |&e| link_key(index.entry_url(e).unwrap_or("")));
            }
        }
        Reverse::build_templates(index, diagnostics, reverse)
    }

    /// `reverse` with every app's template inverted (those it had are replaced), most
    /// literal text first, then in the order of the apps' definitions. Templates that
    /// cannot be inverted are reported as notes (or warnings).
    pub(crate) fn build_templates(index: &Index, diagnostics: &mut Vec<Diagnostic>, mut reverse: Reverse) -> Reverse {
        reverse.templates.clear();
        reverse.by_origin.clear();
        for app in index.apps() {
            let Some(template) = index.template(app) else { continue };
            match template.inverse(app.id.as_str()) {
                Ok(inverse) => reverse.templates.push((index.app_index(app), inverse)),
                Err(why) => {
                    let (file, def) = index.app_def_place(app).expect("a template comes from a definition");
                    let label = Label::at(
                        Location { file: file.path.clone(), line: def.at.line, column: def.at.column },
                        "this app's template",
                    );
                    let message = format!("App URLs of `{}` cannot be identified: its URL template {why}", app.id);
                    diagnostics.push(match why {
                        NotInvertible::NoId => Diagnostic::warning(message, label)
                            .with_hint(Some("every id goes to the same page; put `{id}` where the id belongs")),
                        _ => Diagnostic::note(message, label),
                    });
                }
            }
        }
        reverse
            .templates
            .sort_by_key(|(app, inverse)| (std::cmp::Reverse(inverse.literal_len), index.app_at(*app).def_place()));
        for (n, (_, inverse)) in reverse.templates.iter().enumerate() {
            reverse.by_origin.entry(inverse.origin().into()).or_default().push(n as u32);
        }
        reverse
    }

    /// Heap bytes held: the link URL table, and the template inverses (approximately).
    pub(crate) fn heap_bytes(&self) -> usize {
        self.urls.allocation_size()
            + self.templates.capacity() * std::mem::size_of::<(u32, Inverse)>()
            + self.by_origin.allocation_size()
    }

    /// After a patch that changed link URLs: refiles the entry of each changed link.
    /// `changed` holds, for each, the entry and its old and new URL.
    pub(crate) fn refile(&mut self, index: &Index, changed: &[(u32, Option<String>)]) {
        for (entry, old) in changed {
            if let Some(old) = old {
                self.urls.remove(link_key(old), |e| e == entry);
            }
            if let Some(new) = index.entry_url(*entry) {
                self.urls.insert_unique(link_key(new), *entry, |&e| link_key(index.entry_url(e).unwrap_or("")));
            }
        }
    }
}
