/**
 * Validation-data collection that checks what it collects (issue 13), against a tiny local HTTP
 * responder made with pki-core (OCSP, CRLs, TSA on 127.0.0.1, any port): the certificates carry
 * its URLs in AIA/CRLDP, so the CLI's online fetcher reaches it.
 *  - OCSP "unknown" and no CRL: `signPdf --level B-LTA` and `kyso pdf sign` fail with an error
 *    naming the certificate and what was missing; with --allow-lower-level the output says B-T;
 *  - OCSP "unknown" but a CRL: B-LTA, confirmed by the verifier; the unknown OCSP response is not
 *    in the DSS;
 *  - an OCSP response signed by an unauthorised responder is not kept; "revoked" is an error.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  type Certificate,
  LocalSigner,
  Name,
  OcspResponder,
  type RevocationLookupResult,
  TimeStampAuthority,
  TrustStore,
  buildOcspResponse,
  exportPkcs8Pem,
  generateKeyPair,
  isKysoError,
  issueCertificate,
  issueCrl,
  parseOcspRequest,
  parseOcspResponse,
  pemEncode,
} from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../../pki-core/test/helpers/tools.js';
import {
  LevelNotReachedError,
  completeLongTermLevel,
  embedSignature,
  preparePdfSignature,
  signPreparedDigest,
  httpTimeStamper,
  onlineRevocationFetcher,
  signPdf,
} from '../src/node/index.js';
import { pdfCommands } from '../src/cli/index.js';
import { verifyPdf } from '../src/verify/index.js';
import { makeSamplePdf } from './helpers/docs.js';

const DAY = 86_400_000;
const subj = (cn: string) =>
  Name.fromAttributes([
    ['C', 'VN'],
    ['O', 'Kyso LTV Test (TEST ONLY)'],
    ['CN', cn],
  ]);

interface Responder {
  url: string;
  root: Certificate;
  issuing: Certificate;
  leaf: Certificate;
  leafSigner: LocalSigner;
  files: { key: string; cert: string; chain: string };
  /** OCSP answer per leaf serial (default unknown); whether the issuing CA publishes a CRL. */
  ocspStatus: Map<string, RevocationLookupResult>;
  crlPublished: { issuing: boolean };
  rogueOcsp: { on: boolean };
  close(): Promise<void>;
}

async function startResponder(dir: string): Promise<Responder> {
  const ocspStatus = new Map<string, RevocationLookupResult>();
  const crlPublished = { issuing: false };
  const rogueOcsp = { on: false };
  let handler: (req: http.IncomingMessage, body: Buffer) => Promise<[number, string, Uint8Array]> =
    async () => [503, 'text/plain', new Uint8Array(0)];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handler(req, Buffer.concat(chunks)).then(
        ([code, type, body]) => {
          res.writeHead(code, { 'content-type': type });
          res.end(body);
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const now = Date.now();
  const nb = new Date(now - 10 * DAY);
  const rootKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const rootSigner = new LocalSigner(rootKey);
  const root = await issueCertificate({
    profile: 'root-ca',
    subject: subj('LTV Test Root'),
    publicKey: rootKey.publicKeyInfo,
    signer: rootSigner,
    notBefore: nb,
    validityDays: 3650,
  });
  const issKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const issSigner = new LocalSigner(issKey);
  const issuing = await issueCertificate({
    profile: 'sub-ca',
    subject: subj('LTV Test Issuing CA'),
    publicKey: issKey.publicKeyInfo,
    issuer: { certificate: root, signer: rootSigner },
    notBefore: nb,
    validityDays: 3000,
    crlUrls: [`${url}/root.crl`],
  });
  const links = { ocspUrls: [`${url}/ocsp`], crlUrls: [`${url}/issuing.crl`] };
  const leafKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const leaf = await issueCertificate({
    profile: 'person-signing',
    subject: subj('Trần Thị Bình'),
    publicKey: leafKey.publicKeyInfo,
    issuer: { certificate: issuing, signer: issSigner },
    notBefore: nb,
    validityDays: 365,
    ...links,
  });
  const tsaKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const tsaCert = await issueCertificate({
    profile: 'tsa',
    subject: subj('LTV Test TSA'),
    publicKey: tsaKey.publicKeyInfo,
    issuer: { certificate: issuing, signer: issSigner },
    notBefore: nb,
    validityDays: 365,
    ...links,
  });
  const tsa = new TimeStampAuthority({
    certificate: tsaCert,
    chain: [issuing, root],
    signer: new LocalSigner(tsaKey, [tsaCert.der]),
    policyOid: '1.3.6.1.4.1.99999.2.1',
    includeChain: true,
  });
  const ocspKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const ocspCert = await issueCertificate({
    profile: 'ocsp-signer',
    subject: subj('LTV Test OCSP'),
    publicKey: ocspKey.publicKeyInfo,
    issuer: { certificate: issuing, signer: issSigner },
    notBefore: nb,
    validityDays: 365,
  });
  // A responder whose certificate the CA never issued (self-signed, OCSPSigning EKU).
  const rogueKey = await generateKeyPair({ type: 'EC', curve: 'P-256' });
  const rogueSigner = new LocalSigner(rogueKey);
  const rogueCert = await issueCertificate({
    profile: 'root-ca',
    subject: subj('LTV Test OCSP'),
    publicKey: rogueKey.publicKeyInfo,
    signer: rogueSigner,
    notBefore: nb,
    validityDays: 365,
  });
  const lookup = async (_s: bigint, hex: string): Promise<RevocationLookupResult> =>
    ocspStatus.get(hex) ?? { status: 'unknown' };
  const responder = new OcspResponder({
    issuer: issuing,
    signer: new LocalSigner(ocspKey, [ocspCert.der]),
    lookup,
    validity: 3600,
  });
  // Its "good" answers (built directly: pki-core's OcspResponder refuses such a responder).
  const rogue = {
    respond: async (req: Uint8Array) =>
      buildOcspResponse({
        signer: rogueSigner,
        producedAt: new Date(),
        certs: [rogueCert],
        responses: parseOcspRequest(req).requests.map((r) => ({
          certId: r.certId,
          certStatus: { status: 'good' as const },
          thisUpdate: new Date(),
          nextUpdate: new Date(Date.now() + 3600_000),
        })),
      }),
  };
  const rootCrl = await issueCrl({
    issuer: root,
    signer: rootSigner,
    thisUpdate: new Date(now - DAY),
    nextUpdate: new Date(now + 7 * DAY),
    crlNumber: 1,
  });
  const issuingCrl = await issueCrl({
    issuer: issuing,
    signer: issSigner,
    thisUpdate: new Date(now - DAY),
    nextUpdate: new Date(now + 7 * DAY),
    crlNumber: 1,
  });
  handler = async (req, body) => {
    if (req.url === '/ocsp' && req.method === 'POST')
      return [200, 'application/ocsp-response', await (rogueOcsp.on ? rogue : responder).respond(body)];
    if (req.url === '/tsa' && req.method === 'POST')
      return [200, 'application/timestamp-reply', await tsa.respond(body)];
    if (req.url === '/root.crl') return [200, 'application/pkix-crl', rootCrl.der];
    if (req.url === '/issuing.crl' && crlPublished.issuing)
      return [200, 'application/pkix-crl', issuingCrl.der];
    return [404, 'text/plain', new TextEncoder().encode('not found')];
  };
  const leafSigner = new LocalSigner(leafKey, [leaf.der, issuing.der, root.der]);
  const f = (n: string) => path.join(dir, n);
  fs.writeFileSync(f('leaf.key'), await exportPkcs8Pem(leafKey));
  fs.writeFileSync(f('leaf.crt'), pemEncode('CERTIFICATE', leaf.der));
  fs.writeFileSync(
    f('chain.pem'),
    pemEncode('CERTIFICATE', issuing.der) + pemEncode('CERTIFICATE', root.der),
  );
  // The TSA answers good for its own certificate.
  ocspStatus.set(tsaCert.serialHex, { status: 'good' });
  return {
    url,
    root,
    issuing,
    leaf,
    leafSigner,
    files: { key: f('leaf.key'), cert: f('leaf.crt'), chain: f('chain.pem') },
    ocspStatus,
    crlPublished,
    rogueOcsp,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe('validation data that proves status (local OCSP/CRL/TSA responder)', () => {
  let dir: string;
  let rsp: Responder;
  let base: Uint8Array;
  let trust: TrustStore;
  const sign = pdfCommands.find((c) => c.path[1] === 'sign')!;
  const cli = async (options: Record<string, string | boolean>) => {
    let out = '';
    let err = '';
    let code: number;
    try {
      code = await sign.run(
        { positionals: [path.join(dir, 'in.pdf')], options },
        { out: (t) => (out += t), err: (t) => (err += t) },
      );
    } catch (e) {
      code = -1;
      err += (e as Error).message;
    }
    return { code, out, err };
  };
  const opts = () => ({
    signer: rsp.leafSigner,
    timeStamper: httpTimeStamper(`${rsp.url}/tsa`),
    revocation: onlineRevocationFetcher(),
  });

  beforeAll(async () => {
    dir = tmpDir();
    rsp = await startResponder(dir);
    base = await makeSamplePdf();
    fs.writeFileSync(path.join(dir, 'in.pdf'), base);
    trust = new TrustStore();
    trust.add(rsp.root);
  }, 120_000);
  afterAll(async () => rsp?.close());

  it('OCSP answers unknown and there is no CRL: B-LTA fails naming the certificate and what was missing', async () => {
    rsp.crlPublished.issuing = false;
    const err = await signPdf(base, { ...opts(), level: 'B-LTA' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LevelNotReachedError);
    expect(isKysoError(err, 'NOT_FOUND')).toBe(true);
    const e = err as LevelNotReachedError;
    expect(e.level).toBe('B-LTA');
    expect(e.problems.map((p) => p.subject)).toEqual([rsp.leaf.subject.toString()]);
    expect(e.problems[0]!.serialNumber).toBe(rsp.leaf.serialHex);
    expect(e.problems[0]!.missing).toMatch(/OCSP: certStatus unknown/);
    expect(e.problems[0]!.missing).toMatch(/CRL: none found/);
    expect(e.message).toContain('Trần Thị Bình');

    // The command line: exit non-zero, the message names the certificate; no output file.
    const out = path.join(dir, 'cli-fail.pdf');
    const r = await cli({
      key: rsp.files.key,
      cert: rsp.files.cert,
      chain: rsp.files.chain,
      out,
      level: 'B-LTA',
      tsa: `${rsp.url}/tsa`,
    });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/level B-LTA cannot be reached/);
    expect(r.err).toContain('Trần Thị Bình');
    expect(r.err).toMatch(/certStatus unknown/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('explicitly accepting a lower level: signed, and the output says the level reached (B-T)', async () => {
    rsp.crlPublished.issuing = false;
    const res = await signPdf(base, { ...opts(), level: 'B-LTA', acceptLowerLevel: true });
    expect(res.requestedLevel).toBe('B-LTA');
    expect(res.level).toBe('B-T');
    // Nothing that fails to prove status went into the DSS.
    expect(res.validationData!.ocsps.length).toBe(1); // the TSA's "good" only
    const v = await verifyPdf(res.pdf, { trustStore: trust });
    expect(v.signatures.find((s) => s.kind === 'signature')!.level).toBe('B-T');

    const out = path.join(dir, 'cli-lower.pdf');
    const r = await cli({
      key: rsp.files.key,
      cert: rsp.files.cert,
      chain: rsp.files.chain,
      out,
      level: 'B-LTA',
      tsa: `${rsp.url}/tsa`,
      'allow-lower-level': true,
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/at B-T:/);
    expect(r.err).toMatch(/asked for B-LTA, reached B-T/);
    expect(r.err).toMatch(/status of .*Trần Thị Bình.*: OCSP: certStatus unknown/);
  });

  it('OCSP answers unknown but the CA publishes a CRL: B-LTA, confirmed by the verifier; the unknown response is not kept', async () => {
    rsp.crlPublished.issuing = true;
    const res = await signPdf(base, { ...opts(), level: 'B-LTA' });
    expect(res.level).toBe('B-LTA');
    const data = res.validationData!;
    expect(data.problems).toEqual([]);
    expect(data.crls.length).toBe(2); // issuing CA's (for the leaf), root's (for the issuing CA)
    for (const o of data.ocsps) {
      const single = parseOcspResponse(o).basic!.responses[0]!;
      expect(single.certStatus.status).toBe('good');
    }
    const v = await verifyPdf(res.pdf, { trustStore: trust });
    expect(v.status).toBe('valid');
    expect(v.signatures[0]!.level).toBe('B-LTA');

    const out = path.join(dir, 'cli-ok.pdf');
    const r = await cli({
      key: rsp.files.key,
      cert: rsp.files.cert,
      chain: rsp.files.chain,
      out,
      level: 'B-LTA',
      tsa: `${rsp.url}/tsa`,
    });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/at B-LTA:/);
    expect(r.err).toBe('');
  });

  it('a good answer from a responder the CA did not authorise is not kept (the CRL proves status)', async () => {
    rsp.crlPublished.issuing = true;
    rsp.rogueOcsp.on = true;
    try {
      const res = await signPdf(base, { ...opts(), level: 'B-LT' });
      expect(res.level).toBe('B-LT');
      expect(res.validationData!.ocsps).toEqual([]);
      expect(res.validationData!.crls.length).toBe(2);
      rsp.crlPublished.issuing = false;
      const err = await signPdf(base, { ...opts(), level: 'B-LT' }).then(
        () => undefined,
        (e: unknown) => e as LevelNotReachedError,
      );
      expect(err).toBeInstanceOf(LevelNotReachedError);
      expect(err!.problems.find((p) => p.subject === rsp.leaf.subject.toString())!.missing).toMatch(
        /responder-authorized RESPONDER_NOT_AUTHORIZED/,
      );
    } finally {
      rsp.rogueOcsp.on = false;
    }
  });

  it('a revoked signer certificate: the error says revoked', async () => {
    rsp.ocspStatus.set(rsp.leaf.serialHex, { status: 'revoked', revocationTime: new Date(Date.now() - DAY) });
    try {
      const err = await signPdf(base, { ...opts(), level: 'B-LT' }).then(
        () => undefined,
        (e: unknown) => e as LevelNotReachedError,
      );
      expect(err).toBeInstanceOf(LevelNotReachedError);
      expect(err!.problems[0]).toMatchObject({ subject: rsp.leaf.subject.toString(), revoked: true });
      expect(err!.message).toMatch(/revoked for .*Trần Thị Bình/);
    } finally {
      rsp.ocspStatus.delete(rsp.leaf.serialHex);
    }
  });

  it('the two-step path (what a server signDoc does): completeLongTermLevel applies the same rules', async () => {
    const twoStep = async () => {
      const p = await preparePdfSignature(base, { placeholderSize: 16_000 });
      const cms = await signPreparedDigest(p, rsp.leafSigner, { timeStamper: opts().timeStamper });
      return { pdf: embedSignature(p, cms), cms, fieldName: p.fieldName };
    };
    const lt = (x: Awaited<ReturnType<typeof twoStep>>, extra: { acceptLowerLevel?: boolean } = {}) =>
      completeLongTermLevel(x.pdf, x.cms, {
        level: 'B-LTA',
        fieldName: x.fieldName,
        signerChain: rsp.leafSigner.certificateChain,
        timeStamper: opts().timeStamper,
        revocation: opts().revocation,
        ...extra,
      });
    rsp.crlPublished.issuing = false;
    const err = await lt(await twoStep()).then(
      () => undefined,
      (e: unknown) => e as LevelNotReachedError,
    );
    expect(err).toBeInstanceOf(LevelNotReachedError);
    expect(err!.problems[0]!.subject).toBe(rsp.leaf.subject.toString());
    expect((await lt(await twoStep(), { acceptLowerLevel: true })).level).toBe('B-T');
    rsp.crlPublished.issuing = true;
    const ok = await lt(await twoStep());
    expect(ok.level).toBe('B-LTA');
    expect((await verifyPdf(ok.pdf, { trustStore: trust })).signatures[0]!.level).toBe('B-LTA');
  });
});
