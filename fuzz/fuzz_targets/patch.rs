//! Reloads that patch the index (issues 12 and 18) on generated link files: three files,
//! the middle one edited edit after edit: records and apps inserted, removed, replaced and
//! moved at every position (before the others too), with merges, conflicts, aliases,
//! names, shared URLs, `open_with`, `schemes`, `native`, a `[browser] fallback` and apps
//! the first or the last file defines too, among few apps and ids. Invariant: an index made by
//! patching describes exactly as a build of the same files (`Index::describe`, which
//! covers everything a build answers with); where a patch declines, a build takes over.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

const APPS: &str = "[apps.\"a.example\"]\nurl = \"https://a.example/{id}\"\nformerly = [\"old-a.example\"]\n\n[apps.\"z.example\"]\nurl = \"https://z.example/u/{id}\"\n";
/// The apps the middle file may define, in any order.
const HOSTS: [&str; 4] = ["n.example", "m.example", "p.example", "q.example"];
const LINK_APPS: [&str; 9] = [
    "a.example",
    "old-a.example",
    "b.example",
    "c.example",
    "z.example",
    "n.example",
    "m.example",
    "p.example",
    "old-p.example",
];
const IDS: [&str; 4] = ["1", "2", "3", "x"];
/// URLs identify is asked about, besides each link's and each template's.
const URLS: [&str; 6] = [
    "https://b.example/shared",
    "https://n.example/1",
    "https://m.example/v/2",
    "https://p.example/x",
    "https://q.example/v/3",
    "https://a.example/2",
];

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

/// One app definition: its host (in `HOSTS`) and which of a few ways it is written.
#[derive(Clone, Copy, PartialEq)]
struct App {
    host: usize,
    variant: usize,
}

const VARIANTS: usize = 10;

fn app_text(app: App) -> String {
    let host = HOSTS[app.host];
    let path = ["", "v/"][app.variant % 2];
    let mut text = format!("[apps.\"{host}\"]\nurl = \"https://{host}/{path}{{id}}\"\n");
    text.push_str(match app.variant / 2 {
        1 => "open_with = [\"prog\", \"--new-window\"]\n",
        2 => "schemes = [\"https\", \"nat\"]\nnative = \"nat://open/{id}\"\n",
        3 => "name = \"Named\"\n",
        4 if app.host == 2 => "formerly = [\"old-p.example\"]\n",
        _ => "",
    });
    text + "\n"
}

fn app(c: &mut Choices<'_>) -> App {
    App { host: c.pick(HOSTS.len()), variant: c.pick(VARIANTS) }
}

/// A host the file does not define yet, if any.
fn free_host(apps: &[App], c: &mut Choices<'_>) -> Option<usize> {
    let start = c.pick(HOSTS.len());
    (0..HOSTS.len()).map(|k| (start + k) % HOSTS.len()).find(|h| apps.iter().all(|a| a.host != *h))
}

fn file(path: &str, text: &str) -> Option<Arc<applinkd::parsed_file::ParsedFile>> {
    applinkd::loader::parse(path, text.as_bytes()).parsed.map(Arc::new)
}

fn text(apps: &[App], records: &[String]) -> String {
    let apps: String = apps.iter().map(|&a| app_text(a)).collect();
    format!("{apps}{}", records.concat())
}

/// Moves the element at `from` to `to` (both in range).
fn move_item<T>(list: &mut Vec<T>, from: usize, to: usize) {
    let item = list.remove(from);
    list.insert(to, item);
}

fuzz_target!(|bytes: &[u8]| {
    let mut c = Choices(bytes);
    // The last file: records, maybe a definition of one of the middle file's apps, maybe a fallback.
    let mut other_text: String = (0..c.pick(4)).map(|n| record(&mut c, 100 + n)).collect();
    if c.pick(3) == 0 {
        other_text = app_text(App { host: 1, variant: c.pick(VARIANTS) }) + &other_text;
    }
    if c.pick(4) == 0 {
        other_text = "[browser]\nfallback = [\"fallback-browser\", \"-P\", \"x\"]\n".to_owned() + &other_text;
    }
    // The first file may define one of them too (then the middle file's is a later definition).
    let first_text = match c.pick(3) {
        0 => format!("{APPS}\n{}", app_text(App { host: 3, variant: c.pick(VARIANTS) })),
        _ => APPS.to_owned(),
    };
    let mut apps: Vec<App> = Vec::new();
    for _ in 0..c.pick(4) {
        if let Some(host) = free_host(&apps, &mut c) {
            apps.push(App { host, variant: c.pick(VARIANTS) });
        }
    }
    let mut records: Vec<String> = (0..c.pick(6)).map(|n| record(&mut c, n)).collect();
    let (Some(first_file), Some(other)) = (file("0.toml", &first_text), file("2.toml", &other_text)) else { return };
    let Some(middle) = file("1.toml", &text(&apps, &records)) else { return };
    let mut index = applinkd::Index::build(vec![first_file.clone(), middle, other.clone()]);
    for step in 0..1 + c.pick(4) {
        let before = text(&apps, &records);
        match c.pick(8) {
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
            3 if !records.is_empty() => {
                let (from, to) = (c.pick(records.len()), c.pick(records.len()));
                move_item(&mut records, from, to);
            }
            4 => {
                let at = c.pick(apps.len() + 1);
                if let Some(host) = free_host(&apps, &mut c) {
                    apps.insert(at, App { host, variant: c.pick(VARIANTS) });
                }
            }
            5 if !apps.is_empty() => {
                let at = c.pick(apps.len());
                apps.remove(at);
            }
            6 if !apps.is_empty() => {
                let (from, to) = (c.pick(apps.len()), c.pick(apps.len()));
                move_item(&mut apps, from, to);
            }
            7 if !apps.is_empty() => {
                let at = c.pick(apps.len());
                apps[at] = App { host: apps[at].host, ..app(&mut c) };
            }
            _ => {
                let at = c.pick(records.len() + 1);
                records.insert(at, record(&mut c, 10 * (step + 1) + at));
            }
        }
        let after = text(&apps, &records);
        let Some(edited) = file("1.toml", &after) else { return };
        let built = applinkd::Index::build(vec![first_file.clone(), edited.clone(), other.clone()]);
        let next = index.patch(&[(1, edited)]);
        if let Some(patched) = &next {
            assert_eq!(
                patched.describe(&URLS),
                built.describe(&URLS),
                "step {step}: 0.toml:\n{first_text}\n2.toml:\n{other_text}\n1.toml before:\n{before}\n1.toml after:\n{after}"
            );
        }
        index = next.unwrap_or(built);
    }
});
