/**
 * The qcStatements lints (ETSI EN 319 412-5 statements, and the EN 319 412-1/-2/-3 rules around
 * them): for each, a certificate that passes and one that fails, all made by OpenSSL (`openssl x509
 * -req -extfile` with the qcStatements extension written through OpenSSL's ASN1: generator), never
 * by kyso. The case table is checked against QC_LINTS, so a new lint without its two certificates
 * fails this file.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { type LintProfile, type LintReport, QC_LINTS, lint } from '../src/index.js';
import { openssl, requireTool } from './helpers/tools.js';
import { OpenSslFactory } from './lint-openssl-fixtures.js';

const EE =
  'basicConstraints=critical,CA:FALSE\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n' +
  'keyUsage=critical,digitalSignature,nonRepudiation\n';
const PERSON = '/C=VN/ST=Hà Nội/GN=An/SN=Nguyễn/CN=Nguyễn Văn An';
const PERSON_QC = `${PERSON}/serialNumber=IDCVN-001203004567/UID=CCCD:001203004567`;
const ORG = '/C=VN/O=Công ty ABC/organizationIdentifier=VATVN-0100109106/CN=Công ty ABC/UID=MST:0100109106';

/** OpenSSL ASN1_generate sections for the statements (EN 319 412-5 §4, RFC 3739 §3.2.6.1). */
const SECTIONS = `
[compliance]
id=OID:0.4.0.1862.1.1
[compliance_info]
id=OID:0.4.0.1862.1.1
info=INTEGER:1
[sscd]
id=OID:0.4.0.1862.1.4
[type_esign]
id=OID:0.4.0.1862.1.6
info=SEQUENCE:types_esign
[types_esign]
t=OID:0.4.0.1862.1.6.1
[type_eseal]
id=OID:0.4.0.1862.1.6
info=SEQUENCE:types_eseal
[types_eseal]
t=OID:0.4.0.1862.1.6.2
[type_unknown]
id=OID:0.4.0.1862.1.6
info=SEQUENCE:types_unknown
[types_unknown]
t=OID:1.2.3.4
[pds]
id=OID:0.4.0.1862.1.5
info=SEQUENCE:pds_locs
[pds_locs]
l1=SEQUENCE:pds_en
l2=SEQUENCE:pds_vi
[pds_en]
url=IA5STRING:https://ca.example.vn/pds/en.pdf
lang=PRINTABLESTRING:en
[pds_vi]
url=IA5STRING:https://ca.example.vn/pds/vi.pdf
lang=PRINTABLESTRING:vi
[pds_http]
id=OID:0.4.0.1862.1.5
info=SEQUENCE:pds_locs_http
[pds_locs_http]
l1=SEQUENCE:pds_en_http
[pds_en_http]
url=IA5STRING:http://ca.example.vn/pds/en.pdf
lang=PRINTABLESTRING:en
[pds_vi_only]
id=OID:0.4.0.1862.1.5
info=SEQUENCE:pds_locs_vi
[pds_locs_vi]
l1=SEQUENCE:pds_vi
[pds_badlang]
id=OID:0.4.0.1862.1.5
info=SEQUENCE:pds_locs_badlang
[pds_locs_badlang]
l1=SEQUENCE:pds_eng
[pds_eng]
url=IA5STRING:https://ca.example.vn/pds/en.pdf
lang=PRINTABLESTRING:eng
[retention]
id=OID:0.4.0.1862.1.3
info=INTEGER:10
[retention0]
id=OID:0.4.0.1862.1.3
info=INTEGER:0
[cc]
id=OID:0.4.0.1862.1.7
info=SEQUENCE:cc_list
[cc_list]
c1=PRINTABLESTRING:VN
[cc_bad]
id=OID:0.4.0.1862.1.7
info=SEQUENCE:cc_list_bad
[cc_list_bad]
c1=PRINTABLESTRING:VNM
[sem_natural]
id=OID:1.3.6.1.5.5.7.11.2
info=SEQUENCE:sem_n
[sem_n]
s=OID:0.4.0.194121.1.1
[sem_legal]
id=OID:1.3.6.1.5.5.7.11.2
info=SEQUENCE:sem_l
[sem_l]
s=OID:0.4.0.194121.1.2
`;

/** An -extfile with the end-entity extensions and qcStatements made of the named sections. */
const qc = (...statements: string[]) =>
  `${EE}1.3.6.1.5.5.7.1.3=ASN1:SEQUENCE:qcs\n[qcs]\n${statements
    .map((s, i) => `s${i}=SEQUENCE:${s}`)
    .join('\n')}\n${SECTIONS}`;

function status(r: LintReport, name: string): string {
  const x = r.results.find((y) => y.lint === name);
  if (!x) throw new Error(`no lint ${name}`);
  return x.status;
}

describe.skipIf(!requireTool('openssl'))(
  'qcStatements lints: OpenSSL-made passing and failing certificates',
  () => {
    let f: OpenSslFactory;
    const good: Record<string, { pem: string; profile: LintProfile }> = {};

    beforeAll(() => {
      f = new OpenSslFactory();
      good.person = {
        pem: f.cert({
          subj: PERSON_QC,
          ext: qc('compliance', 'sscd', 'type_esign', 'pds', 'retention', 'cc', 'sem_natural'),
        }),
        profile: 'person',
      };
      good.organization = {
        pem: f.cert({ subj: ORG, ext: qc('compliance', 'type_eseal', 'pds', 'cc', 'sem_legal') }),
        profile: 'organization',
      };
    }, 120_000);

    it('OpenSSL itself reads the qcStatements it wrote', () => {
      const text = openssl(['x509', '-noout', '-text'], { check: true, input: good.person!.pem }).stdout;
      expect(text).toMatch(/qcStatements/i);
    });

    it('the good certificates have no finding at all, and every QC lint passes on one of them', () => {
      const reports = Object.entries(good).map(([k, g]) => {
        const r = lint(g.pem, { profile: g.profile });
        expect({ k, findings: r.findings.map((x) => `${x.lint}: ${x.details}`) }).toEqual({
          k,
          findings: [],
        });
        return r;
      });
      for (const l of QC_LINTS)
        expect({ lint: l.name, passes: reports.some((r) => status(r, l.name) === 'pass') }).toEqual({
          lint: l.name,
          passes: true,
        });
    });

    it('every QC lint fails on its OpenSSL-made counter-example (and is n/a without qcStatements)', () => {
      const cases: Record<string, { subj: string; ext: string; profile: LintProfile }> = {
        e_etsi_qc_statements_syntax: {
          subj: PERSON_QC,
          ext: qc('compliance', 'compliance', 'cc'),
          profile: 'person',
        },
        e_etsi_qc_statement_info_absent: {
          subj: PERSON_QC,
          ext: qc('compliance_info', 'cc'),
          profile: 'person',
        },
        w_etsi_qc_statements_without_compliance: { subj: PERSON_QC, ext: qc('sscd'), profile: 'person' },
        e_etsi_qc_type_syntax: {
          subj: PERSON_QC,
          ext: qc('compliance', 'type_unknown', 'cc'),
          profile: 'person',
        },
        e_etsi_qc_type_natural_person: {
          subj: PERSON_QC,
          ext: qc('compliance', 'type_eseal', 'cc'),
          profile: 'person',
        },
        e_etsi_qc_type_legal_person: {
          subj: ORG,
          ext: qc('compliance', 'type_esign', 'cc'),
          profile: 'organization',
        },
        e_etsi_qc_pds_syntax: { subj: PERSON_QC, ext: qc('pds_badlang'), profile: 'person' },
        e_etsi_qc_pds_https: { subj: PERSON_QC, ext: qc('pds_http'), profile: 'person' },
        e_etsi_qc_pds_english: { subj: PERSON_QC, ext: qc('pds_vi_only'), profile: 'person' },
        e_etsi_qc_retention_period: { subj: PERSON_QC, ext: qc('retention0'), profile: 'person' },
        e_etsi_qc_cc_legislation_syntax: {
          subj: PERSON_QC,
          ext: qc('compliance', 'cc_bad'),
          profile: 'person',
        },
        // The test CA is C=VN: QcCompliance alone would claim EU qualification.
        n_etsi_qc_cc_legislation_non_eu: { subj: PERSON_QC, ext: qc('compliance'), profile: 'person' },
        e_etsi_semantics_natural_serial_number: {
          subj: `${PERSON}/UID=CCCD:001203004567`,
          ext: qc('sem_natural'),
          profile: 'person',
        },
        e_etsi_semantics_id_subject_kind: { subj: PERSON_QC, ext: qc('sem_legal'), profile: 'person' },
      };
      expect(Object.keys(cases).sort()).toEqual(QC_LINTS.map((l) => l.name).sort());
      for (const [name, c] of Object.entries(cases)) {
        const r = lint(f.cert({ subj: c.subj, ext: c.ext }), { profile: c.profile });
        expect({ name, status: status(r, name) }).toEqual({ name, status: 'fail' });
        // Only the lint under test (or, for a structural fault, lints of the same statement) fails.
        expect(r.findings.every((x) => x.lint.includes('_qc_') || x.lint.includes('semantics'))).toBe(true);
      }
      const plain = lint(f.cert({ subj: PERSON_QC, ext: EE }), { profile: 'person' });
      for (const l of QC_LINTS)
        expect({ lint: l.name, status: status(plain, l.name) }).toEqual({ lint: l.name, status: 'na' });
    });
  },
);
