//! applinkd as the desktop's web-link router (SPEC §9): where a clicked URL goes.
//!
//! `route` decides, on the index, with identify (no second matcher): an App URL of an
//! app that says how to open its records goes to the app's `native` deep link (unless
//! `--web`), else to its `open_with` program; every other URL goes to the fallback
//! browser unchanged. `fallback` finds that browser (`[browser] fallback`, else the
//! handler `register --browser` replaced) and refuses loops back into applinkd.

pub mod desktop_exec;
pub mod fallback;

use serde_json::{Value, json};

use crate::index::Index;

/// Where a clicked URL goes, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub way: Way,
    /// The URL handed over: the deep link, the canonical App URL, or the URL as given.
    pub url: String,
    /// The app and id the URL is, when it is an App URL.
    pub record: Option<(String, String)>,
    pub app_name: Option<String>,
    /// Why this way, in words (for `open --dry-run`).
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Way {
    /// The app's `native` deep link, to the system opener (its scheme's handler).
    Native,
    /// The app's `open_with` program and arguments (URL appended).
    OpenWith(Vec<String>),
    /// The fallback browser, with the URL exactly as given.
    Fallback,
}

impl Way {
    pub fn name(&self) -> &'static str {
        match self {
            Way::Native => "native",
            Way::OpenWith(_) => "open_with",
            Way::Fallback => "fallback",
        }
    }
}

/// SPEC §9: where `open URL` (no `--to`) sends `url`. `web`: `--web`, the web URL
/// even where the app has a `native` deep link.
pub fn route(index: &Index, url: &str, web: bool) -> Route {
    let fallback = |why: String| Route { way: Way::Fallback, url: url.to_owned(), record: None, app_name: None, why };
    let matches = match index.identify(url) {
        Ok(matches) => matches,
        Err(e) => return fallback(format!("not an App URL: {e}")),
    };
    let mut notes = Vec::new();
    for m in &matches {
        let app = m.app;
        let record = Some((app.id.to_string(), m.id.to_string()));
        let app_name = index.app_name(app).map(str::to_owned);
        let by = if m.source == crate::resolve::Source::Link { "a link's `url`" } else { "the app's `url` template" };
        let which = format!("`{}` {} (by {by})", app.id, m.id);
        if let Some(native) = index.native(app) {
            if web {
                notes.push(format!("{which}: `--web` leaves out its `native` link"));
            } else {
                match native.expand_with(app.id.as_str(), &m.id, &m.extras) {
                    Ok(deep) => {
                        let vars: Vec<String> = m.extras.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        let captured =
                            if vars.is_empty() { String::new() } else { format!(", with {}", vars.join(", ")) };
                        return Route {
                            way: Way::Native,
                            url: deep,
                            record,
                            app_name,
                            why: format!("the URL is {which}{captured}; the app's `native` is `{}`", native.as_str()),
                        };
                    }
                    Err(e) => notes.push(format!("{which}: its `native` link was refused: {e}")),
                }
            }
        }
        if let Some(argv) = index.open_with(app) {
            let canonical = url::Url::parse(url).map(String::from).unwrap_or_else(|_| url.to_owned());
            return Route {
                way: Way::OpenWith(argv.to_vec()),
                url: canonical,
                record,
                app_name,
                why: format!("the URL is {which}; the app's `open_with` is {argv:?}"),
            };
        }
        if index.native(app).is_none() {
            notes.push(format!("{which}: the app has no `native` or `open_with`"));
        }
    }
    let mut route = fallback(notes.join("; "));
    if let Some(m) = matches.first() {
        route.record = Some((m.app.id.to_string(), m.id.to_string()));
        route.app_name = index.app_name(m.app).map(str::to_owned);
    }
    route
}

/// The route as JSON (`/api/v1/route`): `{"route", "url", "app", "id", "app_name",
/// "open_with", "why", "fallback"}`; `fallback` is `[browser] fallback`, if the files give one.
pub fn to_json(index: &Index, route: &Route) -> Value {
    json!({
        "route": route.way.name(),
        "url": route.url,
        "app": route.record.as_ref().map(|r| &r.0),
        "id": route.record.as_ref().map(|r| &r.1),
        "app_name": route.app_name,
        "open_with": match &route.way { Way::OpenWith(argv) => Some(argv), _ => None },
        "why": route.why,
        "fallback": index.browser_fallback().map(|(argv, _, _)| argv),
    })
}

/// A route read back from `to_json` (the daemon's answer), with `[browser] fallback`.
pub fn from_json(value: &Value) -> Option<(Route, Option<Vec<String>>)> {
    let strings = |v: &Value| -> Option<Vec<String>> {
        v.as_array().map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
    };
    let way = match value["route"].as_str()? {
        "native" => Way::Native,
        "open_with" => Way::OpenWith(strings(&value["open_with"]).filter(|a| !a.is_empty())?),
        "fallback" => Way::Fallback,
        _ => return None,
    };
    let record = match (value["app"].as_str(), value["id"].as_str()) {
        (Some(app), Some(id)) => Some((app.to_owned(), id.to_owned())),
        _ => None,
    };
    let route = Route {
        way,
        url: value["url"].as_str()?.to_owned(),
        record,
        app_name: value["app_name"].as_str().map(str::to_owned),
        why: value["why"].as_str().unwrap_or_default().to_owned(),
    };
    Some((route, strings(&value["fallback"]).filter(|a| !a.is_empty())))
}
