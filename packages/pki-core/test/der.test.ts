import { describe, expect, it } from 'vitest';
import { fromHex, toHex, utf8Encode } from '../src/bytes.js';
import {
  type DerElement,
  DerReader,
  bitString,
  bitStringToFlags,
  bool,
  checkPrimitiveContent,
  compareBytes,
  contextConstructed,
  contextPrimitive,
  ctxTag,
  decodeBitString,
  decodeBoolean,
  decodeGeneralizedTime,
  decodeInteger,
  decodeNull,
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
  integerFromUnsigned,
  MAX_DER_DEPTH,
  MAX_DER_SIZE,
  MAX_OID_BYTES,
  nul,
  octetString,
  oid,
  parseTree,
  printableString,
  seq,
  setOf,
  setRaw,
  Tag,
  time,
  tlv,
  utcTime,
  utf8String,
} from '../src/der.js';
import { KysoError, type KysoErrorCode } from '../src/errors.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const h = (hex: string): Uint8Array => fromHex(hex);
const hx = (b: Uint8Array): string => toHex(b);

/** Asserts fn throws a KysoError with the code (and message pattern, if given). */
function expectKyso(fn: () => unknown, code: KysoErrorCode, msg?: RegExp): KysoError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected a KysoError').toBeInstanceOf(KysoError);
  const err = caught as KysoError;
  expect(err.code).toBe(code);
  if (msg) expect(err.message).toMatch(msg);
  return err;
}

const malformed = (fn: () => unknown, msg?: RegExp) => expectKyso(fn, 'DER_MALFORMED', msg);

/** Element with the given tag and content (as the reader would hand it to a decoder). */
function el(tag: number, value: Uint8Array | string): DerElement {
  const v = typeof value === 'string' ? utf8Encode(value) : value;
  return DerReader.single(tlv(tag, v), tag);
}

/** Reads one element with the top-level reader (no tag expectation). */
const readOne = (hex: string) => DerReader.single(h(hex), h(hex)[0]);

describe('DerReader: TLV framing', () => {
  it('reads short and long form lengths', () => {
    expect(hx(readOne('0403010203').value)).toBe('010203');
    const l128 = readOne(`0481${'80'}${'00'.repeat(128)}`);
    expect(l128.value.length).toBe(128);
    expect(l128.raw.length).toBe(131);
    const l256 = readOne(`048201${'00'}${'ab'.repeat(256)}`);
    expect(l256.value.length).toBe(256);
    const l65536 = DerReader.single(octetString(new Uint8Array(65536)), Tag.OCTET_STRING);
    expect(hx(l65536.raw.subarray(0, 5))).toBe('0483010000');
  });

  it('rejects indefinite length', () => {
    malformed(() => readOne('30800201010000'), /indefinite length/);
    malformed(() => parseTree(h('30800000')), /indefinite/);
  });

  it('rejects non-minimal long-form lengths (leading zero byte)', () => {
    malformed(() => readOne(`048200${'80'}${'00'.repeat(128)}`), /leading zero/);
    malformed(() => readOne(`0483000100${'00'.repeat(256)}`), /leading zero/);
  });

  it('rejects long form for lengths < 128', () => {
    malformed(() => readOne('04810101'), /long form for short length/);
    malformed(() => readOne(`04817f${'00'.repeat(127)}`), /long form for short length/);
    // Zero in long form: non-minimal either way.
    malformed(() => readOne('048100'), /non-minimal length/);
  });

  it('rejects length-of-length above 4 bytes and truncated length octets', () => {
    malformed(() => readOne('04850100000000'), /length too large/);
    malformed(() => readOne('048201'), /truncated length/);
    malformed(() => readOne('0481'), /truncated length/);
  });

  it('rejects truncated content, missing length and empty input', () => {
    malformed(() => readOne('04050102'), /exceeds available data/);
    malformed(() => readOne('30060201010201'), /exceeds/);
    malformed(() => readOne('04'), /missing length/);
    malformed(() => new DerReader(new Uint8Array(0)).read(), /unexpected end of data/);
  });

  it('rejects trailing bytes after the top-level element', () => {
    malformed(() => DerReader.single(h('300000')), /trailing data/);
    malformed(() => DerReader.single(h('30000500')), /trailing data/);
    malformed(() => parseTree(h('0500ff')), /trailing data/);
    // Inside a structure, extra elements are a schema error.
    const r = new DerReader(h('3006020101020102')).enter();
    r.readInteger();
    expectKyso(() => r.finish(), 'ASN1_SCHEMA', /trailing data at offset 5/);
  });

  it('rejects high-tag-number form', () => {
    malformed(() => readOne('1f2200'), /high-tag-number/);
    malformed(() => readOne('9f810000'), /high-tag-number/);
    malformed(() => readOne('bf1f00'), /high-tag-number/);
  });

  it('rejects end-of-contents, constructed primitives and primitive SEQUENCE/SET', () => {
    malformed(() => readOne('0000'), /end-of-contents/);
    malformed(() => readOne('2403040101'), /constructed encoding of OCTET STRING/);
    malformed(() => readOne('2303030100'), /constructed encoding of BIT STRING/);
    malformed(() => readOne('2c00'), /constructed encoding of UTF8String/);
    malformed(() => readOne('2203020101'), /constructed encoding of INTEGER/);
    malformed(() => readOne('1000'), /primitive encoding of SEQUENCE/);
    malformed(() => readOne('1100'), /primitive encoding of SET/);
    // Context-specific and application tags may be either form.
    expect(readOne('a000').tag).toBe(0xa0);
    expect(readOne('8000').tag).toBe(0x80);
    expect(readOne('6000').tag).toBe(0x60);
  });

  it('reports offsets of nested elements and errors', () => {
    const buf = seq(integer(1), seq(octetString(h('aabb')), bool(true)));
    const outer = new DerReader(buf).enter();
    expect(outer.read(Tag.INTEGER).offset).toBe(2);
    const inner = outer.enter();
    const os = inner.read(Tag.OCTET_STRING);
    expect(os.offset).toBe(7);
    expect(buf[os.offset]).toBe(Tag.OCTET_STRING);
    expect(inner.read(Tag.BOOLEAN).offset).toBe(11);
    expect(inner.done).toBe(true);
    outer.finish();
    // Error offsets are absolute within the outermost buffer.
    const bad = h('3006020101020100'.replace(/0100$/, '0200'));
    const r = new DerReader(bad).enter();
    r.readInteger();
    malformed(() => r.read(), /exceeds available data at offset 5/);
  });

  it('enforces expected tags with ASN1_SCHEMA errors', () => {
    expectKyso(
      () => DerReader.single(h('0500'), Tag.SEQUENCE),
      'ASN1_SCHEMA',
      /expected SEQUENCE, found NULL/,
    );
    expectKyso(() => new DerReader(h('a0030201 01'.replace(' ', ''))).enter(Tag.SEQUENCE), 'ASN1_SCHEMA');
    expectKyso(() => new DerReader(h('800101')).enter(0x80), 'ASN1_SCHEMA', /not constructed/);
    expectKyso(() => new DerReader(h('0500')).readTime(), 'ASN1_SCHEMA', /expected a time, found NULL/);
    expectKyso(() => new DerReader(new Uint8Array(0)).readTime(), 'ASN1_SCHEMA', /end of data/);
  });

  it('supports optional fields, peeking and reading everything', () => {
    const r = new DerReader(seq(explicit(0, integer(2)), integer(5), nul())).enter();
    expect(r.peekTag()).toBe(0xa0);
    expect(r.readOptional(0x81)).toBeUndefined();
    expect(r.enterOptional(0xa1)).toBeUndefined();
    const v = r.enterOptional(0xa0)!;
    expect(v.readSmallInteger()).toBe(2);
    v.finish();
    expect(r.readOptional(Tag.INTEGER)?.value[0]).toBe(5);
    expect(r.readAll().map((e) => e.tag)).toEqual([Tag.NULL]);
    expect(r.done).toBe(true);
    expect(r.peekTag()).toBeUndefined();
  });

  it('refuses input above MAX_DER_SIZE', () => {
    expectKyso(() => new DerReader(new Uint8Array(MAX_DER_SIZE + 1)), 'INPUT_TOO_LARGE');
  });
});

describe('INTEGER', () => {
  it('decodes minimal encodings of both signs', () => {
    const cases: [string, bigint][] = [
      ['00', 0n],
      ['01', 1n],
      ['7f', 127n],
      ['0080', 128n],
      ['00ff', 255n],
      ['0100', 256n],
      ['ff', -1n],
      ['80', -128n],
      ['ff7f', -129n],
      ['ff00', -256n],
      ['8000', -32768n],
      ['00ffffffffffffffff', 2n ** 64n - 1n],
    ];
    for (const [hex, v] of cases) expect(decodeInteger(el(Tag.INTEGER, h(hex))), hex).toBe(v);
  });

  it('rejects empty and non-minimal encodings (both signs)', () => {
    malformed(() => decodeInteger(el(Tag.INTEGER, h(''))), /empty INTEGER/);
    for (const hex of ['0000', '0001', '007f', '000080', 'ffff', 'ff80', 'ffff7f', 'ff8000']) {
      malformed(() => decodeInteger(el(Tag.INTEGER, h(hex))), /non-minimal INTEGER/);
    }
    malformed(() => new DerReader(h('02020001')).readIntegerBytes(), /non-minimal/);
    expect(hx(new DerReader(h('0203008000')).readIntegerBytes())).toBe('008000');
  });

  it('round-trips through the writer, including 2^n boundaries and negatives', () => {
    const values: bigint[] = [0n, 1n, -1n, BigInt(Number.MAX_SAFE_INTEGER), BigInt(Number.MIN_SAFE_INTEGER)];
    for (let n = 0n; n <= 260n; n++) {
      const p = 1n << n;
      values.push(p, p - 1n, p + 1n, -p, -p - 1n, -p + 1n);
    }
    for (const v of values) {
      const enc = integer(v);
      expect(enc[0]).toBe(Tag.INTEGER);
      const back = new DerReader(enc).readInteger();
      expect(back, `value ${v}`).toBe(v);
      // Minimality: the content length is the smallest two's-complement width.
      const bits = v >= 0n ? v.toString(2).length + 1 : (-v - 1n).toString(2).length + 1;
      expect(enc.length - 2 - (enc[1]! & 0x80 ? enc[1]! & 0x7f : 0), `length of ${v}`).toBe(
        Math.ceil(bits / 8),
      );
    }
  });

  it('encodes known values exactly', () => {
    expect(hx(integer(0))).toBe('020100');
    expect(hx(integer(127))).toBe('02017f');
    expect(hx(integer(128))).toBe('02020080');
    expect(hx(integer(256))).toBe('02020100');
    expect(hx(integer(-1))).toBe('0201ff');
    expect(hx(integer(-128))).toBe('020180');
    expect(hx(integer(-129))).toBe('0202ff7f');
    expect(hx(integer(2n ** 64n))).toBe('0209010000000000000000');
    expect(hx(enumerated(3))).toBe('0a0103');
    expect(hx(enumerated(200))).toBe('0a0200c8');
  });

  it('integerFromUnsigned adds and strips leading zeros', () => {
    expect(hx(integerFromUnsigned(h('80')))).toBe('02020080');
    expect(hx(integerFromUnsigned(h('000080')))).toBe('02020080');
    expect(hx(integerFromUnsigned(h('00007f')))).toBe('02017f');
    expect(hx(integerFromUnsigned(h('0000')))).toBe('020100');
    expect(hx(integerFromUnsigned(h('')))).toBe('020100');
    expect(hx(integerFromUnsigned(h('ffff')))).toBe('020300ffff');
  });

  it('readSmallInteger refuses values outside the safe integer range', () => {
    expect(new DerReader(integer(Number.MAX_SAFE_INTEGER)).readSmallInteger()).toBe(Number.MAX_SAFE_INTEGER);
    expectKyso(() => new DerReader(integer(2n ** 53n)).readSmallInteger(), 'ASN1_SCHEMA', /out of range/);
    expectKyso(() => new DerReader(integer(-(2n ** 53n))).readSmallInteger(), 'ASN1_SCHEMA');
  });
});

describe('BOOLEAN and NULL', () => {
  it('accepts only 00 and FF of length 1', () => {
    expect(decodeBoolean(el(Tag.BOOLEAN, h('ff')))).toBe(true);
    expect(decodeBoolean(el(Tag.BOOLEAN, h('00')))).toBe(false);
    for (const hex of ['01', '7f', '80', 'fe'])
      malformed(() => decodeBoolean(el(Tag.BOOLEAN, h(hex))), /0x00 or 0xFF/);
    malformed(() => decodeBoolean(el(Tag.BOOLEAN, h(''))), /length must be 1/);
    malformed(() => decodeBoolean(el(Tag.BOOLEAN, h('ffff'))), /length must be 1/);
    expect(hx(bool(true))).toBe('0101ff');
    expect(hx(bool(false))).toBe('010100');
    expect(new DerReader(bool(true)).readBoolean()).toBe(true);
  });

  it('NULL must be empty', () => {
    decodeNull(el(Tag.NULL, h('')));
    malformed(() => decodeNull(el(Tag.NULL, h('00'))), /NULL must be empty/);
    expect(hx(nul())).toBe('0500');
    new DerReader(nul()).readNull();
  });
});

describe('BIT STRING', () => {
  it('decodes and checks unused bits', () => {
    expect(decodeBitString(el(Tag.BIT_STRING, h('00')))).toEqual({ bytes: new Uint8Array(0), unusedBits: 0 });
    const bs = decodeBitString(el(Tag.BIT_STRING, h('0490')));
    expect(bs.unusedBits).toBe(4);
    expect(hx(bs.bytes)).toBe('90');
    malformed(() => decodeBitString(el(Tag.BIT_STRING, h(''))), /empty BIT STRING/);
    malformed(() => decodeBitString(el(Tag.BIT_STRING, h('0800'))), /unused bits > 7/);
    malformed(() => decodeBitString(el(Tag.BIT_STRING, h('ff00'))), /unused bits > 7/);
    malformed(() => decodeBitString(el(Tag.BIT_STRING, h('01'))), /empty BIT STRING with unused bits/);
    malformed(() => decodeBitString(el(Tag.BIT_STRING, h('0101'))), /padding bits not zero/);
    malformed(() => decodeBitString(el(Tag.BIT_STRING, h('0780ff'))), /padding bits not zero/);
    malformed(() => decodeBitString(el(Tag.BIT_STRING, h('0448'))), /padding bits not zero/);
    expect(decodeBitString(el(Tag.BIT_STRING, h('0780'))).unusedBits).toBe(7);
  });

  it('flagsToBitString encodes named bits with trailing zero bits removed', () => {
    expect(hx(flagsToBitString([]))).toBe('030100');
    expect(hx(flagsToBitString([0]))).toBe('03020780');
    expect(hx(flagsToBitString([7]))).toBe('03020001');
    expect(hx(flagsToBitString([0, 5]))).toBe('03020284');
    // KeyUsage digitalSignature(0) + nonRepudiation(1): 03 02 06 c0 (as OpenSSL writes it).
    expect(hx(flagsToBitString([1, 0]))).toBe('030206c0');
    // keyCertSign(5) + cRLSign(6)
    expect(hx(flagsToBitString([5, 6]))).toBe('03020106');
    // decipherOnly(8) needs a second byte
    expect(hx(flagsToBitString([0, 8]))).toBe('0303078080');
    expect(hx(flagsToBitString([8]))).toBe('0303070080');
  });

  it('flagsToBitString round-trips through bitStringToFlags for every subset of 10 bits', () => {
    for (let mask = 0; mask < 1024; mask++) {
      const bits = [...Array(10).keys()].filter((i) => mask & (1 << i));
      const enc = flagsToBitString(bits);
      const bs = new DerReader(enc).readBitString();
      expect(bitStringToFlags(bs)).toEqual(bits);
      if (bits.length) {
        // DER named-bit rule: the last bit is set (no trailing zero bits).
        const total = bs.bytes.length * 8 - bs.unusedBits;
        expect(total - 1).toBe(Math.max(...bits));
      } else expect(bs.bytes.length).toBe(0);
    }
  });

  it('bitString writes raw bytes with the unused count', () => {
    expect(hx(bitString(h('0a0b')))).toBe('0303000a0b');
    expect(hx(bitString(h('f0'), 4))).toBe('030204f0');
  });
});

describe('UTCTime', () => {
  const ut = (s: string) => decodeUtcTime(el(Tag.UTC_TIME, s));

  it('decodes YYMMDDHHMMSSZ with the RFC 5280 century rule', () => {
    expect(ut('250101120000Z').toISOString()).toBe('2025-01-01T12:00:00.000Z');
    expect(ut('491231235959Z').toISOString()).toBe('2049-12-31T23:59:59.000Z');
    expect(ut('500101000000Z').toISOString()).toBe('1950-01-01T00:00:00.000Z');
    expect(ut('991231235959Z').toISOString()).toBe('1999-12-31T23:59:59.000Z');
    expect(ut('000229000000Z').toISOString()).toBe('2000-02-29T00:00:00.000Z');
  });

  it('rejects non-DER forms', () => {
    for (const s of [
      '250101120000', // missing Z
      '2501011200Z', // seconds missing
      '250101120000+0700', // offset
      '2501011200+0700',
      '250101120000-0000',
      '250101120000.5Z', // fraction
      '250101120000z', // lower-case z
      ' 50101120000Z',
      '2501011200 0Z',
      '+50101120000Z',
      '20250101120000Z', // four-digit year
      '',
    ]) {
      malformed(() => ut(s), /UTCTime not in DER form/);
    }
    malformed(() => decodeUtcTime(el(Tag.UTC_TIME, h('3235303130313132303030305a0a'))), /non-printable/);
  });

  it('rejects impossible dates', () => {
    for (const s of [
      '251301000000Z', // month 13
      '250001000000Z', // month 0
      '250100000000Z', // day 0
      '250132000000Z',
      '250230000000Z', // Feb 30
      '230229000000Z', // not a leap year
      '250431000000Z',
      '250101240000Z', // hour 24
      '250101236000Z', // minute 60
      '250101235960Z', // leap second not representable
    ]) {
      malformed(() => ut(s), /invalid date/);
    }
    expect(ut('240229000000Z').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });
});

describe('GeneralizedTime', () => {
  const gt = (s: string, allowFraction?: boolean) =>
    decodeGeneralizedTime(el(Tag.GENERALIZED_TIME, s), allowFraction);

  it('decodes YYYYMMDDHHMMSS[.f]Z', () => {
    expect(gt('20500101000000Z').toISOString()).toBe('2050-01-01T00:00:00.000Z');
    expect(gt('19491231235959Z').toISOString()).toBe('1949-12-31T23:59:59.000Z');
    expect(gt('99991231235959Z').toISOString()).toBe('9999-12-31T23:59:59.000Z');
    expect(gt('20240229120000.5Z').getUTCMilliseconds()).toBe(500);
    expect(gt('20240229120000.001Z').getUTCMilliseconds()).toBe(1);
    expect(gt('20240229120000.999Z').getUTCMilliseconds()).toBe(999);
    expect(gt('20240229120000.1239Z').getUTCMilliseconds()).toBe(123);
  });

  it('keeps every millisecond exact (no float rounding)', () => {
    for (let ms = 1; ms < 1000; ms++) {
      const frac = String(ms).padStart(3, '0').replace(/0+$/, '');
      expect(gt(`20240101000000.${frac}Z`).getUTCMilliseconds(), frac).toBe(ms);
    }
  });

  it('handles years below 100 with their own leap rules', () => {
    // Year 0 is a leap year in the proleptic Gregorian calendar; 1900 is not.
    expect(gt('00000229000000Z').getUTCFullYear()).toBe(0);
    expect(gt('00040229000000Z').toISOString()).toBe('0004-02-29T00:00:00.000Z');
    expect(gt('00500101000000Z').getUTCFullYear()).toBe(50);
    malformed(() => gt('00010229000000Z'), /invalid date/);
    malformed(() => gt('19000229000000Z'), /invalid date/);
    expect(gt('20000229000000Z').toISOString()).toBe('2000-02-29T00:00:00.000Z');
  });

  it('rejects non-DER forms', () => {
    for (const s of [
      '20500101000000', // missing Z (local time)
      '205001010000Z', // seconds missing
      '2050010100Z', // minutes missing
      '20500101000000+0700', // offset
      '20500101000000-0000',
      '20500101000000.50Z', // fraction with trailing zero
      '20500101000000.0Z',
      '20500101000000.Z', // empty fraction
      '20500101000000,5Z', // comma separator
      '20500101000000.5',
      '20500101000000z',
      '500101000000Z', // two-digit year
      '+20500101000000Z',
    ]) {
      malformed(() => gt(s), /GeneralizedTime not in DER form/);
    }
  });

  it('refuses a fraction when allowFraction is false (certificate validity)', () => {
    malformed(() => gt('20500101000000.5Z', false), /not in DER form/);
    expect(gt('20500101000000Z', false).getTime()).toBe(Date.UTC(2050, 0, 1));
  });

  it('rejects impossible dates', () => {
    for (const s of [
      '20501301000000Z',
      '20500230000000Z',
      '20500101240000Z',
      '20500101006000Z',
      '20500101000060Z',
    ]) {
      malformed(() => gt(s), /invalid date/);
    }
  });
});

describe('time writer', () => {
  it('switches from UTCTime to GeneralizedTime at 2050 and before 1950 (RFC 5280)', () => {
    const cases: [string, number, string][] = [
      ['1949-12-31T23:59:59Z', Tag.GENERALIZED_TIME, '19491231235959Z'],
      ['1950-01-01T00:00:00Z', Tag.UTC_TIME, '500101000000Z'],
      ['2000-02-29T08:09:10Z', Tag.UTC_TIME, '000229080910Z'],
      ['2049-12-31T23:59:59Z', Tag.UTC_TIME, '491231235959Z'],
      ['2050-01-01T00:00:00Z', Tag.GENERALIZED_TIME, '20500101000000Z'],
      ['9999-12-31T23:59:59Z', Tag.GENERALIZED_TIME, '99991231235959Z'],
    ];
    for (const [iso, tag, text] of cases) {
      const d = new Date(iso);
      const enc = time(d);
      expect(enc[0], iso).toBe(tag);
      expect(new TextDecoder().decode(enc.subarray(2))).toBe(text);
      expect(new DerReader(enc).readTime().getTime()).toBe(d.getTime());
    }
  });

  it('time() drops milliseconds; generalizedTime(withMillis) keeps them without trailing zeros', () => {
    const d = new Date('2030-06-15T10:20:30.120Z');
    expect(new DerReader(time(d)).readTime().toISOString()).toBe('2030-06-15T10:20:30.000Z');
    const g = generalizedTime(d, true);
    expect(new TextDecoder().decode(g.subarray(2))).toBe('20300615102030.12Z');
    expect(new DerReader(g).readTime().toISOString()).toBe('2030-06-15T10:20:30.120Z');
    expect(
      new TextDecoder().decode(generalizedTime(new Date('2030-06-15T10:20:30.100Z'), true).subarray(2)),
    ).toBe('20300615102030.1Z');
    expect(
      new TextDecoder().decode(generalizedTime(new Date('2030-06-15T10:20:30.007Z'), true).subarray(2)),
    ).toBe('20300615102030.007Z');
    expect(
      new TextDecoder().decode(generalizedTime(new Date('2030-06-15T10:20:30Z'), true).subarray(2)),
    ).toBe('20300615102030Z');
  });

  it('refuses dates the chosen type cannot hold', () => {
    expectKyso(
      () => utcTime(new Date('2050-01-01T00:00:00Z')),
      'INVALID_ARGUMENT',
      /UTCTime cannot hold year 2050/,
    );
    expectKyso(() => utcTime(new Date('1949-12-31T23:59:59Z')), 'INVALID_ARGUMENT');
    expectKyso(() => generalizedTime(new Date('+010000-01-01T00:00:00Z')), 'INVALID_ARGUMENT');
    expectKyso(() => generalizedTime(new Date('-000001-01-01T00:00:00Z')), 'INVALID_ARGUMENT');
    expectKyso(() => time(new Date(Number.NaN)), 'INVALID_ARGUMENT');
  });

  it('round-trips years 0..99 through GeneralizedTime', () => {
    for (const y of [0, 1, 4, 50, 99, 100, 1600]) {
      const d = new Date(0);
      d.setUTCFullYear(y, 1, y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28);
      expect(new DerReader(time(d)).readTime().getTime(), String(y)).toBe(d.getTime());
    }
  });
});

describe('OBJECT IDENTIFIER', () => {
  it('round-trips through the writer', () => {
    for (const o of [
      '0.0',
      '0.39',
      '1.0',
      '1.39',
      '2.0',
      '2.5.4.3',
      '2.47',
      '2.48',
      '2.999',
      '2.999.3',
      '2.16.840.1.101.3.4.2.1',
      '1.2.840.113549.1.1.11',
      '0.9.2342.19200300.100.1.1',
      '1.3.6.1.4.1.311.60.2.1.3',
      '2.25.329800735698586629295641978511506172918',
      '1.2.18446744073709551616',
    ]) {
      expect(new DerReader(oid(o)).readOid(), o).toBe(o);
    }
  });

  it('encodes known OIDs exactly', () => {
    expect(hx(oid('1.2.840.113549.1.1.11'))).toBe('06092a864886f70d01010b');
    expect(hx(oid('2.5.4.3'))).toBe('0603550403');
    expect(hx(oid('2.999.3'))).toBe('0603883703');
    expect(hx(oid('0.9.2342.19200300.100.1.1'))).toBe('060a0992268993f22c640101');
  });

  it('rejects non-minimal arcs, truncated arcs and empty values', () => {
    malformed(() => decodeOid(el(Tag.OID, h(''))), /empty OBJECT IDENTIFIER/);
    malformed(() => decodeOid(el(Tag.OID, h('802a'))), /non-minimal OID arc/);
    malformed(() => decodeOid(el(Tag.OID, h('2a8001'))), /non-minimal OID arc/);
    malformed(() => decodeOid(el(Tag.OID, h('2a86488086f70d'))), /non-minimal OID arc/);
    malformed(() => decodeOid(el(Tag.OID, h('2a86'))), /truncated OID arc/);
    malformed(() => decodeOid(el(Tag.OID, h('86'))), /truncated OID arc/);
    malformed(() => decodeOid(el(Tag.OID, new Uint8Array(129).fill(1))), /too long/);
    // 0x80 as a non-leading byte of an arc is fine (arc 2^14 = 0x81 0x80 0x00).
    expect(decodeOid(el(Tag.OID, h('2a818000')))).toBe('1.2.16384');
  });

  it('the writer refuses malformed dotted strings', () => {
    for (const bad of ['', '1', '3.1', '1.40', '0.40', '1.a', '1..2', '1.2.', '-1.2', '1.2.-3', ' 1.2']) {
      expectKyso(() => oid(bad), 'INVALID_ARGUMENT', /bad OID/);
    }
    // Never write what the reader refuses: content is capped at MAX_OID_BYTES.
    const long = `1.2.${Array(MAX_OID_BYTES).fill('1').join('.')}`;
    expectKyso(() => oid(long), 'INVALID_ARGUMENT', /longer than 128 bytes/);
    const fits = `1.2.${Array(MAX_OID_BYTES - 1)
      .fill('1')
      .join('.')}`;
    expect(new DerReader(oid(fits)).readOid()).toBe(fits);
  });
});

describe('character strings', () => {
  it('PrintableString: accepts exactly the X.680 alphabet', () => {
    const ok = "AZaz09 '()+,-./:=?";
    expect(decodeString(el(Tag.PRINTABLE_STRING, ok))).toBe(ok);
    expect(decodeString(DerReader.single(printableString(ok), Tag.PRINTABLE_STRING))).toBe(ok);
    for (const c of ['*', '@', '&', '_', '!', '"', ';', '<', '\n', 'é', '\x00']) {
      malformed(() => decodeString(el(Tag.PRINTABLE_STRING, `AB${c}`)), /invalid PrintableString character/);
      expectKyso(() => printableString(`AB${c}`), 'INVALID_ARGUMENT');
    }
  });

  it('BMPString: UCS-2 big-endian, even length, no surrogates', () => {
    expect(decodeString(el(Tag.BMP_STRING, h('0056006900ea1ec70074')))).toBe('Viêệt');
    malformed(() => decodeString(el(Tag.BMP_STRING, h('005600'))), /odd BMPString length/);
    malformed(() => decodeString(el(Tag.BMP_STRING, h('d83dde00'))), /surrogate/);
    expect(decodeString(el(Tag.BMP_STRING, h('')))).toBe('');
  });

  it('UTF8String: strict decoding, BOM preserved', () => {
    expect(decodeString(DerReader.single(utf8String('Nguyễn Văn An'), Tag.UTF8_STRING))).toBe(
      'Nguyễn Văn An',
    );
    expect(decodeString(el(Tag.UTF8_STRING, h('f09f9880')))).toBe('😀');
    for (const bad of ['c328', 'c0af', 'e08080', 'eda080', 'f4908080', 'ff', '80', 'e282']) {
      malformed(() => decodeString(el(Tag.UTF8_STRING, h(bad))), /invalid string encoding/);
    }
    // A leading U+FEFF is data, not something to drop silently.
    expect(decodeString(el(Tag.UTF8_STRING, h('efbbbf41')))).toBe('\ufeffA');
  });

  it('IA5String, VisibleString, NumericString, T61String, UniversalString', () => {
    expect(decodeString(el(Tag.IA5_STRING, 'a@b.vn'))).toBe('a@b.vn');
    malformed(() => decodeString(el(Tag.IA5_STRING, h('41ff'))), /ASCII/);
    malformed(() => decodeString(el(Tag.VISIBLE_STRING, h('4180'))), /ASCII/);
    expect(decodeString(el(Tag.NUMERIC_STRING, '0123 456'))).toBe('0123 456');
    malformed(() => decodeString(el(Tag.NUMERIC_STRING, '12a')), /NumericString/);
    expect(decodeString(el(Tag.T61_STRING, h('41e9')))).toBe('Aé');
    expect(decodeString(el(Tag.UNIVERSAL_STRING, h('000000410001f600')))).toBe('A😀');
    malformed(() => decodeString(el(Tag.UNIVERSAL_STRING, h('000041'))), /UniversalString length/);
    malformed(() => decodeString(el(Tag.UNIVERSAL_STRING, h('00110000'))), /code point/);
    malformed(() => decodeString(el(Tag.UNIVERSAL_STRING, h('0000d800'))), /code point/);
    expectKyso(() => decodeString(el(Tag.OCTET_STRING, 'x')), 'ASN1_SCHEMA', /not a string type/);
  });

  it('decodes long strings (no argument-count overflow)', () => {
    const big = 'x'.repeat(300_000);
    expect(decodeString(DerReader.single(ia5String(big), Tag.IA5_STRING))).toBe(big);
    expect(decodeString(el(Tag.PRINTABLE_STRING, big))).toBe(big);
  });

  it('writers refuse characters outside the type', () => {
    expectKyso(() => ia5String('Việt'), 'INVALID_ARGUMENT', /not an IA5String/);
    expect(hx(ia5String('ab'))).toBe('16026162');
    expect(hx(utf8String('ệ'))).toBe('0c03e1bb87');
  });
});

describe('writer: structure', () => {
  it('encodes lengths at the short/long boundaries', () => {
    for (const n of [0, 1, 127, 128, 255, 256, 65535, 65536, 70000]) {
      const enc = octetString(new Uint8Array(n).fill(7));
      const e = DerReader.single(enc, Tag.OCTET_STRING);
      expect(e.value.length).toBe(n);
      const header = n < 128 ? 2 : n < 256 ? 3 : n < 65536 ? 4 : 5;
      expect(enc.length - n, `header for ${n}`).toBe(header);
    }
  });

  it('seq skips undefined, null and false children', () => {
    expect(hx(seq(integer(1), undefined, null, false, nul()))).toBe('30050201010500');
    expect(hx(seq())).toBe('3000');
  });

  it('setOf sorts elements by their encodings (DER SET OF)', () => {
    const s = setOf(integer(256), integer(1), octetString(h('00')), integer(2));
    expect(hx(s)).toBe('310d02010102010202020100040100');
    expect(hx(setRaw(integer(2), integer(1)))).toBe('3106020102020101');
    expect(compareBytes(h('0102'), h('0103'))).toBeLessThan(0);
    expect(compareBytes(h('01'), h('0100'))).toBeLessThan(0);
    expect(compareBytes(h('02'), h('0100'))).toBeGreaterThan(0);
    expect(compareBytes(h('0102'), h('0102'))).toBe(0);
  });

  it('explicit, implicit and context tags', () => {
    expect(hx(explicit(0, integer(2)))).toBe('a003020102');
    expect(hx(implicit(1, integer(5)))).toBe('810105');
    expect(hx(implicit(2, seq(nul())))).toBe('a2020500');
    expect(hx(contextPrimitive(6, utf8Encode('a')))).toBe('860161');
    expect(hx(contextConstructed(3, integer(1), undefined, nul()))).toBe('a305020101 0500'.replace(' ', ''));
    expect(ctxTag(0, true)).toBe(0xa0);
    expect(ctxTag(30, false)).toBe(0x9e);
    const imp = implicit(0, integer(5));
    expect(integer(5)[0]).toBe(Tag.INTEGER); // implicit does not mutate its input
    expect(imp[0]).toBe(0x80);
  });
});

describe('parseTree', () => {
  it('builds a tree with tags, offsets, lengths and values', () => {
    const buf = seq(integer(1), seq(octetString(h('aabb'))), explicit(0, bool(true)));
    const t = parseTree(buf);
    expect(t.tag).toBe(Tag.SEQUENCE);
    expect(t.offset).toBe(0);
    expect(t.length).toBe(buf.length - 2);
    expect(t.children!.map((c) => [c.tag, c.offset])).toEqual([
      [Tag.INTEGER, 2],
      [Tag.SEQUENCE, 5],
      [0xa0, 11],
    ]);
    expect(hx(t.children![1]!.children![0]!.value!)).toBe('aabb');
    expect(t.children![2]!.children![0]!.value![0]).toBe(0xff);
  });

  it('validates the content of universal primitive types anywhere in the tree', () => {
    malformed(() => parseTree(seq(tlv(Tag.INTEGER, h('0001')))), /non-minimal INTEGER/);
    malformed(() => parseTree(seq(seq(tlv(Tag.BOOLEAN, h('01'))))), /BOOLEAN/);
    malformed(() => parseTree(seq(tlv(Tag.NULL, h('00')))), /NULL/);
    malformed(() => parseTree(seq(tlv(Tag.OID, h('2a8001')))), /OID/);
    malformed(() => parseTree(seq(tlv(Tag.BIT_STRING, h('0101')))), /padding/);
    malformed(() => parseTree(seq(tlv(Tag.UTC_TIME, utf8Encode('2501011200Z')))), /UTCTime/);
    malformed(
      () => parseTree(seq(tlv(Tag.GENERALIZED_TIME, utf8Encode('20500101000000.10Z')))),
      /Generalized/,
    );
    malformed(() => parseTree(seq(tlv(Tag.PRINTABLE_STRING, utf8Encode('a*')))), /PrintableString/);
    malformed(() => parseTree(seq(tlv(Tag.UTF8_STRING, h('c0af')))), /string encoding/);
    malformed(() => parseTree(seq(tlv(Tag.ENUMERATED, h('ff80')))), /non-minimal/);
    // Context-specific primitive content is opaque without a schema.
    expect(parseTree(seq(contextPrimitive(0, h('0001')))).children![0]!.value!.length).toBe(2);
    checkPrimitiveContent(el(Tag.OCTET_STRING, h('0001')));
  });

  it('enforces the depth limit', () => {
    let d = nul();
    for (let i = 0; i < MAX_DER_DEPTH; i++) d = seq(d);
    expect(parseTree(d).tag).toBe(Tag.SEQUENCE); // exactly MAX_DER_DEPTH levels below the root
    malformed(() => parseTree(seq(d)), /nesting deeper than 64/);
    malformed(() => parseTree(seq(seq(seq(nul()))), 2), /nesting deeper than 2/);
  });
});

describe.skipIf(!requireTool('openssl'))('interop: certificates made by OpenSSL', () => {
  it('parseTree accepts an OpenSSL certificate and its re-encoding is identical', () => {
    const dir = tmpDir();
    for (const alg of [
      ['-newkey', 'rsa:2048'],
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      ['-newkey', 'ed25519'],
    ]) {
      openssl(
        [
          'req',
          '-x509',
          ...alg,
          '-nodes',
          '-keyout',
          `${dir}/k.pem`,
          '-subj',
          '/CN=Nguyễn Văn An/O=Bộ Nội vụ/C=VN',
          '-utf8',
          '-days',
          '30',
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
      const tree = parseTree(der);
      expect(tree.tag).toBe(Tag.SEQUENCE);
      expect(tree.children).toHaveLength(3);
      const reenc = (n: typeof tree): Uint8Array =>
        n.children
          ? tlv(n.tag, new Uint8Array(n.children.flatMap((c) => [...reenc(c)])))
          : tlv(n.tag, n.value!);
      expect(hx(reenc(tree))).toBe(hx(der));
      // Walk the TBSCertificate with the cursor API.
      const cert = new DerReader(der).enter();
      const tbs = cert.enter();
      expect(tbs.enter(0xa0).readSmallInteger()).toBe(2); // v3
      expect(tbs.readIntegerBytes().length).toBeGreaterThan(0);
      tbs.read(Tag.SEQUENCE); // signature algorithm
      tbs.read(Tag.SEQUENCE); // issuer
      const validity = tbs.enter();
      const nb = validity.readTime();
      const na = validity.readTime();
      expect(na.getTime() - nb.getTime()).toBe(30 * 86400_000);
      validity.finish();
    }
  });
});
