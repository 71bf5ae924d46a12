/**
 * Test helpers for external tools (OpenSSL, poppler, qpdf, mutool, SoftHSM2, OpenSC, chromium).
 *
 * Usage:
 *   import { requireTool, openssl, tmpDir } from './helpers/tools.js';
 *   describe.skipIf(!requireTool('openssl'))('interop with OpenSSL', () => { ... });
 *
 * `requireTool` returns true when the tool is on PATH. When it is missing it throws if
 * `process.env.CI` is set (CI must be honest: the suite fails), and otherwise prints a warning
 * with the reason and the Debian package to install, and returns false so the suite is skipped.
 */
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

/** Tools the test suites may need, with the Debian package that provides each. */
export const TOOLS = {
  openssl: 'openssl',
  pdfsig: 'poppler-utils',
  pdftoppm: 'poppler-utils',
  pdftotext: 'poppler-utils',
  pdffonts: 'poppler-utils',
  qpdf: 'qpdf',
  mutool: 'mupdf-tools',
  'softhsm2-util': 'softhsm2',
  'pkcs11-tool': 'opensc',
  certutil: 'libnss3-tools',
  pk12util: 'libnss3-tools',
  chromium: 'chromium',
  nginx: 'nginx-light',
} as const;

export type ToolName = keyof typeof TOOLS;

/** Fixed locations checked before PATH (Debian installs chromium here; playwright-core uses it). */
const KNOWN_PATHS: Partial<Record<ToolName, string[]>> = {
  chromium: ['/usr/bin/chromium'],
  // Debian installs nginx in /usr/sbin, which is not on every user's PATH.
  nginx: ['/usr/sbin/nginx'],
};

const found = new Map<string, string | null>();

function isExecutable(p: string): boolean {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Absolute path of the tool, or null when it is not installed. */
export function toolPath(name: ToolName | string): string | null {
  const cached = found.get(name);
  if (cached !== undefined) return cached;
  let result: string | null = null;
  for (const p of KNOWN_PATHS[name as ToolName] ?? []) {
    if (isExecutable(p)) {
      result = p;
      break;
    }
  }
  if (result === null) {
    for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
      if (!dir) continue;
      const p = path.join(dir, name);
      if (isExecutable(p)) {
        result = p;
        break;
      }
    }
  }
  found.set(name, result);
  return result;
}

export function hasTool(name: ToolName | string): boolean {
  return toolPath(name) !== null;
}

const warned = new Set<string>();

/**
 * True if the tool is available. Missing: throws under CI (fails the suite), otherwise warns once
 * and returns false (use with `describe.skipIf(!requireTool('openssl'))`).
 */
export function requireTool(name: ToolName | string): boolean {
  if (hasTool(name)) return true;
  const pkg = (TOOLS as Record<string, string>)[name];
  const reason = `external tool '${name}' not found on PATH${pkg ? ` (Debian package: ${pkg}; apt-get install ${pkg})` : ''}`;
  if (process.env.CI) {
    throw new Error(`${reason}; CI is set, so tests needing it fail instead of skipping`);
  }
  if (!warned.has(name)) {
    warned.add(name);
    console.warn(`[kyso tests] skipping tests: ${reason}`);
  }
  return false;
}

export interface RunOptions {
  /** Data written to the child's stdin. */
  input?: string | Uint8Array;
  cwd?: string;
  /** Extra environment variables (merged over process.env). */
  env?: Record<string, string | undefined>;
  /** Milliseconds before the child is killed (default 60 s). */
  timeout?: number;
  /** Throw an Error with the command line and stderr if the exit status is not 0. */
  check?: boolean;
}

export interface RunResult {
  /** Exit status; null if killed by a signal or not started. */
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stdoutBuffer: Buffer;
  stderr: string;
  stderrBuffer: Buffer;
  /** The spawn error (e.g. ENOENT, ETIMEDOUT), if any. */
  error?: Error;
}

/** Runs a command synchronously (no shell), capturing stdout and stderr as strings and buffers. */
export function run(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): RunResult {
  const spawnOpts: SpawnSyncOptions = {
    cwd: opts.cwd,
    env: opts.env ? { ...process.env, ...opts.env } : process.env,
    timeout: opts.timeout ?? 60_000,
    maxBuffer: 512 * 1024 * 1024,
    input: opts.input,
  };
  const r = spawnSync(cmd, args, spawnOpts);
  const stdoutBuffer = (r.stdout as Buffer | null) ?? Buffer.alloc(0);
  const stderrBuffer = (r.stderr as Buffer | null) ?? Buffer.alloc(0);
  const result: RunResult = {
    status: r.status,
    signal: r.signal,
    stdout: stdoutBuffer.toString('utf8'),
    stdoutBuffer,
    stderr: stderrBuffer.toString('utf8'),
    stderrBuffer,
  };
  if (r.error) result.error = r.error;
  if (opts.check && (r.error || r.status !== 0)) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit status ${r.status}`;
    throw new Error(`command failed (${why}): ${[cmd, ...args].join(' ')}\n${result.stderr}`);
  }
  return result;
}

/** `openssl <args>`; pass `{ check: true }` to throw on a non-zero exit. */
export function openssl(args: readonly string[], opts: RunOptions = {}): RunResult {
  return run(toolPath('openssl') ?? 'openssl', args, opts);
}

const tmpDirs: string[] = [];
let cleanupRegistered = false;

function cleanupTmpDirs(): void {
  for (const d of tmpDirs.splice(0)) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {
      // best effort at exit
    }
  }
}

// Vitest ends its fork workers without running 'exit' handlers, so clean up after each test file
// (this module is evaluated once per test file that imports it); 'exit' covers other runners.
try {
  afterAll(cleanupTmpDirs);
} catch {
  // imported outside a vitest collection phase
}

/**
 * A fresh directory under the OS temp dir (prefix `kyso-`), removed after the importing test file
 * finishes (and at process exit).
 */
export function tmpDir(prefix = 'kyso-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tmpDirs.push(d);
  if (!cleanupRegistered) {
    cleanupRegistered = true;
    process.once('exit', cleanupTmpDirs);
  }
  return d;
}
