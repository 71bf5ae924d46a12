-- Server-collected authorisation (issue 7): OAuth2 authorization code + PKCE with the provider's
-- own authorisation page, asynchronous approval (SmartCA/MySign way), prepared documents for
-- signDoc. Nothing here holds a secret in clear: codes, handles, CSRF tokens and sessions are
-- stored as SHA-256.

-- Redirect URIs registered per client (exact match).
ALTER TABLE clients ADD COLUMN redirect_uris text[] NOT NULL DEFAULT '{}';

-- How a credential is authorised when the client does not say: 'explicit' (PIN+OTP relayed by
-- the client, immediate SAD) or 'async' (202 + handle, approval on the subscriber's page).
ALTER TABLE credentials ADD COLUMN auth_policy text NOT NULL DEFAULT 'explicit'
  CHECK (auth_policy IN ('explicit', 'async'));

-- Where a SAD came from: credentials/authorize ('explicit'), an approved asynchronous request
-- ('async') or an OAuth2 authorization code exchange ('oauth2code': the row is the
-- credential-scoped access token, usable as Bearer for signHash/signDoc).
ALTER TABLE sads ADD COLUMN via text NOT NULL DEFAULT 'explicit'
  CHECK (via IN ('explicit', 'async', 'oauth2code'));

-- A pending authorisation: what a subscriber is asked to approve, exactly.
CREATE TABLE auth_requests (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('oauth2code', 'async')),
  -- async: SHA-256 of the handle given to the client.
  handle_hash bytea UNIQUE,
  client_id text NOT NULL REFERENCES clients(id),
  credential_id text NOT NULL REFERENCES credentials(id),
  subscriber_id text NOT NULL REFERENCES subscribers(id),
  hash_alg text NOT NULL,
  hashes text[] NOT NULL,
  labels text[] NOT NULL DEFAULT '{}',
  num_signatures int NOT NULL CHECK (num_signatures >= 1),
  description text,
  -- oauth2code only
  redirect_uri text,
  state text,
  code_challenge text,
  csrf_hash bytea,
  code_hash bytea UNIQUE,
  code_expires_at timestamptz,
  -- the credential token issued from the code (revoked when the code is replayed)
  token_hash bytea,
  status text NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'approved', 'denied', 'delivered')),
  expires_at timestamptz NOT NULL,
  decided_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX auth_requests_pending ON auth_requests (subscriber_id, status, expires_at);

-- Subscriber sessions on the approval page (signed in with PIN), short-lived.
CREATE TABLE subscriber_sessions (
  token_hash bytea PRIMARY KEY,
  subscriber_id text NOT NULL REFERENCES subscribers(id),
  csrf_hash bytea NOT NULL,
  expires_at timestamptz NOT NULL
);

-- signatures/prepareDoc (kyso extension): the prepared PDF (original + signature placeholder)
-- kept until signDoc embeds the signature, so the digest a subscriber approved is exactly the one
-- signed. Found again by client, credential and the SHA-256 of the original document.
CREATE TABLE prepared_documents (
  id text PRIMARY KEY,
  client_id text NOT NULL REFERENCES clients(id),
  credential_id text NOT NULL REFERENCES credentials(id),
  original_sha256 bytea NOT NULL,
  prepared jsonb NOT NULL,
  document bytea NOT NULL,
  conformance_level text NOT NULL,
  expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX prepared_documents_lookup ON prepared_documents (client_id, credential_id, original_sha256);
