//! `packaging/` says what the code does: each file equals what applinkd itself
//! generates for the installed path, so the two cannot drift apart.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn linux_desktop_file_is_what_register_writes() {
    assert_eq!(
        read("packaging/linux/applinkd.desktop"),
        applinkd::register::desktop_file(Path::new("/usr/bin/applinkd")).unwrap()
    );
    let out = std::process::Command::new("desktop-file-validate")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/linux/applinkd.desktop"))
        .output()
        .expect("desktop-file-validate (package desktop-file-utils; scripts/test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn systemd_user_unit_runs_serve_and_restarts() {
    let unit = read("packaging/linux/applinkd.service");
    assert!(unit.contains("\nExecStart=/usr/bin/applinkd serve\n"));
    assert!(unit.contains("\nRestart=on-failure\n"));
    assert!(unit.contains("\nWantedBy=default.target\n"));
}

#[test]
fn macos_handler_sources_are_what_register_builds() {
    assert_eq!(read("packaging/macos/Info.plist"), applinkd::register::info_plist());
    assert_eq!(
        read("packaging/macos/handler.applescript"),
        applinkd::register::applescript(Path::new("/usr/local/bin/applinkd"))
    );
    let agent = read("packaging/macos/dev.applinkd.serve.plist");
    assert!(agent.contains("<string>/usr/local/bin/applinkd</string>\n\t\t<string>serve</string>"));
}

#[test]
fn windows_reg_file_has_the_keys_register_sets() {
    let reg = read("packaging/windows/applinkd.reg");
    assert!(reg.starts_with("Windows Registry Editor Version 5.00\r\n"));
    let exe = "C:\\Program Files\\applinkd\\applinkd.exe";
    let escape = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    for step in applinkd::register::windows(exe).steps {
        let applinkd::register::Step::RegistrySet { key, name, value } = step else { unreachable!() };
        assert!(reg.contains(&format!("[HKEY_CURRENT_USER\\{key}]\r\n")), "{key}");
        let name = if name.is_empty() { "@".to_owned() } else { format!("\"{name}\"") };
        assert!(reg.contains(&format!("{name}=\"{}\"\r\n", escape(&value))), "{name}={value}");
    }
}

#[test]
fn deb_package_assets_exist() {
    let manifest: toml::Table = toml::from_str(&read("Cargo.toml")).unwrap();
    let assets = manifest["package"]["metadata"]["deb"]["assets"].as_array().unwrap();
    for asset in assets {
        let source = asset[0].as_str().unwrap();
        if !source.starts_with("target/") {
            assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(source).is_file(), "{source}");
        }
    }
}
