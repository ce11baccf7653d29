//! `alert`: a failure of `open` shown where the person is. Run from a click (a
//! browser or chat app starts `applinkd open URL` with no terminal), stderr reaches
//! nobody; so a failure opens the daemon's own page about it in the browser when a
//! daemon runs and applinkd is not itself the browser (the caller decides: then the
//! page would come back to applinkd), else shows a desktop notification (freedesktop notifications over
//! D-Bus, `notify-rust`), and is written to stderr as well.

use std::io::IsTerminal;

use crate::link_url::LinkUrl;
use crate::opener::Launch;

/// Whether a person at a terminal sees stderr (then it is enough).
pub fn at_terminal() -> bool {
    std::io::stderr().is_terminal()
}

/// Shows `message` where the person is. `page` is the daemon's page about the
/// failure (its not-found or conflict page), when a daemon answered.
pub fn show(message: &str, page: Option<&str>) {
    if at_terminal() {
        return;
    }
    if let Some(page) = page
        && let Ok(url) = LinkUrl::parse(page)
        && Launch::new(url, None).run().is_ok()
    {
        return;
    }
    if let Err(e) = notify(message) {
        tracing::debug!("no desktop notification: {e}");
    }
}

fn notify(message: &str) -> Result<(), notify_rust::error::Error> {
    notify_rust::Notification::new()
        .appname("applinkd")
        .summary("applinkd cannot open the link")
        .body(message)
        .timeout(notify_rust::Timeout::Milliseconds(10_000))
        .show()
        .map(drop)
}
