-- An enrollment code may be made for an existing terminal (create-enrollment-code --terminal):
-- it gives that terminal a new device token and lifts a revocation, so a till keeps its
-- identity, its replication state and the sales it has not sent yet.
ALTER TABLE enrollment_codes ADD COLUMN terminal_id text REFERENCES terminals (id);
