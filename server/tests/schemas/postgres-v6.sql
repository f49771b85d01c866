-- The PostgreSQL schema of ringfence-server at schema version 6 (evidence by device history), as
-- server/src/storage/schema.rs makes it: server/tests/upgrade.rs opens a database made with it.
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE IF NOT EXISTS votes (
    number   bigint   NOT NULL,
    device   text     NOT NULL,
    spam     boolean  NOT NULL,
    category smallint NOT NULL,
    at       bigint   NOT NULL,
    comment  text,
    origin   bigint   NOT NULL DEFAULT 0,
    PRIMARY KEY (number, device)
);
ALTER TABLE votes ADD COLUMN IF NOT EXISTS origin bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS devices (
    device     text   PRIMARY KEY,
    first_seen bigint NOT NULL,
    origin     bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS seen (
    device text   NOT NULL,
    key    text   NOT NULL,
    at     bigint NOT NULL,
    PRIMARY KEY (device, key)
);
-- Retention deletes old keys in small batches (retention.rs): found by age, not scanned.
CREATE INDEX IF NOT EXISTS seen_at ON seen (at);
CREATE TABLE IF NOT EXISTS dirty (id bigserial PRIMARY KEY, number bigint NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS published (
    number        bigint           PRIMARY KEY,
    category      smallint         NOT NULL,
    score         double precision NOT NULL,
    last_activity bigint           NOT NULL,
    expires_at    bigint           NOT NULL,
    bucket        integer          NOT NULL,
    tag           bigint           NOT NULL,
    -- 0: listed by its own votes (a member), 1: as part of a spam range (as in sqlite.rs).
    kind          smallint         NOT NULL DEFAULT 0
);
ALTER TABLE published ADD COLUMN IF NOT EXISTS kind smallint NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS published_bucket ON published (bucket);
CREATE INDEX IF NOT EXISTS published_expiry ON published (expires_at);
CREATE TABLE IF NOT EXISTS versions (
    version    bigint  PRIMARY KEY,
    created_at bigint  NOT NULL,
    upserts    integer NOT NULL,
    deletions  integer NOT NULL
);
-- 5: disputes.
CREATE TABLE disputes (
    id          text PRIMARY KEY,
    number      bigint  NOT NULL,
    role        text NOT NULL,
    contact     text NOT NULL,
    reason      text NOT NULL,
    origin      bigint  NOT NULL,
    created_at  bigint  NOT NULL,
    state       text NOT NULL,
    resolved_at bigint,
    resolved_by text,
    note        text
);
CREATE INDEX disputes_number ON disputes (number);
CREATE TABLE cleared (number bigint PRIMARY KEY, cleared_at bigint NOT NULL);
CREATE TABLE audit (
    id      bigserial PRIMARY KEY,
    at      bigint  NOT NULL,
    who     text NOT NULL,
    action  text NOT NULL,
    dispute text NOT NULL,
    number  bigint  NOT NULL,
    why     text
);
ALTER TABLE published ADD COLUMN disputed smallint NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN home_v6 boolean NOT NULL DEFAULT false;
ALTER TABLE devices ADD COLUMN link bigint NOT NULL DEFAULT 0;
ALTER TABLE devices ADD COLUMN confirmed bigint NOT NULL DEFAULT 0;
CREATE TABLE schema_version (version bigint NOT NULL);
INSERT INTO schema_version (version) VALUES (6);
