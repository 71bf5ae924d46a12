/**
 * Minimal, dependency-free command framework for the `kyso` CLI.
 * Exit codes: 0 success (or "valid"), 1 failure (or "invalid"), 2 usage error / unreadable input.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { KysoError } from '../errors.js';
import type { ReportLanguage } from '../verdict/render.js';

/** Exit code: success, or "valid". */
export const EXIT_OK = 0;
/** Exit code: failure, or "invalid". */
export const EXIT_FAIL = 1;
/** Exit code: usage error or unreadable input. */
export const EXIT_USAGE = 2;

/** A usage problem (bad or missing option, unreadable input): exit code 2 with the command's help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One option of a command: `--name VALUE`, a `--name` flag, or a repeatable `--name VALUE`. */
export interface OptionSpec {
  /** Long name without dashes, e.g. "profile". */
  name: string;
  /** 'string' takes a value; 'boolean' is a flag; 'multi' is a repeatable value. */
  type: 'string' | 'boolean' | 'multi';
  /** One line for `--help`. */
  description: string;
  /** Whether the command refuses to run without it (a usage error, `EXIT_USAGE`). */
  required?: boolean;
  /** One-letter alias (`-h`). */
  short?: string;
}

/**
 * A command line parsed against a command's options: option values by long name (a string, `true`
 * for a flag, a string list for a repeatable option; absent when not given) and the positionals.
 * Read them with `str`, `list` and `flag`.
 */
export interface ParsedArgs {
  /** Option values by long name: a string, `true` for a flag, a list for a repeatable option. */
  options: Record<string, string | boolean | string[] | undefined>;
  /** The positional arguments, in order (everything after `--` included). */
  positionals: string[];
}

/**
 * Where a command writes: `out` for results (stdout), `err` for diagnostics and progress (stderr).
 * Tests pass a collecting Io.
 */
export interface Io {
  /** Writes a result (stdout); `text` carries its own newlines. */
  out(text: string): void;
  /** Writes a diagnostic or progress line (stderr). */
  err(text: string): void;
}

/**
 * A `kyso` sub-command: its words, help text, options and positionals, and `run`, which resolves to the
 * exit code (`EXIT_OK`, `EXIT_FAIL`, `EXIT_USAGE`). A `UsageError` thrown by `run` prints the help
 * and exits with `EXIT_USAGE`; a `KysoError` prints its code and message.
 */
export interface Command {
  /** Words after `kyso`, e.g. ['cert', 'issue']. */
  path: string[];
  /** One line for the command list. */
  summary: string;
  /** e.g. "LEAF --trust ROOT [--json]" */
  usage?: string;
  /** Its options (`--help` and `--force` are added by the framework). */
  options: OptionSpec[];
  /** Number of required positionals (min) and max (Infinity allowed). */
  positionals?: { min: number; max: number; names?: string };
  /** Runs the command; resolves to the exit code. */
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/**
 * A command known by its description only: `load` imports the module that runs it, when it runs
 * (so `kyso --help` and one command do not load every other command's dependencies).
 */
export interface LazyCommand extends Omit<Command, 'run'> {
  /** Imports the module that runs the command (called only when it runs). */
  load(): Promise<Command>;
}

/** A command given whole or lazily (loaded when it runs). */
export type AnyCommand = Command | LazyCommand;

/** What the top-level `kyso` knows about itself. */
export interface CliInfo {
  /** Printed by `kyso --version`. */
  version?: string;
}

/** Every command takes --force: output files that exist are refused without it. */
const FORCE_OPTION: OptionSpec = {
  name: 'force',
  type: 'boolean',
  description: 'overwrite output files that already exist',
};

/** Set by runCli from the running command's --force. */
let forceOverwrite = false;

/**
 * Refuses to replace an existing file unless the command was given --force (a key or certificate
 * overwritten by mistake may be unrecoverable). '-' (stdout) is always writable.
 */
export function assertWritable(file: string): void {
  if (file === '-' || forceOverwrite || !existsSync(file)) return;
  throw new UsageError(`${file} already exists: pass --force to overwrite it, or choose another output file`);
}

/**
 * Parses a command's arguments against its option specs (plus --help and --force): a 'string'
 * option given twice is a UsageError, a 'multi' option collects every value, required options
 * must be present (unless --help).
 */
export function parseArgs(argv: string[], specs: OptionSpec[]): ParsedArgs {
  const all = [
    ...specs,
    { name: 'help', type: 'boolean', description: 'show help', short: 'h' } as OptionSpec,
  ];
  if (!specs.some((s) => s.name === 'force')) all.push(FORCE_OPTION);
  const byName = new Map(all.map((s) => [s.name, s]));
  const byShort = new Map(all.filter((s) => s.short).map((s) => [s.short!, s]));
  const options: ParsedArgs['options'] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('-') && a !== '-') {
      let name: string;
      let inline: string | undefined;
      if (a.startsWith('--')) {
        const eq = a.indexOf('=');
        name = eq > 0 ? a.slice(2, eq) : a.slice(2);
        inline = eq > 0 ? a.slice(eq + 1) : undefined;
      } else {
        const s = byShort.get(a.slice(1));
        if (!s) throw new UsageError(`unknown option ${a}`);
        name = s.name;
      }
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown option --${name}`);
      if (spec.type === 'boolean') {
        if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
        options[name] = true;
        continue;
      }
      const value = inline ?? argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      if (spec.type === 'multi') options[name] = [...((options[name] as string[] | undefined) ?? []), value];
      else {
        if (options[name] !== undefined) throw new UsageError(`--${name} given twice`);
        options[name] = value;
      }
    } else positionals.push(a);
  }
  if (!options.help) {
    for (const s of specs)
      if (s.required && options[s.name] === undefined) throw new UsageError(`--${s.name} is required`);
  }
  return { options, positionals };
}

/** The help text of a command (usage, summary, options). */
export function helpText(cmd: Omit<Command, 'run'>): string {
  const lines = [`kyso ${cmd.path.join(' ')} ${cmd.usage ?? ''}`.trimEnd(), '', cmd.summary, ''];
  const opts = cmd.options.some((o) => o.name === 'force') ? cmd.options : [...cmd.options, FORCE_OPTION];
  if (opts.length) {
    lines.push('Options:');
    for (const o of opts) {
      const flag = `  --${o.name}${o.type === 'boolean' ? '' : ' VALUE'}${o.type === 'multi' ? ' (repeatable)' : ''}`;
      lines.push(`${flag.padEnd(34)} ${o.description}${o.required ? ' (required)' : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The value of a string option (undefined when absent); UsageError when it has no value. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`--${name} needs a value`);
  return v;
}

/** Every value of a repeatable ('multi') option, in order (a single value as a one-element list). */
export function list(args: ParsedArgs, name: string): string[] {
  const v = args.options[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

/** Whether a boolean option was given. */
export function flag(args: ParsedArgs, name: string): boolean {
  return args.options[name] === true;
}

/** A non-negative integer option (undefined when absent); UsageError otherwise. */
export function int(args: ParsedArgs, name: string): number | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a non-negative integer`);
  return Number(v);
}

/** An ISO 8601 date-time option (undefined when absent); UsageError when it does not parse. */
export function date(args: ParsedArgs, name: string): Date | undefined {
  const v = str(args, name);
  if (v === undefined) return undefined;
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) throw new UsageError(`--${name} must be an ISO 8601 date-time`);
  return d;
}

/**
 * The `--lang vi|en` option of the verifying commands: the language of the readable report and of
 * its verdict line (the one vi/en renderer, verdict/render.ts).
 */
export function langOption(fallback: ReportLanguage): OptionSpec {
  return {
    name: 'lang',
    type: 'string',
    description: `language of the readable report and its verdict line: vi or en (default ${fallback})`,
  };
}

/** The `--lang` option's value, `fallback` when absent; UsageError for anything but vi or en. */
export function lang(args: ParsedArgs, fallback: ReportLanguage): ReportLanguage {
  const v = str(args, 'lang') ?? fallback;
  if (v !== 'vi' && v !== 'en') throw new UsageError('--lang must be vi or en');
  return v;
}

/** Reads an input file; unreadable input is a usage-class failure (exit 2). */
export function readInput(file: string): Uint8Array {
  try {
    return new Uint8Array(readFileSync(file === '-' ? 0 : file));
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message}`);
  }
}

/**
 * Writes `data` to `file`, or to stdout when it is undefined or '-'; an existing file is refused
 * without --force (assertWritable).
 */
export function writeOutput(
  file: string | undefined,
  data: Uint8Array | string,
  io: Io,
  mode?: number,
): void {
  if (file === undefined || file === '-') {
    io.out(typeof data === 'string' ? data : new TextDecoder().decode(data));
    return;
  }
  assertWritable(file);
  writeFileSync(file, data, mode === undefined ? undefined : { mode });
}

/** Runs a command table against argv; returns the exit code. */
export async function runCli(
  commands: readonly AnyCommand[],
  argv: string[],
  io: Io,
  info: CliInfo = {},
): Promise<number> {
  const top = () => {
    const lines = [
      'kyso (ký số): PKI, remote signing and PAdES for Vietnam',
      '',
      'Usage: kyso <command> [options]',
      '',
    ];
    for (const c of commands) lines.push(`  ${c.path.join(' ').padEnd(22)} ${c.summary}`);
    lines.push('', 'Run `kyso <command> --help` for options. Exit: 0 ok/valid, 1 failure/invalid, 2 usage.');
    return `${lines.join('\n')}\n`;
  };
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    io.out(top());
    return argv.length === 0 ? EXIT_USAGE : EXIT_OK;
  }
  if (argv[0] === '--version' || argv[0] === '-V') {
    io.out(`kyso ${info.version ?? 'unknown version'}\n`);
    return EXIT_OK;
  }
  if (argv[0] === 'completion') return completion(commands, argv.slice(1), io);
  // Longest matching command path.
  const matches = commands
    .filter((c) => c.path.every((w, i) => argv[i] === w))
    .sort((a, b) => b.path.length - a.path.length);
  const found = matches[0];
  if (!found) {
    io.err(`kyso: unknown command "${argv.slice(0, 2).join(' ')}"\n\n${top()}`);
    return EXIT_USAGE;
  }
  const cmd: Omit<Command, 'run'> = found;
  try {
    const args = parseArgs(argv.slice(cmd.path.length), cmd.options);
    if (args.options.help) {
      io.out(helpText(cmd));
      return EXIT_OK;
    }
    const p = cmd.positionals ?? { min: 0, max: 0 };
    if (args.positionals.length < p.min || args.positionals.length > p.max) {
      const got = args.positionals.length;
      const want = p.names ?? `${p.min}..${p.max} arguments`;
      throw new UsageError(
        got === 0
          ? `missing ${want}: give it after \`kyso ${cmd.path.join(' ')}\``
          : p.max === 0
            ? `takes no arguments, got ${got} (${args.positionals.join(' ')}); options start with --`
            : `expected ${want}, got ${got} arguments (${args.positionals.join(' ')}); quote a path that contains spaces`,
      );
    }
    forceOverwrite = args.options.force === true;
    const runnable = 'load' in found ? await found.load() : found;
    return await runnable.run(args, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`kyso ${cmd.path.join(' ')}: ${e.message}\n\n${helpText(cmd)}`);
      return EXIT_USAGE;
    }
    if (e instanceof KysoError) {
      io.err(`kyso ${cmd.path.join(' ')}: ${e.code}: ${e.message}\n`);
      const inputErrors = [
        'DER_MALFORMED',
        'ASN1_SCHEMA',
        'PEM_MALFORMED',
        'INPUT_TOO_LARGE',
        'INVALID_ARGUMENT',
      ];
      return inputErrors.includes(e.code) ? EXIT_USAGE : EXIT_FAIL;
    }
    io.err(`kyso ${cmd.path.join(' ')}: internal error: ${(e as Error).stack ?? e}\n`);
    return EXIT_FAIL;
  }
}

/** `kyso completion bash|zsh`: a script completing command words and each command's options. */
function completion(commands: readonly AnyCommand[], argv: string[], io: Io): number {
  const shell = argv[0];
  if ((shell !== 'bash' && shell !== 'zsh') || argv.length !== 1) {
    io.err('kyso completion: say which shell: `kyso completion bash` or `kyso completion zsh`\n');
    return EXIT_USAGE;
  }
  const q = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const firsts = [...new Set(commands.map((c) => c.path[0]!))].sort();
  const cases: string[] = [];
  for (const first of firsts) {
    const subs = commands.filter((c) => c.path[0] === first && c.path.length > 1).map((c) => c.path[1]!);
    if (subs.length) cases.push(`    ${q(first)}) words=${q(subs.join(' '))} ;;`);
  }
  const optCases = commands.map(
    (c) =>
      `    ${q(c.path.join(' '))}) words=${q([...c.options.map((o) => `--${o.name}`), '--help'].join(' '))} ;;`,
  );
  const body = [
    '_kyso() {',
    '  local cur words cmd',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    '  if [ "$COMP_CWORD" -eq 1 ]; then',
    `    words=${q([...firsts, '--help', '--version', 'completion'].join(' '))}`,
    '  elif [ "$COMP_CWORD" -eq 2 ] && [[ "$cur" != -* ]]; then',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    '    case "${COMP_WORDS[1]}" in',
    ...cases,
    "    completion) words='bash zsh' ;;",
    "    *) words='' ;;",
    '    esac',
    '  else',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    '    cmd="${COMP_WORDS[1]}"',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion
    '    [ "$COMP_CWORD" -gt 2 ] && [[ "${COMP_WORDS[2]}" != -* ]] && cmd="$cmd ${COMP_WORDS[2]}"',
    '    case "$cmd" in',
    ...optCases,
    "    *) words='--help' ;;",
    '    esac',
    '    [[ "$cur" == -* ]] || { COMPREPLY=($(compgen -f -- "$cur")); return 0; }',
    '  fi',
    '  COMPREPLY=($(compgen -W "$words" -- "$cur"))',
    '}',
  ];
  if (shell === 'bash') {
    io.out(
      `# kyso bash completion: eval "$(kyso completion bash)" (or save it to a file and source it)\n${body.join('\n')}\ncomplete -o default -F _kyso kyso\n`,
    );
  } else {
    io.out(
      `# kyso zsh completion: eval "$(kyso completion zsh)" in ~/.zshrc\nautoload -U +X bashcompinit && bashcompinit\n${body.join('\n')}\ncomplete -o default -F _kyso kyso\n`,
    );
  }
  return EXIT_OK;
}
