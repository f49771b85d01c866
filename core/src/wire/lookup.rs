//! The private lookup: the keyed hash whose first 16 bits a phone sends, and the 56-bit
//! tags that stand for numbers in a lookup bucket file.

use crate::number::E164;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Lookup tags keep 56 bits of the keyed hash (after the 16-bit bucket).
pub const TAG_BITS: u32 = 56;

/// The keyed hash a phone sends the first 16 bits of: HMAC-SHA256(salt, E.164 digits).
/// Returns (bucket, tag): bits 0..16 and 16..72 of the hash.
pub fn lookup_hash(salt: &[u8], number: E164) -> (u16, u64) {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(salt).expect("HMAC takes keys of any length");
    mac.update(number.digits().as_bytes());
    let h = mac.finalize().into_bytes();
    let bucket = u16::from_be_bytes([h[0], h[1]]);
    let mut tag = [0u8; 8];
    tag[1..].copy_from_slice(&h[2..9]);
    (bucket, u64::from_be_bytes(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_hash_is_keyed() {
        let n = E164::from_digits("821012345678").unwrap();
        let (b1, t1) = lookup_hash(b"salt-a", n);
        let (b2, t2) = lookup_hash(b"salt-b", n);
        assert_ne!((b1, t1), (b2, t2));
        assert_eq!(lookup_hash(b"salt-a", n), (b1, t1));
        assert!(t1 < 1 << TAG_BITS);
    }
}
