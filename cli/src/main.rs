//! `ringfence`: the call-screening engine on a desktop. A thin layer over
//! ringfence-core: argument parsing, terminal output, files. No logic of its own.

mod args;
mod dispute;
mod render;
mod sync;
mod time;

use args::{Cli, Command, DirectoryCommand, ListCommand, PolicyCommand};
use clap::Parser;
use indicatif::{ProgressBar, ProgressStyle};
use ringfence_core::{Call, Caller, Category, DirectoryKind, Error, List, Region, RuleOptions, Screener};
use ringfence_core::{Days, Hours, Window};
use std::io::{self, BufRead, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BrokenPipe) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Engine(e)) => {
            eprintln!("error: {e}");
            if let Some(hint) = hint(&e) {
                eprintln!("hint: {hint}");
            }
            ExitCode::FAILURE
        }
        Err(Failure::Stale(msg)) => {
            eprintln!("warning: {msg}");
            ExitCode::from(3)
        }
    }
}

/// What to do about an error, in this command line's terms (the core's messages name no
/// command: the bindings add their own).
fn hint(e: &Error) -> Option<String> {
    Some(match e {
        Error::UnknownSetting(_) => "`ringfence policy show` lists the settings".into(),
        Error::KeyChanged { offered, .. } => {
            format!("if the operator really changed it, sync once with --key {offered}")
        }
        Error::BadKey(_) => "the key is what `ringfence-server pubkey` prints".into(),
        Error::Corrupt { .. } | Error::Degraded { .. } => {
            "`ringfence recover` moves the file aside and keeps what can still be read".into()
        }
        Error::SchemaTooNew { .. } => "update ringfence".into(),
        _ => return None,
    })
}

enum Failure {
    /// Bad arguments: exit 2, like clap's own usage errors.
    Usage(String),
    Engine(Error),
    /// `sync` applied what it got, but the server's data is older than the stale age: exit 3.
    Stale(String),
    /// The reader of our output went away (`ringfence check ... | head`): not an error.
    BrokenPipe,
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Engine(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Failure::BrokenPipe
        } else {
            Failure::Engine(Error::Io { what: "output".into(), source: e })
        }
    }
}

type Outcome = Result<(), Failure>;

fn run(cli: Cli) -> Outcome {
    let region = home_region(cli.region.as_deref())?;
    let db = database_path(cli.db)?;
    if let Command::Recover = cli.command {
        // Before opening: a damaged file does not open.
        let (_, r) = Screener::recover(&db, region)?;
        let mut out = io::stdout().lock();
        return Ok(render::recovery(&mut out, &db, &r)?);
    }
    let mut s = Screener::open(&db, region)?;
    let out = io::stdout();
    let mut out = BufWriter::new(out.lock());
    match cli.command {
        Command::Recover => {} // done above, before opening
        Command::Check(c) => check(&mut s, c, &mut out)?,
        Command::Explain(e) => explain(&mut s, e, &mut out)?,
        Command::Backup { command } => backup(&mut s, command, &mut out)?,
        Command::Block { command } => list(&mut s, List::Block, command, &mut out)?,
        Command::Allow { command } => list(&mut s, List::Allow, command, &mut out)?,
        Command::Contact { command } => match command {
            args::ContactCommand::Add { number } => {
                let n = s.add_contact(&number)?;
                writeln!(out, "contact {n} added")?;
            }
            args::ContactCommand::Remove { number } => {
                let removed = s.remove_contact(&number)?;
                writeln!(out, "{}", if removed { "contact removed" } else { "no such contact" })?;
            }
        },
        Command::Pause { off, duration, json } => {
            if off.is_some() {
                s.resume()?;
            } else if let Some(secs) = duration {
                s.pause(now() + secs)?;
            }
            render::pause(s.paused_until()?, json, &mut out)?;
        }
        Command::Policy { command } => match command {
            PolicyCommand::Show { json } => render::policy(&s.policy()?, json, &mut out)?,
            PolicyCommand::Set { key, value } => {
                s.set_policy(&key, &value)?;
                writeln!(out, "{key} = {value}")?;
            }
        },
        Command::Report { number, category, comment, not_spam } => {
            let r = if not_spam {
                s.mark_not_spam(&number, comment.as_deref())?
            } else {
                let category: Category = category
                    .as_deref()
                    .unwrap_or("unknown")
                    .parse()
                    .map_err(|e: Error| Failure::Usage(e.to_string()))?;
                s.report(&number, category, comment.as_deref())?
            };
            let what = if r.spam { format!("spam ({})", r.category) } else { "not spam".into() };
            writeln!(out, "reported {} as {what}; it takes effect here now and uploads on the next sync", r.number)?;
        }
        Command::Import { format, file } => {
            let (reader, len) = open_input(&file)?;
            let bar = progress_bar(len);
            let summary = s.import(format.into(), bar.wrap_read(reader))?;
            bar.finish_and_clear();
            render::import_summary(&summary, &mut out)?;
        }
        Command::Export { command: DirectoryCommand::CallDirectory { out: path, labels } } => {
            let kind = if labels { DirectoryKind::Identification } else { DirectoryKind::Blocking };
            let mut dest: Box<dyn Write> = match &path {
                Some(p) => Box::new(BufWriter::new(std::fs::File::create(p).map_err(|e| io_error(p, e))?)),
                None => Box::new(&mut out),
            };
            let mut dir = s.call_directory(kind, None)?;
            let mut n = 0u64;
            for entry in dir.by_ref() {
                let entry = entry?;
                match (labels, &entry.label) {
                    (true, Some(label)) => writeln!(dest, "{},{}", entry.number.digits(), render::csv_field(label))?,
                    _ => writeln!(dest, "{}", entry.number.digits())?,
                }
                n += 1;
            }
            dest.flush()?;
            for (prefix, count) in &dir.skipped_prefixes {
                eprintln!("warning: {prefix} left out: it expands to {count} numbers, more than iOS can hold; use a longer prefix");
            }
            if let Some(p) = path {
                eprintln!("{n} entries written to {}", p.display());
            }
        }
        Command::CallOut { number, at, network_region: net, json } => {
            let call = s.record_outgoing(&number, at, network_region(net.as_deref())?)?;
            render::outgoing(&call, s.policy()?.emergency_callback_minutes, json, &mut out)?;
        }
        Command::History { json, limit } => render::history(&s.history(limit)?, json, &mut out)?,
        Command::Stats { json } => render::stats(&s.stats()?, json, &mut out)?,
        Command::Sync(args) => sync::sync(&mut s, &args, &mut out)?,
        Command::Lookup { number, server, json } => sync::lookup(&mut s, &number, &server, json, &mut out)?,
        Command::Dispute(args) => dispute::dispute(&mut s, &args, &mut out)?,
    }
    out.flush()?;
    Ok(())
}

/// A `--network-region` value; an unknown region is a usage error.
fn network_region(cc: Option<&str>) -> Result<Option<Region>, Failure> {
    cc.map(|cc| cc.parse::<Region>().map_err(|e| Failure::Usage(e.to_string()))).transpose()
}

fn check(s: &mut Screener, c: args::Check, out: &mut impl Write) -> Outcome {
    // A bad --verified value is a usage error (exit 2), like the flags clap checks.
    let verification = c
        .verified
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: Error| Failure::Usage(e.to_string()))?
        .unwrap_or_default();
    let network_region = network_region(c.network_region.as_deref())?;
    let one = |s: &mut Screener, input: &str, out: &mut dyn Write| -> Outcome {
        let call = Call {
            caller_id: input,
            verification,
            is_contact: c.contact,
            at: c.at.map(|a| a.secs),
            network_region,
            utc_offset: c.at.and_then(|a| a.utc_offset),
            sim: c.sim.as_deref(),
        };
        let d = if c.record { s.screen_and_record(&call)? } else { s.screen(&call) };
        let national_only = matches!(s.parse(input), Caller::Number(n) if n.national_only);
        let rule = if c.json { s.deciding_rule(&call, &d) } else { None };
        render::decision(input, &d, national_only, rule.as_ref(), c.json, out)?;
        Ok(())
    };
    if c.hidden {
        one(s, "", out)?;
    }
    for n in &c.numbers {
        one(s, n, out)?;
    }
    if let Some(file) = &c.file {
        let (reader, _) = open_input(file)?;
        for line in io::BufReader::new(reader).lines() {
            let line = line.map_err(|e| io_error(file, e))?;
            one(s, line.trim_end_matches('\r'), out)?;
        }
    }
    if !c.hidden && c.numbers.is_empty() && c.file.is_none() {
        return Err(Failure::Usage("give numbers to check, --file PATH (or - for stdin), or --hidden".into()));
    }
    Ok(())
}

fn backup(s: &mut Screener, command: args::BackupCommand, out: &mut impl Write) -> Outcome {
    match command {
        args::BackupCommand::Export { out: None } => writeln!(out, "{}", s.export_backup()?)?,
        args::BackupCommand::Export { out: Some(path) } => {
            let doc = s.export_backup()?;
            std::fs::write(&path, doc + "\n").map_err(|e| io_error(&path, e))?;
            eprintln!("backup written to {}", path.display());
        }
        args::BackupCommand::Import { file, merge: _, replace, json } => {
            let (reader, _) = open_input(&file)?;
            let mut text = Vec::new();
            // One byte over the limit is enough for the core to refuse it.
            reader
                .take(ringfence_core::BACKUP_MAX_BYTES as u64 + 1)
                .read_to_end(&mut text)
                .map_err(|e| io_error(&file, e))?;
            let mode = if replace { ringfence_core::RestoreMode::Replace } else { ringfence_core::RestoreMode::Merge };
            let r = s.import_backup(&text, mode)?;
            render::restored(&r, json, out)?;
        }
    }
    Ok(())
}

fn explain(s: &mut Screener, e: args::Explain, out: &mut impl Write) -> Outcome {
    let verification = e
        .verified
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: Error| Failure::Usage(e.to_string()))?
        .unwrap_or_default();
    let call = Call {
        caller_id: &e.number,
        verification,
        is_contact: e.contact,
        at: e.at.map(|a| a.secs),
        network_region: network_region(e.network_region.as_deref())?,
        utc_offset: e.at.and_then(|a| a.utc_offset),
        sim: e.sim.as_deref(),
    };
    render::explanation(&s.explain(&call)?, e.json, out)?;
    Ok(())
}

fn list(s: &mut Screener, which: List, command: ListCommand, out: &mut impl Write) -> Outcome {
    match command {
        ListCommand::Add { pattern, label, duration, until, between, days, sim } => {
            let until = until.or(duration.map(|secs| now() + secs));
            if let Some(t) = until.filter(|t| *t <= now()) {
                return Err(Failure::Usage(format!("--until {} is not in the future", render::time(t))));
            }
            let window = window(between.as_deref(), days.as_deref())?;
            let options = RuleOptions { label, until, window, sim };
            let (rule, new) = s.add_rule_with(which, &pattern, &options)?;
            let verb = if new { "added to" } else { "updated in" };
            let mut line = format!("{} {verb} the {which} list", rule.pattern);
            if let Some(w) = rule.window {
                line.push_str(&format!(" ({w})"));
            }
            if let Some(sim) = &rule.sim {
                line.push_str(&format!(" on SIM {sim}"));
            }
            if let Some(t) = rule.until {
                line.push_str(&format!(" until {}", render::time(t)));
            }
            writeln!(out, "{line}")?;
        }
        ListCommand::Remove { pattern } => {
            let removed = s.remove_rule(which, &pattern)?;
            let msg =
                if removed { format!("removed from the {which} list") } else { format!("not on the {which} list") };
            writeln!(out, "{msg}")?;
        }
        ListCommand::List { json } => render::rules(&s.rules(which)?, json, out)?,
    }
    Ok(())
}

/// `--between` and `--days` as a window; bad text is a usage error.
fn window(between: Option<&str>, days: Option<&str>) -> Result<Option<Window>, Failure> {
    if between.is_none() && days.is_none() {
        return Ok(None);
    }
    let hours = between.map(Hours::parse).transpose().map_err(|e| Failure::Usage(format!("--between: {e}")))?;
    let days = days.map(Days::parse).transpose().map_err(|e| Failure::Usage(format!("--days: {e}")))?;
    Ok(Some(Window { days: days.unwrap_or(Days::ALL), hours }))
}

/// Seconds since the Unix epoch.
fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

fn io_error(path: &std::path::Path, e: io::Error) -> Failure {
    Failure::Engine(Error::Io { what: path.display().to_string(), source: e })
}

/// A file, or standard input for `-`, with its length when known.
fn open_input(path: &PathBuf) -> Result<(Box<dyn Read>, Option<u64>), Failure> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(io::stdin().lock()), None));
    }
    let f = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let len = f.metadata().ok().map(|m| m.len());
    Ok((Box::new(f), len))
}

/// A byte-progress bar on a terminal; invisible otherwise (pipes, CI logs, tests).
fn progress_bar(len: Option<u64>) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    match len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        ),
        None => ProgressBar::new_spinner(),
    }
}

/// `--region`, else `$RINGFENCE_REGION` (clap reads it), else the locale, else US.
fn home_region(arg: Option<&str>) -> Result<Region, Failure> {
    if let Some(r) = arg {
        return r.parse().map_err(|e: ringfence_core::number::NumberError| Failure::Usage(e.to_string()));
    }
    let from_locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|k| std::env::var(k).ok())
        .find(|v| !v.is_empty())
        .and_then(|v| region_of_locale(&v));
    Ok(from_locale.unwrap_or(Region::US))
}

/// `ko_KR.UTF-8` -> KR; `C`, `POSIX` or a locale without a territory -> None.
fn region_of_locale(locale: &str) -> Option<Region> {
    let territory = locale.split(['.', '@']).next()?.split(['_', '-']).nth(1)?;
    territory.parse().ok()
}

/// `--db`, else `$RINGFENCE_DB` (clap reads it), else the platform's data directory.
fn database_path(arg: Option<PathBuf>) -> Result<PathBuf, Failure> {
    if let Some(p) = arg {
        return Ok(p);
    }
    let dirs = directories::ProjectDirs::from("dev", "ringfence", "ringfence")
        .ok_or_else(|| Failure::Usage("no home directory: pass --db PATH or set RINGFENCE_DB".into()))?;
    Ok(dirs.data_dir().join("ringfence.db"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locale_regions() {
        assert_eq!(region_of_locale("ko_KR.UTF-8"), Some(Region::KR));
        assert_eq!(region_of_locale("zh_CN"), Some(Region::CN));
        assert_eq!(region_of_locale("en_US.UTF-8@euro"), Some(Region::US));
        assert_eq!(region_of_locale("C.UTF-8"), None);
        assert_eq!(region_of_locale("POSIX"), None);
    }
}
