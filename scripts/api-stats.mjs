#!/usr/bin/env node
// Size and doc-comment coverage of the public entry points (npm run api:stats, after npm run build):
// per entry, the number of exported names (values / types) and how many exported declarations carry
// a doc comment (/** … */), and the same for the public members of exported classes and interfaces
// (reported, not checked). Reads the built .d.ts like scripts/api-report.mjs.
//   node scripts/api-stats.mjs                  the table
//   node scripts/api-stats.mjs --missing ENTRY  that entry's exported names without a doc comment
//   node scripts/api-stats.mjs --check          fail (exit 1) when an entry is below its package's
//                                               figure in DOC_COVERAGE (npm run api:docs, CI)
//   node scripts/api-stats.mjs --min PERCENT    the same with one figure for every entry
import { join } from 'node:path';
import ts from 'typescript';
import { DOC_COVERAGE, ENTRIES, root } from './api-entries.mjs';

function usage(message) {
  console.error(`api-stats: ${message}`);
  console.error('usage: node scripts/api-stats.mjs [--missing ENTRY] [--check | --min PERCENT]');
  process.exit(2);
}

const args = process.argv.slice(2);
let missing;
let check = false;
let min;
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--missing') {
    missing = args[++i];
    if (!ENTRIES.some((e) => e.report === missing))
      usage(`--missing needs an entry: ${ENTRIES.map((e) => e.report).join(', ')}`);
  } else if (a === '--check') check = true;
  else if (a === '--min') {
    min = Number(args[++i]);
    if (!(min >= 0 && min <= 100)) usage('--min needs a percentage between 0 and 100');
    check = true;
  } else usage(`unknown argument ${a}`);
}

/** The least coverage (percent) an entry must reach: --min, else its entry's, else its package's figure. */
function threshold(entry) {
  if (min !== undefined) return min;
  const t = DOC_COVERAGE[entry.report] ?? DOC_COVERAGE[entry.pkg];
  if (typeof t !== 'number') usage(`no DOC_COVERAGE figure for ${entry.report} (scripts/api-entries.mjs)`);
  return t;
}

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

/** A namespace re-export (`export * as der from`) is documented by the comment on that statement. */
function documentedReexport(exported) {
  return (exported.declarations ?? []).some(
    (d) => ts.isNamespaceExport(d) && ts.getJSDocCommentsAndTags(d.parent).length > 0,
  );
}

/**
 * Public members (properties, methods, accessors) of an exported class or interface, and how many
 * carry a doc comment: reported beside the names, not checked (a `kind` discriminant needs none).
 */
function memberCoverage(symbol) {
  let members = 0;
  let docs = 0;
  if (!(symbol.flags & (ts.SymbolFlags.Class | ts.SymbolFlags.Interface))) return { members, docs };
  for (const [name, member] of symbol.members ?? []) {
    if (name === '__constructor' || name === '__index' || name.startsWith('__#')) continue;
    const d = member.declarations?.[0];
    if (d && ts.getCombinedModifierFlags(d) & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected))
      continue;
    members++;
    if (documented(member)) docs++;
  }
  return { members, docs };
}

const rows = [];
for (const entry of ENTRIES) {
  const source = program.getSourceFile(join(root, 'packages', entry.pkg, entry.dts));
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read ${entry.pkg}/${entry.dts} (npm run build first)`);
  let values = 0;
  let docs = 0;
  let members = 0;
  let memberDocs = 0;
  const undocumented = [];
  const exports = checker.getExportsOfModule(moduleSymbol);
  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    if (symbol.flags & ts.SymbolFlags.Value) values++;
    const m = memberCoverage(symbol);
    members += m.members;
    memberDocs += m.docs;
    if (documented(symbol) || documentedReexport(exported)) docs++;
    else {
      const file = symbol.declarations?.[0]?.getSourceFile().fileName ?? '?';
      undocumented.push(`${file.replace(`${root}/`, '')}\t${exported.name}`);
    }
  }
  if (missing === entry.report) for (const line of undocumented) console.log(line);
  rows.push({ entry, names: exports.length, values, documented: docs, undocumented, members, memberDocs });
}
const percent = (r) => (100 * r.documented) / Math.max(1, r.names);
const pct = (r) => `${Math.floor(percent(r))} %`;
const memberPct = (r) => `${Math.floor((100 * r.memberDocs) / Math.max(1, r.members))} %`;
console.log(
  `| Entry | Exported names | Values | With doc comment | Class/interface members | With doc comment |${check ? ' Least accepted |' : ''}`,
);
console.log(`| --- | ---: | ---: | ---: | ---: | ---: |${check ? ' ---: |' : ''}`);
for (const r of rows) {
  const least = check ? ` ${threshold(r.entry)} % |` : '';
  console.log(
    `| ${r.entry.report} | ${r.names} | ${r.values} | ${r.documented} (${pct(r)}) | ${r.members} | ${r.memberDocs} (${memberPct(r)}) |${least}`,
  );
}

if (check) {
  // Exact comparison (no rounding): 100 means every exported name is documented.
  const below = rows.filter((r) => percent(r) < threshold(r.entry));
  for (const r of below) {
    console.error(
      `\napi-stats: ${r.entry.report} has ${r.documented} of ${r.names} exported names documented (${percent(r).toFixed(1)} %), below ${threshold(r.entry)} %. Without a doc comment:`,
    );
    for (const line of r.undocumented) console.error(`  ${line}`);
  }
  if (below.length > 0) {
    console.error(
      '\nWrite a /** … */ doc comment on each (what it does, units, defaults, errors, the standard it implements),',
    );
    console.error(
      'then npm run build && npm run api:docs. Figures per package: DOC_COVERAGE in scripts/api-entries.mjs.',
    );
    process.exit(1);
  }
  console.log(
    `\napi-stats: every entry at or above its figure (${min !== undefined ? `--min ${min}` : 'DOC_COVERAGE'}).`,
  );
}
