//! `applinkd list`: records, merged, with their resolved links.

use crate::test::{APPS, Test};

const RECORDS: &str = r#"
[[person]]
name = "Ada Lovelace"
links = [{ app = "mailchimp.com", id = "1" }, { app = "zendesk.com", id = "9" }]

[[company]]
name = "Acme"
links = [{ app = "zendesk.com", id = "10" }]
"#;

const MORE: &str = r#"
[[person]]
name = "Ada King"
links = [{ app = "zendesk.com", id = "9" }, { app = "github.com", id = "ada", url = "https://github.com/ada" }]
"#;

fn list<const N: usize>(args: [&str; N]) -> crate::test::Output {
    Test::new()
        .file("a.toml", APPS)
        .file("b.toml", RECORDS)
        .file("c.toml", MORE)
        .args(["list", "-c", "."])
        .args(args)
        .run()
}

#[test]
fn lists_merged_records_in_file_order() {
    list([]).status(0).stdout(
        "person Ada Lovelace (also Ada King)
  mailchimp.com 1  https://us1.admin.mailchimp.com/lists/members/view?id=1
  zendesk.com 9  https://acme.zendesk.com/agent/users/9
  github.com ada  https://github.com/ada
company Acme
  zendesk.com 10  https://acme.zendesk.com/agent/users/10
",
    );
}

#[test]
fn filters_by_kind_and_app() {
    list(["--kind", "company"])
        .status(0)
        .stdout("company Acme\n  zendesk.com 10  https://acme.zendesk.com/agent/users/10\n");
    list(["--app", "GitHub.com"]).status(0).stdout_has("person Ada Lovelace").stdout_lacks("Acme");
    list(["--app", "nope.com"]).status(1).stderr_has("`nope.com` is not an App ID any link file knows");
    list(["--kind", "robot"]).status(2);
}

#[test]
fn json() {
    let out = list(["--json"]).status(0);
    let json = out.json();
    let ada = &json["records"][0];
    assert_eq!(ada["kind"], "person");
    assert_eq!(ada["name"], "Ada Lovelace");
    assert_eq!(ada["definitions"][1]["name"], "Ada King");
    assert_eq!(ada["definitions"][1]["file"], "./c.toml");
    assert_eq!(ada["links"][2]["url"], "https://github.com/ada");
    assert_eq!(ada["links"][0]["app_name"], "MailChimp");
}

#[test]
fn a_reader_that_stops_early_ends_the_listing_quietly() {
    use std::io::{BufRead, BufReader};
    // Enough output to overflow the pipe after the reader is gone.
    let mut records = String::from(APPS);
    for n in 0..5000 {
        records
            .push_str(&format!("[[person]]\nname = \"P{n}\"\nlinks = [{{ app = \"zendesk.com\", id = \"{n}\" }}]\n"));
    }
    let test = Test::new().file("links.toml", records);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_applinkd"))
        .args(["list", "-c", "links.toml"])
        .current_dir(test.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert_eq!(first, "person P0\n");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
