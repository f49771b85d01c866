//! The long calls as Kotlin `suspend` and Swift `async` functions (`syncAsync`,
//! `lookupOnlineAsync`, `importListAsync`, `importListDataAsync`,
//! `callDirectoryBatchAsync`), and their cancellation.
//!
//! Each one runs the blocking call on a thread of its own (never on the caller's
//! executor: no async runtime here or in the core) and hands back its result through a
//! one-shot channel that the foreign future awaits. The work watches a core `Cancel`:
//! - Kotlin: cancelling the coroutine makes UniFFI free the Rust future, and the
//!   [`CancelOnDrop`] guard inside it cancels the work;
//! - Swift: UniFFI does not pass on a `Task`'s cancellation, so the Swift overloads in
//!   `bindings/swift/Sources/Ringfence/Cancellation.swift` hand in a [`CancelToken`] and
//!   cancel it from `withTaskCancellationHandler`;
//! - any language: pass a `CancelToken` and call `cancel()` on it (a "Stop" button).
//!
//! The work then stops at its next safe point (a chunk of a download, a record of an
//! import, a page of the export, before the apply's commit) and changes nothing; the
//! call ends with `RingfenceError.Cancelled` (Swift) or `CancellationException` (Kotlin).

use crate::directory::{DirectoryBatch, DirectoryKind};
use crate::import::{ImportSummary, ListFormat};
use crate::reports::Evidence;
use crate::sync::{SyncConfig, SyncListener, SyncSummary};
use crate::transport::HttpTransport;
use crate::{guard, RingfenceError, Screener};
use ringfence_core::Cancel;
use std::sync::Arc;

/// Cancels an async call (or several) from anywhere: pass it as `cancel`, then call
/// `cancel()`. Kotlin coroutines and Swift tasks do not need one (cancel them instead).
#[derive(Debug, Default, uniffi::Object)]
pub struct CancelToken(Cancel);

#[uniffi::export]
impl CancelToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(CancelToken::default())
    }

    /// Asks the calls that were given this token to stop at their next safe point.
    /// Idempotent; a token stays cancelled.
    pub fn cancel(&self) {
        self.0.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

#[uniffi::export]
impl Screener {
    /// `sync` as a suspend/async function. The listener is called on a worker thread,
    /// while the sync goes on. Cancelling stops the upload between batches, a download
    /// mid-body, or the apply before it commits: the community data is as it was
    /// (reports the server already acknowledged stay marked uploaded).
    #[uniffi::method(default(listener = None, cancel = None))]
    pub async fn sync_async(
        self: Arc<Self>,
        config: SyncConfig,
        transport: Arc<dyn HttpTransport>,
        listener: Option<Box<dyn SyncListener>>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<SyncSummary, RingfenceError> {
        on_worker(cancel, move |c| self.sync_cancellable(config, transport, listener.as_deref(), c)).await
    }

    /// `lookupOnline` as a suspend/async function.
    #[uniffi::method(default(cancel = None))]
    pub async fn lookup_online_async(
        self: Arc<Self>,
        number: String,
        config: SyncConfig,
        transport: Arc<dyn HttpTransport>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<Option<Evidence>, RingfenceError> {
        on_worker(cancel, move |c| self.lookup_online_cancellable(number, config, transport, c)).await
    }

    /// `importList` as a suspend/async function. Cancelling stops it at the next record
    /// and rolls the import back (the same file can be imported later).
    #[uniffi::method(default(cancel = None))]
    pub async fn import_list_async(
        self: Arc<Self>,
        format: ListFormat,
        path: String,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<ImportSummary, RingfenceError> {
        on_worker(cancel, move |c| self.background(|s| crate::import::import_file(s, format, &path, c))).await
    }

    /// `importListData` as a suspend/async function.
    #[uniffi::method(default(cancel = None))]
    pub async fn import_list_data_async(
        self: Arc<Self>,
        format: ListFormat,
        data: Vec<u8>,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<ImportSummary, RingfenceError> {
        on_worker(cancel, move |c| self.background(|s| crate::import::import_data(s, format, &data, c))).await
    }

    /// `callDirectoryBatch` as a suspend/async function; cancelling stops it at the next
    /// page of candidates (it only reads).
    #[uniffi::method(default(cancel = None))]
    pub async fn call_directory_batch_async(
        self: Arc<Self>,
        kind: DirectoryKind,
        after: Option<i64>,
        limit: u32,
        cancel: Option<Arc<CancelToken>>,
    ) -> Result<DirectoryBatch, RingfenceError> {
        on_worker(cancel, move |c| self.call_directory_batch_cancellable(kind, after, limit, c)).await
    }
}

/// Cancels the work if the future is dropped before it has its answer: UniFFI frees the
/// future of a cancelled Kotlin coroutine.
struct CancelOnDrop {
    cancel: Cancel,
    armed: bool,
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.cancel.cancel();
        }
    }
}

/// Runs `job` on a new thread with the call's `Cancel` (the token's, or a fresh one) and
/// awaits its result. A job that fails once cancelled reports `Cancelled`.
async fn on_worker<T: Send + 'static>(
    token: Option<Arc<CancelToken>>,
    job: impl FnOnce(&Cancel) -> Result<T, RingfenceError> + Send + 'static,
) -> Result<T, RingfenceError> {
    let cancel = token.map(|t| t.0.clone()).unwrap_or_default();
    let mut on_drop = CancelOnDrop { cancel: cancel.clone(), armed: true };
    let (tx, rx) = futures_channel::oneshot::channel();
    let worker_cancel = cancel.clone();
    std::thread::Builder::new()
        .name("ringfence-job".into())
        .spawn(move || {
            let out = guard(|| job(&worker_cancel));
            let out = match out {
                Err(_) if worker_cancel.is_cancelled() => Err(RingfenceError::Cancelled),
                out => out,
            };
            // The receiver is gone when the caller was cancelled: nobody wants the answer.
            let _ = tx.send(out);
        })
        .map_err(|e| RingfenceError::Internal { details: format!("cannot start a worker thread: {e}") })?;
    let out = rx.await.unwrap_or_else(|_| {
        Err(RingfenceError::Internal { details: "the worker thread ended without an answer".into() })
    });
    on_drop.armed = false;
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::future::Future;
    use std::task::{Context, Poll, Wake, Waker};

    struct Unpark(std::thread::Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    /// What the foreign side does: poll, wait to be woken, poll again.
    fn block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut Context::from_waker(&waker)) {
                return v;
            }
            std::thread::park();
        }
    }

    #[test]
    fn dropping_the_future_cancels_the_work() {
        let (started_tx, started) = std::sync::mpsc::channel();
        let (seen_tx, seen) = std::sync::mpsc::channel();
        let future = on_worker(None, move |c: &Cancel| {
            started_tx.send(()).unwrap();
            while !c.is_cancelled() {
                std::thread::yield_now();
            }
            seen_tx.send(()).unwrap();
            Err::<(), _>(RingfenceError::Cancelled)
        });
        let mut future = Box::pin(future);
        // Poll once so that the worker starts, then drop the future, as UniFFI does when
        // a Kotlin coroutine is cancelled.
        let _ = future.as_mut().poll(&mut Context::from_waker(Waker::noop()));
        started.recv().unwrap();
        drop(future);
        seen.recv_timeout(std::time::Duration::from_secs(60)).expect("the worker saw the cancel");
    }

    #[test]
    fn a_token_cancels_and_the_answer_is_cancelled() {
        let token = CancelToken::new();
        let t = token.clone();
        let out = block_on(on_worker(Some(token), move |c: &Cancel| {
            t.cancel();
            c.check().map_err(RingfenceError::from)?;
            Ok(1)
        }));
        assert!(matches!(out, Err(RingfenceError::Cancelled)), "{out:?}");
        // Finished, not dropped early: a token that was not cancelled stays so.
        let token = CancelToken::new();
        assert_eq!(block_on(on_worker(Some(token.clone()), |_| Ok(2))).unwrap(), 2);
        assert!(!token.is_cancelled());
    }
}
