//! `--help` of every command describes every argument and option (issue 20): a newcomer
//! reads `applinkd rm --help`, not the source.

use std::process::Command;

fn help(words: &[String]) -> String {
    let out = Command::new(crate::test::binary()).args(words).arg("--help").output().unwrap();
    assert!(out.status.success(), "{words:?} --help failed");
    String::from_utf8(out.stdout).unwrap()
}

/// The entries of one section (`Commands:`, `Arguments:`, `Options:`): name and description.
fn entries(text: &str, section: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') {
            inside = line == section;
            continue;
        }
        let entry = line.trim_start();
        let indent = line.len() - entry.len();
        // Entries start at column 2 (commands, `-s` options, arguments) or 6 (`--long`
        // options); deeper lines continue a wrapped description.
        if !inside || entry.is_empty() || !(indent == 2 || indent == 6 && entry.starts_with("--")) {
            continue;
        }
        let (name, description) = match entry.split_once("  ") {
            Some((name, rest)) => (name.to_owned(), rest.trim().to_owned()),
            None => (entry.to_owned(), String::new()),
        };
        out.push((name, description));
    }
    out
}

#[test]
fn every_command_describes_every_argument() {
    let mut commands: Vec<Vec<String>> = vec![Vec::new()];
    let mut seen = 0;
    let mut undescribed = Vec::new();
    while let Some(words) = commands.pop() {
        let text = help(&words);
        for (name, description) in entries(&text, "Commands:") {
            if name != "help" {
                if description.is_empty() {
                    undescribed.push(format!("applinkd {} {name}", words.join(" ")));
                }
                let mut sub = words.clone();
                sub.push(name);
                commands.push(sub);
            }
        }
        for section in ["Arguments:", "Options:"] {
            for (name, description) in entries(&text, section) {
                seen += 1;
                if description.is_empty() {
                    undescribed.push(format!("applinkd {} {name}", words.join(" ")));
                }
            }
        }
    }
    assert!(seen > 50, "{seen} arguments: is the help parsed?");
    assert!(undescribed.is_empty(), "without a description:\n{}", undescribed.join("\n"));
}
