import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Secrets must never reach the logs. Redaction covers the field names that carry them
 * anywhere in a logged object; code must still never interpolate a secret into a message.
 */
const REDACT = [
  'password',
  'newPassword',
  'currentPassword',
  'token',
  'secret',
  'authorization',
  'cookie',
  'set-cookie',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.token',
  '*.secret',
  '*.authorization',
  '*.cookie',
  '*["set-cookie"]',
  '*.*.password',
  '*.*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { service: 'control-plane' } }, destination);
}
