//! The link directory is a boundary (README: Link files), and edits keep files as their owners
//! keep them (README: Links in and out): symlinks out of the root for `check`, the daemon and each
//! edit; CRLF, BOM, mode, read-only, hard links, new files' mode, inline arrays.

use std::os::unix::fs::PermissionsExt;

use crate::daemon::Daemon;
use crate::test::{ADA, APPS, Test};

/// A secret outside the config directory, and a teammate's symlink to it inside.
const SECRET: &str = "password = \"hunter2-secret\"\n";

fn with_symlink_out() -> Test {
    let t = Test::new().file("links/people.toml", format!("{APPS}{ADA}")).file("secret.toml", SECRET);
    std::os::unix::fs::symlink("../secret.toml", t.path().join("links/evil.toml")).unwrap();
    t
}

#[test]
fn check_names_a_symlink_out_of_the_root_and_never_prints_its_target() {
    let t = with_symlink_out();
    let out = t.clone_args(["check", "-c", "links"]).run().status(1);
    let out = out.stderr_has("links/evil.toml").stderr_has("leads outside the config paths");
    assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"), "{}", out.stderr);
    assert!(!out.stderr.contains("secret.toml"), "the target is named: {}", out.stderr);
    // A symlinked directory out of the root is not walked either.
    let t = Test::new().file("links/people.toml", format!("{APPS}{ADA}")).file("outside/more.toml", SECRET);
    std::os::unix::fs::symlink("../outside", t.path().join("links/shared")).unwrap();
    let out = t.clone_args(["check", "-c", "links", "--json"]).run().status(1);
    assert!(out.stdout.contains("links/shared") && !out.stdout.contains("hunter2"), "{}", out.stdout);
    // Inside the root, a symlink is followed as before.
    let t = Test::new().file("links/.real/people.toml", format!("{APPS}{ADA}"));
    std::os::unix::fs::symlink(".real/people.toml", t.path().join("links/people.toml")).unwrap();
    t.clone_args(["check", "-c", "links"]).run().status(0);
}

/// A file named with `-c` (as CI runs `check -c links/people.toml`) that is a teammate's
/// symlink out of its directory is refused too, and so is a symlink leading nowhere outside:
/// its target is neither printed nor created by an edit. A ConfigMap's symlink into its own
/// directory is followed.
#[test]
fn a_file_named_with_c_or_leading_nowhere_is_held_to_the_boundary() {
    let t = with_symlink_out();
    let out = t.clone_args(["check", "-c", "links/evil.toml"]).run().status(1);
    let out = out.stderr_has("links/evil.toml").stderr_has("leads outside the config paths");
    assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"), "{}", out.stderr);
    let out = t.clone_args(["show", "-c", "links/evil.toml", "zendesk.com", "991"]).run().status(1);
    assert!(!out.stderr.contains("hunter2") && !out.stdout.contains("hunter2"), "{}", out.stderr);

    let t = Test::new().file("links/people.toml", format!("{APPS}{ADA}"));
    std::os::unix::fs::symlink("../elsewhere/new.toml", t.path().join("links/dangling.toml")).unwrap();
    t.clone_args(["check", "-c", "links"]).run().status(1).stderr_has("links/dangling.toml");
    let out = t
        .clone_args(["add", "-c", "links", "--file", "links/dangling.toml", "person", "Eve", "zendesk.com", "9"])
        .run()
        .status(1);
    out.stderr_has("leads outside the config paths");
    assert!(!t.path().join("elsewhere").exists(), "the edit wrote through the symlink");

    let t = Test::new().file("links/..data/people.toml", format!("{APPS}{ADA}"));
    std::os::unix::fs::symlink("..data/people.toml", t.path().join("links/people.toml")).unwrap();
    t.clone_args(["check", "-c", "links/people.toml"]).run().status(0);
}

#[test]
fn the_daemon_reports_a_symlink_out_of_the_root_and_serves_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    crate::daemon::write(&dir.path().join("links/people.toml"), &format!("{APPS}{ADA}"));
    crate::daemon::write(&dir.path().join("secret.toml"), SECRET);
    std::os::unix::fs::symlink("../secret.toml", dir.path().join("links/evil.toml")).unwrap();
    let daemon = Daemon::start_in(dir, &["-c", "links"], &[]);
    assert_eq!(daemon.location("/zendesk.com/991"), Ok("https://acme.zendesk.com/agent/users/991".into()));
    let status = daemon.get("/api/v1/status").body;
    assert!(status.contains("evil.toml") && status.contains("outside the config paths"), "{status}");
    for page in ["/api/v1/status", "/"] {
        assert!(!daemon.get(page).body.contains("hunter2"), "{page} shows the target's content");
    }
    assert!(!daemon.log().contains("hunter2"));
}

#[test]
fn every_edit_refuses_a_symlink_out_of_the_root_and_leaves_the_target_alone() {
    let t = with_symlink_out();
    std::fs::write(t.path().join("people.csv"), "name,Zendesk\nEve $(touch pwned),7\n").unwrap();
    let edits: [&[&str]; 4] = [
        &["add", "-c", "links", "person", "Eve", "zendesk.com", "7", "--file", "links/evil.toml"],
        &["app", "add", "-c", "links", "x.example", "--file", "links/evil.toml"],
        &[
            "import",
            "-c",
            "links",
            "people.csv",
            "--kind",
            "person",
            "--link",
            "zendesk.com=Zendesk",
            "--file",
            "links/evil.toml",
        ],
        &["add", "-c", "links", "person", "Eve", "zendesk.com", "7", "--file", "secret.toml"],
    ];
    for args in edits {
        let out = std::process::Command::new(crate::test::binary())
            .args(args)
            .current_dir(t.path())
            .env("APPLINKD_URL", "http://127.0.0.1:9")
            .env("HOME", t.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(!stderr.contains("hunter2"), "{args:?}: {stderr}");
        assert_eq!(std::fs::read_to_string(t.path().join("secret.toml")).unwrap(), SECRET, "{args:?}");
    }
    // rm and app rename never touch it either (they edit only files in force).
    t.clone_args(["rm", "-c", "links", "zendesk.com", "991"]).run().status(0);
    assert_eq!(std::fs::read_to_string(t.path().join("secret.toml")).unwrap(), SECRET);
}

#[test]
fn an_edit_into_a_file_with_errors_is_refused_and_writes_nothing() {
    let broken =
        format!("{APPS}{ADA}\n[[person]]\nname = \"Bad\"\nlinks = [{{ app = \"Zendesk.com\", id = \"1\" }}]\n");
    let t = Test::new().file("links/people.toml", &broken);
    t.clone_args(["add", "-c", "links/people.toml", "person", "Ada Lovelace", "zendesk.com", "992"])
        .run()
        .status(1)
        .stderr_has("links/people.toml has errors")
        .stdout_lacks("added");
    assert_eq!(std::fs::read_to_string(t.path().join("links/people.toml")).unwrap(), broken);
}

#[test]
fn crlf_and_a_bom_are_kept_in_every_line_an_edit_writes() {
    let crlf = format!("\u{feff}{APPS}{ADA}").replace('\n', "\r\n");
    let t = Test::new().file("links/people.toml", &crlf);
    t.clone_args(["add", "-c", "links", "person", "Ada Lovelace", "zendesk.com", "992"]).run().status(0);
    t.clone_args(["add", "-c", "links", "person", "Grace Hopper", "zendesk.com", "993"]).run().status(0);
    let text = std::fs::read_to_string(t.path().join("links/people.toml")).unwrap();
    assert!(text.starts_with('\u{feff}'), "the BOM was dropped");
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count(), "a line lost its CR:\n{text:?}");
    assert!(text.starts_with(&crlf[..crlf.len() - 8]), "lines before the edit changed");
    let diff = t.clone_args(["rm", "-c", "links", "zendesk.com", "992", "--dry-run"]).run().status(0).stdout;
    assert_eq!(diff.lines().filter(|l| l.starts_with('-') && !l.starts_with("---")).count(), 1, "{diff}");
    t.clone_args(["resolve", "-c", "links", "zendesk.com", "993"]).run().status(0);
}

#[test]
fn mode_owner_read_only_and_hard_links_are_honoured() {
    let t = Test::new().file("links/people.toml", format!("{APPS}{ADA}"));
    let path = t.path().join("links/people.toml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    t.clone_args(["add", "-c", "links", "person", "Ada Lovelace", "zendesk.com", "992"]).run().status(0);
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o640);
    // Read-only: refused as the shell would (root too: nobody may write it).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    let before = std::fs::read(&path).unwrap();
    t.clone_args(["add", "-c", "links", "person", "Ada Lovelace", "zendesk.com", "993"])
        .run()
        .status(1)
        .stderr_has("read-only");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o7777, 0o444);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    // A hard link is refused rather than split.
    std::fs::hard_link(&path, t.path().join("elsewhere.toml")).unwrap();
    t.clone_args(["rm", "-c", "links", "zendesk.com", "991"]).run().status(1).stderr_has("hard links");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(std::fs::read(t.path().join("elsewhere.toml")).unwrap(), before);
}

#[test]
fn a_new_file_gets_the_umask_mode() {
    let t = Test::new().file("links/people.toml", format!("{APPS}{ADA}"));
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg("umask 022 && exec \"$0\" add -c links person Grace zendesk.com 5 --file links/new.toml")
        .arg(crate::test::binary())
        .current_dir(t.path())
        .env("APPLINKD_URL", "http://127.0.0.1:9")
        .env("HOME", t.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mode = std::fs::metadata(t.path().join("links/new.toml")).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o644);
}

#[test]
fn records_written_as_inline_arrays_are_edited_like_tables() {
    let inline = format!(
        "person = [{{ name = \"Ada\", links = [{{ app = \"zendesk.com\", id = \"1\" }}, {{ app = \"zendesk.com\", id = \"2\" }}] }}]\n{APPS}"
    );
    let t = Test::new().file("links/people.toml", &inline);
    t.clone_args(["add", "-c", "links", "person", "Ada", "zendesk.com", "3"]).run().status(0).stdout_has("added");
    t.clone_args(["add", "-c", "links", "person", "Bob", "zendesk.com", "4", "--file", "links/people.toml"])
        .run()
        .status(0)
        .stdout_has("added");
    t.clone_args(["rm", "-c", "links", "zendesk.com", "1"]).run().status(0).stdout_has("removed");
    let show = t.clone_args(["show", "-c", "links", "zendesk.com", "3", "--json"]).run().status(0).json();
    let ids: Vec<&str> =
        show["record"]["links"].as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["2", "3"]);
    let text = std::fs::read_to_string(t.path().join("links/people.toml")).unwrap();
    assert!(!text.contains("id = \"1\"") && text.contains("name = \"Bob\""), "{text}");
    t.clone_args(["check", "-c", "links"]).run().status(0);
}
