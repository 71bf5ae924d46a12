import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hasTool, openssl, requireTool, run, tmpDir, toolPath } from './helpers/tools.js';

describe('test helpers: tools', () => {
  const savedCi = process.env.CI;
  afterEach(() => {
    if (savedCi === undefined) delete process.env.CI;
    else process.env.CI = savedCi;
  });

  it('finds tools on PATH and reports missing ones', () => {
    expect(hasTool('node')).toBe(true);
    expect(toolPath('node')).toMatch(/node$/);
    expect(hasTool('kyso-no-such-tool-xyz')).toBe(false);
  });

  it('requireTool throws under CI and warns otherwise when a tool is missing', () => {
    process.env.CI = 'true';
    expect(() => requireTool('kyso-no-such-tool-xyz')).toThrow(/not found.*CI is set/);
    delete process.env.CI;
    expect(requireTool('kyso-no-such-tool-xyz')).toBe(false);
    expect(requireTool('node')).toBe(true);
  });

  it('run captures status, stdout (string and buffer), stderr and stdin input', () => {
    const r = run('node', ['-e', 'process.stdin.pipe(process.stdout); console.error("err")'], {
      input: Uint8Array.of(0xff, 0x00, 0x41),
    });
    expect(r.status).toBe(0);
    expect([...r.stdoutBuffer]).toEqual([0xff, 0x00, 0x41]);
    expect(r.stderr.trim()).toBe('err');
    const bad = run('node', ['-e', 'process.exit(3)']);
    expect(bad.status).toBe(3);
    expect(() => run('node', ['-e', 'process.exit(3)'], { check: true })).toThrow(/exit status 3/);
    expect(run('kyso-no-such-tool-xyz').error).toBeDefined();
  });

  it('tmpDir makes a fresh kyso- directory', () => {
    const d = tmpDir();
    expect(path.basename(d)).toMatch(/^kyso-/);
    expect(fs.statSync(d).isDirectory()).toBe(true);
    expect(tmpDir()).not.toBe(d);
  });

  describe.skipIf(!requireTool('openssl'))('openssl', () => {
    it('runs openssl with input', () => {
      const r = openssl(['base64', '-d'], { input: 'a3lzbw==\n', check: true });
      expect(r.stdout).toBe('kyso');
    });
  });
});
