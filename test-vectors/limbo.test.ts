/**
 * C2SP x509-limbo: every testcase through buildAndValidatePath. SERVER cases check the DNS/IP
 * peer name, CLIENT cases the RFC 822 name; `webpki::*` cases use the 'webpki' (CA/B Forum)
 * profile, all others the RFC 5280 profile (the two namespaces conflict by design). The test fails
 * on any disagreement not listed in exceptions/limbo.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KysoError } from '../packages/pki-core/src/errors.js';
import {
  CertificatePool,
  type PeerName,
  type Purpose,
  TrustStore,
  buildAndValidatePath,
} from '../packages/pki-core/src/path/index.js';
import type { RevocationChecker } from '../packages/pki-core/src/path/revocation-types.js';
import { Certificate } from '../packages/pki-core/src/x509/certificate.js';
import { loadExceptions, newTally, score, summary, vectorsDir } from './harness.js';
import { limboRevocationChecker } from './revocation-adapter.js';

interface Testcase {
  id: string;
  validation_kind: 'SERVER' | 'CLIENT';
  trusted_certs: string[];
  untrusted_intermediates: string[];
  peer_certificate: string;
  validation_time: string | null;
  key_usage: string[];
  extended_key_usage: string[];
  expected_result: 'SUCCESS' | 'FAILURE';
  expected_peer_name: PeerName | null;
  max_chain_depth: number | null;
  crls: string[];
}

const limbo = JSON.parse(fs.readFileSync(path.join(vectorsDir, 'x509-limbo/limbo.json'), 'utf8')) as {
  testcases: Testcase[];
};
const exceptions = loadExceptions('limbo');
/** "Any time" in limbo means certificates valid 1970..2969; pick a fixed instant for reproducibility. */
const ANY_TIME = new Date('2025-06-01T00:00:00Z');

const EKU: Record<string, Purpose> = {
  serverAuth: 'serverAuth',
  clientAuth: 'clientAuth',
  codeSigning: 'codeSigning',
  emailProtection: 'emailProtection',
  timeStamping: 'timeStamping',
  OCSPSigning: 'ocspSigning',
  anyExtendedKeyUsage: 'any',
};

async function runLimboCase(tc: Testcase): Promise<{ result: 'SUCCESS' | 'FAILURE'; detail: string }> {
  let leaf: Certificate;
  try {
    leaf = Certificate.parse(tc.peer_certificate);
  } catch (e) {
    if (e instanceof KysoError) return { result: 'FAILURE', detail: `leaf: ${e.code}` };
    throw e;
  }
  const store = new TrustStore();
  for (const pem of tc.trusted_certs) {
    try {
      store.add(
        pem,
        tc.max_chain_depth === null ? {} : { constraints: { maxPathLength: tc.max_chain_depth } },
      );
    } catch (e) {
      if (!(e instanceof KysoError)) throw e;
    }
  }
  const pool = new CertificatePool(tc.untrusted_intermediates, { skipMalformed: true });
  const purpose = tc.extended_key_usage.length > 0 ? EKU[tc.extended_key_usage[0]!] : undefined;
  let revocation: RevocationChecker | undefined;
  if (tc.crls.length > 0) revocation = limboRevocationChecker(tc.crls);
  const report = await buildAndValidatePath({
    leaf,
    intermediates: pool,
    trustStore: store,
    time: tc.validation_time ? new Date(tc.validation_time) : ANY_TIME,
    ...(purpose ? { purpose } : {}),
    ...(tc.expected_peer_name ? { peerName: tc.expected_peer_name } : {}),
    ...(revocation ? { revocation } : {}),
    profile: tc.id.startsWith('webpki::') ? 'webpki' : 'rfc5280',
  });
  let ok = report.valid;
  let detail = report.valid ? 'valid' : `${report.reason}: ${report.detail}`;
  if (ok && tc.key_usage.length > 0 && leaf.keyUsage) {
    const missing = tc.key_usage.filter((k) => !leaf.keyUsage!.includes(k as never));
    if (missing.length) {
      ok = false;
      detail = `leaf keyUsage lacks ${missing.join(',')}`;
    }
  }
  return { result: ok ? 'SUCCESS' : 'FAILURE', detail };
}

describe('x509-limbo', () => {
  it(`agrees on all ${limbo.testcases.length} testcases except the reviewed exceptions`, async () => {
    const tally = newTally('x509-limbo');
    for (const tc of limbo.testcases) {
      const r = await runLimboCase(tc);
      score(tally, exceptions, tc.id, tc.expected_result, r.result, r.detail);
    }
    console.log(summary(tally));
    const ids = new Set(limbo.testcases.map((t) => t.id));
    for (const id of exceptions.keys()) expect(ids.has(id), `exception for unknown id ${id}`).toBe(true);
    expect(tally.unexpected).toEqual([]);
    expect(tally.cases).toBe(limbo.testcases.length);
    expect(exceptions.size).toBeLessThan(60);
  });
});
