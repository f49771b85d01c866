//! `ringfence-server`: one command starts the community service on an embedded SQLite
//! file. `ringfence-server --db PATH pubkey` prints the public key phones pin.
//!
//! Start-up only: the flags become a checked `Config` (`config.rs`), the secrets are
//! loaded or made (`keys.rs`, `secrets.rs`), then the database is opened, the publisher
//! started, and the HTTP service and the publishing loop run until SIGINT or SIGTERM.

use clap::Parser;
use ringfence_server::config::{Cli, Command, Config, LogFormat};
use ringfence_server::db::Db;
use ringfence_server::error::{Error, StorageError};
use ringfence_server::leader::{Leadership, Role};
use ringfence_server::origin::OriginPolicy;
use ringfence_server::publish::Publisher;
use ringfence_server::retention::Retention;
use ringfence_server::secrets::Secrets;
use ringfence_server::state::Shared;
use ringfence_server::storage::{Postgres, Sqlite, Storage};
use ringfence_server::{api, keys, now, serve};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Disputes(args)) = &cli.command {
        return review(&cli, &args.command);
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `ringfence-server disputes ...`: the operator's review, on the database the flags name.
fn review(cli: &Cli, command: &ringfence_server::review::DisputesCommand) -> ExitCode {
    let opened: Result<Box<dyn Storage>, Error> = match &cli.postgres {
        Some(url) => Postgres::connect(url)
            .map(|p| Box::new(p) as Box<dyn Storage>)
            .map_err(|source| Error::Open { what: "PostgreSQL".into(), source }),
        None => Sqlite::open(&cli.db)
            .map(|s| Box::new(s) as Box<dyn Storage>)
            .map_err(|source| Error::Open { what: cli.db.display().to_string(), source }),
    };
    let result = opened
        .map_err(|e| e.to_string())
        .and_then(|mut db| ringfence_server::review::run(db.as_mut(), command, now()).map_err(|e| e.to_string()));
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    if let Some(Command::Pubkey) = cli.command {
        let key = keys::load_or_create(&keys::key_path(&cli.db))?;
        println!("{}", keys::public_hex(&key));
        return Ok(());
    }
    init_logs(cli.log_format);
    // Checked before anything is made: a refused set-up leaves no key or file behind.
    let config = Config::from_cli(cli)?;
    for warning in &config.warnings {
        // On standard error whatever RUST_LOG filters: an operator must see it.
        eprintln!("WARNING: {warning}");
        tracing::warn!("{warning}");
    }
    let key = keys::load_or_create(&keys::key_path(&config.db))?;
    let server = start(config, key)?;
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(server.run())
}

fn init_logs(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => logs.json().init(),
        LogFormat::Text => logs.init(),
    }
}

/// A server ready to listen: database open, secrets loaded, manifest written.
struct Server {
    listen: String,
    /// The database, for the log line.
    db: String,
    public_key: String,
    publisher: Arc<Publisher>,
    publish_interval: Duration,
    retention: Retention,
    leadership: Leadership,
    shared: Arc<Shared>,
    origins: Arc<OriginPolicy>,
    serve: serve::Limits,
}

fn start(config: Config, key: ringfence_core::wire::SigningKey) -> Result<Server, Error> {
    let mut storage = open(&config)?;
    let secrets = Secrets::load_or_create(key, storage.as_mut())?;
    // A second connection for the publisher's long reads and for lookups (db.rs).
    let db = Arc::new(Db::new(storage, open(&config)?));
    let public_key = keys::public_hex(&secrets.key);
    let publisher = Arc::new(Publisher::new(db.clone(), secrets.key, secrets.lookup_salt, config.publish));
    // One process publishes (leader.rs): on SQLite this one, from the start; on PostgreSQL
    // whichever holds the lock, which starts the publisher when it takes it.
    let leadership = match &config.postgres {
        Some(url) => Leadership::postgres(url)
            .map_err(|e| Error::Open { what: "PostgreSQL".into(), source: StorageError::from(e) })?,
        None => {
            publisher.start(now())?;
            Leadership::Alone
        }
    };
    let origins = Arc::new(OriginPolicy {
        v4_prefix: config.origin_v4_prefix,
        v6_prefix: config.origin_v6_prefix,
        trusted: config.trusted_proxies,
        secret: secrets.origin_secret,
    });
    let shared = Arc::new(Shared::new(
        db,
        publisher.clone(),
        config.limits,
        origins.clone(),
        config.count_by,
        config.request_timeout,
    ));
    Ok(Server {
        listen: config.listen,
        db: config.db.display().to_string(),
        public_key,
        publisher,
        publish_interval: config.publish_interval,
        retention: config.retention,
        leadership,
        shared,
        origins,
        serve: config.serve,
    })
}

/// The database the flags name: PostgreSQL, or else the SQLite file.
fn open(config: &Config) -> Result<Box<dyn Storage>, Error> {
    Ok(match &config.postgres {
        Some(url) => {
            Box::new(Postgres::connect(url).map_err(|source| Error::Open { what: "PostgreSQL".into(), source })?)
        }
        None => Box::new(
            Sqlite::open(&config.db).map_err(|source| Error::Open { what: config.db.display().to_string(), source })?,
        ),
    })
}

impl Server {
    /// Listens and serves until SIGINT or SIGTERM, publishing meanwhile.
    async fn run(self) -> Result<(), Error> {
        let listener = tokio::net::TcpListener::bind(&self.listen)
            .await
            .map_err(|source| Error::Listen { addr: self.listen.clone(), source })?;
        let addr = listener.local_addr()?;
        println!("ringfence-server listening on http://{addr}");
        println!("public key: {}", self.public_key);
        println!("publishing to {}", self.publisher.dir().display());
        let _ = std::io::stdout().flush();
        tracing::info!(%addr, db = %self.db, "started");

        let publishing = tokio::spawn(publish_loop(
            self.publisher,
            Arc::new(self.retention),
            self.publish_interval,
            self.leadership,
        ));
        serve::serve(listener, api::router(self.shared), self.serve, self.origins, shutdown(), Duration::from_secs(5))
            .await;
        publishing.abort();
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every `every`: if this process is the publisher (`leader.rs`), a publication, then
/// (when due) a retention run, in that order: never at the same time.
async fn publish_loop(publisher: Arc<Publisher>, retention: Arc<Retention>, every: Duration, leadership: Leadership) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The lock, and whether the publisher still has to start (it has not since this
    // process took the lock).
    let state = Arc::new(std::sync::Mutex::new((leadership, false)));
    loop {
        tick.tick().await;
        let (p, r, state) = (publisher.clone(), retention.clone(), state.clone());
        let run = tokio::task::spawn_blocking(move || {
            let mut state = state.lock().unwrap_or_else(|e| e.into_inner());
            let (leadership, must_start) = &mut *state;
            match leadership.check() {
                Role::Follower => return (Ok(None), Ok(None)),
                Role::Deposed => {
                    println!("publisher: this process no longer publishes");
                    let _ = std::io::stdout().flush();
                    return (Ok(None), Ok(None));
                }
                Role::NewPublisher => {
                    println!("publisher: this process publishes");
                    let _ = std::io::stdout().flush();
                    tracing::info!("this process holds the publisher lock: it publishes");
                    *must_start = true;
                }
                Role::Publisher => {}
            }
            let now = now();
            if *must_start {
                if let Err(e) = p.start(now) {
                    return (Err(e), Ok(None));
                }
                *must_start = false;
            }
            (p.publish(now), r.prune_if_due(&p, now))
        });
        let (published, pruned) = match run.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "publication task failed");
                continue;
            }
        };
        match published {
            Ok(Some(v)) => tracing::info!(
                version = v.version,
                upserts = v.upserts,
                deletions = v.deletions,
                snapshot = v.snapshot,
                "published"
            ),
            Ok(None) => {}
            Err(e) => tracing::error!(error = %e, "publication failed; retrying next interval"),
        }
        match pruned {
            Ok(Some(r)) if !r.is_empty() => tracing::info!(
                deltas = r.deltas,
                snapshots = r.snapshots,
                keys = r.keys,
                versions = r.versions,
                oldest_delta = r.oldest_delta,
                "pruned"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "pruning failed; retrying next run"),
        }
    }
}

/// SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
