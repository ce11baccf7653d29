//! The native host's session: any bytes a browser (or anything that starts it) could
//! write. Invariants: no panic, no read past the input, and every answer is one
//! well-formed frame of JSON with `ok`; a session ends at the first bad frame.
#![no_main]

use applinkd::native_host::{self, Caller, End, GECKO_ID, frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let mut input = bytes;
    let mut output = Vec::new();
    let mut requests = 0usize;
    let end = native_host::serve(&mut input, &mut output, &Caller::Allowed(GECKO_ID.into()), &mut |request| {
        requests += 1;
        Ok(serde_json::json!({ "url": request.url }))
    });
    let mut answers = &output[..];
    let mut count = 0;
    while let Some(message) = frame::read(&mut answers).expect("answers are whole frames") {
        let value: serde_json::Value = serde_json::from_slice(&message).expect("answers are JSON");
        assert!(value["ok"].is_boolean());
        count += 1;
    }
    assert!(count >= requests);
    if end == End::Closed {
        assert!(input.is_empty(), "a closed session read everything");
    }
});
