/**
 * Property tests of the strict DER codec (fast-check):
 *  (a) random DER trees built with the writer parse back identically through parseTree;
 *  (b) mutated encodings (one byte changed, truncated, extended, bytes inserted or deleted) either
 *      parse to a tree that re-encodes to exactly the mutated bytes, or throw a KysoError: never
 *      another exception type, never a hang;
 *  (c) nesting bombs are refused with a KysoError, not a stack overflow.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import {
  bool,
  DerReader,
  type DerTreeNode,
  decodeBitString,
  decodeBoolean,
  decodeGeneralizedTime,
  decodeInteger,
  decodeOid,
  decodeString,
  decodeUtcTime,
  enumerated,
  explicit,
  flagsToBitString,
  generalizedTime,
  ia5String,
  implicit,
  integer,
  MAX_DER_DEPTH,
  nul,
  octetString,
  oid,
  parseTree,
  printableString,
  seq,
  setOf,
  Tag,
  time,
  tlv,
  utf8String,
} from '../src/der.js';
import { KysoError } from '../src/errors.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

/** Runs per property; raise with KYSO_FUZZ_RUNS for a longer local run. */
const RUNS = Number(process.env.KYSO_FUZZ_RUNS ?? 300);
/** Per-test time limit that grows with RUNS (the default 60 s is for the CI-sized run). */
const LONG = { timeout: Math.max(60_000, RUNS * 20) };

// ------------------------------------------------------------------------------------------------
// A model of DER values, its encoding with the writer, and a check of a parsed tree against it.
// ------------------------------------------------------------------------------------------------

type Model =
  | { k: 'int'; v: bigint }
  | { k: 'enum'; v: number }
  | { k: 'bool'; v: boolean }
  | { k: 'null' }
  | { k: 'octets'; v: Uint8Array }
  | { k: 'oid'; v: string }
  | { k: 'utf8'; v: string }
  | { k: 'printable'; v: string }
  | { k: 'ia5'; v: string }
  | { k: 'flags'; v: number[] }
  | { k: 'time'; v: Date }
  | { k: 'gtimeMillis'; v: Date }
  | { k: 'implicitPrim'; n: number; v: Uint8Array }
  | { k: 'seq'; c: Model[] }
  | { k: 'set'; c: Model[] }
  | { k: 'explicit'; n: number; c: Model };

const PRINTABLE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 '()+,-./:=?".split(
  '',
);

const arcArb = fc.oneof(fc.nat({ max: 200 }), fc.bigInt({ min: 0n, max: 1n << 64n }));
const oidArb = fc
  .tuple(fc.integer({ min: 0, max: 2 }), fc.nat({ max: 1000 }), fc.array(arcArb, { maxLength: 8 }))
  .map(([a, b, rest]) => [a, a < 2 ? b % 40 : b, ...rest].join('.'));

const dateArb = fc.date({
  min: new Date('0000-01-01T00:00:00Z'),
  max: new Date('9999-12-31T23:59:59.999Z'),
  noInvalidDate: true,
});

const leafArb: fc.Arbitrary<Model> = fc.oneof(
  fc.bigInt({ min: -(1n << 300n), max: 1n << 300n }).map((v): Model => ({ k: 'int', v })),
  fc.integer({ min: -1000, max: 100_000 }).map((v): Model => ({ k: 'enum', v })),
  fc.boolean().map((v): Model => ({ k: 'bool', v })),
  fc.constant<Model>({ k: 'null' }),
  fc.uint8Array({ maxLength: 300 }).map((v): Model => ({ k: 'octets', v })),
  oidArb.map((v): Model => ({ k: 'oid', v })),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((v): Model => ({ k: 'utf8', v })),
  fc
    .array(fc.constantFrom(...PRINTABLE_CHARS), { maxLength: 40 })
    .map((a): Model => ({ k: 'printable', v: a.join('') })),
  fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((v): Model => ({ k: 'ia5', v })),
  fc.uniqueArray(fc.nat({ max: 40 }), { maxLength: 12 }).map((v): Model => ({ k: 'flags', v })),
  dateArb.map((v): Model => ({ k: 'time', v })),
  dateArb.map((v): Model => ({ k: 'gtimeMillis', v })),
  fc
    .tuple(fc.nat({ max: 30 }), fc.uint8Array({ maxLength: 40 }))
    .map(([n, v]): Model => ({ k: 'implicitPrim', n, v })),
);

const { tree: modelArb } = fc.letrec<{ tree: Model; node: Model }>((tie) => ({
  tree: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leafArb, tie('node')),
  node: fc.oneof(
    fc.array(tie('tree'), { maxLength: 6 }).map((c): Model => ({ k: 'seq', c })),
    fc.array(tie('tree'), { maxLength: 6 }).map((c): Model => ({ k: 'set', c })),
    fc.tuple(fc.nat({ max: 30 }), tie('tree')).map(([n, c]): Model => ({ k: 'explicit', n, c })),
  ),
}));

function encode(m: Model): Uint8Array {
  switch (m.k) {
    case 'int':
      return integer(m.v);
    case 'enum':
      return enumerated(m.v);
    case 'bool':
      return bool(m.v);
    case 'null':
      return nul();
    case 'octets':
      return octetString(m.v);
    case 'oid':
      return oid(m.v);
    case 'utf8':
      return utf8String(m.v);
    case 'printable':
      return printableString(m.v);
    case 'ia5':
      return ia5String(m.v);
    case 'flags':
      return flagsToBitString(m.v);
    case 'time':
      return time(m.v);
    case 'gtimeMillis':
      return generalizedTime(m.v, true);
    case 'implicitPrim':
      return implicit(m.n, octetString(m.v));
    case 'seq':
      return seq(...m.c.map(encode));
    case 'set':
      return setOf(...m.c.map(encode));
    case 'explicit':
      return explicit(m.n, encode(m.c));
  }
}

/** Re-encodes a parsed tree (generic TLV): must give back the exact input bytes. */
function reencode(n: DerTreeNode): Uint8Array {
  if (!n.children) return tlv(n.tag, n.value!);
  const parts = n.children.map(reencode);
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return tlv(n.tag, out);
}

/** Element view of a parsed primitive node, for the typed decoders. */
const asEl = (n: DerTreeNode) => ({
  tag: n.tag,
  value: n.value!,
  raw: tlv(n.tag, n.value!),
  offset: n.offset,
});

/** Checks that a parsed node carries the model's value (decoded with the typed decoders). */
function checkNode(m: Model, n: DerTreeNode): void {
  const whole = (d: Date) => Math.floor(d.getTime() / 1000) * 1000;
  switch (m.k) {
    case 'int':
      expect(n.tag).toBe(Tag.INTEGER);
      expect(decodeInteger(asEl(n))).toBe(m.v);
      return;
    case 'enum':
      expect(n.tag).toBe(Tag.ENUMERATED);
      expect(decodeInteger(asEl(n))).toBe(BigInt(m.v));
      return;
    case 'bool':
      expect(decodeBoolean(asEl(n))).toBe(m.v);
      return;
    case 'null':
      expect(n.tag).toBe(Tag.NULL);
      expect(n.value!.length).toBe(0);
      return;
    case 'octets':
      expect(n.tag).toBe(Tag.OCTET_STRING);
      expect(toHex(n.value!)).toBe(toHex(m.v));
      return;
    case 'oid':
      expect(decodeOid(asEl(n))).toBe(m.v);
      return;
    case 'utf8':
    case 'printable':
    case 'ia5':
      expect(decodeString(asEl(n))).toBe(m.v);
      return;
    case 'flags': {
      const bs = decodeBitString(asEl(n));
      const got: number[] = [];
      for (let i = 0; i < bs.bytes.length * 8 - bs.unusedBits; i++)
        if (bs.bytes[i >> 3]! & (0x80 >> (i & 7))) got.push(i);
      expect(got).toEqual([...m.v].sort((a, b) => a - b));
      return;
    }
    case 'time': {
      const y = m.v.getUTCFullYear();
      const isUtc = y >= 1950 && y < 2050;
      expect(n.tag).toBe(isUtc ? Tag.UTC_TIME : Tag.GENERALIZED_TIME);
      const d = isUtc ? decodeUtcTime(asEl(n)) : decodeGeneralizedTime(asEl(n), false);
      expect(d.getTime()).toBe(whole(m.v));
      return;
    }
    case 'gtimeMillis':
      expect(n.tag).toBe(Tag.GENERALIZED_TIME);
      expect(decodeGeneralizedTime(asEl(n)).getTime()).toBe(m.v.getTime());
      return;
    case 'implicitPrim':
      expect(n.tag).toBe(0x80 | m.n);
      expect(toHex(n.value!)).toBe(toHex(m.v));
      return;
    case 'seq':
      expect(n.tag).toBe(Tag.SEQUENCE);
      expect(n.children).toHaveLength(m.c.length);
      for (const [i, c] of m.c.entries()) checkNode(c, n.children![i]!);
      return;
    case 'set': {
      expect(n.tag).toBe(Tag.SET);
      expect(n.children).toHaveLength(m.c.length);
      // DER SET OF: children in ascending order of their encodings; as a multiset, the model's.
      const got = n.children!.map((c) => toHex(reencode(c)));
      expect(got).toEqual([...got].sort((a, b) => compareHex(a, b)));
      expect([...got].sort()).toEqual(m.c.map((c) => toHex(encode(c))).sort());
      return;
    }
    case 'explicit':
      expect(n.tag).toBe(0xa0 | m.n);
      expect(n.children).toHaveLength(1);
      checkNode(m.c, n.children![0]!);
      return;
  }
}

/** Byte-wise comparison of hex strings (shorter prefix first), as DER orders SET OF. */
function compareHex(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** parseTree must either return a tree that re-encodes to the same bytes or throw a KysoError. */
function parsesCanonicallyOrThrowsKyso(bytes: Uint8Array): 'ok' | 'rejected' {
  const t0 = performance.now();
  let tree: DerTreeNode;
  try {
    tree = parseTree(bytes);
  } catch (e) {
    if (!(e instanceof KysoError)) throw new Error(`non-KysoError thrown for ${toHex(bytes)}: ${String(e)}`);
    expect(['DER_MALFORMED', 'ASN1_SCHEMA', 'INPUT_TOO_LARGE']).toContain(e.code);
    return 'rejected';
  } finally {
    // Never a hang: parsing is linear, a few KB must take far less than a second.
    expect(performance.now() - t0).toBeLessThan(1000);
  }
  expect(toHex(reencode(tree))).toBe(toHex(bytes));
  return 'ok';
}

/** Also exercise the cursor API on the mutated bytes: typed errors only. */
function cursorWalkOrThrowsKyso(bytes: Uint8Array): void {
  const walk = (r: DerReader, depth: number): void => {
    while (!r.done) {
      const tag = r.peekTag()!;
      if (tag & 0x20 && depth < MAX_DER_DEPTH) walk(r.enter(tag), depth + 1);
      else if (tag === Tag.INTEGER) r.readInteger();
      else if (tag === Tag.OID) r.readOid();
      else if (tag === Tag.BOOLEAN) r.readBoolean();
      else if (tag === Tag.BIT_STRING) r.readBitString();
      else if (tag === Tag.UTC_TIME || tag === Tag.GENERALIZED_TIME) r.readTime();
      else if (tag === Tag.NULL) r.readNull();
      else r.read();
    }
  };
  try {
    walk(new DerReader(bytes), 0);
  } catch (e) {
    if (!(e instanceof KysoError)) throw new Error(`cursor: non-KysoError for ${toHex(bytes)}: ${String(e)}`);
  }
}

type Mutation =
  | { op: 'set'; at: number; byte: number }
  | { op: 'xor'; at: number; bit: number }
  | { op: 'truncate'; at: number }
  | { op: 'append'; bytes: Uint8Array }
  | { op: 'insert'; at: number; byte: number }
  | { op: 'delete'; at: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('xor' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
);

function mutate(src: Uint8Array, m: Mutation): Uint8Array {
  const b = Array.from(src);
  const at = 'at' in m ? m.at % Math.max(1, b.length) : 0;
  switch (m.op) {
    case 'set':
      b[at] = m.byte;
      break;
    case 'xor':
      b[at]! ^= 1 << m.bit;
      break;
    case 'truncate':
      b.length = at;
      break;
    case 'append':
      b.push(...m.bytes);
      break;
    case 'insert':
      b.splice(at, 0, m.byte);
      break;
    case 'delete':
      b.splice(at, 1);
      break;
  }
  return Uint8Array.from(b);
}

// ------------------------------------------------------------------------------------------------

describe('DER properties', () => {
  it('(a) writer-built trees parse back identically', LONG, () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const der = encode(m);
        const tree = parseTree(der);
        checkNode(m, tree);
        expect(toHex(reencode(tree))).toBe(toHex(der));
      }),
      { numRuns: RUNS },
    );
  });

  it('(b) mutated encodings re-encode identically or throw KysoError, never anything else', LONG, () => {
    let ok = 0;
    let rejected = 0;
    fc.assert(
      fc.property(modelArb, fc.array(mutationArb, { minLength: 1, maxLength: 3 }), (m, muts) => {
        const bytes = muts.reduce(mutate, encode(m));
        if (parsesCanonicallyOrThrowsKyso(bytes) === 'ok') ok++;
        else rejected++;
        cursorWalkOrThrowsKyso(bytes);
      }),
      { numRuns: RUNS * 3 },
    );
    // The property is only meaningful if both outcomes occur.
    expect(rejected).toBeGreaterThan(0);
    expect(ok).toBeGreaterThan(0);
  });

  it('(b) every single-byte change, truncation and extension of a fixed structure', () => {
    const der = seq(
      integer(-129),
      oid('1.2.840.113549.1.1.11'),
      seq(bool(true), nul(), utf8String('Hà Nội'), printableString('VN')),
      explicit(3, setOf(octetString(new Uint8Array(130).fill(1)), flagsToBitString([0, 5, 8]))),
      time(new Date('2030-01-02T03:04:05Z')),
      generalizedTime(new Date('2060-01-02T03:04:05.5Z'), true),
    );
    parseTree(der);
    let rejected = 0;
    for (let i = 0; i < der.length; i++) {
      for (const v of [0x00, 0x01, 0x7f, 0x80, 0x81, 0xff, der[i]! ^ 0x20, der[i]! + 1]) {
        const b = der.slice();
        b[i] = v & 0xff;
        if (parsesCanonicallyOrThrowsKyso(b) === 'rejected') rejected++;
      }
    }
    for (let n = 0; n < der.length; n++)
      expect(parsesCanonicallyOrThrowsKyso(der.subarray(0, n))).toBe('rejected');
    for (const extra of [[0x00], [0x00, 0x00], [0x05, 0x00], [0x30, 0x00]]) {
      expect(parsesCanonicallyOrThrowsKyso(Uint8Array.from([...der, ...extra]))).toBe('rejected');
    }
    expect(rejected).toBeGreaterThan(der.length);
  });

  it('(b) random byte strings: typed errors only', LONG, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        parsesCanonicallyOrThrowsKyso(bytes);
        cursorWalkOrThrowsKyso(bytes);
      }),
      { numRuns: RUNS * 3 },
    );
  });

  it('(c) a 10,000-deep SEQUENCE bomb is refused with a KysoError, not a stack overflow', () => {
    const depth = 10_000;
    // Build the nested encoding from the inside out, with correct DER lengths at every level.
    let inner: Uint8Array = nul();
    for (let i = 0; i < depth; i++) inner = tlv(Tag.SEQUENCE, inner);
    expect(inner.length).toBeGreaterThan(depth * 2);
    let err: unknown;
    try {
      parseTree(inner);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(KysoError);
    expect((err as KysoError).code).toBe('DER_MALFORMED');
    expect((err as KysoError).message).toMatch(/nesting deeper than/);
    // Same with explicit tags and SETs, and a BER-style indefinite-length bomb.
    let mixed: Uint8Array = integer(1);
    for (let i = 0; i < depth; i++) mixed = i % 2 ? explicit(i % 31, mixed) : tlv(Tag.SET, mixed);
    expect(() => parseTree(mixed)).toThrow(KysoError);
    const indefinite = new Uint8Array(depth * 2);
    for (let i = 0; i < depth; i++) indefinite.set([0x30, 0x80], i * 2);
    expect(() => parseTree(indefinite)).toThrow(/indefinite length/);
  });

  it('(c) wide structures are fine (no recursion per sibling)', () => {
    const wide = seq(...Array.from({ length: 50_000 }, () => nul()));
    expect(parseTree(wide).children).toHaveLength(50_000);
  });
});

describe.skipIf(!requireTool('openssl'))('DER properties on an OpenSSL certificate', () => {
  it('(b) mutated certificates: canonical re-encoding or KysoError', LONG, () => {
    const dir = tmpDir();
    openssl(
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        `${dir}/k.pem`,
        '-subj',
        '/CN=Trần Thị B/UID=CCCD:001234567890/C=VN',
        '-utf8',
        '-addext',
        'keyUsage=critical,digitalSignature,nonRepudiation',
        '-outform',
        'DER',
        '-out',
        `${dir}/c.der`,
      ],
      { check: true },
    );
    const der = new Uint8Array(
      openssl(['x509', '-inform', 'DER', '-in', `${dir}/c.der`, '-outform', 'DER']).stdoutBuffer,
    );
    expect(parsesCanonicallyOrThrowsKyso(der)).toBe('ok');
    fc.assert(
      fc.property(fc.array(mutationArb, { minLength: 1, maxLength: 4 }), (muts) => {
        const bytes = muts.reduce(mutate, der);
        parsesCanonicallyOrThrowsKyso(bytes);
        cursorWalkOrThrowsKyso(bytes);
      }),
      { numRuns: RUNS * 3 },
    );
  });
});

// Keep the single-element reader in the property net too.
describe('DerReader.single on mutations', () => {
  it('typed errors only', () => {
    const der = seq(integer(5), octetString(new Uint8Array(200)));
    fc.assert(
      fc.property(mutationArb, (m) => {
        try {
          DerReader.single(mutate(der, m));
        } catch (e) {
          expect(e).toBeInstanceOf(KysoError);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
