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
 * subscriber on the server's /approve page. Give it to pdf-sign's `createPdfCommands` as
 * `remoteSignerFactory` to enable `kyso pdf sign --remote URL --credential ID`.
 *
 * Per signature: CSC v2 credentials/authorize with operationMode "A" (202 + handle, the file name
 * as the hash's label), a notice on stderr with the digest the page shows, credentials/authorizeCheck
 * polled every `pollIntervalMs` until the SAD (single use, bound to that one hash), then
 * signatures/signHash. The OAuth 2.0 client secret comes from the CLI's --client-secret-file.
 *
 * The signer it makes fails with pdf-sign's `RemoteSigningError`: exit code 2 without client
 * credentials; 1 when the subscriber refuses (403 access_denied), the request expires
 * (expired_token), the server refuses otherwise or cannot be reached, or no approval comes within
 * --approval-timeout; 130 on Ctrl-C. Nothing is signed in any of these cases.
 */
export function cscRemoteSignerFactory(options: CscRemoteSignerFactoryOptions = {}): RemoteSignerFactory {
  return (req: RemoteSignerRequest): Promise<Signer> =>
    openApprovedRemoteSigner(req, RemoteSigningError, options);
}

/** pdf-sign's commands with `kyso pdf sign --remote` enabled (what the `kyso` binary serves). */
export function pdfCommandsWithRemote(options: CscRemoteSignerFactoryOptions = {}): Command[] {
  return createPdfCommands({ remoteSignerFactory: cscRemoteSignerFactory(options) });
}
