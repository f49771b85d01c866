//! Where and how to sync: the server's address, the pinned key, the deadlines and the
//! size limits.

use crate::wire::{self, VerifyingKey};
use crate::{Error, Result};
use std::time::Duration;

/// Where and how to sync. [`SyncConfig::new`] gives sensible defaults.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    /// The server's base URL, ending in `/` (`https://ringfence.example.org/`).
    server: String,
    /// `scheme://host[:port]` of `server`: redirects may not leave it.
    origin: String,
    /// Pin this key instead of trusting the one the server offers on first use. A pinned
    /// key that differs from the stored pin replaces it.
    pub key: Option<VerifyingKey>,
    /// The whole call (a sync, a lookup), first connection to last byte, retries and
    /// their waits included: it ends by then, whatever the server does.
    pub timeout: Duration,
    /// One request, within `timeout`.
    pub request_timeout: Duration,
    /// Largest manifest, acknowledgement or lookup answer accepted.
    pub max_small_bytes: u64,
    /// Largest snapshot or delta accepted; the tries of one file share it.
    pub max_download_bytes: u64,
    /// Beyond this many deltas, download the snapshot instead.
    pub max_deltas: u64,
    /// Reports per upload request.
    pub batch_size: u32,
    /// Tries per request on network errors, 5xx and 429.
    pub attempts: u32,
    /// First wait between tries; doubles each time.
    pub backoff: Duration,
    /// Server data older than this is reported as stale ([`SyncSummary::stale`](super::SyncSummary)).
    pub stale_after: Duration,
    pub limits: wire::Limits,
}

/// `scheme://authority` of an absolute http(s) URL, lowercased; `None` if it is not one.
pub(crate) fn origin_of(url: &str) -> Option<String> {
    let uri: http::Uri = url.parse().ok()?;
    let scheme = uri.scheme_str()?.to_ascii_lowercase();
    if !matches!(scheme.as_str(), "http" | "https") {
        return None;
    }
    let authority = uri.authority()?;
    if authority.as_str().contains('@') || authority.host().is_empty() {
        return None;
    }
    let default_port = if scheme == "https" { 443 } else { 80 };
    let port = authority.port_u16().filter(|p| *p != default_port).map(|p| format!(":{p}")).unwrap_or_default();
    Some(format!("{scheme}://{}{port}", authority.host().to_ascii_lowercase()))
}

impl SyncConfig {
    pub fn new(server: &str) -> Result<SyncConfig> {
        let bad = || Error::BadServerUrl(server.chars().take(200).collect());
        let trimmed = server.trim();
        let origin = origin_of(trimmed).ok_or_else(bad)?;
        let uri: http::Uri = trimmed.parse().map_err(|_| bad())?;
        if uri.query().is_some() {
            return Err(bad());
        }
        let path = uri.path().trim_end_matches('/');
        Ok(SyncConfig {
            server: format!("{origin}{path}/"),
            origin,
            key: None,
            timeout: Duration::from_secs(300),
            request_timeout: Duration::from_secs(120),
            max_small_bytes: 1 << 20,
            max_download_bytes: 256 << 20,
            max_deltas: 64,
            batch_size: 100,
            attempts: 4,
            backoff: Duration::from_millis(500),
            stale_after: Duration::from_secs(3 * 24 * 3600),
            limits: wire::Limits::default(),
        })
    }

    /// Pins a key given as 64 hex digits.
    pub fn with_key(mut self, hex: &str) -> Result<SyncConfig> {
        self.key = Some(wire::parse_public_key(hex).ok_or_else(|| Error::BadKey(hex.chars().take(80).collect()))?);
        Ok(self)
    }

    /// The server's base URL, ending in `/`.
    pub fn server(&self) -> &str {
        &self.server
    }

    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// `path` (relative, no leading `/`) on the server.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_addresses_are_normalised_and_bad_ones_refused() {
        let c = SyncConfig::new(" HTTPS://Example.ORG:443/ringfence ").unwrap();
        assert_eq!((c.server(), c.origin()), ("https://example.org/ringfence/", "https://example.org"));
        assert_eq!(c.url("v1/data/manifest.json"), "https://example.org/ringfence/v1/data/manifest.json");
        assert_eq!(SyncConfig::new("http://127.0.0.1:8080").unwrap().origin(), "http://127.0.0.1:8080");
        for bad in
            ["", "example.org", "ftp://example.org/", "https://user@example.org/", "https://x.org/?q=1", "http://"]
        {
            assert!(matches!(SyncConfig::new(bad), Err(Error::BadServerUrl(_))), "{bad:?}");
        }
        assert_eq!(origin_of("http://EXAMPLE.org:80/a"), Some("http://example.org".into()));
        assert_eq!(origin_of("/relative"), None);
    }
}
