-- The chain-wide rate-limit bucket of each key (`terminal:<id>`, `address:<ip>`), which every
-- server process reconciles its own copy with every 250 ms while the key is in use there
-- (server/src/auth/shared-rate-limiter.ts, docs/decisions/0008-shared-rate-limits.md).
--
-- UNLOGGED: written several times a second and worth nothing after a crash (PostgreSQL empties
-- an unlogged table on crash recovery, and an absent row is a full bucket), so its writes skip
-- the WAL and never wait for a flush to disk.
CREATE UNLOGGED TABLE rate_limit_buckets (
  key text PRIMARY KEY,
  -- The level at `updated_at`: at most the burst, below zero when the processes together
  -- allowed more than it held (the key is refused until it refills).
  tokens double precision NOT NULL,
  updated_at timestamptz NOT NULL
);
