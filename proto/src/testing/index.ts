/** Test utilities of the wire contract, for every package's tests (never imported by production code). */
export * from './nats-server.js';
