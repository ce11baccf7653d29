//! Conflicts (README: Link files): where definitions disagree on where a link goes or what
//! runs, neither applies, whatever the order of the files; both files say so, and
//! the rest of both files still applies.

use crate::daemon::Daemon;
use crate::test::Test;

const APPS: &str = r#"
[apps."hubspot.com"]
name = "HubSpot"
url = "https://app.hubspot.com/contacts/4711/record/0-1/{id}"
"#;

/// The hijack of the issue: a company added in a file that sorts first takes a
/// person's HubSpot pair.
const CONTACTS: &str = r#"
[[person]]
name = "Ada Lovelace"
links = [
  { app = "hubspot.com", id = "501" },
  { app = "github.com", id = "ada", url = "https://github.com/ada" },
]
"#;

const COMPANIES: &str = r#"
[[company]]
name = "Evil Corp"
links = [
  { app = "hubspot.com", id = "501" },
  { app = "github.com", id = "evil", url = "https://github.com/evil" },
]
"#;

fn files(first: &str, second: &str) -> Test {
    Test::new()
        .file("links/apps.toml", APPS)
        .file(&format!("links/{first}.toml"), CONTACTS)
        .file(&format!("links/{second}.toml"), COMPANIES)
}

#[test]
fn a_pair_on_two_kinds_goes_nowhere_in_either_file_order() {
    for (contacts, companies) in [("contacts", "companies"), ("b-contacts", "a-companies")] {
        let t = files(contacts, companies);
        let out = t.clone_args(["resolve", "-c", "links", "hubspot.com", "501", "--to", "github.com"]).run();
        out.status(1)
            .stdout("")
            .stderr_has("`hubspot.com 501` is defined differently in 2 places")
            .stderr_has(&format!("on the person `Ada Lovelace` at links/{contacts}.toml:5"))
            .stderr_has(&format!("on the company `Evil Corp` at links/{companies}.toml:5"));
        // From either record, the disputed link is no way across either.
        t.clone_args(["resolve", "-c", "links", "github.com", "ada", "--to", "hubspot.com"]).run().status(1);
        t.clone_args(["resolve", "-c", "links", "github.com", "evil", "--to", "hubspot.com"]).run().status(1);
        // The rest of both files applies.
        t.clone_args(["resolve", "-c", "links", "github.com", "ada"])
            .run()
            .status(0)
            .stdout("https://github.com/ada\n");
        t.clone_args(["resolve", "-c", "links", "github.com", "evil"]).run().status(0);
    }
}

#[test]
fn check_reports_the_conflict_in_both_files_with_the_sub_domain_hint() {
    let out = files("contacts", "companies").args(["check", "-c", "links", "--json"]).run().status(1);
    let json = out.json();
    let reports = json["files"].as_array().unwrap();
    let errors =
        |name: &str| reports.iter().find(|f| f["path"].as_str().unwrap().ends_with(name)).unwrap()["errors"].clone();
    assert_eq!(errors("contacts.toml"), 1);
    assert_eq!(errors("companies.toml"), 1);
    assert_eq!(errors("apps.toml"), 0);
    files("contacts", "companies")
        .args(["check", "-c", "links"])
        .run()
        .status(1)
        .stderr_has("--> links/contacts.toml:5:3")
        .stderr_has("--> links/companies.toml:5:3")
        .stderr_has("companies.hubspot.com");
}

#[test]
fn two_urls_for_one_pair_answer_300_409_and_mark_both_files() {
    let d = Daemon::start(&[
        ("links/a.toml", &crate::daemon::one_link("x.example", "1", "https://x.example/first")),
        ("links/b.toml", &crate::daemon::one_link("x.example", "1", "https://x.example/second")),
        ("links/c.toml", &crate::daemon::one_link("y.example", "2", "https://y.example/fine")),
    ]);
    let page = d.get("/x.example/1");
    assert_eq!(page.status, 300);
    assert_eq!(page.header("location"), None);
    for part in ["href=\"https://x.example/first\"", "href=\"https://x.example/second\"", "a.toml:3", "b.toml:3"] {
        assert!(page.body.contains(part), "{part}: {}", page.body);
    }
    let api = d.get("/api/v1/resolve/x.example/1");
    assert_eq!(api.status, 409);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["error"]["code"], "conflict");
    let urls: Vec<&str> =
        json["error"]["candidates"].as_array().unwrap().iter().map(|c| c["url"].as_str().unwrap()).collect();
    assert_eq!(urls, ["https://x.example/first", "https://x.example/second"]);
    assert!(json["error"]["candidates"][0]["file"].as_str().unwrap().ends_with("a.toml"));
    assert_eq!(json["error"]["candidates"][0]["line"], 3);
    let status = d.status_json();
    for f in status["files"].as_array().unwrap() {
        let conflicted = !f["path"].as_str().unwrap().ends_with("c.toml");
        assert_eq!(f["has_errors"], conflicted, "{f}");
        assert_eq!(f["applied"], true, "{f}");
    }
    assert_eq!(d.location("/y.example/2"), Ok("https://y.example/fine".into()));
    // The CLI asks the daemon and says the same.
    Test::new()
        .env("APPLINKD_URL", &d.url(""))
        .args(["resolve", "x.example", "1"])
        .run()
        .status(1)
        .stderr_has("https://x.example/first")
        .stderr_has("https://x.example/second");
}

#[test]
fn an_app_defined_twice_differently_applies_neither() {
    let t = Test::new()
        .file("links/a.toml", "[apps.\"z.example\"]\nname = \"Z\"\nurl = \"https://z.example/a/{id}\"\n")
        .file("links/b.toml", "[apps.\"z.example\"]\nname = \"Z\"\nurl = \"https://evil.example/{id}\"\n")
        .file("links/c.toml", "[[person]]\nname = \"P\"\nlinks = [{ app = \"z.example\", id = \"1\" }, { app = \"w.example\", id = \"2\", url = \"https://w.example/2\" }]\n");
    t.clone_args(["resolve", "-c", "links", "z.example", "5"])
        .run()
        .status(1)
        .stderr_has("https://z.example/a/{id}")
        .stderr_has("https://evil.example/{id}");
    t.clone_args(["resolve", "-c", "links", "w.example", "2", "--to", "z.example"]).run().status(1);
    t.clone_args(["check", "-c", "links"])
        .run()
        .status(1)
        .stderr_has("`z.example` is defined 2 times, differently")
        .stderr_has("--> links/a.toml:1:")
        .stderr_has("--> links/b.toml:1:");
}

/// Issue 18: two definitions of an app that disagree on what runs (`open_with` given
/// differently or in one file only, `schemes`) apply neither, in either file order:
/// resolving names both places, `open --dry-run` names neither program, `check`
/// reports both files, and the rest of the files applies.
#[test]
fn an_app_defined_twice_differently_on_what_runs_applies_neither_in_either_file_order() {
    let z = |extra: &str| format!("[apps.\"z.example\"]\nname = \"Z\"\nurl = \"https://z.example/{{id}}\"\n{extra}");
    let people = "[[person]]\nname = \"P\"\nlinks = [{ app = \"z.example\", id = \"1\" }, { app = \"w.example\", id = \"2\", url = \"https://w.example/2\" }]\n";
    let cases = [
        ("open_with", z("open_with = [\"first-program\"]\n"), z("open_with = [\"second-program\", \"--x\"]\n")),
        ("open_with in one file", z("open_with = [\"first-program\"]\n"), z("")),
        (
            "schemes",
            z("schemes = [\"https\"]\nopen_with = [\"first-program\"]\n"),
            z("schemes = [\"https\", \"zed\"]\nopen_with = [\"first-program\"]\n"),
        ),
    ];
    for (what, one, other) in &cases {
        for (a, b) in [(one, other), (other, one)] {
            let t = Test::new().file("links/a.toml", a).file("links/b.toml", b).file("links/c.toml", people);
            t.clone_args(["resolve", "-c", "links", "z.example", "5"])
                .run()
                .status(1)
                .stdout("")
                .stderr_has("`z.example 5` is defined differently in 2 places")
                .stderr_has("at links/a.toml:1")
                .stderr_has("at links/b.toml:1");
            t.clone_args(["resolve", "-c", "links", "w.example", "2", "--to", "z.example"]).run().status(1);
            for url in ["applink://z.example/1", "https://z.example/1"] {
                let out = t.clone_args(["open", "-c", "links", "--dry-run", url]).run();
                for program in ["first-program", "second-program"] {
                    let said = format!("{}{}", out.stdout, out.stderr);
                    assert!(!said.contains(program), "{what}, {url}: {said}");
                }
            }
            t.clone_args(["check", "-c", "links"])
                .run()
                .status(1)
                .stderr_has("`z.example` is defined 2 times, differently")
                .stderr_has("--> links/a.toml:1:")
                .stderr_has("--> links/b.toml:1:");
            t.clone_args(["resolve", "-c", "links", "w.example", "2"]).run().status(0).stdout("https://w.example/2\n");
        }
    }
    // The same definition twice is no conflict: what it says runs.
    let same = z("open_with = [\"first-program\"]\n");
    let t = Test::new().file("links/a.toml", &same).file("links/b.toml", &same).file("links/c.toml", people);
    t.clone_args(["resolve", "-c", "links", "z.example", "5"]).run().status(0).stdout("https://z.example/5\n");
    t.clone_args(["open", "-c", "links", "--dry-run", "applink://z.example/5"])
        .run()
        .stdout_has("  with: first-program");
}

/// Issue 18: `[browser] fallback` given differently in two files applies neither, in
/// either file order: `check` reports both places, and a URL no app knows goes to the
/// desktop's browser, not to either file's program. Given alike, it applies.
#[test]
fn a_browser_fallback_given_differently_applies_neither_in_either_file_order() {
    let first = "[browser]\nfallback = [\"first-browser\", \"-P\", \"a\"]\n";
    let second = "[browser]\nfallback = [\"second-browser\"]\n";
    for (a, b) in [(first, second), (second, first)] {
        let t = Test::new().file("links/a.toml", a).file("links/b.toml", b);
        t.clone_args(["check", "-c", "links"])
            .run()
            .status(1)
            .stderr_has("`[browser] fallback` is given differently in two files; neither applies until they agree")
            .stderr_has("--> links/a.toml:2:12")
            .stderr_has("--> links/b.toml:2:12");
        let out = t.clone_args(["open", "-c", "links", "--dry-run", "https://other.example/x"]).run().status(0);
        out.stdout_has("https://other.example/x\n").stdout_lacks("first-browser").stdout_lacks("second-browser");
    }
    let t = Test::new().file("links/a.toml", first).file("links/b.toml", first);
    t.clone_args(["check", "-c", "links"]).run().status(0);
    t.clone_args(["open", "-c", "links", "--dry-run", "https://other.example/x"])
        .run()
        .status(0)
        .stdout_has("first-browser -P a https://other.example/x");
}

#[test]
fn an_app_named_differently_keeps_the_first_name_with_a_warning() {
    Test::new()
        .file("links/a.toml", "[apps.\"z.example\"]\nname = \"Zed\"\nurl = \"https://z.example/{id}\"\n")
        .file("links/b.toml", "[apps.\"z.example\"]\nname = \"Zee\"\nurl = \"https://z.example/{id}\"\n")
        .args(["resolve", "-c", "links", "z.example", "5", "--json"])
        .run()
        .status(0)
        .stderr_lacks("error")
        .stdout_has("\"app_name\": \"Zed\"");
    Test::new()
        .file("links/a.toml", "[apps.\"z.example\"]\nname = \"Zed\"\nurl = \"https://z.example/{id}\"\n")
        .file("links/b.toml", "[apps.\"z.example\"]\nname = \"Zee\"\nurl = \"https://z.example/{id}\"\n")
        .args(["check", "-c", "links"])
        .run()
        .status(0)
        .stderr_has("warning: `z.example` is defined again with another name; the first name is used");
}

#[test]
fn agreeing_definitions_still_merge() {
    let t = Test::new().file("links/a.toml", CONTACTS).file(
        "links/b.toml",
        "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"github.com\", id = \"ada\", url = \"https://github.com/ada\" }, { app = \"x.example\", id = \"9\", url = \"https://x.example/9\" }]\n",
    );
    t.clone_args(["resolve", "-c", "links", "x.example", "9", "--to", "github.com"])
        .run()
        .status(0)
        .stdout("https://github.com/ada\n");
}

// Every error reaches the person.

#[test]
fn list_asks_the_daemon_first() {
    let d = Daemon::start(&[("links/apps.toml", APPS), ("links/contacts.toml", CONTACTS)]);
    Test::new()
        .env("APPLINKD_URL", &d.url(""))
        .args(["list"])
        .run()
        .status(0)
        .stdout_has("person Ada Lovelace\n")
        .stdout_has("  github.com ada  https://github.com/ada\n");
    Test::new()
        .env("APPLINKD_URL", &d.url(""))
        .args(["list", "--kind", "company"])
        .run()
        .status(0)
        .stdout("")
        .stderr_has(&format!("note: the daemon at {} holds no records of kind company", d.url("")));
}

#[test]
fn a_daemon_with_broken_files_is_said_on_stderr() {
    let d = Daemon::start(&[
        ("links/apps.toml", APPS),
        ("links/contacts.toml", CONTACTS),
        ("links/broken.toml", "[[person]\n"),
    ]);
    for args in [&["list"][..], &["resolve", "github.com", "ada"], &["show", "github.com", "ada"]] {
        Test::new()
            .env("APPLINKD_URL", &d.url(""))
            .args_vec(args)
            .run()
            .status(0)
            .stderr_has(&format!("warning: the daemon at {} reports 1 error(s) in its link files", d.url("")));
    }
}

#[test]
fn list_of_files_with_one_broken_says_so() {
    Test::new()
        .file("links/contacts.toml", CONTACTS)
        .file("links/broken.toml", "[[person]]\nname = \"B\"\nlinks = [{ app = \"Bad.com\", id = \"1\" }]\n")
        .args(["list", "-c", "links"])
        .run()
        .status(0)
        .stdout_has("person Ada Lovelace")
        .stderr_has("warning: 1 error(s) in the link files")
        .stderr_has("links/broken.toml:3:");
}

#[test]
fn nothing_answered_names_the_daemon_and_the_files() {
    Test::new()
        .args(["resolve", "hubspot.com", "501"])
        .run()
        .status(1)
        .stderr_has("no daemon answered at http://127.0.0.1:9, and no link files were found in ")
        .stderr_has("xdg-config/applinkd");
    Test::new().args(["list"]).run().status(0).stderr_has("no daemon answered at http://127.0.0.1:9");
}

#[test]
fn misspelt_keys_and_tables_get_a_did_you_mean() {
    crate::test::check("[[people]]\nname = \"A\"\n").status(1).stderr_has("help: did you mean `person`?");
    crate::test::check(
        "[[person]]\nname = \"A\"\nlinks = [{ app = \"a.com\", id = \"1\", ulr = \"https://a.com/1\" }]\n",
    )
    .status(1)
    .stderr_has("did you mean `url`?");
    crate::test::check("[apps.\"a.com\"]\nnmae = \"A\"\n").status(1).stderr_has("did you mean `name`?");
}

#[test]
fn diagnostics_come_in_file_and_position_order() {
    let out = Test::new()
        .file("links/b.toml", "[[person]]\nname = \"B\"\nlinks = [{ app = \"x.example\", id = \"1\", url = \"https://x.example/b\" }]\n")
        .file("links/a.toml", "[[person]]\nname = \"A\"\nlinks = [{ app = \"x.example\", id = \"1\", url = \"https://x.example/a\" }]\n\n[[company]]\nname = \"C\"\nlinks = [{ app = \"z.example\", id = \"2\" }]\n")
        .args(["check", "-c", "links"])
        .run()
        .status(1);
    let places: Vec<&str> = out.stderr.lines().filter(|l| l.trim_start().starts_with("--> ")).collect();
    assert_eq!(
        places,
        [" --> links/a.toml:3:10", " --> links/a.toml:7:10", " --> links/b.toml:3:10"],
        "{}",
        out.stderr
    );
}

#[test]
fn a_template_without_an_expression_is_a_warning() {
    crate::test::check("[apps.\"a.com\"]\nurl = \"https://a.com/inbox\"\n")
        .status(0)
        .stderr_has("warning: App URLs of `a.com` cannot be identified: its URL template it has no `{id}`")
        .stderr_has("every id goes to the same page");
}

// Pages say where things are.

#[test]
fn pages_show_former_app_ids_and_where_records_are_defined() {
    let apps = "[apps.\"mailchimp.com\"]\nname = \"MailChimp\"\nurl = \"https://mc.example/{id}\"\nformerly = [\"mailchimp.net\"]\n";
    let people = "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"mailchimp.net\", id = \"4\" }, { app = \"github.com\", id = \"ada\", url = \"https://github.com/ada\" }]\n";
    let d = Daemon::start(&[("links/apps.toml", apps), ("links/people.toml", people)]);
    let index = d.get("/").body;
    assert!(index.contains("(formerly mailchimp.net)"), "{index}");
    assert!(index.contains("(written as mailchimp.net)"), "{index}");
    assert!(index.contains("links/people.toml:1"), "{index}");
    let missing = d.get("/github.com/ada?to=zendesk.com");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("href=\"/github.com/ada?to=mailchimp.com\""), "{}", missing.body);
}

#[test]
fn the_empty_state_says_where_to_add_files_on_the_real_port() {
    let d = Daemon::start(&[("links/.keep", "")]);
    let index = d.get("/").body;
    assert!(index.contains("No records yet"), "{index}");
    assert!(index.contains("links</code>"), "names the directory: {index}");
    assert!(index.contains(&format!("{}/github.com/ada", d.url(""))), "the real port: {index}");
}

#[test]
fn the_starter_file_names_the_real_port() {
    let dir = tempfile::tempdir().unwrap();
    let d = Daemon::start_in(dir, &[], &[]);
    let starter = std::fs::read_to_string(d.path("xdg-config/applinkd/links.toml")).unwrap();
    assert!(
        starter.contains(&format!("http://applink.localhost:{}/mailchimp.com/48616032", d.addr.port())),
        "{starter}"
    );
}

#[test]
fn a_pair_named_differently_keeps_the_first_name_with_a_warning() {
    Test::new()
        .file("links/a.toml", "[[person]]\nname = \"A\"\nlinks = [{ app = \"x.example\", id = \"1\", name = \"Ex\", url = \"https://x.example/1\" }]\n")
        .file("links/b.toml", "[[person]]\nname = \"A\"\nlinks = [{ app = \"x.example\", id = \"1\", name = \"Xe\", url = \"https://x.example/1\" }]\n")
        .args(["check", "-c", "links"])
        .run()
        .status(0)
        .stderr_has("warning: `x.example 1` is named `Xe` here and `Ex` before; the first name is used")
        .stderr_has("--> links/b.toml:3:10");
}

#[test]
fn a_span_in_a_one_line_array_underlines_that_link_only() {
    let out = crate::test::check("[[person]]\nname = \"A\"\nlinks = [{ app = \"a.com\", id = \"1\", url = \"https://a.com/1\" }, { app = \"C.com\", id = \"3\" }]\n").status(1);
    let carets = out.stderr.lines().find(|l| l.contains('^')).unwrap();
    assert_eq!(carets.matches('^').count(), "\"C.com\"".len(), "{}", out.stderr);
}

/// Issue 18: the person/company conflict carries the sub-domain hint wherever it is
/// shown: `resolve` from the files, the daemon's API and its page, `check`.
#[test]
fn a_pair_on_a_person_and_a_company_says_to_use_a_sub_domain_everywhere() {
    let hint = "give each kind of object its own App ID, a sub-domain such as `companies.hubspot.com`";
    files("contacts", "companies")
        .args(["resolve", "-c", "links", "hubspot.com", "501"])
        .run()
        .status(1)
        .stderr_has("defined differently in 2 places")
        .stderr_has(hint);
    files("contacts", "companies").args(["check", "-c", "links"]).run().status(1).stderr_has("companies.hubspot.com");
    let d = Daemon::start(&[
        ("links/apps.toml", APPS),
        ("links/contacts.toml", CONTACTS),
        ("links/companies.toml", COMPANIES),
    ]);
    let api = d.get("/api/v1/resolve/hubspot.com/501");
    assert_eq!(api.status, 409, "{}", api.body);
    assert!(api.body.contains(hint), "{}", api.body);
    let page = d.get("/hubspot.com/501");
    assert_eq!(page.status, 300, "{}", page.body);
    assert!(page.body.contains("companies.hubspot.com"), "{}", page.body);
    // Two URLs for one pair on records of one kind: no sub-domain hint, it would mislead.
    let person = |name: &str, url: &str| {
        format!("[[person]]\nname = \"{name}\"\nlinks = [{{ app = \"hubspot.com\", id = \"501\", url = \"{url}\" }}]\n")
    };
    Test::new()
        .file("links/apps.toml", APPS)
        .file("links/a.toml", person("Ada", "https://app.hubspot.com/a"))
        .file("links/b.toml", person("Grace", "https://app.hubspot.com/b"))
        .args(["resolve", "-c", "links", "hubspot.com", "501"])
        .run()
        .status(1)
        .stderr_has("defined differently in 2 places")
        .stderr_lacks("sub-domain");
}
