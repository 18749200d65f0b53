import { buildASTSchema, GraphQLError, parse, validateSchema, type GraphQLSchema } from 'graphql';
import { validateSDL } from 'graphql/validation/validate.js';
import { ServiceKey } from '../../pipeline/policy-services.js';

/** An API's GraphQL schema built once: the schema, or the first reason it does not build. */
export type BuiltGraphqlSchema =
  { readonly schema: GraphQLSchema; readonly problem?: undefined } | { readonly schema?: undefined; readonly problem: string };

// Pipelines keep the schemas they were compiled with; the cache only saves building one again for
// another operation of the API or another revision. Built schemas are large (every type, field
// and AST node of the SDL), so both the count and the SDL text they came from are bounded.
const MAX_CACHED = 64;
const MAX_CACHED_CHARS = 32 * 1024 * 1024;

function describe(error: GraphQLError): string {
  const location = error.locations?.[0];
  return location === undefined ? error.message : `line ${location.line}: ${error.message}`;
}

/**
 * Builds SDL as graphql's buildSchema does — parse, SDL rules, build — then runs the schema's own
 * validation (root type present, interfaces implemented…), which `validate` would otherwise throw
 * on for every request. Only the first error is kept: the message of a NACK names one problem.
 */
function build(sdl: string): BuiltGraphqlSchema {
  try {
    const document = parse(sdl);
    const sdlErrors = validateSDL(document);
    if (sdlErrors.length > 0) return { problem: describe(sdlErrors[0]!) };
    const schema = buildASTSchema(document, { assumeValidSDL: true });
    const schemaErrors = validateSchema(schema);
    if (schemaErrors.length > 0) return { problem: describe(schemaErrors[0]!) };
    return { schema };
  } catch (error) {
    if (error instanceof GraphQLError) return { problem: describe(error) };
    return { problem: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * GraphQL schemas shared by every validate-graphql-request statement of the process, keyed by SDL
 * text: the operations of one API (its endpoint and every field operation) share one schema, and
 * a revision that leaves the SDL unchanged reuses it. Least recently used entries go first.
 */
export class GraphqlSchemas {
  readonly #cache = new Map<string, BuiltGraphqlSchema>();
  #chars = 0;

  get size(): number {
    return this.#cache.size;
  }

  get(sdl: string): BuiltGraphqlSchema {
    const cached = this.#cache.get(sdl);
    if (cached !== undefined) {
      this.#cache.delete(sdl);
      this.#cache.set(sdl, cached);
      return cached;
    }
    const built = build(sdl);
    if (sdl.length > MAX_CACHED_CHARS) return built;
    while (this.#cache.size >= MAX_CACHED || this.#chars + sdl.length > MAX_CACHED_CHARS) {
      const oldest = this.#cache.keys().next().value!;
      this.#cache.delete(oldest);
      this.#chars -= oldest.length;
    }
    this.#cache.set(sdl, built);
    this.#chars += sdl.length;
    return built;
  }
}

export const graphqlSchemas = new ServiceKey('validate-graphql-request schemas', () => new GraphqlSchemas());
