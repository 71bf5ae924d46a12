#!/usr/bin/env node
// Size and doc-comment coverage of the public entry points (npm run api:stats, after npm run build):
// per entry, the number of exported names (values / types) and how many exported declarations carry
// a doc comment (/** … */). Reads the built .d.ts like scripts/api-report.mjs.
import { join } from 'node:path';
import ts from 'typescript';
import { ENTRIES, root } from './api-entries.mjs';

const files = ENTRIES.map((e) => join(root, 'packages', e.pkg, e.dts));
const program = ts.createProgram(files, {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  skipLibCheck: true,
  noEmit: true,
});
const checker = program.getTypeChecker();

function documented(symbol) {
  if (symbol.getDocumentationComment(checker).length > 0) return true;
  return (symbol.declarations ?? []).some((d) => ts.getJSDocCommentsAndTags(d).length > 0);
}

// --missing ENTRY: list that entry's exported names without a doc comment (file, name) first.
const missingAt = process.argv.indexOf('--missing');
const missing = missingAt >= 0 ? process.argv[missingAt + 1] : undefined;
const rows = [];
for (const entry of ENTRIES) {
  const source = program.getSourceFile(join(root, 'packages', entry.pkg, entry.dts));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read ${entry.pkg}/${entry.dts} (npm run build first)`);
  let values = 0;
  let docs = 0;
  const exports = checker.getExportsOfModule(moduleSymbol);
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (symbol.flags & ts.SymbolFlags.Value) values++;
    if (documented(symbol)) docs++;
    else if (missing === entry.report) {
      const file = symbol.declarations?.[0]?.getSourceFile().fileName ?? '?';
      console.log(`${file.replace(`${root}/`, '')}\t${exported.name}`);
    }
  }
  rows.push({ entry: entry.report, names: exports.length, values, documented: docs });
}
const pct = (r) => `${Math.round((100 * r.documented) / Math.max(1, r.names))} %`;
console.log('| Entry | Exported names | Values | With doc comment |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) console.log(`| ${r.entry} | ${r.names} | ${r.values} | ${r.documented} (${pct(r)}) |`);
