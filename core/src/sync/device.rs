//! This install's identity towards the community server: an ed25519 key pair made on
//! first use. The device id is derived from the public key (`wire::device_id`), and every
//! report batch is signed with the private key, so a device id that leaks (a log, a
//! captured request) lets nobody speak for the device or move its votes.
//!
//! The private key never leaves the phone's database (`meta` key `sync.device_key`).

use crate::wire::{self, SigningKey};
use crate::{Error, Result, Screener};

/// Bytes from the operating system's random generator.
pub(crate) fn random<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| Error::Io {
        what: "the system's random generator".into(),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(b)
}

impl Screener {
    /// The device's signing key, made and stored on first use.
    pub(crate) fn device_key(&mut self) -> Result<SigningKey> {
        let stored = |s: &Screener| -> Result<Option<SigningKey>> {
            Ok(s.store().meta("sync.device_key")?.and_then(|h| wire::unhex(&h)).and_then(|b| {
                let b: [u8; 32] = b.try_into().ok()?;
                Some(SigningKey::from_bytes(&b))
            }))
        };
        if let Some(k) = stored(self)? {
            return Ok(k);
        }
        let fresh = wire::hex(&random::<32>()?);
        // Another process may have made one meanwhile: keep the first.
        self.store_mut().write(|tx| {
            tx.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('sync.device_key', ?1)", [&fresh])?;
            // The random id of older versions is replaced by the key's.
            tx.execute("DELETE FROM meta WHERE key = 'sync.device_id'", [])?;
            Ok(())
        })?;
        stored(self)?.ok_or_else(|| Error::Corrupt {
            path: self.store().path().to_path_buf(),
            detail: "the device key could not be stored".into(),
        })
    }

    /// This install's pseudonymous device id: 32 hex digits derived from its public key.
    pub fn device_id(&mut self) -> Result<String> {
        Ok(wire::device_id(&self.device_key()?.verifying_key()))
    }
}
