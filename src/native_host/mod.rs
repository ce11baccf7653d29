//! `applinkd native-host`: the browser extension's way to the desktop (README: "In the
//! browser"). The browser starts it for the extension and speaks the native messaging
//! protocol over stdin and stdout (`frame`): requests `{"op": "show" | "route" | "open",
//! "url": U, "id": any}`, answers `{"id", "ok": true, "answer": ...}` or `{"id", "ok":
//! false, "error": {"code", "message"}}`.
//!
//! Bad input never hangs or panics it: a frame that is oversized, truncated, not UTF-8 or
//! not JSON gets one error answer and ends the session (exit 1), since what follows it in
//! the stream cannot be trusted to be a frame; a well-formed request it cannot do (an
//! unknown `op`, a missing `url`) gets an error answer and the session goes on. A caller
//! that is not an allowed extension gets one error answer and nothing else.

pub mod frame;

use std::io::{Read, Write};

use serde_json::{Value, json};

/// The extension's ids: Chromium's (fixed by the `key` in its manifest; see
/// `packaging/browser-extension/ids.json`, which a test keeps equal) and Firefox's
/// (its `browser_specific_settings.gecko.id`). Browsers start the host only for the
/// extensions its manifest allows; the host checks again (the origin is in its argv).
pub const CHROMIUM_IDS: &[&str] = &[CHROMIUM_ID];
pub const CHROMIUM_ID: &str = "jimnaanalibgbjmeknjcipcocfpohpbj";
pub const GECKO_ID: &str = "applinkd@applinkd.dev";
/// The name browsers know the host by (its manifests' `name`).
pub const HOST_NAME: &str = "dev.applinkd.host";

/// Who started the host, from what the browser passes: Chromium the caller's origin
/// (`chrome-extension://ID/`), Firefox the manifest's path and the extension's id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    Allowed(String),
    Refused(String),
}

impl Caller {
    pub fn from_args(args: &[String]) -> Caller {
        for arg in args {
            if let Some(id) = arg.strip_prefix("chrome-extension://") {
                let id = id.trim_end_matches('/');
                return if CHROMIUM_IDS.contains(&id) {
                    Caller::Allowed(arg.clone())
                } else {
                    Caller::Refused(arg.clone())
                };
            }
        }
        match args.iter().find(|a| !a.starts_with("--") && !a.ends_with(".json")) {
            Some(id) if id == GECKO_ID => Caller::Allowed(id.clone()),
            Some(other) => Caller::Refused(other.clone()),
            None => Caller::Refused(String::new()),
        }
    }
}

/// A request as the extension sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub op: Op,
    pub url: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Show,
    Route,
    Open,
}

/// What a request got: the answer document, or an error code and message.
pub type Answer = Result<Value, (String, String)>;

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The browser closed the port: exit 0.
    Closed,
    /// A bad frame, a refused caller, or output that could not be written: exit 1.
    Failed,
}

/// Serves requests until the input ends or a frame is bad. `handle` does the work.
pub fn serve(
    input: &mut impl Read,
    output: &mut impl Write,
    caller: &Caller,
    handle: &mut dyn FnMut(&Request) -> Answer,
) -> End {
    if let Caller::Refused(who) = caller {
        let message = format!("applinkd's native host answers only the applinkd extension, not `{who}`");
        let _ = send(output, &Value::Null, Err(("caller_not_allowed".into(), message)));
        return End::Failed;
    }
    loop {
        let bytes = match frame::read(input) {
            Ok(Some(bytes)) => bytes,
            Ok(None) => return End::Closed,
            Err(e) => {
                let _ = send(output, &Value::Null, Err(("bad_frame".into(), e.to_string())));
                return End::Failed;
            }
        };
        let message: Value = match std::str::from_utf8(&bytes)
            .map_err(|e| e.to_string())
            .and_then(|text| serde_json::from_str(text).map_err(|e| e.to_string()))
        {
            Ok(message) => message,
            Err(e) => {
                let _ = send(output, &Value::Null, Err(("bad_json".into(), format!("the message is not JSON: {e}"))));
                return End::Failed;
            }
        };
        let id = message.get("id").cloned().unwrap_or(Value::Null);
        let answer = no_duplicate_keys(&bytes).and_then(|()| parse(&message)).and_then(|request| handle(&request));
        if send(output, &id, answer).is_err() {
            return End::Failed;
        }
    }
}

/// A request from a message, strictly: an object with a known `op` and a string `url`
/// (and optionally `id`), nothing else.
pub fn parse(message: &Value) -> Result<Request, (String, String)> {
    let bad = |m: &str| Err(("bad_request".to_owned(), m.to_owned()));
    let Some(object) = message.as_object() else { return bad("a request is a JSON object") };
    if let Some(key) = object.keys().find(|k| !matches!(k.as_str(), "op" | "url" | "id")) {
        return bad(&format!("unknown field `{key}`; a request has `op`, `url` and `id`"));
    }
    let op = match object.get("op").and_then(Value::as_str) {
        Some("show") => Op::Show,
        Some("route") => Op::Route,
        Some("open") => Op::Open,
        Some(other) => return bad(&format!("unknown op `{other}`; the ops are show, route and open")),
        None => return bad("no `op` (show, route or open)"),
    };
    let Some(url) = object.get("url").and_then(Value::as_str) else { return bad("no `url` string") };
    Ok(Request { op, url: url.to_owned() })
}

/// A request names each key once: `{"op": "show", "op": "open"}` is refused, not read
/// as its last `op` (a JSON parser that kept the first would do something else).
fn no_duplicate_keys(bytes: &[u8]) -> Result<(), (String, String)> {
    use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = Option<String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
            let mut seen = std::collections::HashSet::new();
            let mut twice = None;
            while let Some(key) = map.next_key::<String>()? {
                map.next_value::<IgnoredAny>()?;
                if !seen.insert(key.clone()) && twice.is_none() {
                    twice = Some(key);
                }
            }
            Ok(twice)
        }
    }
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    match reader.deserialize_map(Keys) {
        Ok(Some(key)) => Err(("bad_request".into(), format!("`{key}` is given twice; a request names each key once"))),
        // Not an object: `parse` says so.
        _ => Ok(()),
    }
}

fn send(output: &mut impl Write, id: &Value, answer: Answer) -> std::io::Result<()> {
    let mut document = match answer {
        Ok(answer) => json!({ "id": id, "ok": true, "answer": answer }),
        Err((code, message)) => json!({ "id": id, "ok": false, "error": { "code": code, "message": message } }),
    };
    let mut bytes = serde_json::to_vec(&document).expect("JSON values serialise");
    if bytes.len() > frame::MAX_OUT {
        document =
            json!({ "id": id, "ok": false, "error": { "code": "too_large", "message": "the answer is over 1 MiB" } });
        bytes = serde_json::to_vec(&document).expect("JSON values serialise");
    }
    frame::write(output, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &str) -> Vec<u8> {
        let mut out = (body.len() as u32).to_ne_bytes().to_vec();
        out.extend_from_slice(body.as_bytes());
        out
    }

    fn answers(mut output: &[u8]) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(bytes) = frame::read(&mut output).unwrap() {
            out.push(serde_json::from_slice(&bytes).unwrap());
        }
        out
    }

    fn run(input: &[u8], caller: &Caller) -> (End, Vec<Value>) {
        let mut output = Vec::new();
        let end = serve(&mut &input[..], &mut output, caller, &mut |r| Ok(json!({ "url": r.url })));
        (end, answers(&output))
    }

    #[test]
    fn requests_are_answered_in_order_with_their_ids() {
        let input =
            [framed(r#"{"op":"route","url":"https://a.example/1","id":7}"#), framed(r#"{"op":"fly","url":"x"}"#)]
                .concat();
        let (end, out) = run(&input, &Caller::Allowed(GECKO_ID.into()));
        assert_eq!(end, End::Closed);
        assert_eq!(out[0], json!({ "id": 7, "ok": true, "answer": { "url": "https://a.example/1" } }));
        assert_eq!(out[1]["error"]["code"], "bad_request");
    }

    #[test]
    fn a_key_given_twice_is_refused_and_the_session_goes_on() {
        let input = [
            framed(r#"{"op":"show","op":"open","url":"https://a.example/1","id":1}"#),
            framed(r#"{"op":"show","url":"x"}"#),
        ]
        .concat();
        let (end, out) = run(&input, &Caller::Allowed(GECKO_ID.into()));
        assert_eq!(end, End::Closed);
        assert_eq!(out[0]["error"]["code"], "bad_request", "{out:?}");
        assert!(out[0]["error"]["message"].as_str().unwrap().contains("`op` is given twice"), "{out:?}");
        assert_eq!(out[1]["ok"], true);
    }

    #[test]
    fn a_bad_frame_gets_an_answer_and_ends_the_session() {
        for input in [b"\xff\xff\xff\x7f".to_vec(), framed("{\"op\""), [framed("not json"), framed("{}")].concat()] {
            let (end, out) = run(&input, &Caller::Allowed(GECKO_ID.into()));
            assert_eq!(end, End::Failed);
            assert_eq!(out.len(), 1, "{out:?}");
            assert_eq!(out[0]["ok"], false);
        }
    }

    #[test]
    fn only_the_extension_is_answered() {
        let input = framed(r#"{"op":"show","url":"https://a.example/1"}"#);
        let (end, out) =
            run(&input, &Caller::from_args(&["chrome-extension://abcdefghijklmnopabcdefghijklmnop/".into()]));
        assert_eq!(end, End::Failed);
        assert_eq!(out[0]["error"]["code"], "caller_not_allowed");
        assert_eq!(
            Caller::from_args(&[format!("chrome-extension://{CHROMIUM_ID}/")]),
            Caller::Allowed(format!("chrome-extension://{CHROMIUM_ID}/"))
        );
        assert_eq!(
            Caller::from_args(&[
                "/home/a/.mozilla/native-messaging-hosts/dev.applinkd.host.json".into(),
                GECKO_ID.into()
            ]),
            Caller::Allowed(GECKO_ID.into())
        );
        assert!(matches!(
            Caller::from_args(&["/x/dev.applinkd.host.json".into(), "evil@example".into()]),
            Caller::Refused(_)
        ));
        assert!(matches!(Caller::from_args(&[]), Caller::Refused(_)));
    }
}
