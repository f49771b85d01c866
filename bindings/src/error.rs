//! The one error type that crosses the FFI boundary.
//!
//! Kotlin: `dev.ringfence.RingfenceException` with one subclass per variant
//! (`RingfenceException.UnknownRegion`, ...), fields as properties, `message` from
//! `Display`. Swift: `enum RingfenceError: Error` with one case per variant and the
//! fields as associated values.

use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi::export(Display)]
pub enum RingfenceError {
    /// The region is not a two-letter ISO 3166 code that the numbering plan knows.
    #[error("unknown region {region:?}: use a two-letter ISO 3166 code such as KR, US or CN")]
    UnknownRegion { region: String },
    /// A block or allow list entry is neither a number nor a prefix such as `+8270*`.
    #[error("{pattern:?} is not a number or prefix: it {reason}")]
    InvalidPattern { pattern: String, reason: String },
    /// A bug in ringfence (a Rust panic, caught at the boundary). Please report it.
    #[error("internal error in ringfence: {details}")]
    Internal { details: String },
}

impl From<ringfence_core::Error> for RingfenceError {
    fn from(e: ringfence_core::Error) -> Self {
        use ringfence_core::Error as E;
        match e {
            E::UnknownRegion(region) => RingfenceError::UnknownRegion { region },
            E::InvalidPattern { pattern, why } => RingfenceError::InvalidPattern {
                pattern,
                reason: why,
            },
            // Phase 2 of the bindings gives each remaining core error its own variant.
            other => RingfenceError::Internal { details: other.to_string() },
        }
    }
}

/// Runs an exported function's body, turning a panic into [`RingfenceError::Internal`].
///
/// UniFFI 0.32 itself catches panics at the boundary too, but reports them as its own
/// untyped error (Kotlin `InternalException`; Swift `UniffiInternalError.rustPanic`, which
/// a non-throwing Swift function turns into a `try!` crash). Catching here keeps every
/// failure inside the one documented error type.
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, RingfenceError>) -> Result<T, RingfenceError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let details = if let Some(s) = payload.downcast_ref::<&str>() {
                (*s).to_string()
            } else if let Some(s) = payload.downcast_ref::<String>() {
                s.clone()
            } else {
                "panic with a non-string payload".to_string()
            };
            Err(RingfenceError::Internal { details })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_turns_a_panic_into_internal() {
        let r: Result<(), _> = guard(|| panic!("boom {}", 42));
        match r {
            Err(RingfenceError::Internal { details }) => assert_eq!(details, "boom 42"),
            other => panic!("expected Internal, got {other:?}"),
        }
        let r: Result<(), _> = guard(|| panic!("static"));
        assert!(matches!(r, Err(RingfenceError::Internal { details }) if details == "static"));
    }

    #[test]
    fn core_errors_map_to_variants() {
        let e: RingfenceError = ringfence_core::Error::UnknownRegion("XX".into()).into();
        assert!(matches!(e, RingfenceError::UnknownRegion { ref region } if region == "XX"));
        assert!(e.to_string().contains("unknown region \"XX\""));
    }
}
