//! The file is only ringfence's: after the migrations, its schema must be exactly the one
//! they make. Anything else in it (a trigger that copies every report elsewhere or
//! rewrites the block list, a view, a table, an index, one of ringfence's own triggers
//! rewritten or dropped) was put there by some other program, and a trigger would run
//! inside ringfence's own transactions. Such a file is refused as damaged
//! (`Error::Corrupt`), before anything of it runs; `Screener::recover` salvages the
//! user's data into a clean file (`recovery.rs`).
//!
//! SQLite's own objects (`sqlite_sequence`, `ANALYZE`'s `sqlite_stat1`) are its
//! business and not compared. `PRAGMA trusted_schema = OFF` (set in `Store::init`)
//! keeps functions with side effects out of whatever schema is read before this check.

use super::schema::MIGRATIONS;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// (type, name) -> (table, SQL) of every object of a schema.
type Shape = BTreeMap<(String, String), (String, Option<String>)>;

fn shape(conn: &Connection) -> rusqlite::Result<Shape> {
    let mut q = conn
        .prepare("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")?;
    let rows = q.query_map([], |r| Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?))))?;
    rows.collect()
}

/// The schema every migration together makes, built once per process in memory.
fn expected() -> &'static Shape {
    static EXPECTED: OnceLock<Shape> = OnceLock::new();
    EXPECTED.get_or_init(|| {
        let conn = Connection::open_in_memory().expect("an in-memory SQLite database always opens");
        for step in MIGRATIONS {
            conn.execute_batch(step).expect("the shipped migrations run on an empty database");
        }
        shape(&conn).expect("an in-memory schema can be read")
    })
}

/// `Err(what differs)` when the file's schema is not the one the migrations make.
pub(super) fn verify(conn: &Connection) -> Result<(), String> {
    let found = shape(conn).map_err(|e| format!("its schema cannot be read: {e}"))?;
    let want = expected();
    if &found == want {
        return Ok(());
    }
    let mut what = Vec::new();
    for ((kind, name), (table, sql)) in &found {
        match want.get(&(kind.clone(), name.clone())) {
            None => what.push(format!("{kind} {name} on {table} is not ringfence's")),
            Some(w) if w != &(table.clone(), sql.clone()) => what.push(format!("{kind} {name} was changed")),
            Some(_) => {}
        }
    }
    for (kind, name) in want.keys() {
        if !found.contains_key(&(kind.clone(), name.clone())) {
            what.push(format!("{kind} {name} is missing"));
        }
    }
    Err(format!("its schema is not the one ringfence made: {}", what.join(", ")))
}
