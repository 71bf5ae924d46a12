/**
 * `kyso xml sign|countersign IN --out OUT --remote URL --credential ID`: the remote signer factory
 * that the `kyso` binary gives xml-sign's CLI (xml-sign cannot depend on this package). Node only.
 * The XML is prepared locally through xml-sign's Signer seam; only the hash of the canonical
 * SignedInfo goes to the server, after the subscriber's approval on `<URL>/approve`
 * (remote-approval.ts, the flow of `kyso pdf sign --remote`). Imports no pdf-sign.
 */
import type { Command } from '@kyso/pki-core/cli';
import { createXmlCommands } from '@kyso/xml-sign/cli';
import { type CscRemoteSignerFactoryOptions, cscRemoteSignerFactory } from './remote-approval.js';

/** xml-sign's commands with `--remote` enabled on `xml sign` and `xml countersign`. */
export function xmlCommandsWithRemote(options: CscRemoteSignerFactoryOptions = {}): Command[] {
  return createXmlCommands({ remoteSignerFactory: cscRemoteSignerFactory(options) });
}
