//! `manifest.json`, the one file of the publish directory that changes: where the
//! snapshot and the deltas are, the lookup salt and the signing key.

use serde::{Deserialize, Serialize};

/// What `manifest.json` at the root of the publish directory says: where the files are,
/// the lookup salt, when it was made. It is served signed ([`sign_manifest`](super::sign_manifest)):
/// a mirror can neither change the salt nor pass off an old manifest as new, because the
/// phone refuses one older than the last it accepted (`created_at`).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Wire format version (1).
    pub format: u8,
    /// The newest published version (0: nothing published yet).
    pub latest: u64,
    /// The newest full snapshot, if any.
    pub snapshot: Option<FileRef>,
    /// The oldest version whose delta (from version - 1) is still available.
    pub oldest_delta: Option<u64>,
    /// Path template of deltas, relative to the manifest: `{version}` is replaced.
    pub delta_path: String,
    /// Hex salt of the lookup hash.
    pub lookup_salt: String,
    /// Hex ed25519 public key that signs every file, and its id.
    pub key: String,
    pub key_id: String,
    pub created_at: i64,
    pub half_life_secs: u32,
}

#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct FileRef {
    pub version: u64,
    /// Relative to the manifest.
    pub path: String,
}

pub const DELTA_PATH: &str = "deltas/{version}.rfd";

pub fn snapshot_path(version: u64) -> String {
    format!("snapshots/{version}.rfs")
}

pub fn delta_path(version: u64) -> String {
    DELTA_PATH.replace("{version}", &version.to_string())
}
