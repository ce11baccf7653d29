//! `LinkUrl`: a checked, absolute, canonical URL written on a link (README: Link files).

use crate::scheme::{self, SchemeError};

/// An absolute URL whose scheme is not dangerous, stored in the canonical form
/// the `url` crate (WHATWG URL) serialises, which is what browsers will see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkUrl(Box<str>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkUrlError {
    #[error("`{0}` is not an absolute URL")]
    NotAbsolute(String),
    #[error(transparent)]
    Scheme(#[from] SchemeError),
    #[error("`{url}` is not a valid URL: {reason}")]
    Invalid { url: String, reason: url::ParseError },
}

impl LinkUrl {
    pub fn parse(input: &str) -> Result<LinkUrl, LinkUrlError> {
        let Some(scheme) = scheme::of(input) else {
            return Err(LinkUrlError::NotAbsolute(input.to_owned()));
        };
        scheme::check(scheme)?;
        let url = url::Url::parse(input).map_err(|reason| LinkUrlError::Invalid { url: input.to_owned(), reason })?;
        Ok(LinkUrl(String::from(url).into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The lower-case scheme, without the `:`.
    pub fn scheme(&self) -> &str {
        self.0.split_once(':').map_or("", |(s, _)| s)
    }
}

impl std::fmt::Display for LinkUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form() {
        assert_eq!(LinkUrl::parse("HTTPS://GitHub.com").unwrap().as_str(), "https://github.com/");
        assert_eq!(LinkUrl::parse("slack://channel?id=1").unwrap().scheme(), "slack");
    }

    #[test]
    fn refusals() {
        assert!(matches!(LinkUrl::parse("/ada"), Err(LinkUrlError::NotAbsolute(_))));
        assert!(matches!(LinkUrl::parse("github.com/ada"), Err(LinkUrlError::NotAbsolute(_))));
        assert!(matches!(LinkUrl::parse("JavaScript:alert(1)"), Err(LinkUrlError::Scheme(SchemeError::Dangerous(_)))));
        assert!(matches!(LinkUrl::parse("https://exa mple.com/"), Err(LinkUrlError::Invalid { .. })));
        assert!(matches!(LinkUrl::parse("https://"), Err(LinkUrlError::Invalid { .. })));
    }
}
