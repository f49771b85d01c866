//! Cancelling long work (a sync, an import, a call-directory export) from another thread.
//!
//! The caller keeps a clone of the [`Cancel`] it passed in and calls [`Cancel::cancel`];
//! the work stops at its next safe point with [`Error::Cancelled`](crate::Error::Cancelled)
//! and changes nothing (its transaction is rolled back). The bindings cancel the token
//! when a Kotlin coroutine or a Swift `Task` is cancelled.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A cancellation flag shared between the worker and whoever may cancel it.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token nobody has cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Asks the work to stop at its next safe point. Idempotent.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// `Err(Cancelled)` once cancelled: `cancel.check()?` at each safe point.
    pub fn check(&self) -> crate::Result<()> {
        if self.is_cancelled() {
            Err(crate::Error::Cancelled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_cancels_the_original() {
        let c = Cancel::new();
        assert!(c.check().is_ok());
        c.clone().cancel();
        assert!(matches!(c.check(), Err(crate::Error::Cancelled)));
    }
}
