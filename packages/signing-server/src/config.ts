/**
 * Server configuration from the environment, validated once at start. Every problem is listed in
 * one ConfigError so an operator fixes them all in one go.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The validated server configuration {@link loadConfig} builds from the environment (docs/server.md,
 * "Configuration", lists every variable). Durations are in seconds unless the name says otherwise.
 *
 * Security: `kek`, `pkcs11.pin` and the file `kekFile` names are secrets. Do not log a Config
 * (the logger censors fields named `kek` and `pin`, see {@link REDACTED_FIELDS}, but only up to
 * three levels deep).
 */
export interface Config {
  /** Listener address (HOST, default 127.0.0.1; 0.0.0.0 or :: listens on every interface). */
  host: string;
  /** Listener port (PORT, default 8080, 0–65535; 0 binds a free port, see {@link startServer}). */
  port: number;
  /** PostgreSQL URL; absent = embedded PGlite under dataDir. */
  databaseUrl?: string;
  /** PostgreSQL schema to use (search_path); default public. */
  databaseSchema?: string;
  /** Directory of the embedded PGlite database and of the default KEK file (KYSO_DATA_DIR, default ./data, made absolute). */
  dataDir: string;
  /** Key-encryption key for the software vault (32 bytes), from KYSO_KEK (base64) or KYSO_KEK_FILE. */
  kek?: Uint8Array;
  /**
   * File holding the KEK in base64 when `kek` is unset (KYSO_KEK_FILE, default `$dataDir/kek.key`);
   * created with mode 0600 on first start. Secret: keep it out of database backups (a backup plus
   * this file opens every software-vault key).
   */
  kekFile: string;
  /**
   * Where new subscriber keys are generated (KYSO_VAULT, default 'software'). CA keys always live
   * in the software vault. Circular 16/2019 Appendix Part 2, categories 6–7 (HSM) are met with
   * 'pkcs11'.
   */
  vault: 'software' | 'pkcs11';
  /**
   * The PKCS#11 token for `vault: 'pkcs11'`: module path (KYSO_PKCS11_MODULE, default SoftHSM2's),
   * token label (KYSO_PKCS11_TOKEN_LABEL) and user PIN (KYSO_PKCS11_PIN, secret). Both label and
   * PIN are required with that vault.
   */
  pkcs11?: { module: string; slotLabel: string; pin: string };
  /**
   * CA hierarchy loaded on first start. Unset (KYSO_DEMO_CA_DIR empty): a demo hierarchy made in
   * `$KYSO_DATA_DIR/demo-ca/` with publicBaseUrl in every URL; a directory: the hierarchy in it
   * (root.pem, issuing.pem, keys, end-entity certificates, issuing.crl); `none`: a fresh hierarchy
   * generated inside the vault (no key ever leaves it).
   */
  demoCaDir?: string;
  /**
   * Base of every URL written into certificates and CRLs (CRL distribution points, OCSP, CA
   * issuers) and of the passkey RP ID/origin: KYSO_PUBLIC_URL (http(s), no query, fragment or
   * credentials; trailing slashes removed), else `http://host:port`.
   */
  publicBaseUrl: string;
  /** pino level (LOG_LEVEL: fatal, error, warn, info (default), debug, trace, silent). */
  logLevel: string;
  /**
   * Lifetime of a SAD from credentials/authorize or of a credential-scoped token from the
   * authorization-code grant (KYSO_SAD_LIFETIME_SECONDS, default 300, 1–3600). CSC v2's default
   * `expiresIn` is 3600; kyso keeps it short because a SAD activates the key.
   */
  sadLifetimeSeconds: number;
  /** Longest time an authorisation can be kept alive through credentials/extendTransaction. */
  sadMaxAgeSeconds: number;
  /** Lifetime of a service access token from oauth2/token, client_credentials (KYSO_TOKEN_LIFETIME_SECONDS, default 3600, 60–86400). */
  tokenLifetimeSeconds: number;
  /**
   * Consecutive authentication failures (PIN, OTP, passkey assertion) before the subscriber is
   * locked out and her outstanding SADs end (KYSO_MAX_FAILED_ATTEMPTS, default 5, 1–100); CSC v2
   * credentials/authorize "MAY lock".
   */
  maxFailedAttempts: number;
  /** TOTP verification window in periods either side of now. */
  otpWindow: number;
  /**
   * argon2id parameters for PIN hashing: memory in KiB (KYSO_ARGON2_MEMORY_KIB, default 19456),
   * iterations (KYSO_ARGON2_ITERATIONS, default 2) and lanes (KYSO_ARGON2_PARALLELISM, default 1);
   * the defaults are OWASP's minimum.
   */
  argon2: { memoryCost: number; timeCost: number; parallelism: number };
  /**
   * Requests per fixed one-minute window, stored in the database so every process shares them:
   * per client, every authenticated CSC call (KYSO_RATE_CLIENT_PER_MINUTE, default 600); per
   * credential, authorize and signHash (KYSO_RATE_CREDENTIAL_PER_MINUTE, default 120). Over the
   * limit: 429 temporarily_unavailable with Retry-After: 60.
   */
  rateLimit: { perClientPerMinute: number; perCredentialPerMinute: number };
  /** CRL nextUpdate − thisUpdate (KYSO_CRL_VALIDITY_SECONDS, default 7 days, 600 s–365 days). */
  crlValiditySeconds: number;
  /** Interval of the CRL schedule, which re-issues a CRL past half its validity (KYSO_CRL_REFRESH_SECONDS, default 3600). */
  crlRefreshSeconds: number;
  /**
   * OCSP (issue 21): validity window of every response (nextUpdate - thisUpdate), the interval of
   * the background job that re-produces pre-produced responses past half their validity (at most
   * four days), what a request with a nonce gets ('fresh': a newly signed response echoing it;
   * 'preproduced': the pre-produced one, RFC 5019 §2.2.1), the cap on Cache-Control max-age (0:
   * until nextUpdate) and how long a process keeps a pre-produced response in memory.
   */
  ocsp: {
    validitySeconds: number;
    refreshSeconds: number;
    nonce: 'fresh' | 'preproduced';
    maxAgeSeconds: number;
    memoryCacheMs: number;
  };
  /** Request body limit in bytes (KYSO_BODY_LIMIT_BYTES, default 256 KiB); larger bodies get 413. */
  bodyLimitBytes: number;
  /** Body limit for signDoc/prepareDoc requests carrying PDFs (base64). */
  documentLimitBytes: number;
  /** Lifetime of a pending asynchronous or authorisation-page request (default 5 minutes). */
  approvalLifetimeSeconds: number;
  /** Most hashes in one authorize, extendTransaction or signHash request (KYSO_MAX_HASHES, default 1000). */
  maxHashesPerRequest: number;
  /**
   * Lint before issue (issue 19): every certificate the server issues is linted before it is signed
   * (errors refuse; warnings refuse unless an operator overrides them). KYSO_LINT_BEFORE_ISSUE=off
   * switches the gate off (benchmarks, emergencies): the server then records
   * `config.lint_before_issue_off` in the audit at start and `lintBeforeIssue: false` in every
   * `certificate.issue` record. Default on.
   */
  lintBeforeIssue: boolean;
  /** Software vault: idle seconds an unsealed key stays in memory for the next request (0: never). */
  keyCacheSeconds: number;
  /** Software vault: worker threads that sign batches of 8+ hashes in parallel (0: inline). */
  signWorkers: number;
  /**
   * Passkeys (WebAuthn): the attestation asked for at enrolment ('none': any authenticator;
   * 'direct': a verified attestation statement is required) and, with 'direct', the AAGUIDs of
   * the authenticator models accepted (empty: any model with a valid statement). The RP ID and
   * the expected origin are derived from publicBaseUrl (KYSO_PUBLIC_URL).
   */
  webauthn: {
    attestation: 'none' | 'direct';
    aaguids: string[];
    /**
     * With 'direct': PEM root certificates the attestation chain (packed, tpm, fido-u2f) must lead
     * to (KYSO_WEBAUTHN_ROOTS, a file). Without them a packed statement is checked but not anchored.
     */
    roots: string[];
    /** Lifetime of an operator-issued passkey enrolment code (KYSO_PASSKEY_ENROL_SECONDS, default 86400; single use). */
    enrolmentCodeSeconds: number;
  };
}

/** Thrown by {@link loadConfig} with every problem found, so an operator can fix them in one go. */
export class ConfigError extends Error {
  constructor(
    /** One sentence per invalid or missing variable, naming it (never a secret value). */
    readonly problems: string[],
  ) {
    super(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Environment variables by name (`process.env`'s shape). */
type Env = Record<string, string | undefined>;

/**
 * The base of every URL the server writes into certificates and CRLs (CRL distribution points,
 * OCSP, CA issuers). KYSO_PUBLIC_URL when set (an http(s) URL without query or fragment), else the
 * listener's own address (a wildcard host becomes 127.0.0.1; with PORT=0, startServer replaces it
 * with the port actually bound before anything is issued).
 */
function publicUrl(v: string | undefined, host: string, port: number, problems: string[]): string {
  if (v) {
    let u: URL | undefined;
    try {
      u = new URL(v);
    } catch {
      // reported below
    }
    if (!u || !/^https?:$/.test(u.protocol) || u.search || u.hash || u.username || u.password) {
      problems.push(
        'KYSO_PUBLIC_URL must be an http:// or https:// URL without query, fragment or credentials',
      );
    }
    return v.replace(/\/+$/, '');
  }
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/**
 * Reads and validates the configuration from `env` (default `process.env`); `overrides` replace
 * whole fields afterwards (tests, embedding). Defaults and ranges are those of docs/server.md.
 *
 * @throws {@link ConfigError} listing every invalid value (non-integer or out-of-range number,
 * a KYSO_KEK that is not 32 bytes of base64, missing PKCS#11 label or PIN, unknown LOG_LEVEL, bad
 * URL, AAGUID or roots file). Reads the KYSO_WEBAUTHN_ROOTS file when set; nothing else touches
 * the disk (the KEK file is read later, by {@link createKyso}).
 */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const problems: string[] = [];
  const int = (name: string, def: number, min: number, max: number): number => {
    const v = env[name];
    if (v === undefined || v === '') return def;
    if (!/^\d+$/.test(v)) {
      problems.push(`${name} must be an integer, got ${JSON.stringify(v)}`);
      return def;
    }
    const n = Number(v);
    if (n < min || n > max) problems.push(`${name} must be between ${min} and ${max}, got ${n}`);
    return n;
  };
  const dataDir = path.resolve(env.KYSO_DATA_DIR ?? 'data');
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const databaseSchema = env.DATABASE_SCHEMA || undefined;
  if (databaseSchema && !/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema)) {
    problems.push('DATABASE_SCHEMA must be a lowercase SQL identifier');
  }
  let kek: Uint8Array | undefined;
  if (env.KYSO_KEK) {
    const b = Buffer.from(env.KYSO_KEK, 'base64');
    if (b.length !== 32) problems.push('KYSO_KEK must be 32 bytes, base64-encoded');
    else kek = new Uint8Array(b);
  }
  const vault = (env.KYSO_VAULT ?? 'software') as Config['vault'];
  if (vault !== 'software' && vault !== 'pkcs11') problems.push('KYSO_VAULT must be "software" or "pkcs11"');
  let pkcs11: Config['pkcs11'];
  if (vault === 'pkcs11') {
    const module = env.KYSO_PKCS11_MODULE ?? '/usr/lib/softhsm/libsofthsm2.so';
    const slotLabel = env.KYSO_PKCS11_TOKEN_LABEL;
    const pin = env.KYSO_PKCS11_PIN;
    if (!slotLabel) problems.push('KYSO_PKCS11_TOKEN_LABEL is required with KYSO_VAULT=pkcs11');
    if (!pin) problems.push('KYSO_PKCS11_PIN is required with KYSO_VAULT=pkcs11');
    pkcs11 = { module, slotLabel: slotLabel ?? '', pin: pin ?? '' };
  }
  const host = env.HOST ?? '127.0.0.1';
  const port = int('PORT', 8080, 0, 65535);
  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push('LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent');
  }
  const attestation = (env.KYSO_WEBAUTHN_ATTESTATION || 'none') as Config['webauthn']['attestation'];
  if (attestation !== 'none' && attestation !== 'direct')
    problems.push('KYSO_WEBAUTHN_ATTESTATION must be "none" or "direct"');
  const aaguids = (env.KYSO_WEBAUTHN_AAGUIDS ?? '')
    .split(',')
    .map((a) => a.trim().toLowerCase())
    .filter((a) => a !== '');
  for (const a of aaguids)
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(a))
      problems.push(`KYSO_WEBAUTHN_AAGUIDS: ${JSON.stringify(a.slice(0, 40))} is not an AAGUID`);
  if (aaguids.length > 0 && attestation !== 'direct')
    problems.push(
      'KYSO_WEBAUTHN_AAGUIDS needs KYSO_WEBAUTHN_ATTESTATION=direct (an AAGUID is only attested then)',
    );
  const roots: string[] = [];
  if (env.KYSO_WEBAUTHN_ROOTS) {
    if (attestation !== 'direct') problems.push('KYSO_WEBAUTHN_ROOTS needs KYSO_WEBAUTHN_ATTESTATION=direct');
    try {
      const pem = fs.readFileSync(env.KYSO_WEBAUTHN_ROOTS, 'utf8');
      roots.push(...(pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []));
      if (roots.length === 0) problems.push('KYSO_WEBAUTHN_ROOTS holds no PEM certificate');
    } catch {
      problems.push('KYSO_WEBAUTHN_ROOTS cannot be read');
    }
  }
  const cfg: Config = {
    host,
    port,
    databaseUrl,
    databaseSchema,
    dataDir,
    kek,
    kekFile: path.resolve(env.KYSO_KEK_FILE ?? path.join(dataDir, 'kek.key')),
    vault,
    pkcs11,
    demoCaDir: !env.KYSO_DEMO_CA_DIR
      ? undefined
      : env.KYSO_DEMO_CA_DIR === 'none'
        ? 'none'
        : path.resolve(env.KYSO_DEMO_CA_DIR),
    publicBaseUrl: publicUrl(env.KYSO_PUBLIC_URL, host, port, problems),
    logLevel,
    sadLifetimeSeconds: int('KYSO_SAD_LIFETIME_SECONDS', 300, 1, 3600),
    sadMaxAgeSeconds: int('KYSO_SAD_MAX_AGE_SECONDS', 3600, 1, 86400),
    tokenLifetimeSeconds: int('KYSO_TOKEN_LIFETIME_SECONDS', 3600, 60, 86400),
    maxFailedAttempts: int('KYSO_MAX_FAILED_ATTEMPTS', 5, 1, 100),
    otpWindow: int('KYSO_OTP_WINDOW', 1, 0, 100),
    argon2: {
      memoryCost: int('KYSO_ARGON2_MEMORY_KIB', 19456, 1024, 1 << 21),
      timeCost: int('KYSO_ARGON2_ITERATIONS', 2, 1, 20),
      parallelism: int('KYSO_ARGON2_PARALLELISM', 1, 1, 16),
    },
    rateLimit: {
      perClientPerMinute: int('KYSO_RATE_CLIENT_PER_MINUTE', 600, 1, 1_000_000),
      perCredentialPerMinute: int('KYSO_RATE_CREDENTIAL_PER_MINUTE', 120, 1, 1_000_000),
    },
    crlValiditySeconds: int('KYSO_CRL_VALIDITY_SECONDS', 7 * 86400, 600, 365 * 86400),
    crlRefreshSeconds: int('KYSO_CRL_REFRESH_SECONDS', 3600, 1, 86400),
    ocsp: {
      // Defaults inside CA/B Forum BR §4.9.10: validity 8 hours to 10 days (the interval counts
      // both ends, so at most 10 days - 1 s here); 3 days, re-produced after 1.5 days.
      validitySeconds: int('KYSO_OCSP_VALIDITY_SECONDS', 3 * 86400, 1, 10 * 86400 - 1),
      refreshSeconds: int('KYSO_OCSP_REFRESH_SECONDS', 300, 1, 86400),
      nonce: (env.KYSO_OCSP_NONCE || 'fresh') as 'fresh' | 'preproduced',
      maxAgeSeconds: int('KYSO_OCSP_MAX_AGE_SECONDS', 0, 0, 10 * 86400),
      memoryCacheMs: int('KYSO_OCSP_MEMORY_CACHE_MS', 1000, 0, 60_000),
    },
    bodyLimitBytes: int('KYSO_BODY_LIMIT_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    documentLimitBytes: int('KYSO_DOCUMENT_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 512 * 1024 * 1024),
    approvalLifetimeSeconds: int('KYSO_APPROVAL_LIFETIME_SECONDS', 300, 10, 3600),
    maxHashesPerRequest: int('KYSO_MAX_HASHES', 1000, 1, 100_000),
    lintBeforeIssue: env.KYSO_LINT_BEFORE_ISSUE !== 'off',
    keyCacheSeconds: int('KYSO_KEY_CACHE_SECONDS', 60, 0, 3600),
    signWorkers: int('KYSO_SIGN_WORKERS', Math.min(4, os.availableParallelism()), 0, 64),
    webauthn: {
      attestation,
      aaguids,
      roots,
      enrolmentCodeSeconds: int('KYSO_PASSKEY_ENROL_SECONDS', 86400, 60, 30 * 86400),
    },
    ...overrides,
  };
  if (cfg.ocsp.nonce !== 'fresh' && cfg.ocsp.nonce !== 'preproduced')
    problems.push('KYSO_OCSP_NONCE must be "fresh" or "preproduced"');
  const gate = env.KYSO_LINT_BEFORE_ISSUE;
  if (gate !== undefined && gate !== '' && gate !== 'on' && gate !== 'off')
    problems.push('KYSO_LINT_BEFORE_ISSUE must be "on" or "off"');
  if (problems.length > 0) throw new ConfigError(problems);
  return cfg;
}
