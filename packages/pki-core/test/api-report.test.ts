/**
 * The API report check (npm run api:check, run by .ci/run) fails when the public surface and the
 * committed api/*.api.md differ, and passes when they match. Runs on a copy of one small report,
 * against the built declarations (npm run build, as npm ci does).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
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
});
