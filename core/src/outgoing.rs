//! Calls the user makes. The app tells the core (`call-out`, `recordOutgoing`): after an
//! emergency call, every incoming call rings for the policy's callback window, because
//! emergency services call back from numbers nobody has in their contacts.

use crate::number::{parse_call, Caller, Region, E164};
use crate::store::Store;
use crate::{Error, Result};
use rusqlite::{params, OptionalExtension, Transaction};

/// How many outgoing calls are kept (older ones are deleted as new ones come).
const KEEP: i64 = 1000;

/// One call the user made.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OutgoingCall {
    pub number: E164,
    /// Unix seconds.
    pub at: i64,
    /// An emergency number where the phone was: the callback window opens.
    pub emergency: bool,
}

/// Reads the dialled number the way an incoming one is read (with the roaming network's
/// emergency numbers); hidden or malformed numbers are refused.
pub fn read(raw: &str, home: Region, network: Option<Region>, at: i64) -> Result<OutgoingCall> {
    match parse_call(raw, home, network) {
        Caller::Number(n) => Ok(OutgoingCall { number: n.e164, at, emergency: n.traits.emergency }),
        Caller::Hidden => Err(Error::InvalidNumber { input: raw.chars().take(40).collect(), why: "is empty".into() }),
        Caller::Malformed(m) => Err(Error::InvalidNumber { input: raw.chars().take(40).collect(), why: m.to_string() }),
    }
}

pub fn record(tx: &Transaction, call: &OutgoingCall) -> Result<()> {
    tx.execute(
        "INSERT INTO outgoing (at, number, emergency) VALUES (?1, ?2, ?3)",
        params![call.at, call.number.as_u64() as i64, call.emergency],
    )?;
    tx.execute("DELETE FROM outgoing WHERE id <= (SELECT max(id) FROM outgoing) - ?1", [KEEP])?;
    Ok(())
}

/// When the user last dialled an emergency number (Unix seconds).
pub fn last_emergency(store: &Store) -> Result<Option<i64>> {
    Ok(store
        .conn()
        .prepare_cached("SELECT max(at) FROM outgoing WHERE emergency = 1")?
        .query_row([], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}

/// The last time the user called each number (Unix seconds): at most the 1000 calls kept,
/// mirrored in memory so an incoming call asks a hash map whether it is a number the
/// user called recently (policy `known.outgoing-days`).
pub fn last_by_number(store: &Store) -> Result<std::collections::HashMap<u64, i64>> {
    let mut stmt = store.conn().prepare_cached("SELECT number, max(at) FROM outgoing GROUP BY number")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}
