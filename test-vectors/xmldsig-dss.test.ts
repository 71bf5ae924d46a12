/**
 * DSS XAdES corpus (../shared/test-vectors/xmldsig/dss-xades, SOURCE.md) against what DSS's own
 * tests assert: the XML-DSig core of the master signature (`crypto.signature_valid`: references
 * found and intact, signature value intact); the signature and archive time-stamps (message
 * imprint intact, TSA signature intact: DSS's default `checkTimestamps`, and the files where a
 * test asserts the T or A level not technically valid); the level DSS classifies (`level_asserted`)
 * for the files DSS validates without defect; counter-signatures (intact / valid as asserted).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  Certificate,
  LocalSigner,
  TimeStampAuthority,
  buildTimeStampReq,
  importPrivateKey,
  parseTimeStampResp,
} from '@kyso/pki-core';
import {
  XmlError,
  type XadesResult,
  addXadesArchiveTimeStamp,
  addXadesSignatureTimeStamp,
  addXadesValidationData,
  counterSignXml,
  type XmlSignatureResult,
  findSignatures,
  parseXml,
  verifyXades,
  verifyXmlSignature,
} from '@kyso/xml-sign';
import { describe, expect, it } from 'vitest';
import { requireTool } from '../packages/pki-core/test/helpers/tools.js';
import { repoRoot, vectorsDir } from './location.js';

const ROOT = path.join(vectorsDir, 'xmldsig', 'dss-xades');

interface DssCase {
  file: string;
  expect: string;
  crypto?: { signature_intact: boolean | null; signature_valid: boolean | null };
  needs: { detached?: string[] };
  level_asserted?: string | Record<string, string>;
  other_assertions?: string[];
  note?: string;
  structure: { counter_signatures?: number; signatures?: { level_by_structure?: string }[] };
}

function resolver(c: DssCase) {
  const detached = new Map((c.needs.detached ?? []).map((d) => [path.basename(d), path.join(ROOT, d)]));
  const only = detached.size === 1 ? [...detached.values()][0] : undefined;
  return (uri: string | undefined) => {
    const f = (uri !== undefined ? detached.get(path.basename(decodeURIComponent(uri))) : undefined) ?? only;
    return f ? readFileSync(f) : undefined;
  };
}

/** Every signature of the file (master first, counter-signatures after), core and XAdES results. */
async function allSignatures(c: DssCase): Promise<{ core: XmlSignatureResult; x: XadesResult }[]> {
  const doc = parseXml(readFileSync(path.join(ROOT, c.file)));
  const resolveDetached = resolver(c);
  const out: { core: XmlSignatureResult; x: XadesResult }[] = [];
  for (const sig of findSignatures(doc)) {
    const core = verifyXmlSignature(doc, sig, { resolveDetached });
    out.push({ core, x: await verifyXades(core, { resolveDetached }) });
  }
  return out;
}

const stampsOk = (x: XadesResult): boolean =>
  [...x.signatureTimeStamps, ...x.archiveTimeStamps].every((t) => t.imprintIntact && t.signatureIntact);

/** DSS SignatureLevel -> the baseline level kyso reports. */
const DSS_LEVEL: Record<string, string> = {
  XAdES_BASELINE_B: 'B-B',
  XAdES_BES: 'B-B',
  XAdES_EPES: 'B-B',
  XAdES_BASELINE_T: 'B-T',
  XAdES_T: 'B-T',
  XAdES_BASELINE_LT: 'B-LT',
  XAdES_XL: 'B-LT',
  XAdES_BASELINE_LTA: 'B-LTA',
  XAdES_A: 'B-LTA',
};

async function runDss(c: DssCase): Promise<{ valid: boolean; why: string }> {
  const detached = new Map((c.needs.detached ?? []).map((d) => [path.basename(d), path.join(ROOT, d)]));
  let doc: ReturnType<typeof parseXml>;
  try {
    doc = parseXml(readFileSync(path.join(ROOT, c.file)));
  } catch (e) {
    if (e instanceof XmlError) return { valid: false, why: `parse: ${e.reason}` };
    throw e;
  }
  const sig = findSignatures(doc)[0];
  if (!sig) return { valid: false, why: 'no signature' };
  const only = detached.size === 1 ? [...detached.values()][0] : undefined;
  const r = verifyXmlSignature(doc, sig, {
    resolveDetached: (uri) => {
      const f =
        (uri !== undefined ? detached.get(path.basename(decodeURIComponent(uri))) : undefined) ?? only;
      return f ? readFileSync(f) : undefined;
    },
  });
  if (!r.valid) return { valid: false, why: `${r.error?.reason}: ${r.error?.message}` };
  // DSS's "signature valid" includes finding the SignedProperties the XAdES way: the very element
  // in this signature's QualifyingProperties must be the one a SignedProperties Reference covers.
  const x = await verifyXades(r);
  if (x.problems.includes('SignedProperties not covered by a valid Reference of type SignedProperties')) {
    return { valid: false, why: 'XAdES: SignedProperties not covered' };
  }
  return { valid: true, why: '' };
}

const manifest: { cases: DssCase[] } = JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8'));

describe('DSS XAdES corpus: XML-DSig core of the master signature', () => {
  const asserted = manifest.cases.filter((c) => typeof c.crypto?.signature_valid === 'boolean');
  for (const c of asserted) {
    const exception = EXCEPTIONS[c.file];
    it(`${c.file}: DSS asserts signature_valid=${c.crypto!.signature_valid}${exception ? ` (exception: ${exception})` : ''}`, async () => {
      const got = await runDss(c);
      if (exception) expect(got.valid).not.toBe(c.crypto!.signature_valid);
      else expect(`${got.valid} ${got.why}`).toMatch(new RegExp(`^${c.crypto!.signature_valid} `));
    });
  }
});

const timeStamped = (): DssCase[] =>
  manifest.cases.filter(
    (c) =>
      c.crypto?.signature_valid === true &&
      !EXCEPTIONS[c.file] &&
      (c.structure.signatures ?? []).some((s) => ['T', 'LT', 'LTA'].includes(s.level_by_structure ?? '')),
  );

describe('DSS XAdES corpus: signature and archive time-stamps', () => {
  // DSS's default checkTimestamps: every time-stamp's message imprint found and intact, its
  // signature intact. In force for the files DSS validates without an AdES defect.
  for (const c of timeStamped().filter((c) => c.expect === 'valid')) {
    it(`${c.file}: every time-stamp imprint and signature intact`, async () => {
      const sigs = await allSignatures(c);
      const master = sigs[0]!;
      expect(master.core.valid).toBe(true);
      expect(master.x.signatureTimeStamps.length + master.x.archiveTimeStamps.length).toBeGreaterThan(0);
      for (const s of sigs) expect(stampsOk(s.x)).toBe(true);
    });
  }
  // Files where a DSS test asserts the T or A level NOT technically valid (a copied or stale
  // time-stamp): kyso finds a time-stamp of that kind whose imprint does not match.
  for (const c of timeStamped().filter((c) => c.expect !== 'valid')) {
    const a = (c.other_assertions ?? []).includes('a_level_technically_valid=false');
    const t = (c.other_assertions ?? []).includes('t_level_technically_valid=false');
    const copiedSigTst = /imprint not intact/.test(c.note ?? '') && !a;
    if (!a && !t && !copiedSigTst) continue;
    it(`${c.file}: a ${a ? 'archive' : 'signature'} time-stamp's imprint is not intact (DSS: ${a ? 'A' : 'T'} level not technically valid)`, async () => {
      const sigs = await allSignatures(c);
      const stamps = sigs.flatMap((s) => (a ? s.x.archiveTimeStamps : s.x.signatureTimeStamps));
      expect(stamps.some((ts) => ts.imprintIntact === false && ts.signatureIntact)).toBe(true);
      expect(sigs.every((s) => s.core.valid)).toBe(true);
    });
  }
});

describe('DSS XAdES corpus: level of the master signature', () => {
  for (const c of manifest.cases.filter(
    (c) => c.expect === 'valid' && typeof c.level_asserted === 'string' && DSS_LEVEL[c.level_asserted],
  )) {
    const want = DSS_LEVEL[c.level_asserted as string]!;
    it(`${c.file}: DSS ${c.level_asserted as string} = kyso ${want}`, async () => {
      const [master] = await allSignatures(c);
      expect(master!.x.level).toBe(want);
    });
  }
});

describe('DSS XAdES corpus: counter-signatures', () => {
  for (const c of manifest.cases.filter((c) => (c.structure.counter_signatures ?? 0) > 0)) {
    const asserted = (c.other_assertions ?? []).find((o) => o.startsWith('counter-signature:'));
    if (!asserted && c.expect !== 'valid' && c.expect !== 'valid-core-ades-defect') continue;
    const counterValid = asserted ? !/valid=false/.test(asserted) : true;
    it(`${c.file}: counter-signature intact, ${counterValid ? 'valid' : 'NOT valid'} (DSS)`, async () => {
      const sigs = await allSignatures(c);
      const counters = sigs.filter((s) => s.x.counterSignatureOf);
      expect(counters.length).toBe(c.structure.counter_signatures);
      for (const s of counters) {
        // Intact: the signature value verifies over SignedInfo.
        expect(s.core.signatureValid).toBe(true);
        const valid = s.core.valid && s.x.counterSignatureOf!.countersignedValueCovered;
        expect(valid).toBe(counterValid);
      }
      expect(sigs[0]!.x.counterSignatures).toBe(c.structure.counter_signatures);
    });
  }
});

describe('kyso extends DSS-made signatures without touching what they sign', () => {
  const DEMO = path.join(repoRoot, 'certs', 'demo', 'rsa');
  const load = async (n: string) =>
    new LocalSigner(
      await importPrivateKey(readFileSync(path.join(DEMO, `${n}.key.pem`), 'utf8')),
      Certificate.parseAll(readFileSync(path.join(DEMO, `${n}.chain.pem`), 'utf8')).map((c) => c.der),
    );
  for (const file of ['validation/dss-signed.xml', 'validation/dss2517/xades-valid-reference.xml']) {
    it(`${file}: B-B → B-T → B-LT → B-LTA, then counter-signed; DSS's signature still verifies (kyso, xmlsec1)`, async () => {
      const tsaSigner = await load('tsa');
      const tsa = new TimeStampAuthority({
        certificate: Certificate.fromDer(tsaSigner.certificateChain[0]!),
        signer: tsaSigner,
        policyOid: '1.3.6.1.4.1.99999.7.1',
      });
      const ts = async (
        digest: Uint8Array,
        hashAlgorithm: Parameters<typeof buildTimeStampReq>[0]['hashAlgorithm'],
      ) =>
        parseTimeStampResp(
          await tsa.respond((await buildTimeStampReq({ digest, hashAlgorithm, certReq: true })).der),
        ).token!;
      const src = readFileSync(path.join(ROOT, file));
      const bt = await addXadesSignatureTimeStamp(src, ts);
      const lt = addXadesValidationData(bt, { certificates: tsaSigner.certificateChain });
      const lta = await addXadesArchiveTimeStamp(lt, ts);
      const cs = await counterSignXml(lta, await load('citizen'));
      const doc = parseXml(cs);
      const [master, counter] = findSignatures(doc);
      const m = verifyXmlSignature(doc, master!);
      expect(m.valid, m.error?.message).toBe(true);
      const mx = await verifyXades(m);
      expect(mx.level).toBe('B-LTA');
      expect(mx.archiveTimeStamps[0]).toMatchObject({ imprintIntact: true, signatureIntact: true });
      const c = verifyXmlSignature(doc, counter!);
      expect(c.valid).toBe(true);
      expect((await verifyXades(c)).counterSignatureOf?.countersignedValueCovered).toBe(true);
      if (!requireTool('xmlsec1')) return;
      const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'kyso-dss-ext-')), 'signed.xml');
      writeFileSync(f, cs);
      const r = spawnSync(
        'xmlsec1',
        ['verify', '--insecure', '--id-attr:Id', 'http://uri.etsi.org/01903/v1.3.2#:SignedProperties', f],
        { encoding: 'utf8' },
      );
      expect(`${r.status} ${r.stderr}`).toMatch(/^0 OK/);
    });
  }
});

/** Disagreements, argued in docs/conformance.md. */
const XSW_NODES =
  'XSW: the crypto is intact and kyso returns the signed node itself (not the fake one); DSS fails B-level by its XSW heuristics';
const STRICT_DER = 'the signer certificate is not DER-valid; kyso parses certificates strictly';
const EXCEPTIONS: Record<string, string> = {
  'validation/xades-level-b-with-certvals.xml':
    'the key is only in xades:CertificateValues; kyso takes keys from ds:KeyInfo',
  'validation/xsw/XSW-enveloping-fake-manifest.xml': XSW_NODES,
  'validation/xsw/XSW-enveloping-fake-object.xml': XSW_NODES,
  'validation/xsw/disable-checks.xml': XSW_NODES,
  'validation/dss1135/factura_ejemplo2_32v1.xml': `${STRICT_DER} (empty GeneralNames in subjectAltName)`,
  'validation/Signature-X-BE_ECON-3.xml': `${STRICT_DER} (non-ASCII in an IA5String policy qualifier)`,
  'validation/Signature-X-FR_NOT-3.xml':
    'duplicate ID values in the document: refused by design (signature wrapping)',
  'validation/Signature-X-HU_MIC-1.xml': 'not UTF-8 (ISO-8859-2 declaration): kyso reads UTF-8 only',
};
