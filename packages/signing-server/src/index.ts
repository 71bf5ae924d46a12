/**
 * `@kyso/signing-server`: a remote signing server (CSC API v2, SCAL2: every signature activated by
 * a single-use SAD bound to the exact hashes) with its CA services (certificates, CRL, OCSP, RFC
 * 3161 TSA), for Vietnam's paperless administration (docs/compliance.md maps it to Law 20/2023,
 * Decree 23/2025 and Circular 16/2019). Node only. Start it with {@link startServer}, or embed it
 * with {@link createKyso}; configuration comes from {@link loadConfig}. The relying parties' SDK is
 * the browser-safe `@kyso/signing-server/client` entry.
 *
 * @packageDocumentation
 */
export { loadConfig, type Config, ConfigError } from './config.js';
export { createLogger, type Logger, REDACTED_FIELDS } from './log.js';
export {
  canonicalJson,
  auditHash,
  appendAudit,
  sealAudit,
  sealAll,
  kickSealers,
  verifyAudit,
  GENESIS_HASH,
  type AuditEvent,
  AuditSealer,
  type AuditVerifyResult,
} from './audit.js';
export { openPglite, openPostgres, type QueryResult, type Queryable, type Db } from './db/db.js';
export { listMigrations, migrate, splitSql, MIGRATIONS_DIR } from './db/migrate.js';
export type { StoredKey, KeyVault, SignJob, SignResult } from './vault/types.js';
export { SoftwareVault } from './vault/software.js';
export { VaultSigner } from './vault/signer.js';
export {
  emsaPssEncode,
  emsaPssVerify,
  digestInfo,
  signDigestWithKeyObject,
  verifyDigestSignature,
} from './vault/prehash.js';
export { ApiError } from './services/common.js';
export { createApp, cscInfo } from './http/app.js';
export { openApiDocument } from './http/openapi.js';
export { ROUTES, type RouteDoc } from './http/routes.js';
export { createKyso, startServer, type Kyso, type RunningServer } from './server.js';
// The remote signer behind `kyso pdf|xml sign --remote` (the command tables are not exported: the
// binaries in bin/ import dist/cli.js and dist/cli-lazy.js).
export { cscRemoteSignerFactory, type CscRemoteSignerFactoryOptions } from './remote-approval.js';
