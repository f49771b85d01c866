//! Functions that exist only to test the boundary itself (feature `test-hooks`, which
//! the binding tests build with and a shipped library never has).

use crate::{guard, RingfenceError};

/// Panics inside a guarded, Result-returning function: reaches foreign code as
/// `RingfenceError.Internal`.
#[uniffi::export]
pub fn test_hooks_panic(message: String) -> Result<(), RingfenceError> {
    guard(|| panic!("{message}"))
}

/// Panics inside a Result-returning function without `guard`: shows what UniFFI does on
/// its own (Kotlin `InternalException`, Swift `UniffiInternalError.rustPanic`).
#[uniffi::export]
pub fn test_hooks_panic_unguarded(message: String) -> Result<(), RingfenceError> {
    panic!("{message}")
}
