export * from './subjects.js';
export * from './transport.js';
export * from './in-process-transport.js';
export * from './nats-connection.js';
export * from './nats-control-plane.js';
export * from './nats-agent.js';
export * from './snapshot-chunks.js';
export * from './apply-delta.js';
