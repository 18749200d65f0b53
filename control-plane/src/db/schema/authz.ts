import { index, pgTable, serial, text } from 'drizzle-orm/pg-core';

/**
 * casbin's standard rule table: `p` rows are role permissions, `g` rows grant a role to a
 * subject in a domain (`tenant:<id>` or `workspace:<id>`).
 */
export const casbinRule = pgTable(
  'casbin_rule',
  {
    id: serial('id').primaryKey(),
    ptype: text('ptype').notNull(),
    v0: text('v0').notNull().default(''),
    v1: text('v1').notNull().default(''),
    v2: text('v2').notNull().default(''),
    v3: text('v3').notNull().default(''),
    v4: text('v4').notNull().default(''),
    v5: text('v5').notNull().default(''),
  },
  (t) => [index('casbin_rule_ptype_v0_idx').on(t.ptype, t.v0), index('casbin_rule_ptype_v2_idx').on(t.ptype, t.v2)],
);
