/**
 * The `kyso` command table, lazily: every command is described by `CLI_MANIFEST` (generated data,
 * no imports) and its module is imported only when it runs. `kyso --help` loads the framework and
 * this table; `kyso verify chain` loads path validation, not the server, the PDF module or fonts;
 * `kyso xml …` loads @kyso/xml-sign (and the remote signer client, not pdf-sign or the server).
 * Regenerate the manifest after changing a command: `npm run build && node
 * packages/signing-server/scripts/cli-manifest.js` (test/cli-lazy.test.ts checks it is current).
 */
import type { Command, LazyCommand } from '@kyso/pki-core/cli';
import { CLI_MANIFEST, type CliManifestEntry } from './cli-manifest.js';

/** Loads the commands of one group (one module). */
export const CLI_GROUPS: Record<string, () => Promise<Command[]>> = {
  pki: async () => (await import('@kyso/pki-core/cli/pki')).pkiCommands,
  crl: async () => (await import('@kyso/pki-core/cli/crl')).crlCommands,
  'verify-chain': async () => [(await import('@kyso/pki-core/cli/verify-chain')).verifyChainCommand],
  cms: async () => (await import('@kyso/pki-core/cli/cms')).cmsCommands,
  ocsp: async () => (await import('@kyso/pki-core/cli/ocsp')).ocspCommands,
  ts: async () => (await import('@kyso/pki-core/cli/ts')).tsCommands,
  ers: async () => (await import('@kyso/pki-core/cli/ers')).ersCommands,
  'demo-certs': async () => [(await import('@kyso/pki-core/cli/demo-certs')).demoCertsCommand],
  lint: async () => (await import('@kyso/pki-core/cli/lint')).lintCommands,
  server: async () => (await import('./cli.js')).serverCommands,
  pdf: async () => (await import('./pdf-remote.js')).pdfCommandsWithRemote(),
  xml: async () => (await import('./xml-remote.js')).xmlCommandsWithRemote(),
};

/** The order groups appear in `kyso --help` (and in the manifest). */
export const CLI_GROUP_ORDER = Object.keys(CLI_GROUPS);

function lazy(e: CliManifestEntry): LazyCommand {
  const { group, ...meta } = e;
  return {
    ...meta,
    async load() {
      const loader = CLI_GROUPS[group];
      const cmd = loader && (await loader()).find((c) => c.path.join(' ') === e.path.join(' '));
      if (!cmd)
        throw new Error(`kyso: command "${e.path.join(' ')}" is in the manifest but not in group ${group}`);
      return cmd;
    },
  };
}

/** Every `kyso` command, each loading its module on first run. */
export function lazyCommands(): LazyCommand[] {
  return CLI_MANIFEST.map(lazy);
}

/** The manifest as it would be generated now (for scripts/cli-manifest.js and the test). */
export async function buildCliManifest(): Promise<CliManifestEntry[]> {
  const out: CliManifestEntry[] = [];
  for (const group of CLI_GROUP_ORDER) {
    for (const c of await CLI_GROUPS[group]!()) {
      const e: CliManifestEntry = { group, path: c.path, summary: c.summary, options: c.options };
      if (c.usage !== undefined) e.usage = c.usage;
      if (c.positionals !== undefined) e.positionals = c.positionals;
      out.push(e);
    }
  }
  return out;
}
