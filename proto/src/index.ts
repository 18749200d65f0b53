/**
 * The wire contract between the control plane and gateway agents (DESIGN §6, §9): protobuf
 * messages and their generated TypeScript. Encode with `toBinary(Schema, message)`, decode
 * with `fromBinary(Schema, bytes)` from `@bufbuild/protobuf`.
 */
export * from '../gen/portico/config/v1/view_pb.js';
export * from '../gen/portico/config/v1/distribution_pb.js';
export * from '../gen/portico/fleet/v1/heartbeat_pb.js';
export * from '../gen/portico/telemetry/v1/telemetry_pb.js';
export * from '../gen/portico/fleet/v1/quota_pb.js';
