//! A newcomer's rough edges (issue 20), each as they would hit it.

use crate::test::{APPS, Test};

fn example() -> Test {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
    let mut t = Test::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let entry = entry.unwrap();
        let name = format!("config/{}", entry.file_name().to_string_lossy());
        t = t.file(&name, std::fs::read(entry.path()).unwrap());
    }
    t
}

#[test]
fn swapped_words_get_a_hint() {
    Test::new()
        .file("links.toml", APPS)
        .args(["resolve", "-c", "links.toml", "991", "zendesk.com"])
        .run()
        .status(1)
        .stderr_has("the two words may be swapped: the App ID comes first, `zendesk.com 991`");
}

#[test]
fn a_kind_that_is_close_says_which_was_meant() {
    let t = Test::new().file("links.toml", APPS);
    for (typed, meant) in [("people", "person"), ("persn", "person"), ("companies", "company"), ("Project", "project")]
    {
        t.clone_args(["add", "-c", "links.toml", typed, "Ada", "zendesk.com", "1"])
            .run()
            .status(2)
            .stderr_has(&format!("`{typed}` is not a kind: did you mean `{meant}`?"));
        t.clone_args(["list", "-c", "links.toml", "--kind", typed]).run().status(2).stderr_has("did you mean");
    }
    assert_eq!(std::fs::read_to_string(t.path().join("links.toml")).unwrap(), APPS);
}

#[test]
fn rm_keeps_the_comment_above_the_link() {
    let t = example();
    t.clone_args(["rm", "-c", "config", "mailchimp.com", "48616034"]).run().status(0);
    let people = std::fs::read_to_string(t.path().join("config/people.toml")).unwrap();
    assert!(people.contains("# Written with the former App ID"), "{people}");
    assert!(!people.contains("48616034"), "{people}");
    t.clone_args(["check", "-c", "config"]).run().status(0);
}

#[test]
fn app_rename_keeps_alignment_where_it_can() {
    let t = example();
    t.clone_args(["app", "rename", "-c", "config", "zendesk.com", "help.acme.example"]).run().status(0);
    let people = std::fs::read_to_string(t.path().join("config/people.toml")).unwrap();
    assert!(people.contains(r#"{ app = "help.acme.example", id = "991" }"#), "{people}");
    // A shorter name keeps the ids in their column.
    let t = example();
    t.clone_args(["app", "rename", "-c", "config", "zendesk.com", "z.example"]).run().status(0);
    let people = std::fs::read_to_string(t.path().join("config/people.toml")).unwrap();
    assert!(people.contains(r#"{ app = "z.example",     id = "991" }"#), "{people}");
}

#[test]
fn an_empty_list_names_whom_it_asked() {
    Test::new()
        .file("links/apps.toml", APPS)
        .args(["list", "-c", "links", "--kind", "project"])
        .run()
        .status(0)
        .stderr_has("note: the link files in links hold no records of kind project");
}

#[test]
fn file_errors_name_the_command_that_shows_them() {
    Test::new()
        .file("links/apps.toml", APPS)
        .file("links/broken.toml", "[[person]]\nname = 5\n")
        .args(["resolve", "-c", "links", "zendesk.com", "991"])
        .run()
        .status(0)
        .stderr_has("(run `applinkd check -c links`)");
}

#[test]
fn a_conflict_underlines_the_link_not_its_comment() {
    let out = Test::new()
        .file("a.toml", "[[person]]\nname = \"A\"\nlinks = [\n  { app = \"a.example\", id = \"1\", url = \"https://a.example/1\" },   # first\n]\n")
        .file("b.toml", "[[person]]\nname = \"B\"\nlinks = [{ app = \"a.example\", id = \"1\", url = \"https://a.example/2\" }] # second\n")
        .args(["check", "-c", "a.toml", "-c", "b.toml"])
        .run()
        .status(1);
    let carets = out.stderr.lines().find(|l| l.contains("^^^")).unwrap().to_owned();
    let width = carets.matches('^').count();
    assert_eq!(width, r#"{ app = "a.example", id = "1", url = "https://a.example/1" }"#.len(), "{}", out.stderr);
}

#[test]
fn a_browser_variable_that_names_nothing_says_so() {
    Test::new()
        .file("links.toml", APPS)
        .env("BROWSER", "/nonexistent")
        .args(["open", "-c", "links.toml", "zendesk.com", "991"])
        .run()
        .status(1)
        .stderr_has("$BROWSER is `/nonexistent`, and none of its commands could be started")
        .stderr_lacks("set $BROWSER to one");
}
