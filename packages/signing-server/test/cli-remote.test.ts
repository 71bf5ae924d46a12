/**
 * `kyso pdf sign IN --out OUT --remote URL --credential ID` (pdf-sign's CLI with the SDK-based
 * remote signer factory), run in-process against the server on PGlite over real HTTP: the
 * subscriber approves the pending request through the /approve page's HTTP endpoints (PIN, then
 * OTP); the output verifies with pdf-sign's verifyPdf (the server's CA root as the only anchor, the
 * revocation data from the document alone) and with pdfsig. Refusal, the approval timeout and
 * Ctrl-C sign nothing and leave no output file; missing client credentials or no factory: usage.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfCommands } from '@kyso/pdf-sign/cli';
import { verifyPdf } from '@kyso/pdf-sign/node';
import type { Command } from '@kyso/pki-core/cli';
import { TrustStore } from '@kyso/pki-core';
import { congVanSample } from '../../pdf-sign/src/samples/index.js';
import { requireTool } from '../../pki-core/test/helpers/tools.js';
import { pdfCommandsWithRemote } from '../src/pdf-remote.js';
import type { RunningServer } from '../src/server.js';
import type { provision } from './helpers/client.js';
import { type RemoteSigningSetup, decide as decideOn, startRemoteSigning } from './helpers/remote-cli.js';

const hasPdfsig = requireTool('pdfsig');

const signCmd = (cmds: Command[]) => cmds.find((c) => c.path.join(' ') === 'pdf sign')!;

describe('kyso pdf sign --remote (asynchronous approval, PGlite, real HTTP)', () => {
  let setup: RemoteSigningSetup;
  let srv: RunningServer;
  let p: Awaited<ReturnType<typeof provision>>;
  let dir: string;
  let input: string;
  let secretFile: string;
  let rootPem: string;
  const cmd = signCmd(pdfCommandsWithRemote({ pollIntervalMs: 100 }));

  beforeAll(async () => {
    setup = await startRemoteSigning();
    ({ srv, p, dir, secretFile } = setup);
    rootPem = path.join(setup.ca, 'ecdsa', 'root.pem');
    input = path.join(dir, 'cong-van.pdf');
    fs.writeFileSync(input, (await congVanSample()).bytes);
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
  });

  /** Starts the command; resolves `waiting` once stderr says where to approve. */
  function run(out: string, extra: Record<string, string> = {}, command = cmd, from = input) {
    let stdout = '';
    let stderr = '';
    let onWait: () => void = () => {};
    const waiting = new Promise<void>((r) => {
      onWait = r;
    });
    const done = command.run(
      {
        positionals: [from],
        options: {
          out,
          remote: srv.url,
          credential: p.credentialId,
          'client-id': p.clientId,
          'client-secret-file': secretFile,
          ...extra,
        },
      },
      {
        out: (t) => {
          stdout += t;
        },
        err: (t) => {
          stderr += t;
          if (stderr.includes('/approve')) onWait();
        },
      },
    );
    return { done, waiting, io: () => ({ stdout, stderr }) };
  }

  const decide = (decision: 'approve' | 'refuse') => decideOn(setup, decision);

  const leftovers = () => fs.readdirSync(dir).filter((n) => n.includes('.kyso-') || n.startsWith('out-'));

  it('a folder: each file is approved on the page under its own name', async () => {
    const inDir = path.join(dir, 'ho-so');
    fs.mkdirSync(inDir);
    for (const n of ['quyet-dinh-01.pdf', 'quyet-dinh-02.pdf']) fs.copyFileSync(input, path.join(inDir, n));
    const outDir = path.join(dir, 'ho-so-signed');
    const r = run(outDir, { 'approval-timeout': '60' }, cmd, inDir);
    await r.waiting;
    const names: string[] = [];
    for (let i = 0; i < 2; i++) {
      const page = await decide('approve');
      names.push(/<span class="doc-label">([^<]+)<\/span>/.exec(page)?.[1] ?? '');
    }
    expect(await r.done, JSON.stringify(r.io())).toBe(0);
    expect(names).toEqual(['quyet-dinh-01.pdf', 'quyet-dinh-02.pdf']);
    expect(fs.readdirSync(outDir).sort()).toEqual(['quyet-dinh-01.pdf', 'quyet-dinh-02.pdf']);
  });

  it('B-LT: approval on /approve, signHash with the SAD, server TSA by default; verifyPdf and pdfsig accept it', async () => {
    const out = path.join(dir, 'signed-blt.pdf');
    const r = run(out, { level: 'B-LT', reason: 'Phê duyệt', 'approval-timeout': '60' });
    await r.waiting;
    const { stderr } = r.io();
    expect(stderr).toContain(`${srv.url}/approve`);
    const digest = /SHA-256 hex, as the page shows it\): ([0-9a-f]{64})/.exec(stderr)?.[1];
    expect(digest, stderr).toBeTruthy();
    const page = await decide('approve');
    // The pending request shows exactly the digest the CLI printed, and who asks.
    expect(page).toContain(digest!);
    expect(page).toContain('Agency portal');
    expect(page).toContain('kyso pdf sign cong-van.pdf');
    // The file name is the document's name on the page (a label, not the "no name" placeholder).
    expect(page).toContain('<span class="doc-label">cong-van.pdf</span>');
    expect(page).not.toContain('(no name)');
    const code = await r.done;
    expect(code, JSON.stringify(r.io())).toBe(0);
    expect(r.io().stdout).toContain('at B-LT');
    // Revocation data for the signer's chain was fetched from the server (OCSP/CRL).
    expect(r.io().stderr).not.toMatch(/no revocation data for[^\n]*Nguyễn Văn An/);

    const signed = new Uint8Array(fs.readFileSync(out));
    const trustStore = new TrustStore();
    expect(trustStore.add(fs.readFileSync(rootPem, 'utf8'))).toBe(1);
    // 'soft-fail': the demo TSA certificate names no CRL or OCSP URL, so a client-side B-LT cannot
    // embed revocation data for it (the server's own signDoc reads its CA's CRL directly). The
    // signer's chain is checked from the document's DSS alone.
    const report = await verifyPdf(signed, { trustStore, revocation: 'soft-fail' });
    expect(report.valid, JSON.stringify(report, null, 2)).toBe(true);
    expect(report.signatures).toHaveLength(1);
    const sig = report.signatures[0]!;
    expect(sig.status).toBe('valid');
    expect(sig.certificate?.status).toBe('valid');
    expect(sig.certificate?.revocation?.map((x) => [x.status, x.origin])).toEqual([
      ['good', 'embedded'],
      ['good', 'embedded'],
    ]);
    // B-T reached (signature time-stamp from the server's TSA); B-LT once the TSA certificate's
    // revocation data can be embedded too (see above).
    expect(['B-T', 'B-LT']).toContain(sig.level);
    expect(sig.timestamp?.tsa).toContain('Kyso Demo TSA');
    expect(sig.signingTime?.source).toBe('signature-timestamp');
    expect(sig.signer?.commonName).toBe('Nguyễn Văn An');
    if (hasPdfsig) {
      const ps = spawnSync('pdfsig', ['-nocert', out], { encoding: 'utf8' });
      expect(ps.stdout, ps.stderr).toContain('Signature is Valid.');
    }
    // No temporary file left beside the output.
    expect(leftovers()).toEqual([]);
  });

  it('refusal on /approve: exit 1, no output file', async () => {
    const out = path.join(dir, 'out-refused.pdf');
    const r = run(out, { 'approval-timeout': '60' });
    await r.waiting;
    await decide('refuse');
    expect(await r.done).toBe(1);
    expect(r.io().stderr).toContain('refused');
    expect(r.io().stderr).not.toContain('internal error');
    expect(fs.existsSync(out)).toBe(false);
    expect(leftovers()).toEqual([]);
  });

  it('no approval within --approval-timeout: exit 1, no output file', async () => {
    const out = path.join(dir, 'out-timeout.pdf');
    const r = run(out, { 'approval-timeout': '0.5' });
    expect(await r.done).toBe(1);
    expect(r.io().stderr).toContain('no approval within');
    expect(leftovers()).toEqual([]);
  });

  it('Ctrl-C while waiting: exit 130, nothing signed, no output file, SIGINT listener removed', async () => {
    const out = path.join(dir, 'out-sigint.pdf');
    const before = process.listenerCount('SIGINT');
    const r = run(out, { 'approval-timeout': '60' });
    await r.waiting;
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    process.emit('SIGINT');
    expect(await r.done).toBe(130);
    expect(r.io().stderr).toContain('cancelled');
    expect(process.listenerCount('SIGINT')).toBe(before);
    expect(leftovers()).toEqual([]);
  });

  it('usage: --remote without client credentials, without --credential, or without the factory: exit 2', async () => {
    const out = path.join(dir, 'out-usage.pdf');
    const io = { err: '', out: '' };
    const sink = { out: (t: string) => (io.out += t), err: (t: string) => (io.err += t) };
    const base = { out, remote: srv.url, credential: p.credentialId };
    expect(await cmd.run({ positionals: [input], options: base }, sink)).toBe(2);
    expect(io.err).toContain('--client-id');
    expect(
      await cmd.run({ positionals: [input], options: { out, remote: srv.url, 'client-id': 'x' } }, sink),
    ).toBe(2);
    io.err = '';
    expect(await signCmd(pdfCommands).run({ positionals: [input], options: base }, sink)).toBe(2);
    expect(io.err).toContain('signing-server');
    expect(fs.existsSync(out)).toBe(false);
  });
});
