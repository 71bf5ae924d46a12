/**
 * The pki-core command table. Each command lives in its own module under src/cli/ and is listed
 * here; other packages append their own tables in the `kyso` binary.
 */
import { demoCertsCommand } from './demo-certs.js';
import type { Command } from './framework.js';
import { pkiCommands } from './pki.js';

export const pkiCoreCommands: Command[] = [...pkiCommands, demoCertsCommand];
