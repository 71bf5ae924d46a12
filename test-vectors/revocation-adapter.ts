/**
 * Connects the harnesses to the revocation engine (packages/pki-core/src/revocation, written by
 * another engineer) when it is present. Expected entry point in src/revocation/index.ts:
 *   createRevocationChecker({ crls, ocspResponses?, fetch?, policy }): RevocationChecker
 * with `policy: 'require'` making a missing status fatal. Until it lands this returns undefined
 * and the cases that need revocation are listed in the exceptions files as pending.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { RevocationChecker } from '../packages/pki-core/src/path/revocation-types.js';
import { repoRoot } from './harness.js';

type Factory = (opts: {
  crls: (Uint8Array | string)[];
  policy: 'require' | 'prefer-ocsp' | 'soft-fail';
}) => RevocationChecker;

let factory: Factory | null | undefined;

async function load(): Promise<Factory | null> {
  if (factory !== undefined) return factory;
  const file = path.join(repoRoot, 'packages/pki-core/src/revocation/index.ts');
  factory = null;
  if (fs.existsSync(file)) {
    const mod = (await import(/* @vite-ignore */ file)) as { createRevocationChecker?: Factory };
    if (typeof mod.createRevocationChecker === 'function') factory = mod.createRevocationChecker;
  }
  return factory;
}

export async function revocationAvailable(): Promise<boolean> {
  return (await load()) !== null;
}

/** A checker that requires a CRL for every certificate, from the given CRLs only (no network). */
export async function crlChecker(crls: (Uint8Array | string)[]): Promise<RevocationChecker | undefined> {
  const f = await load();
  return f ? f({ crls, policy: 'require' }) : undefined;
}

export const limboRevocationChecker = crlChecker;
