/**
 * RFC 4998 Evidence Records from Bouncy Castle's bc-test-data (../shared/test-vectors/
 * bouncycastle-cms-tsp/tsp; SOURCE.md): the BSI TR-ESOR C.2 set (ER_OK_* must verify, ER_NOK_*
 * must fail) and the ERS-Testool set (initial, re-signed and re-hashed records over BIN.bin).
 *
 * Findings pinned here:
 *  - The ERS-Testool records and tsp/BIN_ER.ers cover BIN.bin (SHA-256 a1d4e7b5...): the data hash
 *    is in the first PartialHashtree, every tree reduces to its token's imprint, time-stamp renewal
 *    covers H(DER of the previous timeStamp), and hash-tree renewal covers
 *    H(H(data) + H(DER ArchiveTimeStampSequence of the preceding chains)) ('+' plain concatenation,
 *    not sorted: the 2Chains3ATS and testRenewal records decide it).
 *  - The BSI C.2 records do NOT cover the BIN.bin shipped next to them (its hash is in none of
 *    their trees; they protect other data objects, hashes 9ce2d7d3.../eecc4d33...). So they are
 *    checked without data: internal consistency only, and the data-coverage lines are
 *    "indeterminate". That is enough to tell the OK from the NOK records: NOK_INIT's first tree
 *    does not reduce to its imprint, NOK_CHAIN's renewal does not cover the previous time-stamp,
 *    NOK_SEQ's renewed tree does not reduce to its imprint. Over BIN.bin, every BSI record fails.
 *  - Every time-stamp token verifies (signature, TSTInfo, ESS, TSA certificate), and its TSA chain
 *    validates at genTime when the roots carried in the tokens are trusted (the test is about the
 *    records, not the roots' provenance).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isKysoError } from '../packages/pki-core/src/errors.js';
import {
  type EvidenceRecord,
  parseEvidenceRecord,
  verifyEvidenceRecord,
} from '../packages/pki-core/src/ers/evidence-record.js';
import { TrustStore } from '../packages/pki-core/src/path/trust-store.js';
import { parseTimeStampToken } from '../packages/pki-core/src/tsp/verify.js';
import { Certificate } from '../packages/pki-core/src/x509/certificate.js';
import { ersCommands } from '../packages/pki-core/src/cli/ers.js';
import { runCommands } from '../packages/pki-core/test/helpers/cli.js';

let vectorsDir: string | undefined;
let absentWhy = '';
try {
  ({ vectorsDir } = await import('./location.js'));
} catch (e) {
  absentWhy = (e as Error).message;
}
const ROOT = vectorsDir ? path.join(vectorsDir, 'bouncycastle-cms-tsp', 'tsp') : '';
const present = ROOT !== '' && fs.existsSync(ROOT);
if (!present) {
  absentWhy ||= `${ROOT} not found`;
  console.log(`RFC 4998 vectors absent, skipping: ${absentWhy}`);
}

const BSI = '20170316_Testdaten/BSI_TR-ESOR_C.2_TestData';
const TOOL = '20170316_Testdaten/Testdaten_ERS-Testool/rfc4998';

const read = (rel: string) => new Uint8Array(fs.readFileSync(path.join(ROOT, rel)));

/** Trust the self-issued roots carried in the record's tokens. */
function rootsOf(er: EvidenceRecord): TrustStore {
  const roots: Certificate[] = [];
  for (const chain of er.chains) {
    for (const ats of chain) {
      for (const d of parseTimeStampToken(ats.timeStampDer).signedData.certificates) {
        const c = Certificate.fromDer(d);
        if (c.isSelfIssued) roots.push(c);
      }
    }
  }
  return new TrustStore(roots);
}

interface ToolCase {
  file: string;
  data: string;
  shape: number[]; // ATS per chain
}

const toolCases: ToolCase[] = [
  { file: `${TOOL}/1Chain1ATS/BIN_ER.ers`, data: `${TOOL}/1Chain1ATS/BIN.bin`, shape: [1] },
  { file: `${TOOL}/1Chain2ATS/BIN_ER.ers`, data: `${TOOL}/1Chain2ATS/BIN.bin`, shape: [2] },
  { file: `${TOOL}/1Chain2ATS/testRenewal.ers`, data: `${TOOL}/1Chain2ATS/BIN.bin`, shape: [2, 1] },
  { file: `${TOOL}/2Chains3ATS/BIN_ER.ers`, data: `${TOOL}/2Chains3ATS/BIN.bin`, shape: [2, 1] },
  { file: 'BIN_ER.ers', data: 'BIN.bin', shape: [1] },
];

describe('RFC 4998 evidence records (bc-test-data)', () => {
  if (!present) {
    it.runIf(Boolean(process.env.CI))('vectors present (required under CI)', () => {
      throw new Error(`RFC 4998 vectors absent: ${absentWhy}`);
    });
    it.skipIf(Boolean(process.env.CI))(`skipped: ${absentWhy}`, () => {});
    return;
  }

  for (const c of toolCases) {
    it(`${c.file}: valid over ${c.data}`, async () => {
      const er = parseEvidenceRecord(read(c.file));
      expect(er.chains.map((x) => x.length)).toEqual(c.shape);
      const rep = await verifyEvidenceRecord(er, {
        data: read(c.data),
        timeStamp: { trustStore: rootsOf(er) },
      });
      expect(rep.reason).toBeUndefined();
      expect(rep.valid).toBe(true);
      expect(rep.ats.map((a) => [a.chain, a.index, a.status])).toEqual(
        c.shape.flatMap((n, ci) => Array.from({ length: n }, (_, i) => [ci, i, 'passed'])),
      );
      for (const a of rep.ats) {
        expect(a.genTime!.getUTCFullYear()).toBeGreaterThanOrEqual(2017);
        expect(a.hashAlgorithm).toBe(a.chain === 0 ? 'SHA-256' : 'SHA-512');
        expect(a.token.checks.map((x) => x.check)).toContain('chain');
      }
    });
  }

  it('BIN.bin with one byte flipped is not covered (every Testool record)', async () => {
    for (const c of toolCases) {
      const data = read(c.data);
      data[3] = data[3]! ^ 0x01;
      const rep = await verifyEvidenceRecord(read(c.file), { data });
      expect(rep.valid).toBe(false);
      expect(rep.hashTreesValid).toBe(false);
      expect(rep.reason).toBe('chain 0 ATS 0: DATA_HASH_NOT_IN_HASH_TREE');
      // Renewed chains fail too: their renewed data hash changes with the data.
      for (const a of rep.ats.filter((x) => x.chain > 0))
        expect(a.hashTree.reason).toBe('RENEWED_DATA_HASH_NOT_IN_HASH_TREE');
    }
  });

  it('without a trust anchor the records are structurally valid but not valid', async () => {
    const c = toolCases[3]!;
    const rep = await verifyEvidenceRecord(read(c.file), {
      data: read(c.data),
      timeStamp: { trustStore: new TrustStore([]) },
    });
    expect(rep.hashTreesValid).toBe(true);
    expect(rep.valid).toBe(false);
    expect(rep.reason).toMatch(/^chain 0 ATS 0: time-stamp token: chain /);
  });

  const bsi = [
    { file: 'ER_OK_INIT.ers', ok: true, shape: [1] },
    { file: 'ER_OK_CHAIN.ers', ok: true, shape: [2] },
    { file: 'ER_OK_SEQ.ers', ok: true, shape: [2, 1] },
    { file: 'ER_NOK_INIT.ers', ok: false, shape: [1], reason: 'chain 0 ATS 0: ROOT_HASH_IMPRINT_MISMATCH' },
    {
      file: 'ER_NOK_CHAIN.ers',
      ok: false,
      shape: [2],
      reason: 'chain 0 ATS 1: PREVIOUS_TIME_STAMP_HASH_NOT_IN_HASH_TREE',
    },
    { file: 'ER_NOK_SEQ.ers', ok: false, shape: [2, 1], reason: 'chain 1 ATS 0: ROOT_HASH_IMPRINT_MISMATCH' },
  ];
  for (const b of bsi) {
    it(`BSI ${b.file}: ${b.ok ? 'consistent' : 'fails'} (no data: the records do not cover BIN.bin)`, async () => {
      const er = parseEvidenceRecord(read(`${BSI}/${b.file}`));
      expect(er.chains.map((x) => x.length)).toEqual(b.shape);
      const rep = await verifyEvidenceRecord(er, { timeStamp: { trustStore: rootsOf(er) } });
      // Tokens verify in every record (the NOK records are broken at the ER level).
      for (const a of rep.ats) expect(a.token.status).toBe('passed');
      expect(rep.hashTreesValid).toBe(b.ok);
      expect(rep.valid).toBe(false); // no data: never fully valid
      if (b.ok) {
        expect(rep.status).toBe('indeterminate');
        for (const a of rep.ats) {
          // Data-coverage lines (first ATS of each chain) are indeterminate, renewals pass.
          expect(a.hashTree.status).toBe(a.index === 0 ? 'indeterminate' : 'passed');
          if (a.index === 0)
            expect(a.hashTree).toMatchObject({
              reason: 'NO_DATA_SUPPLIED',
              detail: 'tree reduces to the imprint',
            });
        }
      } else {
        expect(rep.status).toBe('failed');
        expect(rep.reason).toBe(b.reason);
      }
      // Over the BIN.bin shipped with the set, every record fails: its hash is in none of the trees.
      const withData = await verifyEvidenceRecord(er, { data: read(`${BSI}/BIN.bin`) });
      expect(withData.valid).toBe(false);
      expect(withData.ats[0]!.hashTree.reason).toBe('DATA_HASH_NOT_IN_HASH_TREE');
    });
  }

  it('truncated or corrupted records throw typed errors, never crash', async () => {
    const full = read(`${TOOL}/2Chains3ATS/BIN_ER.ers`);
    for (const n of [0, 1, 2, 10, 100, 1000, full.length / 2, full.length - 1]) {
      const cut = full.subarray(0, Math.floor(n));
      let err: unknown;
      try {
        await verifyEvidenceRecord(cut, { data: read(`${TOOL}/2Chains3ATS/BIN.bin`) });
      } catch (e) {
        err = e;
      }
      expect(isKysoError(err), `truncated to ${n}`).toBe(true);
      expect(['DER_MALFORMED', 'ASN1_SCHEMA']).toContain((err as { code: string }).code);
    }
    // Trailing data and a wrong version.
    expect(() => parseEvidenceRecord(Uint8Array.of(...full, 0))).toThrow(
      expect.objectContaining({ code: 'DER_MALFORMED' }),
    );
    const v2 = full.slice();
    v2[6] = 2; // 30 82 45 51 02 01 [01]
    expect(() => parseEvidenceRecord(v2)).toThrow(expect.objectContaining({ code: 'ASN1_SCHEMA' }));
    // A hash inside a tree flipped: the record parses, the tree no longer reduces.
    const flipped = full.slice();
    flipped[72] = flipped[72]! ^ 0x80; // inside the first PartialHashtree's first value
    const rep = await verifyEvidenceRecord(flipped, { data: read(`${TOOL}/2Chains3ATS/BIN.bin`) });
    expect(rep.valid).toBe(false);
    expect(rep.reason).toMatch(/^chain 0 ATS 0: (DATA_HASH_NOT_IN_HASH_TREE|ROOT_HASH_IMPRINT_MISMATCH)/);
  });

  it('kyso ers verify: exit 0 valid, 1 invalid, 2 usage / malformed', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-'));
    try {
      const ers = path.join(ROOT, `${TOOL}/2Chains3ATS/BIN_ER.ers`);
      const data = path.join(ROOT, `${TOOL}/2Chains3ATS/BIN.bin`);
      const er = parseEvidenceRecord(read(`${TOOL}/2Chains3ATS/BIN_ER.ers`));
      const pems = path.join(dir, 'roots.pem');
      fs.writeFileSync(pems, trustPem(er));
      const ok = await runCommands(ersCommands, ['ers', 'verify', ers, '--data', data, '--trust', pems]);
      expect(ok.code).toBe(0);
      expect(ok.out).toMatch(/^evidence record: VALID/);
      expect(ok.out).toContain('chain 1 ATS 0  2017-02-10T14:09:36.500Z  SHA-512  passed');
      // The check lines (pki-core's checkLine, shared with ocsp and ts verify): status in 13 columns.
      expect(ok.out).toMatch(/^ {4}passed {8}hash-tree: \S/m);
      expect(ok.out).toMatch(/^ {4}passed {8}chain: \S/m);
      const js = await runCommands(ersCommands, [
        'ers',
        'verify',
        ers,
        '--data',
        data,
        '--trust',
        pems,
        '--json',
      ]);
      const j = JSON.parse(js.out);
      expect(j).toMatchObject({ valid: true, hashTreesValid: true });
      expect(j.archiveTimeStamps).toHaveLength(3);
      // No trust anchors: hash trees fine, record not valid.
      const noTrust = await runCommands(ersCommands, ['ers', 'verify', ers, '--data', data, '--json']);
      expect(noTrust.code).toBe(1);
      expect(JSON.parse(noTrust.out)).toMatchObject({ valid: false, hashTreesValid: true });
      // Wrong data.
      const other = path.join(dir, 'other.bin');
      fs.writeFileSync(other, 'some binary contenT');
      const bad = await runCommands(ersCommands, ['ers', 'verify', ers, '--data', other, '--trust', pems]);
      expect(bad.code).toBe(1);
      expect(bad.out).toContain('reason: chain 0 ATS 0: DATA_HASH_NOT_IN_HASH_TREE');
      // Usage and malformed input.
      expect((await runCommands(ersCommands, ['ers', 'verify', ers])).code).toBe(2);
      expect((await runCommands(ersCommands, ['ers', 'verify', '--data', data])).code).toBe(2);
      const cut = path.join(dir, 'cut.ers');
      fs.writeFileSync(cut, read(`${TOOL}/2Chains3ATS/BIN_ER.ers`).subarray(0, 500));
      const m = await runCommands(ersCommands, ['ers', 'verify', cut, '--data', data]);
      expect(m.code).toBe(2);
      expect(m.err).toContain('DER_MALFORMED');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

function trustPem(er: EvidenceRecord): string {
  const out: string[] = [];
  for (const chain of er.chains)
    for (const ats of chain)
      for (const d of parseTimeStampToken(ats.timeStampDer).signedData.certificates) {
        const c = Certificate.fromDer(d);
        if (!c.isSelfIssued) continue;
        const b64 = Buffer.from(c.der)
          .toString('base64')
          .replace(/(.{64})/g, '$1\n');
        out.push(`-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`);
      }
  return out.join('');
}
