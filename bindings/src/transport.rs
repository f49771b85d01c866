//! The app's HTTP stack as the sync client's transport: a foreign trait the app
//! implements (OkHttp or `java.net.http` in Kotlin, `URLSession` in Swift), adapted to the
//! core's `sync::Transport`. The core keeps the protocol, the deadlines, the redirects
//! policy and every check; the app's transport only moves bytes (see `bindings/README.md`,
//! "Transport", for the contract).
//!
//! The app's `send` runs on a thread of its own and hands the answer over piece by piece
//! through a [`ResponseSink`]; the core answers each piece at once (go on, or stop), so a
//! cancelled sync or one past its deadline stops the download mid-body. A transport that
//! never returns cannot hold the sync: it is abandoned at the deadline.

use crate::error::panic_message;
use ringfence_core::sync::{Head, Method, Request, Response, Transport, TransportError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One HTTP request for the app's transport to send.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpRequest {
    /// "GET" or "POST".
    pub method: String,
    /// Absolute http(s) URL.
    pub url: String,
    /// POST only: the JSON body (send it with `Content-Type: application/json`).
    pub body: Vec<u8>,
    /// The whole exchange, connection to last byte, must end within this.
    pub timeout_ms: u64,
    /// Bodies larger than this are refused; the transport may stop reading earlier.
    pub max_bytes: u64,
}

/// The status line and the headers the core reads.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHead {
    pub status: u16,
    pub content_length: Option<u64>,
    /// The `Retry-After` header, as sent.
    pub retry_after: Option<String>,
    /// The `Location` header of a redirect, as sent. Never follow redirects yourself.
    pub location: Option<String>,
}

/// How a transport's request ended without an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HttpError {
    /// The request's `timeoutMs` passed.
    #[error("timed out")]
    TimedOut,
    /// No answer: offline, DNS, refused, TLS, the connection lost mid-body.
    #[error("{reason}")]
    Failed { reason: String },
    /// The sink said stop (thrown by `ResponseSink.head`/`body`): close the connection
    /// and return.
    #[error("stopped by the receiver")]
    Stopped,
}

/// Sends requests with the app's own HTTP stack. Contract: never follow redirects
/// (return the 3xx with its `Location`); end by `timeoutMs`; call `response.head` once,
/// then `response.body` with the body as it arrives, in order; when either throws
/// `Stopped`, close the connection and return (rethrow it or return normally).
#[uniffi::export(with_foreign)]
pub trait HttpTransport: Send + Sync {
    fn send(&self, request: HttpRequest, response: Arc<ResponseSink>) -> Result<(), HttpError>;
}

/// An exception the app's transport threw that is not an `HttpError` (an `IOException`
/// from OkHttp, say): a failed request, not a crash.
impl From<uniffi::UnexpectedUniFFICallbackError> for HttpError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HttpError::Failed { reason: e.reason }
    }
}

enum Piece {
    Head(HttpHead),
    Body(Vec<u8>),
    Done(Result<(), HttpError>),
}

/// Where the app's transport writes the answer.
#[derive(uniffi::Object)]
pub struct ResponseSink {
    pieces: Mutex<mpsc::SyncSender<Piece>>,
    replies: Mutex<mpsc::Receiver<bool>>,
}

#[uniffi::export]
impl ResponseSink {
    /// The status and headers, once, before the body. Throws `Stopped`: stop.
    pub fn head(&self, head: HttpHead) -> Result<(), HttpError> {
        self.hand_over(Piece::Head(head))
    }

    /// The next piece of the body. Throws `Stopped`: stop reading and close.
    pub fn body(&self, chunk: Vec<u8>) -> Result<(), HttpError> {
        self.hand_over(Piece::Body(chunk))
    }
}

impl ResponseSink {
    fn hand_over(&self, piece: Piece) -> Result<(), HttpError> {
        let pieces = self.pieces.lock().map_err(|_| HttpError::Stopped)?;
        let replies = self.replies.lock().map_err(|_| HttpError::Stopped)?;
        pieces.send(piece).map_err(|_| HttpError::Stopped)?;
        match replies.recv() {
            Ok(true) => Ok(()),
            _ => Err(HttpError::Stopped),
        }
    }
}

/// The app's transport, as the core's.
pub(crate) struct Foreign(pub Arc<dyn HttpTransport>);

/// How often the adapter looks at the deadline and the cancel flag while the app's
/// transport is silent (connecting, waiting for the first byte, or never answering).
const POLL: Duration = Duration::from_millis(50);

impl Transport for Foreign {
    fn send(&self, request: &Request, response: &mut dyn Response) -> Result<(), TransportError> {
        let (piece_tx, pieces) = mpsc::sync_channel::<Piece>(0);
        let (reply_tx, replies) = mpsc::sync_channel::<bool>(1);
        let sink = Arc::new(ResponseSink { pieces: Mutex::new(piece_tx.clone()), replies: Mutex::new(replies) });
        let http = HttpRequest {
            method: match request.method {
                Method::Get => "GET".into(),
                Method::Post => "POST".into(),
            },
            url: request.url.clone(),
            body: request.body.clone(),
            timeout_ms: request.timeout.as_millis().min(u128::from(u64::MAX)) as u64,
            max_bytes: request.max_bytes,
        };
        let transport = self.0.clone();
        // Not a scoped thread: a transport that never returns is abandoned, not waited for.
        std::thread::Builder::new()
            .name("ringfence-http".into())
            .spawn(move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| transport.send(http, sink))).unwrap_or_else(|p| {
                    Err(HttpError::Failed { reason: format!("the transport panicked: {}", panic_message(p.as_ref())) })
                });
                let _ = piece_tx.send(Piece::Done(outcome));
            })
            .map_err(|e| TransportError::Failed(format!("cannot start a transport thread: {e}")))?;
        // The request's deadline holds whatever the app's transport does: one that never
        // returns is abandoned (its thread left to finish on its own), not waited for.
        let deadline = Instant::now() + request.timeout;
        let mut stopped = false;
        loop {
            let piece = match pieces.recv_timeout(POLL) {
                Ok(p) => p,
                Err(RecvTimeoutError::Timeout) => {
                    if Instant::now() >= deadline {
                        return Err(TransportError::TimedOut);
                    }
                    if response.abandoned() {
                        return Err(TransportError::Stopped);
                    }
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(TransportError::Failed("the transport went away without an answer".into()))
                }
            };
            let go_on = match piece {
                Piece::Head(h) if !stopped => response
                    .head(Head {
                        status: h.status,
                        content_length: h.content_length,
                        retry_after: h.retry_after,
                        location: h.location,
                    })
                    .is_ok(),
                Piece::Body(b) if !stopped => response.body(&b).is_ok(),
                Piece::Head(_) | Piece::Body(_) => false,
                Piece::Done(outcome) => {
                    return match outcome {
                        _ if stopped => Err(TransportError::Stopped),
                        Ok(()) => Ok(()),
                        Err(HttpError::TimedOut) => Err(TransportError::TimedOut),
                        Err(HttpError::Stopped) => Err(TransportError::Stopped),
                        Err(HttpError::Failed { reason }) => Err(TransportError::Failed(reason)),
                    }
                }
            };
            stopped |= !go_on;
            let _ = reply_tx.send(go_on);
        }
    }
}

/// The built-in transport (`ringfence-http`: ureq, rustls) as an `HttpTransport`, for
/// apps without an HTTP stack of their own. Only with the `builtin-http` feature.
#[cfg(feature = "builtin-http")]
#[uniffi::export]
pub fn builtin_transport() -> Arc<dyn HttpTransport> {
    Arc::new(Builtin(ringfence_http::HttpTransport::default()))
}

#[cfg(feature = "builtin-http")]
struct Builtin(ringfence_http::HttpTransport);

#[cfg(feature = "builtin-http")]
impl HttpTransport for Builtin {
    fn send(&self, request: HttpRequest, response: Arc<ResponseSink>) -> Result<(), HttpError> {
        /// Hands what ureq reads to the sink.
        struct ToSink(Arc<ResponseSink>);
        impl Response for ToSink {
            fn head(&mut self, h: Head) -> Result<(), ringfence_core::sync::Stop> {
                let head = HttpHead {
                    status: h.status,
                    content_length: h.content_length,
                    retry_after: h.retry_after,
                    location: h.location,
                };
                self.0.head(head).map_err(|_| ringfence_core::sync::Stop)
            }
            fn body(&mut self, chunk: &[u8]) -> Result<(), ringfence_core::sync::Stop> {
                self.0.body(chunk.to_vec()).map_err(|_| ringfence_core::sync::Stop)
            }
        }
        let method = match request.method.as_str() {
            "GET" => Method::Get,
            "POST" => Method::Post,
            other => return Err(HttpError::Failed { reason: format!("unsupported method {other}") }),
        };
        let core_request = Request {
            method,
            url: request.url,
            body: request.body,
            timeout: Duration::from_millis(request.timeout_ms),
            max_bytes: request.max_bytes,
        };
        Transport::send(&self.0, &core_request, &mut ToSink(response)).map_err(|e| match e {
            TransportError::Stopped => HttpError::Stopped,
            TransportError::TimedOut => HttpError::TimedOut,
            TransportError::Failed(reason) => HttpError::Failed { reason },
        })
    }
}
