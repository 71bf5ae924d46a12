export * from './errors.js';
export * from './bytes.js';
export * as der from './der.js';
export * from './pem.js';
export * from './oids.js';
export * from './name.js';
export * from './x509/general-name.js';
export * from './x509/extensions.js';
export * from './x509/certificate.js';
