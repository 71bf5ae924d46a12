/** PDF signature verification: integrity, the full PAdES verifier, modification analysis, reports. */
export * from './signatures.js';
export * from './source.js';
export * from './integrity.js';
export * from './modifications.js';
export * from './pades.js';
export * from './render.js';
export * from './verdict.js';
