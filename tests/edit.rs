//! Editing, import and export (README: Links in and out), through the real binary on real files.

use crate::daemon::Daemon;
use crate::test::Test;

const APPS: &str = "[apps.\"mailchimp.com\"]\nname = \"MailChimp\"\nurl = \"https://us1.admin.mailchimp.com/lists/members/view?id={id}\"\n\n[apps.\"zendesk.com\"]\nname = \"Zendesk\"\nurl = \"https://acme.zendesk.com/agent/users/{id}\"\n\n[apps.\"hubspot.com\"]\nname = \"HubSpot\"\nurl = \"https://app.hubspot.com/contacts/4711/record/0-1/{id}\"\n";

const PEOPLE: &str = "# People we work with.\n\n[[person]]\nname = \"Ada Lovelace\"   # the first programmer\nlinks = [\n  { app = \"mailchimp.com\", id = \"48616032\" },   # newsletter\n  { app = \"zendesk.com\",   id = \"991\" },\n]\n\n[[company]]\nname = 'Acme Corp'\nlinks = [{ app = \"zendesk.com\", id = \"5\" }]\n";

fn files() -> Test {
    Test::new().file("links/apps.toml", APPS).file("links/people.toml", PEOPLE)
}

fn read(t: &Test, path: &str) -> String {
    std::fs::read_to_string(t.path().join(path)).unwrap()
}

#[test]
fn add_keeps_every_other_byte_and_indents_like_the_array() {
    let t = files();
    t.clone_args([
        "add",
        "-c",
        "links",
        "person",
        "Ada Lovelace",
        "github.com",
        "ada",
        "--url",
        "https://github.com/ada",
    ])
    .run()
    .status(0)
    .stdout("added `github.com ada` to the person `Ada Lovelace` at links/people.toml:8\n");
    let expected = PEOPLE.replace(
        "  { app = \"zendesk.com\",   id = \"991\" },\n]",
        "  { app = \"zendesk.com\",   id = \"991\" },\n  { app = \"github.com\", id = \"ada\", url = \"https://github.com/ada\" },\n]",
    );
    assert_eq!(read(&t, "links/people.toml"), expected);
    t.clone_args(["resolve", "-c", "links", "zendesk.com", "991", "--to", "github.com"])
        .run()
        .status(0)
        .stdout("https://github.com/ada\n");
    // The same link again: nothing changes.
    t.clone_args(["add", "-c", "links", "person", "Ada Lovelace", "github.com", "ada"])
        .run()
        .status(0)
        .stdout_has("already on");
    assert_eq!(read(&t, "links/people.toml"), expected);
}

#[test]
fn add_to_a_one_line_array_and_a_new_record() {
    let t = files();
    t.clone_args(["add", "-c", "links", "company", "Acme Corp", "hubspot.com", "502"]).run().status(0);
    assert!(
        read(&t, "links/people.toml")
            .contains("links = [{ app = \"zendesk.com\", id = \"5\" }, { app = \"hubspot.com\", id = \"502\" }]\n")
    );
    t.clone_args([
        "add",
        "-c",
        "links",
        "project",
        "Relaunch",
        "asana.com",
        "1203",
        "--url",
        "https://app.asana.com/0/1203",
    ])
    .run()
    .status(0)
    .stdout("added, with a new record, `asana.com 1203` to the project `Relaunch` at links/links.toml:4\n");
    assert_eq!(
        read(&t, "links/links.toml"),
        "[[project]]\nname = \"Relaunch\"\nlinks = [\n  { app = \"asana.com\", id = \"1203\", url = \"https://app.asana.com/0/1203\" },\n]\n"
    );
    t.clone_args(["check", "-c", "links"]).run().status(0);
}

#[test]
fn add_refuses_a_merge_unless_asked_and_a_conflict_always() {
    let t = files();
    // Charles is a record of his own first (HubSpot 77), so a merge is visible.
    t.clone_args(["add", "-c", "links", "person", "Charles Babbage", "hubspot.com", "77"]).run().status(0);
    let before = (read(&t, "links/people.toml"), read(&t, "links/links.toml"));
    t.clone_args(["add", "-c", "links", "person", "Charles Babbage", "zendesk.com", "991"])
        .run()
        .status(1)
        .stderr_has("`zendesk.com 991` is already on the person `Ada Lovelace` (links/people.toml:7)")
        .stderr_has("--merge");
    assert_eq!((read(&t, "links/people.toml"), read(&t, "links/links.toml")), before);
    t.clone_args(["add", "-c", "links", "company", "Other", "zendesk.com", "991"])
        .run()
        .status(1)
        .stderr_has("companies.zendesk.com");
    assert_eq!((read(&t, "links/people.toml"), read(&t, "links/links.toml")), before);
    t.clone_args(["resolve", "-c", "links", "hubspot.com", "77", "--to", "mailchimp.com"]).run().status(1);
    t.clone_args(["add", "-c", "links", "person", "Charles Babbage", "zendesk.com", "991", "--merge"]).run().status(0);
    // Merged: Charles's HubSpot record now reaches Ada's MailChimp link.
    t.clone_args(["resolve", "-c", "links", "hubspot.com", "77", "--to", "mailchimp.com"])
        .run()
        .status(0)
        .stdout("https://us1.admin.mailchimp.com/lists/members/view?id=48616032\n");
}

/// `applinkd ARGS` on `t`'s files, for argument lists built at run time.
fn run_args(t: &Test, args: &[&str]) -> crate::test::Output {
    let out = std::process::Command::new(crate::test::binary())
        .args(args)
        .current_dir(t.path())
        .env_remove("APPLINKD_CONFIG")
        .env("APPLINKD_URL", "http://127.0.0.1:9")
        .env("NO_COLOR", "1")
        .env("HOME", t.path())
        .env("XDG_CONFIG_HOME", t.path().join("xdg-config"))
        .output()
        .unwrap();
    crate::test::Output {
        status: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `import` of `content` (named `name`) fails at `at` with `message`, writing nothing.
fn import_refused(name: &str, content: &str, extra: &[&str], at: &str, message: &str) {
    let t = files().file(name, content);
    let mut args = vec!["import", "-c", "links", name];
    args.extend_from_slice(extra);
    let out = run_args(&t, &args);
    assert_eq!(out.status, 1, "{name}: {content}\n{}", out.stderr);
    assert!(out.stderr.contains(&format!("error: {name}:{at}")), "{content}: wanted {at}:\n{}", out.stderr);
    assert!(out.stderr.contains(message), "{content}: wanted {message}:\n{}", out.stderr);
    assert_eq!(read(&t, "links/people.toml"), PEOPLE, "{content}");
    assert_eq!(read(&t, "links/apps.toml"), APPS, "{content}");
    assert!(!t.path().join("links/links.toml").exists(), "{content}");
}

#[test]
fn imports_are_as_strict_as_link_files() {
    let link = |rest: &str| format!("{{\"kind\":\"person\",\"record\":\"Ada\",\"app\":\"zendesk.com\",{rest}}}\n");
    let ok = link("\"id\":\"1\"");
    for (line, at, message) in [
        (link("\"id\":\"1\",\"URL\":\"https://x.example/\""), "2:", "unknown field `URL`"),
        (link("\"id\":\"1\",\"url\":5"), "2:", "invalid type: integer `5`"),
        (link("\"id\":12345678901234567890123"), "2:", "would not survive"),
        (link("\"id\":1e3"), "2:", "would not survive"),
        (link("\"id\":\"1\",\"id\":\"2\""), "2:", "duplicate field `id`"),
        (link("\"id\":\"1\",\"url\":null"), "2:", "invalid type: null"),
        (
            "{\"app\":\"x.example\",\"open_with\":[\"firefox\",7,\"--private\"]}\n".into(),
            "2:",
            "invalid type: integer `7`",
        ),
    ] {
        import_refused("in.jsonl", &format!("{ok}{line}"), &[], at, message);
    }
    let app = "{\"app\":\"x.example\",\"url\":\"https://x.example/{id}\"}\n";
    import_refused(
        "in.jsonl",
        &format!("{app}{ok}{app}"),
        &[],
        "3:",
        "the app `x.example` is given twice (first at line 1)",
    );
    let browser = "{\"browser\":{\"fallback\":[\"firefox\"]}}\n";
    import_refused(
        "in.jsonl",
        &format!("{browser}{ok}{}", browser.replace("firefox", "chromium")),
        &["--allow-programs"],
        "3:",
        "`browser` is given twice (first at line 1)",
    );
    import_refused("in.csv", "name,id,id\nAda,1,2\n", &["--link", "zendesk.com=id"], "1:3", "named twice");
    import_refused("in.csv", "name,id\n\"Ada\"B,1\n", &["--link", "zendesk.com=id"], "2:1", "closing quote");
    import_refused("in.json", r#"{"people": [], "people": []}"#, &[], "1:", "duplicate field `people`");
    import_refused(
        "in.json",
        r#"{"people": [{"name": "A", "appLinks": [{"source": "zendesk.com", "uniqueid": 1e3}]}]}"#,
        &[],
        "1:",
        "would not survive",
    );
}

/// An app the files define already, given otherwise by the input (its `url`, its name, what
/// runs), is refused, never dropped for the files' version with "nothing to change"; given
/// the same, or with fewer fields, it changes nothing.
#[test]
fn an_app_the_input_defines_otherwise_is_refused_not_dropped() {
    for (line, differs) in [
        (r#"{"app":"zendesk.com","url":"https://evil.example/{id}"}"#, "(url)"),
        (r#"{"app":"zendesk.com","name":"Other","open_with":["firefox"]}"#, "(name, open_with)"),
    ] {
        let t = files().file("in.jsonl", format!("{line}\n"));
        let out = run_args(&t, &["import", "-c", "links", "in.jsonl", "--allow-programs"]);
        assert_eq!(out.status, 1, "{line}: {}", out.stderr);
        assert!(
            out.stderr.contains("line 1: `zendesk.com` is defined differently at links/apps.toml:"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains(differs), "{line}: {}", out.stderr);
        assert_eq!(read(&t, "links/apps.toml"), APPS);
        assert!(!t.path().join("links/links.toml").exists());
    }
    let t =
        files().file("in.jsonl", "{\"app\":\"zendesk.com\",\"url\":\"https://acme.zendesk.com/agent/users/{id}\"}\n");
    let out = run_args(&t, &["import", "-c", "links", "in.jsonl"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(read(&t, "links/apps.toml"), APPS);
}

#[test]
fn an_input_larger_than_a_link_file_may_be_is_refused_before_it_is_read() {
    let t = files();
    let big = std::fs::File::create(t.path().join("big.jsonl")).unwrap();
    big.set_len(65 * 1024 * 1024).unwrap(); // sparse: no time spent writing it
    t.clone_args(["import", "-c", "links", "big.jsonl"]).run().status(1).stderr_has("larger than 64 MiB");
}

#[test]
fn bad_arguments_write_nothing() {
    let t = files();
    t.clone_args(["add", "-c", "links", "person", "Ada", "MailChimp.com", "1"])
        .run()
        .status(2)
        .stderr_has("did you mean `mailchimp.com`?");
    t.clone_args(["add", "-c", "links", "person", "Ada", "a.com", " 1"]).run().status(2);
    t.clone_args(["add", "-c", "links", "person", "Ada", "a.com", "1", "--url", "javascript:alert(1)"])
        .run()
        .status(2)
        .stderr_has("never allowed");
    t.clone_args(["add", "-c", "links", "person", "Ada\nEvil", "a.com", "1", "--url", "https://a.com/1"])
        .run()
        .status(1)
        .stderr_has("nothing was written");
    t.clone_args(["app", "add", "-c", "links", "x.example", "--url", "https://{id}.example/"])
        .run()
        .status(2)
        .stderr_has("host");
    assert_eq!(read(&t, "links/people.toml"), PEOPLE);
    assert!(!t.path().join("links/links.toml").exists());
}

#[test]
fn dry_run_prints_a_unified_diff_and_writes_nothing() {
    let t = files();
    let out = t
        .clone_args(["add", "-c", "links", "person", "Ada Lovelace", "hubspot.com", "501", "--dry-run"])
        .run()
        .status(0);
    assert!(out.stdout.starts_with("--- links/people.toml\n+++ links/people.toml\n@@ "), "{}", out.stdout);
    assert!(out.stdout.contains("\n+  { app = \"hubspot.com\", id = \"501\" },\n"), "{}", out.stdout);
    assert_eq!(read(&t, "links/people.toml"), PEOPLE);
}

/// A file with errors is not read by an edit: `rm` of a pair that only it may hold says so, and
/// an edit made beside it warns.
#[test]
fn edits_name_the_files_they_could_not_read() {
    let t = files().file(
        "links/broken.toml",
        "[[person]]\nname = \"Bob\"\nlinks = [{ app = \"z.example\", id = \"2\", typo = 1 }]\n",
    );
    let out = run_args(&t, &["rm", "-c", "links", "z.example", "2"]);
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert!(out.stderr.contains("links/broken.toml has errors and was not read: fix it first"), "{}", out.stderr);
    // An edit made beside it says that the file was not checked against it.
    let out = run_args(&t, &["add", "-c", "links", "person", "Carl", "z.example", "2", "--url", "https://z.example/2"]);
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stderr.contains("warning: links/broken.toml has errors and was not read"), "{}", out.stderr);
}

#[test]
fn rm_removes_every_occurrence_and_says_where() {
    let t = files().file("links/more.toml", "[[person]]\nname = \"Ada\"\nlinks = [{ app = \"zendesk.com\", id = \"991\" }, { app = \"x.example\", id = \"1\", url = \"https://x.example/1\" }]\n");
    t.clone_args(["rm", "-c", "links", "zendesk.com", "991"]).run().status(0).stdout(
        "removed `zendesk.com 991` from links/more.toml:3\nremoved `zendesk.com 991` from links/people.toml:7\n",
    );
    assert!(!read(&t, "links/people.toml").contains("991"));
    assert!(read(&t, "links/people.toml").contains("# newsletter"));
    t.clone_args(["rm", "-c", "links", "zendesk.com", "991"]).run().status(1).stderr_has("no link file has");
}

#[test]
fn app_rename_keeps_the_old_name_working() {
    let t = files();
    t.clone_args(["app", "rename", "-c", "links", "zendesk.com", "help.acme.example"])
        .run()
        .status(0)
        .stdout_has("rewrote the app of 2 link(s)");
    let apps = read(&t, "links/apps.toml");
    assert!(apps.contains("[apps.\"help.acme.example\"]\nname = \"Zendesk\"\nurl = \"https://acme.zendesk.com/agent/users/{id}\"\nformerly = [\"zendesk.com\"]\n"), "{apps}");
    assert!(read(&t, "links/people.toml").contains("{ app = \"help.acme.example\", id = \"991\" }"));
    t.clone_args(["resolve", "-c", "links", "zendesk.com", "991"])
        .run()
        .status(0)
        .stdout("https://acme.zendesk.com/agent/users/991\n");
    t.clone_args(["check", "-c", "links"]).run().status(0);
}

#[test]
fn writes_are_atomic_keep_the_mode_and_follow_symlinks() {
    use std::os::unix::fs::PermissionsExt;
    let t = files();
    // The symlink's target is inside the config directory (a hidden folder, not itself
    // a link file): followed. One leading outside is refused (tests/transactions.rs).
    std::fs::create_dir(t.path().join("links/.real")).unwrap();
    let real = t.path().join("links/.real/people.toml");
    std::fs::rename(t.path().join("links/people.toml"), &real).unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::symlink(&real, t.path().join("links/people.toml")).unwrap();
    t.clone_args(["add", "-c", "links", "person", "Ada Lovelace", "hubspot.com", "501"]).run().status(0);
    assert!(std::fs::symlink_metadata(t.path().join("links/people.toml")).unwrap().file_type().is_symlink());
    assert!(std::fs::read_to_string(&real).unwrap().contains("hubspot.com"));
    assert_eq!(std::fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640);
    let leftovers: Vec<_> = std::fs::read_dir(t.path().join("links"))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".applinkd-"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_running_daemon_picks_an_edit_up() {
    let d = Daemon::start(&[("links/apps.toml", APPS), ("links/people.toml", PEOPLE)]);
    Test::new()
        .args_vec(&[
            "add",
            "-c",
            d.path("links").to_str().unwrap(),
            "person",
            "Ada Lovelace",
            "github.com",
            "ada",
            "--url",
            "https://github.com/ada",
        ])
        .run()
        .status(0);
    d.wait_location("/zendesk.com/991?to=github.com", "https://github.com/ada");
}

const CSV: &str = "\u{feff}Name,HubSpot ID,Zendesk ID,HubSpot URL\r\nAda Lovelace,501,991,\r\n\"Bob \"\"The\"\" Builder\",777,,https://app.hubspot.com/contacts/777\r\nNo Links,,,\r\n";

fn csv_import(t: &Test) -> crate::test::Output {
    t.clone_args([
        "import",
        "-c",
        "links",
        "people.csv",
        "--name-column",
        "Name",
        "--link",
        "hubspot.com=HubSpot ID",
        "--link",
        "zendesk.com=Zendesk ID",
        "--url-column",
        "hubspot.com=HubSpot URL",
    ])
    .run()
}

#[test]
fn csv_import_merges_through_shared_pairs_and_twice_changes_nothing() {
    let t = files().file("people.csv", CSV);
    csv_import(&t).status(0).stdout_has(
        "imported people.csv: 2 link(s) added, 1 record(s) created, 1 record(s) merged, 0 app(s) added, 1 row(s) skipped",
    ).stdout_has("skipped: line 4: `No Links` has no links");
    t.clone_args(["resolve", "-c", "links", "zendesk.com", "991", "--to", "hubspot.com"])
        .run()
        .status(0)
        .stdout("https://app.hubspot.com/contacts/4711/record/0-1/501\n");
    t.clone_args(["resolve", "-c", "links", "hubspot.com", "777"])
        .run()
        .status(0)
        .stdout("https://app.hubspot.com/contacts/777\n");
    let before = (read(&t, "links/people.toml"), read(&t, "links/links.toml"));
    csv_import(&t).status(0).stdout_has("0 link(s) added, 0 record(s) created");
    assert_eq!((read(&t, "links/people.toml"), read(&t, "links/links.toml")), before);
}

/// A pair one input record puts on a record of the files leads a later input record
/// there too (records merge through shared pairs, also pairs the import itself adds).
#[test]
fn input_records_chain_onto_a_record_of_the_files() {
    let input = concat!(
        r#"{"kind":"person","record":"A. Lovelace","app":"zendesk.com","id":"991","ref":1}"#,
        "\n",
        r#"{"kind":"person","record":"A. Lovelace","app":"github.com","id":"ada","url":"https://github.com/ada","ref":1}"#,
        "\n",
        r#"{"kind":"person","record":"Countess","app":"github.com","id":"ada","ref":2}"#,
        "\n",
        r#"{"kind":"person","record":"Countess","app":"hubspot.com","id":"501","ref":2}"#,
        "\n",
        r#"{"kind":"person","record":"Bob","app":"hubspot.com","id":"777","ref":3}"#,
        "\n",
    );
    let t = files().file("in.jsonl", input);
    t.clone_args(["import", "-c", "links", "in.jsonl"]).run().status(0).stdout_has(
        "imported in.jsonl: 3 link(s) added, 1 record(s) created, 2 record(s) merged, 0 app(s) added, 0 row(s) skipped",
    );
    let people = read(&t, "links/people.toml");
    let ada = &people[people.find("Ada Lovelace").unwrap()..people.find("[[company]]").unwrap()];
    assert!(ada.contains(r#"id = "ada""#) && ada.contains(r#"id = "501""#), "{people}");
    assert!(!std::fs::read_to_string(t.path().join("links/links.toml")).unwrap_or_default().contains("Countess"));
    t.clone_args(["resolve", "-c", "links", "hubspot.com", "501", "--to", "mailchimp.com"]).run().status(0);
    t.clone_args(["import", "-c", "links", "in.jsonl"]).run().status(0).stdout_has("nothing to change");
}

/// A pair names one record, of one kind, also when the input itself places it: a person
/// that shares a pair with a company (of the files, or earlier in the input) is refused.
#[test]
fn a_pair_the_input_places_keeps_its_record_kind() {
    let line = |kind: &str, record: &str, app: &str, id: &str| {
        format!("{{\"kind\":\"{kind}\",\"record\":\"{record}\",\"app\":\"{app}\",\"id\":\"{id}\"}}\n")
    };
    for (name, input) in [
        (
            "joined",
            line("company", "Acme Corp", "zendesk.com", "5")
                + &line("company", "Acme Corp", "hubspot.com", "8")
                + &line("person", "Bob", "hubspot.com", "8")
                + &line("person", "Bob", "zendesk.com", "6"),
        ),
        (
            "created",
            line("person", "Ann", "hubspot.com", "a1")
                + &line("company", "Beta", "hubspot.com", "a1")
                + &line("company", "Beta", "zendesk.com", "b2"),
        ),
    ] {
        let t = files().file("in.jsonl", &input);
        let before = (read(&t, "links/people.toml"), read(&t, "links/apps.toml"));
        let out = t.clone_args(["import", "-c", "links", "in.jsonl"]).run();
        out.status(1).stderr_has("not a ").stderr_has("nothing was written");
        assert_eq!((read(&t, "links/people.toml"), read(&t, "links/apps.toml")), before, "{name}");
        assert!(!t.path().join("links/links.toml").exists(), "{name}");
    }
}

#[test]
fn a_bad_row_stops_the_import_naming_its_line_and_column() {
    let t = files().file("people.csv", "Name,HubSpot ID\nAda,501\nBob,\"multi\nline id\"\nEve,7\n");
    let out = t
        .clone_args([
            "import",
            "-c",
            "links",
            "people.csv",
            "--name-column",
            "Name",
            "--link",
            "hubspot.com=HubSpot ID",
        ])
        .run();
    out.status(1).stderr_has("error: people.csv:3:2: ").stderr_has("nothing was written");
    assert_eq!(read(&t, "links/people.toml"), PEOPLE);
    assert!(!t.path().join("links/links.toml").exists());
    for (content, message) in
        [("", "the input is empty"), ("Name,X\nAda,1\n", "no column `HubSpot ID`; the columns are `Name`, `X`")]
    {
        let t = files().file("in.csv", content);
        t.clone_args(["import", "-c", "links", "in.csv", "--name-column", "Name", "--link", "hubspot.com=HubSpot ID"])
            .run()
            .status(1)
            .stderr_has(message);
    }
    let t = files().file("in.csv", b"Name,HubSpot ID\nAd\xff,1\n");
    t.clone_args(["import", "-c", "links", "in.csv", "--name-column", "Name", "--link", "hubspot.com=HubSpot ID"])
        .run()
        .status(1)
        .stderr_has("not UTF-8");
}

#[test]
fn cloze_round_trip() {
    let cloze = r#"{"people": [{"first": "Ada", "last": "Lovelace", "appLinks": [{"source": "hubspot.com", "uniqueid": "501", "label": "HubSpot", "url": "https://app.hubspot.com/contacts/4711/record/0-1/501"}, {"source": "github.com", "uniqueid": "ada", "label": "GitHub", "url": "https://github.com/ada"}]}],
                  "companies": [{"name": "Acme", "appLinks": [{"source": "companies.hubspot.com", "uniqueid": 502, "url": "https://app.hubspot.com/contacts/4711/record/0-2/502"}]}]}"#;
    let t = Test::new().dir("links").file("cloze.json", cloze);
    t.clone_args(["import", "-c", "links", "cloze.json"])
        .run()
        .status(0)
        .stdout_has("3 link(s) added, 2 record(s) created");
    t.clone_args(["resolve", "-c", "links", "hubspot.com", "501", "--to", "github.com"])
        .run()
        .status(0)
        .stdout("https://github.com/ada\n");
    let exported = t.clone_args(["export", "-c", "links", "--format", "cloze"]).run().status(0).stdout;
    let t2 = Test::new().dir("links").file("again.json", &exported);
    t2.clone_args(["import", "-c", "links", "again.json"]).run().status(0);
    assert_eq!(t2.clone_args(["export", "-c", "links", "--format", "cloze"]).run().stdout, exported);
}

/// A link's own name stays its own: the Cloze export's `label` of a link without a name is
/// its app's defined name, never the name another link of that app gives (which came back
/// on every link of the app after a round trip).
#[test]
fn a_cloze_round_trip_gives_no_link_another_links_name() {
    let files = "[[person]]\nname = \"A\"\nlinks = [{ app = \"x.example\", id = \"1\", url = \"https://x.example/1\", name = \"Special\" }]\n\n\
                 [[person]]\nname = \"B\"\nlinks = [{ app = \"x.example\", id = \"2\", url = \"https://x.example/2\" }]\n";
    let t = Test::new().file("links/people.toml", files);
    let exported = t.clone_args(["export", "-c", "links", "--format", "cloze"]).run().status(0).stdout;
    let t2 = Test::new().dir("links").file("again.json", &exported);
    t2.clone_args(["import", "-c", "links", "again.json"]).run().status(0);
    let lines = t2.clone_args(["export", "-c", "links", "--format", "jsonl"]).run().status(0).stdout;
    let named: Vec<&str> = lines.lines().filter(|l| l.contains("Special")).collect();
    assert_eq!(named.len(), 1, "{lines}");
    assert!(named[0].contains("\"id\":\"1\""), "{lines}");
}

const SLACK_APP: &str = "[apps.\"slack.com\"]\nname = \"Slack\"\nurl = \"slack://user?team=T1&id={id}\"\nschemes = [\"slack\", \"https\"]\nformerly = [\"slack.net\"]\nopen_with = [\"xdg-open\"]\n\n[apps.\"zoom.us\"]\nurl = \"https://zoom.us/j/{id}{?pwd}\"\nnative = \"zoommtg://zoom.us/join?confno={id}{&pwd}\"\nschemes = [\"https\", \"zoommtg\"]\n";

/// Records a round trip must keep apart and exact: two with one name, outer spaces,
/// a link's own name, cells a spreadsheet would run, and the fallback browser.
const TRICKY: &str = "[browser]\nfallback = [\"firefox\", \"--private-window\"]\n\n[[person]]\nname = \"John Smith\"\nlinks = [{ app = \"zendesk.com\", id = \"7\" }]\n\n[[person]]\nname = \"John Smith\"\nlinks = [{ app = \"zendesk.com\", id = \"8\" }]\n\n[[company]]\nname = \"  Spaced Inc  \"\nlinks = [{ app = \"zendesk.com\", id = \"-5\", name = \"=HYPERLINK(1)\" }]\n\n[[person]]\nname = \"=cmd|' /C calc'!A0\"\nlinks = [{ app = \"zendesk.com\", id = \"@9\" }]\n";

#[test]
fn export_then_import_into_an_empty_directory_gives_the_same() {
    let t = files()
        .file("links/slack.toml", format!("{SLACK_APP}\n[[person]]\nname = \"Charles\"\nlinks = [{{ app = \"slack.net\", id = \"U1\" }}, {{ app = \"zoom.us\", id = \"85\" }}]\n"))
        .file("links/tricky.toml", TRICKY);
    let csv = t.clone_args(["export", "-c", "links", "--format", "csv"]).run().status(0).stdout;
    for cell in ["'=cmd", "'-5", "'=HYPERLINK", "'@9"] {
        assert!(csv.contains(cell), "{cell} is not guarded:\n{csv}");
    }
    assert!(!csv.lines().any(|l| l.split(',').any(|c| c.starts_with(['=', '+', '-', '@']))), "{csv}");
    for format in ["jsonl", "csv", "cloze"] {
        let exported = t.clone_args(["export", "-c", "links", "--format", format]).run().status(0).stdout;
        // Cloze's JSON holds the apps and the fallback in its `applinkd` section.
        let name = if format == "cloze" { "all.json".to_owned() } else { format!("all.{format}") };
        // CSV holds links only: its apps must be there already (as README: Links in and out has it).
        let t2 = match format {
            "csv" => Test::new().file("links/apps.toml", APPS).file(
                "links/slack.toml",
                format!("{SLACK_APP}\n[browser]\nfallback = [\"firefox\", \"--private-window\"]\n"),
            ),
            _ => Test::new().dir("links"),
        }
        .file(&name, &exported);
        if format != "csv" {
            // It brings programs to run: refused, each named, unless allowed.
            t2.clone_args(["import", "-c", "links", &name])
                .run()
                .status(1)
                .stderr_has("open_with = [\"xdg-open\"]")
                .stderr_has("[browser] fallback")
                .stderr_has("--allow-programs");
            assert!(!t2.path().join("links/links.toml").exists());
        }
        t2.clone_args(["import", "-c", "links", &name, "--allow-programs"]).run().status(0);
        t2.clone_args(["check", "-c", "links"]).run().status(0);
        let again = t2.clone_args(["export", "-c", "links", "--format", format]).run().stdout;
        let sorted = |s: &str| {
            let mut lines: Vec<&str> = s.lines().collect();
            lines.sort();
            lines.join("\n")
        };
        assert_eq!(sorted(&again), sorted(&exported), "{format}");
        // Two John Smiths stay two records, of one link each.
        for id in ["7", "8"] {
            let john = t2.clone_args(["show", "-c", "links", "zendesk.com", id, "--json"]).run().status(0).json();
            assert_eq!(john["record"]["name"], "John Smith", "{format}");
            assert_eq!(john["record"]["links"].as_array().unwrap().len(), 1, "{format}: {john}");
        }
        let spaced = t2.clone_args(["show", "-c", "links", "--json", "--", "zendesk.com", "-5"]).run().status(0).json();
        assert_eq!(spaced["record"]["name"], "  Spaced Inc  ", "{format}");
        // An app's `native` deep link (README: The web-link router) survives the round trip.
        let routed =
            t2.clone_args(["open", "-c", "links", "--dry-run", "https://zoom.us/j/85?pwd=x"]).run().status(0).stdout;
        assert!(routed.starts_with("zoommtg://zoom.us/join?confno=85&pwd=x\n"), "{format}: {routed}");
    }
}
