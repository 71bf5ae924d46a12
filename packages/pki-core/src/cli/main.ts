/** Entry point of the `kyso` binary (pki-core commands). */
import { type AnyCommand, type CliInfo, runCli } from './framework.js';

/** The demo hierarchy generator (Node-only; the signing server makes its own demo CA with it). */
export {
  DEMO_P12_PASSWORD,
  type DemoEntity,
  type DemoManifest,
  type DemoVariant,
  generateDemoHierarchy,
} from './demo-certs.js';

export type { AnyCommand, CliInfo, Command, LazyCommand, OptionSpec, ParsedArgs, Io } from './framework.js';
export {
  EXIT_FAIL,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  assertWritable,
  date,
  flag,
  helpText,
  int,
  list,
  parseArgs,
  readInput,
  runCli,
  str,
  writeOutput,
} from './framework.js';

export {
  ADES_LEVELS,
  type AdesLevel,
  KEY_FILE_OPTIONS,
  REMOTE_SIGNER_OPTIONS,
  type RemoteSignerContext,
  type RemoteSignerFactory,
  type RemoteSignerRequest,
  RemoteSigningError,
  SIGNER_USAGE,
  levelAndTsa,
  levelOptions,
  p12Options,
  refuseExistingOutput,
  signerFromOptions,
  signerOptions,
} from './signing-options.js';
export {
  type ReportForm,
  VN_ROOTS_OPTION,
  certificatesFrom,
  reportForm,
  reportOptions,
  trustOption,
  trustStoreFromOptions,
} from './verify-options.js';

export interface MainOptions extends CliInfo {
  /**
   * Prepend pki-core's own command table (default true). The `kyso` binary passes false and lists
   * the pki-core commands lazily itself, so a command only loads the modules it needs.
   */
  pkiCore?: boolean;
}

export async function main(
  argv: string[],
  extra: AnyCommand[] = [],
  options: MainOptions = {},
): Promise<number> {
  const base = options.pkiCore === false ? [] : (await import('./commands.js')).pkiCoreCommands;
  return runCli(
    [...base, ...extra],
    argv,
    {
      out: (t) => process.stdout.write(t),
      err: (t) => process.stderr.write(t),
    },
    options,
  );
}
