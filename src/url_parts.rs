//! `UrlParts`: a canonical URL (as the `url` crate writes it) cut into the parts
//! identification compares: origin, path, query and fragment. Slices only: cutting
//! allocates nothing, so matching an App URL against a million links stays cheap.

/// The parts of a canonical URL string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// `scheme://authority` (host and non-default port, as canonicalised), or
    /// `scheme:` for URLs without an authority (`mailto:ada@example.com`).
    pub origin: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    /// Cuts `url`, which must be canonical (from `url::Url`), at its delimiters.
    pub fn of(url: &'a str) -> UrlParts<'a> {
        let scheme_end = url.find(':').map_or(0, |i| i + 1);
        let after = &url[scheme_end..];
        let origin_len = match after.strip_prefix("//") {
            Some(authority) => scheme_end + 2 + authority.find(['/', '?', '#']).unwrap_or(authority.len()),
            None => scheme_end,
        };
        let (origin, rest) = url.split_at(origin_len);
        let (rest, fragment) = match rest.split_once('#') {
            Some((rest, fragment)) => (rest, Some(fragment)),
            None => (rest, None),
        };
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        UrlParts { origin, path, query, fragment }
    }

    /// The query's parameters as written (`name=value`), empty ones skipped.
    pub fn params(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.query.unwrap_or("").split('&').filter(|p| !p.is_empty())
    }

    /// The path without one trailing `/` (README: identify compares paths "one trailing `/` aside").
    pub fn trimmed_path(&self) -> &'a str {
        self.path.strip_suffix('/').unwrap_or(self.path)
    }

    /// README: identify for a URL without expressions (a link's `url`) as `self`: same origin,
    /// same path (one trailing `/` aside), each of its query parameters in `other`
    /// (which may have more, in any order), and its fragment, if it has one.
    pub fn matched_by(&self, other: &UrlParts<'_>) -> bool {
        self.origin == other.origin
            && self.trimmed_path() == other.trimmed_path()
            && self.params().all(|p| other.params().any(|q| q == p))
            && self.fragment.is_none_or(|f| other.fragment == Some(f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_canonical_urls() {
        let p = UrlParts::of("https://acme.zendesk.com:8443/agent/users/991?tab=1&x=2#top");
        assert_eq!(p.origin, "https://acme.zendesk.com:8443");
        assert_eq!(p.path, "/agent/users/991");
        assert_eq!(p.query, Some("tab=1&x=2"));
        assert_eq!(p.fragment, Some("top"));
        let p = UrlParts::of("mailto:ada%40example.com");
        assert_eq!((p.origin, p.path, p.query), ("mailto:", "ada%40example.com", None));
        let p = UrlParts::of("slack://user?team=T1&id=U2");
        assert_eq!((p.origin, p.path, p.query), ("slack://user", "", Some("team=T1&id=U2")));
    }

    #[test]
    fn link_urls_match_with_extra_parameters_and_a_trailing_slash() {
        let link = UrlParts::of("https://crm.example/view?id=5");
        assert!(link.matched_by(&UrlParts::of("https://crm.example/view/?utm_source=x&id=5#tab")));
        assert!(!link.matched_by(&UrlParts::of("https://crm.example/view?id=50")));
        assert!(!link.matched_by(&UrlParts::of("https://crm.example/view2?id=5")));
        let with_fragment = UrlParts::of("https://crm.example/#/people/5");
        assert!(with_fragment.matched_by(&UrlParts::of("https://crm.example/#/people/5")));
        assert!(!with_fragment.matched_by(&UrlParts::of("https://crm.example/#/people/6")));
    }
}
