//! The daemon's decoding of a request target (`/APP/ID?to=`, `/show?url=`, `/go?…`).
//! Invariants: no panic; a decoded id encodes back to a path that decodes to it again.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = std::str::from_utf8(bytes) else { return };
    let (path, query) = text.split_once('?').unwrap_or((text, ""));
    if let Some((app, id)) = path.strip_prefix('/').and_then(|p| p.split_once('/'))
        && let (Ok(app), Ok(id)) = (applinkd::target::decode(app), applinkd::target::decode(id))
    {
        let again = applinkd::target::pair_path(&app, &id);
        let (a, i) = again[1..].split_once('/').expect("a pair path has two segments");
        assert_eq!(applinkd::target::decode(a).unwrap(), app);
        assert_eq!(applinkd::target::decode(i).unwrap(), id);
    }
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        let _ = (key.len(), value.len());
    }
});
