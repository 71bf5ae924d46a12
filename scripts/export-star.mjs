#!/usr/bin/env node
/**
 * Entry files list their exports (issue 17, docs/decisions.md "Explicit exports and subpath
 * entries"): fails when a packages/<pkg>/src/**\/index.ts, or a file a package.json "exports" entry
 * points at, has `export * from` or `export type * from`. A namespace export (`export * as der
 * from`) names one export and is allowed. Run by `npm run check:structure`.
 *
 *   node scripts/export-star.mjs [--root DIR]   (DIR: another repository layout, for the test)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const at = process.argv.indexOf('--root');
const root =
  at >= 0
    ? path.resolve(process.argv[at + 1] ?? '.')
    : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function* indexFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* indexFiles(p);
    else if (e.name === 'index.ts') yield p;
  }
}

/** The source files behind a package's "exports" (dist/x.js or dist/x.d.ts -> src/x.ts), wildcards left out. */
function exportedSources(pkgDir) {
  const file = path.join(pkgDir, 'package.json');
  if (!fs.existsSync(file)) return [];
  const targets = [];
  const walk = (v) => {
    if (typeof v === 'string') targets.push(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v)) walk(x);
  };
  walk(JSON.parse(fs.readFileSync(file, 'utf8')).exports);
  return targets
    .filter((t) => t.startsWith('./dist/') && !t.includes('*'))
    .map((t) => path.join(pkgDir, 'src', t.slice('./dist/'.length).replace(/(\.d)?\.js$|\.d\.ts$/, '.ts')))
    .filter((f) => fs.existsSync(f));
}

const packages = path.join(root, 'packages');
const files = new Set();
for (const pkg of fs.readdirSync(packages)) {
  const src = path.join(packages, pkg, 'src');
  if (!fs.existsSync(src)) continue;
  for (const f of indexFiles(src)) files.add(f);
  for (const f of exportedSources(path.join(packages, pkg))) files.add(f);
}

const problems = [];
for (const file of [...files].sort()) {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) && !st.exportClause && st.moduleSpecifier) {
      const line = sf.getLineAndCharacterOfPosition(st.getStart(sf)).line + 1;
      problems.push(`${path.relative(root, file)}:${line}: ${st.getText(sf).replace(/\s+/g, ' ')}`);
    }
  }
}
for (const p of problems) console.log(p);
console.log(`${files.size} entry file(s), ${problems.length} export *`);
if (problems.length > 0) {
  console.log(
    'List the names instead: node scripts/explicit-exports.mjs FILE rewrites an export * into them.',
  );
  process.exit(1);
}
