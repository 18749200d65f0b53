import { z } from 'zod';

/**
 * How rate-limit and quota name the API or operation a nested, tighter limit applies to
 * (Azure's <api name|id> and <operation name|id> elements).
 */
export const nameOrId = {
  name: z.string().min(1).optional().describe('Name of the API or operation.'),
  id: z.string().min(1).optional().describe('Id of the API or operation.'),
};

export function requireNameOrId(payload: z.core.ParsePayload<{ name?: string | undefined; id?: string | undefined }>): void {
  if (payload.value.name === undefined && payload.value.id === undefined) {
    payload.issues.push({ code: 'custom', message: "set 'name' or 'id'", input: payload.value });
  }
}

/** Whether a nested limit's `name` or `id` names this API or operation (either identifies it). */
export function namesEntity(
  limit: { name?: string | undefined; id?: string | undefined },
  entity: { id: string; name: string } | undefined,
): boolean {
  if (entity === undefined) return false;
  return (limit.id !== undefined && limit.id === entity.id) || (limit.name !== undefined && limit.name === entity.name);
}
