/**
 * GeneralName (RFC 5280 §4.2.1.6): encode/parse round trips for every CHOICE, strict parsing,
 * IP address and mask parsing/printing, and the CLI string forms.
 */
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes.js';
import {
  contextConstructed,
  ctxTag,
  DerReader,
  ia5String,
  implicit,
  oid,
  seq,
  tlv,
  utf8String,
} from '../src/der.js';
import { KysoError } from '../src/errors.js';
import { Name } from '../src/name.js';
import {
  encodeGeneralName,
  formatGeneralName,
  formatIp,
  type GeneralName,
  parseGeneralName,
  parseGeneralNameString,
  parseGeneralNames,
  parseIp,
} from '../src/x509/general-name.js';

function parseOne(der: Uint8Array): GeneralName {
  const r = new DerReader(der);
  const g = parseGeneralName(r.read());
  r.finish();
  return g;
}

function expectKyso(fn: () => unknown, code?: string): void {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a KysoError').toBeInstanceOf(KysoError);
  if (code) expect((err as KysoError).code).toBe(code);
}

describe('GeneralName encode/parse', () => {
  const x400 = tlv(ctxTag(3, true), seq(utf8String('x')));
  const edi = tlv(ctxTag(5, true), tlv(ctxTag(1, true), utf8String('party')));
  const cases: [string, GeneralName, string][] = [
    [
      'otherName (UPN)',
      { type: 'otherName', typeId: '1.3.6.1.4.1.311.20.2.3', value: utf8String('an@kyso.vn') },
      'a0',
    ],
    ['email', { type: 'email', value: 'an@kyso.vn' }, '81'],
    ['dns', { type: 'dns', value: 'www.kyso.vn' }, '82'],
    ['x400Address', { type: 'x400Address', raw: x400 }, 'a3'],
    ['directoryName', { type: 'directoryName', value: Name.parse('CN=Nguyễn Văn An,O=Bộ Y tế,C=VN') }, 'a4'],
    ['ediPartyName', { type: 'ediPartyName', raw: edi }, 'a5'],
    ['uri', { type: 'uri', value: 'https://kyso.vn/ca.crt' }, '86'],
    ['ipv4', { type: 'ip', value: Uint8Array.of(192, 0, 2, 1) }, '87'],
    ['ipv6', { type: 'ip', value: parseIp('2001:db8::1') }, '87'],
    ['ipv4 + mask', { type: 'ip', value: parseIp('10.0.0.0/8') }, '87'],
    ['ipv6 + mask', { type: 'ip', value: parseIp('2001:db8::/32') }, '87'],
    ['registeredId', { type: 'registeredId', value: '1.3.6.1.4.1.99999.1' }, '88'],
  ];

  it.each(cases)('%s round-trips with the right tag', (_label, g, tagHex) => {
    const der = encodeGeneralName(g);
    expect(toHex(der.subarray(0, 1))).toBe(tagHex);
    const back = parseOne(der);
    expect(back.type).toBe(g.type);
    expect(toHex(encodeGeneralName(back))).toBe(toHex(der));
    if (g.type === 'directoryName') {
      expect((back as { value: Name }).value.equals(g.value)).toBe(true);
    } else {
      expect(back).toEqual(g);
    }
  });

  it('encodes the exact bytes RFC 5280 expects', () => {
    expect(toHex(encodeGeneralName({ type: 'dns', value: 'a.vn' }))).toBe('8204612e766e');
    expect(toHex(encodeGeneralName({ type: 'ip', value: Uint8Array.of(10, 0, 0, 1) }))).toBe('87040a000001');
    // directoryName is EXPLICIT (Name is a CHOICE): [4] { SEQUENCE ... }
    const dn = encodeGeneralName({ type: 'directoryName', value: Name.parse('C=VN') });
    expect(toHex(dn)).toBe(
      `a4${toHex(Uint8Array.of(Name.parse('C=VN').der.length))}${toHex(Name.parse('C=VN').der)}`,
    );
    // otherName: [0] { type-id OID, [0] EXPLICIT value }
    const on = encodeGeneralName({ type: 'otherName', typeId: '1.2.3', value: fromHex('0c0161') });
    expect(toHex(on)).toBe('a00906022a03a0030c0161');
    // registeredId: [8] IMPLICIT OID
    expect(toHex(encodeGeneralName({ type: 'registeredId', value: '1.2.3' }))).toBe('88022a03');
  });

  it('rejects malformed GeneralNames with KysoError', () => {
    const bad: [string, Uint8Array][] = [
      ['universal tag', ia5String('a.vn')],
      ['constructed dNSName', tlv(ctxTag(2, true), ia5String('a.vn'))],
      ['primitive directoryName', tlv(ctxTag(4, false), Name.parse('C=VN').der)],
      ['primitive otherName', tlv(ctxTag(0, false), oid('1.2.3'))],
      ['non-ASCII dNSName', tlv(ctxTag(2, false), Uint8Array.of(0x61, 0xc3, 0xa0))],
      ['non-ASCII rfc822Name', tlv(ctxTag(1, false), Uint8Array.of(0xe1, 0xba, 0xa1))],
      ['non-ASCII URI', tlv(ctxTag(6, false), Uint8Array.of(0xff))],
      ['IP of 5 bytes', tlv(ctxTag(7, false), Uint8Array.of(1, 2, 3, 4, 5))],
      ['IP of 0 bytes', tlv(ctxTag(7, false), new Uint8Array(0))],
      ['unknown tag [9]', tlv(ctxTag(9, false), Uint8Array.of(1))],
      ['otherName without value', contextConstructed(0, oid('1.2.3'))],
      [
        'otherName with implicit value',
        contextConstructed(0, oid('1.2.3'), tlv(ctxTag(0, false), Uint8Array.of(1))),
      ],
      [
        'otherName trailing element',
        contextConstructed(0, oid('1.2.3'), contextConstructed(0, utf8String('a')), utf8String('b')),
      ],
      ['directoryName trailing element', contextConstructed(4, Name.parse('C=VN').der, utf8String('x'))],
      ['directoryName not a SEQUENCE', contextConstructed(4, utf8String('x'))],
      ['directoryName empty', contextConstructed(4)],
      ['registeredId non-minimal arc', tlv(ctxTag(8, false), Uint8Array.of(0x2a, 0x80, 0x01))],
      ['registeredId empty', tlv(ctxTag(8, false), new Uint8Array(0))],
    ];
    for (const [label, der] of bad) {
      let err: unknown;
      try {
        parseOne(der);
      } catch (e) {
        err = e;
      }
      expect(err, label).toBeInstanceOf(KysoError);
    }
  });

  it('GeneralNames is SIZE (1..MAX) unless the caller allows empty', () => {
    expectKyso(() => parseGeneralNames(new DerReader(new Uint8Array(0))), 'CERT_INVALID');
    expect(parseGeneralNames(new DerReader(new Uint8Array(0)), true)).toEqual([]);
    const two = new Uint8Array([
      ...encodeGeneralName({ type: 'dns', value: 'a.vn' }),
      ...encodeGeneralName({ type: 'email', value: 'x@a.vn' }),
    ]);
    expect(parseGeneralNames(new DerReader(two)).map((g) => g.type)).toEqual(['dns', 'email']);
  });

  it('refuses to encode non-ASCII IA5 names', () => {
    expectKyso(() => encodeGeneralName({ type: 'dns', value: 'bộ.vn' }));
    expectKyso(() => encodeGeneralName({ type: 'email', value: 'an@bộ.vn' }));
  });
});

describe('IP addresses', () => {
  it('parses and prints IPv4 and IPv6, with prefix or address masks', () => {
    expect(Array.from(parseIp('192.0.2.1'))).toEqual([192, 0, 2, 1]);
    expect(Array.from(parseIp('10.1.0.0/16'))).toEqual([10, 1, 0, 0, 255, 255, 0, 0]);
    expect(Array.from(parseIp('10.1.0.0/255.255.0.0'))).toEqual([10, 1, 0, 0, 255, 255, 0, 0]);
    expect(Array.from(parseIp('0.0.0.0/0'))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(parseIp('10.1.2.3/25')).slice(4)).toEqual([255, 255, 255, 128]);
    expect(toHex(parseIp('2001:db8::1'))).toBe('20010db8000000000000000000000001');
    expect(toHex(parseIp('::'))).toBe('00000000000000000000000000000000');
    expect(toHex(parseIp('::1'))).toBe('00000000000000000000000000000001');
    expect(toHex(parseIp('fe80::'))).toBe('fe800000000000000000000000000000');
    expect(toHex(parseIp('1:2:3:4:5:6:7:8'))).toBe('00010002000300040005000600070008');
    expect(toHex(parseIp('2001:DB8::/32'))).toBe(`20010db8${'0'.repeat(24)}ffffffff${'0'.repeat(24)}`);
    expect(formatIp(parseIp('192.0.2.1'))).toBe('192.0.2.1');
    expect(formatIp(parseIp('10.0.0.0/8'))).toBe('10.0.0.0/255.0.0.0');
    expect(formatIp(parseIp('2001:db8::1'))).toBe('2001:db8:0:0:0:0:0:1');
    expect(formatIp(parseIp('2001:db8::/32'))).toBe('2001:db8:0:0:0:0:0:0/ffff:ffff:0:0:0:0:0:0');
  });

  it('rejects bad addresses and masks with KysoError', () => {
    for (const s of [
      '',
      '1.2.3',
      '1.2.3.4.5',
      '1.2.3.256',
      '1.2.3.4/33',
      '1.2.3.4/',
      '1.2.3.4/24/8',
      '1.2.3.4/ffff::',
      '2001:db8::/129',
      '1::2::3',
      ':::',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7:8::',
      '1:2:3:4:5:6:7:8:9::',
      '::1:2:3:4:5:6:7:8',
      '12345::',
      'g::1',
      'localhost',
    ]) {
      expectKyso(() => parseIp(s));
    }
  });
});

describe('string forms', () => {
  it('formats every type', () => {
    expect(formatGeneralName({ type: 'email', value: 'a@b.vn' })).toBe('email:a@b.vn');
    expect(formatGeneralName({ type: 'dns', value: 'b.vn' })).toBe('DNS:b.vn');
    expect(formatGeneralName({ type: 'uri', value: 'https://b.vn' })).toBe('URI:https://b.vn');
    expect(formatGeneralName({ type: 'ip', value: parseIp('10.0.0.1') })).toBe('IP:10.0.0.1');
    expect(formatGeneralName({ type: 'directoryName', value: Name.parse('CN=Đào,C=VN') })).toBe(
      'DirName:CN=Đào,C=VN',
    );
    expect(formatGeneralName({ type: 'registeredId', value: '1.2.3' })).toBe('RID:1.2.3');
    expect(formatGeneralName({ type: 'otherName', typeId: '1.2.3', value: fromHex('0c0161') })).toBe(
      'othername:1.2.3:0c0161',
    );
    expect(formatGeneralName({ type: 'x400Address', raw: new Uint8Array(0) })).toBe('x400Address');
  });

  it('parses CLI strings', () => {
    expect(parseGeneralNameString('email:a@b.vn')).toEqual({ type: 'email', value: 'a@b.vn' });
    expect(parseGeneralNameString('DNS:b.vn')).toEqual({ type: 'dns', value: 'b.vn' });
    expect(parseGeneralNameString('URI:https://b.vn/x?y=1')).toEqual({
      type: 'uri',
      value: 'https://b.vn/x?y=1',
    });
    expect(parseGeneralNameString('IP:2001:db8::1')).toEqual({ type: 'ip', value: parseIp('2001:db8::1') });
    expect(parseGeneralNameString('RID:1.2.3')).toEqual({ type: 'registeredId', value: '1.2.3' });
    const dn = parseGeneralNameString('dirName:CN=An,O=Kyso,C=VN');
    expect(dn.type).toBe('directoryName');
    expect((dn as { value: Name }).value.toString()).toBe('CN=An,O=Kyso,C=VN');
    expectKyso(() => parseGeneralNameString('b.vn'), 'INVALID_ARGUMENT');
    expectKyso(() => parseGeneralNameString('foo:b.vn'), 'INVALID_ARGUMENT');
    expectKyso(() => parseGeneralNameString('IP:1.2.3'), 'INVALID_ARGUMENT');
  });

  it('implicit() keeps IA5String content for context tags', () => {
    expect(toHex(implicit(6, ia5String('u')))).toBe('860175');
  });
});
