import type { ParseResult } from '@marcbachmann/cel-js';
import type { PolicyContext } from '../pipeline/policy-context.js';
import { checkExpression, type ExpressionType } from './check-expression.js';
import { checkExpressionCost, isCostProblem } from './expression-cost.js';
import { compileDirectRead, DEFER, type DirectRead } from './direct-expression.js';
import { ExpressionCompileError, ExpressionError, ExpressionFailure } from './expression-error.js';
import { expressionScope } from './expression-scope.js';
import { createPolicyExpressionEnvironment } from './policy-expression-environment.js';

/**
 * The evaluation budget. Static rules (expression-cost.ts, checked at write time and here) keep
 * every evaluation linear in its inputs; these bound the inputs and catch what slips through.
 */
export interface ExpressionBudget {
  /** Largest request body an expression may read (`request.body`); larger: budget exceeded. */
  readonly maxBodyBytes: number;
  /**
   * Longest an iterating expression (comprehension, `matches`) may take, checked after it ran:
   * it cannot interrupt a synchronous evaluation, but reports one that the static rules let
   * grow (a big JSON body walked by `map`) as `expression-budget-exceeded` instead of letting
   * its result through.
   */
  readonly maxMillis: number;
}

export const defaultExpressionBudget: ExpressionBudget = { maxBodyBytes: 64 * 1024, maxMillis: 5 };

/** A compiled value slot: a constant or an expression, evaluated against one exchange. */
export interface CompiledValue<T> {
  /** The value when it does not depend on the exchange (a literal), else undefined. */
  readonly constant: T | undefined;
  evaluate(ctx: PolicyContext): T;
}

/** Where a value sits, for messages and `context.lastError`. */
export interface ValueSite {
  /** The policy name: `set-header`. */
  readonly policy: string;
  /** `inbound[2]`. */
  readonly path: string;
}

export interface ExpressionCompiler {
  readonly budget: ExpressionBudget;
  /**
   * How many compiled expressions read `request.body` so far: a pipeline compiled between two
   * readings that differ needs its request body buffered.
   */
  readonly requestBodyReaders: number;
  /** The same count for `response.body`: the pipeline then needs the backend's body buffered. */
  readonly responseBodyReaders: number;
  string(written: string, site: ValueSite): CompiledValue<string>;
  int(written: number | string, site: ValueSite): CompiledValue<number>;
  bool(written: boolean | string, site: ValueSite): CompiledValue<boolean>;
  /** Any CEL value; literal strings get named values substituted. */
  dyn(written: string | number | boolean, site: ValueSite): CompiledValue<unknown>;
}

// One runtime environment per process, built like the write-time one: what validates is what runs.
const environment = createPolicyExpressionEnvironment();

const NAMED_VALUE = /\{\{([A-Za-z0-9._-]+)\}\}/g;

/** Replaces every `{{name}}` with its named value; an unknown name is a compile error. */
export function substituteNamedValues(text: string, namedValues: ReadonlyMap<string, string>): string {
  if (!text.includes('{{')) return text;
  return text.replace(NAMED_VALUE, (_match, name: string) => {
    const value = namedValues.get(name);
    if (value === undefined) throw new ExpressionCompileError(`named value '${name}' is not defined`);
    return value;
  });
}

class Constant<T> implements CompiledValue<T> {
  readonly constant: T;
  constructor(value: T) {
    this.constant = value;
  }
  evaluate(): T {
    return this.constant;
  }
}

type Convert<T> = (value: unknown) => T | undefined;

const toString: Convert<string> = (value) => {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
};
const toInt: Convert<number> = (value) => {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  return undefined;
};
const toBool: Convert<boolean> = (value) => (typeof value === 'boolean' ? value : undefined);
const toDyn: Convert<unknown> = (value) => value;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (value instanceof Map || typeof value === 'object') return 'map';
  return typeof value === 'bigint' ? 'int' : typeof value;
}

// A literal written as text (often after {{named-value}} substitution) read for its slot.
function literal(text: string, type: ExpressionType): unknown {
  if (type === 'int' && /^-?\d{1,15}$/.test(text)) return Number(text);
  if (type === 'bool' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** A compiled `@( … )`: the parsed program and how to read its result for the slot. */
class CelValue<T> implements CompiledValue<T> {
  readonly constant: undefined = undefined;
  readonly #program: ParseResult;
  readonly #convert: Convert<T>;
  readonly #type: ExpressionType;
  readonly #policy: string;
  readonly #where: string;
  readonly #budget: ExpressionBudget;
  readonly #timed: boolean;
  /** The same expression as a direct read (direct-expression.ts), when it is that simple. */
  readonly #direct: DirectRead | undefined;

  constructor(
    program: ParseResult,
    convert: Convert<T>,
    type: ExpressionType,
    site: ValueSite,
    budget: ExpressionBudget,
    timed: boolean,
  ) {
    this.#program = program;
    this.#convert = convert;
    this.#type = type;
    this.#policy = site.policy;
    this.#where = `${site.path} ${site.policy}`;
    this.#budget = budget;
    this.#timed = timed;
    this.#direct = timed ? undefined : compileDirectRead(program.ast);
  }

  evaluate(ctx: PolicyContext): T {
    if (this.#direct !== undefined) {
      const direct = this.#direct(ctx);
      // Direct reads only produce strings and booleans, which every slot's conversion accepts
      // or refuses exactly as it would the library's result.
      if (direct !== DEFER) return this.#result(direct);
    }
    const scope = expressionScope(ctx, this.#budget.maxBodyBytes);
    let result: unknown;
    try {
      if (this.#timed) {
        const start = performance.now();
        result = this.#program(scope);
        const took = performance.now() - start;
        if (took > this.#budget.maxMillis) {
          throw this.#error(ExpressionFailure.budgetExceeded, `took ${took.toFixed(1)} ms, over ${this.#budget.maxMillis} ms`);
        }
      } else {
        result = this.#program(scope);
      }
    } catch (error) {
      if (error instanceof ExpressionError) {
        throw error.where === '' ? this.#error(error.reason, error.message, error) : error;
      }
      const summary = (error as { summary?: unknown }).summary;
      throw this.#error(ExpressionFailure.failed, typeof summary === 'string' ? summary : String(error), error);
    }
    return this.#result(result);
  }

  #result(result: unknown): T {
    const value = this.#convert(result);
    if (value === undefined) throw this.#error(ExpressionFailure.failed, `returned ${describe(result)}, expected ${this.#type}`);
    return value;
  }

  #error(reason: ExpressionFailure, message: string, cause?: unknown): ExpressionError {
    return new ExpressionError(reason, `${this.#where}: expression ${message}`, this.#policy, this.#where, { cause });
  }
}

/**
 * Compiles value slots for one config revision: literals become constants (named values
 * substituted), `@( … )` becomes a parsed, type-checked CEL program over the exchange.
 *
 * @example
 * const compiler = createExpressionCompiler(new Map([['tier', 'gold']]));
 * const value = compiler.string('@(request.method + "-{{tier}}")', { policy: 'set-header', path: 'inbound[0]' });
 * value.evaluate(ctx); // "GET-gold"
 */
export function createExpressionCompiler(
  namedValues: ReadonlyMap<string, string>,
  budget: ExpressionBudget = defaultExpressionBudget,
): ExpressionCompiler {
  let requestBodyReaders = 0;
  let responseBodyReaders = 0;

  function compile<T>(written: string, type: ExpressionType, convert: Convert<T>, site: ValueSite): CompiledValue<T> {
    const text = substituteNamedValues(written, namedValues);
    // Like Azure, a value starting with @( is an expression.
    if (!text.startsWith('@(')) {
      const value = convert(literal(text, type));
      if (value === undefined) throw new ExpressionCompileError(`'${text}' is not a ${type}`);
      return new Constant(value);
    }
    const problem = checkExpression(text, type);
    if (problem) throw new ExpressionCompileError(`invalid expression ${text}: ${problem.message}`);
    const program = environment.parse(text.slice(2, -1));
    program.check();
    const cost = checkExpressionCost(program.ast);
    if (isCostProblem(cost)) throw new ExpressionCompileError(cost.message);
    if (cost.readsRequestBody) requestBodyReaders++;
    if (cost.readsResponseBody) responseBodyReaders++;
    return new CelValue(program, convert, type, site, budget, cost.iterates);
  }

  return {
    budget,
    get requestBodyReaders() {
      return requestBodyReaders;
    },
    get responseBodyReaders() {
      return responseBodyReaders;
    },
    string: (written, site) => compile(written, 'string', toString, site),
    int: (written, site) => (typeof written === 'number' ? new Constant(written) : compile(written, 'int', toInt, site)),
    bool: (written, site) => (typeof written === 'boolean' ? new Constant(written) : compile(written, 'bool', toBool, site)),
    dyn: (written, site) => {
      if (typeof written !== 'string')
        return new Constant(typeof written === 'number' && Number.isInteger(written) ? BigInt(written) : written);
      return compile(written, 'dyn', toDyn, site);
    },
  };
}
