//! macOS: a small AppleScript applet whose `Info.plist` declares the `applink`
//! URL scheme (`CFBundleURLTypes`). macOS delivers a clicked link to it as an
//! Apple Event (`on open location`), and it runs `applinkd open -- URL`.
//! Registered with LaunchServices (`lsregister`).

use std::path::Path;

use super::{Plan, SCHEME, Step};

pub const BUNDLE_ID: &str = "dev.applinkd.handler";
pub(super) const LSREGISTER: &str =
    "/System/Library/Frameworks/CoreServices.framework/Frameworks/LaunchServices.framework/Support/lsregister";

/// The applet's script. `quoted form of` makes each argument one shell word.
pub fn applescript(exe: &Path) -> String {
    let exe = exe.display().to_string().replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        "-- applinkd's handler for {SCHEME}:// links: macOS sends each clicked link as an Apple Event.\n\
         on open location theURL\n\
         \tdo shell script quoted form of \"{exe}\" & \" open -- \" & quoted form of theURL\n\
         end open location\n"
    )
}

/// The applet's `Info.plist`: what `osacompile` writes, plus the URL scheme,
/// a bundle id, and no Dock icon.
pub fn info_plist() -> String {
    plist_for(BUNDLE_ID, "applinkd", "App Link", &[SCHEME])
}

/// An applet's `Info.plist` declaring `schemes` under one URL type.
pub(super) fn plist_for(bundle_id: &str, name: &str, url_name: &str, schemes: &[&str]) -> String {
    let schemes: String = schemes.iter().map(|s| format!("\t\t\t\t<string>{s}</string>\n")).collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleDevelopmentRegion</key>
	<string>en</string>
	<key>CFBundleExecutable</key>
	<string>applet</string>
	<key>CFBundleIconFile</key>
	<string>applet</string>
	<key>CFBundleIdentifier</key>
	<string>{bundle_id}</string>
	<key>CFBundleInfoDictionaryVersion</key>
	<string>6.0</string>
	<key>CFBundleName</key>
	<string>{name}</string>
	<key>CFBundlePackageType</key>
	<string>APPL</string>
	<key>CFBundleShortVersionString</key>
	<string>{version}</string>
	<key>CFBundleSignature</key>
	<string>aplt</string>
	<key>CFBundleURLTypes</key>
	<array>
		<dict>
			<key>CFBundleURLName</key>
			<string>{url_name}</string>
			<key>CFBundleURLSchemes</key>
			<array>
{schemes}			</array>
		</dict>
	</array>
	<key>LSMinimumSystemVersion</key>
	<string>10.13</string>
	<key>LSUIElement</key>
	<true/>
</dict>
</plist>
"#,
        version = env!("CARGO_PKG_VERSION")
    )
}

pub fn macos(exe: &Path, home: &Path) -> Plan {
    let app = home.join("Applications/applinkd.app");
    let source = home.join("Library/Application Support/applinkd/handler.applescript");
    Plan {
        steps: vec![
            Step::Write { path: source.clone(), contents: applescript(exe), executable: false },
            Step::Run {
                program: "osacompile".into(),
                args: vec!["-o".into(), app.display().to_string(), source.display().to_string()],
                optional: false,
            },
            Step::Write { path: app.join("Contents/Info.plist"), contents: info_plist(), executable: false },
            Step::Run {
                program: LSREGISTER.into(),
                args: vec!["-f".into(), app.display().to_string()],
                optional: false,
            },
        ],
    }
}

pub fn macos_unregister(home: &Path) -> Plan {
    let app = home.join("Applications/applinkd.app");
    Plan {
        steps: vec![
            Step::Run {
                program: LSREGISTER.into(),
                args: vec!["-u".into(), app.display().to_string()],
                optional: true,
            },
            Step::Remove { path: app },
            Step::Remove { path: home.join("Library/Application Support/applinkd/handler.applescript") },
        ],
    }
}
