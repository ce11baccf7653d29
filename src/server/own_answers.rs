//! `OwnAnswers`: the safety headers on the answers hyper makes itself (`400` for a
//! request it cannot parse, `431` for a head too large), which never reach a route.
//! Every answer applinkd writes carries `Cache-Control`; an answer head without it
//! is hyper's, and gets the same headers as the rest on its way out.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

const SAFETY: &[u8] = b"cache-control: no-store\r\nx-content-type-options: nosniff\r\nreferrer-policy: no-referrer\r\n";

pub struct OwnAnswers<T> {
    inner: T,
    /// A patched answer head not yet written out.
    pending: Vec<u8>,
}

impl<T> OwnAnswers<T> {
    pub fn new(inner: T) -> OwnAnswers<T> {
        OwnAnswers { inner, pending: Vec::new() }
    }
}

/// `buf` with the safety headers after its status line, if it is an answer head that lacks them.
fn patched(buf: &[u8]) -> Option<Vec<u8>> {
    if !buf.starts_with(b"HTTP/1.") {
        return None;
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = buf[..head_end].to_ascii_lowercase();
    if head.windows(14).any(|w| w == b"cache-control:") {
        return None;
    }
    let line_end = buf.windows(2).position(|w| w == b"\r\n")? + 2;
    let mut out = Vec::with_capacity(buf.len() + SAFETY.len());
    out.extend_from_slice(&buf[..line_end]);
    out.extend_from_slice(SAFETY);
    out.extend_from_slice(&buf[line_end..]);
    Some(out)
}

impl<T: AsyncWrite + Unpin> OwnAnswers<T> {
    /// Writes out what is pending; `Ready` once nothing is.
    fn drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while !self.pending.is_empty() {
            match Pin::new(&mut self.inner).poll_write(cx, &self.pending) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    self.pending.drain(..n);
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for OwnAnswers<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for OwnAnswers<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if let Err(e) = std::task::ready!(this.drain(cx)) {
            return Poll::Ready(Err(e));
        }
        if let Some(patched) = patched(buf) {
            // Taken whole: the patched bytes are written out before anything else.
            this.pending = patched;
            if let Poll::Ready(Err(e)) = this.drain(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Err(e) = std::task::ready!(self.drain(cx)) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Err(e) = std::task::ready!(self.drain(cx)) {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_heads_without_cache_control_are_patched() {
        let hyper_made = b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n";
        let out = patched(hyper_made).unwrap();
        assert!(out.starts_with(b"HTTP/1.1 431 Request Header Fields Too Large\r\ncache-control: no-store\r\n"));
        assert!(out.ends_with(b"content-length: 0\r\n\r\n"));
        assert!(patched(b"HTTP/1.1 302 Found\r\nlocation: x\r\ncache-control: no-store\r\n\r\n").is_none());
        assert!(patched(b"<html>body bytes</html>").is_none());
    }
}
