-- Passkeys (WebAuthn) as a signature-activation factor (issue 18). A passkey belongs to the
-- subscriber (the person); which factors activate a signing credential is chosen per credential
-- by the operator (credentials.factors). Nothing secret is kept in clear: enrolment codes and
-- ceremony tokens are stored as SHA-256; a passkey's public key is public.

-- The factors that approve an authorisation of this credential:
--   'pin+otp'     PIN and TOTP (the original behaviour);
--   'passkey'     one WebAuthn assertion with user verification, bound to what is approved;
--   'passkey+pin' the PIN and such an assertion.
ALTER TABLE credentials ADD COLUMN factors text NOT NULL DEFAULT 'pin+otp'
  CHECK (factors IN ('pin+otp', 'passkey', 'passkey+pin'));

-- A registered WebAuthn credential ("passkey") of a subscriber.
CREATE TABLE passkeys (
  id text PRIMARY KEY,
  subscriber_id text NOT NULL REFERENCES subscribers(id),
  -- WebAuthn credential ID (base64url), unique across the relying party.
  webauthn_id text NOT NULL UNIQUE,
  -- COSE_Key of the credential public key.
  public_key bytea NOT NULL,
  -- Last signature counter seen (0 for authenticators that do not count).
  sign_count bigint NOT NULL DEFAULT 0,
  -- Backup eligibility (BE) and state (BS) flags: a synced passkey can be used on other devices.
  backup_eligible boolean NOT NULL,
  backed_up boolean NOT NULL,
  transports text[] NOT NULL DEFAULT '{}',
  aaguid text NOT NULL,
  attestation_fmt text NOT NULL,
  disabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);
CREATE INDEX passkeys_by_subscriber ON passkeys (subscriber_id);

-- Operator-issued, single-use enrolment codes (the subscriber types it with her PIN on the
-- enrolment page), and the registration ceremony started with it.
CREATE TABLE passkey_enrolments (
  code_hash bytea PRIMARY KEY,
  subscriber_id text NOT NULL REFERENCES subscribers(id),
  issued_by text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz,
  ceremony_hash bytea UNIQUE,
  challenge text,
  ceremony_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- The server nonce of a pending authorisation: part of the WebAuthn challenge, which is the
-- SHA-256 of (credential, hash algorithm, hashes, number of signatures, client, nonce).
ALTER TABLE auth_requests ADD COLUMN passkey_nonce bytea;
