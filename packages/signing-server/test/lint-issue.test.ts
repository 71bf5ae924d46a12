/**
 * The server lints the TBSCertificate before it signs: a lint error is a 400 naming the lint;
 * warnings refuse unless the operator overrides (acceptLintWarnings), and the override is audited.
 * An e-mail address in the subject is issued with the matching SAN rfc822Name.
 */
import { Certificate, lint } from '@kyso/pki-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, type Fetcher } from './helpers/client.js';
import { startTestServer, type TestServer } from './helpers/env.js';

describe('signing-server: lint before issue', () => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer('pglite');
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  const op = (path: string, json: unknown) =>
    call(f, 'POST', `/admin${path}`, { token: s.operatorKey, json });
  const enrol = async (subject: Record<string, string>) => {
    const r = await op('/subscribers', { kind: 'citizen', pin: '246810', ...subject });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body.id as string;
  };
  const key = { type: 'EC', curve: 'P-256' };

  it('refuses an NFD subject with 400 and the lint name', async () => {
    const id = await enrol({ name: 'Nguyễn Văn An'.normalize('NFD'), cccd: '079200001234' });
    const r = await op('/credentials', { subscriberId: id, key });
    expect(r.status).toBe(400);
    expect(r.body.error_description).toContain('e_rfc5198_utf8_not_nfc');
  });

  it('issues an e-mail address in the subject with the SAN rfc822Name', async () => {
    const id = await enrol({ name: 'Lê Thị Hoa', cccd: '079200001235', email: 'hoa@example.vn' });
    const r = await op('/credentials', { subscriberId: id, key });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const c = Certificate.parse(r.body.certificate as string);
    expect(c.subjectAltName).toEqual([{ type: 'email', value: 'hoa@example.vn' }]);
    expect(lint(c).errors).toBe(0);
  });

  it('refuses warnings unless the operator overrides; the override is in the audit', async () => {
    const id = await enrol({ name: 'Phạm Văn Dũng' });
    const refused = await op('/credentials', { subscriberId: id, key });
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toContain('w_vn_person_identifier_missing');
    const ok = await op('/credentials', { subscriberId: id, key, acceptLintWarnings: true });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    const rows = await s.kyso.ctx.db.query<{ details: unknown; actor: string }>(
      "SELECT actor, details FROM audit_log WHERE action = 'certificate.lint_override' AND subject = $1",
      [ok.body.credentialId],
    );
    expect(rows.rows).toHaveLength(1);
    const details = (
      typeof rows.rows[0]!.details === 'string' ? JSON.parse(rows.rows[0]!.details) : rows.rows[0]!.details
    ) as { warnings: { lint: string }[]; serial: string };
    expect(details.warnings.map((w) => w.lint)).toEqual(['w_vn_person_identifier_missing']);
    expect(details.serial).toBe(Certificate.parse(ok.body.certificate as string).serialHex);
    // Rekey goes through the same gate.
    const rk = await op(`/credentials/${ok.body.credentialId}/rekey`, {});
    expect(rk.status).toBe(400);
    expect(rk.body.error_description).toContain('w_vn_person_identifier_missing');
    expect(
      (await op(`/credentials/${ok.body.credentialId}/rekey`, { acceptLintWarnings: true })).status,
    ).toBe(200);
  });
});

describe('signing-server: KYSO_LINT_BEFORE_ISSUE=off', () => {
  let s: TestServer;
  let f: Fetcher;
  beforeAll(async () => {
    s = await startTestServer('pglite', { KYSO_LINT_BEFORE_ISSUE: 'off' });
    f = (p, init) => Promise.resolve(s.kyso.app.request(p, init));
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });
  const op = (path: string, json: unknown) =>
    call(f, 'POST', `/admin${path}`, { token: s.operatorKey, json });
  const details = (d: unknown) => (typeof d === 'string' ? JSON.parse(d) : d) as Record<string, unknown>;

  it('issues without the gate, and says so in the audit (at start and in each issuance record)', async () => {
    const sub = await op('/subscribers', { kind: 'citizen', pin: '246810', name: 'Phạm Văn Dũng' });
    expect(sub.status, JSON.stringify(sub.body)).toBe(201);
    // Refused with w_vn_person_identifier_missing when the gate is on (above); issued here.
    const r = await op('/credentials', { subscriberId: sub.body.id, key: { type: 'EC', curve: 'P-256' } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const c = Certificate.parse(r.body.certificate as string);
    expect(lint(c, { profile: 'person' }).findings.map((x) => x.lint)).toContain(
      'w_vn_person_identifier_missing',
    );
    const db = s.kyso.ctx.db;
    const off = await db.query("SELECT actor FROM audit_log WHERE action = 'config.lint_before_issue_off'");
    expect(off.rows).toEqual([{ actor: 'system' }]);
    const issued = await db.query<{ details: unknown }>(
      "SELECT details FROM audit_log WHERE action = 'certificate.issue' AND subject = $1",
      [r.body.credentialId],
    );
    expect(issued.rows).toHaveLength(1);
    expect(details(issued.rows[0]!.details)).toMatchObject({ serial: c.serialHex, lintBeforeIssue: false });
  });

  it('refuses a value other than on / off', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js');
    expect(() => loadConfig({ KYSO_LINT_BEFORE_ISSUE: 'no' })).toThrow(ConfigError);
    expect(loadConfig({}).lintBeforeIssue).toBe(true);
  });
});
