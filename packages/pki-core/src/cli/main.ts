/** Entry point of the `kyso` binary (pki-core commands). */
import { pkiCoreCommands } from './commands.js';
import { type Command, runCli } from './framework.js';

/** The demo hierarchy generator (Node-only; the signing server makes its own demo CA with it). */
export {
  DEMO_P12_PASSWORD,
  type DemoEntity,
  type DemoManifest,
  type DemoVariant,
  generateDemoHierarchy,
} from './demo-certs.js';

export async function main(argv: string[], extra: Command[] = []): Promise<number> {
  return runCli([...pkiCoreCommands, ...extra], argv, {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  });
}
