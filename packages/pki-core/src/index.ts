export * from './errors.js';
export * from './bytes.js';
export * as der from './der.js';
export * from './pem.js';
export * from './oids.js';
