//! `sync` and `lookup`: the community server from the command line.

use crate::args::{Server, Sync};
use crate::{Failure, Outcome};
use indicatif::{ProgressBar, ProgressStyle};
use ringfence_core::{Cancel, Screener, SyncConfig, SyncProgress};
use ringfence_http::HttpTransport;
use std::io::{self, IsTerminal, Write};
use std::time::Duration;

pub(crate) fn config(server: &Server) -> Result<SyncConfig, Failure> {
    let mut c = SyncConfig::new(&server.server).map_err(|e| Failure::Usage(e.to_string()))?;
    if let Some(k) = &server.key {
        c = c.with_key(k).map_err(|e| Failure::Usage(e.to_string()))?;
    }
    // --timeout bounds the whole command, first connection to last byte.
    c.timeout = Duration::from_secs(server.timeout.max(1));
    c.request_timeout = c.timeout;
    Ok(c)
}

pub(crate) fn transport(config: &SyncConfig) -> HttpTransport {
    HttpTransport::new(config.timeout.min(Duration::from_secs(10)))
}

pub fn sync(s: &mut Screener, args: &Sync, out: &mut impl Write) -> Outcome {
    let config = config(&args.server)?;
    let bar = if io::stderr().is_terminal() { ProgressBar::new(0) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{msg} {bar:30} {bytes}/{total_bytes}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let summary = s.sync(&config, &transport(&config), &Cancel::new(), &mut |p| match p {
        SyncProgress::Uploading { sent, total } => bar.set_message(format!("uploaded {sent}/{total} reports")),
        SyncProgress::Downloading { what, received, total } => {
            bar.set_message(what);
            bar.set_length(total.unwrap_or(received));
            bar.set_position(received);
        }
        SyncProgress::Applying { entries } => bar.set_message(format!("applying {entries} entries")),
    });
    bar.finish_and_clear();
    let summary = summary?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&summary).unwrap_or_default())?;
        return stale(&summary);
    }
    if let Some(k) = &summary.pinned_key {
        writeln!(out, "pinned server key {k}")?;
    }
    writeln!(
        out,
        "uploaded {} reports{}",
        summary.uploaded,
        match summary.rejected {
            0 => String::new(),
            n => format!(" ({n} refused by the server and dropped)"),
        }
    )?;
    if summary.from_version == summary.to_version {
        writeln!(out, "community database up to date at version {}", summary.to_version)?;
    } else {
        let how = if summary.snapshot {
            format!("snapshot + {} deltas", summary.deltas)
        } else {
            format!("{} deltas", summary.deltas)
        };
        writeln!(
            out,
            "community database {} -> {} ({how}, {} bytes): {} numbers added or changed, {} removed",
            summary.from_version, summary.to_version, summary.bytes_downloaded, summary.upserted, summary.deleted
        )?;
    }
    stale(&summary)
}

/// Exit 3 when the server's data is older than the stale age: what was applied stays,
/// but the user should know the list is out of date.
fn stale(summary: &ringfence_core::SyncSummary) -> Outcome {
    if !summary.stale {
        return Ok(());
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let days = (now - summary.server_data_at) / 86_400;
    Err(Failure::Stale(format!(
        "the community server's data is {days} days old (made at Unix time {}); its publisher may have stopped or a mirror serves an old copy",
        summary.server_data_at
    )))
}

pub fn lookup(s: &mut Screener, number: &str, server: &Server, json: bool, out: &mut impl Write) -> Outcome {
    let config = config(server)?;
    let e164 = s.number(number)?.e164;
    let found = s.lookup_online(number, &config, &transport(&config), &Cancel::new())?;
    if json {
        let v = serde_json::json!({
            "number": e164.to_string(),
            "listed": found.is_some(),
            "category": found.map(|e| e.category.as_str()),
            "score": found.map(|e| e.score),
            "last_activity": found.map(|e| e.last_activity),
            "disputed": found.map(|e| e.disputed),
        });
        writeln!(out, "{v}")?;
    } else {
        match found {
            Some(e) if e.disputed => writeln!(
                out,
                "{e164}: listed as {} (community score {:.1}), disputed: held for review",
                e.category, e.score
            )?,
            Some(e) => writeln!(out, "{e164}: listed as {} (community score {:.1})", e.category, e.score)?,
            None => writeln!(out, "{e164}: not listed")?,
        }
    }
    Ok(())
}
