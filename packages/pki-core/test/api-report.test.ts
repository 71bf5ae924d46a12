/**
 * The API report check (npm run api:check, run by .ci/run) fails when the public surface and the
 * committed api/*.api.md differ, and passes when they match. Runs on a copy of one small report,
 * against the built declarations (npm run build, as npm ci does). Every entry of the packages'
 * "exports" has a report (scripts/api-entries.mjs lists them).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tmpDir } from './helpers/tools.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const script = path.join(root, 'scripts/api-report.mjs');
const ENTRY = 'pdf-sign-samples';

function check(dir: string) {
  const r = spawnSync(process.execPath, [script, '--check', ENTRY, '--dir', dir], { encoding: 'utf8' });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('API report check', () => {
  it('passes on the committed report and fails once an exported signature differs', () => {
    const dir = tmpDir('api-report');
    const report = path.join(dir, `${ENTRY}.api.md`);
    copyFileSync(path.join(root, 'api', `${ENTRY}.api.md`), report);
    const same = check(dir);
    expect(same.out).toContain(`ok   ${ENTRY}.api.md unchanged`);
    expect(same.code).toBe(0);

    // A report that no longer describes the built declarations (here: a parameter renamed).
    const text = readFileSync(report, 'utf8');
    const changed = text.replace(/export function (\w+)\((\w+)/, 'export function $1(renamed$2');
    expect(changed).not.toBe(text);
    writeFileSync(report, changed);
    const diff = check(dir);
    expect(diff.out).toContain(`FAIL ${ENTRY}.api.md CHANGED`);
    expect(diff.code).toBe(1);
    // --check never rewrites the committed file.
    expect(readFileSync(report, 'utf8')).toBe(changed);
  }, 120_000);

  it('scripts/api-entries.mjs lists every entry point of the packages\' "exports", each with its report', async () => {
    const { ENTRIES } = (await import(path.join(root, 'scripts/api-entries.mjs'))) as {
      ENTRIES: { report: string; pkg: string; dts: string }[];
    };
    const listed = new Set(ENTRIES.map((e) => `${e.pkg}:${e.dts}`));
    const expected: string[] = [];
    for (const pkg of ['pki-core', 'pdf-sign', 'xml-sign', 'signing-server']) {
      const json = JSON.parse(readFileSync(path.join(root, 'packages', pkg, 'package.json'), 'utf8'));
      for (const [key, target] of Object.entries(
        json.exports as Record<string, string | { types?: string }>,
      )) {
        // wildcards, ./package.json and asset paths (./fonts/*) are not code entries
        if (key.includes('*') || typeof target === 'string' || !target.types) continue;
        expected.push(`${pkg}:${target.types.replace(/^\.\//, '')}`);
      }
    }
    expect(expected.filter((e) => !listed.has(e))).toEqual([]);
    expect(expected.length).toBe(ENTRIES.length);
    for (const e of ENTRIES)
      expect(existsSync(path.join(root, 'api', `${e.report}.api.md`)), e.report).toBe(true);
  });
});
