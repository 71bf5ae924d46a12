/** Runs kyso commands in-process and captures what they print (for CLI tests). */
import { type Command, runCli } from '../../src/cli/framework.js';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

export async function runCommands(commands: Command[], argv: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const code = await runCli(commands, argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}
