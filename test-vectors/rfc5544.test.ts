/**
 * RFC 5544 TimeStampedData from Bouncy Castle's bc-test-data (bouncycastle-cms-tsp/tsp/
 * FileDaFirmare.txt.tsd.der, content embedded, three time-stamps from 2011, hashProtected TRUE).
 *
 * Pinned findings: the first token covers DER(MetaData) || content, each later one the DER of the
 * previous TimeStampAndCRL. FileDaFirmare.data is the embedded content with its CRLF line ends
 * turned into LF (a text-mode copy), so as detached data it differs from the content; with CRLF
 * restored it is byte-identical.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8Decode, utf8Encode } from '../packages/pki-core/src/bytes.js';
import { isKysoError } from '../packages/pki-core/src/errors.js';
import {
  parseTimeStampedData,
  verifyTimeStampedData,
} from '../packages/pki-core/src/ers/time-stamped-data.js';
import { TrustStore } from '../packages/pki-core/src/path/trust-store.js';
import { parseTimeStampToken } from '../packages/pki-core/src/tsp/verify.js';
import { Certificate } from '../packages/pki-core/src/x509/certificate.js';

let vectorsDir: string | undefined;
let absentWhy = '';
try {
  ({ vectorsDir } = await import('./location.js'));
} catch (e) {
  absentWhy = (e as Error).message;
}
const FILE = vectorsDir
  ? path.join(vectorsDir, 'bouncycastle-cms-tsp', 'tsp', 'FileDaFirmare.txt.tsd.der')
  : '';
const present = FILE !== '' && fs.existsSync(FILE);
if (!present) {
  absentWhy ||= `${FILE} not found`;
  console.log(`RFC 5544 vector absent, skipping: ${absentWhy}`);
}

describe('RFC 5544 TimeStampedData (bc-test-data)', () => {
  if (!present) {
    it.runIf(Boolean(process.env.CI))('vector present (required under CI)', () => {
      throw new Error(`RFC 5544 vector absent: ${absentWhy}`);
    });
    it.skipIf(Boolean(process.env.CI))(`skipped: ${absentWhy}`, () => {});
    return;
  }
  const der = new Uint8Array(fs.readFileSync(FILE));
  const dataFile = new Uint8Array(fs.readFileSync(path.join(path.dirname(FILE), 'FileDaFirmare.data')));

  it('parses: metadata, embedded content, three time-stamps', () => {
    const t = parseTimeStampedData(der);
    expect(t.metaData).toMatchObject({
      hashProtected: true,
      fileName: 'FileDaFirmare.txt',
      mediaType: 'text/plain',
    });
    expect(t.content).toHaveLength(229);
    expect(t.timeStamps).toHaveLength(3);
    expect(utf8Decode(t.content!).replaceAll('\r\n', '\n')).toBe(utf8Decode(dataFile));
  });

  it('verifies: every token, first over metadata+content, renewals over the previous entry', async () => {
    const t = parseTimeStampedData(der);
    const rep = await verifyTimeStampedData(t);
    expect(rep.content).toEqual({ status: 'passed', reason: 'EMBEDDED_CONTENT' });
    expect(rep.timeStamps.map((x) => x.covers)).toEqual([
      'metadata+content',
      'previous-timestamp',
      'previous-timestamp',
    ]);
    for (const x of rep.timeStamps) {
      expect(x.genTime!.toISOString().slice(0, 10)).toBe('2011-02-04');
      expect(x.hashAlgorithm).toBe('SHA-256');
      const notPassed = x.checks.filter((c) => c.status !== 'passed').map((c) => `${c.check}:${c.reason}`);
      // Everything but the TSA chain (no trust anchor given) passes.
      expect(notPassed).toEqual(['chain:CHAIN_NOT_VALIDATED']);
      expect(x.checks.find((c) => c.check === 'message-imprint')?.reason).toBe('IMPRINT_MATCHES');
    }
    expect(rep.status).toBe('indeterminate');
    expect(rep.valid).toBe(false);
  });

  it('the 2011 tokens carry no root: with only in-token roots trusted, each chain fails (unknown issuer)', async () => {
    const t = parseTimeStampedData(der);
    const roots = t.timeStamps.flatMap((x) =>
      parseTimeStampToken(x.token)
        .signedData.certificates.map((d) => Certificate.fromDer(d))
        .filter((c) => c.isSelfIssued),
    );
    expect(roots).toHaveLength(0);
    const rep = await verifyTimeStampedData(t, { timeStamp: { trustStore: new TrustStore(roots) } });
    for (const x of rep.timeStamps) {
      expect(x.checks.find((c) => c.check === 'chain')).toMatchObject({
        status: 'failed',
        reason: 'UNKNOWN_ISSUER',
      });
    }
    expect(rep.status).toBe('failed');
    expect(rep.reason).toMatch(/^time-stamp 0: chain UNKNOWN_ISSUER/);
  });

  it('detached data: the LF copy differs, the CRLF original matches', async () => {
    const lf = await verifyTimeStampedData(der, { data: dataFile });
    expect(lf.content.reason).toBe('DETACHED_DATA_DIFFERS_FROM_CONTENT');
    expect(lf.status).toBe('failed');
    const crlf = utf8Encode(utf8Decode(dataFile).replaceAll('\n', '\r\n'));
    const ok = await verifyTimeStampedData(der, { data: crlf });
    expect(ok.content.reason).toBe('DETACHED_DATA_EQUALS_CONTENT');
    expect(
      ok.timeStamps.every((x) => x.checks.find((c) => c.check === 'message-imprint')?.status === 'passed'),
    ).toBe(true);
  });

  it('a flipped content byte breaks the first imprint only; a flipped token entry breaks the next renewal', async () => {
    const t = parseTimeStampedData(der);
    const bad = { ...t, content: t.content!.slice() };
    bad.content[10] = bad.content[10]! ^ 0x01;
    const r1 = await verifyTimeStampedData(bad);
    expect(r1.timeStamps.map((x) => x.checks.find((c) => c.check === 'message-imprint')!.reason)).toEqual([
      'IMPRINT_MISMATCH',
      'IMPRINT_MATCHES',
      'IMPRINT_MATCHES',
    ]);
    expect(r1.reason).toMatch(/^time-stamp 0: message-imprint IMPRINT_MISMATCH/);
    // Replace the first TimeStampAndCRL's encoding by the second's: renewal 1 no longer covers it.
    const swapped = { ...t, timeStamps: [t.timeStamps[1]!, t.timeStamps[1]!, t.timeStamps[2]!] };
    const r2 = await verifyTimeStampedData(swapped);
    expect(r2.timeStamps[1]!.checks.find((c) => c.check === 'message-imprint')!.reason).toBe(
      'IMPRINT_MISMATCH',
    );
  });

  it('truncated input throws a typed error', async () => {
    for (const n of [0, 5, 100, 300, der.length - 1]) {
      let err: unknown;
      try {
        await verifyTimeStampedData(der.subarray(0, n));
      } catch (e) {
        err = e;
      }
      expect(isKysoError(err), `truncated to ${n}`).toBe(true);
    }
  });
});
