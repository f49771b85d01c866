//! The signing key as the wire names it: its 8-byte id in every file header, and the
//! hex form the manifest, the server's key file and `ringfence sync --key` use.

use sha2::{Digest, Sha256};

pub use ed25519_dalek::{SigningKey, VerifyingKey};

/// Which key signed a file: the first 8 bytes of SHA-256 of the public key.
pub fn key_id(key: &VerifyingKey) -> [u8; 8] {
    let d = Sha256::digest(key.as_bytes());
    let mut id = [0u8; 8];
    id.copy_from_slice(&d[..8]);
    id
}

/// Lowercase hex digits, two per byte.
pub fn hex(bytes: &[u8]) -> String {
    ::hex::encode(bytes)
}

/// The bytes of hex digits (either case), surrounding whitespace ignored; `None` for an
/// odd number of digits or anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    ::hex::decode(s.trim()).ok()
}

/// A public key from its 64 hex digits (what `ringfence-server pubkey` prints).
pub fn parse_public_key(s: &str) -> Option<VerifyingKey> {
    let b: [u8; 32] = unhex(s)?.try_into().ok()?;
    VerifyingKey::from_bytes(&b).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(hex(&[0x00, 0x0a, 0xff]), "000aff");
        assert_eq!(unhex(" 000AfF\n"), Some(vec![0x00, 0x0a, 0xff]));
        assert_eq!(unhex(""), Some(vec![]));
        for bad in ["abc", "0g", "+1", "é0", "00 00"] {
            assert_eq!(unhex(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_public_key_is_64_hex_digits() {
        let key = SigningKey::from_bytes(&[7u8; 32]).verifying_key();
        assert_eq!(parse_public_key(&hex(key.as_bytes())), Some(key));
        assert_eq!(parse_public_key(&hex(&key.as_bytes()[..31])), None);
        assert_eq!(hex(&key_id(&key)).len(), 16);
    }
}
