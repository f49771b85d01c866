//! The only way the sync client reaches the network: a [`Transport`] that the app
//! provides (OkHttp, `URLSession`, `java.net.http`, the command line's built-in one in
//! `ringfence-http`). The core builds each request, decides about redirects, retries and
//! deadlines, and checks every byte that comes back; the transport only moves bytes.
//!
//! The contract, which every transport must keep:
//! - never follow a redirect: hand the 3xx and its `Location` back (the core follows
//!   same-origin redirects only, and never from https to http);
//! - give up when [`Request::timeout`] has passed, connection to last byte;
//! - call [`Response::head`] once, then [`Response::body`] with the body as it arrives,
//!   in order; stop reading as soon as either returns [`Stop`] (the receiver refused the
//!   size, the header, the deadline or was cancelled: it knows why).

use std::time::Duration;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Method {
    Get,
    /// With a JSON body (`Content-Type: application/json`).
    Post,
}

/// One HTTP request.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Request {
    pub method: Method,
    /// Absolute `http` or `https` URL.
    pub url: String,
    /// The JSON body of a POST; empty for a GET.
    pub body: Vec<u8>,
    /// The whole exchange, connection to last byte, must end within this.
    pub timeout: Duration,
    /// The receiver stops at a body larger than this; a transport may stop earlier.
    pub max_bytes: u64,
}

/// The status line and the headers the core reads.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Head {
    pub status: u16,
    /// `Content-Length`, when the server sent one.
    pub content_length: Option<u64>,
    /// `Retry-After`, as sent (seconds or an HTTP date).
    pub retry_after: Option<String>,
    /// `Location` of a redirect, as sent.
    pub location: Option<String>,
}

/// The receiver refused what arrived; stop reading and return [`TransportError::Stopped`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Stop;

/// Where a transport writes the answer.
pub trait Response {
    fn head(&mut self, head: Head) -> Result<(), Stop>;
    fn body(&mut self, chunk: &[u8]) -> Result<(), Stop>;
    /// The receiver no longer wants the answer (cancelled, or past its deadline): a
    /// transport that waits (for a connection, for the first byte) may poll this and
    /// give up early.
    fn abandoned(&self) -> bool {
        false
    }
}

#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum TransportError {
    /// The receiver said [`Stop`].
    #[error("stopped by the receiver")]
    Stopped,
    /// The request's timeout passed.
    #[error("timed out")]
    TimedOut,
    /// No answer: DNS, connection refused or reset, TLS, the connection lost mid-body.
    #[error("{0}")]
    Failed(String),
}

/// Sends requests. Implementations must be usable from any thread.
pub trait Transport: Send + Sync {
    fn send(&self, request: &Request, response: &mut dyn Response) -> Result<(), TransportError>;
}
