/**
 * Name-constraint matching (RFC 5280 §4.2.1.10) through the one implementation
 * (path/name-constraints.ts `checkNames`, and `nameConstraintViolation` used at issuance): DNS
 * (exact, subdomains, wildcards; a leading period is an invalid constraint that fails closed),
 * email (mailbox, host, .domain), URI host, IP with masks (IPv4, IPv6), directoryName subtrees, and
 * the whole-certificate check, cross-checked against OpenSSL's verifier.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair } from '../src/crypto/keys.js';
import { LocalSigner } from '../src/crypto/signer.js';
import { Name } from '../src/name.js';
import { OID } from '../src/oids.js';
import { pemEncode } from '../src/pem.js';
import type { Certificate } from '../src/x509/certificate.js';
import {
  encodeBasicConstraints,
  encodeGeneralNamesExtension,
  encodeKeyUsage,
  encodeNameConstraints,
  type NameConstraints,
} from '../src/x509/extensions.js';
import { type GeneralName, parseIp } from '../src/x509/general-name.js';
import { buildCertificate } from '../src/x509/issue.js';
import { Budget } from '../src/path/budget.js';
import { checkNames, nameConstraintsProblem } from '../src/path/name-constraints.js';
import { nameConstraintViolation } from '../src/x509/name-constraints.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const hasOpenssl = requireTool('openssl');

/** Whether `name` is permitted by a single permitted subtree `base` (its type's only one). */
function nameInSubtree(name: GeneralName, base: GeneralName): boolean {
  return checkNames([name], { permittedSubtrees: [{ base, minimum: 0 }] }, new Budget()).ok;
}
/** Whether `name` is hit by a single excluded subtree `base`. */
function excludedBy(name: GeneralName, base: GeneralName): boolean {
  return !checkNames([name], { excludedSubtrees: [{ base, minimum: 0 }] }, new Budget()).ok;
}
const dns = (value: string): GeneralName => ({ type: 'dns', value });
const email = (value: string): GeneralName => ({ type: 'email', value });
const uri = (value: string): GeneralName => ({ type: 'uri', value });
const ip = (value: Uint8Array): GeneralName => ({ type: 'ip', value });
const dnsInSubtree = (n: string, c: string) => nameInSubtree(dns(n), dns(c));
const emailInSubtree = (n: string, c: string) => nameInSubtree(email(n), email(c));
const uriInSubtree = (n: string, c: string) => nameInSubtree(uri(n), uri(c));
const ipInSubtree = (n: Uint8Array, c: Uint8Array) => nameInSubtree(ip(n), ip(c));

describe('DNS', () => {
  it('exact name and any added left labels (RFC 5280)', () => {
    expect(dnsInSubtree('kyso.vn', 'kyso.vn')).toBe(true);
    expect(dnsInSubtree('www.kyso.vn', 'kyso.vn')).toBe(true);
    expect(dnsInSubtree('a.b.kyso.vn', 'kyso.vn')).toBe(true);
    expect(dnsInSubtree('WWW.Kyso.VN', 'kyso.vn')).toBe(true);
    expect(dnsInSubtree('www.kyso.vn.', 'kyso.vn')).toBe(true); // absolute form
    expect(dnsInSubtree('notkyso.vn', 'kyso.vn')).toBe(false); // label boundary
    expect(dnsInSubtree('kyso.vn.evil.com', 'kyso.vn')).toBe(false);
    expect(dnsInSubtree('vn', 'kyso.vn')).toBe(false);
    expect(dnsInSubtree('host1.example.com', 'host.example.com')).toBe(false); // RFC example
  });

  it('a leading period is not a DNS constraint (RFC 5280 §4.2.1.10): invalid, fails closed', () => {
    // x509-limbo rfc5280::nc::invalid-dnsname-leading-period expects FAILURE where OpenSSL and Go
    // read ".kyso.vn" as "subdomains only"; kyso follows limbo (both harnesses agree).
    const nc: NameConstraints = { permittedSubtrees: [{ base: dns('.kyso.vn'), minimum: 0 }] };
    expect(nameConstraintsProblem(nc)).toMatch(/invalid DNS name constraint "\.kyso\.vn"/);
    expect(nameConstraintViolation(Name.parse(''), [dns('www.kyso.vn')], nc)).toMatch(/invalid DNS/);
    const ex: NameConstraints = { excludedSubtrees: [{ base: dns('.kyso.vn'), minimum: 0 }] };
    expect(nameConstraintViolation(Name.parse(''), [dns('other.vn')], ex)).toMatch(/invalid DNS/);
    // The matcher alone never lets a name through it either.
    expect(dnsInSubtree('www.kyso.vn', '.kyso.vn')).toBe(false);
    expect(dnsInSubtree('kyso.vn', '.kyso.vn')).toBe(false);
  });

  it('the empty constraint matches every name', () => {
    expect(dnsInSubtree('anything.example', '')).toBe(true);
  });

  it('wildcards: within a subtree only if every expansion is; overlap for exclusions', () => {
    expect(dnsInSubtree('*.kyso.vn', 'kyso.vn')).toBe(true);
    expect(dnsInSubtree('*.kyso.vn', 'foo.kyso.vn')).toBe(false);
    expect(excludedBy(dns('*.kyso.vn'), dns('bar.kyso.vn'))).toBe(true);
    expect(excludedBy(dns('*.kyso.vn'), dns('kyso.vn'))).toBe(true);
    expect(excludedBy(dns('*.kyso.vn'), dns('a.bar.kyso.vn'))).toBe(false); // '*' is one label
    expect(excludedBy(dns('*.kyso.vn'), dns('other.vn'))).toBe(false);
    expect(excludedBy(dns('*.a.kyso.vn'), dns('kyso.vn'))).toBe(true);
  });

  it('a name that is not a host name fails closed under a DNS constraint', () => {
    expect(dnsInSubtree('.kyso.vn', 'kyso.vn')).toBe(false); // limbo nc-permits-invalid-dns-san
    expect(excludedBy(dns('a..kyso.vn'), dns('other.vn'))).toBe(true);
  });
});

describe('email', () => {
  it('mailbox constraint: exact address, local part case-sensitive, host not', () => {
    expect(emailInSubtree('an@kyso.vn', 'an@kyso.vn')).toBe(true);
    expect(emailInSubtree('an@KYSO.vn', 'an@kyso.vn')).toBe(true);
    expect(emailInSubtree('An@kyso.vn', 'an@kyso.vn')).toBe(false);
    expect(emailInSubtree('binh@kyso.vn', 'an@kyso.vn')).toBe(false);
    expect(emailInSubtree('an@mail.kyso.vn', 'an@kyso.vn')).toBe(false);
    // '*' is a literal character, not a wildcard
    expect(emailInSubtree('*@kyso.vn', '*@kyso.vn')).toBe(true);
    expect(emailInSubtree('user@kyso.vn', '*@kyso.vn')).toBe(false);
  });

  it('host constraint: every mailbox on that host only', () => {
    expect(emailInSubtree('an@kyso.vn', 'kyso.vn')).toBe(true);
    expect(emailInSubtree('an@Kyso.VN', 'KYSO.vn')).toBe(true);
    expect(emailInSubtree('an@mail.kyso.vn', 'kyso.vn')).toBe(false);
    expect(emailInSubtree('an@notkyso.vn', 'kyso.vn')).toBe(false);
  });

  it('.domain constraint: mailboxes on subdomains, not the domain itself', () => {
    expect(emailInSubtree('an@mail.kyso.vn', '.kyso.vn')).toBe(true);
    expect(emailInSubtree('an@a.b.kyso.vn', '.kyso.vn')).toBe(true);
    expect(emailInSubtree('an@kyso.vn', '.kyso.vn')).toBe(false);
    expect(emailInSubtree('an@xkyso.vn', '.kyso.vn')).toBe(false);
  });

  it('a malformed address is never inside a subtree, nor let past an exclusion', () => {
    expect(emailInSubtree('kyso.vn', 'kyso.vn')).toBe(false);
    expect(excludedBy(email('kyso.vn'), email('other.vn'))).toBe(true);
  });
});

describe('URI', () => {
  it('matches the host only: exact, or subdomains with a leading period', () => {
    expect(uriInSubtree('https://kyso.vn/a/b?c#d', 'kyso.vn')).toBe(true);
    expect(uriInSubtree('HTTPS://KYSO.VN:8443/', 'kyso.vn')).toBe(true);
    expect(uriInSubtree('ldap://user:pw@kyso.vn/cn=x', 'kyso.vn')).toBe(true);
    expect(uriInSubtree('https://www.kyso.vn/', 'kyso.vn')).toBe(false);
    expect(uriInSubtree('https://www.kyso.vn/', '.kyso.vn')).toBe(true);
    expect(uriInSubtree('https://kyso.vn/', '.kyso.vn')).toBe(false);
    expect(uriInSubtree('https://evil.com/kyso.vn', 'kyso.vn')).toBe(false);
    expect(uriInSubtree('https://kyso.vn@evil.com/', 'kyso.vn')).toBe(false); // userinfo is not the host
    expect(uriInSubtree('https://evil.com?kyso.vn', 'kyso.vn')).toBe(false);
    expect(uriInSubtree('urn:oid:1.2.3', 'kyso.vn')).toBe(false); // no authority
    expect(uriInSubtree('mailto:an@kyso.vn', 'kyso.vn')).toBe(false);
  });
});

describe('IP', () => {
  it('IPv4 with masks', () => {
    const net = parseIp('192.168.1.0/24');
    expect(ipInSubtree(parseIp('192.168.1.0'), net)).toBe(true);
    expect(ipInSubtree(parseIp('192.168.1.255'), net)).toBe(true);
    expect(ipInSubtree(parseIp('192.168.2.1'), net)).toBe(false);
    expect(ipInSubtree(parseIp('10.9.8.7'), parseIp('10.0.0.0/8'))).toBe(true);
    expect(ipInSubtree(parseIp('11.0.0.1'), parseIp('10.0.0.0/8'))).toBe(false);
    expect(ipInSubtree(parseIp('1.2.3.4'), parseIp('0.0.0.0/0'))).toBe(true);
    expect(ipInSubtree(parseIp('1.2.3.4'), parseIp('1.2.3.4/32'))).toBe(true);
    expect(ipInSubtree(parseIp('1.2.3.5'), parseIp('1.2.3.4/32'))).toBe(false);
    expect(ipInSubtree(parseIp('10.1.2.129'), parseIp('10.1.2.128/25'))).toBe(true);
    expect(ipInSubtree(parseIp('10.1.2.127'), parseIp('10.1.2.128/25'))).toBe(false);
  });

  it('IPv6 with masks, and no cross-family matches', () => {
    const net = parseIp('2001:db8::/32');
    expect(ipInSubtree(parseIp('2001:db8::1'), net)).toBe(true);
    expect(ipInSubtree(parseIp('2001:db8:ffff:ffff::1'), net)).toBe(true);
    expect(ipInSubtree(parseIp('2001:db9::1'), net)).toBe(false);
    expect(ipInSubtree(parseIp('::1'), parseIp('::1/128'))).toBe(true);
    expect(ipInSubtree(parseIp('::2'), parseIp('::1/128'))).toBe(false);
    expect(ipInSubtree(parseIp('fe80::1'), parseIp('fe80::/10'))).toBe(true);
    expect(ipInSubtree(parseIp('fec0::1'), parseIp('fe80::/10'))).toBe(false);
    expect(ipInSubtree(parseIp('0.0.0.1'), parseIp('::/0'))).toBe(false); // IPv4 vs IPv6 constraint
    expect(ipInSubtree(parseIp('::1'), parseIp('0.0.0.0/0'))).toBe(false);
  });

  it('malformed lengths never match; a constraint without a mask is invalid', () => {
    expect(ipInSubtree(parseIp('10.0.0.0/8'), parseIp('10.0.0.0/8'))).toBe(false); // CIDR as an address
    expect(ipInSubtree(parseIp('10.0.0.1'), parseIp('10.0.0.1'))).toBe(false); // constraint without mask
    expect(
      nameConstraintsProblem({ permittedSubtrees: [{ base: ip(parseIp('10.0.0.1')), minimum: 0 }] }),
    ).toMatch(/address \+ mask/);
  });
});

describe('directoryName', () => {
  const base: GeneralName = { type: 'directoryName', value: Name.parse('O=Bộ Y tế,C=VN') };
  it('matches names below the base, with RFC 5280 comparison', () => {
    const dn = (s: string): GeneralName => ({ type: 'directoryName', value: Name.parse(s) });
    expect(nameInSubtree(dn('CN=An,O=Bộ Y tế,C=VN'), base)).toBe(true);
    expect(nameInSubtree(dn('CN=An,OU=Vụ Pháp chế,O=BỘ Y TẾ,C=VN'), base)).toBe(true);
    expect(nameInSubtree(dn('O=Bộ Y tế,C=VN'), base)).toBe(true);
    expect(nameInSubtree(dn('CN=An,O=Bộ Tài chính,C=VN'), base)).toBe(false);
    expect(nameInSubtree(dn('C=VN'), base)).toBe(false);
    expect(nameInSubtree(dn('CN=An,C=VN,O=Bộ Y tế'), base)).toBe(false); // order matters
    expect(nameInSubtree(dn('CN=x'), { type: 'directoryName', value: Name.parse('') })).toBe(true);
  });

  it('a name is only compared with subtrees of its own type', () => {
    // A DNS name under a directoryName-only constraint: nothing of its type restricts it.
    expect(nameInSubtree({ type: 'dns', value: 'kyso.vn' }, base)).toBe(true);
    expect(
      nameInSubtree({ type: 'registeredId', value: '1.2.3' }, { type: 'registeredId', value: '1.2.3' }),
    ).toBe(true);
    expect(
      nameInSubtree({ type: 'registeredId', value: '1.2.4' }, { type: 'registeredId', value: '1.2.3' }),
    ).toBe(false);
  });
});

describe('nameConstraintViolation', () => {
  const nc: NameConstraints = {
    permittedSubtrees: [
      { base: { type: 'dns', value: 'kyso.vn' }, minimum: 0 },
      { base: { type: 'email', value: '.kyso.vn' }, minimum: 0 },
      { base: { type: 'email', value: 'kyso.vn' }, minimum: 0 },
      { base: { type: 'ip', value: parseIp('10.0.0.0/8') }, minimum: 0 },
      { base: { type: 'directoryName', value: Name.parse('O=Kyso,C=VN') }, minimum: 0 },
    ],
    excludedSubtrees: [
      { base: { type: 'dns', value: 'secret.kyso.vn' }, minimum: 0 },
      { base: { type: 'ip', value: parseIp('10.66.0.0/16') }, minimum: 0 },
      { base: { type: 'directoryName', value: Name.parse('OU=Blocked,O=Kyso,C=VN') }, minimum: 0 },
      { base: { type: 'email', value: 'bad@kyso.vn' }, minimum: 0 },
    ],
  };
  const subject = Name.parse('CN=An,O=Kyso,C=VN');
  const v = (s: Name, alt: GeneralName[]) => nameConstraintViolation(s, alt, nc);

  it('accepts names inside every permitted subtree', () => {
    expect(v(subject, [])).toBeUndefined();
    expect(
      v(subject, [
        { type: 'dns', value: 'www.kyso.vn' },
        { type: 'dns', value: '*.www.kyso.vn' },
        { type: 'email', value: 'an@kyso.vn' },
        { type: 'email', value: 'an@mail.kyso.vn' },
        { type: 'ip', value: parseIp('10.1.2.3') },
        { type: 'uri', value: 'https://anywhere.example' }, // no URI constraint
      ]),
    ).toBeUndefined();
    expect(v(Name.parse(''), [{ type: 'dns', value: 'kyso.vn' }])).toBeUndefined(); // empty subject not checked
  });

  it('reports names outside the permitted subtrees', () => {
    expect(v(Name.parse('CN=An,O=Other,C=VN'), [])).toMatch(/DN .*not in any permitted directoryName/);
    expect(v(subject, [{ type: 'dns', value: 'kyso.com' }])).toMatch(/dns .*not in any permitted dns/);
    expect(v(subject, [{ type: 'email', value: 'an@gmail.com' }])).toMatch(/email .*not in any permitted/);
    expect(v(subject, [{ type: 'ip', value: parseIp('192.168.0.1') }])).toMatch(/IP .*not in any permitted/);
    expect(v(subject, [{ type: 'ip', value: parseIp('2001:db8::1') }])).toMatch(/not in any permitted ip/);
    expect(v(subject, [{ type: 'directoryName', value: Name.parse('CN=x,O=Evil,C=VN') }])).toMatch(
      /not in any permitted/,
    );
  });

  it('reports names in an excluded subtree (exclusion wins over permission)', () => {
    expect(v(subject, [{ type: 'dns', value: 'secret.kyso.vn' }])).toMatch(/excluded/);
    expect(v(subject, [{ type: 'dns', value: 'a.secret.kyso.vn' }])).toMatch(/excluded/);
    expect(v(subject, [{ type: 'ip', value: parseIp('10.66.1.1') }])).toMatch(/excluded/);
    expect(v(Name.parse('CN=An,OU=Blocked,O=Kyso,C=VN'), [])).toMatch(/excluded/);
    expect(v(subject, [{ type: 'email', value: 'bad@kyso.vn' }])).toMatch(/excluded/);
  });

  it('checks E= in the subject as an email address', () => {
    expect(v(Name.parse('E=an@gmail.com,CN=An,O=Kyso,C=VN'), [])).toMatch(/email .*not in any permitted/);
    expect(v(Name.parse('E=bad@kyso.vn,CN=An,O=Kyso,C=VN'), [])).toMatch(/excluded/);
    expect(v(Name.parse('E=an@kyso.vn,CN=An,O=Kyso,C=VN'), [])).toBeUndefined();
  });

  it('a wildcard that could stand for an excluded name is refused', () => {
    // '*.kyso.vn' can be 'secret.kyso.vn', which is excluded.
    expect(v(subject, [{ type: 'dns', value: '*.kyso.vn' }])).toMatch(/\*\.kyso\.vn.*excluded/);
  });
});

describe('wildcards against exclusions', () => {
  it('*.kyso.vn overlaps an excluded bar.kyso.vn', () => {
    const nc: NameConstraints = {
      excludedSubtrees: [{ base: { type: 'dns', value: 'bar.kyso.vn' }, minimum: 0 }],
    };
    expect(nameConstraintViolation(Name.parse(''), [{ type: 'dns', value: '*.kyso.vn' }], nc)).toMatch(
      /excluded/,
    );
    expect(
      nameConstraintViolation(Name.parse(''), [{ type: 'dns', value: '*.other.vn' }], nc),
    ).toBeUndefined();
    expect(
      nameConstraintViolation(Name.parse(''), [{ type: 'dns', value: 'foo.kyso.vn' }], nc),
    ).toBeUndefined();
    const permitted: NameConstraints = {
      permittedSubtrees: [{ base: { type: 'dns', value: 'foo.kyso.vn' }, minimum: 0 }],
    };
    expect(nameConstraintViolation(Name.parse(''), [{ type: 'dns', value: '*.kyso.vn' }], permitted)).toMatch(
      /not in any permitted/,
    );
  });
});

describe.skipIf(!hasOpenssl)('agreement with OpenSSL verify', () => {
  let dir: string;
  let caCert: Certificate;
  let caSigner: LocalSigner;
  let leafKeySpki: Uint8Array;
  const nc: NameConstraints = {
    permittedSubtrees: [
      { base: { type: 'dns', value: 'kyso.vn' }, minimum: 0 },
      { base: { type: 'email', value: 'kyso.vn' }, minimum: 0 },
      { base: { type: 'ip', value: parseIp('10.0.0.0/8') }, minimum: 0 },
      { base: { type: 'ip', value: parseIp('2001:db8::/32') }, minimum: 0 },
      { base: { type: 'uri', value: '.kyso.vn' }, minimum: 0 },
      { base: { type: 'directoryName', value: Name.parse('O=Kyso,C=VN') }, minimum: 0 },
    ],
    excludedSubtrees: [
      { base: { type: 'dns', value: 'secret.kyso.vn' }, minimum: 0 },
      { base: { type: 'ip', value: parseIp('10.66.0.0/16') }, minimum: 0 },
      { base: { type: 'directoryName', value: Name.parse('OU=Blocked,O=Kyso,C=VN') }, minimum: 0 },
    ],
  };

  beforeAll(async () => {
    dir = tmpDir();
    const caKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    caSigner = new LocalSigner(caKey);
    caCert = await buildCertificate({
      subject: 'CN=Kyso Constrained Root,O=Kyso,C=VN',
      issuer: 'CN=Kyso Constrained Root,O=Kyso,C=VN',
      publicKey: caKey.publicKeyInfo,
      signer: caSigner,
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2035-01-01T00:00:00Z'),
      extensions: [
        { oid: OID.basicConstraints, critical: true, value: encodeBasicConstraints({ ca: true }) },
        { oid: OID.keyUsage, critical: true, value: encodeKeyUsage(['keyCertSign', 'cRLSign']) },
        { oid: OID.nameConstraints, critical: true, value: encodeNameConstraints(nc) },
      ],
    });
    writeFileSync(path.join(dir, 'ca.pem'), pemEncode('CERTIFICATE', caCert.der));
    leafKeySpki = (await generateKeyPair({ type: 'EC', curve: 'P-256' })).publicKeyInfo.der;
  });

  const cases: [string, string, GeneralName[]][] = [
    [
      'inside',
      'CN=An,O=Kyso,C=VN',
      [
        { type: 'dns', value: 'www.kyso.vn' },
        { type: 'ip', value: parseIp('10.1.1.1') },
      ],
    ],
    ['subject outside', 'CN=An,O=Other,C=VN', [{ type: 'dns', value: 'www.kyso.vn' }]],
    ['subject excluded', 'CN=An,OU=Blocked,O=Kyso,C=VN', []],
    ['dns outside', 'CN=An,O=Kyso,C=VN', [{ type: 'dns', value: 'kyso.com' }]],
    ['dns is the base itself', 'CN=An,O=Kyso,C=VN', [{ type: 'dns', value: 'kyso.vn' }]],
    ['dns with a shared suffix only', 'CN=An,O=Kyso,C=VN', [{ type: 'dns', value: 'notkyso.vn' }]],
    ['dns excluded', 'CN=An,O=Kyso,C=VN', [{ type: 'dns', value: 'a.secret.kyso.vn' }]],
    ['email inside', 'CN=An,O=Kyso,C=VN', [{ type: 'email', value: 'an@kyso.vn' }]],
    ['email on a subdomain', 'CN=An,O=Kyso,C=VN', [{ type: 'email', value: 'an@mail.kyso.vn' }]],
    ['ip excluded', 'CN=An,O=Kyso,C=VN', [{ type: 'ip', value: parseIp('10.66.0.9') }]],
    ['ipv6 inside', 'CN=An,O=Kyso,C=VN', [{ type: 'ip', value: parseIp('2001:db8::9') }]],
    ['ipv6 outside', 'CN=An,O=Kyso,C=VN', [{ type: 'ip', value: parseIp('2001:db9::9') }]],
    ['uri inside', 'CN=An,O=Kyso,C=VN', [{ type: 'uri', value: 'https://ca.kyso.vn/x' }]],
    ['uri outside', 'CN=An,O=Kyso,C=VN', [{ type: 'uri', value: 'https://kyso.vn/x' }]],
  ];

  it.each(cases)('%s: kyso and OpenSSL agree', async (label, subject, san) => {
    const leaf = await buildCertificate({
      subject,
      issuer: caCert.subject,
      publicKey: leafKeySpki,
      signer: caSigner,
      notBefore: new Date('2025-02-01T00:00:00Z'),
      notAfter: new Date('2030-01-01T00:00:00Z'),
      extensions: san.length
        ? [{ oid: OID.subjectAltName, critical: false, value: encodeGeneralNamesExtension(san) }]
        : [],
    });
    const f = path.join(dir, `${label.replace(/\W+/g, '-')}.pem`);
    writeFileSync(f, pemEncode('CERTIFICATE', leaf.der));
    const r = openssl([
      'verify',
      '-attime',
      String(Date.parse('2026-01-01T00:00:00Z') / 1000),
      '-CAfile',
      path.join(dir, 'ca.pem'),
      f,
    ]);
    const opensslOk = r.status === 0;
    if (!opensslOk) expect(r.stdout + r.stderr, label).toMatch(/name constraint|subtree|permitted|excluded/i);
    const kysoOk = nameConstraintViolation(leaf.subject, leaf.subjectAltName ?? [], nc) === undefined;
    expect(kysoOk, `${label}: OpenSSL says ${opensslOk ? 'OK' : r.stdout + r.stderr}`).toBe(opensslOk);
  });
});
