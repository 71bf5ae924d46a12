/**
 * Lint before issue (library and `kyso cert issue`), and `kyso cert lint` / `kyso crl lint` on
 * OpenSSL-made inputs and the real Vietnamese roots.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Certificate,
  KysoError,
  type LintReport,
  LocalSigner,
  generateKeyPair,
  issueCertificate,
  lint,
} from '../src/index.js';
import { pkiCoreCommands } from '../src/cli/commands.js';
import { runCommands } from './helpers/cli.js';
import { openssl, requireTool, tmpDir } from './helpers/tools.js';
import { OpenSslFactory } from './lint-openssl-fixtures.js';

const kyso = (...argv: string[]) => runCommands(pkiCoreCommands, argv);
const VN_ROOTS = path.resolve(__dirname, '../../../../shared/test-vectors/vn-roots');

async function refusal(p: Promise<unknown>): Promise<KysoError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof KysoError) return e;
    throw e;
  }
  throw new Error('issuance was not refused');
}

describe('lint before issue (issueCertificate)', () => {
  let root: Certificate;
  let rootSigner: LocalSigner;
  let key: Awaited<ReturnType<typeof generateKeyPair>>;
  beforeAll(async () => {
    const rk = await generateKeyPair({ type: 'EC', curve: 'P-256' });
    rootSigner = new LocalSigner(rk);
    root = await issueCertificate({
      profile: 'root-ca',
      subject: 'C=VN,O=Kyso Lint,CN=Kyso Lint Root',
      publicKey: rk.publicKeyInfo,
      signer: rootSigner,
    });
    key = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  });
  const person = (subject: string, extra: Partial<Parameters<typeof issueCertificate>[0]> = {}) =>
    issueCertificate({
      profile: 'person-signing',
      subject,
      publicKey: key.publicKeyInfo,
      issuer: { certificate: root, signer: rootSigner },
      ...extra,
    });

  it('refuses UID=CCCD:12345 with the lint name', async () => {
    const e = await refusal(person('C=VN,CN=Nguyễn Văn An,UID=CCCD:12345'));
    expect(e.code).toBe('ISSUANCE_REFUSED');
    expect(e.message).toContain('e_vn_uid_cccd_format');
    expect(e.detail).toMatchObject({ lint: 'e_vn_uid_cccd_format' });
  });

  it('refuses a subject in NFD with the lint name', async () => {
    const e = await refusal(person(`C=VN,CN=${'Nguyễn Văn An'.normalize('NFD')},UID=CCCD:001203004567`));
    expect(e.code).toBe('ISSUANCE_REFUSED');
    expect(e.detail).toMatchObject({ lint: 'e_rfc5198_utf8_not_nfc' });
  });

  it('refuses an e-mail address only in the subject, issues it with the SAN rfc822Name', async () => {
    const subject = 'C=VN,CN=Nguyễn Văn An,UID=CCCD:001203004567,E=an@example.vn';
    const e = await refusal(person(subject));
    expect(e.detail).toMatchObject({ lint: 'e_rfc5280_subject_email_not_in_san' });
    expect(e.message).toContain('RFC 5280 §4.1.2.6');
    const ok = await person(subject, { subjectAltName: [{ type: 'email', value: 'an@example.vn' }] });
    expect(lint(ok, { profile: 'person' }).errors).toBe(0);
  });

  it('warnings pass by default (reported), refuse on request, and lint: false skips the gate', async () => {
    let report: LintReport | undefined;
    const c = await person('C=VN,CN=Nguyễn Văn An', { lint: { onReport: (r) => (report = r) } });
    expect(c.subject.toString()).toContain('Nguyễn Văn An');
    expect(report!.findings.map((f) => f.lint)).toContain('w_vn_person_identifier_missing');
    const e = await refusal(person('C=VN,CN=Nguyễn Văn An', { lint: { warnings: 'refuse' } }));
    expect(e.detail).toMatchObject({ lint: 'w_vn_person_identifier_missing', overridable: true });
    const unchecked = await person('C=VN,CN=Nguyễn Văn An,UID=CCCD:12345', { lint: false });
    expect(lint(unchecked).findings.map((f) => f.lint)).toContain('e_vn_uid_cccd_format');
  });

  it('kyso-issued certificates of every profile lint clean', async () => {
    const sub = await issueCertificate({
      profile: 'sub-ca',
      subject: 'C=VN,O=Kyso Lint,CN=Kyso Lint Sub',
      publicKey: key.publicKeyInfo,
      issuer: { certificate: root, signer: rootSigner },
    });
    const k2 = await generateKeyPair({ type: 'RSA', modulusLength: 2048 });
    const reports = [
      lint(root),
      lint(sub),
      lint(
        await person('C=VN,CN=Trần Thị Bình,T=Giám đốc,UID=CCCD:001203004567', {
          publicKey: k2.publicKeyInfo,
        }),
      ),
      lint(
        await issueCertificate({
          profile: 'organization-signing',
          subject: 'C=VN,O=UBND,CN=Sở Y tế,UID=MST:0400260612,UID=MNS:1047665',
          publicKey: key.publicKeyInfo,
          issuer: { certificate: root, signer: rootSigner },
        }),
      ),
      ...(['ocsp-signer', 'tsa'] as const).map(async (profile) =>
        lint(
          await issueCertificate({
            profile,
            subject: `C=VN,O=Kyso Lint,CN=${profile}`,
            publicKey: key.publicKeyInfo,
            issuer: { certificate: root, signer: rootSigner },
          }),
        ),
      ),
    ];
    for (const r of await Promise.all(reports)) {
      expect({
        profile: r.profile,
        errors: r.findings.filter((f) => f.severity !== 'notice').map((f) => f.lint),
      }).toEqual({
        profile: r.profile,
        errors: [],
      });
    }
  });
});

describe.skipIf(!requireTool('openssl'))('kyso cert lint / crl lint / cert issue', () => {
  let f: OpenSslFactory;
  let d: string;
  beforeAll(() => {
    f = new OpenSslFactory();
    d = tmpDir();
  }, 60_000);
  const write = (name: string, data: string | Uint8Array) => {
    const p = path.join(d, name);
    fs.writeFileSync(p, data);
    return p;
  };

  it('reports findings with severity, name, clause and explanation; exit 0 / 1 / 2', async () => {
    const bad = write(
      'bad.pem',
      f.cert({ subj: '/C=VN/CN=Nguyễn Văn An/UID=CCCD:12345/emailAddress=an@example.vn' }),
    );
    const good = write(
      'good.pem',
      f.cert({
        subj: '/C=VN/CN=Nguyễn Văn An/UID=CCCD:001203004567',
        ext: 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
      }),
    );
    const r = await kyso('cert', 'lint', bad);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/ERROR\s+e_vn_uid_cccd_format/);
    expect(r.out).toContain('UID=CCCD:12345 is not 12 digits');
    expect(r.out).toMatch(/ERROR\s+e_rfc5280_subject_email_not_in_san\s+\[RFC 5280 §4\.1\.2\.6\]/);
    const g = await kyso('cert', 'lint', good, '--profile', 'person');
    expect(g.code, g.out).toBe(0);
    const j = await kyso('cert', 'lint', bad, good, '--json');
    expect(j.code).toBe(1);
    const parsed = JSON.parse(j.out) as { file: string; reports: LintReport[] }[];
    expect(parsed[0]!.reports[0]!.findings.map((x) => x.lint)).toContain('e_vn_uid_cccd_format');
    expect(parsed[1]!.reports[0]!.errors).toBe(0);
    expect((await kyso('cert', 'lint', write('junk.bin', 'not a certificate'))).code).toBe(2);
    expect((await kyso('cert', 'lint', path.join(d, 'missing.pem'))).code).toBe(2);
    expect((await kyso('cert', 'lint', good, '--profile', 'nonsense')).code).toBe(2);
    expect((await kyso('cert', 'lint', '--list')).out).toContain('e_vn_uid_mst_format');
  });

  it('lints CRLs and OCSP responses, and the SHA-1 MIC root is an error', async () => {
    const crl = write('ca.crl', f.caCrl());
    expect((await kyso('crl', 'lint', crl)).code).toBe(0);
    const v1 = write('v1.crl', f.caCrl({ crlExt: '', crlNumber: false }));
    const r = await kyso('crl', 'lint', v1);
    expect(r.code).toBe(1);
    expect(r.out).toContain('e_rfc5280_crl_number');
    const weakOcsp = write('sha1.ocsp', f.ocspResponse({ args: ['-ndays', '1', '-rmd', 'sha1'] }));
    const o = await kyso('ocsp', 'lint', weakOcsp);
    expect(o.code).toBe(1);
    expect(o.out).toContain('e_sig_alg_weak_hash');
    expect(
      (await kyso('ocsp', 'lint', write('ok.ocsp', f.ocspResponse({ args: ['-ndays', '1'] })))).code,
    ).toBe(0);
    const mic = path.join(VN_ROOTS, 'roots/micnrca-mic-national-root-ca-sha1.pem');
    if (fs.existsSync(mic)) {
      const m = await kyso('cert', 'lint', mic);
      expect(m.code).toBe(1);
      expect(m.out).toContain('e_sig_alg_weak_hash');
    }
  });

  it('kyso cert issue refuses lint errors; warnings need --accept-lint-warnings', async () => {
    const caDir = path.join(d, 'ca');
    expect((await kyso('ca', 'init', '--dir', caDir)).code).toBe(0);
    const caArgs = [
      '--ca-cert',
      path.join(caDir, 'issuing.pem'),
      '--ca-key',
      path.join(caDir, 'issuing.key.pem'),
    ];
    // The CSR is OpenSSL's: kyso only issues.
    const csr = (subj: string) => {
      const p = path.join(d, `r${Math.random().toString(36).slice(2)}.csr`);
      openssl(
        ['req', '-new', '-utf8', '-key', f.key('ec'), '-subj', subj, '-config', f.reqConfig(''), '-out', p],
        {
          check: true,
        },
      );
      return p;
    };
    const bad = await kyso(
      'cert',
      'issue',
      '--profile',
      'person-signing',
      ...caArgs,
      '--csr',
      csr('/C=VN/CN=An/UID=CCCD:12345'),
    );
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('ISSUANCE_REFUSED');
    expect(bad.err).toContain('e_vn_uid_cccd_format');
    const nfd = await kyso(
      'cert',
      'issue',
      '--profile',
      'person-signing',
      ...caArgs,
      '--csr',
      csr(`/C=VN/CN=${'Nguyễn Văn An'.normalize('NFD')}/UID=CCCD:001203004567`),
    );
    expect(nfd.code).toBe(1);
    expect(nfd.err).toContain('e_rfc5198_utf8_not_nfc');
    const email = await kyso(
      'cert',
      'issue',
      '--profile',
      'person-signing',
      ...caArgs,
      '--csr',
      csr('/C=VN/CN=An/UID=CCCD:001203004567/emailAddress=an@example.vn'),
    );
    expect(email.code).toBe(1);
    expect(email.err).toContain('e_rfc5280_subject_email_not_in_san');
    const warnCsr = csr('/C=VN/CN=Nguyễn Văn An');
    const warned = await kyso('cert', 'issue', '--profile', 'person-signing', ...caArgs, '--csr', warnCsr);
    expect(warned.code).toBe(1);
    expect(warned.err).toContain('w_vn_person_identifier_missing');
    const out = path.join(d, 'accepted.pem');
    const accepted = await kyso(
      'cert',
      'issue',
      '--profile',
      'person-signing',
      ...caArgs,
      '--csr',
      warnCsr,
      '--accept-lint-warnings',
      '--out',
      out,
    );
    expect(accepted.code, accepted.err).toBe(0);
    expect(accepted.err).toContain('lint warning accepted: w_vn_person_identifier_missing');
    expect(Certificate.parse(fs.readFileSync(out)).subject.toString()).toContain('Nguyễn Văn An');
  });
});
