-- The PostgreSQL schema of ringfence-server as it shipped at commit 791faf3 (server/src/storage/postgres.rs),
-- before schema versions were kept: server/tests/upgrade.rs opens a database made with it (version 3).
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
