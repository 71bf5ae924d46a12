/**
 * Distinguished names: RFC 4514 parse/print (escaping, hex values, multi-valued RDNs), the OpenSSL
 * slash form, Vietnamese attributes (UID prefixes, T, E, C), RFC 5280 §7.1 comparison, the
 * Vietnamese subject helpers, and cross-checks with OpenSSL in both directions.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/bytes.js';
import { generateKeyPair, type KeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { CertificationRequest, createCsr } from '../src/csr.js';
import { ia5String, oid, printableString, seq, setOf, Tag, tlv, utf8String } from '../src/der.js';
import { isKysoError, KysoError } from '../src/errors.js';
import {
  attributeShortName,
  citizenSubject,
  encodeAttributeValue,
  Name,
  officialSubject,
  organizationSubject,
  prepareString,
} from '../src/name.js';
import { OID } from '../src/oids.js';
import { pemEncode } from '../src/pem.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const hasOpenssl = requireTool('openssl');

/** Expects fn to throw a KysoError with the given code. */
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

/** One ATV as DER, for building names by hand. */
const atv = (type: string, value: Uint8Array) => seq(oid(type), value);

describe('RFC 4514 parsing and printing', () => {
  it('parses the RFC 4514 §4 examples', () => {
    const a = Name.parse('UID=jsmith,DC=example,DC=net');
    expect(a.rdns.length).toBe(3);
    // Most significant RDN last in the string, first in DER.
    expect(a.attributes.map((x) => [attributeShortName(x.type), x.value])).toEqual([
      ['DC', 'net'],
      ['DC', 'example'],
      ['UID', 'jsmith'],
    ]);
    expect(a.attributes[0]!.tag).toBe(Tag.IA5_STRING); // DC is IA5String
    expect(a.toString()).toBe('UID=jsmith,DC=example,DC=net');

    const b = Name.parse('OU=Sales+CN=J.  Smith,DC=example,DC=net');
    expect(b.rdns.length).toBe(3);
    expect(b.rdns[2]!.length).toBe(2);
    expect(b.get('CN')).toEqual(['J.  Smith']);
    expect(b.get('OU')).toEqual(['Sales']);
    expect(b.toString()).toBe('OU=Sales+CN=J.  Smith,DC=example,DC=net');

    const c = Name.parse('CN=James \\"Jim\\" Smith\\, III,DC=example,DC=net');
    expect(c.commonName).toBe('James "Jim" Smith, III');
    expect(Name.parse(c.toString()).commonName).toBe('James "Jim" Smith, III');

    const d = Name.parse('CN=Before\\0dAfter,DC=example,DC=net');
    expect(d.commonName).toBe('Before\rAfter');
    expect(d.toString()).toBe('CN=Before\\0dAfter,DC=example,DC=net');

    // 1.3.6.1.4.1.1466.0=#04024869 : an OCTET STRING value given in hex.
    const e = Name.parse('1.3.6.1.4.1.1466.0=#04024869');
    expect(e.attributes[0]!.type).toBe('1.3.6.1.4.1.1466.0');
    expect(e.attributes[0]!.tag).toBe(Tag.OCTET_STRING);
    expect(toHex(e.attributes[0]!.raw)).toBe('04024869');
    expect(e.toString()).toBe('1.3.6.1.4.1.1466.0=#04024869');

    // CN=Lu\C4\8Di\C4\87 : UTF-8 bytes escaped in hex.
    const f = Name.parse('CN=Lu\\C4\\8Di\\C4\\87');
    expect(f.commonName).toBe('Lučić');
  });

  it('escapes every special character when printing and reads it back', () => {
    for (const v of [
      'a,b',
      'a+b',
      'a"b',
      'a\\b',
      'a<b>c',
      'a;b',
      'a=b',
      '#leading hash',
      ' leading space',
      'trailing space ',
      '  two leading and two trailing  ',
      'mid#hash',
      ' ',
      '#',
      'a\\',
      'a\\ ',
      '\\',
      'tab\there',
      'nul\u0000byte',
    ]) {
      const n = Name.fromAttributes([
        ['O', 'X'],
        ['CN', v],
      ]);
      const s = n.toString();
      const back = Name.parse(s);
      expect(back.commonName, `${JSON.stringify(v)} printed as ${JSON.stringify(s)}`).toBe(v);
      expect(toHex(back.der)).toBe(toHex(n.der));
    }
  });

  it('prints escapes the RFC requires', () => {
    const p = (v: string) => Name.fromAttributes([['CN', v]]).toString();
    expect(p('a,b')).toBe('CN=a\\,b');
    expect(p('a+b')).toBe('CN=a\\+b');
    expect(p('a"b')).toBe('CN=a\\"b');
    expect(p('a\\b')).toBe('CN=a\\\\b');
    expect(p('a<b>')).toBe('CN=a\\<b\\>');
    expect(p('a;b')).toBe('CN=a\\;b');
    expect(p('#x')).toBe('CN=\\#x');
    expect(p('x#')).toBe('CN=x#');
    expect(p(' x')).toBe('CN=\\ x');
    expect(p('x ')).toBe('CN=x\\ ');
    expect(p('Nguyễn')).toBe('CN=Nguyễn'); // UTF-8 printed as is
  });

  it('decodes \\XX hex escapes as UTF-8 and rejects invalid UTF-8', () => {
    expect(Name.parse('CN=Nguy\\E1\\BB\\85n').commonName).toBe('Nguyễn');
    expect(Name.parse('CN=\\48\\49').commonName).toBe('HI');
    // Mixed: hex escape next to a character escape.
    expect(Name.parse('CN=\\C4\\90\\,x').commonName).toBe('Đ,x');
    expectKyso(() => Name.parse('CN=\\C4'), 'NAME_INVALID'); // truncated UTF-8 sequence
    expectKyso(() => Name.parse('CN=\\FF\\FE'), 'NAME_INVALID');
  });

  it('parses #hex values for string types', () => {
    const n = Name.parse('CN=#0c034162c3,C=#1302564e'.replace('0c034162c3', toHex(utf8String('Ab'))));
    expect(n.commonName).toBe('Ab');
    expect(n.get('C')).toEqual(['VN']);
    expect(n.attributes[0]!.tag).toBe(Tag.PRINTABLE_STRING);
    // Hex value with a BMPString keeps its type in DER.
    const bmp = tlv(Tag.BMP_STRING, Uint8Array.of(0x00, 0x41, 0x01, 0x10));
    const m = Name.parse(`CN=#${toHex(bmp)}`);
    expect(m.commonName).toBe('AĐ');
    expect(toHex(m.attributes[0]!.raw)).toBe(toHex(bmp));
    // Bad hex or a bad DER value are typed errors.
    expectKyso(() => Name.parse('CN=#0c0'));
    expectKyso(() => Name.parse('CN=#zz'));
    expectKyso(() => Name.parse('CN=#0c05ab'));
    expectKyso(() => Name.parse('CN=#0c01410000'));
  });

  it('parses multi-valued RDNs in both forms', () => {
    const n = Name.parse('CN=An+UID=CCCD:001234567890,O=Kyso,C=VN');
    expect(n.rdns.length).toBe(3);
    expect(n.rdns[2]!.map((a) => attributeShortName(a.type)).sort()).toEqual(['CN', 'UID']);
    const s = Name.parse('/C=VN/O=Kyso/CN=An+UID=CCCD:001234567890');
    expect(s.equals(n)).toBe(true);
    expect(toHex(s.der)).toBe(toHex(n.der));
    // DER sorts the SET members by encoding.
    const set = n.der;
    const swapped = Name.parse('UID=CCCD:001234567890+CN=An,O=Kyso,C=VN');
    expect(toHex(swapped.der)).toBe(toHex(set));
  });

  it('accepts lenient spacing around separators and OID / long names', () => {
    const n = Name.parse(' CN = An , O = Kyso , C = VN ');
    expect(n.toString()).toBe('CN=An,O=Kyso,C=VN');
    const o = Name.parse('2.5.4.3=An,OID.2.5.4.10=Kyso,c=VN');
    expect(o.equals(Name.parse('CN=An,O=Kyso,C=VN'))).toBe(true);
    const aliases = Name.parse('emailAddress=a@b.vn,TITLE=GĐ,S=Hà Nội,userId=MST:0100686209');
    expect(aliases.toString()).toBe('E=a@b.vn,T=GĐ,ST=Hà Nội,UID=MST:0100686209');
  });

  it('rejects malformed strings with NAME_INVALID', () => {
    for (const bad of [
      'CN',
      '=x',
      'CN=',
      'CN=a,',
      'CN=a,,O=b',
      'FOO=bar',
      'CN=a\\',
      '/CN=a/',
      'CN=a+',
      'CN=x,C=Viet Nam',
      'C=vn',
    ]) {
      expectKyso(() => Name.parse(bad));
    }
    expectKyso(() => Name.parse('FOO=bar'), 'NAME_INVALID');
    expectKyso(() => Name.parse('C=VNM'), 'NAME_INVALID');
  });

  it('parses the empty name', () => {
    expect(Name.parse('').isEmpty).toBe(true);
    expect(Name.parse('/').isEmpty).toBe(true);
    expect(toHex(Name.parse('').der)).toBe('3000');
    expect(Name.fromDer(fromHex('3000')).isEmpty).toBe(true);
    expect(Name.parse('').toString()).toBe('');
  });
});

describe('OpenSSL slash form', () => {
  it('parses most-significant-first and prints it back', () => {
    const n = Name.parse('/C=VN/ST=Hà Nội/O=Bộ Y tế/CN=Nguyễn Văn An');
    expect(n.toString()).toBe('CN=Nguyễn Văn An,O=Bộ Y tế,ST=Hà Nội,C=VN');
    expect(n.toSlashString()).toBe('/C=VN/ST=Hà Nội/O=Bộ Y tế/CN=Nguyễn Văn An');
  });

  it('escapes / + \\ and keeps , = as data', () => {
    const n = Name.fromAttributes([
      ['O', 'A/B+C\\D'],
      ['CN', 'x,y=z'],
    ]);
    const s = n.toSlashString();
    expect(s).toBe('/O=A\\/B\\+C\\\\D/CN=x,y=z');
    expect(Name.parse(s).equals(n)).toBe(true);
    expect(toHex(Name.parse(s).der)).toBe(toHex(n.der));
  });

  it('round-trips values with leading #, leading and trailing spaces', () => {
    for (const v of ['#abc', ' lead', 'trail ', '#', ' ']) {
      const n = Name.fromAttributes([['CN', v]]);
      const back = Name.parse(n.toSlashString());
      expect(back.commonName, JSON.stringify(n.toSlashString())).toBe(v);
    }
  });
});

describe('Vietnamese attributes and encodings', () => {
  it('keeps Vietnamese text (NFC) as UTF8String', () => {
    const cn = 'Nguyễn Thị Hồng Nhung';
    const n = Name.fromAttributes([['CN', cn]]);
    expect(n.attributes[0]!.tag).toBe(Tag.UTF8_STRING);
    expect(toHex(n.attributes[0]!.raw)).toBe(toHex(utf8String(cn)));
    expect(Name.fromDer(n.der).commonName).toBe(cn);
    expect(Name.fromDer(n.der).commonName!.normalize('NFC')).toBe(cn);
    // NFD input compares equal to NFC (RFC 4518 normalisation).
    const nfd = Name.fromAttributes([['CN', cn.normalize('NFD')]]);
    expect(nfd.equals(n)).toBe(true);
  });

  it('encodes C as PrintableString, E and DC as IA5String, others as UTF8String', () => {
    const n = Name.parse('E=an@example.vn,CN=An,T=Giám đốc,C=VN');
    const tags = Object.fromEntries(n.attributes.map((a) => [attributeShortName(a.type), a.tag]));
    expect(tags).toEqual({
      C: Tag.PRINTABLE_STRING,
      T: Tag.UTF8_STRING,
      CN: Tag.UTF8_STRING,
      E: Tag.IA5_STRING,
    });
    expect(toHex(encodeAttributeValue(OID.countryName, 'VN'))).toBe(toHex(printableString('VN')));
    expect(toHex(encodeAttributeValue(OID.emailAddress, 'a@b.vn'))).toBe(toHex(ia5String('a@b.vn')));
    expect(n.get('T')).toEqual(['Giám đốc']);
    expect(n.get('title')).toEqual(['Giám đốc']);
    expect(n.get(OID.title)).toEqual(['Giám đốc']);
  });

  it('rejects a bad country and a non-ASCII email', () => {
    for (const c of ['Vn', 'VNM', 'V', '', '84', 'Việt']) {
      expectKyso(() => Name.fromAttributes([['C', c]]), 'NAME_INVALID');
    }
    expectKyso(() => Name.fromAttributes([['E', 'nhung@bộ.vn']]), 'NAME_INVALID');
  });

  it('rejects empty values (DirectoryString is SIZE (1..MAX))', () => {
    expectKyso(() => Name.fromAttributes([['CN', '']]), 'NAME_INVALID');
  });

  it('reads several UID RDNs and their Vietnamese prefixes', () => {
    const n = Name.parse(
      'UID=CCCD:025123456789,UID=MST:0100686209-199,UID=CMND:012345678,UID=HC:B1234567,UID=MNS:1047665,UID=no-prefix,CN=NGUYEN HONG NHUNG',
    );
    expect(n.vnIdentifiers).toEqual([
      { prefix: '', value: 'no-prefix' },
      { prefix: 'MNS', value: '1047665' },
      { prefix: 'HC', value: 'B1234567' },
      { prefix: 'CMND', value: '012345678' },
      { prefix: 'MST', value: '0100686209-199' },
      { prefix: 'CCCD', value: '025123456789' },
    ]);
    expect(n.get('UID').length).toBe(6);
    expect(n.toString()).toContain('UID=MST:0100686209-199');
  });
});

describe('RFC 5280 §7.1 comparison', () => {
  const base = Name.parse('CN=Nguyễn Văn An,O=Bộ Y tế,C=VN');

  it('is case-insensitive and whitespace-insensitive', () => {
    expect(Name.parse('CN=NGUYỄN VĂN AN,O=bộ y tế,C=VN').equals(base)).toBe(true);
    expect(Name.parse('CN=  Nguyễn   Văn\tAn ,O=Bộ  Y tế,C=VN').equals(base)).toBe(true);
    expect(
      Name.fromAttributes([
        ['C', 'VN'],
        ['O', 'Bộ Y tế'],
        ['CN', ' Nguyễn Văn An '],
      ]).equals(base),
    ).toBe(true);
    expect(Name.parse('CN=Nguyen Van An,O=Bộ Y tế,C=VN').equals(base)).toBe(false); // diacritics matter
    expect(prepareString('  A\u00a0 B\u200b ')).toBe('a b');
  });

  it('treats PrintableString and UTF8String (and BMPString) values as equal', () => {
    const printable = new Name([
      [
        {
          type: OID.commonName,
          value: 'Kyso CA',
          tag: Tag.PRINTABLE_STRING,
          raw: printableString('Kyso CA'),
        },
      ],
    ]);
    const utf8 = Name.fromAttributes([['CN', 'kyso  ca']]);
    expect(printable.equals(utf8)).toBe(true);
    const bmpDer = seq(
      setOf(
        atv(
          OID.commonName,
          tlv(
            Tag.BMP_STRING,
            Uint8Array.from([0, 0x4b, 0, 0x59, 0, 0x53, 0, 0x4f, 0, 0x20, 0, 0x43, 0, 0x41]),
          ),
        ),
      ),
    );
    expect(Name.fromDer(bmpDer).equals(utf8)).toBe(true);
    expect(toHex(Name.fromDer(bmpDer).der)).toBe(toHex(bmpDer));
  });

  it('treats multi-valued RDNs as unordered sets', () => {
    const a = Name.parse('CN=An+UID=CCCD:001234567890,C=VN');
    const b = Name.parse('UID=CCCD:001234567890+CN=An,C=VN');
    expect(a.equals(b)).toBe(true);
    // A non-DER order in a decoded name is still equal.
    expect(Name.parse('CN=An+UID=CCCD:001234567891,C=VN').equals(a)).toBe(false);
  });

  it('distinguishes RDN order, RDN count, and multi-valued vs separate RDNs', () => {
    expect(Name.parse('CN=An,O=Kyso').equals(Name.parse('O=Kyso,CN=An'))).toBe(false);
    expect(Name.parse('CN=An,O=Kyso,C=VN').equals(Name.parse('CN=An,O=Kyso'))).toBe(false);
    expect(Name.parse('CN=An+O=Kyso').equals(Name.parse('CN=An,O=Kyso'))).toBe(false);
    expect(Name.parse('CN=An').equals(Name.parse('O=An'))).toBe(false);
    expect(Name.parse('').equals(Name.parse(''))).toBe(true);
    expect(Name.parse('').equals(Name.parse('CN=x'))).toBe(false);
  });

  it('compares non-string values by their exact encoding', () => {
    const a = Name.parse('1.2.3.4=#04024869');
    expect(a.equals(Name.parse('1.2.3.4=#04024869'))).toBe(true);
    expect(a.equals(Name.parse('1.2.3.4=#04024868'))).toBe(false);
    expect(a.equals(Name.parse('1.2.3.4=#0c024869'))).toBe(false);
  });

  it('isWithin: prefix of RDNs', () => {
    const n = Name.parse('CN=An,OU=Phòng Kế toán,O=Bộ Y tế,C=VN');
    expect(n.isWithin(Name.parse('O=BỘ Y TẾ,C=VN'))).toBe(true);
    expect(n.isWithin(Name.parse('C=VN'))).toBe(true);
    expect(n.isWithin(Name.parse(''))).toBe(true);
    expect(n.isWithin(n)).toBe(true);
    expect(n.isWithin(Name.parse('O=Bộ Tài chính,C=VN'))).toBe(false);
    expect(n.isWithin(Name.parse('OU=Phòng Kế toán,C=VN'))).toBe(false);
    expect(n.isWithin(Name.parse('CN=Bình,CN=An,OU=Phòng Kế toán,O=Bộ Y tế,C=VN'))).toBe(false);
    expect(Name.parse('C=VN').isWithin(n)).toBe(false);
  });
});

describe('DER parsing', () => {
  it('reads every string type and keeps non-string values as #hex', () => {
    const der = seq(
      setOf(atv(OID.countryName, printableString('VN'))),
      setOf(atv(OID.organizationName, tlv(Tag.T61_STRING, Uint8Array.of(0x41, 0xe9)))),
      setOf(atv(OID.commonName, tlv(Tag.UNIVERSAL_STRING, Uint8Array.of(0, 0, 0x1e, 0xa0)))),
      setOf(atv('1.2.3.4', tlv(Tag.INTEGER, Uint8Array.of(5)))),
    );
    const n = Name.fromDer(der);
    expect(n.get('C')).toEqual(['VN']);
    expect(n.get('O')).toEqual(['Aé']);
    expect(n.commonName).toBe('Ạ');
    expect(n.get('1.2.3.4')).toEqual(['#020105']);
    expect(n.toString()).toBe('1.2.3.4=#020105,CN=Ạ,O=Aé,C=VN');
    expect(toHex(n.der)).toBe(toHex(der));
    // toString of a non-string value round-trips through parse to the same DER.
    expect(toHex(Name.parse(n.toString()).der)).not.toBe(''); // parses
    expect(Name.parse(n.toString()).get('1.2.3.4')).toEqual(['#020105']);
  });

  it('rejects structural errors with typed errors', () => {
    const good = Name.parse('CN=An,C=VN').der;
    const cases: [string, Uint8Array][] = [
      ['not a SEQUENCE', tlv(Tag.SET, good.subarray(2))],
      ['trailing byte', new Uint8Array([...good, 0])],
      ['truncated', good.subarray(0, good.length - 1)],
      ['empty RDN', seq(tlv(Tag.SET, new Uint8Array(0)))],
      ['RDN not a SET', seq(seq(atv(OID.commonName, utf8String('x'))))],
      ['ATV missing value', seq(setOf(seq(oid(OID.commonName))))],
      ['ATV extra element', seq(setOf(seq(oid(OID.commonName), utf8String('x'), utf8String('y'))))],
      ['ATV type not an OID', seq(setOf(seq(utf8String('CN'), utf8String('x'))))],
      [
        'bad PrintableString',
        seq(setOf(atv(OID.countryName, tlv(Tag.PRINTABLE_STRING, Uint8Array.of(0x40, 0x41))))),
      ],
      ['bad UTF-8', seq(setOf(atv(OID.commonName, tlv(Tag.UTF8_STRING, Uint8Array.of(0xc3)))))],
      ['odd BMPString', seq(setOf(atv(OID.commonName, tlv(Tag.BMP_STRING, Uint8Array.of(0, 0x41, 0)))))],
      ['non-minimal length', fromHex(`3081${toHex(good.subarray(1))}`)],
      [
        'unsorted SET OF',
        seq(
          tlv(
            Tag.SET,
            new Uint8Array([...atv(OID.userId, utf8String('b')), ...atv(OID.commonName, utf8String('a'))]),
          ),
        ),
      ],
    ];
    for (const [label, der] of cases) {
      let err: unknown;
      try {
        Name.fromDer(der);
      } catch (e) {
        err = e;
      }
      expect(err, label).toBeInstanceOf(KysoError);
    }
  });

  it('bounds the number of attributes', () => {
    const many = seq(
      ...Array.from({ length: 200 }, (_, i) => setOf(atv(OID.organizationalUnitName, utf8String(`u${i}`)))),
    );
    expectKyso(() => Name.fromDer(many), 'INPUT_TOO_LARGE');
    expectKyso(
      () => Name.parse(Array.from({ length: 200 }, (_, i) => `OU=u${i}`).join(',')),
      'INPUT_TOO_LARGE',
    );
  });
});

describe('Vietnamese subject helpers', () => {
  it('citizenSubject', () => {
    const n = citizenSubject({
      name: 'Nguyễn Văn An',
      cccd: '079123456789',
      province: 'Thành phố Hồ Chí Minh',
      locality: 'Quận 1',
      email: 'an@example.vn',
    });
    expect(n.toString()).toBe(
      'E=an@example.vn,UID=CCCD:079123456789,CN=Nguyễn Văn An,L=Quận 1,ST=Thành phố Hồ Chí Minh,C=VN',
    );
    expect(n.vnIdentifiers).toEqual([{ prefix: 'CCCD', value: '079123456789' }]);
    const multi = citizenSubject({
      name: 'An',
      cccd: '079123456789',
      cmnd: '012345678',
      passport: 'C1234567',
    });
    expect(multi.vnIdentifiers.map((i) => i.prefix)).toEqual(['CCCD', 'CMND', 'HC']);
    expect(multi.get('C')).toEqual(['VN']);
  });

  it('citizenSubject validates identifiers', () => {
    for (const cccd of ['07912345678', '0791234567890', '07912345678a', '079 123 456 789']) {
      expectKyso(() => citizenSubject({ name: 'An', cccd }), 'NAME_INVALID');
    }
    for (const cmnd of ['1234567', '1234567890', '12345678a']) {
      expectKyso(() => citizenSubject({ name: 'An', cmnd }), 'NAME_INVALID');
    }
    expect(citizenSubject({ name: 'An', cmnd: '123456789' }).vnIdentifiers[0]!.value).toBe('123456789');
    expect(citizenSubject({ name: 'An', cmnd: '123456789012' }).vnIdentifiers[0]!.value).toBe('123456789012');
    expectKyso(() => citizenSubject({ name: 'An', passport: 'B12/34' }), 'NAME_INVALID');
    expectKyso(() => citizenSubject({ name: '' }), 'NAME_INVALID');
    expectKyso(() => citizenSubject({ name: 'An', country: 'Vietnam' }), 'NAME_INVALID');
  });

  it('officialSubject carries the title (T) and needs one', () => {
    const n = officialSubject({
      name: 'Trần Thị Bình',
      title: 'Phó Giám đốc',
      organization: 'Sở Y tế thành phố Đà Nẵng',
      unit: 'Văn phòng',
      cccd: '048123456789',
      province: 'Đà Nẵng',
    });
    expect(n.toString()).toBe(
      'UID=CCCD:048123456789,CN=Trần Thị Bình,T=Phó Giám đốc,OU=Văn phòng,O=Sở Y tế thành phố Đà Nẵng,ST=Đà Nẵng,C=VN',
    );
    expect(n.get('T')).toEqual(['Phó Giám đốc']);
    expectKyso(() => officialSubject({ name: 'B', title: '  ', organization: 'X' }), 'NAME_INVALID');
    expectKyso(
      () => officialSubject({ name: 'B', title: 'GĐ', organization: 'X', cccd: '123' }),
      'NAME_INVALID',
    );
    expectKyso(() => officialSubject({ name: 'B', title: 'GĐ', organization: '' }), 'NAME_INVALID');
  });

  it('organizationSubject with MST and MNS', () => {
    const n = organizationSubject({
      name: 'Sở Y tế',
      organization: 'Ủy ban nhân dân thành phố Đà Nẵng',
      taxCode: '0400260612',
      budgetCode: '1047665',
      province: 'Đà Nẵng',
    });
    expect(n.toString()).toBe(
      'UID=MNS:1047665,UID=MST:0400260612,CN=Sở Y tế,O=Ủy ban nhân dân thành phố Đà Nẵng,ST=Đà Nẵng,C=VN',
    );
    expect(organizationSubject({ name: 'Chi nhánh', taxCode: '0100686209-199' }).vnIdentifiers).toEqual([
      { prefix: 'MST', value: '0100686209-199' },
    ]);
    for (const taxCode of [
      '010068620',
      '01006862099',
      '0100686209-19',
      '0100686209-1999',
      '0100686209_199',
      'MST0100686209',
    ]) {
      expectKyso(() => organizationSubject({ name: 'X', taxCode }), 'NAME_INVALID');
    }
    expectKyso(() => organizationSubject({ name: 'X', budgetCode: '10 47' }), 'NAME_INVALID');
  });
});

describe.skipIf(!hasOpenssl)('OpenSSL interop', () => {
  let key: KeyPair;
  let signer: LocalSigner;
  let dir: string;
  beforeAll(async () => {
    key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    signer = new LocalSigner(key);
    dir = tmpDir();
  });

  /** OpenSSL's RFC 2253 printing (UTF-8, not \XX) with its long names mapped to kyso's short ones. */
  async function opensslSubject(name: Name): Promise<string> {
    const csr = await createCsr({ subject: name, signer });
    const f = path.join(dir, `csr-${Math.random().toString(36).slice(2)}.pem`);
    writeFileSync(f, pemEncode('CERTIFICATE REQUEST', csr.der));
    const out = openssl(['req', '-in', f, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'], {
      check: true,
    }).stdout;
    return out
      .trim()
      .replace(/^subject=/, '')
      .replace(/(^|,|\+)title=/g, '$1T=')
      .replace(/(^|,|\+)emailAddress=/g, '$1E=');
  }

  it('OpenSSL prints kyso-encoded Vietnamese names as kyso does', async () => {
    const names = [
      officialSubject({
        name: 'Nguyễn Hồng Nhung',
        title: 'BS CK II',
        organization: 'Bệnh viện Bạch Mai',
        cccd: '001234567890',
        province: 'Hà Nội',
        email: 'nhung@bachmai.vn',
      }),
      organizationSubject({
        name: 'Sở Y tế',
        organization: 'Ủy ban nhân dân thành phố Đà Nẵng',
        taxCode: '0400260612',
        budgetCode: '1047665',
      }),
      Name.parse('CN=Smith\\, John+UID=CCCD:001234567890,O=A\\+B \\"C\\",OU=\\#1,C=VN'),
    ];
    for (const n of names) {
      const printed = await opensslSubject(n);
      if (n.rdns.every((rdn) => rdn.length === 1)) expect(printed).toBe(n.toString());
      // OpenSSL reverses the members of a multi-valued RDN too; their order is not significant.
      const back = Name.parse(printed);
      expect(back.equals(n), printed).toBe(true);
      expect(toHex(back.der)).toBe(toHex(n.der));
    }
  });

  it('kyso reads the names OpenSSL encodes', () => {
    const keyFile = path.join(dir, 'k.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], {
      check: true,
    });
    const subj =
      '/C=VN/ST=Hà Nội/O=Công ty Cổ phần Phần mềm Kyso/title=Giám đốc/CN=Nguyễn Văn An/UID=MST:0100686209-199/UID=CCCD:001234567890/emailAddress=an@kyso.vn';
    const out = path.join(dir, 'r.der');
    openssl(['req', '-new', '-key', keyFile, '-utf8', '-subj', subj, '-outform', 'DER', '-out', out], {
      check: true,
    });
    const csr = CertificationRequest.parse(new Uint8Array(readFileSync(out)));
    const n = csr.subject;
    expect(n.toString()).toBe(
      'E=an@kyso.vn,UID=CCCD:001234567890,UID=MST:0100686209-199,CN=Nguyễn Văn An,T=Giám đốc,O=Công ty Cổ phần Phần mềm Kyso,ST=Hà Nội,C=VN',
    );
    expect(n.vnIdentifiers).toEqual([
      { prefix: 'MST', value: '0100686209-199' },
      { prefix: 'CCCD', value: '001234567890' },
    ]);
    // kyso's own encoding of the same slash string is byte-identical to OpenSSL's (same string types).
    expect(toHex(Name.parse(subj.replace('title=', 'T=').replace('emailAddress=', 'E=')).der)).toBe(
      toHex(n.der),
    );
    expect(n.toSlashString()).toBe(subj.replace('/title=', '/T=').replace('/emailAddress=', '/E='));
  });

  it('kyso reads OpenSSL multi-valued RDNs and escapes', () => {
    const keyFile = path.join(dir, 'k2.pem');
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], {
      check: true,
    });
    const out = path.join(dir, 'r2.der');
    openssl(
      [
        'req',
        '-new',
        '-key',
        keyFile,
        '-utf8',
        '-multivalue-rdn',
        '-subj',
        '/C=VN/O=A\\/B, C/CN=Trần Bình+UID=CCCD:048123456789',
        '-outform',
        'DER',
        '-out',
        out,
      ],
      { check: true },
    );
    const n = CertificationRequest.parse(new Uint8Array(readFileSync(out))).subject;
    expect(n.rdns.length).toBe(3);
    expect(n.get('O')).toEqual(['A/B, C']);
    expect(n.equals(Name.parse('UID=CCCD:048123456789+CN=Trần Bình,O=A/B\\, C,C=VN'))).toBe(true);
    const printed = openssl(
      ['req', '-in', out, '-inform', 'DER', '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'],
      { check: true },
    ).stdout;
    const back = Name.parse(printed.trim().replace(/^subject=/, ''));
    expect(toHex(back.der)).toBe(toHex(n.der));
  });
});

describe('errors are typed', () => {
  it('isKysoError works on name errors', () => {
    try {
      Name.parse('XX=1');
    } catch (e) {
      expect(isKysoError(e, 'NAME_INVALID')).toBe(true);
    }
  });
});

describe('Name.fromDer cache', () => {
  it('a parsed name does not follow later changes to the buffer it came from, cached or not', () => {
    const original = Name.parse('C=VN,O=Bộ Y tế,CN=Nguyễn Văn An');
    const der = original.der.slice();
    const buf = der.slice();
    const a = Name.fromDer(buf);
    buf.fill(0x41, 8); // the caller reuses its buffer
    expect(a.toString()).toBe(original.toString());
    expect(toHex(a.der)).toBe(toHex(der));
    const b = Name.fromDer(der.slice()); // same bytes again: the cached name, unchanged
    expect(b.toString()).toBe(a.toString());
    expect(b.equals(a)).toBe(true);
    // A different name with the same length is not confused with it.
    const other = Name.parse('C=VN,O=Bộ Y tế,CN=Nguyễn Văn Ân').der;
    expect(Name.fromDer(other).commonName).toBe('Nguyễn Văn Ân');
  });
});
