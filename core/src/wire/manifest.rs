//! `manifest.json`, the one file of the publish directory that changes: where the
//! snapshot and the deltas are, the lookup salt and the signing key.

use serde::{Deserialize, Serialize};

/// `manifest.json` at the root of the publish directory: where the files are. It is not
/// signed; every file names its own version and base, so a stale or forged manifest can
/// only make a phone refuse, never apply the wrong data.
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
