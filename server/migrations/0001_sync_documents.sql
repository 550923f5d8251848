-- Every replicated collection lives in one table of JSON documents. The server owns `rev`
-- (optimistic concurrency), `updated_at` and the change position (change_xid, change_seq):
-- see docs/decisions/0003-pull-checkpoints.md for why pulls order by the writing transaction's
-- id and serve only rows below the transaction horizon.
CREATE SEQUENCE sync_change_seq;

CREATE TABLE sync_documents (
  collection text NOT NULL,
  id text NOT NULL,
  rev integer NOT NULL CHECK (rev > 0),
  deleted boolean NOT NULL DEFAULT false,
  body jsonb NOT NULL,
  updated_at timestamptz NOT NULL,
  change_xid xid8 NOT NULL,
  change_seq bigint NOT NULL,
  PRIMARY KEY (collection, id)
);

CREATE INDEX sync_documents_changes ON sync_documents (collection, change_xid, change_seq);
