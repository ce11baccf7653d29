//! `register` / `unregister` end to end on Linux, in throw-away XDG directories,
//! driven by the real freedesktop tools: xdg-mime, xdg-open and gio.

use std::path::{Path, PathBuf};

use crate::desktop::Desktop;
use crate::test::APPS;

fn desktop() -> Desktop {
    Desktop::new(&[("apps.toml", APPS)]).browser_env()
}

fn exe() -> PathBuf {
    std::fs::canonicalize(env!("CARGO_BIN_EXE_applinkd")).unwrap()
}

const UNRELATED: &str = "[Added Associations]\ntext/html=firefox.desktop;\n\n[Removed Associations]\nx-scheme-handler/applink=evil.desktop;\n\n[Default Applications]\ntext/html=firefox.desktop;\nx-scheme-handler/mailto=thunderbird.desktop;\n";

#[test]
fn register_makes_applinkd_the_default_handler() {
    let desktop = desktop();
    let (status, _, stderr) = desktop.applinkd(&["register"]);
    assert_eq!(status, 0, "{stderr}");
    let file = std::fs::read_to_string(desktop.path("data/applications/applinkd.desktop")).unwrap();
    assert!(file.contains(&format!("\nExec={} open %u\n", exe().display())), "{file}");
    assert!(file.contains("\nMimeType=x-scheme-handler/applink;\n"));
    assert!(file.contains("\nNoDisplay=true\n"));
    let (_, default, _) = desktop.run("xdg-mime", &["query", "default", "x-scheme-handler/applink"]);
    assert_eq!(default.trim(), "applinkd.desktop");
    let (status, _, stderr) =
        desktop.run("desktop-file-validate", &[desktop.path("data/applications/applinkd.desktop").to_str().unwrap()]);
    assert_eq!(status, 0, "desktop-file-validate: {stderr}");
}

#[test]
fn xdg_open_runs_applinkd_which_opens_the_browser() {
    let desktop = desktop();
    assert_eq!(desktop.applinkd(&["register"]).0, 0);
    let (status, _, stderr) = desktop.run("xdg-open", &["applink://mailchimp.com/48616032"]);
    assert_eq!(status, 0, "xdg-open: {stderr}");
    assert_eq!(desktop.got("browser"), ["https://us1.admin.mailchimp.com/lists/members/view?id=48616032"]);
}

#[test]
fn gio_open_runs_applinkd_which_opens_the_browser() {
    let desktop = desktop();
    assert_eq!(desktop.applinkd(&["register"]).0, 0);
    let (status, _, stderr) = desktop.run("gio", &["open", "applink://zendesk.com/a%2Fb"]);
    assert_eq!(status, 0, "gio open: {stderr}");
    assert_eq!(desktop.got("browser"), ["https://acme.zendesk.com/agent/users/a%2Fb"]);
}

#[test]
fn unregister_restores_mimeapps_list_byte_for_byte() {
    let desktop = desktop();
    let list = desktop.path("config/mimeapps.list");
    std::fs::write(&list, UNRELATED).unwrap();
    assert_eq!(desktop.applinkd(&["register"]).0, 0);
    let registered = std::fs::read_to_string(&list).unwrap();
    assert!(registered.contains("[Default Applications]\ntext/html=firefox.desktop;\nx-scheme-handler/mailto=thunderbird.desktop;\nx-scheme-handler/applink=applinkd.desktop;\n"));
    assert!(registered.contains("[Removed Associations]\nx-scheme-handler/applink=evil.desktop;\n"));
    assert_eq!(desktop.applinkd(&["register"]).0, 0, "registering twice");
    assert_eq!(std::fs::read_to_string(&list).unwrap(), registered, "idempotent");
    assert_eq!(desktop.applinkd(&["unregister"]).0, 0);
    assert_eq!(std::fs::read_to_string(&list).unwrap(), UNRELATED);
    assert!(!desktop.path("data/applications/applinkd.desktop").exists());
    let (_, default, _) = desktop.run("xdg-mime", &["query", "default", "x-scheme-handler/applink"]);
    assert_eq!(default.trim(), "");
}

#[test]
fn unregister_restores_a_previous_handler_and_an_absent_file() {
    let desktop = desktop();
    let list = desktop.path("config/mimeapps.list");
    assert_eq!(desktop.applinkd(&["register"]).0, 0);
    assert_eq!(desktop.applinkd(&["unregister"]).0, 0);
    assert!(!list.exists(), "register made the file; unregister removes it");
    // The cache register made goes, or (with other desktop files there) keeps only theirs.
    let cache = std::fs::read_to_string(desktop.path("data/applications/mimeinfo.cache")).unwrap_or_default();
    assert!(!cache.contains("applinkd"), "{cache}");
    let before = "[Default Applications]\nx-scheme-handler/applink=other.desktop;\n";
    std::fs::write(&list, before).unwrap();
    assert_eq!(desktop.applinkd(&["register"]).0, 0);
    assert_eq!(desktop.applinkd(&["unregister"]).0, 0);
    assert_eq!(std::fs::read_to_string(&list).unwrap(), before);
}

#[test]
fn dry_run_changes_nothing() {
    let desktop = desktop();
    let (status, plan, _) = desktop.applinkd(&["register", "--dry-run"]);
    assert_eq!(status, 0);
    assert!(
        plan.contains(&format!("write {}", desktop.path("data/applications/applinkd.desktop").display())),
        "{plan}"
    );
    assert!(plan.contains("    x-scheme-handler/applink=applinkd.desktop;"), "{plan}");
    assert!(!desktop.path("data/applications").join("applinkd.desktop").exists());
    assert!(!desktop.path("config/mimeapps.list").exists());
    let (status, plan, _) = desktop.applinkd(&["unregister", "--dry-run"]);
    assert_eq!(status, 0);
    assert!(plan.contains("remove "), "{plan}");
}

#[test]
fn macos_and_windows_plans() {
    use applinkd::register::{Step, macos, windows};
    let plan = windows("C:\\Program Files\\applinkd\\applinkd.exe");
    let set = |key: &str, name: &str, value: &str| Step::RegistrySet {
        key: key.into(),
        name: name.into(),
        value: value.into(),
    };
    assert_eq!(
        plan.steps,
        [
            set("Software\\Classes\\applink", "", "URL:App Link"),
            set("Software\\Classes\\applink", "URL Protocol", ""),
            set("Software\\Classes\\applink\\DefaultIcon", "", "\"C:\\Program Files\\applinkd\\applinkd.exe\",0"),
            set(
                "Software\\Classes\\applink\\shell\\open\\command",
                "",
                "\"C:\\Program Files\\applinkd\\applinkd.exe\" open -- \"%1\""
            ),
        ]
    );
    let plan = macos(Path::new("/usr/local/bin/applinkd"), Path::new("/Users/ada"));
    let Step::Write { path, contents, .. } = &plan.steps[0] else { panic!("{plan}") };
    assert_eq!(path, Path::new("/Users/ada/Library/Application Support/applinkd/handler.applescript"));
    assert!(contents.contains("on open location theURL\n\tdo shell script quoted form of \"/usr/local/bin/applinkd\" & \" open -- \" & quoted form of theURL\n"));
    assert_eq!(
        plan.steps[1],
        Step::Run {
            program: "osacompile".into(),
            args: vec![
                "-o".into(),
                "/Users/ada/Applications/applinkd.app".into(),
                "/Users/ada/Library/Application Support/applinkd/handler.applescript".into()
            ],
            optional: false
        }
    );
    let Step::Write { path, contents, .. } = &plan.steps[2] else { panic!("{plan}") };
    assert_eq!(path, Path::new("/Users/ada/Applications/applinkd.app/Contents/Info.plist"));
    assert!(
        contents.contains("<key>CFBundleURLSchemes</key>\n\t\t\t<array>\n\t\t\t\t<string>applink</string>"),
        "{contents}"
    );
    let Step::Run { program, args, .. } = &plan.steps[3] else { panic!("{plan}") };
    assert!(program.ends_with("/lsregister"));
    assert_eq!(args, &["-f", "/Users/ada/Applications/applinkd.app"]);
}

// Issue 10.12: odd desktops.

#[test]
fn a_newline_in_the_executable_path_is_refused() {
    let desktop = desktop();
    let odd = desktop.path("bin\nExec=evil");
    std::fs::create_dir_all(&odd).unwrap();
    let copy = odd.join("applinkd");
    std::fs::copy(exe(), &copy).unwrap();
    let (status, _, stderr) = desktop.run(copy.to_str().unwrap(), &["register"]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("control character"), "{stderr}");
    assert!(!desktop.path("data/applications/applinkd.desktop").exists());
}

#[test]
fn odd_mimeapps_lists_are_restored_byte_for_byte() {
    for before in [
        // Spaces around `=`.
        &b"[Default Applications]\nx-scheme-handler/applink = old.desktop;\ntext/html=firefox.desktop;\n"[..],
        // A byte that is not UTF-8.
        b"[Default Applications]\ntext/html=f\xffirefox.desktop;\nx-scheme-handler/applink=old.desktop;\n",
        // Repeated groups and keys: GLib takes the last.
        b"[Default Applications]\nx-scheme-handler/applink=old.desktop;\n\n[Added Associations]\n\n[Default Applications]\nx-scheme-handler/applink=older.desktop;\n",
    ] {
        let desktop = desktop();
        let list = desktop.path("config/mimeapps.list");
        std::fs::write(&list, before).unwrap();
        let (status, _, stderr) = desktop.applinkd(&["register"]);
        assert_eq!(status, 0, "{stderr}");
        let (_, default, _) = desktop.run("gio", &["mime", "x-scheme-handler/applink"]);
        assert!(default.contains("applinkd.desktop"), "gio still answers the old handler:\n{default}");
        let (status, _, stderr) = desktop.applinkd(&["unregister"]);
        assert_eq!(status, 0, "{stderr}");
        assert_eq!(std::fs::read(&list).unwrap(), before, "{}", String::from_utf8_lossy(before));
    }
}

#[test]
fn unregister_keeps_a_mimeinfo_cache_with_other_entries() {
    let desktop = desktop();
    let (status, _, stderr) = desktop.applinkd(&["register"]);
    assert_eq!(status, 0, "{stderr}");
    let cache = desktop.path("data/applications/mimeinfo.cache");
    if !cache.exists() {
        // update-desktop-database is optional; make the cache it would have made.
        std::fs::write(&cache, "[MIME Cache]\nx-scheme-handler/applink=applinkd.desktop;\n").unwrap();
    }
    std::fs::write(
        desktop.path("data/applications/other.desktop"),
        "[Desktop Entry]\nType=Application\nName=Other\nExec=other %u\nMimeType=text/x-other;\n",
    )
    .unwrap();
    let mut text = std::fs::read_to_string(&cache).unwrap();
    text.push_str("text/x-other=other.desktop;\n");
    std::fs::write(&cache, &text).unwrap();
    let (status, _, stderr) = desktop.applinkd(&["unregister"]);
    assert_eq!(status, 0, "{stderr}");
    let after = std::fs::read_to_string(&cache).expect("the cache with another entry stays");
    assert!(after.contains("other.desktop"), "{after}");
}

/// Issue 18: `register`, `register --browser` and their `unregister`s in any order
/// (each register before its unregister) leave `mimeapps.list` byte for byte as it
/// was: no file, a file without the section, with it, with comments, without a final newline.
#[test]
fn mimeapps_list_is_restored_after_any_order_of_register_and_unregister() {
    const R: &[&str] = &["register"];
    const RB: &[&str] = &["register", "--browser"];
    const U: &[&str] = &["unregister"];
    const UB: &[&str] = &["unregister", "--browser"];
    let orders: [[&[&str]; 4]; 6] =
        [[R, RB, U, UB], [R, RB, UB, U], [RB, R, U, UB], [RB, R, UB, U], [R, U, RB, UB], [RB, UB, R, U]];
    let originals: [Option<&str>; 5] = [
        None,
        Some("# mine\n[Added Associations]\ntext/html=firefox.desktop;\n"),
        Some("[Added Associations]\ntext/html=firefox.desktop;"),
        Some(crate::desktop::FIREFOX_DEFAULTS),
        Some("# kept\n[Default Applications]\n# a comment\ntext/html=firefox.desktop;\n\n[Other]\nk=v\n"),
    ];
    let mut wrong = Vec::new();
    for original in originals {
        for order in orders {
            let desktop = desktop();
            let list = desktop.path("config/mimeapps.list");
            if let Some(text) = original {
                std::fs::write(&list, text).unwrap();
            }
            for args in order {
                let (status, _, stderr) = desktop.applinkd(args);
                assert_eq!(status, 0, "{args:?}: {stderr}");
            }
            let after = std::fs::read_to_string(&list).ok();
            if after.as_deref() != original {
                wrong.push(format!("{original:?} after {order:?}: {after:?}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{} of 30 not restored:\n{}", wrong.len(), wrong.join("\n"));
}
