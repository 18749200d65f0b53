/** Why an expression failed at run time; on-error sees it as `context.lastError.reason`. */
export const ExpressionFailure = {
  /** The expression reached a bound of its budget (an input too large, too slow). */
  budgetExceeded: 'expression-budget-exceeded',
  /** It threw: a missing key, a type mismatch, a division by zero, a wrong result type. */
  failed: 'expression-failed',
} as const;
export type ExpressionFailure = (typeof ExpressionFailure)[keyof typeof ExpressionFailure];

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly reason: ExpressionFailure;
  /** The statement holding the expression: `inbound[2] set-header`. */
  readonly where: string;
  readonly policy: string;

  constructor(reason: ExpressionFailure, message: string, policy: string, where: string, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
    this.policy = policy;
    this.where = where;
  }
}

/** A value that cannot be compiled: unknown named value, an expression the gateway refuses. */
export class ExpressionCompileError extends Error {
  override readonly name = 'ExpressionCompileError';
}
