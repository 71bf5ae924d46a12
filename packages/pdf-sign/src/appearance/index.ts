// Decree 30/2020 visible-signature appearances, embedded fonts, images, layout.
export * from './decree30.js';
export * from './fonts.js';
export * from './images.js';
export * from './layout.js';
