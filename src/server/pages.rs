//! HTML pages: the index (apps, records, search, file errors) and "not found".
//!
//! Plain server-rendered HTML with inline CSS: no scripts, no external assets,
//! readable on a phone. Every text from a link file or a request is escaped.

use std::fmt::Write;

use crate::diagnostic::Severity;
use crate::index::Record;
use crate::live::Snapshot;
use crate::resolve::NotFound;
use crate::target::pair_path as link_path;

/// Records shown on one page; a search narrows the rest.
const PAGE_RECORDS: usize = 300;

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = r#"
body{font:16px/1.5 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem;color:#222;background:#fff}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin-top:1.5rem;border-bottom:1px solid #ddd}
.meta{color:#666;font-size:.9rem}
form{display:flex;gap:.5rem;margin:1rem 0}input{flex:1;font-size:1rem;padding:.4rem;min-width:0}
button{font-size:1rem;padding:.4rem .8rem}
.errors{background:#fff0f0;border:1px solid #e99;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.errors li{margin:.3rem 0}.errors code{white-space:pre-wrap;word-break:break-word}
.warning{color:#8a5a00}.error{color:#a00}
ul.records{list-style:none;padding:0}ul.records>li{border-bottom:1px solid #eee;padding:.5rem 0}
.kind{display:inline-block;font-size:.75rem;text-transform:uppercase;background:#eef;border-radius:4px;padding:0 .4rem;margin-right:.4rem}
.links{margin:.2rem 0 0 1rem;padding:0;list-style:none}.links li{word-break:break-all}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .5rem .2rem 0;vertical-align:top}
td.template{word-break:break-all;font-family:ui-monospace,monospace;font-size:.85rem}
.also{color:#666}li.matched{font-weight:600}
@media (prefers-color-scheme:dark){body{background:#111;color:#ddd}.errors{background:#311;border-color:#733}.kind{background:#224}a{color:#8af}}
"#;

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>\n{body}</body></html>\n",
        escape(title)
    )
}

/// The index page: file errors first, then the search, apps and records.
/// `origin` is the daemon as the browser reached it (`http://127.0.0.1:7133`), for the bookmarklet.
pub fn index(snapshot: &Snapshot, query: Option<&str>, origin: &str) -> String {
    let index = &snapshot.index;
    let mut body = String::new();
    let _ = write!(
        body,
        "<h1>applinkd</h1><p class=\"meta\">{} links, {} records, {} apps from {} files; reloaded {}</p>",
        index.link_count(),
        index.records().len(),
        index.apps().len(),
        snapshot.files.len(),
        escape(&humantime::format_rfc3339_seconds(snapshot.reload.at).to_string()),
    );
    diagnostics_banner(&mut body, snapshot);
    let q = query.unwrap_or("").trim();
    let _ = write!(
        body,
        "<form method=\"get\" action=\"/\" role=\"search\"><input type=\"search\" name=\"q\" value=\"{}\" \
         placeholder=\"Search names, apps and ids, or paste an App URL\" aria-label=\"Search\">\
         <button type=\"submit\">Search</button></form>",
        escape(q)
    );
    bookmarklet(&mut body, origin);
    if q.is_empty() {
        apps_table(&mut body, snapshot);
    }
    let matching = index.search(q);
    let mut shown = 0;
    let mut total = 0;
    let mut list = String::new();
    for record in matching {
        total += 1;
        if shown < PAGE_RECORDS {
            shown += 1;
            record_item(&mut list, snapshot, record);
        }
    }
    let heading = if q.is_empty() { "Records".to_owned() } else { format!("Records matching “{}”", escape(q)) };
    let _ = write!(body, "<h2>{heading}</h2>");
    if total == 0 && q.is_empty() {
        // The empty state says where links go, and how to try one on this very daemon.
        let roots: Vec<String> = snapshot.roots.iter().map(|r| format!("<code>{}</code>", escape(r))).collect();
        let _ = write!(
            body,
            "<p>No records yet. Add link files (any <code>*.toml</code>) to {}: applinkd picks them up as you \
             save. A first one:</p><pre>[[person]]\nname = \"Ada Lovelace\"\nlinks = [{{ app = \"github.com\", id = \"ada\", \
             url = \"https://github.com/ada\" }}]</pre><p>Then open <code>{}/github.com/ada</code>.</p>",
            roots.join(", "),
            escape(origin)
        );
    } else if total == 0 {
        body.push_str("<p>No records.</p>");
    } else {
        let _ = write!(body, "<ul class=\"records\">{list}</ul>");
        if total > shown {
            let _ = write!(body, "<p class=\"meta\">Showing {shown} of {total}; search to narrow.</p>");
        }
    }
    page("applinkd", &body)
}

/// The "applinkd: this record" bookmarklet: from any page, its record on this daemon.
fn bookmarklet(body: &mut String, origin: &str) {
    let target = serde_json::to_string(&format!("{origin}/show?url=")).expect("strings serialise");
    let code = format!("javascript:location.href={target}+encodeURIComponent(location.href)");
    let _ = write!(
        body,
        "<p class=\"meta\">From any page of an app, one click to its record here: drag \
         <a class=\"bookmarklet\" href=\"{}\">applinkd: this record</a> to your bookmarks bar.</p>",
        escape(&code)
    );
}

fn diagnostics_banner(body: &mut String, snapshot: &Snapshot) {
    if snapshot.diagnostics.is_empty() {
        return;
    }
    let errors = snapshot.diagnostics.iter().filter(|d| d.is_error()).count();
    let _ = write!(
        body,
        "<section class=\"errors\" role=\"alert\"><strong>{errors} error(s), {} warning(s) in the link files.</strong> \
         A file with a syntax or validation error is not applied (its last good version stays in force); \
         a conflict between definitions disables only the pair or app they disagree on.<ul>",
        snapshot.diagnostics.len() - errors
    );
    let (shown, more) = crate::diagnostic::bounded(&snapshot.diagnostics);
    for d in shown {
        let class = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        let _ = write!(body, "<li class=\"{class}\"><code>{}</code></li>", escape(&d.to_string()));
    }
    for line in crate::diagnostic::more_lines(&more) {
        let _ = write!(body, "<li class=\"meta\">{}</li>", escape(&line));
    }
    body.push_str("</ul></section>");
}

fn apps_table(body: &mut String, snapshot: &Snapshot) {
    let index = &snapshot.index;
    body.push_str("<h2>Apps</h2><table><tr><th>App ID</th><th>Name</th><th>URL template</th></tr>");
    for app in index.apps() {
        let formerly: Vec<&str> =
            index.app_def(app).map(|d| d.formerly.iter().map(|(a, _)| a.as_str()).collect()).unwrap_or_default();
        let formerly = if formerly.is_empty() {
            String::new()
        } else {
            format!(" <span class=\"also\">(formerly {})</span>", escape(&formerly.join(", ")))
        };
        let _ = write!(
            body,
            "<tr><td>{}{formerly}</td><td>{}</td><td class=\"template\">{}</td></tr>",
            escape(app.id.as_str()),
            escape(index.app_name(app).unwrap_or("")),
            escape(index.template(app).map_or("", |t| t.as_str())),
        );
    }
    body.push_str("</table>");
}

fn record_item(out: &mut String, snapshot: &Snapshot, record: &Record) {
    let index = &snapshot.index;
    let mut names = index.record_defs(record).map(|(f, d)| f.record_name(d));
    let first = names.next().unwrap_or("");
    let also: Vec<&str> = names.filter(|n| *n != first).collect();
    let _ = write!(out, "<li><span class=\"kind\">{}</span><strong>{}</strong>", record.kind, escape(first));
    if !also.is_empty() {
        let _ = write!(out, " <span class=\"also\">(also {})</span>", escape(&also.join(", ")));
    }
    let places: Vec<String> = index
        .record_defs(record)
        .map(|(f, d)| format!("{}:{}", crate::report::shown_path(&f.path), d.at.line))
        .collect();
    let _ = write!(out, " <span class=\"meta\">{}</span>", escape(&places.join(", ")));
    out.push_str("<ul class=\"links\">");
    for link in index.record_links(record) {
        let app = link.app.id.as_str();
        let id = link.id();
        let name = link.name().or_else(|| index.app_name(link.app)).unwrap_or(app);
        // A link written with a former App ID says so.
        let written = link.file.link_app(link.def).as_str();
        let former = if written == app {
            String::new()
        } else {
            format!(" <span class=\"also\">(written as {})</span>", escape(written))
        };
        let _ = write!(
            out,
            "<li><a href=\"{}\">{} <code>{}</code></a>{former}</li>",
            escape(&link_path(app, id)),
            escape(name),
            escape(id)
        );
    }
    out.push_str("</ul></li>");
}

/// The 404 page: what was looked up, why nothing was found, and what is close.
pub fn not_found(not_found: &NotFound, app: &str, id: &str) -> String {
    let mut body = format!(
        "<h1>Not found</h1><p>Looked up <code>{}</code> <code>{}</code>.</p><p>{}.</p>",
        escape(app),
        escape(id),
        code_spans(&not_found.to_string())
    );
    let mut close: Vec<String> = Vec::new();
    match not_found {
        NotFound::UnknownApp { close: apps, same_id_in, .. } => {
            for other in apps {
                close.push(format!(
                    "<a href=\"{}\">{} <code>{}</code></a>",
                    escape(&link_path(other, id)),
                    escape(other),
                    escape(id)
                ));
            }
            for other in same_id_in.iter().filter(|a| !apps.contains(a)) {
                close.push(format!(
                    "the same id in <a href=\"{}\">{}</a>",
                    escape(&link_path(other, id)),
                    escape(other)
                ));
            }
        }
        NotFound::NoTemplate { same_id_in, .. } => {
            for other in same_id_in {
                close.push(format!(
                    "the same id in <a href=\"{}\">{}</a>",
                    escape(&link_path(other, id)),
                    escape(other)
                ));
            }
        }
        NotFound::NoLinkTo { has, .. } => {
            for other in has {
                close.push(format!(
                    "<a href=\"{}?to={}\">{} <code>{}</code> in {}</a>",
                    escape(&link_path(app, id)),
                    escape(&crate::server::routes_encode(other)),
                    escape(app),
                    escape(id),
                    escape(other)
                ));
            }
        }
        other => close.extend(other.suggestions().iter().map(|s| code_spans(s))),
    }
    if !close.is_empty() {
        body.push_str("<h2>Did you mean</h2><ul>");
        for item in close {
            let _ = write!(body, "<li>{item}</li>");
        }
        body.push_str("</ul>");
    }
    body.push_str("<p><a href=\"/\">All links</a></p>");
    page("Not found · applinkd", &body)
}

/// The `300 Multiple Choices` page of a conflict: each candidate as a link, with its `file:line`.
pub fn conflict(not_found: &NotFound, candidates: &[crate::index::Candidate]) -> String {
    let mut body = format!(
        "<h1>Conflict</h1><p>{}.</p><p>The link files disagree about where this goes, so applinkd \
         follows neither until they agree:</p><ul>",
        code_spans(&not_found.to_string())
    );
    for c in candidates {
        let target = match &c.url {
            Some(url) => format!("<a href=\"{}\">{}</a>", escape(url), escape(url)),
            None => "(no URL)".to_owned(),
        };
        let on = match (&c.kind, &c.record) {
            (Some(kind), Some(record)) => format!(" on the {kind} <strong>{}</strong>", escape(record)),
            _ => String::new(),
        };
        let _ = write!(body, "<li>{target}{on} <span class=\"meta\">{}:{}</span></li>", escape(&c.file), c.line);
    }
    body.push_str("</ul><p><a href=\"/\">All links</a></p>");
    page("Conflict · applinkd", &body)
}

/// Escapes `text` and shows its `quoted` parts as code, as messages write them.
fn code_spans(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in text.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<code>{}</code>", escape(part));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

/// The record page (`/show`): from a show answer (as `/api/v1/show` gives it), the
/// record's kind, name and definitions, and every link, each through this daemon's
/// redirect and named by its app; the matched one marked.
pub fn record(answer: &serde_json::Value, url: Option<&str>) -> String {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    let record = &answer["record"];
    let mut body = String::new();
    let title = if record.is_null() { "No record".to_owned() } else { text(&record["name"]) };
    if record.is_null() {
        body.push_str("<h1>No record</h1>");
    } else {
        let _ =
            write!(body, "<h1><span class=\"kind\">{}</span>{}</h1>", escape(&text(&record["kind"])), escape(&title));
    }
    if let Some(url) = url {
        let _ = write!(body, "<p class=\"meta\">Identified from <code>{}</code></p>", escape(url));
    }
    if record.is_null() {
        body.push_str(
            "<p>No record carries this pair, so there is no other application to go to.</p><ul class=\"links\">",
        );
        for m in answer["matches"].as_array().into_iter().flatten() {
            link_item(&mut body, &m["app"], &m["app_name"], &m["id"], None, false);
        }
        body.push_str("</ul>");
    } else {
        body.push_str("<ul class=\"links\">");
        for l in record["links"].as_array().into_iter().flatten() {
            let place = format!("{}:{}", text(&l["file"]), l["line"]);
            link_item(&mut body, &l["app"], &l["app_name"], &l["id"], Some(&place), l["matched"] == true);
        }
        body.push_str("</ul><h2>Defined at</h2><ul>");
        for def in record["definitions"].as_array().into_iter().flatten() {
            let _ = write!(
                body,
                "<li><code>{}:{}</code> as {}</li>",
                escape(&text(&def["file"])),
                def["line"],
                escape(&text(&def["name"]))
            );
        }
        body.push_str("</ul>");
    }
    let matches = answer["matches"].as_array().map_or(0, Vec::len);
    if matches > 1 {
        let _ = write!(body, "<p class=\"meta\">The URL matches {matches} pairs; the best is shown.</p>");
    }
    // README: identify: an answer lists at most 16 matches and says when more were left out.
    match answer["more"].as_u64().unwrap_or(0) {
        0 => {}
        1 => body.push_str("<p class=\"meta\">1 more match was left out.</p>"),
        n => {
            let _ = write!(body, "<p class=\"meta\">{n} more matches were left out.</p>");
        }
    }
    if answer["cut_short"] == true {
        body.push_str(
            "<p class=\"meta\">Identify was cut short: this URL can be cut in too many ways to try them all.</p>",
        );
    }
    body.push_str("<p><a href=\"/\">All links</a></p>");
    page(&format!("{title} · applinkd"), &body)
}

fn link_item(
    out: &mut String,
    app: &serde_json::Value,
    app_name: &serde_json::Value,
    id: &serde_json::Value,
    place: Option<&str>,
    matched: bool,
) {
    let app = app.as_str().unwrap_or("");
    let id = id.as_str().unwrap_or("");
    let name = app_name.as_str().unwrap_or(app);
    let _ = write!(
        out,
        "<li{}><a href=\"{}\" data-app=\"{}\">{}</a> <code>{}</code> <span class=\"meta\">{}{}</span>{}</li>",
        if matched { " class=\"matched\"" } else { "" },
        escape(&link_path(app, id)),
        escape(app),
        escape(name),
        escape(id),
        escape(app),
        place.map(|p| format!(" · {}", escape(p))).unwrap_or_default(),
        if matched { " <strong>← this page</strong>" } else { "" },
    );
}

/// A page for something not found or not answerable, with what is close: plain
/// suggestions, and links to try.
pub fn problem_with(
    title: &str,
    message: &str,
    url: Option<&str>,
    suggestions: &[String],
    links: &[(String, String)],
) -> String {
    let mut body = format!("<h1>{}</h1>", escape(title));
    if let Some(url) = url {
        let _ = write!(body, "<p>Looked up <code>{}</code>.</p>", escape(url));
    }
    let _ = write!(body, "<p>{}.</p>", code_spans(message.trim_end_matches('.')));
    if !suggestions.is_empty() || !links.is_empty() {
        body.push_str("<h2>Did you mean</h2><ul>");
        for (href, text) in links {
            let _ = write!(body, "<li><a href=\"{}\">{}</a></li>", escape(href), escape(text));
        }
        for s in suggestions {
            let _ = write!(body, "<li>{}</li>", code_spans(s));
        }
        body.push_str("</ul>");
    }
    body.push_str("<p><a href=\"/\">All links</a></p>");
    page(&format!("{title} · applinkd"), &body)
}

/// A plain page for a request that cannot be answered (bad encoding and the like).
pub fn problem(title: &str, message: &str) -> String {
    page(title, &format!("<h1>{}</h1><p>{}</p><p><a href=\"/\">All links</a></p>", escape(title), escape(message)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_encode_what_would_be_misread() {
        assert_eq!(link_path("a.com", "a/b?c#d%e f"), "/a.com/a%2Fb%3Fc%23d%25e%20f");
        assert_eq!(link_path("a.com", "zoë"), "/a.com/zo%C3%AB");
    }

    #[test]
    fn code_spans_are_escaped() {
        assert_eq!(code_spans("`<a>` is & `b`"), "<code>&lt;a&gt;</code> is &amp; <code>b</code>");
    }

    #[test]
    fn escaping() {
        assert_eq!(escape("<a href=\"x\">'&'</a>"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
