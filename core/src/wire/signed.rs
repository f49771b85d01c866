//! Signed JSON: the manifest (signed by the server), a report batch (signed by the
//! device that sends it) and the batch's acknowledgement (signed by the server).
//!
//! Each is an envelope holding the signed JSON *as a string* and the signature over its
//! exact bytes, so nobody has to agree on a canonical JSON form. Every signature covers a
//! context line first (`ringfence-manifest-v1\n`, ...), so one kind of signed message can
//! never pass for another, nor for a file (those start with `RFWF`).

use super::api::{ReportAck, ReportBatch};
use super::keys::{hex, parse_public_key, unhex, SigningKey, VerifyingKey};
use super::manifest::Manifest;
use ed25519_dalek::{Signature, Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const MANIFEST_CONTEXT: &[u8] = b"ringfence-manifest-v1\n";
const BATCH_CONTEXT: &[u8] = b"ringfence-batch-v1\n";
const ACK_CONTEXT: &[u8] = b"ringfence-ack-v1\n";
const REJECTION_CONTEXT: &[u8] = b"ringfence-rejection-v1\n";

/// How far a batch's `at` may be from the server's clock (seconds): a captured batch
/// cannot be replayed later than this, and the nonces are kept at least this long.
pub const BATCH_CLOCK_SKEW: i64 = 15 * 60;

/// Why a signed message was refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum SignedError {
    #[error("it is not a signed envelope: {0}")]
    Envelope(String),
    #[error("its signature is not 128 hex digits")]
    BadSignatureEncoding,
    #[error("its key is not an ed25519 public key")]
    BadKey,
    #[error("its signature does not verify")]
    BadSignature,
    #[error("its signed content is not valid: {0}")]
    Content(String),
    #[error("the device id does not belong to the key that signed the batch")]
    DeviceMismatch,
}

/// `manifest.json`: the manifest as signed JSON text, and the server's signature.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedManifest {
    pub manifest: String,
    pub signature: String,
}

/// `POST /v1/reports`: the batch as signed JSON text, the device's public key and its
/// signature. The device id inside is derived from the key ([`device_id`]).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedBatch {
    pub batch: String,
    pub key: String,
    pub signature: String,
}

/// The answer to an accepted batch: what was counted, bound to the batch by its digest,
/// signed by the server. The phone marks its reports uploaded only after checking it.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedAck {
    pub accepted: u32,
    pub duplicates: u32,
    /// SHA-256 of the batch text, hex.
    pub batch: String,
    pub signature: String,
}

/// A device's id: the first 16 bytes of SHA-256 of its public key, as 32 hex digits.
pub fn device_id(key: &VerifyingKey) -> String {
    hex(&Sha256::digest(key.as_bytes())[..16])
}

/// SHA-256 of a batch's text, hex: what an acknowledgement names.
pub fn batch_digest(batch_text: &str) -> String {
    hex(&Sha256::digest(batch_text.as_bytes()))
}

fn signed_over(context: &[u8], text: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(context.len() + text.len());
    m.extend_from_slice(context);
    m.extend_from_slice(text);
    m
}

fn signature(s: &str) -> Result<Signature, SignedError> {
    let b: [u8; 64] = unhex(s).and_then(|b| b.try_into().ok()).ok_or(SignedError::BadSignatureEncoding)?;
    Ok(Signature::from_bytes(&b))
}

fn verify(key: &VerifyingKey, context: &[u8], text: &str, sig: &str) -> Result<(), SignedError> {
    key.verify(&signed_over(context, text.as_bytes()), &signature(sig)?).map_err(|_| SignedError::BadSignature)
}

/// The bytes of `manifest.json` for `m`, signed with `key`.
pub fn sign_manifest(m: &Manifest, key: &SigningKey) -> Vec<u8> {
    let text = serde_json::to_string_pretty(m).expect("a manifest always serialises");
    let signature = hex(&key.sign(&signed_over(MANIFEST_CONTEXT, text.as_bytes())).to_bytes());
    serde_json::to_vec_pretty(&SignedManifest { manifest: text, signature }).expect("serialises")
}

/// Reads `manifest.json`, verifying it with `pinned`, or on first use with the key the
/// manifest names (which the caller then pins). Returns the manifest and the key that
/// verified it.
pub fn open_manifest(bytes: &[u8], pinned: Option<&VerifyingKey>) -> Result<(Manifest, VerifyingKey), SignedError> {
    let env: SignedManifest = serde_json::from_slice(bytes).map_err(|e| SignedError::Envelope(e.to_string()))?;
    let m: Manifest = serde_json::from_str(&env.manifest).map_err(|e| SignedError::Content(e.to_string()))?;
    let key = match pinned {
        Some(k) => *k,
        None => parse_public_key(&m.key).ok_or(SignedError::BadKey)?,
    };
    verify(&key, MANIFEST_CONTEXT, &env.manifest, &env.signature)?;
    Ok((m, key))
}

/// The body of `POST /v1/reports` for `batch`, signed with the device's key. The
/// batch's `device` must be [`device_id`] of that key.
pub fn sign_batch(batch: &ReportBatch, key: &SigningKey) -> SignedBatch {
    sign_batch_text(serde_json::to_string(batch).expect("a batch always serialises"), key)
}

/// The envelope of a batch already written as JSON text, signed with the device's key.
/// [`sign_batch`] uses it; tests use it to sign text that is no valid batch.
pub fn sign_batch_text(text: String, key: &SigningKey) -> SignedBatch {
    let signature = hex(&key.sign(&signed_over(BATCH_CONTEXT, text.as_bytes())).to_bytes());
    SignedBatch { batch: text, key: hex(key.verifying_key().as_bytes()), signature }
}

/// Checks a signed batch: the signature, and that its device id is its key's. Returns
/// the batch (its reports not yet validated) and the digest an ack must name.
pub fn open_batch(env: &SignedBatch) -> Result<(ReportBatch, String), SignedError> {
    let key = parse_public_key(&env.key).ok_or(SignedError::BadKey)?;
    verify(&key, BATCH_CONTEXT, &env.batch, &env.signature)?;
    let batch: ReportBatch = serde_json::from_str(&env.batch).map_err(|e| SignedError::Content(e.to_string()))?;
    if batch.device != device_id(&key) {
        return Err(SignedError::DeviceMismatch);
    }
    Ok((batch, batch_digest(&env.batch)))
}

fn ack_text(digest: &str, accepted: u32, duplicates: u32) -> String {
    format!("{digest}\n{accepted}\n{duplicates}")
}

/// The server's signed answer to the batch whose digest is `digest`.
pub fn sign_ack(digest: &str, ack: ReportAck, key: &SigningKey) -> SignedAck {
    let text = ack_text(digest, ack.accepted, ack.duplicates);
    let signature = hex(&key.sign(&signed_over(ACK_CONTEXT, text.as_bytes())).to_bytes());
    SignedAck { accepted: ack.accepted, duplicates: ack.duplicates, batch: digest.into(), signature }
}

/// Checks that `ack` answers the batch whose text digests to `digest` and was signed by
/// the pinned server key.
pub fn verify_ack(ack: &SignedAck, digest: &str, key: &VerifyingKey) -> Result<ReportAck, SignedError> {
    if ack.batch != digest {
        return Err(SignedError::Content("it acknowledges another batch".into()));
    }
    verify(key, ACK_CONTEXT, &ack_text(digest, ack.accepted, ack.duplicates), &ack.signature)?;
    Ok(ReportAck { accepted: ack.accepted, duplicates: ack.duplicates })
}

fn rejection_text(digest: &str, index: usize, code: &str) -> String {
    format!("{digest}\n{index}\n{code}")
}

/// The server's signature on "report `index` of the batch `digest` is refused for good
/// (`code`)": the phone drops a report from its outbox only on this.
pub fn sign_rejection(digest: &str, index: usize, code: &str, key: &SigningKey) -> String {
    let text = rejection_text(digest, index, code);
    hex(&key.sign(&signed_over(REJECTION_CONTEXT, text.as_bytes())).to_bytes())
}

pub fn verify_rejection(
    digest: &str,
    index: usize,
    code: &str,
    signature: &str,
    key: &VerifyingKey,
) -> Result<(), SignedError> {
    verify(key, REJECTION_CONTEXT, &rejection_text(digest, index, code), signature)
}

#[cfg(test)]
mod tests {
    use super::super::api::ReportItem;
    use super::*;

    fn key(b: u8) -> SigningKey {
        SigningKey::from_bytes(&[b; 32])
    }

    fn manifest(k: &SigningKey) -> Manifest {
        Manifest {
            format: super::super::FORMAT_VERSION,
            latest: 3,
            snapshot: None,
            oldest_delta: Some(1),
            delta_path: super::super::DELTA_PATH.into(),
            lookup_salt: "00ff".into(),
            key: hex(k.verifying_key().as_bytes()),
            key_id: String::new(),
            created_at: 1_800_000_000,
            half_life_secs: 0,
        }
    }

    #[test]
    fn a_manifest_opens_with_its_key_and_not_with_another_or_changed() {
        let (k, other) = (key(1), key(2));
        let bytes = sign_manifest(&manifest(&k), &k);
        let (m, used) = open_manifest(&bytes, None).unwrap();
        assert_eq!((m.latest, used), (3, k.verifying_key()));
        assert_eq!(open_manifest(&bytes, Some(&other.verifying_key())), Err(SignedError::BadSignature));
        // A mirror that swaps the salt (the attack of issue 11) breaks the signature.
        let text = String::from_utf8(bytes.clone()).unwrap().replace("00ff", "00fe");
        assert_eq!(open_manifest(text.as_bytes(), None), Err(SignedError::BadSignature));
        // One that re-signs with its own key is refused by a phone that pinned the real one.
        let forged = sign_manifest(&manifest(&k), &other);
        assert!(open_manifest(&forged, Some(&k.verifying_key())).is_err());
        // An unsigned (old) manifest is not an envelope.
        let plain = serde_json::to_vec(&manifest(&k)).unwrap();
        assert!(matches!(open_manifest(&plain, None), Err(SignedError::Envelope(_))));
    }

    #[test]
    fn a_batch_is_bound_to_its_key_and_its_ack_to_the_batch() {
        let (dev, server) = (key(3), key(4));
        let batch = ReportBatch {
            device: device_id(&dev.verifying_key()),
            at: 1_800_000_000,
            nonce: "0123456789abcdef".into(),
            reports: vec![ReportItem {
                key: "k-00000001".into(),
                number: "+82212345678".into(),
                spam: true,
                category: None,
                comment: None,
                at: 0,
            }],
        };
        let env = sign_batch(&batch, &dev);
        let (opened, digest) = open_batch(&env).unwrap();
        assert_eq!(opened, batch);
        // Someone else's device id with my key: refused.
        let stolen = ReportBatch { device: device_id(&key(9).verifying_key()), ..batch.clone() };
        assert_eq!(open_batch(&sign_batch(&stolen, &dev)), Err(SignedError::DeviceMismatch));
        // A changed batch, or a signature from another key: refused.
        let changed = SignedBatch { batch: env.batch.replace("+822", "+823"), ..env.clone() };
        assert_eq!(open_batch(&changed), Err(SignedError::BadSignature));
        let other_key = SignedBatch { key: hex(key(5).verifying_key().as_bytes()), ..env.clone() };
        assert_eq!(open_batch(&other_key), Err(SignedError::BadSignature));

        let ack = sign_ack(&digest, ReportAck { accepted: 1, duplicates: 0 }, &server);
        assert!(verify_ack(&ack, &digest, &server.verifying_key()).is_ok());
        assert!(verify_ack(&ack, &batch_digest("another"), &server.verifying_key()).is_err());
        assert!(verify_ack(&ack, &digest, &dev.verifying_key()).is_err());
        let inflated = SignedAck { accepted: 0, duplicates: 1, ..ack };
        assert!(verify_ack(&inflated, &digest, &server.verifying_key()).is_err());

        let sig = sign_rejection(&digest, 0, "invalid_number", &server);
        assert!(verify_rejection(&digest, 0, "invalid_number", &sig, &server.verifying_key()).is_ok());
        assert!(verify_rejection(&digest, 1, "invalid_number", &sig, &server.verifying_key()).is_err());
        assert!(verify_rejection(&digest, 0, "invalid_number", &sig, &dev.verifying_key()).is_err());
    }
}
