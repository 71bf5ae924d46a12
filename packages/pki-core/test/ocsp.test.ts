import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes.js';
import { isKysoError } from '../src/errors.js';
import {
  buildOcspRequest,
  certIdsEqual,
  createCertId,
  decodeOcspGetPath,
  ocspGetUrl,
  parseOcspRequest,
} from '../src/ocsp/request.js';
import { OcspResponder, type RevocationLookup } from '../src/ocsp/responder.js';
import { parseOcspResponse } from '../src/ocsp/response.js';
import { findSingleResponse, verifyOcspResponse } from '../src/ocsp/verify.js';
import { ocspVerdict } from '../src/verdict/verdict.js';
import { openssl, requireTool } from './helpers/tools.js';
import { makeTestPki, type TestPki } from './ocsp-tsp-fixtures.js';

const REVOKED_AT = new Date('2024-01-01T00:00:00Z');

const lookup: RevocationLookup = async (serial) => {
  if (serial === 0x1001n) return { status: 'good' };
  if (serial === 0x1002n) return { status: 'revoked', revocationTime: REVOKED_AT, reason: 'keyCompromise' };
  return { status: 'unknown' };
};

describe.skipIf(!requireTool('openssl'))('OCSP with OpenSSL as the judge', () => {
  let pki: TestPki;
  let dir: string;
  const w = (name: string, data: Uint8Array) => fs.writeFileSync(path.join(dir, name), data);
  const r = (name: string) => new Uint8Array(fs.readFileSync(path.join(dir, name)));
  const o = (args: string[]) => openssl(args, { cwd: dir });

  beforeAll(() => {
    pki = makeTestPki();
    dir = pki.dir;
    fs.writeFileSync(
      path.join(dir, 'index.txt'),
      'V\t301231000000Z\t\t1001\tunknown\t/O=kyso test/CN=leaf\nR\t301231000000Z\t240101000000Z,keyCompromise\t1002\tunknown\t/O=kyso test/CN=revoked\n',
    );
  }, 60_000);

  describe('requests', () => {
    it('parses OpenSSL requests (SHA-1 and SHA-256 CertIDs, nonce) and matches kyso CertIDs', async () => {
      for (const [hash, flag] of [
        ['SHA-1', '-sha1'],
        ['SHA-256', '-sha256'],
      ] as const) {
        o(['ocsp', '-issuer', 'ca.pem', flag, '-cert', 'leaf.pem', '-reqout', `req-${hash}.der`]);
        const req = parseOcspRequest(r(`req-${hash}.der`));
        expect(req.requests).toHaveLength(1);
        const id = req.requests[0]!.certId;
        expect(id.hashAlgorithm).toBe(hash);
        expect(toHex(id.serialNumber)).toBe('1001');
        expect(req.nonce?.length).toBe(16);
        const mine = await createCertId(pki.cert('leaf'), pki.cert('ca'), hash);
        expect(certIdsEqual(mine, id)).toBe(true);
        expect(toHex(mine.der)).toBe(toHex(id.der));
      }
    });

    it('builds requests OpenSSL reads, and the GET form round-trips', async () => {
      const id = await createCertId(pki.cert('revoked'), pki.cert('ca'), 'SHA-256');
      const { der, nonce } = buildOcspRequest({ certIds: [id], nonce: true });
      w('kreq.der', der);
      const t = o(['ocsp', '-reqin', 'kreq.der', '-req_text']);
      expect(t.status).toBe(0);
      expect(t.stdout).toMatch(/Hash Algorithm: sha256/);
      expect(t.stdout).toMatch(/Serial Number: 1002/);
      expect(t.stdout.replace(/\s/g, '')).toContain(`0410${toHex(nonce!).toUpperCase()}`);
      const url = ocspGetUrl('http://ocsp.example.vn', der);
      expect(url).toMatch(/^http:\/\/ocsp\.example\.vn\/[A-Za-z0-9%]+$/);
      expect(toHex(decodeOcspGetPath(url.slice('http://ocsp.example.vn'.length)))).toBe(toHex(der));
      expect(() => decodeOcspGetPath('%%%')).toThrow(/percent/);
    });

    it('rejects BER and trailing data in requests', async () => {
      const id = await createCertId(pki.cert('leaf'), pki.cert('ca'));
      const { der } = buildOcspRequest({ certIds: [id] });
      const trailing = new Uint8Array([...der, 0]);
      expect(() => parseOcspRequest(trailing)).toThrow(/trailing/);
      const ber = new Uint8Array([0x30, 0x80, ...der.subarray(2), 0, 0]);
      expect(() => parseOcspRequest(ber)).toThrow(expect.objectContaining({ code: 'DER_MALFORMED' }));
    });
  });

  describe('kyso responder, checked by openssl ocsp -respin', () => {
    it('delegated responder: good and revoked, nonce echoed, verified by OpenSSL', async () => {
      const responder = new OcspResponder({
        issuer: pki.cert('ca'),
        signer: await pki.signer('ocsp'),
        lookup,
      });
      expect(responder.delegated).toBe(true);
      for (const [name, expected] of [
        ['leaf', /leaf\.pem: good/],
        [
          'revoked',
          /revoked\.pem: revoked[\s\S]*Reason: keyCompromise[\s\S]*Revocation Time: Jan {2}1 00:00:00 2024 GMT/,
        ],
      ] as const) {
        o(['ocsp', '-issuer', 'ca.pem', '-cert', `${name}.pem`, '-reqout', `q-${name}.der`]);
        w(`s-${name}.der`, await responder.respond(r(`q-${name}.der`)));
        const v = o([
          'ocsp',
          '-respin',
          `s-${name}.der`,
          '-CAfile',
          'ca.pem',
          '-issuer',
          'ca.pem',
          '-cert',
          `${name}.pem`,
          '-verify_other',
          'ocsp.pem',
          '-no_nonce',
        ]);
        const out = v.stdout + v.stderr;
        expect(out).toMatch(/Response verify OK/);
        expect(out).toMatch(expected);
        // Nonce: OpenSSL compares the response nonce with the original request's.
        const n = o([
          'ocsp',
          '-respin',
          `s-${name}.der`,
          '-CAfile',
          'ca.pem',
          '-issuer',
          'ca.pem',
          '-reqin',
          `q-${name}.der`,
          '-verify_other',
          'ocsp.pem',
        ]);
        expect(n.stdout + n.stderr).toMatch(/Response verify OK/);
        expect(n.stdout + n.stderr).not.toMatch(/Nonce Verify error|no nonce/i);
      }
    });

    it('OpenSSL rejects the kyso response when the delegated signer is not trusted for the CA', async () => {
      const responder = new OcspResponder({
        issuer: pki.cert('ca'),
        signer: await pki.signer('ocsp'),
        lookup,
        includeCerts: false,
      });
      o(['ocsp', '-issuer', 'ca.pem', '-cert', 'leaf.pem', '-reqout', 'q-nocert.der']);
      w('s-nocert.der', await responder.respond(r('q-nocert.der')));
      // Without the responder certificate (not in the response, no -verify_other), verification fails.
      const v = o([
        'ocsp',
        '-respin',
        's-nocert.der',
        '-CAfile',
        'ca.pem',
        '-issuer',
        'ca.pem',
        '-cert',
        'leaf.pem',
        '-no_nonce',
      ]);
      expect(v.stdout + v.stderr).not.toMatch(/Response verify OK/);
      expect(v.stdout + v.stderr).toMatch(/Verify error|verify failure/i);
    });

    it('CA as its own responder (RSA, byName), SHA-256 CertID', async () => {
      const responder = new OcspResponder({
        issuer: pki.cert('ca'),
        signer: await pki.signer('ca', false),
        lookup,
        responderIdType: 'byName',
      });
      expect(responder.delegated).toBe(false);
      o(['ocsp', '-issuer', 'ca.pem', '-sha256', '-cert', 'leaf.pem', '-reqout', 'q-ca.der']);
      w('s-ca.der', await responder.respond(r('q-ca.der')));
      const v = o([
        'ocsp',
        '-respin',
        's-ca.der',
        '-CAfile',
        'ca.pem',
        '-issuer',
        'ca.pem',
        '-sha256',
        '-cert',
        'leaf.pem',
        '-no_nonce',
      ]);
      expect(v.stdout + v.stderr).toMatch(/Response verify OK/);
      expect(v.stdout).toMatch(/leaf\.pem: good/);
    });

    it('unknown serial is "unknown"; foreign issuer is "unauthorized"; garbage is "malformedRequest"', async () => {
      const responder = new OcspResponder({
        issuer: pki.cert('ca'),
        signer: await pki.signer('ocsp'),
        lookup,
      });
      o(['ocsp', '-issuer', 'ca.pem', '-serial', '0x7777', '-reqout', 'q-unk.der']);
      w('s-unk.der', await responder.respond(r('q-unk.der')));
      const v = o([
        'ocsp',
        '-respin',
        's-unk.der',
        '-CAfile',
        'ca.pem',
        '-issuer',
        'ca.pem',
        '-serial',
        '0x7777',
        '-verify_other',
        'ocsp.pem',
        '-no_nonce',
      ]);
      expect(v.stdout + v.stderr).toMatch(/Response verify OK/);
      expect(v.stdout).toMatch(/0x7777: unknown/);

      o(['ocsp', '-issuer', 'other-ca.pem', '-serial', '0x1001', '-reqout', 'q-foreign.der']);
      const foreign = await responder.respond(r('q-foreign.der'));
      expect(parseOcspResponse(foreign).status).toBe('unauthorized');
      w('s-foreign.der', foreign);
      expect(o(['ocsp', '-respin', 's-foreign.der', '-resp_text', '-noverify']).stdout).toMatch(
        /unauthorized \(6\)/,
      );

      expect(
        parseOcspResponse(await responder.respond(new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x00]))).status,
      ).toBe('malformedRequest');
      expect(parseOcspResponse(await responder.respond(new Uint8Array(0))).status).toBe('malformedRequest');
    });

    it('mixed request: foreign CertID answered unknown, ours answered', async () => {
      const responder = new OcspResponder({
        issuer: pki.cert('ca'),
        signer: await pki.signer('ocsp'),
        lookup,
      });
      const ours = await createCertId(pki.cert('leaf'), pki.cert('ca'));
      const theirs = await createCertId(pki.cert('ocsp-foreign'), pki.cert('other-ca'));
      const resp = parseOcspResponse(
        await responder.respond(buildOcspRequest({ certIds: [ours, theirs] }).der),
      );
      expect(resp.basic!.responses.map((s) => s.certStatus.status)).toEqual(['good', 'unknown']);
    });

    it('lookup failure gives internalError', async () => {
      const responder = new OcspResponder({
        issuer: pki.cert('ca'),
        signer: await pki.signer('ocsp'),
        lookup: async () => {
          throw new Error('database down');
        },
      });
      const id = await createCertId(pki.cert('leaf'), pki.cert('ca'));
      expect(parseOcspResponse(await responder.respond(buildOcspRequest({ certIds: [id] }).der)).status).toBe(
        'internalError',
      );
    });

    it('pre-produced responses are reused until the window ends, not for nonce requests', async () => {
      let now = new Date();
      const responder = new OcspResponder({
        issuer: pki.cert('ca'),
        signer: await pki.signer('ocsp'),
        lookup,
        validity: 600,
        clock: () => now,
      });
      expect(await responder.preproduce([0x1001n, 0x1002n])).toBe(4);
      const id = await createCertId(pki.cert('leaf'), pki.cert('ca'));
      const req = buildOcspRequest({ certIds: [id] }).der;
      const a = await responder.respond(req);
      now = new Date(now.getTime() + 5000);
      const b = await responder.respond(req);
      expect(toHex(b)).toBe(toHex(a));
      // A nonce request is always freshly signed.
      const withNonce = buildOcspRequest({ certIds: [id], nonce: true });
      const c = parseOcspResponse(await responder.respond(withNonce.der));
      expect(toHex(c.basic!.nonce!)).toBe(toHex(withNonce.nonce!));
      // After the window the cache is dropped and a new response is produced.
      now = new Date(now.getTime() + 600_000);
      const d = await responder.respond(req);
      expect(toHex(d)).not.toBe(toHex(a));
      expect(responder.cachedCount).toBe(0);
      const rep = await verifyOcspResponse(d, {
        issuer: pki.cert('ca'),
        time: now,
        certificate: pki.cert('leaf'),
      });
      expect(rep.status).toBe('passed');
      // OpenSSL accepts the pre-produced one.
      w('s-pre.der', a);
      const v = o([
        'ocsp',
        '-respin',
        's-pre.der',
        '-CAfile',
        'ca.pem',
        '-issuer',
        'ca.pem',
        '-cert',
        'leaf.pem',
        '-verify_other',
        'ocsp.pem',
        '-no_nonce',
      ]);
      expect(v.stdout + v.stderr).toMatch(/Response verify OK/);
      expect(v.stdout).toMatch(/leaf\.pem: good/);
    });

    it('refuses SHA-1 signing and a delegated certificate without OCSPSigning or from another CA', async () => {
      const s = await pki.signer('ocsp');
      expect(
        () =>
          new OcspResponder({
            issuer: pki.cert('ca'),
            signer: s,
            lookup,
            algorithm: { name: 'ECDSA', hash: 'SHA-1' },
          }),
      ).toThrow(expect.objectContaining({ code: 'WEAK_ALGORITHM' }));
      expect(
        () => new OcspResponder({ issuer: pki.cert('ca'), signer: pki.signer as never, lookup }),
      ).toThrow();
      const leafSigner = await pki.signer('leaf');
      expect(() => new OcspResponder({ issuer: pki.cert('ca'), signer: leafSigner, lookup })).toThrow(
        /OCSPSigning/,
      );
      const foreign = await pki.signer('ocsp-foreign');
      expect(() => new OcspResponder({ issuer: pki.cert('ca'), signer: foreign, lookup })).toThrow(
        /not issued by the CA/,
      );
    });
  });

  describe('kyso verifier over openssl ocsp -index responses', () => {
    const respond = (name: string, rsigner: string, extra: string[] = []) => {
      o(['ocsp', '-issuer', 'ca.pem', '-cert', `${name}.pem`, '-reqout', `oq-${name}-${rsigner}.der`]);
      o([
        'ocsp',
        '-index',
        'index.txt',
        '-rsigner',
        `${rsigner}.pem`,
        '-rkey',
        `${rsigner}.key`,
        '-CA',
        'ca.pem',
        '-reqin',
        `oq-${name}-${rsigner}.der`,
        '-respout',
        `or-${name}-${rsigner}.der`,
        '-ndays',
        '1',
        ...extra,
      ]);
      return { req: parseOcspRequest(r(`oq-${name}-${rsigner}.der`)), resp: r(`or-${name}-${rsigner}.der`) };
    };

    it('good and revoked responses from a delegated responder verify, nonce matches', async () => {
      const ca = pki.cert('ca');
      const { req, resp } = respond('leaf', 'ocsp');
      const rep = await verifyOcspResponse(resp, {
        issuer: ca,
        time: new Date(),
        nonce: req,
        certificate: pki.cert('leaf'),
      });
      expect(rep.checks.filter((c) => c.status !== 'passed')).toEqual([]);
      expect(rep.status).toBe('passed');
      expect(rep.delegated).toBe(true);
      expect(rep.certStatus).toEqual({ status: 'good' });
      expect(rep.checks.find((c) => c.check === 'responder-revocation')?.reason).toBe('OCSP_NOCHECK');

      const rv = respond('revoked', 'ocsp');
      const rep2 = await verifyOcspResponse(rv.resp, {
        issuer: ca,
        time: new Date(),
        nonce: rv.req.nonce!,
        certificate: pki.cert('revoked'),
      });
      expect(rep2.certStatus).toEqual({
        status: 'revoked',
        revocationTime: REVOKED_AT,
        reason: 'keyCompromise',
      });
      expect(rep2.status).toBe('failed');
      expect(rep2.checks.find((c) => c.status === 'failed')).toMatchObject({
        check: 'certificate-status',
        reason: 'REVOKED',
      });
      const single = await findSingleResponse(parseOcspResponse(rv.resp), pki.cert('revoked'), ca);
      expect(single?.certStatus.status).toBe('revoked');
      expect(await findSingleResponse(parseOcspResponse(rv.resp), pki.cert('leaf'), ca)).toBeUndefined();
    });

    it('CA-signed response verifies; wrong nonce, stale time, tampering and unauthorized responders fail', async () => {
      const ca = pki.cert('ca');
      const { resp } = respond('leaf', 'ca');
      const ok = await verifyOcspResponse(resp, { issuer: ca, time: new Date() });
      expect(ok.status).toBe('passed');
      expect(ok.delegated).toBe(false);
      // The report carries the verdict the CLI prints (the one mapping, ocspVerdict).
      expect(ok.verdict).toEqual({ indication: 'TOTAL-PASSED', reasons: [] });

      const wrongNonce = await verifyOcspResponse(resp, {
        issuer: ca,
        time: new Date(),
        nonce: new Uint8Array(16),
      });
      expect(wrongNonce.checks.find((c) => c.check === 'nonce')?.reason).toBe('NONCE_MISMATCH');
      expect(wrongNonce.verdict).toEqual({
        indication: 'TOTAL-FAILED',
        subIndication: 'SIG_CONSTRAINTS_FAILURE',
        reasons: ['NONCE_MISMATCH'],
      });
      expect(wrongNonce.verdict).toEqual(ocspVerdict(wrongNonce));

      const later = await verifyOcspResponse(resp, {
        issuer: ca,
        time: new Date(Date.now() + 3 * 86400_000),
      });
      expect(later.checks.find((c) => c.check === 'freshness')?.status).toBe('failed');

      const tooOld = await verifyOcspResponse(resp, {
        issuer: ca,
        time: new Date(Date.now() + 7200_000),
        maxAge: 3600,
      });
      expect(tooOld.checks.find((c) => c.check === 'freshness')?.status).toBe('failed');

      // Flip one bit in the signature (last byte of the BasicOCSPResponse's BIT STRING is deep in the DER;
      // flip a byte of the nextUpdate time instead, which is covered by the signature).
      const parsed = parseOcspResponse(resp);
      const tbs = parsed.basic!.tbs;
      const at = indexOf(resp, tbs) + tbs.length - 40;
      const tampered = resp.slice();
      tampered[at] = tampered[at]! ^ 0x01;
      let rep: Awaited<ReturnType<typeof verifyOcspResponse>> | undefined;
      try {
        rep = await verifyOcspResponse(tampered, { issuer: ca, time: new Date() });
      } catch (e) {
        expect(isKysoError(e)).toBe(true); // the flip may have broken the DER instead
      }
      if (rep) expect(rep.status).toBe('failed');

      // A responder certified by another CA is not authorised, even if the signature is fine.
      const foreign = respond('leaf', 'ocsp-foreign');
      const bad = await verifyOcspResponse(foreign.resp, { issuer: ca, time: new Date() });
      expect(bad.checks.find((c) => c.check === 'responder-authorized')).toMatchObject({ status: 'failed' });
      expect(bad.checks.find((c) => c.check === 'signature')?.status).toBe('passed');

      // A delegated responder without ocsp-nocheck: indeterminate, not silently passed.
      const nn = respond('leaf', 'ocsp-nonocheck');
      const ind = await verifyOcspResponse(nn.resp, { issuer: ca, time: new Date() });
      expect(ind.status).toBe('indeterminate');
      expect(ind.checks.find((c) => c.check === 'responder-revocation')?.reason).toBe(
        'RESPONDER_REVOCATION_NOT_CHECKED',
      );

      // A leaf (no OCSPSigning EKU) signing responses is refused.
      const leafSigned = respond('leaf', 'leaf');
      const rej = await verifyOcspResponse(leafSigned.resp, { issuer: ca, time: new Date() });
      expect(rej.checks.find((c) => c.check === 'responder-authorized')?.detail).toMatch(/OCSPSigning/);
      expect(rej.status).toBe('failed');
    });

    it('byKey responder ids from OpenSSL (-resp_key_id) are matched', async () => {
      const { resp } = respond('leaf', 'ocsp', ['-resp_key_id']);
      const p = parseOcspResponse(resp);
      expect(p.basic!.responderId.type).toBe('byKey');
      expect((await verifyOcspResponse(resp, { issuer: pki.cert('ca'), time: new Date() })).status).toBe(
        'passed',
      );
    });

    it('non-successful responses are reported, not thrown', async () => {
      const rep = await verifyOcspResponse(new Uint8Array([0x30, 0x03, 0x0a, 0x01, 0x06]), {
        issuer: pki.cert('ca'),
        time: new Date(),
      });
      expect(rep.status).toBe('failed');
      expect(rep.checks[0]).toMatchObject({ check: 'response-status', reason: 'OCSP_UNAUTHORIZED' });
    });
  });
});

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
