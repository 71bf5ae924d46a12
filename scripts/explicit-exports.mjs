#!/usr/bin/env node
/**
 * Rewrites `export * from './m.js'` (and `export type * from`) in the given index.ts files into
 * explicit lists, `export { a, type B } from './m.js'`, with the TypeScript compiler API: the names
 * each statement contributes today (names another statement of the file already exports are left
 * to that statement; a name is `type` when it has no value meaning). The surface is unchanged:
 * `npm run api:check` passes before and after. Used once for issue 17 (docs/decisions.md, "Explicit
 * exports and subpath entries"); kept to expand a new entry written as `export *` while drafting.
 *
 *   node scripts/explicit-exports.mjs packages/pki-core/src/index.ts …   (then biome format --write)
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const files = process.argv.slice(2).map((f) => path.resolve(f));
if (files.length === 0) {
  console.error('usage: node scripts/explicit-exports.mjs FILE.ts …');
  process.exit(2);
}

const configPath = path.join(root, 'tsconfig.json');
const config = ts.getParsedCommandLineOfConfigFile(
  configPath,
  {},
  { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
);
const program = ts.createProgram(files, { ...config.options, noEmit: true });
const checker = program.getTypeChecker();
const resolve = (s) => (s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
/** `export type { X }` / `export { type X }` of a value: re-exported as a type only. */
const typeOnlyAlias = (s) =>
  (s.declarations ?? []).some((d) => ts.isExportSpecifier(d) && (d.isTypeOnly || d.parent.parent.isTypeOnly));

function isStar(st) {
  return ts.isExportDeclaration(st) && !st.exportClause && st.moduleSpecifier;
}

/** Names the file exports other than through `export * from`. */
function claimedNames(sf) {
  const names = new Set();
  for (const st of sf.statements) {
    if (ts.isExportDeclaration(st) && st.exportClause) {
      if (ts.isNamespaceExport(st.exportClause)) names.add(st.exportClause.name.text);
      else for (const el of st.exportClause.elements) names.add(el.name.text);
    } else if (
      ts.canHaveModifiers(st) &&
      ts.getModifiers(st)?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
    ) {
      if (st.name && ts.isIdentifier(st.name)) names.add(st.name.text);
      if (ts.isVariableStatement(st))
        for (const d of st.declarationList.declarations) if (ts.isIdentifier(d.name)) names.add(d.name.text);
    }
  }
  return names;
}

let changed = 0;
for (const file of files) {
  const sf = program.getSourceFile(file);
  if (!sf) throw new Error(`not in the program: ${file}`);
  const surface = new Map(
    checker.getExportsOfModule(checker.getSymbolAtLocation(sf)).map((s) => [s.name, resolve(s)]),
  );
  const claimed = claimedNames(sf);
  const edits = [];
  for (const st of sf.statements) {
    if (!isStar(st)) continue;
    const target = checker.getSymbolAtLocation(st.moduleSpecifier);
    if (!target) throw new Error(`${file}: cannot resolve ${st.moduleSpecifier.getText(sf)}`);
    const items = [];
    for (const s of checker.getExportsOfModule(target)) {
      const r = resolve(s);
      if (claimed.has(s.name)) continue;
      if (surface.get(s.name) !== r) {
        // Two `export *` with different declarations of one name: neither is exported (ES rules).
        console.warn(
          `${path.relative(root, file)}: ${s.name} from ${st.moduleSpecifier.getText(sf)} is ambiguous, left out`,
        );
        continue;
      }
      claimed.add(s.name);
      const typeOnly = st.isTypeOnly || typeOnlyAlias(s) || !(r.flags & ts.SymbolFlags.Value);
      items.push(typeOnly && !st.isTypeOnly ? `type ${s.name}` : s.name);
    }
    const spec = st.moduleSpecifier.getText(sf);
    // Only types: `export type { A, B }` (Biome's useExportType).
    const allTypes = st.isTypeOnly || items.every((i) => i.startsWith('type '));
    const names = allTypes ? items.map((i) => i.replace(/^type /, '')) : items;
    const text =
      items.length === 0 ? '' : `export ${allTypes ? 'type ' : ''}{ ${names.join(', ')} } from ${spec};`;
    edits.push({ start: st.getStart(sf), end: st.getEnd(), text });
  }
  if (edits.length === 0) continue;
  let out = sf.text;
  for (const e of edits.reverse()) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  fs.writeFileSync(file, out);
  changed++;
  console.log(`${path.relative(root, file)}: ${edits.length} export * rewritten`);
}
console.log(`${changed} file(s) changed`);
