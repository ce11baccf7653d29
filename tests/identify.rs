//! Identify (README: identify): from an App URL to its record, from the command line and
//! the daemon. One test per rule of §3, and the bad input of the issue.

use crate::daemon::Daemon;
use crate::test::Test;

const APPS: &str = r#"
[apps."zendesk.com"]
name = "Zendesk"
url = "https://acme.zendesk.com/agent/users/{id}"

[apps."github.com"]
name = "GitHub"
url = "https://github.com/{+id}"

[apps."hubspot.com"]
name = "HubSpot"
url = "https://app.hubspot.com/contacts/4711/record/0-1/{id}"

[apps."mailchimp.com"]
name = "MailChimp"
url = "https://us1.admin.mailchimp.com/lists/members/view?id={id}"

[apps."search.example"]
url = "https://search.example/find{?id}"

[apps."spa.example"]
url = "https://spa.example/app#/people/{id}"

[apps."xn--bcher-kva.example"]
name = "Bücher"
url = "https://bücher.example:443/kunden/{id}"

[apps."short.example"]
url = "https://short.example/{id:3}"
"#;

const PEOPLE: &str = r#"
[[person]]
name = "Ada Lovelace"
links = [
  { app = "zendesk.com", id = "991" },
  { app = "github.com", id = "ada" },
  { app = "mailchimp.com", id = "48616032" },
  { app = "crm.example", id = "7", url = "https://crm.example/people/7?view=full" },
]

[[company]]
name = "Acme Corp"
links = [
  { app = "hubspot.com", id = "502" },
  { app = "intranet.example", id = "acme", url = "https://github.com/acme" },
]
"#;

fn files() -> Test {
    Test::new().file("links/apps.toml", APPS).file("links/people.toml", PEOPLE)
}

fn resolve_to(url: &str, to: &str) -> crate::test::Output {
    files().args(["resolve", "-c", "links", url, "--to", to]).run()
}

fn show_json(url: &str) -> serde_json::Value {
    let out = files().args(["show", "-c", "links", url, "--json"]).run();
    assert_eq!(out.status, 0, "{url}: {}", out.stderr);
    out.json()
}

fn first_match(url: &str) -> (String, String) {
    let json = show_json(url);
    let m = &json["matches"][0];
    (m["app"].as_str().unwrap().to_owned(), m["id"].as_str().unwrap().to_owned())
}

fn pair(app: &str, id: &str) -> (String, String) {
    (app.to_owned(), id.to_owned())
}

#[test]
fn from_a_zendesk_user_to_her_github_page() {
    resolve_to("https://acme.zendesk.com/agent/users/991", "github.com").status(0).stdout("https://github.com/ada\n");
}

#[test]
fn show_prints_the_record_with_the_match_marked() {
    let out = files().args(["show", "-c", "links", "https://acme.zendesk.com/agent/users/991"]).run().status(0);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines[0], "person Ada Lovelace", "{}", out.stdout);
    assert!(lines[1].contains("links/people.toml:2"), "{}", out.stdout);
    let zendesk = lines.iter().find(|l| l.contains("zendesk.com")).unwrap();
    assert!(zendesk.starts_with("→ Zendesk"), "{zendesk}");
    assert!(zendesk.contains("https://acme.zendesk.com/agent/users/991") && zendesk.contains("people.toml:5"));
    let github = lines.iter().find(|l| l.contains("github.com")).unwrap();
    assert!(github.starts_with("  GitHub") && github.contains("https://github.com/ada"), "{github}");
    assert!(out.stdout.contains("https://crm.example/people/7?view=full"));
}

#[test]
fn show_json_has_the_contract_shape() {
    let json = show_json("https://acme.zendesk.com/agent/users/991");
    assert_eq!(json["matches"][0]["app"], "zendesk.com");
    assert_eq!(json["matches"][0]["id"], "991");
    assert_eq!(json["matches"][0]["source"], "template");
    assert_eq!(json["record"]["kind"], "person");
    assert_eq!(json["record"]["name"], "Ada Lovelace");
    let links = json["record"]["links"].as_array().unwrap();
    assert_eq!(links.len(), 4);
    let zendesk = links.iter().find(|l| l["app"] == "zendesk.com").unwrap();
    assert_eq!(zendesk["app_name"], "Zendesk");
    assert_eq!(zendesk["url"], "https://acme.zendesk.com/agent/users/991");
    assert!(zendesk["file"].as_str().unwrap().ends_with("people.toml"));
    assert_eq!(zendesk["line"], 5);
    assert_eq!(zendesk["matched"], true);
    assert_eq!(links.iter().filter(|l| l["matched"] == true).count(), 1);
}

#[test]
fn show_takes_every_target_form() {
    for target in
        [&["zendesk.com", "991"][..], &["applink://zendesk.com/991"], &["http://127.0.0.1:7133/zendesk.com/991"]]
    {
        let mut args = vec!["show", "-c", "links"];
        args.extend_from_slice(target);
        let out = files().args_vec(&args).run().status(0);
        assert!(out.stdout.starts_with("person Ada Lovelace\n"), "{target:?}: {}", out.stdout);
    }
}

#[test]
fn a_pair_without_a_record_is_shown_with_its_url() {
    files()
        .args(["show", "-c", "links", "https://acme.zendesk.com/agent/users/5"])
        .run()
        .status(0)
        .stdout_has("zendesk.com 5  https://acme.zendesk.com/agent/users/5")
        .stderr_has("no record carries this pair");
}

#[test]
fn an_app_url_on_a_daemon_like_path_is_not_read_as_app_and_id() {
    // The old reading took any http(s) URL as the daemon's /APP/ID form.
    assert_eq!(first_match("https://github.com/hubspot.com/502"), pair("github.com", "hubspot.com/502"));
    resolve_to("https://github.com/hubspot.com/502", "zendesk.com").status(1).stderr_has("no record carries");
}

#[test]
fn resolve_without_to_points_to_show() {
    files()
        .args(["resolve", "-c", "links", "https://acme.zendesk.com/agent/users/991"])
        .run()
        .status(2)
        .stderr_has("--to")
        .stderr_has("applinkd show https://acme.zendesk.com/agent/users/991");
}

#[test]
fn open_takes_an_app_url_with_to() {
    files()
        .args(["open", "-c", "links", "--dry-run", "https://acme.zendesk.com/agent/users/991", "--to", "github.com"])
        .run()
        .status(0)
        .stdout_has("https://github.com/ada\n")
        .stdout_has(
            "  why: `github.com ada`, the record of `https://acme.zendesk.com/agent/users/991` in `github.com`",
        );
}

// README: identify, rule by rule.

#[test]
fn scheme_host_and_port_compare_after_canonicalisation() {
    assert_eq!(first_match("HTTPS://ACME.Zendesk.COM:443/agent/users/991"), pair("zendesk.com", "991"));
    assert_eq!(first_match("https://BÜCHER.example/kunden/5"), pair("xn--bcher-kva.example", "5"));
    assert_eq!(first_match("https://xn--bcher-kva.example/kunden/5"), pair("xn--bcher-kva.example", "5"));
    for other in [
        "http://acme.zendesk.com/agent/users/991",
        "https://acme.zendesk.com:8443/agent/users/991",
        "https://other.zendesk.com/agent/users/991",
    ] {
        files().args(["show", "-c", "links", other]).run().status(1).stderr_has("no link or app template matches");
    }
}

#[test]
fn paths_are_equal_one_trailing_slash_aside() {
    assert_eq!(first_match("https://acme.zendesk.com/agent/users/991/"), pair("zendesk.com", "991"));
    assert_eq!(first_match("https://crm.example/people/7/?view=full"), pair("crm.example", "7"));
    files().args(["show", "-c", "links", "https://acme.zendesk.com/agent/users/991//"]).run().status(1);
    files().args(["show", "-c", "links", "https://acme.zendesk.com/agent/users/991/tickets"]).run().status(1);
}

#[test]
fn template_query_parameters_may_stand_anywhere_among_others() {
    let url = "https://us1.admin.mailchimp.com/lists/members/view?utm_source=mail&tab=notes&id=48616032";
    assert_eq!(first_match(url), pair("mailchimp.com", "48616032"));
    assert_eq!(first_match("https://search.example/find?x=1&id=a%20b&y=2"), pair("search.example", "a b"));
    files()
        .args(["show", "-c", "links", "https://us1.admin.mailchimp.com/lists/members/view?uid=48616032"])
        .run()
        .status(1);
}

#[test]
fn link_url_query_parameters_must_all_be_there() {
    assert_eq!(first_match("https://crm.example/people/7?utm_source=x&view=full"), pair("crm.example", "7"));
    files().args(["show", "-c", "links", "https://crm.example/people/7"]).run().status(1);
    files().args(["show", "-c", "links", "https://crm.example/people/7?view=brief"]).run().status(1);
}

#[test]
fn fragments_count_only_when_the_template_has_one() {
    assert_eq!(first_match("https://acme.zendesk.com/agent/users/991#notes"), pair("zendesk.com", "991"));
    assert_eq!(first_match("https://spa.example/app#/people/5"), pair("spa.example", "5"));
    files().args(["show", "-c", "links", "https://spa.example/app"]).run().status(1);
    files().args(["show", "-c", "links", "https://spa.example/app#/companies/5"]).run().status(1);
}

#[test]
fn simple_expressions_stop_at_slash_reserved_ones_span_it() {
    assert_eq!(first_match("https://acme.zendesk.com/agent/users/a%2Fb"), pair("zendesk.com", "a/b"));
    assert_eq!(first_match("https://github.com/acme/website"), pair("github.com", "acme/website"));
    assert_eq!(first_match("https://github.com/zo%C3%AB"), pair("github.com", "zoë"));
}

#[test]
fn templates_with_prefix_modifiers_are_skipped_and_check_says_so() {
    files()
        .args(["check", "-c", "links"])
        .run()
        .status(0)
        .stderr_has("note: App URLs of `short.example` cannot be identified")
        .stderr_has("prefix modifier")
        .stdout_has("1 note");
    files().args(["show", "-c", "links", "https://short.example/abc"]).run().status(1);
}

#[test]
fn ids_that_are_not_valid_unique_ids_do_not_match() {
    for url in ["https://acme.zendesk.com/agent/users/%0A", "https://acme.zendesk.com/agent/users/%20x"] {
        files().args(["show", "-c", "links", url]).run().status(1).stderr_has("no link or app template matches");
    }
    let long = format!("https://acme.zendesk.com/agent/users/{}", "9".repeat(1025));
    files().args(["show", "-c", "links", &long]).run().status(1);
}

#[test]
fn several_matches_best_first_explicit_links_before_templates() {
    let json = show_json("https://github.com/acme");
    let matches: Vec<(String, String, String)> = json["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (m["app"].as_str().unwrap().into(), m["id"].as_str().unwrap().into(), m["source"].as_str().unwrap().into())
        })
        .collect();
    assert_eq!(
        matches,
        [
            ("intranet.example".into(), "acme".into(), "link".into()),
            ("github.com".into(), "acme".into(), "template".into())
        ]
    );
    assert_eq!(json["record"]["name"], "Acme Corp");
}

#[test]
fn bad_urls_get_clear_errors() {
    for (url, status, message) in [
        ("javascript:alert(1)", 1, "never allowed"),
        ("data:text/html,hi", 1, "never allowed"),
        ("file:///etc/passwd", 1, "never allowed"),
        ("https://unknown.example/x", 1, "no link or app template matches"),
        ("github.com/ada", 2, "is not a target"),
    ] {
        files().args(["show", "-c", "links", url]).run().status(status).stderr_has(message);
        files().args(["resolve", "-c", "links", url, "--to", "github.com"]).run().status(status).stderr_has(message);
    }
    let huge = format!("https://acme.zendesk.com/agent/users/{}", "x".repeat(9000));
    files().args(["show", "-c", "links", &huge]).run().status(1).stderr_has("at most 8192");
}

#[test]
fn resolve_and_show_ask_a_running_daemon() {
    let d = Daemon::start(&[("links/apps.toml", APPS), ("links/people.toml", PEOPLE)]);
    Test::new()
        .env("APPLINKD_URL", &d.url(""))
        .args(["resolve", "https://acme.zendesk.com/agent/users/991", "--to", "mailchimp.com"])
        .run()
        .status(0)
        .stdout("https://us1.admin.mailchimp.com/lists/members/view?id=48616032\n");
    Test::new()
        .env("APPLINKD_URL", &d.url(""))
        .args(["show", "https://github.com/ada"])
        .run()
        .status(0)
        .stdout_has("person Ada Lovelace")
        .stdout_has("→ GitHub");
}

// The daemon.

fn daemon() -> Daemon {
    Daemon::start(&[("links/apps.toml", APPS), ("links/people.toml", PEOPLE)])
}

fn q(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[test]
fn go_redirects_to_the_same_record_elsewhere() {
    let d = daemon();
    let path = format!("/go?url={}&to=github.com", q("https://acme.zendesk.com/agent/users/991?tab=1"));
    let reply = d.get(&path);
    assert_eq!(reply.status, 302);
    assert_eq!(reply.header("location"), Some("https://github.com/ada"));
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let missing = d.get(&format!("/go?url={}&to=github.com", q("https://acme.zendesk.com/agent/tickets/1")));
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("zendesk.com") && missing.body.contains("/agent/users/{id}"), "{}", missing.body);
    let no_link = d.get(&format!("/go?url={}&to=slack.com", q("https://acme.zendesk.com/agent/users/991")));
    assert_eq!(no_link.status, 404);
    assert!(no_link.body.contains("to=github.com"), "other apps are links: {}", no_link.body);
    assert_eq!(d.get(&format!("/go?url={}&to=github.com", q("javascript:alert(1)"))).status, 400);
    assert_eq!(d.get("/go?to=github.com").status, 400);
}

#[test]
fn show_pages_link_every_app_through_the_daemon() {
    let d = daemon();
    let page = d.get(&format!("/show?url={}", q("https://acme.zendesk.com/agent/users/991")));
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").unwrap().starts_with("text/html"));
    for part in ["Ada Lovelace", "href=\"/github.com/ada\"", ">GitHub<", "href=\"/crm.example/7\"", "class=\"matched\""]
    {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    let by_pair = d.get("/show/zendesk.com/991");
    assert_eq!(by_pair.status, 200);
    assert!(by_pair.body.contains("Ada Lovelace"));
    assert_eq!(d.get(&format!("/show?url={}", q("https://unknown.example/"))).status, 404);
    assert_eq!(d.get(&format!("/show?url={}", q("vbscript:x"))).status, 400);
    assert_eq!(d.get("/show").status, 400);
    let hostile = d.get(&format!("/show?url={}", q("https://unknown.example/<script>alert(1)</script>")));
    assert!(!hostile.body.contains("<script>alert"), "{}", hostile.body);
}

#[test]
fn api_show_and_resolve_by_url() {
    let d = daemon();
    let json: serde_json::Value =
        serde_json::from_str(&d.get(&format!("/api/v1/show?url={}", q("https://github.com/ada"))).body).unwrap();
    assert_eq!(json["matches"][0]["app"], "github.com");
    assert_eq!(json["record"]["name"], "Ada Lovelace");
    let json: serde_json::Value = serde_json::from_str(&d.get("/api/v1/show/zendesk.com/991").body).unwrap();
    assert_eq!(json["record"]["kind"], "person");
    let reply = d.get(&format!("/api/v1/resolve?url={}&to=zendesk.com", q("https://github.com/ada")));
    assert_eq!(reply.status, 200);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["url"], "https://acme.zendesk.com/agent/users/991");
    let reply = d.get(&format!("/api/v1/show?url={}", q("https://unknown.example/x")));
    assert_eq!(reply.status, 404);
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(json["error"]["code"], "no_match");
    let long = format!("https://acme.zendesk.com/agent/users/{}", "x".repeat(8200));
    assert_eq!(d.get(&format!("/api/v1/show?url={}", q(&long))).status, 400);
}

#[test]
fn the_index_search_takes_an_app_url_and_offers_a_bookmarklet() {
    let d = daemon();
    let reply = d.get(&format!("/?q={}", q("https://acme.zendesk.com/agent/users/991")));
    assert_eq!(reply.status, 303);
    assert_eq!(
        reply.header("location"),
        Some(format!("/show?url={}", q("https://acme.zendesk.com/agent/users/991")).as_str())
    );
    let index = d.get("/").body;
    let expected =
        format!("javascript:location.href=&quot;http://{}/show?url=&quot;+encodeURIComponent(location.href)", d.addr);
    assert!(index.contains(&expected), "{index}");
}

// Identify is bounded (README: identify, issue 18).

/// `value` as RFC 6570 writes a simple expression's value: all but unreserved encoded.
fn simple(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Twenty apps whose `{+id}` all read a URL with six `%XX` runs 64 ways.
fn reserved_apps(count: usize) -> String {
    let mut apps = String::new();
    for n in 0..count {
        apps.push_str(&format!("[apps.\"r{n}.example\"]\nurl = \"https://code.example/{{+id}}\"\n"));
    }
    apps
}

#[test]
fn an_answer_lists_at_most_16_matches_and_says_how_many_more() {
    let url = "https://code.example/a%20b%20c%20d%20e%20f%20g";
    let test = Test::new().file("links/apps.toml", reserved_apps(20));
    let json = test.clone_args(["show", "-c", "links", url, "--json"]).run().status(0).json();
    let matches = json["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 16, "{} matches", matches.len());
    assert_eq!(json["more"], 4);
    assert_eq!(json["truncated"], true);
    assert_eq!(json["cut_short"], false);
    assert!(matches.iter().all(|m| m["id"] == "a b c d e f g"), "each template's best reading");
    test.clone_args(["show", "-c", "links", url]).run().status(0).stdout_has("(4 more matches were left out)");
    let d = Daemon::start(&[("links/apps.toml", &reserved_apps(20))]);
    let reply = d.get(&format!("/api/v1/show?url={}", q(url)));
    assert_eq!(reply.status, 200);
    assert!(reply.body.len() < 16 * 1024, "a small request gets a small answer: {} bytes", reply.body.len());
    let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!((json["matches"].as_array().unwrap().len(), &json["more"]), (16, &serde_json::json!(4)));
    let page = d.get(&format!("/show?url={}", q(url)));
    assert!(page.body.contains("4 more matches were left out"), "{}", page.body);
}

#[test]
fn a_reading_a_record_carries_comes_before_the_best_one() {
    let apps = "[apps.\"code.example\"]\nurl = \"https://code.example/{+id}\"\n";
    let people = "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"code.example\", id = \"a%20b c\" }]\n";
    let json = Test::new()
        .file("links/apps.toml", apps)
        .file("links/people.toml", people)
        .args(["show", "-c", "links", "https://code.example/a%20b%20c", "--json"])
        .run()
        .status(0)
        .json();
    assert_eq!(json["matches"][0]["id"], "a%20b c", "{json}");
    assert_eq!(json["record"]["name"], "Ada");
}

/// Issue 18: a template with two other variables before `{id}` passed `check`, but no
/// URL it made identified. Every URL it makes identifies, with what it was made of.
#[test]
fn templates_with_other_variables_identify_every_url_they_make() {
    let apps = r#"
[apps."gitlab.example"]
url = "https://gitlab.example/{group}/{project}/-/issues/{id}"

[apps."wiki.example"]
url = "https://wiki.example/{space}/{+id}{?lang,rev}"
"#;
    Test::new().file("links/apps.toml", apps).args(["check", "-c", "links"]).run().status(0);
    let d = Daemon::start(&[("links/apps.toml", apps)]);
    let values = ["acme", "web site", "a/b", "zoë", "x%y", "1", "-_.~", "?#&="];
    let mut checked = 0;
    for (n, group) in values.iter().enumerate() {
        let project = values[(n + 3) % values.len()];
        let id = values[(n + 5) % values.len()];
        for (app, url) in [
            (
                "gitlab.example",
                format!("https://gitlab.example/{}/{}/-/issues/{}", simple(group), simple(project), simple(id)),
            ),
            ("wiki.example", format!("https://wiki.example/{}/{}?lang={}", simple(group), "p/q", simple(project))),
        ] {
            let reply = d.get(&format!("/api/v1/show?url={}", q(&url)));
            assert_eq!(reply.status, 200, "{url}: {}", reply.body);
            let json: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
            let expected = if app == "gitlab.example" { id } else { "p/q" };
            assert_eq!(
                (json["matches"][0]["app"].as_str(), json["matches"][0]["id"].as_str()),
                (Some(app), Some(expected)),
                "{url}: {json}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 2 * values.len());
}

/// Issue 18: templates that cut a URL in millions of ways, and App URLs made to be
/// cut so, sent at once to every route that identifies; meanwhile redirects are
/// answered (before, two such requests held the workers for seconds each), and each
/// identify answers whole, saying it was cut short.
#[test]
fn adversarial_identifies_never_hold_up_a_redirect() {
    let apps = r#"
[apps."dots.example"]
url = "https://h.example/{id}.{id}.{id}"

[apps."slashes.example"]
url = "https://h.example/{+id}/{+id}/{+id}"

[apps."others.example"]
url = "https://h.example/{+a}/{+b}/{+id}"

[apps."x.example"]
url = "https://x.example/{id}"
"#;
    let people = "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"x.example\", id = \"7\", url = \"https://x.example/people/7\" }]\n";
    let d = Daemon::start(&[("links/apps.toml", apps), ("links/people.toml", people)]);
    let urls = [
        format!("https://h.example/{}", "a.".repeat(4000)),
        format!("https://h.example/{}", "a/".repeat(2500)),
        format!("https://h.example/{}", "%C3%A9a/".repeat(650)),
    ];
    let mut hostile = Vec::new();
    for url in &urls {
        for route in ["/go?url=", "/show?url=", "/api/v1/show?url=", "/api/v1/resolve?url=", "/api/v1/route?url="] {
            let target = format!("{route}{}&to=x.example", q(url));
            assert!(target.len() < 12 * 1024, "{} bytes", target.len());
            let request = format!("GET {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", d.addr);
            let mut stream = std::net::TcpStream::connect(d.addr).unwrap();
            std::io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
            hostile.push((route, stream));
        }
    }
    // While they are answered (or before), ordinary requests are.
    for _ in 0..5 {
        assert_eq!(d.location("/x.example/7"), Ok("https://x.example/people/7".into()));
    }
    let go = d.get(&format!("/go?url={}&to=x.example", q("https://x.example/people/7")));
    assert_eq!(go.status, 302, "{}", go.body);
    let mut said_cut_short = 0;
    for (route, mut stream) in hostile {
        stream.set_read_timeout(Some(crate::daemon::DEADLINE)).unwrap();
        let mut answer = Vec::new();
        std::io::Read::read_to_end(&mut stream, &mut answer).unwrap();
        let answer = String::from_utf8_lossy(&answer);
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or_else(|| panic!("{route}: no answer: {answer}"));
        let length: usize = head
            .lines()
            .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(|v| v.trim().parse().unwrap()))
            .unwrap_or_else(|| panic!("{route}: {head}"));
        assert_eq!(body.len(), length, "{route}: the whole answer");
        assert!(body.len() < 64 * 1024, "{route}: {} bytes", body.len());
        if route == "/api/v1/show?url=" {
            let json: serde_json::Value = serde_json::from_str(body).unwrap();
            said_cut_short += usize::from(json["cut_short"] == true || json["error"]["cut_short"] == true);
        }
    }
    assert!(said_cut_short >= 2, "the answers say they were cut short");
}
