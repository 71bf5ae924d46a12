/**
 * qcStatements lints: the content of the RFC 3739 qcStatements extension as ETSI EN 319 412-5
 * defines it (QcCompliance, QcSSCD, QcType, QcPDS, QcRetentionPeriod, QcCClegislation) and the
 * EN 319 412-1 / -2 / -3 requirements that go with them (the PKIX semantics identifier for natural
 * and legal persons, the subject serialNumber it points to, the QcType that fits the subject).
 * Every lint is not applicable to a certificate without qcStatements.
 *
 * The statements are decoded once per certificate (`qcStatements` below, cached on the view).
 *
 * EN 319 412-5's text is not in the shared reference: the statement syntax follows its ASN.1 module
 * (Annex B, as published in V2.3.1), the clause numbers and the rules of §4.3.4 (https PDS URLs, a
 * PDS in English) are cited from that version and should be checked against the text once it is
 * added to the reference.
 */
import { type DerElement, DerReader, Tag, decodeString } from '../der.js';
import { OID } from '../oids.js';
import type { CheckOutcome } from './outcome.js';
import type { LintInfo, LintProfile } from './types.js';
import type { CertView } from './view.js';

/** ETSI EN 319 412-5 §5 statement identifiers (id-etsi-qcs = 0.4.0.1862.1). */
export const QCS = {
  compliance: '0.4.0.1862.1.1',
  limitValue: '0.4.0.1862.1.2',
  retentionPeriod: '0.4.0.1862.1.3',
  sscd: '0.4.0.1862.1.4',
  pds: '0.4.0.1862.1.5',
  type: '0.4.0.1862.1.6',
  ccLegislation: '0.4.0.1862.1.7',
  /** RFC 3739 §3.2.6.1 id-qcs-pkixQCSyntax-v1 / -v2 (SemanticsInformation). */
  pkixV1: '1.3.6.1.5.5.7.11.1',
  pkixV2: '1.3.6.1.5.5.7.11.2',
} as const;

/** EN 319 412-5 §4.2.3 QcType values. */
export const QC_TYPE = {
  esign: '0.4.0.1862.1.6.1',
  eseal: '0.4.0.1862.1.6.2',
  web: '0.4.0.1862.1.6.3',
} as const;
const QC_TYPE_NAMES = new Map<string, string>(Object.entries(QC_TYPE).map(([k, v]) => [v, k]));

/** EN 319 412-1 §5.1 semantics identifiers (id-etsi-qcs-semanticsId-*). */
export const SEMANTICS_ID = {
  natural: '0.4.0.194121.1.1',
  legal: '0.4.0.194121.1.2',
  eidasNatural: '0.4.0.194121.1.3',
  eidasLegal: '0.4.0.194121.1.4',
} as const;
const NATURAL_IDS = new Set<string>([SEMANTICS_ID.natural, SEMANTICS_ID.eidasNatural]);
const LEGAL_IDS = new Set<string>([SEMANTICS_ID.legal, SEMANTICS_ID.eidasLegal]);

export interface QcStatement {
  id: string;
  /** statementInfo, when present. */
  info?: DerElement;
}

/** The decoded qcStatements, or a problem; undefined when the extension is absent. */
export type QcStatements = { statements: QcStatement[] } | { problem: string };

const cache = new WeakMap<CertView, QcStatements>();

/** QCStatements ::= SEQUENCE OF SEQUENCE { statementId OID, statementInfo ANY OPTIONAL } (RFC 3739 §3.2.6). */
export function qcStatements(v: CertView): QcStatements | undefined {
  const e = v.ext(OID.qcStatements);
  // Most certificates have none: no cache lookup for them (lint before issue runs on every issuance).
  if (!e) return undefined;
  if (cache.has(v)) return cache.get(v);
  let out: QcStatements;
  try {
    const list = new DerReader(DerReader.single(e.value, Tag.SEQUENCE).value);
    const statements: QcStatement[] = [];
    while (!list.done) {
      if (statements.length >= 64) throw new Error('more than 64 statements');
      const s = list.enter(Tag.SEQUENCE);
      const st: QcStatement = { id: s.readOid() };
      if (!s.done) st.info = s.read();
      s.finish('unexpected data after statementInfo');
      statements.push(st);
    }
    out = { statements };
  } catch (err) {
    out = { problem: err instanceof Error ? err.message : String(err) };
  }
  cache.set(v, out);
  return out;
}

function statementsOf(v: CertView): QcStatement[] | undefined {
  const q = qcStatements(v);
  return q && 'statements' in q ? q.statements : undefined;
}
const find = (v: CertView, id: string) => statementsOf(v)?.find((s) => s.id === id);

function inner(el: DerElement): DerReader {
  return new DerReader(el.value, el.offset + el.raw.length - el.value.length);
}

/**
 * Runs `f` on one statement's info: 'na' when the certificate has no such statement, the thrown
 * message as a failure when the info does not decode.
 */
function withStatement(
  v: CertView,
  id: string,
  f: (info: DerElement | undefined) => CheckOutcome,
): CheckOutcome {
  const s = find(v, id);
  if (!s) return 'na';
  try {
    return f(s.info);
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

function qcTypes(info: DerElement | undefined): string[] {
  if (!info || info.tag !== Tag.SEQUENCE) throw new Error('QcType statementInfo is not a SEQUENCE OF OID');
  const r = inner(info);
  const out: string[] = [];
  while (!r.done) out.push(r.readOid());
  if (out.length === 0) throw new Error('QcType lists no type');
  return out;
}

interface PdsLocation {
  url: string;
  language: string;
}
function pdsLocations(info: DerElement | undefined): PdsLocation[] {
  if (!info || info.tag !== Tag.SEQUENCE)
    throw new Error('QcPDS statementInfo is not a SEQUENCE OF PdsLocation');
  const r = inner(info);
  const out: PdsLocation[] = [];
  while (!r.done) {
    const l = r.enter(Tag.SEQUENCE);
    const url = decodeString(l.read(Tag.IA5_STRING));
    const language = decodeString(l.read(Tag.PRINTABLE_STRING));
    l.finish('unexpected data in PdsLocation');
    out.push({ url, language });
  }
  if (out.length === 0) throw new Error('QcPDS lists no location');
  return out;
}

/** The semanticsIdentifier of an id-qcs-pkixQCSyntax-v2 (or -v1) statement, if any. */
function semanticsId(v: CertView): string | undefined {
  const s = find(v, QCS.pkixV2) ?? find(v, QCS.pkixV1);
  if (!s?.info || s.info.tag !== Tag.SEQUENCE) return undefined;
  const r = inner(s.info);
  return r.peekTag() === Tag.OID ? r.readOid() : undefined;
}

/** ISO 639-1 alpha-2 (letters; case-insensitive as ETSI gives no case). */
const LANGUAGE = /^[A-Za-z]{2}$/;
/** ISO 3166-1 alpha-2. */
const COUNTRY = /^[A-Z]{2}$/;
/** EN 319 412-1 §5.1.3: 3-letter type + 2-letter country + "-" + identifier, or a 2-letter national scheme "XX:CC-…". */
const NATURAL_SERIAL = /^((PAS|IDC|PNO|TAX|TIN)[A-Z]{2}-.+|[A-Z]{2}:[A-Z]{2}-.+)$/;

const PERSON = ['person', 'official'] as const;

/** A qcStatements lint (ETSI EN 319 412-5): metadata, profiles, and the check over a certificate view. */
export interface QcLint extends LintInfo {
  /** qcStatements lints read certificates. */
  target: 'certificate';
  /** Profiles the lint runs under (all when absent). */
  profiles?: readonly LintProfile[];
  /** The check: `undefined` pass, `'na'` not applicable, a string says what failed. */
  check(v: CertView): CheckOutcome;
}

const noQc = (v: CertView) => v.ext(OID.qcStatements) === undefined;

/**
 * The qcStatements lints (ETSI EN 319 412-5 statement syntax and the EN 319 412-1/-2/-3 rules that go
 * with them); not applicable to a certificate without qcStatements.
 */
export const QC_LINTS: readonly QcLint[] = [
  {
    name: 'e_etsi_qc_statements_syntax',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.1; RFC 3739 §3.2.6 (QCStatements)',
    description:
      'qcStatements must be a SEQUENCE OF { statementId, statementInfo OPTIONAL }, each statement at most once',
    target: 'certificate',
    check: (v) => {
      const q = qcStatements(v);
      if (!q) return 'na';
      if ('problem' in q) return q.problem;
      const seen = new Set<string>();
      for (const s of q.statements) {
        if (seen.has(s.id)) return `statement ${s.id} appears twice`;
        seen.add(s.id);
      }
      return undefined;
    },
  },
  {
    name: 'e_etsi_qc_statement_info_absent',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.2.1 (QcCompliance), §4.2.2 (QcSSCD)',
    description: 'QcCompliance and QcSSCD are bare statement identifiers: they carry no statementInfo',
    target: 'certificate',
    check: (v) => {
      const st = statementsOf(v)?.filter((s) => s.id === QCS.compliance || s.id === QCS.sscd);
      if (!st || st.length === 0) return 'na';
      const bad = st.find((s) => s.info !== undefined);
      return bad ? `${bad.id === QCS.compliance ? 'QcCompliance' : 'QcSSCD'} has a statementInfo` : undefined;
    },
  },
  {
    name: 'w_etsi_qc_statements_without_compliance',
    severity: 'warning',
    source: 'ETSI EN 319 412-5',
    clause: '§4.2.1, §4.2.2, §4.2.3 (statements of an EU qualified certificate)',
    description:
      'QcSSCD, QcType and QcCClegislation describe a qualified certificate: they should come with QcCompliance',
    target: 'certificate',
    check: (v) => {
      const st = statementsOf(v);
      if (!st) return 'na';
      const qualifiedOnly = st.filter(
        (s) => s.id === QCS.sscd || s.id === QCS.type || s.id === QCS.ccLegislation,
      );
      if (qualifiedOnly.length === 0) return 'na';
      return st.some((s) => s.id === QCS.compliance)
        ? undefined
        : 'QcSSCD/QcType/QcCClegislation without QcCompliance';
    },
  },
  {
    name: 'e_etsi_qc_type_syntax',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.2.3 (QcType ::= SEQUENCE OF OBJECT IDENTIFIER)',
    description: 'QcType lists one or more of id-etsi-qct-esign, -eseal and -web',
    target: 'certificate',
    check: (v) =>
      withStatement(v, QCS.type, (info) => {
        const bad = qcTypes(info).find((t) => !QC_TYPE_NAMES.has(t));
        return bad ? `unknown QcType ${bad}` : undefined;
      }),
  },
  {
    name: 'e_etsi_qc_type_natural_person',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.2.3; EN 319 412-2 §4.1 (certificates for natural persons: electronic signatures)',
    description:
      'the QcType of a natural person\u2019s certificate is id-etsi-qct-esign (seals and websites are not persons)',
    target: 'certificate',
    profiles: PERSON,
    check: (v) =>
      withStatement(v, QCS.type, (info) => {
        const types = qcTypes(info);
        const other = types.filter((t) => t !== QC_TYPE.esign);
        return other.length === 0
          ? undefined
          : `QcType ${other.map((t) => QC_TYPE_NAMES.get(t) ?? t).join(', ')}`;
      }),
  },
  {
    name: 'e_etsi_qc_type_legal_person',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.2.3; EN 319 412-3 §4.1 (certificates for legal persons: electronic seals)',
    description:
      'a legal person\u2019s signing certificate is not an e-signature certificate: QcType must not be id-etsi-qct-esign',
    target: 'certificate',
    profiles: ['organization'],
    check: (v) =>
      withStatement(v, QCS.type, (info) =>
        qcTypes(info).includes(QC_TYPE.esign) ? 'QcType esign' : undefined,
      ),
  },
  {
    name: 'e_etsi_qc_pds_syntax',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.3.4 (PdsLocation ::= SEQUENCE { url IA5String, language PrintableString (SIZE(2)) })',
    description: 'QcPDS lists PdsLocations of an IA5String URL and a two-letter ISO 639-1 language code',
    target: 'certificate',
    check: (v) =>
      withStatement(v, QCS.pds, (info) => {
        const bad = pdsLocations(info).find((l) => !LANGUAGE.test(l.language));
        return bad ? `language ${JSON.stringify(bad.language)} is not an ISO 639-1 code` : undefined;
      }),
  },
  {
    name: 'e_etsi_qc_pds_https',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.3.4 (the PDS location is an https URL)',
    description: 'every PDS URL must use the https scheme',
    target: 'certificate',
    check: (v) =>
      withStatement(v, QCS.pds, (info) => {
        const bad = pdsLocations(info).find((l) => !/^https:\/\/[^/?#\s]+/i.test(l.url));
        return bad ? `PDS URL ${JSON.stringify(bad.url)}` : undefined;
      }),
  },
  {
    name: 'e_etsi_qc_pds_english',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.3.4 (at least one PDS in English)',
    description: 'QcPDS must include a PDS in English (language "en")',
    target: 'certificate',
    check: (v) =>
      withStatement(v, QCS.pds, (info) =>
        pdsLocations(info).some((l) => l.language.toLowerCase() === 'en')
          ? undefined
          : `languages ${pdsLocations(info)
              .map((l) => l.language)
              .join(', ')}`,
      ),
  },
  {
    name: 'e_etsi_qc_retention_period',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.3.3 (QcEuRetentionPeriod ::= INTEGER, years after expiry)',
    description: 'QcRetentionPeriod is a positive INTEGER number of years',
    target: 'certificate',
    check: (v) =>
      withStatement(v, QCS.retentionPeriod, (info) => {
        if (!info || info.tag !== Tag.INTEGER) return 'statementInfo is not an INTEGER';
        const years = new DerReader(info.raw).readInteger();
        return years > 0n ? undefined : `${years} years`;
      }),
  },
  {
    name: 'e_etsi_qc_cc_legislation_syntax',
    severity: 'error',
    source: 'ETSI EN 319 412-5',
    clause: '§4.2.4 (QcCClegislation ::= SEQUENCE OF CountryName)',
    description: 'QcCClegislation lists ISO 3166-1 two-letter country codes as PrintableString',
    target: 'certificate',
    check: (v) =>
      withStatement(v, QCS.ccLegislation, (info) => {
        if (!info || info.tag !== Tag.SEQUENCE) return 'statementInfo is not a SEQUENCE OF CountryName';
        const r = inner(info);
        const cs: string[] = [];
        while (!r.done) cs.push(decodeString(r.read(Tag.PRINTABLE_STRING)));
        if (cs.length === 0) return 'no country';
        const bad = cs.find((c) => !COUNTRY.test(c));
        return bad ? `country ${JSON.stringify(bad)}` : undefined;
      }),
  },
  {
    name: 'n_etsi_qc_cc_legislation_non_eu',
    severity: 'notice',
    source: 'ETSI EN 319 412-5',
    clause: '§4.2.1, §4.2.4 (QcCompliance alone claims EU qualification)',
    description:
      'a Vietnamese CA claiming QcCompliance should name its legislation in QcCClegislation (e.g. VN), or it claims eIDAS',
    target: 'certificate',
    check: (v) => {
      const st = statementsOf(v);
      if (!st?.some((s) => s.id === QCS.compliance)) return 'na';
      const country = v.c.issuer?.attributes.find((a) => a.type === OID.countryName)?.value;
      if (country !== 'VN') return 'na';
      return st.some((s) => s.id === QCS.ccLegislation) ? undefined : 'QcCompliance without QcCClegislation';
    },
  },
  {
    name: 'e_etsi_semantics_natural_serial_number',
    severity: 'error',
    source: 'ETSI EN 319 412-1',
    clause: '§5.1.2, §5.1.3; EN 319 412-2 §4.2.4 (serialNumber of a natural person)',
    description:
      'with semanticsId-Natural the subject serialNumber must be TYPE+country+"-"+identifier (e.g. IDCVN-001203004567)',
    target: 'certificate',
    check: (v) => {
      const id = semanticsId(v);
      if (!id || !NATURAL_IDS.has(id)) return 'na';
      const sn = v.subjectValues.get(OID.serialNumber) ?? [];
      if (sn.length === 0) return 'no subject serialNumber';
      const bad = sn.find((x) => !NATURAL_SERIAL.test(x));
      return bad ? `serialNumber=${bad}` : undefined;
    },
  },
  {
    name: 'e_etsi_semantics_id_subject_kind',
    severity: 'error',
    source: 'ETSI EN 319 412-1',
    clause: '§5.1 (semantics identifiers); EN 319 412-2 §4.2.4, EN 319 412-3 §4.2.1',
    description:
      'a natural person\u2019s certificate uses semanticsId-Natural, a legal person\u2019s semanticsId-Legal, not the other',
    target: 'certificate',
    profiles: ['person', 'official', 'organization'],
    check: (v) => {
      if (noQc(v)) return 'na';
      const id = semanticsId(v);
      if (!id || (!NATURAL_IDS.has(id) && !LEGAL_IDS.has(id))) return 'na';
      const legalSubject = v.profile === 'organization';
      if (legalSubject && NATURAL_IDS.has(id)) return 'semanticsId-Natural on a legal-person certificate';
      if (!legalSubject && LEGAL_IDS.has(id)) return 'semanticsId-Legal on a natural-person certificate';
      return undefined;
    },
  },
];
