//! Template parse, expand and invert. Input: template text, a NUL, an id.
//! Invariants: an expansion never leaves the origin the template's literal text
//! fixes, and identifying an expansion finds the id again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let (template, id) = text.split_once('\0').unwrap_or((text, "x"));
    let Ok(t) = applinkd::template::UrlTemplate::parse(template) else { return };
    if applinkd::unique_id::check(id).is_err() {
        return;
    }
    let Ok(url) = t.expand("app.example", id) else { return };
    let parsed = url::Url::parse(&url).expect("an expansion is a valid URL");
    assert_eq!(parsed.scheme(), t.scheme(), "{template} with {id:?} → {url}");
    // The literal text before the first expression fixes the origin.
    let literal = &template[..template.find('{').unwrap_or(template.len())];
    if let Some(rest) = literal.split_once("://").map(|(_, r)| r)
        && rest.contains('/')
        && let Ok(fixed) = url::Url::parse(literal)
    {
        assert_eq!(parsed.host_str(), fixed.host_str(), "{template} with {id:?} → {url}");
        assert_eq!(parsed.port_or_known_default(), fixed.port_or_known_default());
    } else if !literal.contains("://") {
        assert!(parsed.host_str().is_none_or(|h| h.is_empty()), "{template} with {id:?} gained a host: {url}");
    }
    // Identify tries every reading of at most 6 ambiguous `%XX` runs (then only all or
    // none decoded): with an id that holds `%XX` itself and more than that, skip.
    let literal_triplet = id.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit());
    if literal_triplet && url.matches('%').count() > 6 {
        return;
    }
    // A `?` or `#` that a reserved expansion writes as is starts the query or the
    // fragment: identify follows it for the last expression only (the tail pattern);
    // with several, where each copy of the id ends is ambiguous, and not looked for.
    if id.contains(['?', '#']) && template.matches('{').count() > 1 {
        return;
    }
    if let Ok(inverse) = t.inverse("app.example") {
        let canonical = String::from(parsed);
        let parts = applinkd::url_parts::UrlParts::of(&canonical);
        // Identify is bounded (README: identify): a template that can cut its URL in more
        // ways than one template's budget allows may be cut short, and then need not find
        // the id; within the budget it must.
        let mut work = applinkd::template::Work::new(applinkd::template::PER_TEMPLATE);
        let found = inverse.readings_within(&canonical, &parts, &mut work);
        assert!(
            work.cut_short() || found.iter().any(|reading| reading.id == id),
            "{template} with {id:?} → {canonical}"
        );
    }
});
