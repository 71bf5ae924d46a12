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
// The remote signer behind `kyso pdf sign --remote` (the command tables are not exported: the
// binaries in bin/ import dist/cli.js and dist/cli-lazy.js).
export { cscRemoteSignerFactory, type CscRemoteSignerFactoryOptions } from './pdf-remote.js';
