/**
 * `kyso pdf sign IN --out OUT --remote URL --credential ID`: the remote signer factory that the
 * `kyso` binary gives pdf-sign's CLI (pdf-sign cannot depend on this package). Node only. The
 * approval flow itself is in remote-approval.ts (shared with `kyso xml sign --remote`).
 */
import {
  createPdfCommands,
  type RemoteSignerFactory,
  type RemoteSignerRequest,
  RemoteSigningError,
} from '@kyso/pdf-sign/cli';
import type { Signer } from '@kyso/pki-core';
import type { Command } from '@kyso/pki-core/cli';
import { type CscRemoteSignerFactoryOptions, openApprovedRemoteSigner } from './remote-approval.js';

export type { CscRemoteSignerFactoryOptions } from './remote-approval.js';

/**
 * The SDK-based factory: a `RemoteSigner` whose every signature is approved asynchronously by the
 * subscriber on the server's /approve page.
 */
export function cscRemoteSignerFactory(options: CscRemoteSignerFactoryOptions = {}): RemoteSignerFactory {
  return (req: RemoteSignerRequest): Promise<Signer> =>
    openApprovedRemoteSigner(req, RemoteSigningError, options);
}

/** pdf-sign's commands with `kyso pdf sign --remote` enabled (what the `kyso` binary serves). */
export function pdfCommandsWithRemote(options: CscRemoteSignerFactoryOptions = {}): Command[] {
  return createPdfCommands({ remoteSignerFactory: cscRemoteSignerFactory(options) });
}
