//! The command-line contract. Other tools and the tests rely on it: change it with care.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "ringfence",
    version,
    about = "Screen incoming calls: block and allow lists, community spam data, number-plan heuristics"
)]
pub struct Cli {
    /// Database file [default: $RINGFENCE_DB, else the platform data directory]
    #[arg(long, global = true, env = "RINGFENCE_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Home region (ISO code) for numbers in national form [default: $RINGFENCE_REGION,
    /// else the locale, else US]
    #[arg(long, global = true, env = "RINGFENCE_REGION", value_name = "CC")]
    pub region: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Decide what to do with calls from these numbers
    Check(Check),
    /// Repair a damaged database: move it aside and carry the user's lists, reports,
    /// history and settings over into a fresh one (a healthy file is left as it is)
    Recover,
    /// Why: every step of the decision for one call, what each saw and which decided
    Explain(Explain),
    /// Back up or restore every user setting (rules, contacts, policy, pause, reports
    /// not yet uploaded) as one JSON document
    Backup {
        #[command(subcommand)]
        command: BackupCommand,
    },
    /// Manage the block list (numbers, or prefixes ending in *)
    Block {
        #[command(subcommand)]
        command: ListCommand,
    },
    /// Manage the allow list (numbers, or prefixes ending in *)
    Allow {
        #[command(subcommand)]
        command: ListCommand,
    },
    /// Manage contacts (always allowed)
    Contact {
        #[command(subcommand)]
        command: ContactCommand,
    },
    /// Pause screening: every call rings (and is still recorded) until the pause ends by
    /// itself. `pause --for 1h` starts one, `pause off` ends it, `pause` shows it
    Pause {
        /// `off`: end the pause now
        #[arg(value_enum)]
        off: Option<PauseOff>,
        /// How long: a number and a unit, such as 90m, 2h, 3d
        #[arg(long = "for", value_name = "DURATION", value_parser = crate::time::parse_duration, conflicts_with = "off")]
        duration: Option<i64>,
        #[arg(long)]
        json: bool,
    },
    /// Show or change the screening policy
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Report a number as spam (or, with --not-spam, as fine); uploads on the next sync
    Report {
        number: String,
        /// scam, telemarketing, robocall, survey, debt_collection, representative, ...
        #[arg(long, required_unless_present = "not_spam")]
        category: Option<String>,
        #[arg(long)]
        comment: Option<String>,
        /// The number is not spam (undoes a community listing on this phone)
        #[arg(long, conflicts_with = "category")]
        not_spam: bool,
    },
    /// Tell the engine you made a call: after an emergency number, every call rings for
    /// the policy's emergency.callback-minutes
    CallOut {
        number: String,
        /// When: RFC 3339 with an offset, or Unix seconds [default: now]
        #[arg(long, value_name = "TIME", value_parser = crate::time::parse)]
        at: Option<i64>,
        /// The region of the network the phone is on while roaming
        #[arg(long, value_name = "CC")]
        network_region: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Import a spam list into the local community store
    Import {
        /// The list's format
        #[arg(long, value_enum, ignore_case = true)]
        format: ImportFormat,
        /// The file, or - for standard input
        file: PathBuf,
    },
    /// Export lists for other systems
    Export {
        #[command(subcommand)]
        command: DirectoryCommand,
    },
    /// Screened calls, newest first
    History {
        #[arg(long)]
        json: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Counts of screened calls by action and category, and list sizes
    Stats {
        #[arg(long)]
        json: bool,
    },
    /// Upload your reports and update the community database from a server
    Sync(Sync),
    /// Ask a community server about one number without telling it the number
    Lookup {
        number: String,
        #[command(flatten)]
        server: Server,
        #[arg(long)]
        json: bool,
    },
    /// Tell a community server that a listed number is not spam (as a user who knows it):
    /// the server holds the listing for its operator's review, and phones only warn for it
    /// meanwhile
    Dispute(Dispute),
}

#[derive(Args)]
pub struct Dispute {
    pub number: String,
    /// Why the number is not spam (at most 1,000 characters; only the operator sees it)
    #[arg(long, value_name = "TEXT")]
    pub reason: String,
    /// How the operator can reach you (e-mail or phone; only the operator sees it)
    #[arg(long, value_name = "TEXT")]
    pub contact: Option<String>,
    #[command(flatten)]
    pub server: Server,
    /// The dispute's state as one JSON object
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct Server {
    /// The community server, e.g. https://ringfence.example.org [env: RINGFENCE_SERVER]
    #[arg(long, env = "RINGFENCE_SERVER", value_name = "URL")]
    pub server: String,
    /// Pin this server key (64 hex digits, from `ringfence-server pubkey`); without it
    /// the key seen on first use is pinned
    #[arg(long, value_name = "PUBKEY")]
    pub key: Option<String>,
    /// Seconds the whole command may take, first connection to last byte (retries
    /// included); it ends by then whatever the server does
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,
}

#[derive(Args)]
pub struct Sync {
    #[command(flatten)]
    pub server: Server,
    /// One JSON object with what was uploaded and applied
    #[arg(long)]
    pub json: bool,
}

#[derive(Args)]
pub struct Check {
    /// One JSON object per line
    #[arg(long)]
    pub json: bool,
    /// Read numbers from a file, one per line (- for standard input)
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Also screen a call with no caller ID
    #[arg(long)]
    pub hidden: bool,
    /// STIR/SHAKEN result of the call: passed, failed or none
    #[arg(long, value_name = "STATUS")]
    pub verified: Option<String>,
    /// The caller is in the phone's contacts
    #[arg(long)]
    pub contact: bool,
    /// Keep the decisions in the history
    #[arg(long)]
    pub record: bool,
    /// When the call came: RFC 3339 with an offset (2026-12-02T22:30:00+09:00), whose
    /// offset is the phone's local time for time windows, or Unix seconds (windows in
    /// UTC) [default: now, windows in UTC]
    #[arg(long, value_name = "TIME", value_parser = crate::time::parse_at)]
    pub at: Option<crate::time::At>,
    /// The SIM or subscription the call came in on: rules for that SIM match too
    #[arg(long, value_name = "ID")]
    pub sim: Option<String>,
    /// The region of the network the phone is on while roaming: its emergency numbers
    /// ring too
    #[arg(long, value_name = "CC")]
    pub network_region: Option<String>,
    pub numbers: Vec<String>,
}

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Write the backup document
    Export {
        /// Write to a file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Restore a backup document in one transaction (nothing changes if any of it is bad)
    Import {
        /// The document, or - for standard input
        file: PathBuf,
        /// Add to the rules, contacts and settings there are (the default)
        #[arg(long, conflicts_with = "replace")]
        merge: bool,
        /// Replace the rules, contacts, policy and pause with the backup's
        #[arg(long)]
        replace: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Args)]
pub struct Explain {
    /// One JSON object
    #[arg(long)]
    pub json: bool,
    /// STIR/SHAKEN result of the call: passed, failed or none
    #[arg(long, value_name = "STATUS")]
    pub verified: Option<String>,
    /// The caller is in the phone's contacts
    #[arg(long)]
    pub contact: bool,
    /// When the call came, as for `check --at`
    #[arg(long, value_name = "TIME", value_parser = crate::time::parse_at)]
    pub at: Option<crate::time::At>,
    /// The SIM the call came in on, as for `check --sim`
    #[arg(long, value_name = "ID")]
    pub sim: Option<String>,
    /// The region of the network the phone is on while roaming
    #[arg(long, value_name = "CC")]
    pub network_region: Option<String>,
    /// The caller ID as received ("" for a hidden caller)
    pub number: String,
}

#[derive(Subcommand)]
pub enum ListCommand {
    /// Add a number or prefix (e.g. +8270* or 1588*), for good or for a while
    Add {
        pattern: String,
        #[arg(long)]
        label: Option<String>,
        /// The rule ends after this long: a number and a unit, such as 90m, 2h, 3d
        #[arg(long = "for", value_name = "DURATION", value_parser = crate::time::parse_duration)]
        duration: Option<i64>,
        /// The rule ends at this time: RFC 3339 with an offset, Unix seconds, or a date
        /// (2026-12-31: the end of that day in UTC)
        #[arg(long, value_name = "TIME", value_parser = crate::time::parse_until, conflicts_with = "duration")]
        until: Option<i64>,
        /// Only in these hours of the phone's local time, e.g. 22:00-07:00 (across
        /// midnight: the night belongs to the day it starts on)
        #[arg(long, value_name = "HH:MM-HH:MM")]
        between: Option<String>,
        /// Only on these days: mon-fri, sat,sun, mon,wed-fri, daily
        #[arg(long, value_name = "DAYS")]
        days: Option<String>,
        /// Only for calls on this SIM or subscription (`check --sim ID`)
        #[arg(long, value_name = "ID")]
        sim: Option<String>,
    },
    /// Remove a number or prefix
    Remove { pattern: String },
    /// List the entries
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum ContactCommand {
    Add { number: String },
    Remove { number: String },
}

#[derive(Subcommand)]
pub enum PolicyCommand {
    /// Every setting and its value
    Show {
        #[arg(long)]
        json: bool,
    },
    /// Change a setting, e.g. `category.representative block`, `hidden block`,
    /// `own-number +821012345678`, `threshold.block 4`
    Set { key: String, value: String },
}

#[derive(Subcommand)]
pub enum DirectoryCommand {
    /// iOS Call Directory list: ascending E.164 digits without +, one per line
    CallDirectory {
        /// Write to a file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The identification list (`digits,label`) instead of the blocking list
        #[arg(long)]
        labels: bool,
    },
}

/// `pause off`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PauseOff {
    Off,
}

/// `import --format`: the spam-list formats the core reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// The FTC's Do-Not-Call complaint numbers (US)
    Ftc,
    /// A PhoneBlock blocklist snapshot: phone,votes,lastActivity
    #[value(name = "phoneblock")]
    PhoneBlock,
    /// A plain list: number,category[,votes]
    Csv,
}

impl From<ImportFormat> for ringfence_core::Format {
    fn from(f: ImportFormat) -> Self {
        match f {
            ImportFormat::Ftc => ringfence_core::Format::Ftc,
            ImportFormat::PhoneBlock => ringfence_core::Format::PhoneBlock,
            ImportFormat::Csv => ringfence_core::Format::Csv,
        }
    }
}
