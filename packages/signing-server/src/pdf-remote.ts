/**
 * `kyso pdf sign IN --out OUT --remote URL --credential ID`: pdf-sign's commands with the remote
 * signer factory of remote-approval.ts (pdf-sign cannot depend on this package; the same factory
 * serves `kyso xml sign --remote`). Node only.
 */
import { createPdfCommands } from '@kyso/pdf-sign/cli';
import type { Command } from '@kyso/pki-core/cli';
import { type CscRemoteSignerFactoryOptions, cscRemoteSignerFactory } from './remote-approval.js';

/** pdf-sign's commands with `kyso pdf sign --remote` enabled (what the `kyso` binary serves). */
export function pdfCommandsWithRemote(options: CscRemoteSignerFactoryOptions = {}): Command[] {
  return createPdfCommands({ remoteSignerFactory: cscRemoteSignerFactory(options) });
}
