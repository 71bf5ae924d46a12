/**
 * pki-core's subpath entries per concern (issue 17, docs/decisions.md "Explicit exports and subpath
 * entries"): package.json "exports" names each one and its source file exists; together they carry
 * every value the root entry exports (the root's `der` namespace is `/der`'s named exports), as the
 * same bindings, so a caller mixing the root and a subpath sees one TrustStore, one KysoError.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as cms from '@kyso/pki-core/cms';
import * as crypto from '@kyso/pki-core/crypto';
import * as der from '@kyso/pki-core/der';
import * as lint from '@kyso/pki-core/lint';
import * as ocsp from '@kyso/pki-core/ocsp';
import * as pathEntry from '@kyso/pki-core/path';
import * as tsp from '@kyso/pki-core/tsp';
import * as verdict from '@kyso/pki-core/verdict';
import * as x509 from '@kyso/pki-core/x509';
import * as root from '../src/index.js';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const SUBPATHS: Record<string, Record<string, unknown>> = {
  der,
  crypto,
  x509,
  path: pathEntry,
  cms,
  tsp,
  ocsp,
  lint,
  verdict,
};

describe('pki-core subpath entries', () => {
  it('package.json "exports" maps each subpath to dist/<name>/index.{js,d.ts}, built from src/<name>/index.ts', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
    for (const name of Object.keys(SUBPATHS)) {
      expect(pkg.exports[`./${name}`]).toEqual({
        types: `./dist/${name}/index.d.ts`,
        default: `./dist/${name}/index.js`,
      });
      expect(fs.existsSync(path.join(pkgDir, 'src', name, 'index.ts'))).toBe(true);
    }
  });

  it('every value of the root is exported by a subpath, as the same binding', () => {
    const missing: string[] = [];
    const different: string[] = [];
    for (const [name, value] of Object.entries(root)) {
      if (name === 'der') continue;
      const homes = Object.entries(SUBPATHS).filter(([, m]) => name in m);
      if (homes.length === 0) missing.push(name);
      for (const [sub, m] of homes) if (m[name] !== value) different.push(`${sub}:${name}`);
    }
    expect(missing).toEqual([]);
    expect(different).toEqual([]);
    expect(Object.keys(root).length).toBeGreaterThan(400);
  });

  it("the root's der namespace and /der name the same DER functions", () => {
    for (const [name, value] of Object.entries(root.der)) expect(SUBPATHS.der?.[name], name).toBe(value);
    expect(pathEntry.TrustStore).toBe(root.TrustStore);
    expect(cms.KysoError).toBe(der.KysoError);
  });

  it('a subpath exports its concern, not the others (the entries are not the root under another name)', () => {
    expect('verifyCms' in pathEntry).toBe(false);
    expect('validatePath' in cms).toBe(false);
    expect('DerReader' in x509).toBe(false);
    expect('lint' in verdict).toBe(false);
    for (const m of Object.values(SUBPATHS))
      expect(Object.keys(m).length).toBeLessThan(Object.keys(root).length / 3);
  });
});
