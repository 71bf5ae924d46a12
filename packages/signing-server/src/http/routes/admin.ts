/** Operator administration (`/admin/*`): every route names the `operator` middleware itself. */
import { type Context, Hono } from 'hono';
import { type CrlReason, derOrPem, type KeySpec, type Profile } from '@kyso/pki-core';
import { verifyAudit } from '../../audit.js';
import { createOperator } from '../../services/admin.js';
import { badRequest } from '../../services/common.js';
import { operator } from '../auth.js';
import { body, routeDoc } from '../request.js';
import type { Env, Services } from '../types.js';

type KeyInput = { type: 'RSA' | 'EC'; modulusLength?: number; curve?: 'P-256' | 'P-384' | 'P-521' };
const keySpec = (k: KeyInput): KeySpec =>
  k.type === 'RSA'
    ? { type: 'RSA', modulusLength: k.modulusLength ?? 2048 }
    : { type: 'EC', curve: k.curve ?? 'P-256' };

/** Routes relative to `/admin`. */
export function adminRoutes(s: Services): Hono<Env> {
  const { ctx } = s;
  const admin = new Hono<Env>();
  const op = operator(s);
  const A = (p: string) => routeDoc('post', `/admin${p}`);
  const actor = (c: Context<Env>) => `operator:${c.get('operator')}`;

  admin.post('/operators', op, async (c) => {
    const b = await body<{ name: string }>(c, A('/operators'));
    const r = await ctx.db.tx((q) => createOperator(ctx, q, b.name, actor(c)));
    return c.json(r, 201);
  });
  admin.post('/subscribers', op, async (c) =>
    c.json(await s.admin.enrol(actor(c), await body(c, A('/subscribers'))), 201),
  );
  admin.get('/subscribers/:id', op, async (c) => c.json(await s.admin.getSubscriber(c.req.param('id'))));
  admin.post('/subscribers/:id/sign-in', op, async (c) => {
    const b = await body<{ cccd?: string; phone?: string }>(c, A('/subscribers/:id/sign-in'));
    return c.json(await s.admin.setSignInIdentifiers(actor(c), c.req.param('id'), b));
  });
  admin.post('/subscribers/:id/unlock', op, async (c) => {
    await s.admin.unlock(actor(c), c.req.param('id'));
    return c.json({ unlocked: true });
  });
  admin.post('/clients', op, async (c) =>
    c.json(await s.admin.createClient(actor(c), (await body<{ name: string }>(c, A('/clients'))).name), 201),
  );
  admin.post('/clients/:id/disable', op, async (c) => {
    await s.admin.setClientDisabled(actor(c), c.req.param('id'), true);
    return c.json({ disabled: true });
  });
  admin.post('/clients/:id/enable', op, async (c) => {
    await s.admin.setClientDisabled(actor(c), c.req.param('id'), false);
    return c.json({ disabled: false });
  });
  admin.post('/clients/:id/grants', op, async (c) => {
    const b = await body<{ credentialId: string }>(c, A('/clients/:id/grants'));
    await s.admin.grant(actor(c), c.req.param('id'), b.credentialId);
    return c.json({ granted: true }, 201);
  });
  admin.post('/clients/:id/grants/revoke', op, async (c) => {
    const b = await body<{ credentialId: string }>(c, A('/clients/:id/grants/revoke'));
    await s.admin.grant(actor(c), c.req.param('id'), b.credentialId, true);
    return c.json({ granted: false });
  });
  admin.post('/clients/:id/redirect-uris', op, async (c) => {
    const b = await body<{ redirectUris: string[] }>(c, A('/clients/:id/redirect-uris'));
    await s.authz.setRedirectUris(actor(c), c.req.param('id'), b.redirectUris);
    return c.json({ redirectUris: b.redirectUris });
  });
  admin.post('/credentials', op, async (c) => {
    const b = await body<{
      subscriberId: string;
      key: KeyInput;
      profile?: Profile;
      caId?: string;
      validityDays?: number;
      description?: string;
      multisign?: number;
      issue?: boolean;
      acceptLintWarnings?: boolean;
    }>(c, A('/credentials'));
    return c.json(await s.admin.createCredential(actor(c), { ...b, key: keySpec(b.key) }), 201);
  });
  admin.post('/credentials/:id/certificate', op, async (c) => {
    const b = await body<{ certificate: string; chain?: string[] }>(c, A('/credentials/:id/certificate'));
    const parse = (x: string) => {
      try {
        return derOrPem(x.includes('-----BEGIN') ? x : Buffer.from(x, 'base64'), 'CERTIFICATE')[0]!;
      } catch {
        throw badRequest('certificate must be PEM or base64 DER');
      }
    };
    await s.admin.importCertificate(
      actor(c),
      c.req.param('id'),
      parse(b.certificate),
      (b.chain ?? []).map(parse),
    );
    return c.json({ imported: true }, 201);
  });
  for (const [verb, fn] of [
    ['enable', (a: string, id: string) => s.admin.setEnabled(a, id, true)],
    ['disable', (a: string, id: string) => s.admin.setEnabled(a, id, false)],
    ['suspend', (a: string, id: string) => s.admin.setCertificateStatus(a, id, 'suspended')],
    ['unsuspend', (a: string, id: string) => s.admin.setCertificateStatus(a, id, 'valid')],
  ] as const) {
    admin.post(`/credentials/:id/${verb}`, op, async (c) => {
      await fn(actor(c), c.req.param('id'));
      return c.json({ done: verb });
    });
  }
  admin.post('/credentials/:id/revoke', op, async (c) => {
    const b = await body<{ reason?: CrlReason }>(c, A('/credentials/:id/revoke'));
    await s.admin.setCertificateStatus(actor(c), c.req.param('id'), 'revoked', b.reason ?? 'unspecified');
    return c.json({ done: 'revoke' });
  });
  admin.post('/credentials/:id/rekey', op, async (c) => {
    const b = await body<{ key?: KeyInput; validityDays?: number; acceptLintWarnings?: boolean }>(
      c,
      A('/credentials/:id/rekey'),
    );
    return c.json(
      await s.admin.rekey(actor(c), c.req.param('id'), {
        key: b.key ? keySpec(b.key) : undefined,
        validityDays: b.validityDays,
        acceptLintWarnings: b.acceptLintWarnings,
      }),
    );
  });
  admin.post('/credentials/:id/auth-policy', op, async (c) => {
    const b = await body<{ policy: 'explicit' | 'async' }>(c, A('/credentials/:id/auth-policy'));
    await s.authz.setAuthPolicy(actor(c), c.req.param('id'), b.policy);
    return c.json({ policy: b.policy });
  });
  admin.post('/cas/:id/revoke', op, async (c) => {
    const b = await body<{ reason?: CrlReason }>(c, A('/cas/:id/revoke'));
    return c.json(await s.admin.revokeCa(actor(c), c.req.param('id'), b.reason ?? 'unspecified'));
  });
  admin.get('/audit/verify', op, async (c) => c.json(await verifyAudit(ctx.db)));
  return admin;
}
