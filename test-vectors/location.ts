/**
 * Where the upstream conformance data lives. It is read in place, never copied into the project:
 * `../shared/test-vectors` next to the checkout (the workspace layout), found by walking up from
 * the repository root, or `KYSO_TEST_VECTORS`, or the workspace's `/work/shared/test-vectors`.
 * A missing data set fails loudly rather than silently skipping the conformance suites.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function findVectors(): string {
  const candidates: string[] = [];
  if (process.env.KYSO_TEST_VECTORS) candidates.push(path.resolve(process.env.KYSO_TEST_VECTORS));
  let dir = repoRoot;
  for (let i = 0; i < 4; i++) {
    dir = path.dirname(dir);
    candidates.push(path.join(dir, 'shared', 'test-vectors'));
  }
  candidates.push('/work/shared/test-vectors');
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'README.md')));
  if (!found) {
    throw new Error(
      `upstream test vectors not found (looked in ${candidates.join(', ')}); set KYSO_TEST_VECTORS to the shared/test-vectors folder`,
    );
  }
  return found;
}

/** Absolute path of the shared test-vectors folder. */
export const vectorsDir = findVectors();
