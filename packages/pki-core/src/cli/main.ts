/**
 * `@kyso/pki-core/cli`: the `kyso` command-line framework ({@link Command}, {@link parseArgs}, the
 * option accessors, exit codes, help and shell completion) and {@link main}, the entry point of the
 * `kyso` binary with pki-core's own commands (keys, certificates, CRLs, OCSP, time-stamps, CMS,
 * path validation, lint). pdf-sign, xml-sign and the signing server add their command tables to it.
 * Also the demo PKI generator ({@link generateDemoHierarchy}; test keys only). Node only.
 *
 * @packageDocumentation
 */
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

/**
 * Options of `main`: the program's name, version and help text (`CliInfo`), and whether pki-core's
 * commands are included.
 */
export interface MainOptions extends CliInfo {
  /**
   * Prepend pki-core's own command table (default true). The `kyso` binary passes false and lists
   * the pki-core commands lazily itself, so a command only loads the modules it needs.
   */
  pkiCore?: boolean;
}

/**
 * Runs the `kyso` command line `argv` (without `node` and the script) over pki-core's commands plus
 * `extra` (pdf-sign's, xml-sign's, the server's), writing to stdout/stderr. Resolves to the exit code
 * (0 ok, 1 failure, 2 usage error); it does not call `process.exit`.
 */
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
