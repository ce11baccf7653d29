//! `Deadlines`: a connection that stalls is closed. A client that stops reading its
//! answers (pipelining requests it never reads) or sends nothing for too long costs
//! itself its connection, never the daemon a slot: every write must make progress,
//! and the connection must not sit idle, within the client timeout.
//!
//! Only time spent waiting on the client counts: while the daemon builds an answer
//! (`Computing`), a read that waits is not the client's fault, and no timer runs
//! (issue 18: a 200 whose body never came, cut by a timer that ran while computing).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep, sleep};

pub struct Deadlines<T> {
    inner: T,
    timeout: Duration,
    /// Set while the daemon builds an answer on this connection.
    computing: Computing,
    /// Armed while a write waits; fires if it waits too long.
    write: Pin<Box<Sleep>>,
    writing: bool,
    /// Armed while a read waits.
    read: Pin<Box<Sleep>>,
    reading: bool,
}

/// Whether the daemon is building an answer on one connection (HTTP/1: one at a time).
#[derive(Clone, Default)]
pub struct Computing(Arc<AtomicBool>);

/// While it lives, the connection's answer is being built.
pub struct Building(Computing);

impl Computing {
    pub fn start(&self) -> Building {
        self.0.store(true, Ordering::Release);
        Building(self.clone())
    }

    fn now(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl Drop for Building {
    fn drop(&mut self) {
        (self.0).0.store(false, Ordering::Release);
    }
}

impl<T> Deadlines<T> {
    pub fn new(inner: T, timeout: Duration, computing: Computing) -> Deadlines<T> {
        Deadlines {
            inner,
            timeout,
            computing,
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
            // hyper reads while an answer is built (to see the client leave): that
            // wait is the daemon's, so no timer runs; hyper reads again when it is done.
            Poll::Pending if this.computing.now() => {
                this.reading = false;
                Poll::Pending
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
