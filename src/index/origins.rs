//! The web origins an index names, for the browser extension (README: "In the browser"):
//! it sends a tab's URL to the daemon only when the tab's origin is one of these, and it
//! routes navigations to the origins of apps that say how to open their links.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use super::Index;
use crate::url_parts::UrlParts;

/// What `/api/v1/origins` answers.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Origins {
    /// `https://acme.zendesk.com`: every `http`/`https` origin an app's template or a link's
    /// `url` names, lower-case, sorted.
    pub origins: Vec<String>,
    /// Apps that open their links outside the browser (`native`, `open_with`), each with
    /// the web origins of its URLs.
    pub routed: Vec<Routed>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Routed {
    pub app: String,
    pub app_name: String,
    pub origins: Vec<String>,
    pub native: bool,
    pub open_with: bool,
}

/// The web origin a browser gives a page at `origin` (`scheme://[userinfo@]host[:port]`):
/// `http` and `https` only, without the userinfo, which no browser origin has (and which
/// the answer must not publish: a link's `url` may carry a password).
fn web(origin: &str) -> Option<Cow<'_, str>> {
    let rest = origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://"))?;
    Some(match rest.rsplit_once('@') {
        Some((_, host)) => Cow::Owned(format!("{}{host}", &origin[..origin.len() - rest.len()])),
        None => Cow::Borrowed(origin),
    })
}

impl Index {
    /// The origins (see the module doc). One pass over the links that write a `url`;
    /// the daemon computes it once per reload.
    pub fn origins(&self) -> Origins {
        let mut all = BTreeSet::new();
        let mut by_app: BTreeMap<u32, BTreeSet<String>> = BTreeMap::new();
        for (app, inverse) in &self.reverse().templates {
            if let Some(origin) = web(inverse.origin()) {
                all.insert(origin.to_string());
                by_app.entry(*app).or_default().insert(origin.into_owned());
            }
        }
        for entry in 0..self.entry_count() as u32 {
            if self.entry_conflicted(entry) {
                continue;
            }
            if let Some(origin) = self.entry_url(entry).and_then(|url| web(UrlParts::of(url).origin)) {
                if !all.contains(origin.as_ref()) {
                    all.insert(origin.to_string());
                }
                let app = self.entries[entry as usize].app;
                let set = by_app.entry(app).or_default();
                if !set.contains(origin.as_ref()) {
                    set.insert(origin.into_owned());
                }
            }
        }
        let routed = by_app
            .into_iter()
            .filter_map(|(number, origins)| {
                let app = self.app_at(number);
                let (native, open_with) = (self.native(app).is_some(), self.open_with(app).is_some());
                (native || open_with).then(|| Routed {
                    app: app.id.as_str().to_owned(),
                    app_name: self.app_name(app).unwrap_or(app.id.as_str()).to_owned(),
                    origins: origins.into_iter().collect(),
                    native,
                    open_with,
                })
            })
            .collect();
        Origins { origins: all.into_iter().collect(), routed }
    }
}

#[cfg(test)]
mod tests {
    use crate::catalog::Catalog;

    #[test]
    fn origins_are_what_a_browser_calls_them_without_userinfo() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("links.toml"),
            "[apps.\"crm.example\"]\nurl = \"https://bot:token@crm.example/c/{id}\"\nopen_with = [\"crm\"]\n\n\
             [[person]]\nname = \"Ada\"\nlinks = [\n  { app = \"crm.example\", id = \"1\" },\n  \
             { app = \"wiki.example\", id = \"2\", url = \"https://user:pw@Wiki.Example:8443/p/2\" },\n]\n",
        )
        .unwrap();
        let index = Catalog::load(vec![dir.path().join("links.toml")]).index();
        let origins = index.origins();
        assert_eq!(origins.origins, ["https://crm.example", "https://wiki.example:8443"]);
        assert_eq!(origins.routed[0].origins, ["https://crm.example"]);
        let text = serde_json::to_string(&origins).unwrap();
        assert!(!text.contains("pw") && !text.contains("token"), "{text}");
    }
}
