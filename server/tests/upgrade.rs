//! Upgrades from every earlier schema: a database made by each shipped version of the
//! server (`schemas/<backend>-v<N>.sql`, copied from git history), filled with data, is
//! opened with the current code; the data must be all there and usable, the schema
//! version stamped, and the tables the same as a new database's.
//!
//! SQLite runs here; PostgreSQL under `scripts/test-postgres.sh` (a throwaway cluster
//! whose URL comes in `RINGFENCE_TEST_POSTGRES`).

use ringfence_core::Category;
use ringfence_server::rules::{DeviceRules, Rules};
use ringfence_server::storage::{Postgres, Report, Sqlite, Storage, StorageError, SCHEMA_VERSION};
use std::path::Path;

/// The schemas as they shipped (before versions were kept, up to 4): (version, SQLite,
/// PostgreSQL).
const SHIPPED: [(i64, &str, &str); 6] = [
    (1, include_str!("schemas/sqlite-v1.sql"), include_str!("schemas/postgres-v1.sql")),
    (2, include_str!("schemas/sqlite-v2.sql"), include_str!("schemas/postgres-v2.sql")),
    (3, include_str!("schemas/sqlite-v3.sql"), include_str!("schemas/postgres-v3.sql")),
    (4, include_str!("schemas/sqlite-v4.sql"), include_str!("schemas/postgres-v4.sql")),
    (5, include_str!("schemas/sqlite-v5.sql"), include_str!("schemas/postgres-v5.sql")),
    (6, include_str!("schemas/sqlite-v6.sql"), include_str!("schemas/postgres-v6.sql")),
];

const VOTED: u64 = 821055550101;
const MEMBER: u64 = 827012345670;
const RANGE: u64 = 827012345671;

/// Rows of every table a database of `version` has (the same SQL for both backends).
fn data(version: i64) -> String {
    let mut sql = String::from(
        "INSERT INTO meta (key, value) VALUES ('lookup_salt', '00112233445566778899aabbccddeeff'), ('snapshot_version', '1');
         INSERT INTO votes (number, device, spam, category, at, comment)
           VALUES (821055550101, 'old1', true, 5, 100, NULL), (821055550101, 'old2', true, 5, 100, 'a comment');
         INSERT INTO seen (device, key, at) VALUES ('old1', 'key-0001', 100), ('old2', 'key-0002', 100), ('old3', 'key-0003', 50);
         INSERT INTO dirty (number) VALUES (821055550101);
         INSERT INTO published (number, category, score, last_activity, expires_at, bucket, tag)
           VALUES (827012345670, 7, 3.0, 86400, 9000000000, 1, 2);
         INSERT INTO versions (version, created_at, upserts, deletions) VALUES (1, 100, 1, 0);",
    );
    if version >= 2 {
        sql.push_str(
            "UPDATE votes SET origin = 11 WHERE device = 'old1';
             UPDATE votes SET origin = 12 WHERE device = 'old2';
             INSERT INTO devices (device, first_seen, origin) VALUES ('old1', 100, 11), ('old2', 100, 12), ('old3', 50, 13);",
        );
    }
    if version >= 3 {
        sql.push_str(
            "INSERT INTO published (number, category, score, last_activity, expires_at, bucket, tag, kind)
               VALUES (827012345671, 7, 3.0, 86400, 9223372036854775807, 1, 3, 1);",
        );
    }
    if version >= 6 {
        // Devices with a history: three of their reports were confirmed.
        sql.push_str("UPDATE devices SET confirmed = 3;");
    }
    if version >= 5 {
        sql.push_str(
            "INSERT INTO disputes (id, number, role, contact, reason, origin, created_at, state)
               VALUES ('0123456789', 827012345670, 'owner', 'a@example.org', 'mine', 11, 100, 'open');",
        );
    }
    sql
}

/// What an upgraded database of `version` must hold and do.
fn check(db: &mut dyn Storage, version: i64) {
    let what = format!("from version {version}");
    assert_eq!(db.latest_version().unwrap(), 1, "{what}");
    assert_eq!(db.meta("lookup_salt").unwrap().as_deref(), Some("00112233445566778899aabbccddeeff"), "{what}");
    let listed: Vec<(u64, bool, Category, f64)> =
        db.listed().unwrap().iter().map(|l| (l.number, l.range, l.listing.category, l.listing.score)).collect();
    let mut expected = vec![(MEMBER, false, Category::Robocall, 3.0)];
    if version >= 3 {
        expected.push((RANGE, true, Category::Robocall, 3.0));
    }
    assert_eq!(listed, expected, "rows from before ranges are members; {what}");
    // Devices of old votes and old keys are known (registered by the upgrade to 2).
    for d in ["old1", "old2", "old3"] {
        assert!(db.device_known(d).unwrap(), "{d} {what}");
    }
    assert!(!db.device_known("new").unwrap());
    // The queued votes still list their number: two reporters (two devices before
    // origins, two networks after), each of full weight under the server's default
    // device rules (devices from before version 6 keep the weight their votes had, though
    // they voted on the day they were first seen).
    let rules = Rules {
        min_reporters: 2,
        list_threshold: 2.0,
        min_confidence: 0.0,
        half_life_secs: 0.0,
        devices: DeviceRules::RECOMMENDED,
        ..Rules::default()
    };
    let c = db.pending_changes(101, &rules).unwrap();
    assert_eq!(c.upserts.iter().map(|l| l.number).collect::<Vec<_>>(), vec![VOTED], "{what}");
    db.mark_published(2, &c, 101, b"salt").unwrap();
    // Old keys are still duplicates; new votes are stored with their origin.
    let report =
        |key: &str| Report { key: key.into(), number: VOTED, spam: true, category: Category::Scam, comment: None };
    assert_eq!(db.record("old1", 11, &[report("key-0001")], 102).unwrap(), (0, 1), "{what}");
    assert_eq!(db.record("new", 77, &[report("key-0100")], 102).unwrap(), (1, 0), "{what}");
    assert_eq!(db.prune_seen(60, 10).unwrap(), 1, "old3's key, through the index; {what}");
    // Disputes: none before version 5, the stored one after, and new ones can be filed.
    assert_eq!(db.disputes(false).unwrap().len(), usize::from(version >= 5), "{what}");
}

fn sqlite_version(path: &Path) -> i64 {
    rusqlite::Connection::open(path).unwrap().query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap()
}

/// Every table's columns (name, type, not null, default, key) and every index, in order.
fn sqlite_shape(path: &Path) -> Vec<String> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut q = c
        .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let objects: Vec<(String, String, String)> =
        q.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(|r| r.unwrap()).collect();
    let mut shape = Vec::new();
    for (kind, name, table) in objects {
        shape.push(format!("{kind} {name} on {table}"));
        if kind == "table" {
            let mut q = c
                .prepare("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY name")
                .unwrap();
            let columns = q
                .query_map([&name], |r| {
                    Ok(format!(
                        "  {} {} {} {:?} {}",
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?.to_uppercase(),
                        r.get::<_, i64>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, i64>(4)?
                    ))
                })
                .unwrap();
            shape.extend(columns.map(|c| c.unwrap()));
        }
    }
    shape
}

#[test]
fn sqlite_files_of_every_earlier_schema_are_upgraded() {
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("fresh.db");
    drop(Sqlite::open(&fresh).unwrap());
    assert_eq!(sqlite_version(&fresh), SCHEMA_VERSION);
    assert_eq!(SCHEMA_VERSION, SHIPPED.len() as i64, "a new schema version needs its shipped schema here");
    for (version, schema, _) in SHIPPED {
        let path = dir.path().join(format!("v{version}.db"));
        {
            let c = rusqlite::Connection::open(&path).unwrap();
            c.execute_batch(schema).unwrap();
            c.execute_batch(&data(version)).unwrap();
        }
        let mut db = Sqlite::open(&path).unwrap();
        assert_eq!(sqlite_version(&path), SCHEMA_VERSION, "from version {version}");
        check(&mut db, version);
        drop(db);
        assert_eq!(sqlite_shape(&path), sqlite_shape(&fresh), "the tables of a file upgraded from version {version}");
        // Opened again: nothing to do.
        Sqlite::open(&path).unwrap();
        assert_eq!(sqlite_version(&path), SCHEMA_VERSION);
    }
}

#[test]
fn a_file_from_a_newer_server_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    drop(Sqlite::open(&path).unwrap());
    rusqlite::Connection::open(&path).unwrap().pragma_update(None, "user_version", SCHEMA_VERSION + 1).unwrap();
    match Sqlite::open(&path) {
        Err(e @ StorageError::NewerSchema { .. }) => assert!(e.to_string().contains("run a newer ringfence-server")),
        Err(e) => panic!("{e}"),
        Ok(_) => panic!("opened a file from a newer server"),
    }
    assert_eq!(sqlite_version(&path), SCHEMA_VERSION + 1);
}

const DROP_ALL: &str =
    "DROP TABLE IF EXISTS meta, votes, seen, dirty, published, versions, devices, disputes, cleared, audit, schema_version";

/// Every column (table, name, type, nullable, default) and every index of the database.
fn postgres_shape(client: &mut postgres::Client) -> Vec<String> {
    let q = "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text,
               coalesce(column_default::text, '')
             FROM information_schema.columns WHERE table_schema = current_schema() ORDER BY 1, 2";
    let mut out: Vec<String> = client
        .query(q, &[])
        .unwrap()
        .iter()
        .map(|r| (0..5).map(|i| r.get::<_, String>(i)).collect::<Vec<_>>().join(" "))
        .collect();
    let q = "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1";
    out.extend(client.query(q, &[]).unwrap().iter().map(|r| r.get::<_, String>(0)));
    out
}

fn postgres_version(client: &mut postgres::Client) -> i64 {
    client.query_one("SELECT version FROM schema_version", &[]).unwrap().get(0)
}

/// The same on PostgreSQL, one version after the other in the test database.
#[test]
#[ignore = "needs a PostgreSQL server: scripts/test-postgres.sh"]
fn postgres_databases_of_every_earlier_schema_are_upgraded() {
    let url = std::env::var("RINGFENCE_TEST_POSTGRES").expect("RINGFENCE_TEST_POSTGRES=postgres://...");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    client.batch_execute(DROP_ALL).expect("clean slate");
    drop(Postgres::connect(&url).expect("a new database"));
    let fresh = postgres_shape(&mut client);
    assert_eq!(postgres_version(&mut client), SCHEMA_VERSION);
    for (version, _, schema) in SHIPPED {
        client.batch_execute(DROP_ALL).unwrap();
        client.batch_execute(schema).unwrap();
        client.batch_execute(&data(version)).unwrap();
        let mut db = Postgres::connect(&url).unwrap_or_else(|e| panic!("from version {version}: {e}"));
        assert_eq!(postgres_version(&mut client), SCHEMA_VERSION, "from version {version}");
        check(&mut db, version);
        drop(db);
        assert_eq!(postgres_shape(&mut client), fresh, "the tables of a database upgraded from version {version}");
        drop(Postgres::connect(&url).expect("again"));
        assert_eq!(postgres_version(&mut client), SCHEMA_VERSION);
    }
    client.execute("UPDATE schema_version SET version = $1", &[&(SCHEMA_VERSION + 1)]).unwrap();
    assert!(matches!(Postgres::connect(&url), Err(StorageError::NewerSchema { .. })));
    client.batch_execute(DROP_ALL).unwrap();
}
