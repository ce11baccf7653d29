//! Hostile input never panics: deterministic random mutations of link files,
//! templates, ids and request paths, fed to the real parsing code in process.

use std::sync::Arc;

/// xorshift64*: deterministic, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const SEEDS: &[&str] = &[
    include_str!("../config/apps.toml"),
    include_str!("../config/people.toml"),
    include_str!("../config/projects.toml"),
];

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    "'",
    "=",
    ",",
    "\n",
    "{id}",
    "{+id}",
    "{#id}",
    "{/id}",
    "{?id}",
    "%",
    "%C3",
    "é",
    "😀",
    "\\u0000",
    "\\",
    "javascript:",
    "applink://",
    "[[person]]",
    "[apps.\"x.example\"]",
    "url = ",
    "id = ",
    "..",
    "/",
    "\u{0}",
    "\u{7f}",
    "\u{feff}",
    "{id:0}",
    "{id:9999}",
    "{=id}",
    "{!id}",
    "#",
    "?",
    " ",
    "\t",
    "ﬀ",
];

fn mutate(rng: &mut Rng, text: &str) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(6) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(4) {
            0 => {
                let piece = PIECES[rng.below(PIECES.len())];
                bytes.splice(at..at, piece.bytes());
            }
            1 if at < bytes.len() => {
                let end = (at + rng.below(20)).min(bytes.len());
                bytes.drain(at..end);
            }
            2 if at < bytes.len() => bytes[at] = rng.next() as u8,
            _ => bytes.insert(at, rng.next() as u8),
        }
    }
    bytes
}

#[test]
fn mutated_link_files_never_panic_and_what_loads_resolves() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..3000 {
        let seed = SEEDS[round % SEEDS.len()];
        let bytes = mutate(&mut rng, seed);
        let outcome = applinkd::loader::parse("fuzz.toml", &bytes);
        for d in &outcome.diagnostics {
            let _ = d.render(false);
            let _ = d.to_string();
        }
        if let Some(parsed) = outcome.parsed {
            let index = applinkd::Index::build(vec![Arc::new(parsed)]);
            for record in index.records() {
                for link in index.record_links(record) {
                    let _ = index.resolve(link.app.id.as_str(), link.id(), None);
                }
            }
        }
    }
}

#[test]
fn random_ids_never_panic_any_template() {
    let mut rng = Rng(0x1234_5678_9abc_def1);
    let templates = [
        "https://a.example/{id}",
        "https://a.example/{+id}",
        "https://a.example{/id}",
        "https://a.example/x{?id,app}",
        "https://a.example/x{#id}",
        "https://a.example/{+id:3}/{id:2}",
        "https://a.example/{;id}{.id}{&id}",
        "mailto:{id}",
    ];
    let pool: Vec<char> = (0u8..0x80).map(char::from).chain(['é', '😀', '\u{fffd}', '\u{200b}']).collect();
    for text in templates {
        let template = applinkd::template::UrlTemplate::parse(text).unwrap();
        for _ in 0..5000 {
            let len = rng.below(16);
            let id: String = (0..len).map(|_| pool[rng.below(pool.len())]).collect();
            if let Ok(url) = template.expand("a.example", &id) {
                let parsed = url::Url::parse(&url).expect("an expansion is a URL");
                assert_eq!(
                    parsed.host_str(),
                    url::Url::parse(text.split('{').next().unwrap())
                        .ok()
                        .and_then(|u| u.host_str().map(str::to_owned))
                        .as_deref(),
                    "{text} {id:?} → {url}"
                );
            }
        }
    }
}

#[test]
fn random_targets_never_panic() {
    let mut rng = Rng(42);
    let index =
        applinkd::Catalog::load(vec![std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config")]).index();
    let pool = [
        "applink:",
        "//",
        "/",
        "%",
        "%2F",
        "%zz",
        "%C3%A9",
        "a.example",
        "?to=",
        "#",
        "http://",
        "é",
        "..",
        "\u{0}",
        "https://github.com/",
        "https://acme.zendesk.com/agent/users/",
        "&",
        "=",
        "id=",
        "+",
        "?",
    ];
    for _ in 0..20_000 {
        let word: String = (0..rng.below(8)).map(|_| pool[rng.below(pool.len())]).collect();
        let _ = applinkd::target::Target::parse(std::slice::from_ref(&word), "http://127.0.0.1:7133");
        let _ = applinkd::target::decode(&word);
        // Whatever a target is, identifying it never panics.
        let _ = index.identify(&word);
    }
}
