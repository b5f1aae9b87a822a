/**
 * The on-demand expression language's syntax tree. One tree feeds two compilers (DuckDB SQL for training, a JS
 * evaluator for serving), so both read exactly the same program; every node keeps its source position for errors.
 */

/** Static types: every integer dtype is `int`, every float dtype `float`; `null` is the type of a bare NULL. */
export type ExprType = 'int' | 'float' | 'string' | 'bool' | 'null';

export type BinaryOp = '+' | '-' | '*' | '/' | '%' | '||' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

export const FUNCTIONS = ['coalesce', 'nullif', 'abs', 'round', 'least', 'greatest', 'lower', 'upper', 'length', 'if'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

interface Base {
  /** 0-based offset of the node's first character in the expression text. */
  pos: number;
}

export type Expr =
  | (Base & { kind: 'int'; value: number })
  | (Base & { kind: 'float'; value: number; text: string })
  | (Base & { kind: 'string'; value: string })
  | (Base & { kind: 'bool'; value: boolean })
  | (Base & { kind: 'null' })
  | (Base & { kind: 'column'; name: string })
  | (Base & { kind: 'neg'; arg: Expr })
  | (Base & { kind: 'not'; arg: Expr })
  | (Base & { kind: 'isNull'; arg: Expr; negated: boolean })
  | (Base & { kind: 'binary'; op: BinaryOp; left: Expr; right: Expr })
  | (Base & { kind: 'call'; fn: FunctionName; args: Expr[] })
  | (Base & { kind: 'case'; whens: Array<{ when: Expr; then: Expr }>; otherwise: Expr | undefined });

/** A checked tree: every node annotated with its static type (see check.ts). */
export type Typed<E extends Expr = Expr> = E & { type: ExprType };

/** A problem in one expression, with the offset it points at. */
export class ExpressionProblem extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}
