//! `applinkd check`: every kind of bad input gets a clear error at its place.

use crate::test::{APPS, Test, check, check_error};

#[test]
fn example_config_is_clean() {
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/config");
    Test::new().args(["check", "-c", config]).run().status(0).stdout_has(": ok\n").stderr("");
}

#[test]
fn summary_counts() {
    check(&format!("{APPS}\n[[person]]\nname = \"Ada\"\nlinks = [{{ app = \"mailchimp.com\", id = \"1\" }}]\n"))
        .status(0)
        .stdout("1 file: 2 apps, 1 record, 1 link: ok\n");
}

#[test]
fn syntax_error() {
    check_error("[[person]\nname = \"x\"\n", "1:10", "unclosed array table, expected `]`");
}

#[test]
fn several_syntax_errors_are_all_reported() {
    let out = check("a = \nb = [1,\n[c\n").status(1);
    assert!(out.stderr.matches("error:").count() >= 2, "{}", out.stderr);
}

#[test]
fn unknown_top_level_key_suggests() {
    check_error("[[persons]]\nname = \"x\"\n", "1:3", "unknown key `persons`").stderr_has("did you mean `person`?");
}

#[test]
fn unknown_app_key() {
    check_error("[apps.\"x.com\"]\nnme = \"X\"\n", "2:1", "unknown field `nme`");
}

#[test]
fn unknown_record_key() {
    check_error("[[person]]\nname = \"x\"\nlink = []\n", "3:1", "unknown key `link` in a person")
        .stderr_has("did you mean `links`?");
}

#[test]
fn unknown_link_key() {
    check_error(
        "[[person]]\nname = \"x\"\nlinks = [{ app = \"a.com\", id = \"1\", ur = \"https://a.com/\" }]\n",
        "3:37",
        "unknown field `ur`",
    );
}

#[test]
fn wrong_types() {
    check_error(
        "[[person]]\nname = \"x\"\nlinks = [{ app = \"a.com\", id = true }]\n",
        "3:32",
        "invalid type: boolean `true`, expected an id: a string or an integer",
    );
    check_error("[[person]]\nname = \"x\"\nlinks = \"a.com\"\n", "3:9", "`links` must be an array");
    check_error("person = 1\n", "1:10", "`person` must be an array of tables");
    check_error(
        "[apps.\"x.com\"]\nformerly = \"y.com\"\n",
        "2:12",
        "invalid type: string \"y.com\", expected a sequence",
    );
}

#[test]
fn numeric_ids_are_accepted() {
    Test::new()
        .file(
            "links.toml",
            format!("{APPS}\n[[person]]\nname = \"x\"\nlinks = [{{ app = \"zendesk.com\", id = 991 }}]\n"),
        )
        .args(["resolve", "-c", "links.toml", "zendesk.com", "991", "--json"])
        .run()
        .status(0)
        .stdout_has("\"name\": \"x\"")
        .stdout_has("https://acme.zendesk.com/agent/users/991");
}

#[test]
fn missing_record_name() {
    check_error("[[person]]\nlinks = []\n", "1:1", "this person has no `name`");
}

#[test]
fn upper_case_app_id_suggests_lower_case() {
    check_error(
        "[apps.\"MailChimp.com\"]\nname = \"M\"\n",
        "1:7",
        "invalid App ID `MailChimp.com`: App IDs are lower-case",
    )
    .stderr_has("help: did you mean `mailchimp.com`?");
    check_error(
        "[[person]]\nname = \"x\"\nlinks = [{ app = \"GitHub.com\", id = \"1\" }]\n",
        "3:18",
        "invalid App ID `GitHub.com`",
    )
    .stderr_has("did you mean `github.com`?");
}

#[test]
fn invalid_app_ids() {
    for (app, reason) in [
        ("github", "not a domain name"),
        ("a..b", "empty label"),
        ("a_b.com", "only letters, digits"),
        ("1.2.3.4", "IP address"),
        ("", "it is empty"),
    ] {
        check_error(
            &format!("[[person]]\nname = \"x\"\nlinks = [{{ app = \"{app}\", id = \"1\" }}]\n"),
            "3:18",
            &format!("invalid App ID `{app}`: "),
        )
        .stderr_has(reason);
    }
}

#[test]
fn bad_unique_ids() {
    for (id, message) in [
        ("", "the Unique ID is empty"),
        (" 1", "the Unique ID starts or ends with white space"),
        ("1 ", "the Unique ID starts or ends with white space"),
        ("a\\tb", "the Unique ID contains a control character"),
        ("a\\u0000b", "the Unique ID contains a control character"),
    ] {
        check_error(
            &format!(
                "[[person]]\nname = \"x\"\nlinks = [{{ app = \"a.com\", id = \"{id}\", url = \"https://a.com/\" }}]\n"
            ),
            "3:32",
            message,
        );
    }
    let long = "x".repeat(1025);
    check_error(
        &format!(
            "[[person]]\nname = \"x\"\nlinks = [{{ app = \"a.com\", id = \"{long}\", url = \"https://a.com/\" }}]\n"
        ),
        "3:32",
        "the Unique ID is longer than 1024 bytes",
    );
}

#[test]
fn relative_and_unparsable_urls() {
    let link =
        |url: &str| format!("[[person]]\nname = \"x\"\nlinks = [{{ app = \"a.com\", id = \"1\", url = \"{url}\" }}]\n");
    check_error(&link("/ada"), "3:43", "`/ada` is not an absolute URL")
        .stderr_has("help: write the full URL with its scheme, like `https://example.com/ada`");
    check_error(&link("github.com/ada"), "3:43", "`github.com/ada` is not an absolute URL");
    check_error(
        &link("https://exa mple.com/"),
        "3:43",
        "`https://exa mple.com/` is not a valid URL: invalid international domain name",
    );
    check_error(&link("https://"), "3:43", "`https://` is not a valid URL");
}

#[test]
fn dangerous_schemes_are_refused_on_links_and_templates() {
    for scheme in ["javascript", "data", "file", "vbscript", "blob", "JavaScript"] {
        let lower = scheme.to_ascii_lowercase();
        check_error(
            &format!("[[person]]\nname = \"x\"\nlinks = [{{ app = \"a.com\", id = \"1\", url = \"{scheme}:x\" }}]\n"),
            "3:43",
            &format!("`{lower}:` URLs are never allowed"),
        );
        check_error(
            &format!("[apps.\"a.com\"]\nurl = \"{scheme}:{{id}}\"\n"),
            "2:8",
            &format!("`{lower}:` URLs are never allowed"),
        );
        // Even when the app lists the scheme.
        check_error(
            &format!("[apps.\"a.com\"]\nschemes = [\"{scheme}\"]\n"),
            "2:12",
            &format!("`{lower}:` URLs are never allowed"),
        );
    }
}

/// The hint is the whole list: followed exactly, the file checks (issue 20: `schemes = ["zoommtg"]`
/// alone refused the app's `https` template in turn).
#[test]
fn the_schemes_hint_followed_exactly_fixes_the_file() {
    let file = "[apps.\"zoom.us\"]\nurl = \"https://zoom.us/j/{id}\"\nnative = \"zoommtg://zoom.us/join?confno={id}\"\nschemes = [\"https\"]\n";
    let out = crate::test::check(file).status(1);
    let hint = out.stderr.split('`').find(|part| part.starts_with("schemes = [")).expect("a schemes hint").to_owned();
    assert_eq!(hint, r#"schemes = ["https", "zoommtg"]"#);
    crate::test::check(&file.replace(r#"schemes = ["https"]"#, &hint)).status(0);
}

#[test]
fn scheme_outside_the_apps_schemes() {
    check_error(
        "[apps.\"slack.com\"]\nurl = \"slack://user?id={id}\"\n",
        "2:7",
        "the URL template's scheme `slack` is not allowed for this app",
    )
    .stderr_has("allow it too: `schemes = [\"http\", \"https\", \"slack\"]`");
    check_error(
        "[[person]]\nname = \"x\"\nlinks = [{ app = \"slack.com\", id = \"1\", url = \"slack://user?id=1\" }]\n",
        "3:10",
        "`slack:` URLs are not allowed for `slack.com`; the link is not applied",
    );
    check("[apps.\"slack.com\"]\nurl = \"slack://user?id={id}\"\nschemes = [\"slack\"]\n").status(0);
}

#[test]
fn invalid_templates() {
    for (template, column, message) in [
        ("https://a.com/{id", 22, "invalid URL template: expression not closed"),
        ("https://a.com/{!id}", 23, "invalid URL template: unsupported operator"),
        ("https://a.com/{=id}", 23, "invalid URL template: unsupported operator"),
        ("https://a.com/{user}", 23, "unknown variable `user` in URL template"),
        ("/users/{id}", 8, "the URL template does not start with a literal scheme"),
    ] {
        check_error(&format!("[apps.\"a.com\"]\nurl = \"{template}\"\n"), &format!("2:{column}"), message);
    }
}

#[test]
fn template_that_could_escape_its_host() {
    check_error(
        "[apps.\"a.com\"]\nurl = \"https://{id}.a.com/\"\n",
        "2:16",
        "the URL template puts an expression in its host",
    )
    .stderr_has("an id must never choose where a link goes");
    check_error(
        "[apps.\"a.com\"]\nurl = \"https://a.com{+id}\"\n",
        "2:21",
        "the URL template puts an expression in its host",
    );
}

#[test]
fn formerly_that_is_a_real_app() {
    check_error(
        "[apps.\"a.com\"]\nurl = \"https://a.com/{id}\"\nformerly = [\"b.com\"]\n\n[apps.\"b.com\"]\nurl = \"https://b.com/{id}\"\n",
        "3:13",
        "`b.com` is in `formerly` of `a.com`, but it is an app of its own",
    )
    .stderr_has("::: links.toml:5:7");
}

#[test]
fn formerly_claimed_by_two_apps() {
    Test::new()
        .file("1.toml", "[apps.\"a.com\"]\nurl = \"https://a.com/{id}\"\nformerly = [\"old.com\"]\n")
        .file("2.toml", "[apps.\"b.com\"]\nurl = \"https://b.com/{id}\"\nformerly = [\"old.com\"]\n")
        .args(["check", "-c", "."])
        .run()
        .status(1)
        .stderr_has("error: `old.com` is in `formerly` of two apps")
        .stderr_has("--> ./2.toml:3:13")
        .stderr_has("::: ./1.toml:3:13");
}

#[test]
fn same_pair_with_two_urls_is_a_conflict_in_both_files() {
    let link = |url: &str| {
        format!("[[person]]\nname = \"Ada\"\nlinks = [{{ app = \"a.com\", id = \"1\", url = \"{url}\" }}]\n")
    };
    let two_files =
        || Test::new().file("a.toml", link("https://a.com/first")).file("b.toml", link("https://a.com/second"));
    let out = two_files().args(["check", "-c", "."]).run().status(1);
    out.stderr_has("error: `a.com 1` is defined 2 times with different URLs; neither applies until they agree")
        .stderr_has("--> ./a.toml:3:10")
        .stderr_has("--> ./b.toml:3:10")
        .stderr_has("::: ./b.toml:3:10")
        .stderr_has("::: ./a.toml:3:10");
    two_files()
        .args(["resolve", "-c", ".", "a.com", "1"])
        .run()
        .status(1)
        .stdout("")
        .stderr_has("candidate: https://a.com/first on the person `Ada` at ./a.toml:3")
        .stderr_has("candidate: https://a.com/second on the person `Ada` at ./b.toml:3");
}

#[test]
fn same_pair_on_a_person_and_a_company() {
    let out = check_error(
        "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"a.com\", id = \"1\", url = \"https://a.com/1\" }]\n\n[[company]]\nname = \"Acme\"\nlinks = [{ app = \"a.com\", id = \"1\" }]\n",
        "7:10",
        "`a.com 1` is defined 2 times on records of different kinds; neither applies until they agree",
    );
    out.stderr_has("--> links.toml:3:10").stderr_has("companies.a.com");
}

#[test]
fn link_without_url_and_app_without_template() {
    check_error(
        "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"a.com\", id = \"1\" }]\n",
        "3:10",
        "the link to `a.com` has no `url`, and the app has no URL template",
    );
}

#[test]
fn non_utf8_file() {
    let out =
        Test::new().file("links.toml", b"[[person]]\nname = \"Ad\xff\"\n").args(["check", "-c", "links.toml"]).run();
    out.status(1).stderr_has("error: the file is not valid UTF-8").stderr_has("--> links.toml:2:11");
}

#[test]
fn empty_file_is_valid() {
    check("").status(0).stdout("1 file: 0 apps, 0 records, 0 links: ok\n");
}

#[test]
fn directory_without_link_files_warns() {
    Test::new()
        .dir("empty")
        .file("empty/notes.txt", "not links")
        .args(["check", "-c", "empty"])
        .run()
        .status(0)
        .stderr_has("warning: the directory holds no `*.toml` link files")
        .stdout("0 files: 0 apps, 0 records, 0 links: 1 warning\n");
}

#[test]
fn path_that_does_not_exist() {
    Test::new()
        .args(["check", "-c", "nowhere.toml"])
        .run()
        .status(2)
        .stderr_has("error: the config path `nowhere.toml` does not exist");
    // Every command that only reads says so (issue 20: `resolve` said "not an App ID any
    // link file knows"), with exit 2, naming the path.
    for words in [
        &["resolve", "-c", "nowhere", "zendesk.com", "991"][..],
        &["show", "-c", "nowhere", "zendesk.com", "991"],
        &["list", "-c", "nowhere"],
        &["open", "--dry-run", "-c", "nowhere", "zendesk.com", "991"],
        &["export", "-c", "nowhere"],
    ] {
        Test::new().args_vec(words).run().status(2).stderr_has("the config path `nowhere` does not exist");
    }
}

#[test]
fn a_broken_file_does_not_take_the_others_down() {
    Test::new()
        .file("a.toml", APPS)
        .file("b.toml", "[[person]\n")
        .args(["resolve", "-c", ".", "mailchimp.com", "7"])
        .run()
        .status(0)
        .stdout("https://us1.admin.mailchimp.com/lists/members/view?id=7\n")
        .stderr_has("warning: 1 error(s) in the link files; what they hold is not applied");
}

#[test]
fn json_report() {
    let out = Test::new()
        .file("links.toml", "[apps.\"A.com\"]\n")
        .args(["check", "-c", "links.toml", "--json"])
        .run()
        .status(1);
    let json = out.json();
    assert_eq!(json["ok"], false);
    assert_eq!(json["errors"], 1);
    let d = &json["diagnostics"][0];
    assert_eq!(d["severity"], "error");
    assert_eq!(d["labels"][0]["file"], "links.toml");
    assert_eq!(d["labels"][0]["line"], 1);
    assert_eq!(d["labels"][0]["column"], 7);
    assert_eq!(d["hint"], "did you mean `a.com`?");
    assert_eq!(json["files"][0]["applied"], false);
}

#[test]
fn hidden_files_and_editor_droppings_are_skipped() {
    Test::new()
        .file("links.toml", APPS)
        .file(".#links.toml", "broken [")
        .file("links.toml~", "broken [")
        .file(".links.toml.swp", "broken [")
        .file("4913", "broken [")
        .file(".git/x.toml", "broken [")
        .file("sub/more.toml", "[[person]]\nname = \"x\"\nlinks = [{ app = \"zendesk.com\", id = \"1\" }]\n")
        .args(["check", "-c", "."])
        .run()
        .status(0)
        .stdout("2 files: 2 apps, 1 record, 1 link: ok\n");
}
