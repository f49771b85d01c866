//! The server's secrets, made on the first start and kept ever after: the signing key (a
//! file beside the database, `keys.rs`) and two random values in the database's `meta`
//! table: the lookup salt (named in the manifest, so that phones hash a number for a
//! private lookup as the server does; a new one would move every number to another
//! bucket) and the origin secret (the key of the origin hash, `origin.rs`: stored origins
//! cannot be matched with addresses by anyone without it).

use crate::error::Error;
use crate::storage::Storage;
use ringfence_core::wire::{self, SigningKey};

pub struct Secrets {
    /// Signs every published file.
    pub key: SigningKey,
    pub lookup_salt: Vec<u8>,
    pub origin_secret: Vec<u8>,
}

impl Secrets {
    /// `key` (from the key file) and the two values kept in `storage`, made if missing.
    pub fn load_or_create(key: SigningKey, storage: &mut dyn Storage) -> Result<Secrets, Error> {
        Ok(Secrets {
            key,
            lookup_salt: stored_random(storage, "lookup_salt", 16)?,
            origin_secret: stored_random(storage, "origin_secret", 32)?,
        })
    }
}

/// The value kept (in hex) under `name` in meta; the first time, `len` random bytes.
fn stored_random(storage: &mut dyn Storage, name: &str, len: usize) -> Result<Vec<u8>, Error> {
    if let Some(value) = storage.meta(name)?.and_then(|s| wire::unhex(&s)) {
        return Ok(value);
    }
    let mut value = vec![0u8; len];
    getrandom::fill(&mut value).map_err(Error::NoRandomness)?;
    storage.set_meta(name, &wire::hex(&value))?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Sqlite;

    #[test]
    fn made_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut db = Sqlite::open(&dir.path().join("s.db")).unwrap();
        let key = || SigningKey::from_bytes(&[1; 32]);
        let first = Secrets::load_or_create(key(), &mut db).unwrap();
        assert_eq!((first.lookup_salt.len(), first.origin_secret.len()), (16, 32));
        assert_ne!(first.lookup_salt, first.origin_secret[..16]);
        let again = Secrets::load_or_create(key(), &mut db).unwrap();
        assert_eq!((again.lookup_salt, again.origin_secret), (first.lookup_salt, first.origin_secret));
        // Kept as hex, where the servers before this one kept them.
        assert_eq!(db.meta("lookup_salt").unwrap().map(|s| s.len()), Some(32));
    }
}
