import type { CompiledValue } from '../../expressions/compile-expression.js';
import type { PolicyContext, PolicyRequest, PolicyResponse } from '../../pipeline/policy-context.js';
import { PolicyError } from '../../pipeline/policy-error.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import { declareBodyRead } from '../set-body/message-body.js';
import { BodyDecodingError, decodeBody } from './body-decoding.js';
import { mediaTypeOf, operationBodies, type Representation, type Representations } from './operation-schemas.js';
import { lowerCaseInstance, lowerCasePropertyNames, overrideAdditionalProperties } from './schema-overrides.js';
import { describeSchemaError, schemaValidators, type CompiledSchema } from './schema-validators.js';
import type { ValidateContentConfig } from './schema.js';

/** One validation error as `errors-variable-name` holds it, after Azure's validation errors. */
export interface ContentValidationError {
  /** The content type concerned, '' for the size. */
  readonly name: string;
  readonly type: 'RequestBody' | 'ResponseBody';
  readonly validationRule: 'SizeLimit' | 'Unspecified' | 'MissingDefinition' | 'IncorrectMessage' | 'ValidationException';
  readonly details: string;
  readonly action: 'detect' | 'prevent';
}

const REASONS: Record<ContentValidationError['validationRule'], string> = {
  SizeLimit: 'body-too-large',
  Unspecified: 'unspecified-content-type',
  MissingDefinition: 'schema-not-found',
  IncorrectMessage: 'body-does-not-match-schema',
  ValidationException: 'body-not-validated',
};

// Messages name where a body fails, never its content, and stay short enough for a log line.
const MAX_DETAILS = 512;
/** Deepest JSON nesting validated: the validator recurses on it. */
export const MAX_JSON_DEPTH = 128;

function bounded(text: string): string {
  return text.length <= MAX_DETAILS ? text : `${text.slice(0, MAX_DETAILS - 1)}…`;
}

/** Whether JSON text nests objects and arrays deeper than `limit`, strings skipped. */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** How a content type of the API definition is validated; null when no content rule applies. */
interface BodyCheck {
  readonly action: 'detect' | 'prevent';
  /** undefined when the definition gives no schema for the content type. */
  readonly compiled: CompiledSchema | undefined;
  readonly caseInsensitive: boolean;
}

interface TypeMapping {
  readonly from: string | undefined;
  readonly when: CompiledValue<boolean> | undefined;
  readonly to: string;
}

/**
 * validate-content: checks the size, content type and JSON body of the request (inbound) or the
 * response (outbound, on-error) against the operation's API definition, as Azure does. Each check
 * has an action: ignore, detect (record the error in `errors-variable-name` and the log, and go
 * on) or prevent (record it, then fail: 400 for a request, 502 for a response, through on-error).
 * Schemas are compiled when the config is applied, once per distinct schema in the process.
 *
 * @example createValidateContent({ 'unspecified-content-type-action': 'prevent', 'max-size': 102400, 'size-exceeded-action': 'prevent', content: [{ type: 'application/json', 'validate-as': 'json', action: 'prevent', 'case-insensitive-property-names': false }] }, deps)
 */
export function createValidateContent(config: ValidateContentConfig, deps: StatementDeps): StatementHandler {
  const response = declareBodyRead(deps);
  const site = { policy: 'validate-content', path: deps.path };
  const where = `${deps.path} validate-content`;
  const whose = response ? 'response' : 'request';
  const type = response ? 'ResponseBody' : 'RequestBody';
  const status = response ? 502 : 400;
  const maxSize = config['max-size'];
  const sizeAction = config['size-exceeded-action'];
  const unspecifiedAction = config['unspecified-content-type-action'];
  const variable = config['errors-variable-name'];
  const map = config['content-type-map'];
  const anyType = map?.['any-content-type-value']?.toLowerCase();
  const missingType = map?.['missing-content-type-value']?.toLowerCase();
  const mappings: TypeMapping[] = (map?.type ?? []).map((mapping) => ({
    from: mapping.from?.toLowerCase(),
    when: mapping.when === undefined ? undefined : deps.expressions.bool(mapping.when, site),
    to: mapping.to.toLowerCase(),
  }));
  const validators = deps.services.get(schemaValidators);
  const rules = config.content ?? [];

  function checkFor(representation: Representation): BodyCheck | null {
    const rule = rules.find(
      (candidate) => candidate.type === undefined || candidate.type.toLowerCase() === representation.contentType,
    );
    if (rule === undefined || rule.action === 'ignore') return null;
    const caseInsensitive = rule['case-insensitive-property-names'];
    if (representation.schema === undefined) return { action: rule.action, compiled: undefined, caseInsensitive };
    let schema: unknown = representation.schema;
    if (rule['allow-additional-properties'] !== undefined)
      schema = overrideAdditionalProperties(schema, rule['allow-additional-properties']);
    if (caseInsensitive) schema = lowerCasePropertyNames(schema);
    const compiled = validators.compile(schema);
    if (compiled.problem !== undefined) {
      deps.logger.warn(
        { statementId: deps.statementId, contentType: representation.contentType, problem: compiled.problem },
        'validate-content: the API schema cannot be compiled; bodies of this type will fail validation',
      );
    }
    return { action: rule.action, compiled, caseInsensitive };
  }
  const checksOf = (representations: Representations) =>
    new Map([...representations].map(([contentType, representation]) => [contentType, checkFor(representation)]));
  const bodies = operationBodies(deps.operation);
  const requestChecks = checksOf(bodies.request);
  const responseChecks = new Map([...bodies.responses].map(([code, representations]) => [code, checksOf(representations)]));
  const defaultChecks = checksOf(bodies.defaultResponse);

  function report(
    ctx: PolicyContext,
    action: 'detect' | 'prevent',
    error: Omit<ContentValidationError, 'type' | 'action'>,
  ): void {
    const entry: ContentValidationError = { ...error, details: bounded(error.details), type, action };
    if (variable !== undefined) {
      const recorded = ctx.variables.get(variable);
      if (Array.isArray(recorded)) recorded.push(entry);
      else ctx.variables.set(variable, [entry]);
    }
    if (action === 'prevent')
      throw new PolicyError('validate-content', REASONS[error.validationRule], status, entry.details, where);
    deps.logger.warn(
      { requestId: ctx.requestId, statementId: deps.statementId, error: entry },
      'validate-content detected an invalid body',
    );
  }

  function mappedType(ctx: PolicyContext, contentType: string): string {
    if (anyType !== undefined) return anyType;
    if (contentType === '') return missingType ?? '';
    for (const mapping of mappings) {
      if (mapping.from !== undefined ? mapping.from === contentType : mapping.when!.evaluate(ctx)) return mapping.to;
    }
    return contentType;
  }

  function validateJson(ctx: PolicyContext, check: BodyCheck, contentType: string, body: Buffer): void {
    const fail = (validationRule: ContentValidationError['validationRule'], details: string) =>
      report(ctx, check.action, { name: contentType, validationRule, details });
    if (check.compiled === undefined)
      return fail('MissingDefinition', `The API definition gives no schema for ${whose} bodies of type ${contentType}.`);
    if (check.compiled.problem !== undefined) {
      return fail(
        'ValidationException',
        `The ${whose} body cannot be validated: the API schema for ${contentType} is not usable (${check.compiled.problem}).`,
      );
    }
    const text = body.toString('utf8');
    if (nestsDeeperThan(text, MAX_JSON_DEPTH))
      return fail('IncorrectMessage', `The ${whose} body nests deeper than ${MAX_JSON_DEPTH} levels.`);
    let instance: unknown;
    try {
      instance = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (error) {
      return fail('IncorrectMessage', `The ${whose} body is not valid JSON: ${(error as Error).message}`);
    }
    const validate = check.compiled.validate;
    if (validate(check.caseInsensitive ? lowerCaseInstance(instance) : instance)) return;
    const problems = (validate.errors ?? []).map(describeSchemaError).join('; ');
    fail('IncorrectMessage', `The ${whose} body does not match the API schema for ${contentType}: ${problems}`);
  }

  return function validateContent(ctx) {
    const message: PolicyRequest | PolicyResponse | undefined = response ? ctx.response : ctx.request;
    if (message === undefined) return Outcome.continue;
    const headers = message.headers;
    let body = message.body;
    let undecodable: string | undefined;
    let decompressedTooLarge = false;
    if (body !== undefined && body.length > 0) {
      try {
        body = decodeBody(body, headers.first('content-encoding'), maxSize);
      } catch (error) {
        if (!(error instanceof BodyDecodingError)) throw error;
        if (error.tooLarge) decompressedTooLarge = true;
        else undecodable = error.message;
        body = undefined;
      }
    }
    const declaredLength = Number(headers.first('content-length') ?? 0);
    const size = body?.length ?? (Number.isFinite(declaredLength) ? declaredLength : 0);
    if ((decompressedTooLarge || size > maxSize) && sizeAction !== 'ignore') {
      report(ctx, sizeAction, {
        name: '',
        validationRule: 'SizeLimit',
        details: decompressedTooLarge
          ? `The ${whose} body is larger than the ${maxSize} bytes allowed once decompressed.`
          : `The ${whose} body is ${size} bytes, larger than the ${maxSize} allowed.`,
      });
    }
    const sent = mediaTypeOf(headers.first('content-type') ?? '');
    if (sent === '' && size === 0) return Outcome.continue;
    const contentType = mappedType(ctx, sent);
    const checks = response ? (responseChecks.get(ctx.response!.status) ?? defaultChecks) : requestChecks;
    const check = checks.get(contentType);
    if (check === undefined) {
      if (unspecifiedAction !== 'ignore') {
        const named = contentType === '' ? 'no content type' : `content type ${contentType}`;
        report(ctx, unspecifiedAction, {
          name: contentType,
          validationRule: 'Unspecified',
          details: `The ${whose} has ${named}, which the API definition does not specify.`,
        });
      }
      return Outcome.continue;
    }
    if (check === null) return Outcome.continue;
    if (undecodable !== undefined) {
      report(ctx, check.action, {
        name: contentType,
        validationRule: 'ValidationException',
        details: `The ${whose} body cannot be validated: ${undecodable}.`,
      });
    } else if (body !== undefined && body.length > 0) validateJson(ctx, check, contentType, body);
    return Outcome.continue;
  };
}
