//! `UniqueId`: a record's identifier inside its application (README: Link files).

/// Longest Unique ID accepted, in bytes.
pub const MAX_LEN: usize = 1024;

/// Why a string is not a Unique ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum UniqueIdError {
    #[error("the Unique ID is empty")]
    Empty,
    #[error("the Unique ID is longer than {MAX_LEN} bytes")]
    TooLong,
    #[error("the Unique ID starts or ends with white space")]
    Padded,
    #[error("the Unique ID contains a control character")]
    Control,
}

/// A checked Unique ID: non-empty, at most 1024 bytes, no control characters,
/// no white space at either end.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UniqueId(Box<str>);

impl UniqueId {
    pub fn parse(id: &str) -> Result<UniqueId, UniqueIdError> {
        check(id).map(|()| UniqueId(id.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UniqueId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks a Unique ID. Ids are compared exactly, so nothing is normalised.
pub fn check(id: &str) -> Result<(), UniqueIdError> {
    if id.is_empty() {
        Err(UniqueIdError::Empty)
    } else if id.len() > MAX_LEN {
        Err(UniqueIdError::TooLong)
    } else if id.starts_with(char::is_whitespace) || id.ends_with(char::is_whitespace) {
        Err(UniqueIdError::Padded)
    } else if id.chars().any(char::is_control) {
        Err(UniqueIdError::Control)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        assert_eq!(check("48616032"), Ok(()));
        assert_eq!(check("a/../b?x#y"), Ok(()));
        assert_eq!(check("Zoë Ünïcode"), Ok(()));
        assert_eq!(check(&"x".repeat(MAX_LEN)), Ok(()));
        assert_eq!(check(&"x".repeat(MAX_LEN + 1)), Err(UniqueIdError::TooLong));
        assert_eq!(check(""), Err(UniqueIdError::Empty));
        assert_eq!(check(" 1"), Err(UniqueIdError::Padded));
        assert_eq!(check("1\u{a0}"), Err(UniqueIdError::Padded));
        assert_eq!(check("a\tb"), Err(UniqueIdError::Control));
        assert_eq!(check("a\u{7f}b"), Err(UniqueIdError::Control));
    }
}
