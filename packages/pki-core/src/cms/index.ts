/** CMS SignedData and CAdES baseline signatures: signing (two-step), verification, levels. */
export * from './signed-data.js';
export * from './sign.js';
export * from './verify.js';
export * from './cades.js';
export * from './archive.js';
export { httpTimeStamper, type HttpTimeStamperOptions } from './http-tsa.js';
export { berElementLength, normalizeBer } from './ber.js';
