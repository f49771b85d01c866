//! The database schema, upgraded step by step by `PRAGMA user_version`.
//!
//! Each entry of `MIGRATIONS` takes the schema from version `i` to `i + 1`. Never edit
//! a shipped step: add a new one, and a test in `tests/store.rs` that upgrades from the
//! previous version with data in it.

pub const MIGRATIONS: &[&str] = &[
    // 0 -> 1: the first schema.
    r#"
    -- Settings (policy) and bookkeeping (device id, sync state), as text.
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- The user's block and allow lists. `digits` is the E.164 key of a number, or the
    -- leading digits of a prefix (`kind` = 1).
    CREATE TABLE rules (
        list       INTEGER NOT NULL,  -- 0 allow, 1 block
        kind       INTEGER NOT NULL,  -- 0 exact, 1 prefix
        digits     INTEGER NOT NULL,
        label      TEXT,
        created_at INTEGER NOT NULL,  -- Unix seconds
        PRIMARY KEY (list, kind, digits)
    ) WITHOUT ROWID;

    -- Contacts the app shares with us: always allowed.
    CREATE TABLE contacts (
        number INTEGER PRIMARY KEY,
        name   TEXT
    );

    -- Community-reported numbers, one row per number and source (an import, or the
    -- community server). `votes` is the evidence as of `last_activity`; it decays
    -- with age when read.
    CREATE TABLE community (
        number        INTEGER NOT NULL,
        source        INTEGER NOT NULL,
        category      INTEGER NOT NULL,
        votes         REAL    NOT NULL,
        last_activity INTEGER NOT NULL,  -- Unix seconds
        PRIMARY KEY (number, source)
    ) WITHOUT ROWID;

    -- The user's own reports: their local effect, and the outbox for upload.
    CREATE TABLE reports (
        id              INTEGER PRIMARY KEY,
        number          INTEGER NOT NULL,
        spam            INTEGER NOT NULL,  -- 1 spam, 0 not spam
        category        INTEGER NOT NULL,
        comment         TEXT,
        created_at      INTEGER NOT NULL,
        idempotency_key TEXT    NOT NULL UNIQUE,
        uploaded_at     INTEGER            -- NULL until the server has it
    );
    CREATE INDEX reports_number ON reports (number);

    -- Screened calls, newest last, bounded by the policy's history limit.
    CREATE TABLE history (
        id       INTEGER PRIMARY KEY,
        at       INTEGER NOT NULL,
        input    TEXT    NOT NULL,
        number   INTEGER,
        action   INTEGER NOT NULL,
        category INTEGER NOT NULL,
        reasons  TEXT    NOT NULL,
        label    TEXT
    );

    -- Files already imported, so the same file is not counted twice.
    CREATE TABLE imports (
        digest      TEXT PRIMARY KEY,
        format      TEXT NOT NULL,
        imported_at INTEGER NOT NULL
    ) WITHOUT ROWID;

    -- Anything that changes what the in-memory rule index holds bumps this counter, so
    -- a screener in another process knows to reload.
    INSERT INTO meta (key, value) VALUES ('config_generation', '0');
    CREATE TRIGGER rules_ins AFTER INSERT ON rules BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER rules_del AFTER DELETE ON rules BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER rules_upd AFTER UPDATE ON rules BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER contacts_ins AFTER INSERT ON contacts BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER contacts_del AFTER DELETE ON contacts BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER reports_ins AFTER INSERT ON reports BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER reports_del AFTER DELETE ON reports BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER settings_ins AFTER INSERT ON meta WHEN NEW.key LIKE 'policy.%' BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER settings_upd AFTER UPDATE ON meta WHEN NEW.key LIKE 'policy.%' BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER settings_del AFTER DELETE ON meta WHEN OLD.key LIKE 'policy.%' BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    "#,
    // 1 -> 2: outgoing calls the app records (the emergency callback window).
    r#"
    -- Calls the user made, newest last, bounded (outgoing.rs). `emergency`: the number
    -- dialled was an emergency number where the phone was.
    CREATE TABLE outgoing (
        id        INTEGER PRIMARY KEY,
        at        INTEGER NOT NULL,  -- Unix seconds
        number    INTEGER NOT NULL,
        emergency INTEGER NOT NULL
    );
    -- An emergency call opens the callback window: screeners in other processes reload.
    CREATE TRIGGER outgoing_emergency AFTER INSERT ON outgoing WHEN NEW.emergency = 1 BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    "#,
    // 2 -> 3: temporary rules, the pause, unknown and repeated callers.
    r#"
    -- A rule may end: it matches while the call's time is before `until` (Unix seconds;
    -- NULL: never ends). Expired rows are deleted later, at the next change of the lists.
    ALTER TABLE rules ADD COLUMN until INTEGER;

    -- The repeat rule counts a number's calls in the last minutes: by number and time,
    -- never a scan of the table.
    CREATE INDEX history_number_at ON history (number, at);

    -- Numbers the user called recently count as known: the screener mirrors them, so
    -- every call out tells screeners in other processes to reload (emergency calls
    -- already do, through outgoing_emergency).
    CREATE TRIGGER outgoing_ordinary AFTER INSERT ON outgoing WHEN NEW.emergency = 0 BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;

    -- The pause (`pause.until`, Unix seconds) is mirrored too.
    CREATE TRIGGER pause_ins AFTER INSERT ON meta WHEN NEW.key = 'pause.until' BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER pause_upd AFTER UPDATE ON meta WHEN NEW.key = 'pause.until' BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    CREATE TRIGGER pause_del AFTER DELETE ON meta WHEN OLD.key = 'pause.until' BEGIN
        UPDATE meta SET value = value + 1 WHERE key = 'config_generation'; END;
    "#,
    // 3 -> 4: rules limited to time windows and to a SIM.
    r#"
    -- A rule may match only in a window of the phone's local time: on the days in `days`
    -- (bits, 1 = Monday ... 64 = Sunday; NULL: every day), from `start_minute` to
    -- `end_minute` of the day (end before start: across midnight; NULL: all day). And
    -- only for calls on one SIM (`sim`, the platform's identifier; NULL: every SIM).
    ALTER TABLE rules ADD COLUMN days INTEGER;
    ALTER TABLE rules ADD COLUMN start_minute INTEGER;
    ALTER TABLE rules ADD COLUMN end_minute INTEGER;
    ALTER TABLE rules ADD COLUMN sim TEXT;
    "#,
    // 4 -> 5: disputed listings.
    r#"
    -- The community server holds a disputed listing for its operator's review (the
    -- `disputed` entry flag of its files): the phone at most warns for the number.
    ALTER TABLE community ADD COLUMN disputed INTEGER NOT NULL DEFAULT 0;
    "#,
];

#[cfg(test)]
mod tests {
    use super::MIGRATIONS;
    use sha2::{Digest, Sha256};

    /// Phones run the steps they have not yet run; a shipped step is never edited (its
    /// digest is frozen here when it ships), only followed by a new one.
    #[test]
    fn shipped_steps_are_never_edited() {
        const SHIPPED: &[&str] = &[
            "b888d8f4894c7ebeac6777a2fce7bb12281307f3b07c722a6b7379a1c7e55123", // 0 -> 1
            "f57900b3d148f78a9d155153398048e1c55a3c97d763d94e7a1400f86c391259", // 1 -> 2
            "4b22ed64fe6dc6563768f810a56d6144d7f083a456fc4a0ba949cee213c43105", // 2 -> 3
        ];
        assert!(MIGRATIONS.len() >= SHIPPED.len(), "a shipped step was removed");
        for (i, (step, want)) in MIGRATIONS.iter().zip(SHIPPED).enumerate() {
            let got = hex::encode(Sha256::digest(step.as_bytes()));
            assert_eq!(&got, want, "step {i} -> {} was edited after it shipped: add a new step instead", i + 1);
        }
    }
}
