import { PipelineCompileError } from '../../pipeline/pipeline-compile-error.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { AuthenticationBasicConfig } from './schema.js';

/** RFC 7617 §2: `Basic base64(user-id ":" password)`, UTF-8 (the charset every current client sends). */
export function basicCredentials(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * authentication-basic: sends the backend `Authorization: Basic …` built from username and
 * password (literals, `{{named values}}` or expressions), replacing any Authorization the caller
 * sent, as Azure does. Literal credentials are encoded once, at compile time.
 *
 * @example createAuthenticationBasic({ username: 'gateway', password: '{{orders-backend-password}}' }, deps)
 */
export function createAuthenticationBasic(config: AuthenticationBasicConfig, deps: StatementDeps): StatementHandler {
  const site = { policy: 'authentication-basic', path: deps.path };
  const username = deps.expressions.string(config.username, site);
  const password = deps.expressions.string(config.password, site);
  const where = `${deps.path} authentication-basic`;
  // A colon in a computed user name would move the split point: the backend would see another user.
  const badUsername = new PolicyError(
    'authentication-basic',
    'username-invalid',
    500,
    'The Basic user name computed for the backend contains ":".',
    where,
  );
  if (username.constant?.includes(':')) {
    throw new PipelineCompileError(`${where}: username: a Basic user name cannot contain ":" (after named values)`);
  }
  const constant =
    username.constant !== undefined && password.constant !== undefined
      ? [basicCredentials(username.constant, password.constant)]
      : undefined;

  return function authenticationBasic(ctx) {
    if (constant !== undefined) {
      ctx.request.headers.set('Authorization', constant);
      return Outcome.continue;
    }
    const user = username.evaluate(ctx);
    if (user.includes(':')) throw badUsername;
    ctx.request.headers.set('Authorization', [basicCredentials(user, password.evaluate(ctx))]);
    return Outcome.continue;
  };
}
