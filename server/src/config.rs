//! The command line (`ringfence-server --help`) and what it becomes: `Cli` is the flags
//! as clap reads them, `Config` the checked values the server starts with. Every check
//! of a flag's value is here (`Config::from_cli`); the flags are a contract (tests/e2e
//! and deployments use them).

use crate::error::ConfigError;
use crate::keys;
use crate::limit::Buckets;
use crate::origin::Cidr;
use crate::publish;
use crate::retention::Retention;
use crate::rules::{self, DeviceRules, RangeRules, Rules};
use crate::serve;
use crate::state::{CountBy, Limits};
use clap::{Parser, Subcommand, ValueEnum};
use ipnet::IpNet;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

#[derive(Parser)]
#[command(name = "ringfence-server", version, about = "The ringfence community spam-number service")]
pub struct Cli {
    /// SQLite database file (created on first use); the key pair lives beside it in PATH.key
    #[arg(long, global = true, default_value = "ringfence-server.db", value_name = "PATH")]
    pub db: PathBuf,
    /// Keep votes in this PostgreSQL database instead of the SQLite file
    /// (`postgres://user:password@host/dbname`); the key pair still lives in DB.key
    #[arg(long, value_name = "URL", env = "RINGFENCE_SERVER_POSTGRES")]
    pub postgres: Option<String>,
    /// Address to listen on (port 0: any free port; the chosen one is printed)
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: String,
    /// Where snapshots, deltas and the manifest are written [default: DB's directory/publish]
    #[arg(long, value_name = "DIR")]
    pub publish_dir: Option<PathBuf>,
    /// Seconds between publications
    #[arg(long, default_value_t = 2.0, value_name = "SECS")]
    pub publish_interval: f64,
    /// Independent spam reporters a number needs before it is listed: distinct origin
    /// networks (see --origin-v4-prefix), however many devices report from each
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub min_reporters: u32,
    /// Spam evidence (votes, decayed, each network at most one) a listed number must keep
    #[arg(long, default_value_t = 2.0, value_name = "SCORE")]
    pub list_threshold: f64,
    /// Lowest Wilson lower bound (95 %) of the spam share of votes ("not spam" lowers it)
    #[arg(long, default_value_t = 0.3, value_name = "P")]
    pub min_confidence: f64,
    /// The score at which phones block (their threshold.block): a number is published at
    /// or above it only with that much evidence and --block-confidence; otherwise just
    /// below it, so phones warn
    #[arg(long, default_value_t = 5.0, value_name = "SCORE")]
    pub block_score: f64,
    /// Lowest Wilson lower bound (95 %) of the spam share that lets phones block a number
    #[arg(long, default_value_t = 0.5, value_name = "P")]
    pub block_confidence: f64,
    /// What a vote of a device the server has just met weighs (1: all devices alike)
    /// [default: 0.1, or 1 with --count-reporters-by device]
    #[arg(long, value_name = "W")]
    pub new_device_weight: Option<f64>,
    /// Days of age after which a device's votes weigh fully
    #[arg(long, default_value_t = 30.0, value_name = "DAYS")]
    pub device_maturity_days: f64,
    /// Reports of a device that got listed (confirmed by others) that weigh as much as
    /// --device-maturity-days of age (0: age only)
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub device_confirmations: u32,
    /// Votes lose half their weight after this many days (0: never)
    #[arg(long, default_value_t = 125.0, value_name = "DAYS")]
    pub half_life_days: f64,
    /// A block of ten consecutive numbers (+82 70-1234-567x) is a spam range when at least N
    /// of them are listed; its other numbers are then published too, with the members' most
    /// frequent category and the range's strength as score (the N-th strongest member's,
    /// at least --list-threshold).
    /// 0: no ranges
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub range10_min: u32,
    /// A block of a hundred is a spam range, all of it published, when at least N of its
    /// blocks of ten are (0: ranges of ten only)
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub range100_min: u32,
    /// A range's numbers that nobody reported are published below --block-score (phones
    /// warn) unless at least N members of their own ten are blocked themselves
    /// (0: never blocked)
    #[arg(long, default_value_t = 8, value_name = "N")]
    pub range_block_min: u32,
    /// Write a full snapshot every N versions
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub snapshot_every: u64,
    /// Delete the delta files of versions published more than DAYS ago, once a snapshot
    /// covers them (phones further behind download the snapshot); 0: keep forever
    #[arg(long, default_value_t = 30.0, value_name = "DAYS")]
    pub keep_deltas_days: f64,
    /// --keep-deltas-days in seconds, overriding it (for tests)
    #[arg(long, value_name = "SECS")]
    pub keep_deltas_secs: Option<f64>,
    /// Forget report idempotency keys older than DAYS (a report re-sent after that counts
    /// again, as the same vote: never twice); 0: keep forever
    #[arg(long, default_value_t = 90.0, value_name = "DAYS")]
    pub keep_keys_days: f64,
    /// Seconds between retention runs (one also runs at start); a delta file is deleted
    /// a run after the manifest stopped naming it
    #[arg(long, default_value_t = 3600.0, value_name = "SECS")]
    pub prune_interval: f64,
    /// Reports a device may send at once
    #[arg(long, default_value_t = 500, value_name = "N")]
    pub rate_burst: u32,
    /// Reports a device may send per minute, sustained
    #[arg(long, default_value_t = 60, value_name = "N")]
    pub rate_per_minute: u32,
    /// Reports one origin network may send at once, whatever its devices
    #[arg(long, default_value_t = 5000, value_name = "N")]
    pub origin_burst: u32,
    /// Reports one origin network may send per minute, sustained
    #[arg(long, default_value_t = 1000, value_name = "N")]
    pub origin_per_minute: u32,
    /// New devices one origin network may introduce at once
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub new_devices_burst: u32,
    /// New devices one origin network may introduce per hour, sustained
    #[arg(long, default_value_t = 50, value_name = "N")]
    pub new_devices_per_hour: u32,
    /// Private lookups one origin network may make at once
    #[arg(long, default_value_t = 600, value_name = "N")]
    pub lookup_burst: u32,
    /// Private lookups one origin network may make per minute, sustained
    #[arg(long, default_value_t = 600, value_name = "N")]
    pub lookups_per_minute: u32,
    /// Disputes one origin network may file at once (the API and the public page together)
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub dispute_burst: u32,
    /// Disputes one origin network may file per hour, sustained
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub disputes_per_hour: u32,
    /// Prefix length of an IPv4 origin network: one reporter per number per network
    #[arg(long, default_value_t = 24, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=32))]
    pub origin_v4_prefix: u8,
    /// Prefix length of an IPv6 origin network
    #[arg(long, default_value_t = 48, value_name = "BITS", value_parser = clap::value_parser!(u8).range(0..=128))]
    pub origin_v6_prefix: u8,
    /// What makes reporters independent: their networks (the Sybil defence), or only their
    /// device ids (for closed deployments and tests where every phone shares one address;
    /// anyone can then mint reporters). The per-network budgets apply either way
    #[arg(long, value_enum, default_value_t = CountBy::Network, value_name = "WHAT")]
    pub count_reporters_by: CountBy,
    /// A proxy or CDN address (or range, 10.0.0.0/8) whose X-Forwarded-For is believed;
    /// repeat for several. Without it the header is ignored. A range wider than an IPv4 /8
    /// (IPv6 /32) is warned of; every address (0.0.0.0/0, ::/0) needs
    /// --allow-any-trusted-proxy
    #[arg(long = "trusted-proxy", value_name = "CIDR")]
    pub trusted_proxies: Vec<Cidr>,
    /// Confirms a --trusted-proxy of 0.0.0.0/0 or ::/0: every client may then choose its
    /// origin network by writing X-Forwarded-For (only behind a proxy that overwrites it)
    #[arg(long)]
    pub allow_any_trusted_proxy: bool,
    /// Seconds a client has to send a request's headers (and that an idle keep-alive
    /// connection stays open)
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub header_timeout: f64,
    /// Seconds a request, body included, has to be answered (408 after)
    #[arg(long, default_value_t = 30.0, value_name = "SECS")]
    pub request_timeout: f64,
    /// Connections open at once (more wait in the listen queue)
    #[arg(long, default_value_t = 2048, value_name = "N")]
    pub max_connections: usize,
    /// Connections open at once from one origin network (an IPv4 /24, an IPv6 /48: see
    /// --origin-v4-prefix), whatever its addresses
    #[arg(long, alias = "max-connections-per-ip", default_value_t = 64, value_name = "N")]
    pub max_connections_per_network: usize,
    /// Connections open at once from one network of trusted proxies (--trusted-proxy),
    /// which carry many clients each
    #[arg(long, default_value_t = 1024, value_name = "N")]
    pub max_connections_per_proxy: usize,
    /// Server processes sharing the database (--postgres) behind one address: each keeps
    /// 1/N of every per-device and per-network budget above (bursts rounded up), so the
    /// budgets hold in all (see README, "Several processes")
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub processes: u32,
    /// Log lines on standard error as text or JSON (one object per line); RUST_LOG filters
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Print the public key (64 hex digits) phones pin, creating the key pair if needed
    Pubkey,
    /// Review disputed listings: list, show, resolve, and the audit log (`disputes --help`)
    Disputes(crate::review::DisputesArgs),
}

/// How log lines are written on standard error.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum LogFormat {
    Text,
    /// One JSON object per line.
    Json,
}

/// What the server starts with: the flags, checked and in the units the modules use.
pub struct Config {
    pub db: PathBuf,
    pub postgres: Option<String>,
    pub listen: String,
    pub publish: publish::Settings,
    pub publish_interval: Duration,
    pub retention: Retention,
    pub limits: Limits,
    pub origin_v4_prefix: u8,
    pub origin_v6_prefix: u8,
    pub trusted_proxies: Vec<Cidr>,
    pub count_by: CountBy,
    pub request_timeout: Duration,
    pub serve: serve::Limits,
    /// Set-ups that start but deserve a loud word (`main.rs` prints them).
    pub warnings: Vec<String>,
}

impl Config {
    /// Checks the flags' values against each other and converts them.
    pub fn from_cli(cli: Cli) -> Result<Config, ConfigError> {
        if !(cli.publish_interval > 0.0 && cli.half_life_days >= 0.0 && cli.list_threshold > 0.0) {
            return Err(ConfigError::Publication);
        }
        let blocking_above_warning =
            cli.block_score.is_finite() && rules::warn_cap(cli.block_score) >= cli.list_threshold;
        let weight = (0.0..=1.0).contains(&cli.new_device_weight.unwrap_or(0.0));
        let maturity = cli.device_maturity_days.is_finite() && cli.device_maturity_days >= 0.0;
        if !(blocking_above_warning && weight && maturity) {
            return Err(ConfigError::Evidence);
        }
        let publish_interval =
            Duration::try_from_secs_f64(cli.publish_interval).map_err(|_| ConfigError::Publication)?;
        let positive = |x: f64| x.is_finite() && x > 0.0 && x < 1e9;
        if !(positive(cli.header_timeout) && positive(cli.request_timeout)) {
            return Err(ConfigError::Timeouts);
        }
        let secs = |flag: &'static str, x: f64| -> Result<i64, ConfigError> {
            if x.is_finite() && (0.0..1e12).contains(&x) {
                Ok(x.ceil() as i64)
            } else {
                Err(ConfigError::Duration(flag))
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
        let dir = cli.publish_dir.clone().unwrap_or_else(|| {
            cli.db
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(|p| p.join("publish"))
                .unwrap_or_else(|| "publish".into())
        });
        refuse_publishing_secrets(&dir, &cli.db, cli.postgres.is_some())?;
        // Budgets live in each process's memory: with N processes behind one address, each
        // keeps 1/N of every budget, so that a client spread over all of them gets the
        // flag's budget in all, and one that reaches a single process gets 1/N of it.
        let processes = cli.processes.max(1);
        let warnings = check_trusted_proxies(&cli.trusted_proxies, cli.allow_any_trusted_proxy)?;
        let rules = Rules {
            min_reporters: cli.min_reporters.max(1),
            list_threshold: cli.list_threshold,
            min_confidence: cli.min_confidence,
            block_score: cli.block_score,
            block_confidence: cli.block_confidence,
            half_life_secs: cli.half_life_days * 86_400.0,
            devices: DeviceRules {
                new_weight: cli.new_device_weight.unwrap_or(match cli.count_reporters_by {
                    CountBy::Network => DeviceRules::RECOMMENDED.new_weight,
                    CountBy::Device => 1.0,
                }),
                maturity_secs: cli.device_maturity_days * 86_400.0,
                confirmations: cli.device_confirmations,
            },
            ranges: RangeRules {
                min10: cli.range10_min,
                min100: cli.range100_min,
                block10: cli.range_block_min,
                block_score: cli.block_score,
            },
        };
        Ok(Config {
            publish: publish::Settings { dir, rules, snapshot_every: cli.snapshot_every },
            publish_interval,
            retention,
            limits: Limits {
                device: Buckets::shared(processes, cli.rate_burst, f64::from(cli.rate_per_minute) / 60.0),
                origin: Buckets::shared(processes, cli.origin_burst, f64::from(cli.origin_per_minute) / 60.0),
                new_devices: Buckets::shared(
                    processes,
                    cli.new_devices_burst,
                    f64::from(cli.new_devices_per_hour) / 3600.0,
                ),
                lookups: Buckets::shared(processes, cli.lookup_burst, f64::from(cli.lookups_per_minute) / 60.0),
                disputes: Buckets::shared(processes, cli.dispute_burst, f64::from(cli.disputes_per_hour) / 3600.0),
            },
            origin_v4_prefix: cli.origin_v4_prefix,
            origin_v6_prefix: cli.origin_v6_prefix,
            trusted_proxies: cli.trusted_proxies,
            count_by: cli.count_reporters_by,
            request_timeout: Duration::from_secs_f64(cli.request_timeout),
            serve: serve::Limits {
                header_timeout: Duration::from_secs_f64(cli.header_timeout),
                max_connections: cli.max_connections,
                max_connections_per_network: cli.max_connections_per_network.max(1),
                max_connections_per_proxy: cli.max_connections_per_proxy.max(1),
                max_header_bytes: 32 * 1024,
            },
            db: cli.db,
            postgres: cli.postgres,
            listen: cli.listen,
            warnings,
        })
    }
}

/// The publish folder is served to anyone (`/v1/data`): it must not hold the database
/// (votes, device ids, the origin secret) or the signing key, at any depth. With
/// PostgreSQL the key still lives beside `--db`.
fn refuse_publishing_secrets(dir: &Path, db: &Path, postgres: bool) -> Result<(), ConfigError> {
    let served = resolved(dir);
    let sqlite = (!postgres).then(|| db.to_path_buf());
    for secret in sqlite.into_iter().chain([keys::key_path(db)]) {
        if resolved(&secret).starts_with(&served) {
            return Err(ConfigError::PublishesSecrets { dir: dir.to_path_buf(), secret });
        }
    }
    Ok(())
}

/// `path` made absolute, with `.`, `..` and symbolic links resolved as far as it exists
/// (the publish folder and the database may not exist yet).
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            let mut out = real;
            for part in rest.iter().rev() {
                match part {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other),
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

/// Refuses a trusted proxy range of every address unless confirmed; the wide ones (more
/// than an IPv4 /8, an IPv6 /32) become warnings.
fn check_trusted_proxies(trusted: &[Cidr], confirmed: bool) -> Result<Vec<String>, ConfigError> {
    let mut warnings = Vec::new();
    for c in trusted {
        let (len, wide) = match c.net() {
            IpNet::V4(n) => (n.prefix_len(), 8),
            IpNet::V6(n) => (n.prefix_len(), 32),
        };
        if len == 0 && !confirmed {
            return Err(ConfigError::TrustsEveryone(c.to_string()));
        }
        if len < wide {
            warnings.push(format!(
                "--trusted-proxy {c} trusts {} addresses: any client among them can choose its origin \
                 network (the Sybil defence) by writing X-Forwarded-For",
                if len == 0 { "all" } else { "very many" }
            ));
        }
    }
    Ok(warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(args: &[&str]) -> Result<Config, ConfigError> {
        Config::from_cli(Cli::try_parse_from([&["ringfence-server"][..], args].concat()).unwrap())
    }

    #[test]
    fn defaults() {
        let c = config(&["--db", "srv/x.db"]).unwrap();
        assert_eq!(c.publish.dir, PathBuf::from("srv/publish"));
        assert_eq!(c.publish.rules, Rules { devices: DeviceRules::RECOMMENDED, ..Rules::default() });
        let trial = config(&["--count-reporters-by", "device"]).unwrap();
        assert_eq!(trial.publish.rules.devices.new_weight, 1.0, "a trial's phones are all new");
        assert_eq!(c.publish_interval, Duration::from_secs(2));
        assert_eq!((c.retention.keep_deltas_secs, c.retention.keep_keys_secs), (30 * 86_400, 90 * 86_400));
        assert_eq!(c.count_by, CountBy::Network);
        assert_eq!(config(&[]).unwrap().publish.dir, PathBuf::from("publish"));
    }

    #[test]
    fn flag_values() {
        let c =
            config(&["--count-reporters-by", "device", "--keep-deltas-secs", "1.5", "--min-reporters", "0"]).unwrap();
        assert_eq!((c.count_by, c.retention.keep_deltas_secs, c.publish.rules.min_reporters), (CountBy::Device, 2, 1));
        let cli = Cli::try_parse_from(["ringfence-server", "--log-format", "json"]).unwrap();
        assert_eq!(cli.log_format, LogFormat::Json);
        for bad in [["--log-format", "xml"], ["--count-reporters-by", "ip"], ["--origin-v4-prefix", "33"]] {
            assert!(Cli::try_parse_from([&["ringfence-server"][..], &bad[..]].concat()).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_publish_folder_may_not_hold_the_database_or_key_by_any_path() {
        let dir = tempfile::tempdir().unwrap();
        let srv = dir.path().join("srv");
        std::fs::create_dir_all(&srv).unwrap();
        std::os::unix::fs::symlink(&srv, dir.path().join("link")).unwrap();
        let db = srv.join("x.db");
        let db = db.to_str().unwrap();
        for publish in
            [srv.clone(), dir.path().to_path_buf(), dir.path().join("link"), dir.path().join("link/../srv/./")]
        {
            let err = config(&["--db", db, "--publish-dir", publish.to_str().unwrap()]).err();
            assert!(matches!(err, Some(ConfigError::PublishesSecrets { .. })), "{publish:?}: {err:?}");
        }
        for fine in [srv.join("publish"), dir.path().join("link/publish"), dir.path().join("srv2")] {
            assert!(config(&["--db", db, "--publish-dir", fine.to_str().unwrap()]).is_ok(), "{fine:?}");
        }
    }

    #[test]
    fn trusted_proxy_ranges_every_address_is_refused_wide_ones_warn() {
        for everyone in ["0.0.0.0/0", "::/0", "::ffff:0.0.0.0/0"] {
            let err = config(&["--trusted-proxy", everyone]).err();
            assert!(matches!(err, Some(ConfigError::TrustsEveryone(_))), "{everyone}: {err:?}");
            let c = config(&["--trusted-proxy", everyone, "--allow-any-trusted-proxy"]).unwrap();
            assert_eq!(c.warnings.len(), 1, "{everyone}");
        }
        for (range, warns) in
            [("10.0.0.0/7", true), ("10.0.0.0/8", false), ("2001:db8::/31", true), ("2001:db8::/32", false)]
        {
            let c = config(&["--trusted-proxy", range]).unwrap();
            assert_eq!(c.warnings.len(), usize::from(warns), "{range}: {:?}", c.warnings);
        }
    }

    /// N processes keep 1/N of each budget: 3 processes of a burst of 10 keep 4 each (12
    /// in all at most), and refill at a third of the rate.
    #[test]
    fn budgets_are_shared_by_the_processes() {
        let c = config(&["--processes", "3", "--rate-burst", "10", "--rate-per-minute", "60"]).unwrap();
        let device = "d".to_string();
        assert!(c.limits.device.take(&device, 4).is_ok());
        assert!(c.limits.device.take(&device, 1).is_err(), "a third of the burst, rounded up");
        assert_eq!(c.limits.device.take(&device, 1), Err(3), "60 a minute in all: one every 3 s here");
        let one = config(&["--rate-burst", "10"]).unwrap();
        assert!(one.limits.device.take(&device, 10).is_ok());
    }

    #[test]
    fn values_that_make_no_sense_are_refused() {
        assert_eq!(config(&["--publish-interval", "0"]).err(), Some(ConfigError::Publication));
        assert_eq!(config(&["--publish-interval", "inf"]).err(), Some(ConfigError::Publication));
        assert_eq!(config(&["--half-life-days=-1"]).err(), Some(ConfigError::Publication));
        assert_eq!(config(&["--request-timeout", "0"]).err(), Some(ConfigError::Timeouts));
        assert_eq!(config(&["--keep-keys-days=-1"]).err(), Some(ConfigError::Duration("--keep-keys-days")));
        assert_eq!(config(&["--block-score", "2"]).err(), Some(ConfigError::Evidence), "blocking below warning");
        assert_eq!(config(&["--new-device-weight", "1.5"]).err(), Some(ConfigError::Evidence));
        let err = config(&["--prune-interval", "NaN"]).err().unwrap().to_string();
        assert_eq!(err, "--prune-interval must be a number of days or seconds, not negative");
    }
}
