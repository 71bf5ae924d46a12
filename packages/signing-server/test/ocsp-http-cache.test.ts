/**
 * A real HTTP cache in front of the OCSP responder (issue 21, RFC 5019 §6): nginx with
 * proxy_cache, started on loopback with its own prefix and configuration in a temp dir. The
 * second GET is served from the cache (X-Cache-Status: HIT); after a revocation the cache keeps
 * serving the response it holds until max-age runs out (short validity window here, 6 s), then
 * fetches and serves `revoked`. Every response is checked with `openssl ocsp -respin`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {
  buildOcspRequest,
  Certificate,
  createCertId,
  ocspGetUrl,
  parseOcspResponse,
  pemEncode,
} from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openssl, requireTool, tmpDir, toolPath } from '../../pki-core/test/helpers/tools.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { type RunningServer, startServer } from '../src/server.js';
import { call, type Fetcher, provision } from './helpers/client.js';
import { demoCaDir, testEnv } from './helpers/env.js';

const ready = requireTool('nginx') && requireTool('openssl');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** nginx as a caching reverse proxy to `upstream`, everything under its own temp prefix. */
async function startNginx(upstream: string): Promise<{ url: string; dir: string; stop(): Promise<void> }> {
  const dir = tmpDir('kyso-nginx-');
  const port = await freePort();
  for (const d of ['cache', 'tmp']) fs.mkdirSync(path.join(dir, d));
  const conf = `
${process.getuid?.() === 0 ? 'user root;' : ''}
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=ocsp:1m max_size=16m inactive=10m use_temp_path=off;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_cache ocsp;
      proxy_cache_revalidate on;
      proxy_cache_lock on;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }
}
`;
  fs.writeFileSync(path.join(dir, 'nginx.conf'), conf);
  const child: ChildProcess = spawn(
    toolPath('nginx')!,
    ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `nginx exited ${child.exitCode}: ${out}${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`,
      );
    try {
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(port, '127.0.0.1', () => {
          s.end();
          resolve();
        });
        s.once('error', reject);
      });
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    dir,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGQUIT');
      }),
  };
}

describe.skipIf(!ready)('OCSP behind an HTTP cache (nginx proxy_cache)', () => {
  let srv: RunningServer;
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let f: Fetcher;
  const VALIDITY = 6;
  beforeAll(async () => {
    const env = testEnv('pglite', {
      KYSO_DEMO_CA_DIR: await demoCaDir(),
      PORT: '0',
      KYSO_OCSP_VALIDITY_SECONDS: String(VALIDITY),
      KYSO_OCSP_REFRESH_SECONDS: '1',
    });
    const cfg = loadConfig(env);
    srv = await startServer(cfg, createLogger(cfg.logLevel));
    nginx = await startNginx(srv.url);
    f = (p, init) => fetch(srv.url + p, init);
  }, 120_000);
  afterAll(async () => {
    await nginx?.stop();
    await srv?.stop();
  });

  it('serves the second GET from the cache, and `revoked` once the cached response expires', async () => {
    const p = await provision(f, srv.kyso.firstOperatorKey!);
    const leaf = Certificate.parse(p.certificatePem);
    const ca = srv.kyso.ca.defaultCa;
    const d = tmpDir('kyso-ocsp-');
    fs.writeFileSync(path.join(d, 'issuer.pem'), pemEncode('CERTIFICATE', ca.cert.der));
    fs.writeFileSync(path.join(d, 'leaf.pem'), pemEncode('CERTIFICATE', leaf.der));
    fs.writeFileSync(
      path.join(d, 'chain.pem'),
      [ca.cert, ...ca.chain].map((c) => pemEncode('CERTIFICATE', c.der)).join(''),
    );
    const check = (der: Uint8Array): string => {
      fs.writeFileSync(path.join(d, 'resp.der'), der);
      const r = openssl([
        'ocsp',
        '-respin',
        path.join(d, 'resp.der'),
        '-issuer',
        path.join(d, 'issuer.pem'),
        '-cert',
        path.join(d, 'leaf.pem'),
        '-CAfile',
        path.join(d, 'chain.pem'),
        '-no_nonce',
      ]);
      const out = `${r.stdout}${r.stderr}`;
      expect(out).toMatch(/Response verify OK/);
      return /leaf\.pem: (good|revoked|unknown)/.exec(out)?.[1] ?? out;
    };
    const req = buildOcspRequest({ certIds: [await createCertId(leaf, ca.cert, 'SHA-1')] });
    const url = nginx.url + ocspGetUrl('/pki/ocsp', req.der);
    const get = async () => {
      const r = await fetch(url);
      expect(r.status).toBe(200);
      return {
        cache: r.headers.get('x-cache-status'),
        cc: r.headers.get('cache-control'),
        der: new Uint8Array(await r.arrayBuffer()),
      };
    };

    // Straight to the server: the first GET goes through the app, the next one is answered from
    // the process's memory by the node:http fast path (src/http/ocsp-fast.ts); same bytes, same
    // caching headers.
    const directUrl = srv.url + ocspGetUrl('/pki/ocsp', req.der);
    const d1 = await fetch(directUrl);
    const d2 = await fetch(directUrl);
    const b1 = Buffer.from(await d1.arrayBuffer());
    const b2 = Buffer.from(await d2.arrayBuffer());
    expect(b2.equals(b1)).toBe(true);
    for (const h of ['content-type', 'etag', 'last-modified', 'expires', 'content-length'])
      expect(d2.headers.get(h), h).toBe(d1.headers.get(h));
    expect(d2.headers.get('cache-control')).toMatch(/^max-age=\d+, public, no-transform, must-revalidate$/);
    expect(d2.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);

    // A fresh response (full validity left), so a loaded machine cannot leave it with max-age 0
    // (not cacheable) by the time nginx fetches it.
    const store = srv.kyso.ca.ocspStore;
    await srv.kyso.ctx.db.tx((q) => store.produceInTx(q, ca.id, leaf.serialHex));
    store.forget();

    const first = await get();
    expect(first.cache).toBe('MISS');
    expect(first.cc).toMatch(/^max-age=\d+, public, no-transform, must-revalidate$/);
    expect(check(first.der)).toBe('good');
    const second = await get();
    expect(second.cache).toBe('HIT');
    expect(Buffer.from(second.der).equals(Buffer.from(first.der))).toBe(true);

    const rv = await call(f, 'POST', `/admin/credentials/${p.credentialId}/revoke`, {
      token: srv.kyso.firstOperatorKey!,
      json: { reason: 'keyCompromise' },
    });
    expect(rv.status).toBe(200);
    // The responder answers `revoked` at once; the cache may still serve what it holds (a
    // response valid until its nextUpdate, RFC 5019 §6) until max-age runs out.
    const direct = await fetch(srv.url + ocspGetUrl('/pki/ocsp', req.der));
    expect(check(new Uint8Array(await direct.arrayBuffer()))).toBe('revoked');
    const nextUpdate = parseOcspResponse(first.der).basic!.responses[0]!.nextUpdate!.getTime();
    await new Promise((r) => setTimeout(r, Math.max(0, nextUpdate - Date.now()) + 1100));
    const after = await get();
    expect(['EXPIRED', 'MISS', 'REVALIDATED']).toContain(after.cache);
    expect(check(after.der)).toBe('revoked');
    const cached = await get();
    expect(cached.cache).toBe('HIT');
    expect(check(cached.der)).toBe('revoked');
    expect(fs.readFileSync(path.join(nginx.dir, 'error.log'), 'utf8')).not.toMatch(/\[(emerg|alert|crit)\]/);
  }, 60_000);
});
