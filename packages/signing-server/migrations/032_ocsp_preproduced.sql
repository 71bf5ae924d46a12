-- Pre-produced OCSP responses (RFC 5019 §2.2, RFC 6960 §2.5; issue 21): one signed response per
-- certificate of a built-in CA and CertID hash algorithm, answered to nonce-less requests and
-- shared by every server process on the database. A background job re-produces each before
-- refresh_after (half its validity, at most four days: CA/B Forum BR §4.9.10); a status change
-- (revoke, suspend, unsuspend, rekey) re-produces it in its own transaction. Producers lock the
-- certificate row (FOR UPDATE, SKIP LOCKED in the job), so no response is produced twice at once.
CREATE TABLE ocsp_responses (
  ca_id text NOT NULL REFERENCES cas(id),
  serial text NOT NULL,
  hash_alg text NOT NULL CHECK (hash_alg IN ('SHA-1', 'SHA-256', 'SHA-384', 'SHA-512')),
  status text NOT NULL CHECK (status IN ('good', 'revoked')),
  der bytea NOT NULL,
  this_update timestamptz NOT NULL,
  next_update timestamptz NOT NULL,
  refresh_after timestamptz NOT NULL,
  PRIMARY KEY (ca_id, serial, hash_alg)
);
CREATE INDEX ocsp_responses_refresh ON ocsp_responses (refresh_after);
