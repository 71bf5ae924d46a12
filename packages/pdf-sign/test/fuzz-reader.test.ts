/**
 * Mutation fuzzing of the PDF reader (issue 8): classic xref tables, xref streams with object
 * streams, hybrid files, in strict and tolerant mode. Bytes are changed, inserted, deleted,
 * truncated or overwritten with junk, anywhere or in the trailer/xref region; then the file is
 * opened and walked (catalog, pages, revisions, every object, every stream decoded). Only typed
 * errors (KysoError, PdfError) are allowed, and each case must finish within a time bound.
 * Deep nesting and Flate bombs have their own tests in pdf-io.test.ts and file-io.test.ts.
 * KYSO_FUZZ_RUNS raises the number of cases.
 */
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKysoError } from '@kyso/pki-core';
import { PdfStream } from '../src/pdf/objects.js';
import { PdfReader } from '../src/pdf/reader.js';
import { vectorsDir } from '../../../test-vectors/location.js';

const RUNS = Number(process.env.KYSO_FUZZ_RUNS ?? 150);
const CASE_BOUND_MS = 5000;
const PYHANKO = path.join(vectorsDir, 'pyhanko-pdf/pdf');
const FILES = [
  'minimal.pdf',
  'minimal-xref.pdf',
  'minimal-hybrid-xref.pdf',
  'minimal-two-fields-signed-twice.pdf',
];

type Mutation =
  | { kind: 'set'; at: number; tail: boolean; v: number }
  | { kind: 'junk'; at: number; tail: boolean; bytes: string }
  | { kind: 'delete'; at: number; tail: boolean; n: number }
  | { kind: 'truncate'; at: number; tail: boolean };

const junk = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 12 }),
  fc.constantFrom(
    ' 0 R',
    '<<',
    '>>',
    '[',
    'stream\n',
    'endobj',
    'xref\n0 99999999\n',
    '/Size 2147483647',
    '/Length 999999999',
    '/Prev 0',
    '/W [9 9 9]',
    '/Filter /FlateDecode',
    '/Type /ObjStm /N 100000 /First 0',
    '9999999999',
    '-1',
    'startxref\n0\n',
    '%%EOF',
    '1 0 R 1 0 R',
  ),
);
const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('set' as const),
    at: fc.nat(),
    tail: fc.boolean(),
    v: fc.integer({ min: 0, max: 255 }),
  }),
  fc.record({ kind: fc.constant('junk' as const), at: fc.nat(), tail: fc.boolean(), bytes: junk }),
  fc.record({
    kind: fc.constant('delete' as const),
    at: fc.nat(),
    tail: fc.boolean(),
    n: fc.integer({ min: 1, max: 40 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), tail: fc.boolean() }),
);

function mutate(src: Uint8Array, ms: Mutation[]): Uint8Array {
  let b = src;
  for (const m of ms) {
    // `tail`: aim at the last quarter, where the xref, trailer and startxref live.
    const lo = m.tail ? Math.floor(b.length * 0.75) : 0;
    const at = lo + (m.at % Math.max(1, b.length - lo));
    if (m.kind === 'set') {
      b = b.slice();
      b[at] = m.v;
    } else if (m.kind === 'junk') {
      const j = new TextEncoder().encode(m.bytes);
      b = Uint8Array.from([...b.subarray(0, at), ...j, ...b.subarray(at + j.length)]);
    } else if (m.kind === 'delete') b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.n)]);
    else b = b.slice(0, at);
  }
  return b;
}

/** Opens and walks a file; returns how far it got. Throws only what the reader threw. */
function walk(bytes: Uint8Array, strict: boolean): string {
  const r = PdfReader.open(bytes, { strict });
  r.revisions();
  r.catalog();
  r.pages();
  const n = Math.min(r.size, 2000);
  for (let i = 1; i < n; i++) {
    try {
      const o = r.getObject(i);
      if (o instanceof PdfStream) r.streamData(o);
    } catch (e) {
      if (!isKysoError(e)) throw e;
    }
  }
  return 'walked';
}

describe('PDF reader mutation fuzzing', () => {
  const sources = FILES.map((f) => new Uint8Array(fs.readFileSync(path.join(PYHANKO, f))));

  it('the unmutated vectors walk cleanly', () => {
    for (const s of sources) expect(walk(s, true)).toBe('walked');
  });

  for (const strict of [false, true]) {
    it(`mutated files (${strict ? 'strict' : 'tolerant'}): typed errors only, bounded time`, () => {
      let opened = 0;
      let refused = 0;
      let slowest = 0;
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: sources.length - 1 }),
          fc.array(mutationArb, { minLength: 1, maxLength: 4 }),
          (i, ms) => {
            const m = mutate(sources[i]!, ms);
            const t = performance.now();
            try {
              walk(m, strict);
              opened++;
            } catch (e) {
              if (!isKysoError(e)) throw e;
              refused++;
            }
            const dt = performance.now() - t;
            slowest = Math.max(slowest, dt);
            expect(dt).toBeLessThan(CASE_BOUND_MS);
          },
        ),
        { numRuns: RUNS },
      );
      console.log(
        `[pdf fuzz ${strict ? 'strict' : 'tolerant'}] ${opened} opened, ${refused} refused with a typed error, slowest case ${slowest.toFixed(0)} ms`,
      );
      expect(opened + refused).toBe(RUNS);
    }, 120_000);
  }
});
