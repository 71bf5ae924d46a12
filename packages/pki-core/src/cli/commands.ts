/**
 * The pki-core command table. Each command lives in its own module under src/cli/ and is listed
 * here; other packages append their own tables in the `kyso` binary.
 */
import type { Command } from './framework.js';

export const pkiCoreCommands: Command[] = [];
