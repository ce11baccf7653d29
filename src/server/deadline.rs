//! `Deadlines`: a connection that stalls is closed. A client that stops reading its
//! answers (pipelining requests it never reads) or sends nothing for too long costs
//! itself its connection, never the daemon a slot: every write must make progress,
//! and the connection must not sit idle, within the client timeout.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep};

pub struct Deadlines<T> {
    inner: T,
    timeout: Duration,
    /// Armed while a write waits; fires if it waits too long.
    write: Pin<Box<Sleep>>,
    writing: bool,
    /// Armed while a read waits.
    read: Pin<Box<Sleep>>,
    reading: bool,
}

impl<T> Deadlines<T> {
    pub fn new(inner: T, timeout: Duration) -> Deadlines<T> {
        Deadlines {
            inner,
            timeout,
            write: Box::pin(sleep(timeout)),
            writing: false,
            read: Box::pin(sleep(timeout)),
            reading: false,
        }
    }
}

fn stalled(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("the client {what} within the client timeout"))
}

impl<T: AsyncRead + Unpin> AsyncRead for Deadlines<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                this.reading = false;
                Poll::Ready(result)
            }
            Poll::Pending => {
                if !this.reading {
                    this.reading = true;
                    let at = Instant::now() + this.timeout;
                    this.read.as_mut().reset(at);
                }
                ready!(this.read.as_mut().poll(cx));
                Poll::Ready(Err(stalled("sent nothing")))
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> Deadlines<T> {
    fn guard<R>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        match poll {
            Poll::Ready(result) => {
                self.writing = false;
                Poll::Ready(result)
            }
            Poll::Pending => {
                if !self.writing {
                    self.writing = true;
                    let at = Instant::now() + self.timeout;
                    self.write.as_mut().reset(at);
                }
                ready!(self.write.as_mut().poll(cx));
                Poll::Ready(Err(stalled("read nothing")))
            }
        }
    }
}

use std::future::Future;

impl<T: AsyncWrite + Unpin> AsyncWrite for Deadlines<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.guard(cx, poll)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.guard(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_flush(cx);
        self.guard(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let poll = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.guard(cx, poll)
    }
}
