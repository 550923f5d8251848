-- The authoritative ledger (docs/decisions/0004-ledger-ordering.md). Transactions, members,
-- accounts, coupons and reviews stay documents of `sync_documents`; this adds the ledger's
-- server order and the lookups the ledger and the member merge need.

-- Server order of applied transactions (`seq`). Numbers are taken while the member's ledger
-- lock is held, so within one member seq order is application order.
CREATE SEQUENCE ledger_seq;

-- A member's ledger in server order (merge re-folds, refunds).
CREATE INDEX sync_documents_transactions_member
  ON sync_documents ((body ->> 'memberId'), ((body ->> 'seq')::bigint))
  WHERE collection = 'transactions';

-- Refunds of a checkout (at most one may be accepted).
CREATE INDEX sync_documents_transactions_refund_of
  ON sync_documents ((body ->> 'refundOf'))
  WHERE collection = 'transactions' AND body ? 'refundOf';

-- One phone number per member that is neither merged nor erased.
CREATE UNIQUE INDEX sync_documents_members_phone
  ON sync_documents ((body ->> 'phone'))
  WHERE collection = 'members' AND NOT deleted AND body ->> 'status' NOT IN ('merged', 'erased');

-- Members merged into a survivor.
CREATE INDEX sync_documents_members_merged_into
  ON sync_documents ((body ->> 'mergedInto'))
  WHERE collection = 'members' AND body ? 'mergedInto';
