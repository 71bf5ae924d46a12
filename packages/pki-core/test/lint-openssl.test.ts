/**
 * Every lint has a passing and a failing input, all made by OpenSSL (see lint-openssl-fixtures.ts).
 * The tables are checked for completeness against CERT_LINTS / CRL_LINTS, so a new lint without
 * its two OpenSSL cases fails this file. The qcStatements lints (QC_LINTS, part of CERT_LINTS)
 * have their own file, lint-qc-openssl.test.ts, with the same completeness check.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CERT_LINTS as ALL_CERT_LINTS,
  Certificate,
  CRL_LINTS,
  type LintProfile,
  type LintReport,
  OCSP_LINTS,
  QC_LINTS,
  lint,
} from '../src/index.js';
import { requireTool } from './helpers/tools.js';
import { OpenSslFactory } from './lint-openssl-fixtures.js';

const EE = 'basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n';
const KU_SIGN = 'keyUsage=critical,digitalSignature,nonRepudiation\n';
const PERSON_SUBJ =
  '/C=VN/ST=Hà Nội/GN=An/SN=Nguyễn/CN=Nguyễn Văn An/UID=CCCD:001203004567/UID=CMND:012345678';
const NFD = 'Nguyễn Văn An'.normalize('NFD');
/** The lints this file covers (the qcStatements ones are in lint-qc-openssl.test.ts). */
const CERT_LINTS = ALL_CERT_LINTS.filter((l) => !QC_LINTS.includes(l));

function status(r: LintReport, name: string): string {
  const x = r.results.find((y) => y.lint === name);
  if (!x) throw new Error(`no lint ${name}`);
  return x.status;
}

describe.skipIf(!requireTool('openssl'))('lint: OpenSSL-made passing and failing certificates', () => {
  let f: OpenSslFactory;
  const good: Record<string, { input: string | Uint8Array; profile: LintProfile }> = {};

  beforeAll(() => {
    f = new OpenSslFactory();
    good.root = { input: readFileSync(f.caCert, 'utf8'), profile: 'root' };
    good['sub-ca'] = {
      input: f.cert({
        subj: '/C=VN/O=Lint Test/CN=Lint Test Sub CA',
        ext:
          'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\n' +
          'authorityKeyIdentifier=keyid\nnameConstraints=critical,permitted;DNS:.vn\ncertificatePolicies=1.2.3.4\n' +
          'authorityInfoAccess=OCSP;URI:http://ocsp.example.vn\ncrlDistributionPoints=URI:http://crl.example.vn/ca.crl\n',
      }),
      profile: 'sub-ca',
    };
    good.person = {
      input: f.cert({
        subj: `${PERSON_SUBJ}/emailAddress=an@example.vn`,
        key: 'rsa2048',
        ext: `${EE}${KU_SIGN}extendedKeyUsage=emailProtection\nsubjectAltName=email:an@example.vn\n`,
      }),
      profile: 'person',
    };
    good.official = {
      input: f.cert({
        subj: '/C=VN/GN=Bình/SN=Trần/CN=Trần Thị Bình/title=Giám đốc Sở/UID=CCCD:079190001234',
        ext: `${EE}${KU_SIGN}`,
      }),
      profile: 'official',
    };
    good.organization = {
      input: f.cert({
        subj: '/C=VN/O=Công ty ABC/organizationIdentifier=VATVN-0100109106/CN=Công ty ABC/UID=MST:0100109106-001/UID=MNS:1047665',
        ext: `${EE}${KU_SIGN}`,
      }),
      profile: 'organization',
    };
    good['ocsp-signer'] = {
      input: f.cert({
        subj: '/C=VN/O=Lint Test/CN=Lint OCSP',
        ext: `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nnoCheck=ignored\n`,
      }),
      profile: 'ocsp-signer',
    };
    good.tsa = {
      input: f.cert({
        subj: '/C=VN/O=Lint Test/CN=Lint TSA',
        ext: `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n`,
      }),
      profile: 'tsa',
    };
    good['tls-server'] = {
      input: f.cert({
        subj: '/C=VN/O=Lint Test/CN=www.example.vn',
        ext: `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:www.example.vn,DNS:*.example.vn\n`,
      }),
      profile: 'tls-server',
    };
    good.emptySubject = {
      input: f.cert({
        subj: '/',
        ext: `${EE}keyUsage=critical,digitalSignature\nsubjectAltName=critical,email:x@example.vn\n`,
      }),
      profile: 'rfc5280',
    };
    good.genconf = { input: f.genCert(), profile: 'root' };
  }, 120_000);

  it('the good certificates have no finding under their profile', () => {
    for (const [k, g] of Object.entries(good)) {
      const r = lint(g.input, { profile: g.profile });
      expect({ k, findings: r.findings.map((x) => `${x.lint}: ${x.details}`) }).toEqual({ k, findings: [] });
    }
  });

  it('every certificate lint passes on at least one OpenSSL certificate', () => {
    const reports = Object.values(good).map((g) => lint(g.input, { profile: g.profile }));
    for (const l of CERT_LINTS) {
      expect({ lint: l.name, passes: reports.some((r) => status(r, l.name) === 'pass') }).toEqual({
        lint: l.name,
        passes: true,
      });
    }
  });

  it('every certificate lint fails on its OpenSSL-made counter-example', () => {
    const ee = (
      subj: string,
      ext = `${EE}${KU_SIGN}`,
      extra: Parameters<OpenSslFactory['cert']>[0] = { subj },
    ) => f.cert({ ...extra, subj, ext });
    const plain = '/C=VN/O=Lint Test/CN=Lint EE';
    const cases: Record<string, { input: string | Uint8Array; profile?: LintProfile }> = {
      e_x690_der_encoding: {
        input: f.genCert({ sections: { validity: 'nb=UTCTIME:2601010000Z\nna=UTCTIME:360101000000Z' } }),
      },
      e_x690_ext_critical_false_encoded: {
        input: f.genCert({
          sections: {
            ext_ski: 'id=OID:subjectKeyIdentifier\nc=BOOL:FALSE\nv=OCTWRAP,FORMAT:HEX,OCTETSTRING:0102',
          },
        }),
      },
      e_rfc5280_ext_value_malformed: { input: ee(plain, `${EE}${KU_SIGN}2.5.29.32=DER:02:01:05\n`) },
      e_rfc5280_signature_algorithm_mismatch: { input: f.genCert({ outerAlg: 'alg2' }) },
      e_rfc5280_version: { input: f.genCert({ tbs: { ver: '' } }) },
      e_rfc5280_serial_not_positive: { input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, serial: '0' }) },
      e_rfc5280_serial_too_long: {
        input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, serial: `0x7f${'11'.repeat(20)}` }),
      },
      e_rfc5280_time_encoding: {
        input: f.genCert({ sections: { validity: 'nb=GENTIME:20260101000000Z\nna=UTCTIME:360101000000Z' } }),
      },
      e_rfc5280_validity_inverted: { input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, days: '-1' }) },
      e_rfc5280_unique_identifiers: {
        input: f.genCert({ tbs: { spki: 'SEQUENCE:spki\nsuid=IMPLICIT:2,FORMAT:HEX,BITSTRING:00AA' } }),
      },
      e_rfc5280_name_malformed: {
        input: f.genCert({
          sections: {
            subject: 'r1=SET:rdn_bad',
            rdn_bad: 'a=SEQUENCE:atv_bad',
            atv_bad: 't=OID:CN\nv=IMPLICIT:12U,FORMAT:HEX,OCTETSTRING:C0AF',
          },
        }),
      },
      e_rfc5280_issuer_empty: {
        input: f.genCert({ tbs: { issuer: 'SEQUENCE:empty_name' }, sections: { empty_name: '' } }),
      },
      e_rfc5280_empty_subject_san: {
        input: ee('/', `${EE}${KU_SIGN}subjectAltName=email:x@example.vn\n`),
        profile: 'rfc5280',
      },
      e_rfc5280_directory_string_type: {
        input: f.cert({ subj: '/C=VN/CN=Đặng Văn Lâm', ext: `${EE}${KU_SIGN}`, stringMask: 'default' }),
      },
      e_rfc5198_utf8_not_nfc: { input: ee(`/C=VN/CN=${NFD}/UID=CCCD:001203004567`) },
      e_rfc5280_country_code: { input: ee('/C=vn/O=Lint Test/CN=Lint EE') },
      e_rfc5280_attribute_too_long: {
        input: f.genCert({ sections: { atv_cn: `t=OID:CN\nv=UTF8:${'A'.repeat(65)}` } }),
      },
      e_rfc5280_subject_email_not_in_san: { input: ee(`${PERSON_SUBJ}/emailAddress=an@example.vn`) },
      e_rfc5280_san_rfc822_syntax: { input: ee(plain, `${EE}${KU_SIGN}subjectAltName=email:not an email\n`) },
      e_rfc5280_san_dns_syntax: {
        input: ee(plain, `${EE}${KU_SIGN}subjectAltName=DNS:bad_host!.example.vn\n`),
      },
      e_rfc5280_ext_duplicate: {
        input: f.genCert({
          sections: {
            exts: 'e1=SEQUENCE:ext_bc\ne2=SEQUENCE:ext_ku\ne3=SEQUENCE:ext_ski\ne4=SEQUENCE:ext_ski',
          },
        }),
      },
      w_rfc5280_ext_unknown_critical: { input: ee(plain, `${EE}${KU_SIGN}1.2.3.4.5=critical,DER:05:00\n`) },
      e_rfc5280_ca_basic_constraints_not_critical: {
        input: ee(
          plain,
          'basicConstraints=CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=hash\n',
        ),
      },
      e_rfc5280_keycertsign_without_ca: {
        input: ee(plain, `${EE}keyUsage=critical,keyCertSign,digitalSignature\n`),
      },
      e_rfc5280_path_len_without_ca_keycertsign: {
        input: ee(
          plain,
          'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,cRLSign\nsubjectKeyIdentifier=hash\n',
        ),
      },
      e_rfc5280_ca_key_usage_missing: {
        input: ee(plain, 'basicConstraints=critical,CA:TRUE\nsubjectKeyIdentifier=hash\n'),
      },
      w_rfc5280_key_usage_not_critical: { input: ee(plain, `${EE}keyUsage=digitalSignature\n`) },
      e_rfc5280_aki_missing: {
        input: ee(
          plain,
          `basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=none\n${KU_SIGN}`,
        ),
      },
      e_rfc5280_aki_critical: {
        input: ee(
          plain,
          `basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=critical,keyid\n${KU_SIGN}`,
        ),
      },
      e_rfc5280_aki_key_identifier_missing: {
        input: ee(
          plain,
          `basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=issuer:always\n${KU_SIGN}`,
        ),
      },
      e_rfc5280_ca_ski_missing: {
        input: ee(
          plain,
          'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign\nsubjectKeyIdentifier=none\n',
        ),
      },
      w_rfc5280_ski_missing: {
        input: ee(
          plain,
          `basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=none\nauthorityKeyIdentifier=keyid\n${KU_SIGN}`,
        ),
      },
      e_rfc5280_ski_critical: {
        input: ee(
          plain,
          `basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=critical,hash\n${KU_SIGN}`,
        ),
      },
      e_rfc5280_aia_critical: {
        input: ee(plain, `${EE}${KU_SIGN}authorityInfoAccess=critical,OCSP;URI:http://ocsp.example.vn\n`),
      },
      w_rfc5280_crl_dp_critical: {
        input: ee(plain, `${EE}${KU_SIGN}crlDistributionPoints=critical,URI:http://crl.example.vn/a.crl\n`),
      },
      e_rfc5280_name_constraints: {
        input: ee(plain, `${EE}${KU_SIGN}nameConstraints=critical,permitted;DNS:.vn\n`),
      },
      e_rfc5280_policy_duplicate: {
        input: ee(plain, `${EE}${KU_SIGN}certificatePolicies=1.2.3.4,1.2.3.4\n`),
      },
      e_rfc5280_eku_key_usage_inconsistent: {
        input: ee(plain, `${EE}keyUsage=critical,keyEncipherment\nextendedKeyUsage=timeStamping\n`),
      },
      e_rfc5480_spki_malformed: {
        input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, key: 'ec-explicit' }),
      },
      e_key_rsa_too_small: { input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, key: 'rsa1024' }) },
      w_cabf_rsa_exponent: { input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, key: 'rsa-e3' }) },
      e_key_ec_curve_not_allowed: {
        input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, key: 'secp256k1' }),
      },
      e_sig_alg_weak_hash: { input: f.cert({ subj: plain, ext: `${EE}${KU_SIGN}`, md: 'sha1' }) },
      e_profile_ca_expected: { input: ee(plain), profile: 'sub-ca' },
      e_profile_root_not_self_issued: { input: good['sub-ca']!.input, profile: 'root' },
      e_profile_end_entity_is_ca: { input: good['sub-ca']!.input, profile: 'person' },
      e_rfc6960_ocsp_signer_eku: {
        input: ee(plain, `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n`),
        profile: 'ocsp-signer',
      },
      n_rfc6960_ocsp_signer_no_check: {
        input: ee(plain, `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\n`),
        profile: 'ocsp-signer',
      },
      e_rfc3161_tsa_eku: {
        input: ee(plain, `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=timeStamping\n`),
        profile: 'tsa',
      },
      e_cabf_tls_server_san: {
        input: ee(
          '/CN=www.example.vn',
          `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
        ),
        profile: 'tls-server',
      },
      w_etsi_natural_person_subject: {
        input: ee('/GN=An/SN=Nguyễn/CN=Nguyễn Văn An/UID=CCCD:001203004567'),
        profile: 'person',
      },
      n_etsi_natural_person_names: {
        input: ee('/C=VN/CN=Nguyễn Văn An/UID=CCCD:001203004567'),
        profile: 'person',
      },
      w_etsi_legal_person_subject: {
        input: ee('/C=VN/O=Công ty ABC/UID=MST:0100109106'),
        profile: 'organization',
      },
      w_etsi_legal_person_organization_name: {
        input: ee('/C=VN/CN=Công ty ABC/UID=MST:0100109106'),
        profile: 'organization',
      },
      n_etsi_legal_person_organization_identifier: {
        input: ee('/C=VN/O=Công ty ABC/CN=Công ty ABC/UID=MST:0100109106'),
        profile: 'organization',
      },
      e_etsi_organization_identifier_format: {
        input: ee('/C=VN/O=Công ty ABC/organizationIdentifier=0100109106/CN=Công ty ABC'),
        profile: 'organization',
      },
      e_etsi_signing_key_usage: {
        input: ee(PERSON_SUBJ, `${EE}keyUsage=critical,keyEncipherment\n`),
        profile: 'person',
      },
      e_vn_uid_cccd_format: { input: ee('/C=VN/CN=Nguyễn Văn An/UID=CCCD:12345') },
      e_vn_uid_cmnd_format: { input: ee('/C=VN/CN=Nguyễn Văn An/UID=CMND:1234567') },
      e_vn_uid_mst_format: { input: ee('/C=VN/O=Công ty ABC/CN=Công ty ABC/UID=MST:01001091') },
      e_vn_uid_mns_format: { input: ee('/C=VN/O=Sở Y tế/CN=Sở Y tế/UID=MNS:12') },
      w_vn_uid_prefix_unknown: { input: ee('/C=VN/CN=Nguyễn Văn An/UID=001203004567') },
      w_vn_person_identifier_missing: {
        input: ee('/C=VN/GN=An/SN=Nguyễn/CN=Nguyễn Văn An'),
        profile: 'person',
      },
      e_vn_official_title_missing: { input: ee(PERSON_SUBJ), profile: 'official' },
      n_vn_organization_tax_code_missing: {
        input: ee('/C=VN/O=Công ty ABC/organizationIdentifier=VATVN-0100109106/CN=Công ty ABC'),
        profile: 'organization',
      },
    };
    expect(Object.keys(cases).sort()).toEqual(CERT_LINTS.map((l) => l.name).sort());
    for (const [name, c] of Object.entries(cases)) {
      const r = lint(c.input, { profile: c.profile ?? 'auto', kind: 'certificate' });
      expect({ name, status: status(r, name) }).toEqual({ name, status: 'fail' });
    }
    // Extensions a certificate shares byte for byte with earlier ones come from a cache (lint before
    // issue): a report never depends on what was linted before. First reading, second (cached
    // then), third (read from the cache), in other orders: the same reports.
    const all = [...Object.values(cases), ...Object.values(good)];
    const run = (xs: typeof all) => xs.map((c) => lint(c.input, { profile: c.profile ?? 'auto' }));
    const first = run(all);
    expect(run(all)).toEqual(first);
    expect(run([...all].reverse()).reverse()).toEqual(first);
  });

  it('an extension DER problem is reported however often the extension is seen (cache)', () => {
    // The official certificate with its critical basicConstraints TRUE encoded 01 (not FF): OpenSSL
    // made the certificate, the one byte is patched here (the signature does not matter to lint).
    const der = new Uint8Array(Certificate.parse(good.official!.input).der);
    const bc = [0x06, 0x03, 0x55, 0x1d, 0x13, 0x01, 0x01, 0xff];
    const at = der.findIndex((_, i) => bc.every((b, j) => der[i + j] === b));
    expect(at).toBeGreaterThan(0);
    der[at + 7] = 0x01;
    const reports = [1, 2, 3].map(() => lint(der, { profile: 'official' }));
    for (const r of reports) {
      expect(r.findings.find((x) => x.lint === 'e_x690_der_encoding')?.details).toBe(
        'extension 2.5.29.19: BOOLEAN TRUE not encoded as FF',
      );
    }
    expect(reports[1]).toEqual(reports[0]);
    expect(reports[2]).toEqual(reports[0]);
    // The good certificate (same extension bytes but FF) is still clean.
    expect(lint(good.official!.input, { profile: 'official' }).findings).toEqual([]);
  });

  it('CRLs: passing and failing OpenSSL-made CRLs for every CRL lint', () => {
    const revokedPem = f.cert({ subj: '/C=VN/O=Lint Test/CN=Revoked', ext: `${EE}${KU_SIGN}` });
    const goodCrls = [f.caCrl({ revoke: [[revokedPem, 'keyCompromise']] }), f.genCrl()];
    for (const g of goodCrls) {
      const r = lint(g, { kind: 'crl' });
      expect(r.findings.map((x) => `${x.lint}: ${x.details}`)).toEqual([]);
    }
    const reports = goodCrls.map((g) => lint(g, { kind: 'crl' }));
    for (const l of CRL_LINTS) {
      expect({ lint: l.name, passes: reports.some((r) => status(r, l.name) === 'pass') }).toEqual({
        lint: l.name,
        passes: true,
      });
    }
    const unspecifiedPem = f.cert({ subj: '/C=VN/O=Lint Test/CN=Revoked 2', ext: `${EE}${KU_SIGN}` });
    const cases: Record<string, string | Uint8Array> = {
      e_x690_der_encoding: f.genCrl({ tbs: { this: 'UTCTIME:2601010000Z' } }),
      e_x690_ext_critical_false_encoded: f.genCrl({
        sections: { ext_num: 'id=OID:crlNumber\nc=BOOL:FALSE\nv=OCTWRAP,INTEGER:7' },
      }),
      e_rfc5280_crl_signature_algorithm_mismatch: f.genCrl({ outerAlg: 'alg2' }),
      e_rfc5280_crl_version: f.caCrl({ crlExt: '', crlNumber: false }),
      e_rfc5280_crl_issuer_empty: f.genCrl({
        tbs: { issuer: 'SEQUENCE:empty_name' },
        sections: { empty_name: '' },
      }),
      e_rfc5280_crl_time_encoding: f.genCrl({ tbs: { this: 'GENTIME:20260101000000Z' } }),
      e_rfc5280_crl_next_update_missing: f.genCrl({ tbs: { next: '' } }),
      e_rfc5280_crl_next_update_before_this_update: f.genCrl({ tbs: { next: 'UTCTIME:251201000000Z' } }),
      e_rfc5280_crl_empty_revoked_list: f.genCrl({
        tbs: { revoked: 'SEQUENCE:empty_list' },
        sections: { empty_list: '' },
      }),
      e_rfc5280_crl_ext_duplicate: f.genCrl({
        sections: { exts: 'e1=SEQUENCE:ext_aki\ne2=SEQUENCE:ext_num\ne3=SEQUENCE:ext_num' },
      }),
      e_rfc5280_crl_aki_missing: f.caCrl({ crlExt: '' }),
      e_rfc5280_crl_number: f.caCrl({ crlNumber: false }),
      w_rfc5280_crl_reason_unspecified: f.caCrl({ revoke: [[unspecifiedPem, 'unspecified']] }),
      e_sig_alg_weak_hash: f.caCrl({ md: 'sha1' }),
    };
    expect(Object.keys(cases).sort()).toEqual(CRL_LINTS.map((l) => l.name).sort());
    for (const [name, c] of Object.entries(cases)) {
      const r = lint(c, { kind: 'crl' });
      expect({ name, status: status(r, name) }).toEqual({ name, status: 'fail' });
    }
  });

  it('OCSP responses: passing and failing OpenSSL-made responses for every OCSP lint', () => {
    const responder = f.cert({
      subj: '/C=VN/O=Lint Test/CN=Lint OCSP responder',
      ext: `${EE}keyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nnoCheck=ignored\n`,
    });
    const good = [
      f.ocspResponse({ rsigner: responder, args: ['-ndays', '1'] }),
      f.ocspResponse({ args: ['-ndays', '1'] }),
    ];
    const reports = good.map((g) => lint(g, { kind: 'ocsp' }));
    for (const r of reports) expect(r.findings.map((x) => `${x.lint}: ${x.details}`)).toEqual([]);
    for (const l of OCSP_LINTS) {
      expect({ lint: l.name, passes: reports.some((r) => status(r, l.name) === 'pass') }).toEqual({
        lint: l.name,
        passes: true,
      });
    }
    const noEku = f.cert({
      subj: '/C=VN/O=Lint Test/CN=Not a responder',
      ext: `${EE}keyUsage=critical,digitalSignature\n`,
    });
    const cases: Record<string, Uint8Array> = {
      e_sig_alg_weak_hash: f.ocspResponse({ args: ['-ndays', '1', '-rmd', 'sha1'] }),
      w_rfc6960_next_update_missing: f.ocspResponse(),
      e_rfc6960_delegated_responder_eku: f.ocspResponse({ rsigner: noEku, args: ['-ndays', '1'] }),
    };
    expect(Object.keys(cases).sort()).toEqual(OCSP_LINTS.map((l) => l.name).sort());
    for (const [name, c] of Object.entries(cases)) {
      expect({ name, status: status(lint(c, { kind: 'ocsp' }), name) }).toEqual({ name, status: 'fail' });
    }
  });
});
