/**
 * RFC 5280 §4.1.2.6: a new certificate with an e-mail address carries it as an rfc822Name in the
 * subjectAltName (issue 15). Every profile that can carry one adds it from the subject's E=;
 * checked with `openssl x509 -text`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Certificate,
  citizenSubject,
  generateKeyPair,
  issueCertificate,
  LocalSigner,
  Name,
  officialSubject,
  organizationSubject,
  type Profile,
  withSubjectEmails,
} from '../src/index.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';

const hasOpenssl = requireTool('openssl');

async function hierarchy() {
  const rootKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: 'CN=SAN Test Root,O=Kyso Test,C=VN',
    publicKey: rootKey.publicKeyInfo,
    signer: new LocalSigner(rootKey),
  });
  return { root, signer: new LocalSigner(rootKey) };
}

function opensslText(cert: Certificate): string {
  const f = path.join(tmpDir(), 'c.der');
  writeFileSync(f, cert.der);
  return openssl(['x509', '-inform', 'DER', '-in', f, '-noout', '-text'], { check: true }).stdout;
}

function sanOf(text: string): string {
  const m = /X509v3 Subject Alternative Name:.*\n\s*(.*)/.exec(text);
  return m ? m[1]!.trim() : '';
}

describe.skipIf(!hasOpenssl)('e-mail addresses in the subjectAltName', () => {
  it('every end-entity and CA profile carries the subject E= as an rfc822Name', async () => {
    const { root, signer } = await hierarchy();
    const cases: [Profile, Name][] = [
      [
        'person-signing',
        citizenSubject({ name: 'Nguyễn Văn An', cccd: '079200001234', email: 'an@example.vn' }),
      ],
      [
        'person-signing',
        officialSubject({
          name: 'Trần Thị Bình',
          cccd: '048190005678',
          title: 'Phó Giám đốc',
          organization: 'Sở TT&TT',
          email: 'binh@danang.gov.vn',
        }),
      ],
      [
        'organization-signing',
        organizationSubject({
          name: 'Sở TT&TT Đà Nẵng',
          organization: 'UBND',
          email: 'vanthu@danang.gov.vn',
        }),
      ],
      ['sub-ca', Name.parse('CN=Issuing,O=Kyso Test,E=ca@example.vn')],
      ['tsa', Name.parse('CN=TSA,O=Kyso Test,E=tsa@example.vn')],
    ];
    for (const [profile, subject] of cases) {
      const key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
      const cert = await issueCertificate({
        profile,
        subject,
        publicKey: key.publicKeyInfo,
        issuer: { certificate: root, signer },
      });
      const email = subject.get('E')[0]!;
      const text = opensslText(cert);
      expect(text).toMatch(/emailAddress\s*=|E\s*=/);
      expect(sanOf(text)).toBe(`email:${email}`);
    }
  });

  it('an address already in the SAN is not repeated (case-insensitive); other names are kept', async () => {
    const { root, signer } = await hierarchy();
    const key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const cert = await issueCertificate({
      profile: 'person-signing',
      subject: 'CN=An,E=An@Example.vn,C=VN',
      publicKey: key.publicKeyInfo,
      issuer: { certificate: root, signer },
      subjectAltName: [
        { type: 'email', value: 'an@example.vn' },
        { type: 'uri', value: 'https://example.vn/an' },
      ],
    });
    expect(sanOf(opensslText(cert))).toBe('email:an@example.vn, URI:https://example.vn/an');
  });

  it('no e-mail, no SAN added; an E= that is not a mailbox is refused', async () => {
    const { root, signer } = await hierarchy();
    const key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    const cert = await issueCertificate({
      profile: 'person-signing',
      subject: 'CN=An,C=VN',
      publicKey: key.publicKeyInfo,
      issuer: { certificate: root, signer },
    });
    expect(opensslText(cert)).not.toContain('Subject Alternative Name');
    expect(() => withSubjectEmails(Name.parse('CN=An,E=nobody'), [])).toThrow(/is not a mailbox/);
  });
});
