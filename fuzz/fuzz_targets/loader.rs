//! The link-file loader on arbitrary bytes. Invariants: it never panics; a file it
//! accepts builds an index in which every link resolves, or says why it cannot, and
//! a link with its own URL resolves to exactly that URL (unless in conflict).
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let outcome = applinkd::loader::parse("fuzz.toml", bytes);
    let Some(parsed) = outcome.parsed else {
        assert!(outcome.diagnostics.iter().any(|d| d.is_error()), "refused without an error");
        return;
    };
    let index = applinkd::Index::build(vec![Arc::new(parsed)]);
    for record in index.records() {
        for link in index.record_links(record) {
            match index.resolve(link.app.id.as_str(), link.id(), None) {
                Ok(resolved) => {
                    if let Some(url) = link.url() {
                        assert_eq!(resolved.url, url, "a link's own URL is what it resolves to");
                    }
                    // What a template made is identified as (at least) that pair again.
                    if let Ok(matches) = index.identify(&resolved.url) {
                        assert!(!matches.is_empty());
                    }
                }
                Err(not_found) => assert!(!not_found.to_string().is_empty()),
            }
        }
    }
});
