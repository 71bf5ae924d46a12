-- kyso signing server: initial schema.

-- Append-only, hash-chained audit log. hash = SHA-256(prev_hash || canonical JSON of the event).
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at text NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  subject text,
  details jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL UNIQUE
);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE TABLE operators (
  id text PRIMARY KEY,
  name text NOT NULL,
  key_hash bytea NOT NULL UNIQUE,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Keys held by a vault. Software keys: per-key data key wrapped by the KEK, PKCS#8 sealed by the
-- data key (AES-256-GCM, AAD = key id). PKCS#11 keys: the token object's CKA_ID.
CREATE TABLE vault_keys (
  id text PRIMARY KEY,
  vault text NOT NULL,
  spec jsonb NOT NULL,
  spki bytea NOT NULL,
  blob jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cas (
  id text PRIMARY KEY,
  name text NOT NULL,
  cert_der bytea NOT NULL,
  chain_der bytea[] NOT NULL,
  key_id text NOT NULL REFERENCES vault_keys(id),
  crl_number bigint NOT NULL DEFAULT 0,
  is_default boolean NOT NULL DEFAULT false,
  ocsp_cert_der bytea,
  ocsp_key_id text REFERENCES vault_keys(id),
  tsa_cert_der bytea,
  tsa_key_id text REFERENCES vault_keys(id),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE crls (
  ca_id text NOT NULL REFERENCES cas(id),
  number bigint NOT NULL,
  der bytea NOT NULL,
  this_update timestamptz NOT NULL,
  next_update timestamptz NOT NULL,
  PRIMARY KEY (ca_id, number)
);

CREATE TABLE subscribers (
  id text PRIMARY KEY,
  name text NOT NULL,
  kind text NOT NULL,
  subject jsonb NOT NULL,
  pin_hash text NOT NULL,
  totp_secret jsonb NOT NULL,
  totp_last_counter bigint NOT NULL DEFAULT -1,
  failed_attempts int NOT NULL DEFAULT 0,
  locked boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE clients (
  id text PRIMARY KEY,
  name text NOT NULL,
  secret_hash bytea NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE access_tokens (
  token_hash bytea PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients(id),
  expires_at timestamptz NOT NULL
);

CREATE TABLE credentials (
  id text PRIMARY KEY,
  subscriber_id text NOT NULL REFERENCES subscribers(id),
  key_id text NOT NULL REFERENCES vault_keys(id),
  ca_id text REFERENCES cas(id),
  profile text NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  cert_serial text,
  -- Issuer chain of an imported (externally issued) certificate, parent first.
  external_chain bytea[] NOT NULL DEFAULT '{}',
  description text,
  multisign int NOT NULL DEFAULT 100,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Every certificate the server knows (issued or imported). A public key is certified once.
CREATE TABLE certificates (
  serial text NOT NULL,
  ca_id text,
  issuer_dn text NOT NULL,
  credential_id text REFERENCES credentials(id),
  der bytea NOT NULL,
  spki_sha256 bytea NOT NULL,
  not_before timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'suspended', 'revoked')),
  revoked_at timestamptz,
  revocation_reason text,
  PRIMARY KEY (issuer_dn, serial)
);
CREATE UNIQUE INDEX certificates_one_per_key ON certificates (spki_sha256);
CREATE INDEX certificates_by_ca ON certificates (ca_id, serial);

CREATE TABLE grants (
  client_id text NOT NULL REFERENCES clients(id),
  credential_id text NOT NULL REFERENCES credentials(id),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (client_id, credential_id)
);

-- Signature Activation Data: stored as SHA-256 of the opaque value; bound to client, credential,
-- hash algorithm and the exact hashes; consumed with a single conditional UPDATE.
CREATE TABLE sads (
  sad_hash bytea PRIMARY KEY,
  client_id text NOT NULL,
  credential_id text NOT NULL,
  hash_alg text NOT NULL,
  hashes text[] NOT NULL,
  used_hashes text[] NOT NULL DEFAULT '{}',
  remaining int NOT NULL CHECK (remaining >= 0),
  scal text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Fixed-window rate limit counters shared by every server process.
CREATE TABLE rate_limits (
  bucket text PRIMARY KEY,
  window_start bigint NOT NULL,
  count int NOT NULL
);

CREATE SEQUENCE tsa_serial;
