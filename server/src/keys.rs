//! The server's ed25519 key pair: made on first use, kept next to the database in a
//! file only its owner can read (mode 0600), as 64 hex digits.

use crate::error::{FileError, KeyError};
use ringfence_core::wire::{self, SigningKey};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn key_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "ringfence-server.db".into());
    name.push(".key");
    db.with_file_name(name)
}

pub fn load_or_create(path: &Path) -> Result<SigningKey, KeyError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let bytes: [u8; 32] = wire::unhex(text.trim())
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| KeyError::NotAKey(path.to_path_buf()))?;
            Ok(SigningKey::from_bytes(&bytes))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut secret = [0u8; 32];
            getrandom::fill(&mut secret).map_err(KeyError::NoRandomness)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(FileError::at(dir))?;
            }
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
            let mut f = opts.open(path).map_err(FileError::at(path))?;
            writeln!(f, "{}", wire::hex(&secret)).and_then(|_| f.sync_all()).map_err(FileError::at(path))?;
            Ok(SigningKey::from_bytes(&secret))
        }
        Err(e) => Err(FileError::at(path)(e).into()),
    }
}

pub fn public_hex(key: &SigningKey) -> String {
    wire::hex(key.verifying_key().as_bytes())
}
