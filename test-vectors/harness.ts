/**
 * Shared bits of the conformance harnesses: where the third-party data lives, the reviewed
 * exceptions files, and the agree/disagree bookkeeping every harness reports.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { repoRoot, vectorsDir } from './location.js';

export { repoRoot, vectorsDir };

export interface ExceptionEntry {
  id: string;
  reason: string;
}

/** Loads test-vectors/exceptions/<name>.json: an array of {id, reason}, every reason non-empty. */
export function loadExceptions(name: string): Map<string, string> {
  const file = path.join(repoRoot, 'test-vectors', 'exceptions', `${name}.json`);
  if (!fs.existsSync(file)) return new Map();
  const list = JSON.parse(fs.readFileSync(file, 'utf8')) as ExceptionEntry[];
  const m = new Map<string, string>();
  for (const e of list) {
    if (!e.id || !e.reason || e.reason.trim().length < 10)
      throw new Error(`${name}.json: entry ${JSON.stringify(e)} needs an id and a reason`);
    if (m.has(e.id)) throw new Error(`${name}.json: duplicate id ${e.id}`);
    m.set(e.id, e.reason);
  }
  return m;
}

export interface Tally {
  suite: string;
  cases: number;
  agree: number;
  /** Disagreements covered by an exception. */
  excepted: string[];
  /** Disagreements NOT covered: the test fails on these. */
  unexpected: { id: string; expected: string; actual: string; detail?: string }[];
  /** Exceptions whose case now agrees (the exception should be removed). */
  stale: string[];
}

export function newTally(suite: string): Tally {
  return { suite, cases: 0, agree: 0, excepted: [], unexpected: [], stale: [] };
}

export function score(
  t: Tally,
  exceptions: Map<string, string>,
  id: string,
  expected: string,
  actual: string,
  detail?: string,
): void {
  t.cases++;
  if (expected === actual) {
    t.agree++;
    if (exceptions.has(id)) t.stale.push(id);
  } else if (exceptions.has(id)) t.excepted.push(id);
  else t.unexpected.push(detail === undefined ? { id, expected, actual } : { id, expected, actual, detail });
}

export function summary(t: Tally): string {
  const lines = [
    `${t.suite}: ${t.cases} cases, ${t.agree} agree, ${t.excepted.length} excepted, ${t.unexpected.length} unexpected`,
  ];
  for (const u of t.unexpected.slice(0, 60))
    lines.push(
      `  DISAGREE ${u.id}: expected ${u.expected}, got ${u.actual}${u.detail ? ` (${u.detail})` : ''}`,
    );
  if (t.stale.length) lines.push(`  stale exceptions (now agree; remove them): ${t.stale.join(', ')}`);
  return lines.join('\n');
}
