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

/// The rendered manifests (kustomize), as JSON documents (PyYAML, which the
/// validator brings).
fn rendered(dir: &str) -> Vec<serde_json::Value> {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("kubectl")
        .args(["kustomize", &format!("{root}/{dir}")])
        .output()
        .expect("kubectl is needed for this test (kubectl kustomize renders offline)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let yaml = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(yaml.path(), &out.stdout).unwrap();
    let validate = std::process::Command::new("kubernetes-validate").arg("--strict").arg(yaml.path()).output().expect(
        "kubernetes-validate is needed for this test: `pip install kubernetes-validate` (scripts/test does it)",
    );
    assert!(
        validate.status.success(),
        "the manifests do not pass the Kubernetes schemas:\n{}{}",
        String::from_utf8_lossy(&validate.stdout),
        String::from_utf8_lossy(&validate.stderr)
    );
    let json = std::process::Command::new("python3")
        .args(["-c", "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))"])
        .stdin(std::fs::File::open(yaml.path()).unwrap())
        .output()
        .unwrap();
    serde_json::from_slice(&json.stdout).expect("YAML documents")
}

fn kind<'a>(docs: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
    docs.iter().find(|d| d["kind"] == kind).unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn kubernetes_manifests_render_validate_and_are_hardened() {
    for dir in ["packaging/kubernetes", "packaging/kubernetes/overlays/git-sync"] {
        let docs = rendered(dir);
        let deployment = kind(&docs, "Deployment");
        assert_eq!(deployment["spec"]["replicas"], 3, "{dir}");
        let pod = &deployment["spec"]["template"]["spec"];
        assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
        for container in pod["containers"].as_array().unwrap() {
            let security = &container["securityContext"];
            assert_eq!(security["readOnlyRootFilesystem"], true, "{dir} {}", container["name"]);
            assert_eq!(security["allowPrivilegeEscalation"], false);
            assert_eq!(security["capabilities"]["drop"], serde_json::json!(["ALL"]));
            assert!(container["resources"]["requests"].is_object() && container["resources"]["limits"].is_object());
        }
        let applinkd = &pod["containers"][0];
        for probe in ["livenessProbe", "readinessProbe"] {
            assert_eq!(applinkd[probe]["httpGet"]["path"], "/healthz", "{dir} {probe}");
        }
        kind(&docs, "Service");
        kind(&docs, "PodDisruptionBudget");
        // The container's argv is one the CLI takes: run it (on loopback, with links here).
        let args: Vec<String> =
            applinkd["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_owned()).collect();
        assert!(args.windows(2).any(|w| w == ["--listen", "0.0.0.0:7133"]), "{args:?}");
        assert!(args.iter().any(|a| a == "--allow-host"), "{args:?}");
        let links = tempfile::tempdir().unwrap();
        let local: Vec<String> = args
            .iter()
            .map(|a| match a.as_str() {
                "0.0.0.0:7133" => "127.0.0.1:0".to_owned(),
                a if a.starts_with('/') => links.path().display().to_string(),
                a => a.to_owned(),
            })
            .collect();
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_applinkd"))
            .args(&local)
            .env("HOME", links.path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stderr.take().unwrap()));
        let started = lines.by_ref().map_while(Result::ok).any(|l| l.contains("serving on"));
        let _ = child.kill();
        let _ = child.wait();
        assert!(started, "`applinkd {}` did not start", local.join(" "));
    }
    let docs = rendered("packaging/kubernetes");
    let config = kind(&docs, "ConfigMap");
    assert!(config["data"]["apps.toml"].as_str().unwrap().contains("[apps."), "the link files are in the ConfigMap");
}
