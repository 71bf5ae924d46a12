/**
 * `kyso pdf sign` refuses to overwrite an existing output unless --force (issue 15), through the
 * kyso command framework as the binary runs it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Command, runCli } from '../../pki-core/src/cli/framework.js';
import { tmpDir } from '../../pki-core/test/helpers/tools.js';
import { pdfCommands } from '../src/cli/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { makePdfTestPki } from './helpers/pki.js';

async function kyso(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runCli(pdfCommands as unknown as Command[], argv, {
    out: (t) => (out += t),
    err: (t) => (err += t),
  });
  return { code, out, err };
}

describe('kyso pdf sign --out an existing file', () => {
  const dir = tmpDir();
  let key: string[] = [];
  const input = path.join(dir, 'in.pdf');
  const out = path.join(dir, 'signed.pdf');
  beforeAll(async () => {
    const files = await (await makePdfTestPki()).writeFiles(dir);
    key = ['--p12', files.p12, '--password-file', files.password];
    fs.writeFileSync(input, await makeSamplePdf({ pages: 1 }));
  }, 60_000);

  it('refuses without --force and leaves the file; replaces it with --force', async () => {
    expect((await kyso('pdf', 'sign', input, '--out', out, ...key)).code).toBe(0);
    const first = fs.readFileSync(out);
    const again = await kyso('pdf', 'sign', input, '--out', out, ...key);
    expect(again.code).toBe(2);
    expect(again.err).toContain(
      `${out} already exists: pass --force to overwrite it, or choose another --out`,
    );
    expect(fs.readFileSync(out).equals(first)).toBe(true);
    expect((await kyso('pdf', 'sign', input, '--out', out, ...key, '--force')).code).toBe(0);
    expect(fs.readFileSync(out).equals(first)).toBe(false);
  });
});
