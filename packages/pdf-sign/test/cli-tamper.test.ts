import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../../pki-core/test/helpers/tools.js';
import { pdfCommands } from '../src/cli/index.js';
import { PdfReader, findSignatures, signPdf, verifyPdfIntegrity } from '../src/node/index.js';
import { makeSamplePdf } from './helpers/docs.js';
import { type PdfTestPki, makePdfTestPki } from './helpers/pki.js';

const cmd = (name: string) => pdfCommands.find((c) => c.path[1] === name)!;
async function runCmd(
  name: string,
  positionals: string[],
  options: Record<string, string | boolean | string[]>,
) {
  let out = '';
  let err = '';
  const code = await cmd(name).run(
    { positionals, options },
    { out: (t) => (out += t), err: (t) => (err += t) },
  );
  return { code, out, err };
}

describe('kyso pdf sign / inspect', () => {
  let pki: PdfTestPki;
  let dir: string;
  let input: string;
  let files: Awaited<ReturnType<PdfTestPki['writeFiles']>>;
  beforeAll(async () => {
    pki = await makePdfTestPki();
    dir = tmpDir();
    files = await pki.writeFiles(dir);
    input = path.join(dir, 'in.pdf');
    fs.writeFileSync(input, await makeSamplePdf());
  });

  it('signs with --p12 then with --key/--cert, inspect lists both signatures as valid', async () => {
    const one = path.join(dir, 'one.pdf');
    const r1 = await runCmd('sign', [input], {
      out: one,
      p12: files.p12,
      'password-file': files.password,
      certify: '2',
      reason: 'Phê duyệt',
    });
    expect(r1.code, r1.err).toBe(0);
    const two = path.join(dir, 'two.pdf');
    const r2 = await runCmd('sign', [one], {
      out: two,
      key: files.key,
      cert: files.cert,
      chain: [files.chain],
      field: 'Agency',
      location: 'Hà Nội',
    });
    expect(r2.code, r2.err).toBe(0);
    const ins = await runCmd('inspect', [two], { json: true });
    expect(ins.code).toBe(0);
    const j = JSON.parse(ins.out);
    expect(j.revisions.length).toBe(3);
    expect(j.certified).toBe(2);
    expect(j.signatures.map((s: { field: string }) => s.field)).toEqual(['Signature1', 'Agency']);
    expect(j.signatures.every((s: { intact: boolean; valid: boolean }) => s.intact && s.valid)).toBe(true);
    expect(j.signatures[1].location).toBe('Hà Nội');
    const text = await runCmd('inspect', [two], {});
    expect(text.out).toMatch(
      /Agency: signature ETSI.CAdES.detached.*intact and valid, covers the whole file/,
    );
  });

  it('usage errors exit 2', async () => {
    expect((await runCmd('sign', [input], { out: path.join(dir, 'x.pdf') })).code).toBe(2);
    expect(
      (
        await runCmd('sign', [input], {
          out: path.join(dir, 'x.pdf'),
          p12: files.p12,
          'password-file': files.password,
          level: 'B-T',
        })
      ).code,
    ).toBe(2);
    expect(
      (
        await runCmd('sign', [path.join(dir, 'missing.pdf')], {
          out: 'x',
          p12: files.p12,
          'password-file': files.password,
        })
      ).code,
    ).toBe(2);
    expect((await runCmd('sign', [input], { out: 'x', remote: 'https://x', credential: 'c' })).code).toBe(2);
    fs.writeFileSync(path.join(dir, 'junk.pdf'), 'not a pdf');
    expect((await runCmd('inspect', [path.join(dir, 'junk.pdf')], {})).code).toBe(2);
  });
});

describe('tampering is detected by the integrity verifier', () => {
  let signed: Uint8Array;
  beforeAll(async () => {
    const pki = await makePdfTestPki({ leafSpec: { type: 'EC', curve: 'P-256' } });
    signed = (await signPdf(await makeSamplePdf(), { signer: pki.official })).pdf;
    expect((await verifyPdfIntegrity(signed)).ok).toBe(true);
  });

  it('a changed byte inside a signed range', async () => {
    const t = signed.slice();
    const br = findSignatures(PdfReader.open(t))[0]!.byteRange!;
    // change a byte in the page content area of the first range (well before /Contents)
    const at = Math.floor(br[1]! / 3);
    t[at] = t[at] === 0x20 ? 0x0a : t[at]! ^ 0x01;
    const rep = await verifyPdfIntegrity(t).catch(() => undefined);
    // Either the file no longer parses (a structural byte) or the digest mismatches.
    if (rep) {
      expect(rep.ok).toBe(false);
      expect(rep.signatures[0]!.intact).toBe(false);
    }
  });

  it('a changed byte inside stream data of the original (still parseable)', async () => {
    const t = signed.slice();
    const i = Buffer.from(t).indexOf('stream\n');
    expect(i).toBeGreaterThan(0);
    const at = i + 7 + 3;
    t[at] = t[at]! ^ 0x55;
    const rep = await verifyPdfIntegrity(t);
    expect(rep.ok).toBe(false);
    expect(rep.signatures[0]!.intact).toBe(false);
    expect(rep.signatures[0]!.checks.find((c) => c.check === 'message-digest')!.status).toBe('failed');
  });

  it('a shifted ByteRange (same length, gap off the /Contents string)', async () => {
    const buf = Buffer.from(signed);
    const sig = findSignatures(PdfReader.open(signed))[0]!;
    const [a, b, c, d] = sig.byteRange as [number, number, number, number];
    const old = `/ByteRange [${a} ${b} ${c} ${d}]`;
    const neu = `/ByteRange [${a} ${b - 1} ${c - 1} ${d + 1}]`;
    const at = buf.indexOf(old);
    expect(at).toBeGreaterThan(0);
    const t = Buffer.concat([
      buf.subarray(0, at),
      Buffer.from(neu.padEnd(old.length, ' ')),
      buf.subarray(at + old.length),
    ]);
    const rep = await verifyPdfIntegrity(new Uint8Array(t));
    expect(rep.ok).toBe(false);
    expect(rep.signatures[0]!.checks[0]).toMatchObject({
      check: 'byte-range',
      status: 'failed',
      reason: 'BYTE_RANGE_NOT_AT_CONTENTS',
    });
  });

  it('an appended revision leaves the signature intact but no longer covering the whole file', async () => {
    const extra = new TextEncoder().encode('\n% appended\n');
    const t = new Uint8Array([...signed, ...extra]);
    const rep = await verifyPdfIntegrity(t);
    expect(rep.signatures[0]!.intact).toBe(true);
    expect(rep.signatures[0]!.coversWholeFile).toBe(false);
  });
});
