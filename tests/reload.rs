//! Hot reload: every way editors and tools save, seen through the real daemon.
//! Waits are deadline-bounded polls of the redirect or of /api/v1/status.

use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::symlink;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use crate::daemon::{Daemon, one_link, write};

const PATH: &str = "/a.example/1";

fn url(n: usize) -> String {
    format!("https://a.example/v{n}")
}

fn version(n: usize) -> String {
    one_link("a.example", "1", &url(n))
}

/// A daemon on `links/` whose `links/a.toml` links `a.example 1` to version 1.
fn daemon() -> Daemon {
    let d = Daemon::start(&[("links/a.toml", &version(1))]);
    assert_eq!(d.location(PATH), Ok(url(1)));
    d
}

#[test]
fn in_place_write() {
    let d = daemon();
    let mut file = std::fs::OpenOptions::new().write(true).open(d.path("links/a.toml")).unwrap();
    file.write_all(version(2).as_bytes()).unwrap(); // same length: overwrite without truncating
    file.sync_all().unwrap();
    d.wait_location(PATH, &url(2));
}

#[test]
fn truncate_then_write() {
    let d = daemon();
    let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(d.path("links/a.toml")).unwrap();
    file.sync_all().unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    file.write_all(version(2).as_bytes()).unwrap();
    drop(file);
    d.wait_location(PATH, &url(2));
}

#[test]
fn write_temp_then_rename() {
    let d = daemon();
    // VS Code, JetBrains (`___jb_tmp___`), and most "atomic save" libraries.
    write(&d.path("links/a.toml___jb_tmp___"), &version(2));
    std::fs::rename(d.path("links/a.toml___jb_tmp___"), d.path("links/a.toml")).unwrap();
    d.wait_location(PATH, &url(2));
}

#[test]
fn vim_backup_rename_then_write() {
    let d = daemon();
    // vim with `backupcopy=no`: probe file 4913, move the original to a~, write anew, drop a~.
    write(&d.path("links/4913"), "");
    std::fs::remove_file(d.path("links/4913")).unwrap();
    std::fs::rename(d.path("links/a.toml"), d.path("links/a.toml~")).unwrap();
    write(&d.path("links/a.toml"), &version(2));
    std::fs::remove_file(d.path("links/a.toml~")).unwrap();
    d.wait_location(PATH, &url(2));
    assert_eq!(d.status_json()["errors"], 0);
}

#[test]
fn delete_then_create() {
    let d = daemon();
    std::fs::remove_file(d.path("links/a.toml")).unwrap();
    d.wait_status(PATH, 404);
    write(&d.path("links/a.toml"), &version(2));
    d.wait_location(PATH, &url(2));
}

#[test]
fn new_file_adds_and_deleted_file_removes() {
    let d = daemon();
    write(&d.path("links/b.toml"), &one_link("b.example", "2", "https://b.example/2"));
    d.wait_location("/b.example/2", "https://b.example/2");
    std::fs::remove_file(d.path("links/b.toml")).unwrap();
    d.wait_status("/b.example/2", 404);
    assert_eq!(d.location(PATH), Ok(url(1)));
}

/// A file made and removed while its own events still wait in the debouncer, after a
/// reload that another event caused took it in: the debouncer folds its creation and
/// removal into no event at all, and the file stayed in force until some other change
/// (CI's run of `new_file_adds_and_deleted_file_removes` failed this way: the daemon's
/// own first write beside the links dir was the other event). Each round places the new
/// file's creation at another point of the other event's debounce window.
#[test]
fn a_file_removed_while_its_creation_is_debounced_is_removed() {
    let d = daemon();
    for round in 0..24 {
        let id = round.to_string();
        let location = format!("https://b.example/{round}");
        write(&d.path("links/notes.txt"), &id); // the other event
        std::thread::sleep(std::time::Duration::from_millis(round % 6 * 5)); // not a wait: places the creation in the other event's debounce
        write(&d.path("links/b.toml"), &one_link("b.example", &id, &location));
        let path = format!("/b.example/{round}");
        // Removed as soon as it is in force (polled without pauses: the window is one debounce).
        let started = std::time::Instant::now();
        while d.location(&path).as_deref() != Ok(location.as_str()) {
            assert!(started.elapsed() < crate::daemon::DEADLINE, "round {round}: never in force\n{}", d.log());
        }
        std::fs::remove_file(d.path("links/b.toml")).unwrap();
        d.wait_status(&path, 404);
    }
    assert_eq!(d.location(PATH), Ok(url(1)));
}

#[test]
fn directory_created_and_removed() {
    let d = daemon();
    write(&d.path("links/team/sub/b.toml"), &one_link("b.example", "2", "https://b.example/2"));
    d.wait_location("/b.example/2", "https://b.example/2");
    // A file written into the new directory afterwards is seen too.
    write(&d.path("links/team/sub/c.toml"), &one_link("c.example", "3", "https://c.example/3"));
    d.wait_location("/c.example/3", "https://c.example/3");
    std::fs::remove_dir_all(d.path("links/team")).unwrap();
    d.wait_status("/b.example/2", 404);
    d.wait_status("/c.example/3", 404);
}

#[test]
fn config_directory_removed_and_made_again() {
    let d = daemon();
    std::fs::remove_dir_all(d.path("links")).unwrap();
    d.wait_status(PATH, 404);
    write(&d.path("links/a.toml"), &version(2));
    d.wait_location(PATH, &url(2));
}

/// `rm -rf links && cp -r saved links` (issue 20): the directory is replaced at once, within
/// one debounce, by another directory of the same name. The daemon must take the new files and
/// keep following the new directory (edits, new files), also when it happens again.
#[test]
fn config_directory_replaced_at_once_is_followed() {
    let d = daemon();
    for round in 2..6 {
        let saved = d.path(&format!("saved-{round}"));
        write(&saved.join("a.toml"), &version(round));
        std::fs::remove_dir_all(d.path("links")).unwrap();
        std::fs::rename(&saved, d.path("links")).unwrap();
        d.wait_location(PATH, &url(round));
        // Saves and new files inside the new directory are seen.
        write(&d.path("links/a.toml"), &version(round * 100));
        d.wait_location(PATH, &url(round * 100));
        write(&d.path("links/deeper/b.toml"), &one_link("b.example", "2", &format!("https://b.example/{round}")));
        d.wait_location("/b.example/2", &format!("https://b.example/{round}"));
    }
    assert!(d.log().contains("was replaced"), "{}", d.log());
}

#[test]
fn burst_of_saves_ends_on_the_last() {
    let d = daemon();
    for n in 2..=60 {
        write(&d.path("links/a.toml"), &version(n));
    }
    d.wait_location(PATH, &url(60));
}

#[test]
fn broken_save_keeps_the_last_good_version_until_fixed() {
    let d = daemon();
    write(&d.path("links/a.toml"), &format!("{}\nbroken = [\n", version(2)));
    d.wait_for("the error to show", |d| d.status_json()["errors"] == 1);
    assert_eq!(d.location(PATH), Ok(url(1)), "the last good version stays in force");
    let status = d.status_json();
    let label = &status["diagnostics"][0]["labels"][0];
    assert!(label["file"].as_str().unwrap().ends_with("links/a.toml"));
    assert_eq!(label["line"], 5);
    assert!(d.get("/").body.contains("a.toml:5:"), "the index page shows the error");
    write(&d.path("links/a.toml"), &version(3));
    d.wait_location(PATH, &url(3));
    assert_eq!(d.status_json()["errors"], 0);
}

#[test]
fn only_the_changed_file_is_reparsed() {
    let d = Daemon::start(&[
        ("links/a.toml", &version(1)),
        ("links/b.toml", &one_link("b.example", "2", "https://b.example/2")),
        ("links/c.toml", &one_link("c.example", "3", "https://c.example/3")),
    ]);
    write(&d.path("links/b.toml"), &one_link("b.example", "2", "https://b.example/new"));
    d.wait_location("/b.example/2", "https://b.example/new");
    let last = &d.status_json()["last_reload"];
    let changed: Vec<&str> = last["changed"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
    assert_eq!(changed.len(), 1, "{last}");
    assert!(changed[0].ends_with("links/b.toml"));
    assert!(d.log().contains("reparsed=1"), "{}", d.log());
}

#[test]
fn single_file_config_survives_rename_saves() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("links.toml"), &version(1));
    let d = Daemon::start_in(dir, &["-c", "links.toml"], &[]);
    assert_eq!(d.location(PATH), Ok(url(1)));
    for n in 2..=4 {
        write(&d.path("links.toml.tmp"), &version(n));
        std::fs::rename(d.path("links.toml.tmp"), d.path("links.toml")).unwrap();
        d.wait_location(PATH, &url(n));
    }
}

#[test]
fn git_checkout_of_another_branch() {
    let d = daemon();
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(d.path("links"))
            .output()
            .expect("git");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-qm", "one"]);
    git(&["checkout", "-qb", "other"]);
    write(&d.path("links/a.toml"), &version(2));
    write(&d.path("links/b.toml"), &one_link("b.example", "2", "https://b.example/2"));
    git(&["add", "."]);
    git(&["commit", "-qm", "two"]);
    d.wait_location("/b.example/2", "https://b.example/2");
    git(&["checkout", "-q", "main"]);
    d.wait_location(PATH, &url(1));
    d.wait_status("/b.example/2", 404);
    git(&["checkout", "-q", "other"]);
    d.wait_location(PATH, &url(2));
    d.wait_location("/b.example/2", "https://b.example/2");
}

#[test]
fn kubernetes_configmap_symlink_swap() {
    // What the kubelet does: files are symlinks through `..data`, itself a symlink
    // to a timestamped directory; an update makes a new directory and renames a
    // new `..data` over the old one in one step.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("links");
    write(&root.join("..2026_11_29_01/a.toml"), &version(1));
    symlink("..2026_11_29_01", root.join("..data")).unwrap();
    symlink("..data/a.toml", root.join("a.toml")).unwrap();
    let d = Daemon::start_in(dir, &["-c", "links"], &[]);
    assert_eq!(d.location(PATH), Ok(url(1)));
    for (n, stamp) in [(2, "..2026_11_29_02"), (3, "..2026_11_29_03")] {
        write(&root.join(stamp).join("a.toml"), &version(n));
        symlink(stamp, root.join("..data_tmp")).unwrap();
        std::fs::rename(root.join("..data_tmp"), root.join("..data")).unwrap();
        d.wait_location(PATH, &url(n));
    }
    assert_eq!(d.status_json()["files"].as_array().unwrap().len(), 1, "hidden directories are not read twice");
}

#[test]
fn requests_during_a_burst_of_reloads_never_fail() {
    let d = Arc::new(daemon());
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (d, stop, served) = (d.clone(), stop.clone(), served.clone());
            std::thread::spawn(move || {
                let mut seen = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let answer = d.location(PATH);
                    let ok = matches!(&answer, Ok(u) if *u == url(1) || *u == url(2));
                    assert!(ok, "a request during reloads got {answer:?}");
                    served.fetch_add(1, Ordering::Relaxed);
                    seen.push(answer.unwrap());
                }
                seen
            })
        })
        .collect();
    // Each save is a truncate-then-write (std::fs::write), and each is waited for,
    // so every one is a reload that the clients' requests run into. Before the next
    // save, five more requests are served: each client had at most one in flight when
    // the version came, so at least one of them began after it and was answered by it.
    for n in 0..20 {
        write(&d.path("links/a.toml"), &version(2 - n % 2));
        d.wait_location(PATH, &url(2 - n % 2));
        let mark = served.load(Ordering::Relaxed);
        d.wait_for("the clients to be served", |_| served.load(Ordering::Relaxed) >= mark + 5);
    }
    stop.store(true, Ordering::Relaxed);
    let seen: Vec<String> = clients.into_iter().flat_map(|c| c.join().expect("no client failed")).collect();
    assert!(seen.contains(&url(1)) && seen.contains(&url(2)), "both versions were served");
    let generation = d.status_json()["last_reload"]["generation"].as_u64().unwrap();
    assert!(generation >= 20, "reloads happened: {generation}");
    assert!(served.load(Ordering::Relaxed) > 0);
}

#[test]
fn a_save_caught_between_truncate_and_write_loses_nothing() {
    // A slow editor: the file stays empty until the daemon has seen it so. The grace is
    // longer than any test, so nothing here races it: every request meanwhile still gets
    // the last version, and the write that comes ends the wait.
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("links/a.toml"), &version(1));
    let d = Daemon::start_in(dir, &["-c", "links", "--empty-grace-ms", "3600000"], &[]);
    assert_eq!(d.location(PATH), Ok(url(1)));
    let mut file = std::fs::OpenOptions::new().write(true).truncate(true).open(d.path("links/a.toml")).unwrap();
    d.wait_for("the daemon to see the file empty", |d| d.log().contains("a link file reads empty"));
    assert_eq!(d.location(PATH), Ok(url(1)));
    assert_eq!(d.status_json()["last_reload"]["generation"], 0, "no reload took the empty file");
    file.write_all(version(2).as_bytes()).unwrap();
    drop(file);
    d.wait_location(PATH, &url(2));
}

#[test]
fn a_file_emptied_on_purpose_takes_its_links_away() {
    let d = daemon();
    write(&d.path("links/a.toml"), "");
    d.wait_status(PATH, 404);
    assert_eq!(d.status_json()["errors"], 0);
}

/// Issue 12: a changed URL and a record added are patched into the index (the daemon
/// says `patched`); a record that merges with another file's takes a rebuild. Either
/// way the answers are the files'.
#[test]
fn edits_patch_the_index_and_a_merge_rebuilds_it() {
    let d = Daemon::start(&[
        ("links/a.toml", &version(1)),
        ("links/b.toml", &one_link("b.example", "2", "https://b.example/2")),
    ]);
    write(&d.path("links/b.toml"), &one_link("b.example", "2", "https://b.example/changed"));
    d.wait_location("/b.example/2", "https://b.example/changed");
    assert_eq!(d.status_json()["last_reload"]["patched"], true, "same shape: patched");
    let more = format!(
        "{}\n{}",
        one_link("b.example", "2", "https://b.example/changed"),
        one_link("c.example", "3", "https://c.example/3")
    );
    write(&d.path("links/b.toml"), &more);
    d.wait_location("/c.example/3", "https://c.example/3");
    assert_eq!(d.status_json()["last_reload"]["patched"], true, "a record added: patched");
    let merged = format!("{more}\n{}", one_link("a.example", "1", &url(1)));
    write(&d.path("links/b.toml"), &merged);
    // At least the third: an editor's save may take two reloads, so `== 3` could be stepped past.
    d.wait_for("the third reload", |d| d.status_json()["last_reload"]["generation"].as_u64() >= Some(3));
    assert_eq!(d.status_json()["last_reload"]["patched"], false, "a merge: rebuilt");
    assert_eq!(d.location("/b.example/2"), Ok("https://b.example/changed".into()));
    assert_eq!(d.location(PATH), Ok(url(1)));
    write(&d.path("links/b.toml"), &one_link("b.example", "2", "https://b.example/changed"));
    d.wait_status("/c.example/3", 404);
    assert_eq!(d.location("/b.example/2"), Ok("https://b.example/changed".into()));
}

#[test]
fn conflicts_follow_edits() {
    let d = Daemon::start(&[
        ("links/a.toml", &one_link("x.example", "1", "https://x.example/first")),
        ("links/b.toml", &one_link("x.example", "1", "https://x.example/second")),
    ]);
    let conflict = |d: &Daemon| d.status_json()["diagnostics"].to_string();
    assert!(conflict(&d).contains("with different URLs"));
    assert!(conflict(&d).contains("https://x.example/second"));
    assert_eq!(d.get("/x.example/1").status, 300, "neither file wins");
    write(&d.path("links/b.toml"), &one_link("x.example", "1", "https://x.example/third"));
    d.wait_for("the conflict to name the new URL", |d| conflict(d).contains("https://x.example/third"));
    assert_eq!(d.get("/x.example/1").status, 300);
    write(&d.path("links/b.toml"), &one_link("x.example", "1", "https://x.example/first"));
    d.wait_for("the conflict to go", |d| d.status_json()["errors"] == 0);
    assert_eq!(d.location("/x.example/1"), Ok("https://x.example/first".into()));
    // The first file's edit makes them disagree again.
    write(&d.path("links/a.toml"), &one_link("x.example", "1", "https://x.example/fourth"));
    d.wait_status("/x.example/1", 300);
    d.wait_for("a conflict in each file", |d| d.status_json()["errors"] == 2);
}

/// Issue 18: an app added *above* the apps of a link file is patched in (`patched`), and
/// every app keeps its own definition: each redirects to its own host (a renumbering in
/// place moved one app onto the next one's definition).
#[test]
fn an_app_added_above_the_others_keeps_every_app_on_its_own_definition() {
    let app = |host: &str| format!("[apps.\"{host}\"]\nurl = \"https://{host}/{{id}}\"\n\n");
    let records = "[[person]]\nname = \"P\"\nlinks = [{ app = \"a.example\", id = \"1\" }, { app = \"b.example\", id = \"1\" }, { app = \"c.example\", id = \"1\" }]\n";
    let d = Daemon::start(&[(
        "links/a.toml",
        &[app("a.example"), app("b.example"), app("c.example"), records.into()].concat(),
    )]);
    for host in ["a.example", "b.example", "c.example"] {
        assert_eq!(d.location(&format!("/{host}/1")), Ok(format!("https://{host}/1")));
    }
    let generation = |d: &Daemon| d.status_json()["last_reload"]["generation"].as_u64().unwrap_or(0);
    let before = generation(&d);
    let new_record = "\n[[person]]\nname = \"N\"\nlinks = [{ app = \"n.example\", id = \"1\" }]\n";
    let text =
        [app("n.example"), app("a.example"), app("b.example"), app("c.example"), records.into(), new_record.into()];
    write(&d.path("links/a.toml"), &text.concat());
    d.wait_for("the reload", |d| generation(d) > before);
    assert_eq!(d.status_json()["last_reload"]["patched"], true, "an app added: patched, not rebuilt");
    for host in ["n.example", "a.example", "b.example", "c.example"] {
        assert_eq!(d.location(&format!("/{host}/1")), Ok(format!("https://{host}/1")), "{host}");
    }
}
