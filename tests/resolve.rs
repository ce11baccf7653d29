//! `applinkd resolve`: the exact URL for every TARGET form and for hostile ids.

use crate::test::{ADA, APPS, Output, Test};

const MORE: &str = r#"
[[person]]
name = "Ada King"
links = [
  { app = "zendesk.com", id = "991" },
  { app = "asana.com", id = "77", url = "https://app.asana.com/0/77" },
]
"#;

fn resolve<const N: usize>(args: [&str; N]) -> Output {
    let test = Test::new()
        .file("apps.toml", APPS)
        .file("people.toml", format!("{ADA}{MORE}"))
        .args(["resolve", "-c", "."])
        .args(args);
    test.run()
}

#[test]
fn the_contract_example() {
    resolve(["mailchimp.com", "48616032"])
        .status(0)
        .stdout("https://us1.admin.mailchimp.com/lists/members/view?id=48616032\n")
        .stderr_lacks("warning");
}

#[test]
fn three_target_forms() {
    for args in
        [vec!["zendesk.com", "991"], vec!["applink://zendesk.com/991"], vec!["http://127.0.0.1:7133/zendesk.com/991"]]
    {
        let test = Test::new().file("apps.toml", APPS).args(["resolve", "-c", "apps.toml"]);
        let test = args.iter().fold(test, |t, a| t.args([a]));
        test.run().status(0).stdout("https://acme.zendesk.com/agent/users/991\n");
    }
}

#[test]
fn explicit_url_wins_over_template() {
    resolve(["github.com", "ada"]).status(0).stdout("https://github.com/ada\n");
}

#[test]
fn app_lookup_is_case_insensitive_and_follows_formerly() {
    resolve(["MailChimp.COM", "5"]).status(0).stdout("https://us1.admin.mailchimp.com/lists/members/view?id=5\n");
    resolve(["mailchimp.net", "5"]).status(0).stdout("https://us1.admin.mailchimp.com/lists/members/view?id=5\n");
}

#[test]
fn hostile_ids_stay_in_their_place() {
    for (id, url) in [
        ("../x", "https://acme.zendesk.com/agent/users/..%2Fx"),
        ("a/b", "https://acme.zendesk.com/agent/users/a%2Fb"),
        ("a?b#c", "https://acme.zendesk.com/agent/users/a%3Fb%23c"),
        ("%2F", "https://acme.zendesk.com/agent/users/%252F"),
        ("Zoë 😀", "https://acme.zendesk.com/agent/users/Zo%C3%AB%20%F0%9F%98%80"),
        ("@evil.example", "https://acme.zendesk.com/agent/users/%40evil.example"),
    ] {
        resolve(["zendesk.com", id]).status(0).stdout(&format!("{url}\n"));
    }
    resolve(["--", "zendesk.com", "-rf"]).status(0).stdout("https://acme.zendesk.com/agent/users/-rf\n");
    let long = "x".repeat(1024);
    resolve(["zendesk.com", &long]).status(0).stdout(&format!("https://acme.zendesk.com/agent/users/{long}\n"));
}

#[test]
fn hostile_ids_in_url_forms_are_decoded_once() {
    resolve(["applink://zendesk.com/a%2Fb"]).status(0).stdout("https://acme.zendesk.com/agent/users/a%2Fb\n");
    resolve(["applink://zendesk.com/%252F"]).status(0).stdout("https://acme.zendesk.com/agent/users/%252F\n");
    resolve(["applink://zendesk.com/a%3Fb%23c"]).status(0).stdout("https://acme.zendesk.com/agent/users/a%3Fb%23c\n");
}

#[test]
fn dot_segment_ids_are_refused() {
    resolve(["zendesk.com", ".."])
        .status(1)
        .stderr_has("error: refused `zendesk.com ..`: the expansion `https://acme.zendesk.com/agent/users/..` has a `.` or `..` path step");
}

#[test]
fn invalid_ids_are_refused() {
    resolve(["zendesk.com", &"x".repeat(1025)])
        .status(1)
        .stderr_has("is not a valid Unique ID: the Unique ID is longer than 1024 bytes");
    resolve(["zendesk.com", " 1"]).status(1).stderr_has("the Unique ID starts or ends with white space");
    resolve(["zendesk.com", "a\u{7}b"]).status(1).stderr_has("contains a control character");
}

#[test]
fn to_another_app_through_a_merge() {
    // (zendesk.com, 991) is on both Adas, so they are one record.
    resolve(["mailchimp.com", "48616032", "--to", "asana.com"]).status(0).stdout("https://app.asana.com/0/77\n");
    resolve(["applink://asana.com/77?to=mailchimp.com"])
        .status(0)
        .stdout("https://us1.admin.mailchimp.com/lists/members/view?id=48616032\n");
}

#[test]
fn to_an_app_the_record_lacks() {
    resolve(["github.com", "ada", "--to", "hubspot.com"])
        .status(1)
        .stderr_has("error: the person `Ada Lovelace` has no link to `hubspot.com`")
        .stderr_has("help: it links to `mailchimp.com`, `zendesk.com`, `asana.com`");
}

#[test]
fn to_from_a_template_only_pair() {
    resolve(["mailchimp.com", "1", "--to", "github.com"])
        .status(1)
        .stderr_has("error: no record carries `mailchimp.com 1`, so there is no other application to go to");
}

#[test]
fn unknown_app_suggests_close_ones() {
    resolve(["mailchimp.co", "48616032"])
        .status(1)
        .stderr_has("error: `mailchimp.co` is not an App ID any link file knows")
        .stderr_has("help: did you mean `mailchimp.com`?")
        .stderr_has("help: the same id exists in `mailchimp.com`");
}

#[test]
fn known_app_without_template() {
    resolve(["github.com", "bob"])
        .status(1)
        .stderr_has("error: no link for `github.com bob`, and `github.com` has no URL template to build one");
}

#[test]
fn json_output() {
    let out = resolve(["zendesk.com", "991", "--json"]).status(0);
    let json = out.json();
    assert_eq!(json["url"], "https://acme.zendesk.com/agent/users/991");
    assert_eq!(json["app"], "zendesk.com");
    assert_eq!(json["app_name"], "Zendesk");
    assert_eq!(json["id"], "991");
    assert_eq!(json["source"], "template");
    assert_eq!(json["record"]["kind"], "person");
    assert_eq!(json["record"]["name"], "Ada Lovelace");
    let out = resolve(["nope.com", "1", "--json"]).status(1);
    assert_eq!(out.json()["error"]["code"], "unknown_app");
}

#[test]
fn usage_errors_exit_2() {
    resolve(["mailchimp.com"]).status(2).stderr_has("is not a target");
    resolve(["applink://zendesk.com/%zz"]).status(2).stderr_has("has a `%` that is not followed by two hex digits");
    Test::new().args(["resolve"]).run().status(2);
    Test::new().args(["frobnicate"]).run().status(2);
    resolve(["a.com", "1", "--bogus"]).status(2);
}
