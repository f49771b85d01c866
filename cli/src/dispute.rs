//! `dispute`: tell the community server that a listed number is not spam. The request
//! goes through the core's sync client (`Screener::dispute`) over the built-in HTTP
//! transport, like `sync` and `lookup`.

use crate::args::Dispute;
use crate::sync::{config, transport};
use crate::Outcome;
use ringfence_core::{Cancel, Screener};
use std::io::Write;

pub fn dispute(s: &mut Screener, args: &Dispute, out: &mut impl Write) -> Outcome {
    let config = config(&args.server)?;
    let contact = args.contact.as_deref();
    let status = s.dispute(&args.number, &args.reason, contact, &config, &transport(&config), &Cancel::new())?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&status).unwrap_or_default())?;
        return Ok(());
    }
    let held = if status.held { ": the listing is held, phones only warn for it until the review" } else { "" };
    writeln!(out, "dispute {} for {}: {}{held}", status.id, status.number, status.state)?;
    writeln!(out, "its state: {}/dispute?id={}", args.server.server.trim_end_matches('/'), status.id)?;
    Ok(())
}
