//! Windows: the `HKCU\Software\Classes\applink` keys that make a URL scheme.
//! The command line quotes `%1` after `--`, so a crafted URL stays one argument
//! and can never be read as an option.

use super::{Plan, SCHEME, Step};

pub fn key() -> String {
    format!("Software\\Classes\\{SCHEME}")
}

/// `"<exe>" open -- "%1"`.
pub fn command_line(exe: &str) -> String {
    format!("\"{exe}\" open -- \"%1\"")
}

pub fn windows(exe: &str) -> Plan {
    let key = key();
    let set = |key: String, name: &str, value: String| Step::RegistrySet { key, name: name.into(), value };
    Plan {
        steps: vec![
            set(key.clone(), "", "URL:App Link".into()),
            set(key.clone(), "URL Protocol", String::new()),
            set(format!("{key}\\DefaultIcon"), "", format!("\"{exe}\",0")),
            set(format!("{key}\\shell\\open\\command"), "", command_line(exe)),
        ],
    }
}

pub fn windows_unregister() -> Plan {
    Plan { steps: vec![Step::RegistryDelete { key: key() }] }
}
