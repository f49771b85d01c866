//! The built-in [`Transport`] of ringfence's sync client: blocking HTTP over `ureq`
//! (rustls, no async runtime). The command line uses it; phone apps normally give the
//! core their own HTTP stack instead (OkHttp, `URLSession`), and can enable this one
//! with the bindings' `builtin-http` feature.
//!
//! It keeps the transport contract (`ringfence_core::sync::transport`): it never follows
//! redirects, bounds the whole exchange by the request's timeout (ureq's global timeout:
//! connection, headers and every body read), and stops reading when the receiver says so.

use ringfence_core::sync::{Head, Method, Request, Response, Transport, TransportError};
use std::io::Read;
use std::time::Duration;
use ureq::Agent;

pub struct HttpTransport {
    agent: Agent,
}

impl HttpTransport {
    /// A transport whose connections (TCP and TLS) must be up within `connect_timeout`.
    pub fn new(connect_timeout: Duration) -> HttpTransport {
        let config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_connect(Some(connect_timeout))
            .user_agent(concat!("ringfence/", env!("CARGO_PKG_VERSION")))
            .build();
        HttpTransport { agent: config.new_agent() }
    }
}

impl Default for HttpTransport {
    fn default() -> Self {
        HttpTransport::new(Duration::from_secs(10))
    }
}

fn failed(e: ureq::Error) -> TransportError {
    match e {
        ureq::Error::Timeout(_) => TransportError::TimedOut,
        e => TransportError::Failed(e.to_string()),
    }
}

fn header(r: &ureq::http::Response<ureq::Body>, name: &str) -> Option<String> {
    r.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

/// ureq reports its global timeout during a body read as an I/O error wrapping its own.
fn timed_out(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::TimedOut
        || e.get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
            .is_some_and(|u| matches!(u, ureq::Error::Timeout(_)))
}

impl Transport for HttpTransport {
    fn send(&self, request: &Request, response: &mut dyn Response) -> Result<(), TransportError> {
        let timeout = Some(request.timeout);
        let answer = match request.method {
            Method::Get => self.agent.get(&request.url).config().timeout_global(timeout).build().call(),
            Method::Post => self
                .agent
                .post(&request.url)
                .config()
                .timeout_global(timeout)
                .build()
                .header("content-type", "application/json")
                .send(&request.body[..]),
        };
        let mut answer = answer.map_err(failed)?;
        let head = Head {
            status: answer.status().as_u16(),
            content_length: header(&answer, "content-length").and_then(|v| v.trim().parse().ok()),
            retry_after: header(&answer, "retry-after"),
            location: header(&answer, "location"),
        };
        response.head(head).map_err(|_| TransportError::Stopped)?;
        // One byte over the limit is enough for the receiver to refuse the body.
        let mut body = answer.body_mut().with_config().limit(request.max_bytes.saturating_add(1)).reader();
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match body.read(&mut buf) {
                Ok(0) => return Ok(()),
                Ok(n) => n,
                Err(e) if timed_out(&e) => return Err(TransportError::TimedOut),
                Err(e) => return Err(TransportError::Failed(format!("connection lost during the download: {e}"))),
            };
            response.body(&buf[..n]).map_err(|_| TransportError::Stopped)?;
        }
    }
}
