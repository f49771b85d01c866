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

/// A progress callback, the shape `sync` will use (a UniFFI callback interface): checks
/// that Kotlin and Swift objects can be called back from Rust, under Swift 6 checking.
#[uniffi::export(callback_interface)]
pub trait TestHooksProgress: Send + Sync {
    fn on_progress(&self, done: u32, total: u32);
}

/// Calls `listener` `steps` times (1/steps .. steps/steps), as a blocking job with a
/// progress callback does, and returns the number of calls made.
#[uniffi::export]
pub fn test_hooks_progress(steps: u32, listener: Box<dyn TestHooksProgress>) -> Result<u32, RingfenceError> {
    guard(|| {
        for done in 1..=steps {
            listener.on_progress(done, steps);
        }
        Ok(steps)
    })
}
