/**
 * Property tests (fast-check) for distinguished names:
 *  (a) random names (supported attribute types, Unicode values with Vietnamese letters, RFC 4514
 *      specials, spaces, leading '#', control characters) round-trip through toString/parse,
 *      DER/fromDer and the OpenSSL slash form with the same DER;
 *  (b) strict DER: mutated Name and Certificate encodings (byte flipped, truncated, extended, a length
 *      changed) either parse and re-encode to exactly the input, or throw a KysoError; never another
 *      exception type.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { generateKeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { type DerTreeNode, parseTree } from '../src/der.js';
import { KysoError } from '../src/errors.js';
import { type AttributeTypeAndValue, Name } from '../src/name.js';
import { OID } from '../src/oids.js';
import { Certificate } from '../src/x509/certificate.js';
import {
  encodeAuthorityKeyIdentifier,
  encodeBasicConstraints,
  encodeCertificatePolicies,
  encodeCrlDistributionPoints,
  encodeExtKeyUsage,
  encodeGeneralNamesExtension,
  encodeInfoAccess,
  encodeKeyUsage,
  encodeNameConstraints,
  encodePolicyConstraints,
  encodeSubjectKeyIdentifier,
} from '../src/x509/extensions.js';
import { parseIp } from '../src/x509/general-name.js';
import { buildCertificate } from '../src/x509/issue.js';

const RUNS = Number(process.env.KYSO_FUZZ_RUNS ?? 300);

// ------------------------------------------------------------------------------------------------
// Generators
// ------------------------------------------------------------------------------------------------

/** Attribute types (short names and one bare OID) encoded as DirectoryString (UTF8String here). */
const TEXT_TYPES = [
  'CN',
  'O',
  'OU',
  'T',
  'L',
  'ST',
  'UID',
  'SERIALNUMBER',
  'GN',
  'SN',
  'STREET',
  'POSTALCODE',
  'PSEUDONYM',
  'ORGANIZATIONIDENTIFIER',
  'DNQUALIFIER',
  '1.3.6.1.4.1.99999.7',
];

const VIETNAMESE = Array.from(
  'ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹĐđăâêôơưÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý',
);
const SPECIALS = [
  ',',
  '+',
  '"',
  '\\',
  '<',
  '>',
  ';',
  '=',
  '#',
  '/',
  ' ',
  ' ',
  ' ',
  '\t',
  '\n',
  '\u0000',
  '\u007f',
  '\u00a0',
  '\ufeff',
  '\u0301',
];

const textChar = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...VIETNAMESE) },
  { weight: 4, arbitrary: fc.constantFrom(...SPECIALS) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);
const textValue = fc.array(textChar, { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
const asciiValue = fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 12 });
const country = fc
  .tuple(fc.integer({ min: 65, max: 90 }), fc.integer({ min: 65, max: 90 }))
  .map(([a, b]) => String.fromCharCode(a, b));

const attribute: fc.Arbitrary<[string, string]> = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...TEXT_TYPES), textValue) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('C'), country) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom('E', 'DC'), asciiValue) },
);

function makeAtv([type, value]: [string, string]): AttributeTypeAndValue {
  return Name.fromAttributes([[type, value]]).attributes[0]!;
}

/** Random names: up to 6 RDNs, some multi-valued. */
const nameArb = fc
  .array(fc.array(attribute, { minLength: 1, maxLength: 3 }), { minLength: 0, maxLength: 6 })
  .map((rdns) => new Name(rdns.map((rdn) => rdn.map(makeAtv))));

// ------------------------------------------------------------------------------------------------
// (a) Round trips
// ------------------------------------------------------------------------------------------------

describe('name round trips (property)', () => {
  it('Name -> toString -> parse gives an equal name with the same DER', () => {
    fc.assert(
      fc.property(nameArb, (n) => {
        const s = n.toString();
        const back = Name.parse(s);
        expect(back.equals(n), s).toBe(true);
        expect(toHex(back.der), s).toBe(toHex(n.der));
        expect(back.toString()).toBe(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('Name -> DER -> fromDer gives the same string, values and DER', () => {
    fc.assert(
      fc.property(nameArb, (n) => {
        const back = Name.fromDer(n.der);
        expect(back.toString()).toBe(n.toString());
        expect(back.attributes.map((a) => a.value).sort()).toEqual(n.attributes.map((a) => a.value).sort());
        expect(toHex(back.der)).toBe(toHex(n.der));
        expect(back.equals(n)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });

  it('Name -> toSlashString -> parse gives the same DER', () => {
    fc.assert(
      fc.property(nameArb, (n) => {
        const s = n.toSlashString();
        const back = Name.parse(s);
        expect(toHex(back.der), JSON.stringify(s)).toBe(toHex(n.der));
      }),
      { numRuns: RUNS },
    );
  });

  it('equality is insensitive to case, extra inner/outer spaces and Unicode normalisation form', () => {
    const plain = fc
      .array(fc.constantFrom(...VIETNAMESE, 'a', 'B', 'c', ' '), { minLength: 1, maxLength: 10 })
      .map((a) => a.join(''))
      .filter((s) => s.trim() !== '');
    fc.assert(
      fc.property(plain, (v) => {
        const a = Name.fromAttributes([['CN', v]]);
        const variant = `  ${v.toUpperCase().normalize('NFD').replace(/ /g, '   ')} `;
        const b = Name.fromAttributes([['CN', variant]]);
        expect(a.equals(b), `${JSON.stringify(v)} vs ${JSON.stringify(variant)}`).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

// ------------------------------------------------------------------------------------------------
// (b) Strict DER: mutations
// ------------------------------------------------------------------------------------------------

/** Offsets of every TLV header in a DER buffer. */
function headerOffsets(der: Uint8Array): number[] {
  const out: number[] = [];
  const walk = (n: DerTreeNode) => {
    out.push(n.offset);
    for (const c of n.children ?? []) walk(c);
  };
  walk(parseTree(der));
  return out;
}

type Mutation =
  | { k: 'flip'; at: number; xor: number }
  | { k: 'set'; at: number; v: number }
  | { k: 'truncate'; at: number }
  | { k: 'append'; v: number }
  | { k: 'insert'; at: number; v: number }
  | { k: 'delete'; at: number }
  | { k: 'length'; header: number; delta: number }
  | { k: 'longLength'; header: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ k: fc.constant('set' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('append' as const), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), v: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ k: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ k: fc.constant('length' as const), header: fc.nat(), delta: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ k: fc.constant('longLength' as const), header: fc.nat() }),
);

function mutate(der: Uint8Array, headers: number[], m: Mutation): Uint8Array {
  const out = Array.from(der);
  switch (m.k) {
    case 'flip':
      out[m.at % out.length]! ^= m.xor;
      break;
    case 'set':
      out[m.at % out.length] = m.v;
      break;
    case 'truncate':
      out.length = m.at % out.length;
      break;
    case 'append':
      out.push(m.v);
      break;
    case 'insert':
      out.splice(m.at % (out.length + 1), 0, m.v);
      break;
    case 'delete':
      out.splice(m.at % out.length, 1);
      break;
    case 'length': {
      // Change a length octet (short form only; long forms get a changed last length byte).
      const h = headers[m.header % headers.length]!;
      const first = out[h + 1]!;
      const at = first & 0x80 ? h + 1 + (first & 0x7f) : h + 1;
      out[at] = (out[at]! + m.delta + 256) & 0xff;
      break;
    }
    case 'longLength': {
      // Re-encode a short length in the (non-minimal) long form.
      const h = headers[m.header % headers.length]!;
      const first = out[h + 1]!;
      if (!(first & 0x80)) out.splice(h + 1, 1, 0x81, first);
      else out.splice(h + 2, 0, 0); // leading zero in a long form
      break;
    }
  }
  return Uint8Array.from(out);
}

function isSame(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Runs fn; passes if it returns, or throws a KysoError. Any other exception fails the property. */
function kysoOrOk<T>(fn: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (!(e instanceof KysoError)) throw new Error(`non-KysoError thrown: ${String(e)}`, { cause: e });
    return { ok: false };
  }
}

describe('strict DER rejection of mutated names (property)', () => {
  it('mutated Name DER: parses back to exactly the input, or throws a KysoError', () => {
    fc.assert(
      fc.property(
        nameArb.filter((n) => !n.isEmpty),
        mutationArb,
        (n, m) => {
          const der = n.der;
          const bad = mutate(der, headerOffsets(der), m);
          const r = kysoOrOk(() => Name.fromDer(bad));
          if (r.ok) {
            const parsed = r.value;
            expect(toHex(parsed.der)).toBe(toHex(bad));
            // Everything else on a parsed name works without throwing something untyped.
            void parsed.comparisonKey;
            void parsed.vnIdentifiers;
            const s = parsed.toString();
            parsed.toSlashString();
            const re = kysoOrOk(() => Name.parse(s));
            if (re.ok) expect(re.value.equals(parsed), s).toBe(true);
            // A strict parser must not accept a different encoding of the same name.
            if (!isSame(bad, der)) expect(toHex(Name.fromDer(bad).der)).not.toBe(toHex(der));
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('a Name with a non-minimal length anywhere is refused', () => {
    fc.assert(
      fc.property(
        nameArb.filter((n) => !n.isEmpty),
        fc.nat(),
        (n, h) => {
          const der = n.der;
          const headers = headerOffsets(der);
          const bad = mutate(der, headers, { k: 'longLength', header: h });
          expect(() => Name.fromDer(bad)).toThrow(KysoError);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('strict DER rejection of mutated certificates (property)', () => {
  let cert: Certificate;
  let headers: number[];
  beforeAll(async () => {
    const key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const signer = new LocalSigner(key);
    const subject = Name.parse(
      'E=an@kyso.vn,UID=CCCD:001234567890+UID=MST:0100686209-199,CN=Nguyễn Văn An,T=Giám đốc,O=Bộ Y tế,C=VN',
    );
    cert = await buildCertificate({
      subject,
      issuer: 'CN=Kyso Root,O=Kyso,C=VN',
      publicKey: key.publicKeyInfo,
      signer,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2026-01-01T00:00:00Z'),
      extensions: [
        {
          oid: OID.basicConstraints,
          critical: true,
          value: encodeBasicConstraints({ ca: true, pathLenConstraint: 1 }),
        },
        {
          oid: OID.keyUsage,
          critical: true,
          value: encodeKeyUsage(['digitalSignature', 'keyCertSign', 'decipherOnly']),
        },
        {
          oid: OID.extKeyUsage,
          critical: false,
          value: encodeExtKeyUsage([OID.ocspSigning, OID.serverAuth]),
        },
        {
          oid: OID.subjectKeyIdentifier,
          critical: false,
          value: encodeSubjectKeyIdentifier(Uint8Array.of(1, 2, 3, 4)),
        },
        {
          oid: OID.authorityKeyIdentifier,
          critical: false,
          value: encodeAuthorityKeyIdentifier({
            keyIdentifier: Uint8Array.of(9, 9),
            authorityCertIssuer: [{ type: 'directoryName', value: Name.parse('CN=Kyso Root,C=VN') }],
            authorityCertSerialNumber: Uint8Array.of(0x01, 0x02),
          }),
        },
        {
          oid: OID.subjectAltName,
          critical: false,
          value: encodeGeneralNamesExtension([
            { type: 'email', value: 'an@kyso.vn' },
            { type: 'dns', value: 'kyso.vn' },
            { type: 'uri', value: 'https://kyso.vn/' },
            { type: 'ip', value: parseIp('2001:db8::1') },
            { type: 'registeredId', value: '1.2.3.4' },
            { type: 'otherName', typeId: '1.3.6.1.4.1.311.20.2.3', value: Uint8Array.of(0x0c, 0x01, 0x61) },
          ]),
        },
        {
          oid: OID.cRLDistributionPoints,
          critical: false,
          value: encodeCrlDistributionPoints([
            {
              distributionPoint: { fullName: [{ type: 'uri', value: 'http://ca.kyso.vn/crl' }] },
              reasons: ['keyCompromise'],
            },
          ]),
        },
        {
          oid: OID.authorityInfoAccess,
          critical: false,
          value: encodeInfoAccess([
            { method: OID.ocsp, location: { type: 'uri', value: 'http://ocsp.kyso.vn' } },
          ]),
        },
        {
          oid: OID.certificatePolicies,
          critical: false,
          value: encodeCertificatePolicies([
            { oid: '1.3.6.1.4.1.99999.1', cpsUri: 'https://kyso.vn/cps', userNotice: 'Chứng thư thử nghiệm' },
          ]),
        },
        {
          oid: OID.policyConstraints,
          critical: true,
          value: encodePolicyConstraints({ requireExplicitPolicy: 0 }),
        },
        {
          oid: OID.nameConstraints,
          critical: true,
          value: encodeNameConstraints({
            permittedSubtrees: [{ base: { type: 'dns', value: '.kyso.vn' }, minimum: 0 }],
            excludedSubtrees: [{ base: { type: 'ip', value: parseIp('10.0.0.0/8') }, minimum: 0 }],
          }),
        },
      ],
    });
    headers = headerOffsets(cert.der);
  });

  it('the unmutated certificate parses with every extension', () => {
    const c = Certificate.fromDer(cert.der);
    expect(c.extensions.length).toBe(11);
    expect(c.nameConstraints?.permittedSubtrees?.[0]?.base).toEqual({ type: 'dns', value: '.kyso.vn' });
    expect(c.subject.toString()).toBe(
      'E=an@kyso.vn,UID=CCCD:001234567890+UID=MST:0100686209-199,CN=Nguyễn Văn An,T=Giám đốc,O=Bộ Y tế,C=VN',
    );
  });

  it('mutated certificate DER: parses consistently or throws a KysoError', () => {
    fc.assert(
      fc.property(mutationArb, (m) => {
        const bad = mutate(cert.der, headers, m);
        const r = kysoOrOk(() => Certificate.fromDer(bad));
        if (r.ok) {
          const c = r.value;
          expect(isSame(c.der, bad)).toBe(true);
          expect(toHex(Name.fromDer(c.subject.der).der)).toBe(toHex(c.subject.der));
          expect(toHex(bad)).toContain(toHex(c.subject.der));
          expect(toHex(bad)).toContain(toHex(c.issuer.der));
          void c.toJSON();
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('a certificate with a non-minimal length anywhere is refused', () => {
    fc.assert(
      fc.property(fc.nat(), (h) => {
        const bad = mutate(cert.der, headers, { k: 'longLength', header: h });
        expect(() => Certificate.fromDer(bad)).toThrow(KysoError);
      }),
      { numRuns: RUNS },
    );
  });
});
