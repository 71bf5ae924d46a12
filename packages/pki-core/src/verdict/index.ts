/** The shared verdict model (ETSI EN 319 102-1), its reason mapping, the vi/en renderer and the TS 119 102-2 report. */
export * from './codes.js';
export * from './indication.js';
export * from './mapping.js';
export * from './verdict.js';
export * from './render.js';
export * from './etsi-report.js';
export * from './cms-report.js';
