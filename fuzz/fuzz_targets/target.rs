//! TARGET parsing and identify on arbitrary words. Invariants: no panic; a pair
//! form gives a non-empty id; an App URL identifies or says why not.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;

fn index() -> &'static applinkd::Index {
    static INDEX: OnceLock<applinkd::Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let text = include_str!("../../config/apps.toml").to_owned() + include_str!("../../config/people.toml");
        let parsed = applinkd::loader::parse("fuzz.toml", text.as_bytes()).parsed.expect("the examples load");
        applinkd::Index::build(vec![Arc::new(parsed)])
    })
}

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let words: Vec<String> = text.split('\0').take(2).map(str::to_owned).collect();
    match applinkd::target::Target::parse(&words, "http://127.0.0.1:7133") {
        Ok(applinkd::target::Target::Pair(pair)) => {
            assert!(!pair.id.is_empty());
            let _ = index().resolve(&pair.app, &pair.id, pair.to.as_deref());
        }
        Ok(applinkd::target::Target::AppUrl(url)) => match index().identify(&url) {
            Ok(matches) => assert!(!matches.is_empty()),
            Err(e) => assert!(!e.to_string().is_empty()),
        },
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
