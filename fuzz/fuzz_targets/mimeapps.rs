//! The mimeapps.list editor. Invariant: registering then unregistering gives the
//! file back byte for byte, whatever it held (non-UTF-8 bytes included).
#![no_main]

use applinkd::register::mimeapps;
use libfuzzer_sys::fuzz_target;

const KEY: &str = "x-scheme-handler/applink";
const VALUE: &str = "applinkd.desktop;";

fuzz_target!(|bytes: &[u8]| {
    let text = applinkd::register::text_of(bytes);
    let (after, undo) = mimeapps::set_default(Some(&text), KEY, VALUE);
    let restored = mimeapps::undo(&after, KEY, VALUE, &undo);
    let restored = restored.map(|t| applinkd::register::bytes_of(&t)).unwrap_or_default();
    assert_eq!(restored, bytes, "not restored byte for byte");
});
