/** RFC 4998 parser bounds and hash-tree reduction on synthetic input (the vectors: test-vectors/rfc4998.test.ts). */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../src/bytes.js';
import { digest, hashAlgorithmIdentifier } from '../src/crypto/hash.js';
import { contextConstructed, integer, octetString, seq } from '../src/der.js';
import {
  MAX_ERS_CHAINS,
  MAX_ERS_TREE_DEPTH,
  parseEvidenceRecord,
  reduceHashtree,
  verifyEvidenceRecord,
} from '../src/ers/evidence-record.js';
import { isKysoError } from '../src/errors.js';

const sha256 = hashAlgorithmIdentifier('SHA-256');
/** A minimal, structurally valid ArchiveTimeStamp whose "token" is an empty ContentInfo-like SEQUENCE. */
const fakeAts = (tree?: Uint8Array) => seq(contextConstructed(0, ...[sha256.subarray(2)]), tree, seq(seq()));

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isKysoError(e) ? e.code : `not a KysoError: ${String(e)}`;
  }
  return undefined;
}

describe('RFC 4998 parser bounds', () => {
  it('deep indefinite nesting is refused, not a stack overflow', () => {
    const n = 5000;
    const b = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) b.set([0x30, 0x80], i * 2);
    expect(code(() => parseEvidenceRecord(b))).toBe('DER_MALFORMED');
  });

  it('too many chains, too deep a reduced hash tree: INPUT_TOO_LARGE', () => {
    const chains = Array.from({ length: MAX_ERS_CHAINS + 1 }, () => seq(fakeAts()));
    expect(code(() => parseEvidenceRecord(seq(integer(1), seq(sha256), seq(...chains))))).toBe(
      'INPUT_TOO_LARGE',
    );
    const tree = contextConstructed(
      2,
      ...Array.from({ length: MAX_ERS_TREE_DEPTH + 1 }, () => seq(octetString(new Uint8Array(32)))),
    );
    expect(code(() => parseEvidenceRecord(seq(integer(1), seq(sha256), seq(seq(fakeAts(tree))))))).toBe(
      'INPUT_TOO_LARGE',
    );
  });

  it('schema errors: wrong version, empty sequence or chain, non-OCTET STRING hash, missing timeStamp', () => {
    expect(code(() => parseEvidenceRecord(seq(integer(2), seq(sha256), seq(seq(fakeAts())))))).toBe(
      'ASN1_SCHEMA',
    );
    expect(code(() => parseEvidenceRecord(seq(integer(1), seq(sha256), seq())))).toBe('ASN1_SCHEMA');
    expect(code(() => parseEvidenceRecord(seq(integer(1), seq(sha256), seq(seq()))))).toBe('ASN1_SCHEMA');
    const badTree = contextConstructed(2, seq(integer(5)));
    expect(code(() => parseEvidenceRecord(seq(integer(1), seq(sha256), seq(seq(fakeAts(badTree))))))).toBe(
      'ASN1_SCHEMA',
    );
    expect(code(() => parseEvidenceRecord(seq(integer(1), seq(sha256), seq(seq(seq())))))).toBe(
      'ASN1_SCHEMA',
    );
  });

  it('parses a structurally valid record; an unparsable token is reported, not thrown', async () => {
    const tree = contextConstructed(
      2,
      seq(octetString(new Uint8Array(32).fill(1)), octetString(new Uint8Array(32))),
    );
    const er = parseEvidenceRecord(seq(integer(1), seq(sha256), seq(seq(fakeAts(tree)))));
    expect(er.chains[0]![0]!.digestAlgorithmOid).toBe('2.16.840.1.101.3.4.2.1');
    expect(er.chains[0]![0]!.reducedHashtree).toHaveLength(1);
    const rep = await verifyEvidenceRecord(er, { data: new Uint8Array([1]) });
    expect(rep.valid).toBe(false);
    expect(rep.reason).toMatch(/^chain 0 ATS 0: TIME_STAMP_MALFORMED/);
  });
});

describe('reduceHashtree (§4.2: sorted binary concatenation)', () => {
  it('hashes each list sorted, carries the result up; a single value passes unhashed', async () => {
    const a = new Uint8Array(32).fill(0xaa);
    const b = new Uint8Array(32).fill(0x11);
    const c = new Uint8Array(32).fill(0x55);
    const ab = await digest('SHA-256', concatBytes(b, a)); // sorted: 11.. before aa..
    const want = await digest('SHA-256', ab[0]! < c[0]! ? concatBytes(ab, c) : concatBytes(c, ab));
    expect(await reduceHashtree('SHA-256', [[a, b], [c]])).toEqual(want);
    expect(await reduceHashtree('SHA-256', [[b, a], [c]])).toEqual(want); // order in the list is irrelevant
    expect(await reduceHashtree('SHA-256', [[a]])).toEqual(a);
    expect(await reduceHashtree('SHA-256', undefined, c)).toEqual(c);
  });
});
