/**
 * Route table entries of passkeys (issue 18): the enrolment pages, the page script, and the
 * operator's routes (enrolment codes, passkeys of a subscriber, factors of a credential).
 */
import { MAX_WEBAUTHN_RESPONSE } from '../services/passkeys.js';
import { obj, str } from './schema.js';
import type { RouteDoc } from './types.js';

const FORM = 'application/x-www-form-urlencoded';

export const PASSKEY_ROUTES: RouteDoc[] = [
  {
    method: 'get',
    path: '/passkey/enrol',
    summary: 'Passkey enrolment page: the subscriber types the enrolment code and her PIN',
    tag: 'csc',
    produces: 'text/html',
  },
  {
    method: 'post',
    path: '/passkey/enrol',
    summary:
      'Enrolment code + PIN (the PIN counts toward the lockout): answers the page that creates the passkey (WebAuthn registration, user verification required)',
    tag: 'csc',
    contentType: FORM,
    produces: 'text/html',
    body: obj({ code: str(100), pin: str(256), lang: str(10) }, ['code', 'pin']),
  },
  {
    method: 'post',
    path: '/passkey/enrol/finish',
    summary: 'The WebAuthn registration response: attestation checked against the policy, passkey stored',
    tag: 'csc',
    contentType: FORM,
    produces: 'text/html',
    body: obj({ ceremony: str(100), registration: str(MAX_WEBAUTHN_RESPONSE), lang: str(10) }, [
      'ceremony',
      'registration',
    ]),
  },
  {
    method: 'get',
    path: '/passkey/assets/webauthn.js',
    summary: 'The page script (@simplewebauthn/browser bundle, served from the server)',
    tag: 'csc',
    produces: 'text/javascript',
  },
  {
    method: 'post',
    path: '/admin/subscribers/:id/passkey-enrolment',
    summary:
      'Issue a single-use passkey enrolment code for the subscriber (shown once; give it to her in person or by the registered channel)',
    tag: 'admin',
    auth: 'operator',
    body: obj({}, [], false),
  },
  {
    method: 'get',
    path: '/admin/subscribers/:id/passkeys',
    summary: "The subscriber's passkeys (credential id, AAGUID, backup state, counter, transports)",
    tag: 'admin',
    auth: 'operator',
  },
  {
    method: 'post',
    path: '/admin/subscribers/:id/passkeys/:passkeyId/disable',
    summary: 'Disable a passkey (lost or replaced device): it no longer approves anything',
    tag: 'admin',
    auth: 'operator',
    body: obj({}, [], false),
  },
  {
    method: 'post',
    path: '/admin/credentials/:id/factors',
    summary:
      'Factors that approve an authorisation of the credential: pin+otp, passkey, or passkey+pin (passkey factors need an enrolled passkey)',
    tag: 'admin',
    auth: 'operator',
    body: obj(
      { factors: { type: 'string', enum: ['pin+otp', 'passkey', 'passkey+pin'] } },
      ['factors'],
      false,
    ),
  },
];
