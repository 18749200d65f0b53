import type { PolicyContext } from '../pipeline/policy-context.js';

/**
 * Direct reads for the simplest expressions (issue 5): a condition such as
 * `request.method == "DELETE"` or `request.headers[?"x-client"].orValue("")` is compiled into
 * a function over the PolicyContext instead of walking the library's AST through the scope's
 * views on every evaluation. Only a small, fully typed subset qualifies: string and bool
 * literals, `request.method` / `request.ip`, literal-keyed reads of `request.headers`, `query`
 * and `params` (plain and optional with `orValue`), `contains` / `startsWith` / `endsWith`,
 * `==`, `!=`, `!`, `&&`, `||`. Anything else keeps the library.
 *
 * A read whose outcome would be a CEL error (a missing key) returns `DEFER` and the caller
 * evaluates the whole expression with the library, so error values, messages and CEL's
 * error-absorbing `&&` / `||` stay exactly the library's.
 */

export const DEFER: unique symbol = Symbol('defer');
export type DirectResult = string | boolean | typeof DEFER;
export type DirectRead = (ctx: PolicyContext) => DirectResult;

/** A node of the library's AST, as far as this reads it. */
interface AstNode {
  readonly op: string;
  readonly args: unknown;
}

interface Typed {
  readonly type: 'string' | 'bool';
  readonly read: DirectRead;
}

type MapName = 'headers' | 'query' | 'params';

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string';
}

/** `request.<field>` → the field name, else undefined. */
function requestField(node: AstNode): string | undefined {
  if (node.op !== '.' || !Array.isArray(node.args)) return undefined;
  const [receiver, field] = node.args as [unknown, unknown];
  if (!isNode(receiver) || receiver.op !== 'id' || receiver.args !== 'request' || typeof field !== 'string') return undefined;
  return field;
}

function mapName(node: unknown): MapName | undefined {
  if (!isNode(node)) return undefined;
  const field = requestField(node);
  return field === 'headers' || field === 'query' || field === 'params' ? field : undefined;
}

function stringLiteral(node: unknown): string | undefined {
  return isNode(node) && node.op === 'value' && typeof node.args === 'string' ? node.args : undefined;
}

// Header and query maps are read as the scope's views show them: exact key (header keys are
// lower-case, so `request.headers["X-A"]` misses, as in CEL), repeated values joined with ", ".
function mapValue(ctx: PolicyContext, map: MapName, key: string): string | undefined {
  const request = ctx.request;
  if (map === 'params') return request.params.get(key);
  return (map === 'headers' ? request.headers : request.query).joinedValue(key);
}

/** `request.headers["k"]` / `request.headers[?"k"]` → the map and key, for a literal key. */
function keyedRead(node: AstNode): { map: MapName; key: string } | undefined {
  if (!Array.isArray(node.args)) return undefined;
  const [receiver, keyNode] = node.args as [unknown, unknown];
  const map = mapName(receiver);
  const key = stringLiteral(keyNode);
  return map === undefined || key === undefined ? undefined : { map, key };
}

function call(node: AstNode): Typed | undefined {
  if (!Array.isArray(node.args)) return undefined;
  const [name, receiver, list] = node.args as [unknown, unknown, unknown];
  if (!isNode(receiver) || !Array.isArray(list) || list.length !== 1) return undefined;
  if (name === 'orValue') {
    if (receiver.op !== '[?]') return undefined;
    const keyed = keyedRead(receiver);
    const fallback = compileTyped(list[0]);
    if (keyed === undefined || fallback?.type !== 'string') return undefined;
    const { map, key } = keyed;
    const otherwise = fallback.read;
    // CEL evaluates the argument even when the key is present: a failing one fails the call.
    return {
      type: 'string',
      read: (ctx) => {
        const other = otherwise(ctx);
        return other === DEFER ? DEFER : (mapValue(ctx, map, key) ?? other);
      },
    };
  }
  if (name !== 'contains' && name !== 'startsWith' && name !== 'endsWith') return undefined;
  const text = compileTyped(receiver);
  const part = compileTyped(list[0]);
  if (text?.type !== 'string' || part?.type !== 'string') return undefined;
  const readText = text.read;
  const readPart = part.read;
  const test =
    name === 'contains'
      ? (a: string, b: string) => a.includes(b)
      : name === 'startsWith'
        ? (a: string, b: string) => a.startsWith(b)
        : (a: string, b: string) => a.endsWith(b);
  return {
    type: 'bool',
    read: (ctx) => {
      const a = readText(ctx);
      if (a === DEFER) return DEFER;
      const b = readPart(ctx);
      return b === DEFER ? DEFER : test(a as string, b as string);
    },
  };
}

function binary(node: AstNode): Typed | undefined {
  if (!Array.isArray(node.args) || node.args.length !== 2) return undefined;
  const left = compileTyped(node.args[0]);
  const right = compileTyped(node.args[1]);
  if (left === undefined || right === undefined || left.type !== right.type) return undefined;
  const readLeft = left.read;
  const readRight = right.read;
  switch (node.op) {
    case '==':
    case '!=': {
      const equal = node.op === '==';
      return {
        type: 'bool',
        read: (ctx) => {
          const a = readLeft(ctx);
          if (a === DEFER) return DEFER;
          const b = readRight(ctx);
          return b === DEFER ? DEFER : (a === b) === equal;
        },
      };
    }
    case '&&':
    case '||': {
      if (left.type !== 'bool') return undefined;
      // The short-circuit value: false for &&, true for ||. A DEFER on either side hands the
      // whole expression to the library, which knows how CEL absorbs errors here.
      const decided = node.op === '||';
      return {
        type: 'bool',
        read: (ctx) => {
          const a = readLeft(ctx);
          if (a === DEFER || a === decided) return a;
          return readRight(ctx);
        },
      };
    }
    default:
      return undefined;
  }
}

function compileTyped(node: unknown): Typed | undefined {
  if (!isNode(node)) return undefined;
  switch (node.op) {
    case 'value': {
      const value = node.args;
      if (typeof value === 'string') return { type: 'string', read: () => value };
      if (typeof value === 'boolean') return { type: 'bool', read: () => value };
      return undefined;
    }
    case '.': {
      const field = requestField(node);
      if (field === 'method') return { type: 'string', read: (ctx) => ctx.request.method };
      if (field === 'ip') return { type: 'string', read: (ctx) => ctx.request.ip };
      return undefined;
    }
    case '[]': {
      const keyed = keyedRead(node);
      if (keyed === undefined) return undefined;
      const { map, key } = keyed;
      return { type: 'string', read: (ctx) => mapValue(ctx, map, key) ?? DEFER };
    }
    case 'rcall':
      return call(node);
    case '!_': {
      const operand = compileTyped(node.args);
      if (operand?.type !== 'bool') return undefined;
      const read = operand.read;
      return {
        type: 'bool',
        read: (ctx) => {
          const value = read(ctx);
          return value === DEFER ? DEFER : !value;
        },
      };
    }
    case '==':
    case '!=':
    case '&&':
    case '||':
      return binary(node);
    default:
      return undefined;
  }
}

/**
 * Compiles `ast` (checked by the library) into a direct read when it is in the subset above;
 * undefined otherwise. The read returns `DEFER` where the library must decide.
 *
 * @example
 * const read = compileDirectRead(environment.parse('request.method == "DELETE"').ast);
 * read?.(ctx); // false for a GET
 */
export function compileDirectRead(ast: unknown): DirectRead | undefined {
  return compileTyped(ast)?.read;
}
