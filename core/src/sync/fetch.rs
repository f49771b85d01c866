//! One logical request over the app's [`Transport`]: the overall deadline, retries with
//! backoff (and a clamped `Retry-After`), same-origin redirects only, a size budget that
//! retries share, a signed file's header checked before its body, and cancellation at
//! every chunk.

use super::transport::{Head, Method, Request, Response, Stop, Transport, TransportError};
use super::SyncConfig;
use crate::wire::{self, ApiError, Kind};
use crate::{Cancel, Error, Result};
use std::time::{Duration, Instant};

/// A `Retry-After` longer than this is read as this: a hostile or broken server cannot
/// park a phone's sync for days (or overflow its clock).
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Redirects followed per request (same origin only).
const MAX_REDIRECTS: u32 = 3;

/// What a 200 body must be, checked as soon as its first bytes arrive.
#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Expect {
    /// JSON (a manifest, an acknowledgement): only the size is checked.
    Json,
    /// A signed file of this kind and version (for a bucket: any version).
    File(Kind, Option<u64>),
}

/// A complete answer.
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
    pub retry_after: Option<Duration>,
}

/// Sends requests for one sync (or one lookup) until its deadline.
pub(crate) struct Fetcher<'a> {
    pub transport: &'a dyn Transport,
    pub config: &'a SyncConfig,
    pub cancel: &'a Cancel,
    pub deadline: Instant,
}

impl Fetcher<'_> {
    pub fn new<'a>(transport: &'a dyn Transport, config: &'a SyncConfig, cancel: &'a Cancel) -> Fetcher<'a> {
        Fetcher { transport, config, cancel, deadline: Instant::now() + config.timeout }
    }

    fn left(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    fn timed_out(&self, url: &str) -> Error {
        Error::TimedOut { url: url.into(), secs: self.config.timeout.as_secs_f64().ceil() as u64 }
    }

    /// A GET that must answer 200 with what `expect` says.
    pub fn get(
        &self,
        path: &str,
        limit: u64,
        expect: Expect,
        what: &str,
        progress: &mut dyn FnMut(super::SyncProgress),
    ) -> Result<Vec<u8>> {
        let url = self.config.url(path);
        let a = self.request(&url, Method::Get, &mut Vec::new, limit, expect, what, progress)?;
        if a.status != 200 {
            return Err(failure(&url, &a));
        }
        Ok(a.body)
    }

    /// One request, retried with exponential backoff on network errors, 5xx and 429,
    /// within the attempts and the deadline; 4xx answers come back as they are. `body`
    /// makes the POST body of each attempt (a signed batch takes a new nonce each time).
    /// All attempts together read at most `limit` bytes.
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &self,
        url: &str,
        method: Method,
        body: &mut dyn FnMut() -> Vec<u8>,
        limit: u64,
        expect: Expect,
        what: &str,
        progress: &mut dyn FnMut(super::SyncProgress),
    ) -> Result<Answer> {
        let mut delay = self.config.backoff;
        let mut budget = limit;
        let mut attempt = 1;
        let mut url = url.to_string();
        let mut redirects = 0;
        loop {
            self.cancel.check()?;
            let outcome = self.once(&url, method, body(), &mut budget, expect, what, progress);
            if let Ok(a) = &outcome {
                if (300..400).contains(&a.status) && redirects < MAX_REDIRECTS {
                    url = self.redirect(&url, &a.body)?;
                    redirects += 1;
                    continue;
                }
            }
            let wait = match &outcome {
                Err(Error::ServerUnreachable { .. }) => Some(delay),
                Ok(a) if a.status >= 500 => Some(delay),
                Ok(a) if a.status == 429 => Some(a.retry_after.map_or(delay, |r| delay.max(r))),
                _ => None,
            };
            match wait {
                Some(w) if attempt < self.config.attempts && w < self.left() && budget > 0 => {
                    self.sleep(w)?;
                    delay = delay.saturating_mul(2);
                    attempt += 1;
                }
                _ => return outcome,
            }
        }
    }

    /// Waits `d`, waking every 50 ms to see whether the work was cancelled.
    fn sleep(&self, d: Duration) -> Result<()> {
        let until = Instant::now() + d;
        while Instant::now() < until {
            self.cancel.check()?;
            std::thread::sleep(until.saturating_duration_since(Instant::now()).min(Duration::from_millis(50)));
        }
        self.cancel.check()
    }

    /// The URL a 3xx (whose `Location` `once` put in the body) points to, if it stays on
    /// the server's origin.
    fn redirect(&self, from: &str, location: &[u8]) -> Result<String> {
        let location = String::from_utf8_lossy(location).trim().to_string();
        let target = if location.starts_with('/') && !location.starts_with("//") {
            format!("{}{location}", self.config.origin())
        } else {
            location.clone()
        };
        if super::config::origin_of(&target).as_deref() != Some(self.config.origin()) {
            return Err(Error::BadResponse {
                what: format!("the answer to {from}"),
                why: format!(
                    "it redirects to {:?}, another origin; only redirects within {} are followed",
                    location.chars().take(200).collect::<String>(),
                    self.config.origin()
                ),
            });
        }
        Ok(target)
    }

    #[allow(clippy::too_many_arguments)]
    fn once(
        &self,
        url: &str,
        method: Method,
        body: Vec<u8>,
        budget: &mut u64,
        expect: Expect,
        what: &str,
        progress: &mut dyn FnMut(super::SyncProgress),
    ) -> Result<Answer> {
        let left = self.left();
        if left.is_zero() {
            return Err(self.timed_out(url));
        }
        let timeout = left.min(self.config.request_timeout);
        let request = Request { method, url: url.into(), body, timeout, max_bytes: *budget };
        let mut c = Collector {
            limit: *budget,
            expect,
            what,
            deadline: Instant::now() + timeout,
            cancel: self.cancel,
            head: None,
            body: Vec::new(),
            refused: None,
            progress,
            reported: 0,
            header_checked: false,
        };
        let sent = self.transport.send(&request, &mut c);
        *budget = budget.saturating_sub(c.body.len() as u64);
        if let Some(e) = c.refused.take() {
            return Err(match e {
                Refusal::TimedOut => self.timed_out(url),
                Refusal::Error(e) => e,
            });
        }
        let unreachable = |reason: String| Error::ServerUnreachable { url: url.into(), reason };
        // A transport that gave up because the receiver abandoned the answer (cancelled,
        // or past the deadline) says only that it stopped: name the reason here.
        if sent.is_err() {
            self.cancel.check()?;
            if self.left().is_zero() {
                return Err(self.timed_out(url));
            }
        }
        match sent {
            Ok(()) => {}
            Err(TransportError::TimedOut) => return Err(self.timed_out(url)),
            Err(TransportError::Stopped) => return Err(unreachable("the transport stopped without a reason".into())),
            Err(TransportError::Failed(reason)) => return Err(unreachable(reason)),
        }
        let head = c.head.ok_or_else(|| unreachable("the transport gave no status".into()))?;
        if let Some(t) = head.content_length {
            if (c.body.len() as u64) < t {
                return Err(unreachable(format!("connection lost after {} of {t} bytes", c.body.len())));
            }
        }
        if c.body.len() as u64 >= 64 && head.status == 200 {
            progress_done(c.progress, what, c.body.len() as u64, head.content_length);
        }
        let body = if (300..400).contains(&head.status) {
            head.location.clone().unwrap_or_default().into_bytes()
        } else {
            c.body
        };
        Ok(Answer { status: head.status, body, retry_after: head.retry_after.as_deref().and_then(retry_after) })
    }
}

fn progress_done(progress: &mut dyn FnMut(super::SyncProgress), what: &str, received: u64, total: Option<u64>) {
    progress(super::SyncProgress::Downloading { what: what.into(), received, total });
}

/// `Retry-After` in seconds (an HTTP date is read as a minute), clamped.
fn retry_after(v: &str) -> Option<Duration> {
    let secs = v.trim().parse::<u64>().unwrap_or(60);
    Some(Duration::from_secs(secs).min(MAX_RETRY_AFTER))
}

/// Why the collector stopped a transfer.
enum Refusal {
    TimedOut,
    Error(Error),
}

/// Receives one answer, refusing it as early as possible.
struct Collector<'a, 'p> {
    limit: u64,
    expect: Expect,
    what: &'a str,
    deadline: Instant,
    cancel: &'a Cancel,
    head: Option<Head>,
    body: Vec<u8>,
    refused: Option<Refusal>,
    progress: &'p mut dyn FnMut(super::SyncProgress),
    reported: u64,
    header_checked: bool,
}

impl Collector<'_, '_> {
    fn refuse(&mut self, r: Refusal) -> Result<(), Stop> {
        self.refused = Some(r);
        Err(Stop)
    }

    fn too_large(&mut self) -> Result<(), Stop> {
        let e = Error::PayloadTooLarge { what: self.what.into(), limit: self.limit };
        self.refuse(Refusal::Error(e))
    }

    fn ok(&self) -> bool {
        self.head.as_ref().is_some_and(|h| h.status == 200)
    }

    /// A signed file's header, once its first bytes are in: the right kind and version,
    /// and a size within the limit; otherwise nothing more is read.
    fn check_header(&mut self) -> Result<(), Stop> {
        let Expect::File(kind, version) = self.expect else { return Ok(()) };
        // peek_header wants a header and a signature's worth of bytes.
        if !self.ok() || self.header_checked || self.body.len() < wire::HEADER_LEN + wire::SIGNATURE_LEN {
            return Ok(());
        }
        self.header_checked = true;
        let why = match wire::peek_header(&self.body) {
            Err(e) => Some(e.to_string()),
            Ok((h, _)) if h.kind != kind || version.is_some_and(|v| v != h.version) => {
                Some(format!("it is a {:?} of version {}", h.kind, h.version))
            }
            Ok((_, body_len)) if (wire::HEADER_LEN + body_len + wire::SIGNATURE_LEN) as u64 > self.limit => {
                return self.too_large()
            }
            Ok(_) => None,
        };
        match why {
            Some(why) => {
                let e = Error::BadResponse { what: self.what.into(), why: format!("{why} (checked before the body)") };
                self.refuse(Refusal::Error(e))
            }
            None => Ok(()),
        }
    }
}

impl Response for Collector<'_, '_> {
    fn abandoned(&self) -> bool {
        self.cancel.is_cancelled() || Instant::now() >= self.deadline
    }

    fn head(&mut self, head: Head) -> Result<(), Stop> {
        let status = head.status;
        let length = head.content_length;
        self.head = Some(head);
        if status == 200 && length.is_some_and(|l| l > self.limit) {
            return self.too_large();
        }
        Ok(())
    }

    fn body(&mut self, chunk: &[u8]) -> Result<(), Stop> {
        if self.cancel.is_cancelled() {
            return self.refuse(Refusal::Error(Error::Cancelled));
        }
        if Instant::now() >= self.deadline {
            return self.refuse(Refusal::TimedOut);
        }
        // Error answers are read only as far as a message needs.
        let limit = if self.ok() { self.limit } else { self.limit.min(64 * 1024) };
        if (self.body.len() + chunk.len()) as u64 > limit {
            return self.too_large();
        }
        self.body.extend_from_slice(chunk);
        self.check_header()?;
        let received = self.body.len() as u64;
        if self.ok() && received - self.reported >= 256 * 1024 {
            self.reported = received;
            let total = self.head.as_ref().and_then(|h| h.content_length);
            progress_done(self.progress, self.what, received, total);
        }
        Ok(())
    }
}

/// The error for a non-200 answer.
pub(crate) fn failure(url: &str, a: &Answer) -> Error {
    let api: Option<ApiError> = serde_json::from_slice(&a.body).ok();
    let message = api
        .as_ref()
        .map(|e| e.message.clone())
        .unwrap_or_else(|| String::from_utf8_lossy(&a.body[..a.body.len().min(200)]).trim().to_string());
    match a.status {
        429 => Error::RateLimited { retry_after_secs: a.retry_after.map_or(60, |d| d.as_secs()) },
        s if s >= 500 => Error::ServerFailed { url: url.into(), status: s, message },
        s if (300..400).contains(&s) => Error::BadResponse {
            what: format!("the answer to {url}"),
            why: format!("more than {MAX_REDIRECTS} redirects"),
        },
        s => Error::Refused { status: s, code: api.map(|e| e.error).unwrap_or_else(|| "http".into()), message },
    }
}
