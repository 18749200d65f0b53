/** Public entry of the gateway package. */
export * from './schemas.js';
