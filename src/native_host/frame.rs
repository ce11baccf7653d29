//! Native messaging framing (Chromium and Firefox alike): each message is a 32-bit
//! length in native byte order, then that many bytes of UTF-8 JSON.

use std::io::{self, Read, Write};

/// The most a message to the host may hold (what browsers allow an extension to send).
pub const MAX_IN: usize = 1024 * 1024;
/// The most a message from the host may hold (Chromium's limit on what it reads).
pub const MAX_OUT: usize = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("a message of {0} bytes; at most {MAX_IN} bytes are read")]
    TooLarge(u64),
    #[error("the input ended inside a message ({got} of {want} bytes)")]
    Truncated { got: usize, want: usize },
    #[error("the input ended inside a message's length")]
    TruncatedLength,
    #[error("reading the message: {0}")]
    Io(#[from] io::Error),
}

/// The next message, `None` at a clean end of input (the browser closed the port).
/// Never reads past a message's end, and never allocates more than `MAX_IN`.
pub fn read(input: &mut impl Read) -> Result<Option<Vec<u8>>, FrameError> {
    let mut length = [0u8; 4];
    let mut got = 0;
    while got < 4 {
        match input.read(&mut length[got..]) {
            Ok(0) if got == 0 => return Ok(None),
            Ok(0) => return Err(FrameError::TruncatedLength),
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let want = u32::from_ne_bytes(length) as usize;
    if want > MAX_IN {
        return Err(FrameError::TooLarge(want as u64));
    }
    let mut message = Vec::with_capacity(want);
    input.take(want as u64).read_to_end(&mut message)?;
    if message.len() < want {
        return Err(FrameError::Truncated { got: message.len(), want });
    }
    Ok(Some(message))
}

/// Writes one message and flushes it (the browser reads it at once).
pub fn write(output: &mut impl Write, message: &[u8]) -> io::Result<()> {
    let length = u32::try_from(message.len()).map_err(|_| io::Error::other("message too large"))?;
    output.write_all(&length.to_ne_bytes())?;
    output.write_all(message)?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut out = (body.len() as u32).to_ne_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn messages_one_after_another_then_a_clean_end() {
        let mut input = [framed(b"{\"a\":1}"), framed(b"[]")].concat();
        let mut reader = &input[..];
        assert_eq!(read(&mut reader).unwrap().unwrap(), b"{\"a\":1}");
        assert_eq!(read(&mut reader).unwrap().unwrap(), b"[]");
        assert!(read(&mut reader).unwrap().is_none());
        input.truncate(input.len() - 1);
        let mut reader = &input[..];
        read(&mut reader).unwrap();
        assert!(matches!(read(&mut reader), Err(FrameError::Truncated { got: 1, want: 2 })));
    }

    #[test]
    fn bad_lengths_are_errors_not_allocations() {
        let huge = u32::MAX.to_ne_bytes();
        assert!(matches!(read(&mut &huge[..]), Err(FrameError::TooLarge(_))));
        assert!(matches!(read(&mut &[1u8, 0][..]), Err(FrameError::TruncatedLength)));
        let over = ((MAX_IN + 1) as u32).to_ne_bytes();
        assert!(matches!(read(&mut &over[..]), Err(FrameError::TooLarge(_))));
    }
}
