import type { CompiledValue } from '../../expressions/compile-expression.js';
import { runStatements } from '../../pipeline/run-pipeline.js';
import { Outcome, type StatementDeps, type StatementHandler } from '../../pipeline/statement-handler.js';
import type { ChooseConfig } from './schema.js';

interface Branch {
  readonly condition: CompiledValue<boolean>;
  readonly statements: readonly StatementHandler[] | null;
}

/**
 * choose: runs the statements of the first `when` whose condition is true, else `otherwise`.
 * A respond from a branch stops the enclosing section too.
 *
 * @example createChoose({ when: [{ condition: '@(request.method == "DELETE")', statements: [{ 'set-status': { code: 405 } }] }] }, deps)
 */
export function createChoose(config: ChooseConfig, deps: StatementDeps): StatementHandler {
  const branches: Branch[] = config.when.map((branch, index) => {
    const path = `${deps.path}.choose.when[${index}]`;
    return {
      condition: deps.expressions.bool(branch.condition, { policy: 'choose', path }),
      statements: deps.compileStatements(branch.statements, `${path}.statements`),
    };
  });
  const otherwise = deps.compileStatements(config.otherwise, `${deps.path}.choose.otherwise`);
  return function choose(ctx) {
    for (let i = 0; i < branches.length; i++) {
      const branch = branches[i]!;
      if (!branch.condition.evaluate(ctx)) continue;
      return branch.statements === null ? Outcome.continue : runStatements(branch.statements, ctx);
    }
    return otherwise === null ? Outcome.continue : runStatements(otherwise, ctx);
  };
}
