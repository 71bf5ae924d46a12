export * from './config.js';
export * from './log.js';
export * from './audit.js';
export * from './db/db.js';
export * from './db/migrate.js';
export * from './vault/types.js';
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
