/**
 * A software WebAuthn authenticator (ES256, P-256) for server-side tests: it builds registration
 * ("none" attestation) and assertion responses byte by byte (CBOR, authenticator data, client data),
 * so tests can craft what a browser never sends: another origin, no user verification, a counter
 * going backwards, a challenge for other hashes.
 */
import crypto from 'node:crypto';

/** Minimal CBOR encoder (unsigned/negative integers, byte and text strings, maps, arrays). */
export function cbor(v: unknown): Buffer {
  const head = (major: number, n: number): Buffer => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), v]);
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  if (v instanceof Map)
    return Buffer.concat([head(5, v.size), ...[...v].flatMap(([k, x]) => [cbor(k), cbor(x)])]);
  throw new Error('cbor: unsupported value');
}

const sha256 = (b: Uint8Array | string) => crypto.createHash('sha256').update(b).digest();
const FLAG = { UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40 };

export interface AssertOptions {
  origin?: string;
  rpId?: string;
  userVerified?: boolean;
  /** Sign counter to report (default: the next one). */
  counter?: number;
  type?: string;
}

export class SoftAuthenticator {
  readonly keys = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  readonly credentialId = crypto.randomBytes(32);
  counter = 0;
  constructor(
    readonly rpId: string,
    readonly origin: string,
    readonly flags: { backupEligible?: boolean; backedUp?: boolean } = {},
  ) {}

  get id(): string {
    return this.credentialId.toString('base64url');
  }

  #flags(uv: boolean, extra = 0): number {
    return (
      FLAG.UP |
      (uv ? FLAG.UV : 0) |
      (this.flags.backupEligible ? FLAG.BE : 0) |
      (this.flags.backedUp ? FLAG.BS : 0) |
      extra
    );
  }

  #clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
  }

  /** A registration response ("none" attestation) to creation options with this challenge. */
  register(challenge: string, opts: { userVerified?: boolean; origin?: string } = {}) {
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    const cose = cbor(
      new Map<number, unknown>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    );
    const count = Buffer.alloc(4);
    const idLen = Buffer.alloc(2);
    idLen.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      sha256(this.rpId),
      Buffer.from([this.#flags(opts.userVerified ?? true, FLAG.AT)]),
      count,
      Buffer.alloc(16), // AAGUID: zeros (software)
      idLen,
      this.credentialId,
      cose,
    ]);
    const attestationObject = cbor(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.#clientData('webauthn.create', challenge, opts.origin ?? this.origin);
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal'],
      },
    };
  }

  /** An assertion over this challenge (user verified, next counter, right origin unless told). */
  assert(challenge: string, o: AssertOptions = {}) {
    const counter = o.counter ?? ++this.counter;
    if (o.counter !== undefined) this.counter = Math.max(this.counter, o.counter);
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    const authData = Buffer.concat([
      sha256(o.rpId ?? this.rpId),
      Buffer.from([this.#flags(o.userVerified ?? true)]),
      count,
    ]);
    const clientDataJSON = this.#clientData(o.type ?? 'webauthn.get', challenge, o.origin ?? this.origin);
    const signature = crypto.sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      this.keys.privateKey,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
      },
    };
  }
}
