import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bigintToBytes,
  bytesEqual,
  bytesToBigint,
  concatBytes,
  fromBase64,
  fromBase64Url,
  fromHex,
  randomBytes,
  timingSafeEqual,
  toBase64,
  toBase64Url,
  toHex,
  utf8Decode,
  utf8Encode,
} from '../src/bytes.js';

const u8 = (...b: number[]) => Uint8Array.from(b);

describe('hex', () => {
  it('encodes lower-case and decodes either case, ignoring whitespace and colons', () => {
    expect(toHex(u8(0, 1, 0xab, 0xff))).toBe('0001abff');
    expect(toHex(new Uint8Array(0))).toBe('');
    expect([...fromHex('00 01:AB\nff')]).toEqual([0, 1, 0xab, 0xff]);
    expect(fromHex('').length).toBe(0);
  });

  it('rejects odd length and non-hex characters', () => {
    expect(() => fromHex('abc')).toThrow(TypeError);
    expect(() => fromHex('zz')).toThrow(TypeError);
    expect(() => fromHex('0x00')).toThrow(TypeError);
    expect(() => fromHex('+1')).toThrow(TypeError);
  });

  it('round-trips arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(fromHex(toHex(b))).toEqual(b);
      }),
    );
  });
});

describe('base64', () => {
  it('matches RFC 4648 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, b64] of vectors) {
      expect(toBase64(utf8Encode(plain))).toBe(b64);
      expect(utf8Decode(fromBase64(b64))).toBe(plain);
    }
    expect(toBase64(u8(0xfb, 0xff))).toBe('+/8=');
  });

  it('agrees with Node Buffer on random input both ways', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        const s = toBase64(b);
        expect(s).toBe(Buffer.from(b).toString('base64'));
        expect(fromBase64(s)).toEqual(b);
      }),
    );
  });

  it('ignores whitespace (PEM line breaks)', () => {
    expect(utf8Decode(fromBase64('Zm9v\r\nYmFy\n'))).toBe('foobar');
    expect(utf8Decode(fromBase64(' Zm9v YmE= '))).toBe('fooba');
  });

  it('rejects bad length, characters, misplaced padding and non-zero padding bits', () => {
    for (const bad of [
      'Zm9', // length
      'Zm9vY',
      'Zm9v!A==', // character
      'Zm9v-_8=', // base64url alphabet
      'Zg==Zg==', // padding in the middle
      'Z===', // too much padding
      '====',
      'Zh==', // 'h' leaves non-zero bits after one byte
      'Zm9=', // '9' leaves non-zero bits after two bytes
      'Zm=v',
    ]) {
      expect(() => fromBase64(bad), bad).toThrow(TypeError);
    }
  });
});

describe('base64url', () => {
  it('encodes without padding using - and _', () => {
    expect(toBase64Url(u8(0xfb, 0xff))).toBe('-_8');
    expect(toBase64Url(utf8Encode('f'))).toBe('Zg');
    expect([...fromBase64Url('-_8')]).toEqual([0xfb, 0xff]);
    expect(fromBase64Url('').length).toBe(0);
  });

  it('round-trips and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = toBase64Url(b);
        expect(s).toBe(Buffer.from(b).toString('base64url'));
        expect(fromBase64Url(s)).toEqual(b);
      }),
    );
  });

  it('rejects the standard alphabet, padding and impossible lengths', () => {
    for (const bad of ['+/8', 'Zg==', 'Zg=', 'A', 'Zm9vY', 'Zh']) {
      expect(() => fromBase64Url(bad), bad).toThrow(TypeError);
    }
  });
});

describe('UTF-8', () => {
  it('encodes and decodes Vietnamese text', () => {
    const s = 'Cộng hòa Xã hội Chủ nghĩa Việt Nam';
    expect(utf8Decode(utf8Encode(s))).toBe(s);
    expect(toHex(utf8Encode('ệ'))).toBe('e1bb87');
  });

  it('decoding is fatal on invalid sequences and keeps a BOM', () => {
    for (const hex of ['ff', 'c0af', 'eda080', 'e282', 'f4908080'])
      expect(() => utf8Decode(fromHex(hex))).toThrow(TypeError);
    expect(utf8Decode(fromHex('efbbbf41'))).toBe('\ufeffA');
  });

  it('agrees with a fatal TextDecoder on any short input (the ASCII fast path included)', () => {
    const ref = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    const decode = (f: (b: Uint8Array) => string, b: Uint8Array) => {
      try {
        return f(b);
      } catch (e) {
        return e instanceof TypeError ? 'TypeError' : 'other';
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.uint8Array({ maxLength: 80 }), fc.uint8Array({ max: 0x7f, maxLength: 80 })),
        (b) => {
          expect(decode(utf8Decode, b)).toBe(decode((x) => ref.decode(x), b));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('misc helpers', () => {
  it('concatBytes, bytesEqual, timingSafeEqual', () => {
    expect([...concatBytes(u8(1), new Uint8Array(0), u8(2, 3))]).toEqual([1, 2, 3]);
    expect(concatBytes().length).toBe(0);
    expect(bytesEqual(u8(1, 2), u8(1, 2))).toBe(true);
    expect(bytesEqual(u8(1, 2), u8(1, 3))).toBe(false);
    expect(bytesEqual(u8(1, 2), u8(1, 2, 3))).toBe(false);
    expect(timingSafeEqual(u8(1, 2), u8(1, 2))).toBe(true);
    expect(timingSafeEqual(u8(1, 2), u8(1, 3))).toBe(false);
    expect(timingSafeEqual(u8(1), u8(1, 0))).toBe(false);
    expect(timingSafeEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
  });

  it('bigint <-> unsigned big-endian bytes', () => {
    expect([...bigintToBytes(0n)]).toEqual([0]);
    expect([...bigintToBytes(255n)]).toEqual([0xff]);
    expect([...bigintToBytes(256n)]).toEqual([1, 0]);
    expect(bytesToBigint(new Uint8Array(0))).toBe(0n);
    expect(bytesToBigint(u8(0, 0, 1, 0))).toBe(256n);
    expect(() => bigintToBytes(-1n)).toThrow(RangeError);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 1n << 600n }), (n) => {
        expect(bytesToBigint(bigintToBytes(n))).toBe(n);
      }),
    );
  });

  it('randomBytes fills large buffers (beyond the 65536-byte getRandomValues limit)', () => {
    expect(randomBytes(0).length).toBe(0);
    const r = randomBytes(200_000);
    expect(r.length).toBe(200_000);
    // Every 64 KiB chunk got filled: no chunk is all zeros.
    for (let i = 0; i < r.length; i += 65536)
      expect(r.subarray(i, i + 65536).some((b) => b !== 0)).toBe(true);
    expect(bytesEqual(randomBytes(32), randomBytes(32))).toBe(false);
  });
});
