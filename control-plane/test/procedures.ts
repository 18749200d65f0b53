import type { AnyProcedure } from '@trpc/server';
import { z } from 'zod';
import { appRouter } from '../src/router.js';
import type { Meta } from '../src/trpc/init.js';
import type { Caller } from './harness.js';

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  minLength?: number;
  minimum?: number;
  pattern?: string;
  anyOf?: JsonSchema[];
  idPrefix?: string;
  default?: unknown;
  example?: unknown;
  examples?: unknown[];
}

export interface ProcedureInfo {
  path: string;
  type: 'query' | 'mutation' | 'subscription';
  meta: Meta | undefined;
  input: JsonSchema | undefined;
  /** Input fields that take an entity id, with its prefix; `required` ones must be given. */
  idFields: { name: string; prefix: string; required: boolean }[];
}

/** Every procedure of the app router, found by walking it: new procedures are covered automatically. */
export function listProcedures(): ProcedureInfo[] {
  return Object.entries(appRouter._def.procedures as unknown as Record<string, AnyProcedure>).map(([path, procedure]) => {
    const def = procedure._def as unknown as { type: ProcedureInfo['type']; meta?: Meta; inputs: z.ZodType[] };
    const parser = def.inputs[0];
    const input = parser ? (z.toJSONSchema(parser, { io: 'input', unrepresentable: 'any' }) as JsonSchema) : undefined;
    const object = input?.anyOf?.find((s) => s.type === 'object') ?? input;
    const required = new Set(object?.required ?? []);
    const idFields = Object.entries(object?.properties ?? {})
      .filter(([, schema]) => typeof schema.idPrefix === 'string')
      .map(([name, schema]) => ({ name, prefix: schema.idPrefix!, required: required.has(name) }));
    return { path, type: def.type, meta: def.meta, input: object, idFields };
  });
}

/** A value that satisfies a JSON schema, for fields the test does not care about. */
export function sampleOf(schema: JsonSchema, name: string): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.example !== undefined) return schema.example;
  if (schema.examples?.length) return schema.examples[0];
  // Enums list choices from most to least privileged (roles): the last is the harmless one.
  if (schema.enum) return schema.enum.at(-1);
  if (schema.default !== undefined) return schema.default;
  if (schema.anyOf) return sampleOf(schema.anyOf.find((s) => s.type !== 'null') ?? schema.anyOf[0]!, name);
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'string':
      if (schema.format === 'email' || /email/i.test(name)) return `sample-${Math.random().toString(36).slice(2, 8)}@example.com`;
      if (schema.format === 'date-time') return new Date().toISOString();
      return `sample ${name}`.padEnd(Math.max(schema.minLength ?? 0, 1), 'x');
    case 'integer':
    case 'number':
      return Math.max(schema.minimum ?? 1, 1);
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return sampleInput(schema, {});
    default:
      return null;
  }
}

/** Required fields filled with samples, id fields from `ids` (by prefix), then `overrides`. */
export function sampleInput(
  schema: JsonSchema | undefined,
  ids: Record<string, string>,
  overrides: Record<string, unknown> = {},
) {
  const input: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema?.properties ?? {})) {
    if (field.idPrefix) {
      if (schema?.required?.includes(name)) input[name] = ids[field.idPrefix];
    } else if (schema?.required?.includes(name)) {
      input[name] = sampleOf(field, name);
    }
  }
  return { ...input, ...overrides };
}

/** Calls a procedure by its dotted path. */
export function invoke(caller: Caller, path: string, input: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const segment of path.split('.')) target = (target as Record<string, unknown>)[segment];
  return (target as (input: unknown) => Promise<unknown>)(input);
}
