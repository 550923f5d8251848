-- Stores, the single-use enrollment codes that bind a terminal to one, and the terminals with
-- their device token. Codes and tokens are stored only as keyed SHA-256 hashes.
CREATE TABLE stores (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE enrollment_codes (
  code_hash text PRIMARY KEY,
  store_id text NOT NULL REFERENCES stores (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  used_by_terminal_id text
);

CREATE TABLE terminals (
  id text PRIMARY KEY,
  store_id text NOT NULL REFERENCES stores (id),
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE INDEX terminals_store ON terminals (store_id);
