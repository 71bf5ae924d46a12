#!/usr/bin/env node
/**
 * Baseline for bench/signhash.bench.mjs: a bare Hono endpoint that only signs. Same request body
 * as CSC signHash (JSON, base64 hashes), same vault code path and configuration (SoftwareVault.signDigests:
 * cached unsealed key, batches split over the signing worker threads, every digest self-checked), but no authentication, no SAD, no database, no audit.
 *
 *   KYSO_KEK=<base64> BARE_KEYS=<file.json> node bench/support/bare-sign-server.mjs
 *   BARE_KEYS: { "<credentialID>": StoredKey (spki base64) }; prints {"url": ...} when listening.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { SoftwareVault } from '../../packages/signing-server/dist/index.js';

// The vault exactly as the server configures it by default (key cache, worker threads for batches).
const vault = new SoftwareVault(new Uint8Array(Buffer.from(process.env.KYSO_KEK, 'base64')), {
  keyCacheSeconds: Number(process.env.KYSO_KEY_CACHE_SECONDS ?? 60),
  signWorkers: Number(process.env.KYSO_SIGN_WORKERS ?? Math.min(4, os.availableParallelism())),
});
const keys = new Map(
  Object.entries(JSON.parse(readFileSync(process.env.BARE_KEYS, 'utf8'))).map(([id, k]) => [
    id,
    { ...k, spki: new Uint8Array(Buffer.from(k.spki, 'base64')) },
  ]),
);
const ALG = { '1.2.840.10045.2.1': 'ECDSA', '1.2.840.113549.1.1.1': 'RSA-PKCS1' };

const app = new Hono();
app.post('/sign', async (c) => {
  const body = await c.req.json();
  const key = keys.get(body.credentialID);
  const name = ALG[body.signAlgo];
  if (!key || !name || !Array.isArray(body.hashes)) return c.json({ error: 'invalid_request' }, 400);
  const alg = { name, hash: 'SHA-256' };
  const digests = [];
  for (const h of body.hashes) {
    const d = Buffer.from(h, 'base64');
    if (d.length !== 32) return c.json({ error: 'invalid_request' }, 400);
    digests.push(new Uint8Array(d));
  }
  // The same batch call kyso's signHash makes: one unseal per request.
  const sigs = await vault.signDigests(key, alg, digests);
  return c.json({ signatures: sigs.map((s) => Buffer.from(s).toString('base64')) });
});

const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, (info) => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${info.port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
