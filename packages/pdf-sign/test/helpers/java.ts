/**
 * The Java oracle (issue 13): PDFBox 2 + BouncyCastle from Debian packages (default-jdk-headless,
 * libbcprov-java, libbcpkix-java, libpdfbox2-java), sources in ../java/*.java compiled by the tests
 * with javac. The compiled classes are cached per source hash in the temp directory, so one test
 * run compiles once (several test files and forks share it).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RunResult, requireTool, run } from '../../../pki-core/test/helpers/tools.js';

const JAVA_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'java');
const JARS = [
  'bcprov.jar',
  'bcpkix.jar',
  'bcutil.jar',
  'pdfbox2.jar',
  'fontbox2.jar',
  'commons-logging.jar',
].map((j) => path.join('/usr/share/java', j));
const DEBIAN = 'default-jdk-headless libbcprov-java libbcpkix-java libpdfbox2-java';

/** True when javac, java and the jars are present (under CI their absence throws). */
export function requireJava(): boolean {
  if (!requireTool('javac') || !requireTool('java')) return false;
  const missing = JARS.filter((j) => !fs.existsSync(j));
  if (missing.length === 0) return true;
  const reason = `Java oracle jars missing: ${missing.join(', ')} (Debian: apt-get install ${DEBIAN})`;
  if (process.env.CI) throw new Error(`${reason}; CI is set, so the test fails instead of skipping`);
  console.warn(`[kyso tests] skipping tests: ${reason}`);
  return false;
}

let compiled: string | undefined;

/** Compiles ../java/*.java once (cached by content hash) and returns the class directory. */
export function javaClasses(): string {
  if (compiled) return compiled;
  const sources = fs
    .readdirSync(JAVA_DIR)
    .filter((f) => f.endsWith('.java'))
    .sort()
    .map((f) => path.join(JAVA_DIR, f));
  const h = createHash('sha256');
  for (const s of sources) h.update(fs.readFileSync(s));
  const dir = path.join(os.tmpdir(), `kyso-java-${h.digest('hex').slice(0, 16)}`);
  if (!fs.existsSync(path.join(dir, '.done'))) {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kyso-javac-'));
    const r = run('javac', ['-nowarn', '-encoding', 'UTF-8', '-d', tmp, '-cp', JARS.join(':'), ...sources], {
      timeout: 300_000,
    });
    if (r.status !== 0) throw new Error(`javac failed:\n${r.stderr}`);
    fs.writeFileSync(path.join(tmp, '.done'), '');
    try {
      fs.renameSync(tmp, dir);
    } catch {
      // another fork compiled the same sources first
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  compiled = dir;
  return dir;
}

/** Runs a compiled oracle class with arguments; throws with its output when it exits non-zero and `check`. */
export function java(main: string, args: string[], check = true): RunResult {
  const cp = [javaClasses(), ...JARS].join(':');
  const r = run('java', ['-cp', cp, main, ...args], { timeout: 300_000 });
  if (check && r.status !== 0)
    throw new Error(`java ${main} ${args.join(' ')} failed:\n${r.stdout}\n${r.stderr}`);
  return r;
}
