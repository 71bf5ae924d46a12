/** Entry point of the `kyso` binary (pki-core commands). */
import { pkiCoreCommands } from './commands.js';
import { type Command, runCli } from './framework.js';

export async function main(argv: string[], extra: Command[] = []): Promise<number> {
  return runCli([...pkiCoreCommands, ...extra], argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
