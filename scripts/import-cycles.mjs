#!/usr/bin/env node
/**
 * Finds import cycles between the files of packages/<pkg>/src (relative imports and re-exports,
 * `import type` included, dynamic `import()` excluded: a lazy import breaks no load order), with
 * the TypeScript compiler API. Prints each cycle (a strongly connected component of more than one
 * file, or a file importing itself) and exits 1 when there is one.
 *
 *   node scripts/import-cycles.mjs [--json]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function* sourceFiles(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sourceFiles(p);
    else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** Static relative import specifiers of a file (import / export ... from). */
function staticImports(file) {
  const sf = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out = [];
  for (const st of sf.statements) {
    if ((ts.isImportDeclaration(st) || ts.isExportDeclaration(st)) && st.moduleSpecifier) {
      const spec = st.moduleSpecifier.text;
      if (spec.startsWith('.')) out.push(spec);
    }
  }
  return out;
}

function resolve(from, spec) {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base.replace(/\.js$/, '.ts'), `${base}.ts`, path.join(base, 'index.ts')])
    if (fs.existsSync(c)) return c;
  return undefined;
}

/** The import graph of packages/<pkg>/src and its cycles (Tarjan's strongly connected components). */
export function importCycles() {
  const graph = new Map();
  const pkgs = path.join(root, 'packages');
  for (const pkg of fs.readdirSync(pkgs).sort()) {
    const src = path.join(pkgs, pkg, 'src');
    if (!fs.existsSync(src)) continue;
    for (const f of sourceFiles(src))
      graph.set(f, [
        ...new Set(
          staticImports(f)
            .map((s) => resolve(f, s))
            .filter(Boolean),
        ),
      ]);
  }
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const cycles = [];
  const strong = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const comp = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (graph.get(v) ?? []).includes(v))
        cycles.push(comp.map((f) => path.relative(root, f).split(path.sep).join('/')).sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) strong(v);
  return { files: graph.size, cycles };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const r = importCycles();
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  else {
    for (const c of r.cycles) process.stdout.write(`cycle (${c.length} files): ${c.join(' -> ')}\n`);
    process.stdout.write(`${r.files} files, ${r.cycles.length} import cycle(s)\n`);
  }
  if (r.cycles.length) process.exitCode = 1;
}
