//! Disputing a listed number from the phone (`POST /v1/disputes`): the app offers it from
//! the history and from "why was this call blocked". One JSON request over the app's
//! [`Transport`], with the same deadline, retries and size limit as the rest of sync.

use super::fetch::{failure, Expect, Fetcher};
use super::transport::{Method, Transport};
use super::{SyncConfig, SyncProgress};
use crate::wire::{DisputeRequest, DisputeStatus};
use crate::{Cancel, Error, Result, Screener};

impl Screener {
    /// Tells the community server that `raw` is not spam, as a user who knows the number
    /// (`contact`: how the server's operator can reach them, if they want to be). While
    /// the operator reviews it the listing is held: after the next sync this phone, like
    /// every other, at most warns for the number. Returns the dispute's public state
    /// (its id can be checked on the server's page); a number with an open dispute
    /// answers with that one. Blocking.
    pub fn dispute(
        &mut self,
        raw: &str,
        reason: &str,
        contact: Option<&str>,
        config: &SyncConfig,
        transport: &dyn Transport,
        cancel: &Cancel,
    ) -> Result<DisputeStatus> {
        let n = self.number(raw)?;
        let request = DisputeRequest {
            number: format!("+{}", n.e164.as_u64()),
            role: "user".into(),
            contact: contact.unwrap_or_default().trim().to_string(),
            reason: reason.trim().to_string(),
        };
        let body = serde_json::to_vec(&request).expect("a dispute serialises");
        let f = Fetcher::new(transport, config, cancel);
        let url = config.url("v1/disputes");
        let mut quiet = |_: SyncProgress| {};
        let a = f.request(
            &url,
            Method::Post,
            &mut || body.clone(),
            config.max_small_bytes,
            Expect::Json,
            "the dispute's answer",
            &mut quiet,
        )?;
        if a.status != 200 && a.status != 201 {
            return Err(failure(&url, &a));
        }
        serde_json::from_slice(&a.body).map_err(|e| Error::BadResponse {
            what: "the dispute's answer".into(),
            why: format!("it is not a dispute's state: {e}"),
        })
    }
}
