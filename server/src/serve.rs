//! The HTTP/1.1 accept loop, with the limits a public service needs (axum's own `serve`
//! sets none of them: no header timeout, no connection ceiling):
//!
//! - **connections**: at most `max_connections` open at once (more wait in the listen
//!   backlog), and at most `max_connections_per_network` from one network (more are
//!   closed at once). A network is what the evidence counts as one reporter
//!   (`OriginPolicy::network`: an IPv4 /24, an IPv6 /48), so one host cannot take a
//!   network's places again from each of its addresses. Trusted proxies carry many
//!   clients and have a cap of their own, `max_connections_per_proxy`, counted the same
//!   way; they are not exempt: a trusted range written too wide would otherwise lift the
//!   cap for everyone in it;
//! - **slow clients**: the request line and headers must arrive within `header_timeout`
//!   (hyper's header read timeout, which also closes a keep-alive connection left idle
//!   that long), and a whole request, body included, must be answered within
//!   `request_timeout` (a JSON 408 otherwise, see `api.rs`);
//! - **big headers**: at most `max_header_bytes` (hyper answers 431 and closes) and 100
//!   header fields.
//!
//! Each request carries the peer's address (`ConnectInfo<SocketAddr>`), from which
//! `origin.rs` finds the client's network.

use crate::origin::{canonical, OriginPolicy};
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;

#[derive(Clone, Debug)]
pub struct Limits {
    pub header_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_network: usize,
    /// The same, for a network of trusted proxies (`--trusted-proxy`).
    pub max_connections_per_proxy: usize,
    pub max_header_bytes: usize,
}

/// A network whose connections are counted together: (trusted proxy, first address).
type Network = (bool, IpAddr);

/// Open connections per network.
type PerNetwork = Arc<Mutex<HashMap<Network, usize>>>;

/// Frees a connection's place when the connection ends, however it ends.
struct Slot {
    per_network: PerNetwork,
    network: Network,
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut m = self.per_network.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = m.get_mut(&self.network) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.network);
            }
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets open requests
/// finish (at most `grace`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    origins: Arc<OriginPolicy>,
    shutdown: impl Future<Output = ()>,
    grace: Duration,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_network: PerNetwork = Arc::new(Mutex::new(HashMap::new()));
    let (closing_tx, closing_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            _ = &mut shutdown => break,
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            _ = &mut shutdown => break,
            a = listener.accept() => match a {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let ip = canonical(peer.ip());
        let trusted = origins.is_trusted(ip);
        let network = (trusted, origins.network(ip));
        let cap = if trusted { limits.max_connections_per_proxy } else { limits.max_connections_per_network };
        {
            let mut m = per_network.lock().unwrap_or_else(|e| e.into_inner());
            let n = m.entry(network).or_insert(0);
            if *n >= cap {
                drop(m);
                tracing::debug!(trusted, "too many connections from one network; closed");
                drop(stream);
                continue;
            }
            *n += 1;
        }
        let slot = Slot { per_network: per_network.clone(), network, _permit: permit };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let limits = limits.clone();
        let mut closing = closing_rx.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let service = router.map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo(peer));
                req.map(axum::body::Body::new)
            });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_header_size(limits.max_header_bytes)
                .max_headers(100)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
            tokio::pin!(conn);
            let mut draining = false;
            loop {
                tokio::select! {
                    r = conn.as_mut() => {
                        if let Err(e) = r {
                            tracing::debug!(error = %e, %peer, "connection ended");
                        }
                        break;
                    }
                    changed = closing.changed(), if !draining => {
                        if changed.is_err() || *closing.borrow() {
                            draining = true;
                            conn.as_mut().graceful_shutdown();
                        }
                    }
                }
            }
        });
    }
    drop(listener);
    let _ = closing_tx.send(true);
    // Every connection holds a permit: all back means all closed.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(grace, slots.acquire_many(all)).await;
}
