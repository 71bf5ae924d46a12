import type { KeySpec } from '../crypto/types.js';
import { UsageError } from './framework.js';

export const KEY_TYPES = ['ec-p256', 'ec-p384', 'ec-p521', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'ed25519'] as const;

export function parseKeyType(t: string): KeySpec {
  switch (t.toLowerCase()) {
    case 'ec-p256':
    case 'p-256':
    case 'p256':
    case 'ec':
      return { type: 'EC', curve: 'P-256' };
    case 'ec-p384':
    case 'p-384':
      return { type: 'EC', curve: 'P-384' };
    case 'ec-p521':
    case 'p-521':
      return { type: 'EC', curve: 'P-521' };
    case 'rsa-2048':
    case 'rsa':
      return { type: 'RSA', modulusLength: 2048 };
    case 'rsa-3072':
      return { type: 'RSA', modulusLength: 3072 };
    case 'rsa-4096':
      return { type: 'RSA', modulusLength: 4096 };
    case 'ed25519':
      return { type: 'Ed25519' };
    default:
      throw new UsageError(`unknown key type ${t}; one of ${KEY_TYPES.join(', ')}`);
  }
}
