/**
 * The pki-core command table. Each command lives in its own module under src/cli/ and is listed
 * here; other packages append their own tables in the `kyso` binary.
 */
import { cmsCommands } from './cms.js';
import { crlCommands } from './crl.js';
import { demoCertsCommand } from './demo-certs.js';
import { ersCommands } from './ers.js';
import type { Command } from './framework.js';
import { lintCommands } from './lint.js';
import { ocspCommands } from './ocsp.js';
import { pkiCommands } from './pki.js';
import { tsCommands } from './ts.js';
import { verifyChainCommand } from './verify-chain.js';

export const pkiCoreCommands: Command[] = [
  ...pkiCommands,
  ...crlCommands,
  verifyChainCommand,
  ...cmsCommands,
  ...ocspCommands,
  ...tsCommands,
  ...ersCommands,
  demoCertsCommand,
  ...lintCommands,
];
