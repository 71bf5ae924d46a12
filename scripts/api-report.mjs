#!/usr/bin/env node
// API reports of the public entry points (docs/decisions.md, "The public surface in review"): @microsoft/api-extractor reads each
// entry's built .d.ts (npm run build first) and writes api/<entry>.api.md, the surface reviewers see.
//   node scripts/api-report.mjs          update api/*.api.md        (npm run api)
//   node scripts/api-report.mjs --check  fail when a report differs (npm run api:check, CI)
//   … [ENTRY …] [--dir DIR]             only these entries; reports in DIR instead of api/
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CompilerState, Extractor, ExtractorConfig } from '@microsoft/api-extractor';

import { ENTRIES, root } from './api-entries.mjs';

// Messages are not part of the report: it lists the surface only (forgotten exports and missing
// release tags would add hundreds of lines of noise; doc-comment coverage is counted by api-stats.mjs).
const quiet = { logLevel: 'none', addToApiReportFile: false };

function prepare(entry, temp, reportFolder) {
  const projectFolder = join(root, 'packages', entry.pkg);
  const config = ExtractorConfig.prepare({
    configObjectFullPath: join(projectFolder, 'api-extractor.json'), // virtual: nothing is read from it
    packageJsonFullPath: join(projectFolder, 'package.json'),
    configObject: {
      projectFolder,
      mainEntryPointFilePath: join(projectFolder, entry.dts),
      compiler: {
        overrideTsconfig: {
          compilerOptions: {
            target: 'es2022',
            module: 'nodenext',
            moduleResolution: 'nodenext',
            lib: ['es2023', 'dom'],
            types: ['node'],
            strict: true,
            skipLibCheck: true,
          },
          files: [join(projectFolder, entry.dts)],
        },
      },
      apiReport: {
        enabled: true,
        reportFileName: entry.report,
        reportFolder,
        reportTempFolder: temp,
      },
      docModel: { enabled: false },
      dtsRollup: { enabled: false },
      tsdocMetadata: { enabled: false },
      newlineKind: 'lf',
      messages: {
        compilerMessageReporting: { default: { logLevel: 'error' } },
        extractorMessageReporting: { default: quiet },
        tsdocMessageReporting: { default: quiet },
      },
    },
  });
  return config;
}

function run(config, compilerState, check) {
  const result = Extractor.invoke(config, {
    localBuild: !check,
    compilerState,
    messageCallback: (message) => {
      // "Analysis will use the bundled TypeScript version …" and similar chatter
      if (message.logLevel === 'info' || message.logLevel === 'verbose') message.handled = true;
    },
  });
  return { ok: result.succeeded && !(check && result.apiReportChanged), changed: result.apiReportChanged };
}

const args = process.argv.slice(2);
const check = args.includes('--check');
// --dir DIR: reports in DIR instead of api/ (the test of the check itself uses a copy).
const dirAt = args.indexOf('--dir');
const reportFolder = dirAt >= 0 ? resolve(args[dirAt + 1] ?? '') : join(root, 'api');
const only = args.filter((a, i) => !a.startsWith('--') && !(dirAt >= 0 && i === dirAt + 1));
mkdirSync(reportFolder, { recursive: true });
const temp = mkdtempSync(join(tmpdir(), 'kyso-api-'));
let failed = 0;
try {
  const selected = ENTRIES.filter((e) => only.length === 0 || only.includes(e.report));
  const configs = new Map(selected.map((e) => [e, prepare(e, temp, reportFolder)]));
  // One TypeScript program for all entry points (building it is the slow part of a run).
  const [first, ...rest] = selected;
  if (!first) throw new Error(`no entry point named ${only.join(', ')}`);
  const compilerState = CompilerState.create(configs.get(first), {
    additionalEntryPoints: rest.map((e) => configs.get(e).mainEntryPointFilePath),
  });
  for (const entry of selected) {
    const { ok, changed } = run(configs.get(entry), compilerState, check);
    if (!ok) failed++;
    const state = changed ? (check ? 'CHANGED' : 'updated') : 'unchanged';
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${entry.report}.api.md ${state}`);
  }
} finally {
  rmSync(temp, { recursive: true, force: true });
}
if (failed > 0) {
  console.error(
    check
      ? `${failed} API report(s) differ from the public surface: run \`npm run build && npm run api\` and commit api/`
      : `${failed} API report(s) failed`,
  );
  process.exit(1);
}
