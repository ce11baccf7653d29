//! Reloads that patch the index (issue 12) on generated link files: three files, the
//! middle one edited (records inserted, removed or replaced anywhere, an app added), with
//! merges, conflicts, aliases, names and shared URLs among few apps and ids. Invariant:
//! an index made by patching, edit after edit, describes exactly as a build of the same
//! files (`Index::describe`); where a patch declines, a build takes over.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

const APPS: &str = "[apps.\"a.example\"]\nurl = \"https://a.example/{id}\"\nformerly = [\"old-a.example\"]\n\n[apps.\"z.example\"]\nurl = \"https://z.example/u/{id}\"\n";
const LINK_APPS: [&str; 6] = ["a.example", "old-a.example", "b.example", "c.example", "z.example", "n.example"];
const IDS: [&str; 4] = ["1", "2", "3", "x"];

/// Bytes as a source of small choices.
struct Choices<'a>(&'a [u8]);

impl Choices<'_> {
    fn pick(&mut self, n: usize) -> usize {
        match self.0.split_first() {
            Some((b, rest)) => {
                self.0 = rest;
                *b as usize % n
            }
            None => 0,
        }
    }
}

fn record(c: &mut Choices<'_>, n: usize) -> String {
    let kind = ["person", "company", "project"][c.pick(3)];
    let mut links = Vec::new();
    for _ in 0..1 + c.pick(3) {
        let app = LINK_APPS[c.pick(LINK_APPS.len())];
        let id = IDS[c.pick(IDS.len())];
        let mut link = format!("{{ app = \"{app}\", id = \"{id}\"");
        match c.pick(5) {
            0 => link.push_str(&format!(", url = \"https://{app}/{id}\"")),
            1 => link.push_str(", url = \"https://b.example/shared\""),
            2 => link.push_str(&format!(", url = \"https://{app}/other/{id}\"")),
            _ => {}
        }
        if c.pick(4) == 0 {
            link.push_str(&format!(", name = \"N{}\"", c.pick(2)));
        }
        links.push(link + " }");
    }
    format!("\n[[{kind}]]\nname = \"R{n}\"\nlinks = [{}]\n", links.join(", "))
}

fn file(path: &str, text: &str) -> Option<Arc<applinkd::parsed_file::ParsedFile>> {
    applinkd::loader::parse(path, text.as_bytes()).parsed.map(Arc::new)
}

fuzz_target!(|bytes: &[u8]| {
    let mut c = Choices(bytes);
    let other_text: String = (0..c.pick(4)).map(|n| record(&mut c, 100 + n)).collect();
    let mut records: Vec<String> = (0..c.pick(6)).map(|n| record(&mut c, n)).collect();
    let mut app = false;
    let (Some(apps), Some(other)) = (file("0.toml", APPS), file("2.toml", &other_text)) else { return };
    let text = |records: &[String], app: bool| {
        let app = if app { "[apps.\"n.example\"]\nurl = \"https://n.example/{id}\"\n" } else { "" };
        format!("{app}{}", records.concat())
    };
    let Some(first) = file("1.toml", &text(&records, app)) else { return };
    let mut index = applinkd::Index::build(vec![apps.clone(), first, other.clone()]);
    for step in 0..1 + c.pick(4) {
        let (previous, previous_app) = (records.clone(), app);
        match c.pick(4) {
            0 => {
                let at = c.pick(records.len() + 1);
                records.insert(at, record(&mut c, 10 * (step + 1) + at));
            }
            1 if !records.is_empty() => {
                let at = c.pick(records.len());
                records.remove(at);
            }
            2 if !records.is_empty() => {
                let at = c.pick(records.len());
                records[at] = record(&mut c, 10 * (step + 1) + at);
            }
            _ => app = !app,
        }
        let before = text(&previous, previous_app);
        let Some(edited) = file("1.toml", &text(&records, app)) else { return };
        let built = applinkd::Index::build(vec![apps.clone(), edited.clone(), other.clone()]);
        let next = index.patch(&[(1, edited)]);
        if let Some(patched) = &next {
            assert_eq!(
                patched.describe(&[]),
                built.describe(&[]),
                "step {step}: 2.toml:\n{other_text}\n1.toml before:\n{before}\n1.toml after:\n{}",
                text(&records, app)
            );
        }
        index = next.unwrap_or(built);
    }
});
