/**
 * A server that cannot start says why and exits non-zero; it never hangs (issue 15). Runs the
 * built `kyso` binary (tsc -b first) as a user would: a taken port, then PostgreSQL unreachable.
 */
import { execFileSync, spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../../pki-core/test/helpers/tools.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `kyso server start`; a process still alive after 60 s is killed and reported as hung. */
function start(env: Record<string, string>): Promise<{ code: number | null; hung: boolean; err: string }> {
  const child = spawn(
    process.execPath,
    [path.join(root, 'packages/signing-server/bin/kyso.js'), 'server', 'start'],
    {
      env: { ...process.env, LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  child.stdout.on('data', () => {});
  return new Promise((resolve) => {
    let hung = false;
    const t = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, hung, err });
    });
  });
}

describe('kyso server start failures', () => {
  let blocker: net.Server;
  let port = 0;
  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [
        path.join(root, 'node_modules/typescript/bin/tsc'),
        '-b',
        'packages/signing-server/tsconfig.build.json',
      ],
      { cwd: root, stdio: 'pipe' },
    );
    blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    port = (blocker.address() as net.AddressInfo).port;
  }, 180_000);
  afterAll(() => blocker?.close());

  it('a taken port: exit 1, the reason and what to do, no hang', async () => {
    const r = await start({ PORT: String(port), KYSO_DATA_DIR: tmpDir() });
    expect(r.hung).toBe(false);
    expect(r.code).toBe(1);
    expect(r.err).toContain('kyso server start: cannot start: listen EADDRINUSE');
    expect(r.err).toContain('set PORT to a free port');
  }, 90_000);

  it('PostgreSQL unreachable: exit 1 with the reason, no hang', async () => {
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const refused = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await start({
      PORT: '0',
      KYSO_DATA_DIR: tmpDir(),
      DATABASE_URL: `postgres://postgres@127.0.0.1:${refused}/nothing`,
    });
    expect(r.hung).toBe(false);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('kyso server start: cannot start:');
    expect(r.err).toContain('check DATABASE_URL');
  }, 90_000);

  it('invalid configuration: exit 2 with the problem', async () => {
    const r = await start({ KYSO_DATA_DIR: tmpDir(), KYSO_VAULT: 'nope' });
    expect(r.hung).toBe(false);
    expect(r.code).toBe(2);
    expect(r.err).toContain('KYSO_VAULT must be');
  }, 90_000);
});
