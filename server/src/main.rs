//! `ringfence-server`: one command starts the community service on an embedded SQLite
//! file. `ringfence-server --db PATH pubkey` prints the public key phones pin.

use clap::{Parser, Subcommand};
use ringfence_core::wire;
use ringfence_server::aggregate::Rules;
use ringfence_server::api::{self, AppState};
use ringfence_server::keys;
use ringfence_server::limit::Buckets;
use ringfence_server::origin::{Cidr, OriginPolicy};
use ringfence_server::publish::Publisher;
use ringfence_server::ranges::RangeRules;
use ringfence_server::retention::Retention;
use ringfence_server::storage::{Postgres, Sqlite, Storage};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "ringfence-server", version, about = "The ringfence community spam-number service")]
struct Cli {
    /// SQLite database file (created on first use); the key pair lives beside it in PATH.key
    #[arg(long, global = true, default_value = "ringfence-server.db", value_name = "PATH")]
    db: PathBuf,
    /// Keep votes in this PostgreSQL database instead of the SQLite file
    /// (`postgres://user:password@host/dbname`); the key pair still lives in DB.key
    #[arg(long, value_name = "URL", env = "RINGFENCE_SERVER_POSTGRES")]
    postgres: Option<String>,
    /// Address to listen on (port 0: any free port; the chosen one is printed)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    listen: String,
    /// Where snapshots, deltas and the manifest are written [default: DB's directory/publish]
    #[arg(long, value_name = "DIR")]
    publish_dir: Option<PathBuf>,
    /// Seconds between publications
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    publish_interval: f64,
    /// Independent spam reporters a number needs before it is listed: distinct origin
    /// networks (see --origin-v4-prefix), however many devices report from each
    #[arg(long, default_value_t = 3, value_name = "N")]
    min_reporters: u32,
    /// Net spam votes (decayed) a listed number must keep
    #[arg(long, default_value_t = 2.0, value_name = "SCORE")]
    list_threshold: f64,
    /// Lowest Wilson lower bound (95 %) of the spam share of votes
    #[arg(long, default_value_t = 0.3, value_name = "P")]
    min_confidence: f64,
    /// Votes lose half their weight after this many days (0: never)
    #[arg(long, default_value_t = 125.0, value_name = "DAYS")]
    half_life_days: f64,
    /// A block of ten consecutive numbers (+82 70-1234-567x) is a spam range when at least N
    /// of them are listed; its other numbers are then published too, with the members' most
    /// frequent category and the range's strength as score (the N-th strongest member's,
    /// at least --list-threshold).
    /// 0: no ranges
    #[arg(long, default_value_t = 4, value_name = "N")]
    range10_min: u32,
    /// A block of a hundred is a spam range, all of it published, when at least N of its
    /// blocks of ten are (0: ranges of ten only)
    #[arg(long, default_value_t = 3, value_name = "N")]
    range100_min: u32,
    /// Write a full snapshot every N versions
    #[arg(long, default_value_t = 50, value_name = "N")]
    snapshot_every: u64,
    /// Delete the delta files of versions published more than DAYS ago, once a snapshot
    /// covers them (phones further behind download the snapshot); 0: keep forever
    #[arg(long, default_value_t = 30.0, value_name = "DAYS")]
    keep_deltas_days: f64,
    /// --keep-deltas-days in seconds, overriding it (for tests)
    #[arg(long, value_name = "SECS")]
    keep_deltas_secs: Option<f64>,
    /// Forget report idempotency keys older than DAYS (a report re-sent after that counts
    /// again, as the same vote: never twice); 0: keep forever
    #[arg(long, default_value_t = 90.0, value_name = "DAYS")]
    keep_keys_days: f64,
    /// Seconds between retention runs (one also runs at start); a delta file is deleted
    /// a run after the manifest stopped naming it
    #[arg(long, default_value_t = 3600.0, value_name = "SECS")]
    prune_interval: f64,
    /// Reports a device may send at once
    #[arg(long, default_value_t = 500, value_name = "N")]
    rate_burst: u32,
    /// Reports a device may send per minute, sustained
    #[arg(long, default_value_t = 60, value_name = "N")]
    rate_per_minute: u32,
    /// Reports one origin network may send at once, whatever its devices
    #[arg(long, default_value_t = 5000, value_name = "N")]
    origin_burst: u32,
    /// Reports one origin network may send per minute, sustained
    #[arg(long, default_value_t = 1000, value_name = "N")]
    origin_per_minute: u32,
    /// New devices one origin network may introduce at once
    #[arg(long, default_value_t = 50, value_name = "N")]
    new_devices_burst: u32,
    /// New devices one origin network may introduce per hour, sustained
    #[arg(long, default_value_t = 50, value_name = "N")]
    new_devices_per_hour: u32,
    /// Private lookups one origin network may make at once
    #[arg(long, default_value_t = 600, value_name = "N")]
    lookup_burst: u32,
    /// Private lookups one origin network may make per minute, sustained
    #[arg(long, default_value_t = 600, value_name = "N")]
    lookups_per_minute: u32,
    /// Prefix length of an IPv4 origin network: one reporter per number per network
    #[arg(long, default_value_t = 24, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=32))]
    origin_v4_prefix: u8,
    /// Prefix length of an IPv6 origin network
    #[arg(long, default_value_t = 48, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=128))]
    origin_v6_prefix: u8,
    /// What makes reporters independent: their networks (the Sybil defence), or only their
    /// device ids (for closed deployments and tests where every phone shares one address;
    /// anyone can then mint reporters). The per-network budgets apply either way
    #[arg(long, default_value = "network", value_parser = ["network", "device"], value_name = "WHAT")]
    count_reporters_by: String,
    /// A proxy or CDN address (or range, 10.0.0.0/8) whose X-Forwarded-For is believed;
    /// repeat for several. Without it the header is ignored
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    trusted_proxies: Vec<Cidr>,
    /// Seconds a client has to send a request's headers (and that an idle keep-alive
    /// connection stays open)
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    header_timeout: f64,
    /// Seconds a request, body included, has to be answered (408 after)
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    request_timeout: f64,
    /// Connections open at once (more wait in the listen queue)
    #[arg(long, default_value_t = 2048, value_name = "N")]
    max_connections: usize,
    /// Connections open at once from one address (trusted proxies exempt)
    #[arg(long, default_value_t = 64, value_name = "N")]
    max_connections_per_ip: usize,
    /// Log lines on standard error as text or JSON (one object per line); RUST_LOG filters
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the public key (64 hex digits) phones pin, creating the key pair if needed
    Pubkey,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    let key = keys::load_or_create(&keys::key_path(&cli.db))?;
    if let Some(Command::Pubkey) = cli.command {
        println!("{}", keys::public_hex(&key));
        return Ok(());
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let logs = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if cli.log_format == "json" {
        logs.json().init();
    } else {
        logs.init();
    }
    if !(cli.publish_interval > 0.0 && cli.half_life_days >= 0.0 && cli.list_threshold > 0.0) {
        return Err("--publish-interval and --list-threshold must be positive, --half-life-days not negative".into());
    }
    let positive = |x: f64| x.is_finite() && x > 0.0 && x < 1e9;
    if !(positive(cli.header_timeout) && positive(cli.request_timeout)) {
        return Err("--header-timeout and --request-timeout must be positive".into());
    }
    let secs = |what: &str, x: f64| -> Result<i64, String> {
        if x.is_finite() && (0.0..1e12).contains(&x) {
            Ok(x.ceil() as i64)
        } else {
            Err(format!("{what} must be a number of days or seconds, not negative"))
        }
    };
    let retention = Retention::new(
        match cli.keep_deltas_secs {
            Some(s) => secs("--keep-deltas-secs", s)?,
            None => secs("--keep-deltas-days", cli.keep_deltas_days * 86_400.0)?,
        },
        secs("--keep-keys-days", cli.keep_keys_days * 86_400.0)?,
        secs("--prune-interval", cli.prune_interval)?,
    );
    let open = || -> Result<Box<dyn Storage>, String> {
        Ok(match &cli.postgres {
            Some(url) => Box::new(Postgres::connect(url).map_err(|e| format!("PostgreSQL: {e}"))?),
            None => Box::new(Sqlite::open(&cli.db).map_err(|e| format!("{}: {e}", cli.db.display()))?),
        })
    };
    let mut storage = open()?;
    // A second connection for the publisher's long reads and for lookups (publish.rs).
    let reader = open()?;
    let salt = match storage.meta("lookup_salt").map_err(|e| e.to_string())?.and_then(|s| wire::unhex(&s)) {
        Some(s) => s,
        None => {
            let mut s = vec![0u8; 16];
            getrandom::fill(&mut s).map_err(|e| e.to_string())?;
            storage.set_meta("lookup_salt", &wire::hex(&s)).map_err(|e| e.to_string())?;
            s
        }
    };
    // The key of the origin hash: a secret, so stored origins cannot be matched with
    // addresses by anyone without it.
    let origin_secret = match storage.meta("origin_secret").map_err(|e| e.to_string())?.and_then(|s| wire::unhex(&s)) {
        Some(s) => s,
        None => {
            let mut s = vec![0u8; 32];
            getrandom::fill(&mut s).map_err(|e| e.to_string())?;
            storage.set_meta("origin_secret", &wire::hex(&s)).map_err(|e| e.to_string())?;
            s
        }
    };
    let dir = cli.publish_dir.clone().unwrap_or_else(|| {
        cli.db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(|p| p.join("publish"))
            .unwrap_or_else(|| "publish".into())
    });
    let rules = Rules {
        min_reporters: cli.min_reporters.max(1),
        list_threshold: cli.list_threshold,
        min_confidence: cli.min_confidence,
        half_life_secs: cli.half_life_days * 86_400.0,
        ranges: RangeRules { min10: cli.range10_min, min100: cli.range100_min },
    };
    let publisher = Arc::new(Publisher {
        storage: Arc::new(Mutex::new(storage)),
        reader: Arc::new(Mutex::new(reader)),
        key: Arc::new(key),
        dir,
        rules,
        snapshot_every: cli.snapshot_every,
        salt,
        oldest_delta: Default::default(),
        retention,
    });
    publisher.start(api::now())?;
    let origins = Arc::new(OriginPolicy {
        v4_prefix: cli.origin_v4_prefix,
        v6_prefix: cli.origin_v6_prefix,
        trusted: cli.trusted_proxies.clone(),
        secret: origin_secret,
    });
    let state = Arc::new(AppState {
        publisher: publisher.clone(),
        limits: api::Limits {
            device: Buckets::new(cli.rate_burst, cli.rate_per_minute),
            origin: Buckets::new(cli.origin_burst, cli.origin_per_minute),
            new_devices: Buckets::with_rate(cli.new_devices_burst, f64::from(cli.new_devices_per_hour) / 3600.0),
            lookups: Buckets::new(cli.lookup_burst, cli.lookups_per_minute),
        },
        origins: origins.clone(),
        count_by_device: cli.count_reporters_by == "device",
        request_timeout: Duration::from_secs_f64(cli.request_timeout),
    });
    let serve_limits = ringfence_server::serve::Limits {
        header_timeout: Duration::from_secs_f64(cli.header_timeout),
        max_connections: cli.max_connections,
        max_connections_per_ip: cli.max_connections_per_ip.max(1),
        max_header_bytes: 32 * 1024,
    };

    let rt = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&cli.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", cli.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        println!("ringfence-server listening on http://{addr}");
        println!("public key: {}", keys::public_hex(&publisher.key));
        println!("publishing to {}", publisher.dir.display());
        let _ = std::io::stdout().flush();
        tracing::info!(%addr, db = %cli.db.display(), "started");

        let every = Duration::from_secs_f64(cli.publish_interval);
        let p = publisher.clone();
        let publishing = tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let p = p.clone();
                // Retention runs in the same task, after the publication: never during one.
                let run = tokio::task::spawn_blocking(move || {
                    let now = api::now();
                    (p.publish(now), p.prune_if_due(now))
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
        });
        ringfence_server::serve::serve(
            listener,
            api::router(state),
            serve_limits,
            origins,
            shutdown(),
            Duration::from_secs(5),
        )
        .await;
        publishing.abort();
        tracing::info!("stopped");
        Ok::<(), String>(())
    })
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
