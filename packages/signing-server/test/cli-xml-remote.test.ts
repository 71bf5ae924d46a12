/**
 * `kyso xml sign|countersign IN --out OUT --remote URL --credential ID` through the built `kyso`
 * binary (a child process), against the server on PGlite served over real HTTP by this process:
 * the XML is prepared in the CLI (B-T: time-stamped by the server's TSA by default), the subscriber approves the pending request (labelled with the
 * file name and showing the digest the CLI printed) on the /approve page's HTTP endpoints (PIN,
 * then OTP), and only the SignedInfo hash goes to signHash. The output verifies with xmlsec1 (the
 * server's CA root as the only trust anchor) and with `kyso xml verify`. Refusal and Ctrl-C sign
 * nothing and leave no output; missing client credentials or no factory: usage (exit 2).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { xmlCommands } from '@kyso/xml-sign/cli';
import { requireTool } from '../../pki-core/test/helpers/tools.js';
import type { RunningServer } from '../src/server.js';
import type { provision } from './helpers/client.js';
import { type RemoteSigningSetup, decide as decideOn, startRemoteSigning } from './helpers/remote-cli.js';

const KYSO = fileURLToPath(new URL('../bin/kyso.js', import.meta.url));
const DSIG_NS = 'http://www.w3.org/2000/09/xmldsig#';
const hasXmlsec1 = requireTool('xmlsec1');

interface Run {
  child: ChildProcess;
  /** Resolves once stderr says where to approve. */
  waiting: Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }>;
}

/** Starts the built `kyso` (asynchronously: this process serves its requests meanwhile). */
function kyso(args: string[], cwd: string): Run {
  const child = spawn(process.execPath, [KYSO, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onWait: () => void = () => {};
  let onExit: (e: Error) => void = () => {};
  const waiting = new Promise<void>((resolve, reject) => {
    onWait = resolve;
    onExit = reject;
  });
  // Not every run waits for approval (usage errors): no unhandled rejection then.
  waiting.catch(() => {});
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    err += d;
    if (err.includes('/approve')) onWait();
  });
  const done = new Promise<Awaited<Run['done']>>((resolve) =>
    child.on('close', (code, signal) => {
      // Ended before asking for approval: fail the wait at once, with what it said.
      onExit(new Error(`kyso exited (${code ?? signal}) before the approval prompt: ${err}`));
      resolve({ code, signal, out, err });
    }),
  );
  return { child, waiting, done };
}

describe('kyso xml sign|countersign --remote (binary, asynchronous approval, PGlite, real HTTP)', () => {
  let setup: RemoteSigningSetup;
  let srv: RunningServer;
  let p: Awaited<ReturnType<typeof provision>>;
  let dir: string;
  let ca: string;
  let input: string;
  let secretFile: string;

  beforeAll(async () => {
    setup = await startRemoteSigning('kyso-xml-remote-');
    ({ srv, p, dir, ca, secretFile } = setup);
    input = path.join(dir, 'hoa-don.xml');
    fs.writeFileSync(
      input,
      '<?xml version="1.0" encoding="UTF-8"?>\n<HDon><DLHDon Id="data"><TTChung><SHDon>42</SHDon></TTChung><NDHDon><NBan><Ten>Công ty Kyso</Ten></NBan></NDHDon></DLHDon></HDon>\n',
    );
  }, 120_000);
  afterAll(async () => {
    await srv?.stop();
  });

  const remote = () => [
    '--remote',
    `${srv.url}/`,
    '--credential',
    p.credentialId,
    '--client-id',
    p.clientId,
    '--client-secret-file',
    secretFile,
    '--approval-timeout',
    '60',
  ];

  const decide = (decision: 'approve' | 'refuse') => decideOn(setup, decision);

  /** Signs `args` remotely through the binary, approving on /approve; checks the page's label. */
  async function approved(args: string[], label: string) {
    const r = kyso([...args, ...remote()], dir);
    await r.waiting;
    // Give the process the rest of the line (the digest) before reading it.
    await new Promise((res) => setTimeout(res, 200));
    const page = await decide('approve');
    const res = await r.done;
    const digest = /SHA-256 hex, as the page shows it\): ([0-9a-f]{64})/.exec(res.err)?.[1];
    expect(digest, res.err).toBeTruthy();
    expect(page).toContain(digest!);
    expect(page).toContain(label);
    // The file name (no path) is the document's name on the page.
    expect(page).toContain(`<span class="doc-label">${path.basename(args[2]!)}</span>`);
    expect(page).toContain('Agency portal');
    expect(res.code, res.err).toBe(0);
    return res;
  }

  /** xmlsec1 with the server's CA root as the only trust anchor. */
  function xmlsec1(file: string, extra: string[] = []) {
    return spawnSync(
      'xmlsec1',
      [
        'verify',
        '--trusted-pem',
        path.join(ca, 'ecdsa', 'root.pem'),
        '--untrusted-pem',
        path.join(ca, 'ecdsa', 'issuing.pem'),
        '--id-attr:Id',
        'http://uri.etsi.org/01903/v1.3.2#:SignedProperties',
        '--id-attr:Id',
        `${DSIG_NS}:SignatureValue`,
        ...extra,
        file,
      ],
      { encoding: 'utf8' },
    );
  }

  async function verifyJson(file: string) {
    const r = kyso(
      ['xml', 'verify', file, '--trust', path.join(ca, 'ecdsa', 'root.pem'), '--revocation', 'off', '--json'],
      dir,
    );
    const res = await r.done;
    return {
      code: res.code,
      rep: JSON.parse(res.out || '{}') as {
        valid: boolean;
        signatures: {
          status: string;
          level?: string;
          counterSignatureOf?: number;
          signer?: { commonName?: string };
          signingTime?: { source: string };
        }[];
      },
    };
  }

  it('xml sign --remote --level B-T (server TSA), then xml countersign --remote: approved on /approve; xmlsec1 and kyso xml verify accept both', async () => {
    const signed = path.join(dir, 'hoa-don.signed.xml');
    const s = await approved(
      // B-T: the signature time-stamp from the server's TSA (URL/pki/tsa) without --tsa.
      ['xml', 'sign', input, '--out', signed, '--level', 'B-T'],
      'kyso xml sign hoa-don.xml',
    );
    expect(s.out).toContain(`signed at B-T: ${signed}`);
    expect(s.err).toContain('Approved.');
    const xml = fs.readFileSync(signed, 'utf8');
    expect(xml).toContain('<SHDon>42</SHDon>');
    expect(xml).toContain('xades:SignedProperties');
    expect(xml).toContain('xades:SignatureTimeStamp');
    if (hasXmlsec1) {
      const x = xmlsec1(signed);
      expect(`${x.status} ${x.stderr}`).toMatch(/^0 OK/);
    }
    const v = await verifyJson(signed);
    expect(v.code, JSON.stringify(v.rep)).toBe(0);
    expect(v.rep.valid).toBe(true);
    expect(v.rep.signatures.map((x) => [x.status, x.level, x.signer?.commonName])).toEqual([
      ['valid', 'B-T', 'Nguyễn Văn An'],
    ]);
    expect(v.rep.signatures[0]!.signingTime?.source).toBe('signature-timestamp');

    // The same credential countersigns its signature (a second approval).
    const cs = path.join(dir, 'hoa-don.cs.xml');
    const c = await approved(
      ['xml', 'countersign', signed, '--out', cs],
      'kyso xml countersign hoa-don.signed.xml',
    );
    expect(c.out).toContain(`countersigned: ${cs}`);
    const w = await verifyJson(cs);
    expect(w.code, JSON.stringify(w.rep)).toBe(0);
    expect(w.rep.signatures.map((x) => [x.status, x.counterSignatureOf])).toEqual([
      ['valid', undefined],
      ['valid', 0],
    ]);
    if (hasXmlsec1) {
      const ids = [...fs.readFileSync(cs, 'utf8').matchAll(/<ds:Signature [^>]*Id="([^"]+)"/g)].map(
        (m) => m[1]!,
      );
      expect(ids).toHaveLength(2);
      const x = xmlsec1(cs, ['--id-attr:Id', `${DSIG_NS}:Signature`, '--node-id', ids[1]!]);
      expect(`${x.status} ${x.stderr}`).toMatch(/^0 OK/);
    }
  });

  it('refusal on /approve: exit 1, no output file', async () => {
    const out = path.join(dir, 'refused.xml');
    const r = kyso(['xml', 'sign', input, '--out', out, ...remote()], dir);
    await r.waiting;
    await decide('refuse');
    const res = await r.done;
    expect(res.code).toBe(1);
    expect(res.err).toContain('the subscriber refused the signature: nothing was signed');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('Ctrl-C while waiting: exit 130, nothing signed, no output file', async () => {
    const out = path.join(dir, 'cancelled.xml');
    const r = kyso(['xml', 'sign', input, '--out', out, ...remote()], dir);
    await r.waiting;
    r.child.kill('SIGINT');
    const res = await r.done;
    expect(res.code).toBe(130);
    expect(res.err).toContain('cancelled (Ctrl-C)');
    expect(fs.existsSync(out)).toBe(false);
  });

  it('usage: no client credentials, --remote with --p12, or no factory (xml-sign alone): exit 2, no request', async () => {
    const out = path.join(dir, 'usage.xml');
    const a = await kyso(
      ['xml', 'sign', input, '--out', out, '--remote', srv.url, '--credential', p.credentialId],
      dir,
    ).done;
    expect(a.code).toBe(2);
    expect(a.err).toContain('--client-id');
    const b = await kyso(
      ['xml', 'countersign', input, '--out', out, ...remote(), '--p12', 'x.p12', '--password-file', 'pw'],
      dir,
    ).done;
    expect(b.code).toBe(2);
    expect(b.err).toContain('--remote excludes --p12');
    const io = { out: '', err: '' };
    const sign = xmlCommands.find((c) => c.path.join(' ') === 'xml sign')!;
    const code = await sign.run(
      { positionals: [input], options: { out, remote: srv.url, credential: p.credentialId } },
      { out: (t) => (io.out += t), err: (t) => (io.err += t) },
    );
    expect(code).toBe(2);
    expect(io.err).toContain('signing-server');
    expect(fs.existsSync(out)).toBe(false);
  });
});
