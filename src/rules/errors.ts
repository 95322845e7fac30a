/** Typed errors of the rule engine. */

/** A rule expression that does not parse or type-check. Names rule id, field and position. */
export class RuleCompileError extends Error {
  constructor(
    readonly ruleId: string,
    /** e.g. expressions.ruleExpression[0].expression */
    readonly field: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
    readonly expression: string,
    /** where the rule came from (file:line), when known */
    readonly origin?: string,
  ) {
    super(
      `${origin ? `${origin}: ` : ''}rule ${ruleId}: field ${field}: line ${line}, column ${column}: ${detail}`,
    );
    this.name = 'RuleCompileError';
  }
}

/** A rule definition that is invalid beyond its expressions (e.g. a bad profileDataRequired). */
export class RuleDefinitionError extends Error {
  constructor(readonly ruleId: string, readonly field: string, detail: string, readonly origin?: string) {
    super(`${origin ? `${origin}: ` : ''}rule ${ruleId}: field ${field}: ${detail}`);
    this.name = 'RuleDefinitionError';
  }
}

/** An error raised while evaluating an expression (a helper error, a type error at run time, ...). */
export class RuleEvaluationError extends Error {
  constructor(readonly ruleId: string, readonly field: string, detail: string) {
    super(`rule ${ruleId}: ${field}: ${detail}`);
    this.name = 'RuleEvaluationError';
  }
}

/** Raised by helpers; converted to a CEL evaluation error. */
export class HelperError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelperError';
  }
}
