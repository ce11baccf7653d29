//! `HostGuard`: answers only requests addressed to the daemon itself (README: The daemon).
//!
//! A web page on another site can make the browser send requests to
//! 127.0.0.1 under its own host name (DNS rebinding); the `Host` header is the
//! one thing such a request cannot fake, so everything not naming loopback or an
//! allowed name is refused.

pub struct HostGuard {
    port: u16,
    /// Extra names from `--allow-host`, lower-case, each `NAME` (with any port, or none:
    /// behind a proxy the port is the proxy's, `links.example.com:443`) or `NAME:PORT`
    /// (that port only).
    allowed: Vec<String>,
}

impl HostGuard {
    pub fn new(port: u16, allowed: &[String]) -> HostGuard {
        HostGuard { port, allowed: allowed.iter().map(|h| h.to_ascii_lowercase()).collect() }
    }

    /// Whether a `Host` header value names this daemon. Called for every request: no allocation.
    pub fn allows(&self, host: &str) -> bool {
        if self.allowed.iter().any(|a| a.eq_ignore_ascii_case(host)) {
            return true;
        }
        let (name, port) = split_port(host);
        if self.allowed.iter().any(|a| a.eq_ignore_ascii_case(name))
            && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        {
            return true;
        }
        let port_ok = match port {
            Some(port) => port.parse::<u16>() == Ok(self.port),
            None => self.port == 80,
        };
        port_ok && is_loopback_name(name)
    }

    /// What the refusal says: which names are answered, and how to add one.
    pub fn explain(&self) -> String {
        format!(
            "applinkd answers only requests for its own address: 127.0.0.1:{p}, [::1]:{p}, localhost:{p} or NAME.localhost:{p}. \
             To reach it under another name, start it with `--allow-host NAME`.\n",
            p = self.port
        )
    }
}

fn split_port(host: &str) -> (&str, Option<&str>) {
    if host.starts_with('[') {
        return match host.find(']') {
            Some(end) => (&host[..=end], host[end + 1..].strip_prefix(':')),
            None => (host, None),
        };
    }
    match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    }
}

fn is_loopback_name(name: &str) -> bool {
    const SUFFIX: &str = ".localhost";
    if ["127.0.0.1", "[::1]", "localhost"].iter().any(|n| n.eq_ignore_ascii_case(name)) {
        return true;
    }
    let cut = name.len().saturating_sub(SUFFIX.len());
    let sub = match (name.get(..cut), name.get(cut..)) {
        (Some(sub), Some(suffix)) if suffix.eq_ignore_ascii_case(SUFFIX) => Some(sub),
        _ => None,
    };
    sub.is_some_and(|sub| {
        !sub.is_empty()
            && sub.split('.').all(|label| {
                !label.is_empty()
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
                    && !label.ends_with('-')
            })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_on_our_port() {
        let guard = HostGuard::new(7133, &[]);
        for ok in [
            "127.0.0.1:7133",
            "[::1]:7133",
            "localhost:7133",
            "LocalHost:7133",
            "applink.localhost:7133",
            "a.b-c.localhost:7133",
        ] {
            assert!(guard.allows(ok), "{ok}");
        }
        for bad in [
            "",
            "evil.example",
            "evil.example:7133",
            "127.0.0.1.evil.example:7133",
            "localhost.evil.example:7133",
            "127.0.0.1:7134",
            "127.0.0.1",
            "localhost",
            ".localhost:7133",
            "-a.localhost:7133",
            "a..localhost:7133",
            "127.0.0.1:7133:7133",
            "[::1]",
            "[::2]:7133",
            "0.0.0.0:7133",
            "127.0.0.2:7133",
        ] {
            assert!(!guard.allows(bad), "{bad}");
        }
    }

    #[test]
    fn allowed_hosts() {
        let guard = HostGuard::new(7133, &["links.example".into(), "Other.example:80".into()]);
        // A name alone: with any port (what a proxy in front sends), or none.
        for ok in ["links.example:7133", "links.example:443", "LINKS.example", "links.example:80", "other.example:80"] {
            assert!(guard.allows(ok), "{ok}");
        }
        // A name with a port: that port only.
        for bad in ["other.example:443", "other.example", "sub.links.example:7133", "links.example:", "links.example:x"]
        {
            assert!(!guard.allows(bad), "{bad}");
        }
    }

    #[test]
    fn port_80_may_be_left_out() {
        let guard = HostGuard::new(80, &[]);
        assert!(guard.allows("localhost"));
        assert!(guard.allows("localhost:80"));
    }
}
