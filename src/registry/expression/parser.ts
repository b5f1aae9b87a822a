/**
 * A recursive-descent parser for on-demand expressions. Precedence, loosest first: or, and, not, comparison and
 * `is [not] null`, `||`, `+ -`, `* / %`, unary minus. Keywords are case-insensitive, as in SQL.
 */
import { ExpressionProblem, FUNCTIONS, type BinaryOp, type Expr, type FunctionName } from './ast.js';
import { tokenize, type Token } from './lexer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'is', 'null', 'true', 'false', 'case', 'when', 'then', 'else', 'end']);
const COMPARISONS = new Set(['=', '<>', '<', '<=', '>', '>=']);

export function parseExpression(text: string): Expr {
  const parser = new Parser(tokenize(text));
  const expr = parser.expression();
  parser.expectEnd();
  return expr;
}

class Parser {
  private i = 0;

  constructor(private readonly tokens: Token[]) {}

  private get peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private next(): Token {
    const token = this.peek;
    if (token.kind !== 'eof') this.i++;
    return token;
  }

  private isKeyword(word: string, token: Token = this.peek): boolean {
    return token.kind === 'ident' && token.text.toLowerCase() === word;
  }

  private isOp(op: string): boolean {
    return this.peek.kind === 'op' && this.peek.text === op;
  }

  private expectOp(op: string, what: string): void {
    if (!this.isOp(op)) throw this.unexpected(`expected "${op}" ${what}`);
    this.next();
  }

  private expectKeyword(word: string, what: string): void {
    if (!this.isKeyword(word)) throw this.unexpected(`expected ${word.toUpperCase()} ${what}`);
    this.next();
  }

  private unexpected(expected: string): ExpressionProblem {
    const t = this.peek;
    const found = t.kind === 'eof' ? 'the end of the expression' : t.kind === 'string' ? 'a string' : `"${t.text}"`;
    return new ExpressionProblem(`${expected}, found ${found}`, t.pos);
  }

  expectEnd(): void {
    if (this.peek.kind !== 'eof') throw this.unexpected('expected an operator or the end of the expression');
  }

  expression(): Expr {
    return this.or();
  }

  private binaryChain(operand: () => Expr, match: () => BinaryOp | undefined): Expr {
    let left = operand();
    for (let op = match(); op !== undefined; op = match()) {
      const pos = this.next().pos;
      left = { kind: 'binary', op, left, right: operand(), pos };
    }
    return left;
  }

  private or(): Expr {
    return this.binaryChain(() => this.and(), () => (this.isKeyword('or') ? 'or' : undefined));
  }

  private and(): Expr {
    return this.binaryChain(() => this.not(), () => (this.isKeyword('and') ? 'and' : undefined));
  }

  private not(): Expr {
    if (this.isKeyword('not')) {
      const pos = this.next().pos;
      return { kind: 'not', arg: this.not(), pos };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const left = this.concat();
    if (this.peek.kind === 'op' && COMPARISONS.has(this.peek.text)) {
      const token = this.next();
      const right = this.concat();
      if (this.peek.kind === 'op' && COMPARISONS.has(this.peek.text)) {
        throw this.unexpected('comparisons do not chain (write a < b and b < c)');
      }
      return { kind: 'binary', op: token.text as BinaryOp, left, right, pos: token.pos };
    }
    if (this.isKeyword('is')) {
      const pos = this.next().pos;
      const negated = this.isKeyword('not');
      if (negated) this.next();
      this.expectKeyword('null', 'after IS');
      return { kind: 'isNull', arg: left, negated, pos };
    }
    return left;
  }

  private concat(): Expr {
    return this.binaryChain(() => this.additive(), () => (this.isOp('||') ? '||' : undefined));
  }

  private additive(): Expr {
    return this.binaryChain(() => this.multiplicative(), () => (this.isOp('+') ? '+' : this.isOp('-') ? '-' : undefined));
  }

  private multiplicative(): Expr {
    const match = (): BinaryOp | undefined => (this.isOp('*') ? '*' : this.isOp('/') ? '/' : this.isOp('%') ? '%' : undefined);
    return this.binaryChain(() => this.unary(), match);
  }

  private unary(): Expr {
    if (this.isOp('-')) {
      const pos = this.next().pos;
      return { kind: 'neg', arg: this.unary(), pos };
    }
    if (this.isOp('+')) {
      this.next();
      return this.unary();
    }
    return this.primary();
  }

  private primary(): Expr {
    const token = this.peek;
    if (token.kind === 'number') {
      this.next();
      return numberLiteral(token);
    }
    if (token.kind === 'string') {
      this.next();
      return { kind: 'string', value: token.text, pos: token.pos };
    }
    if (this.isOp('(')) {
      this.next();
      const inner = this.expression();
      this.expectOp(')', 'to close "("');
      return inner;
    }
    if (token.kind !== 'ident') throw this.unexpected('expected a value, a column, a function call or "("');
    const word = token.text.toLowerCase();
    if (word === 'true' || word === 'false') {
      this.next();
      return { kind: 'bool', value: word === 'true', pos: token.pos };
    }
    if (word === 'null') {
      this.next();
      return { kind: 'null', pos: token.pos };
    }
    if (word === 'case') return this.caseExpr();
    if (KEYWORDS.has(word)) throw this.unexpected('expected a value, a column, a function call or "("');
    this.next();
    if (!this.isOp('(')) return { kind: 'column', name: token.text, pos: token.pos };
    if (!(FUNCTIONS as readonly string[]).includes(word)) {
      throw new ExpressionProblem(`unknown function "${token.text}"; functions: ${FUNCTIONS.join(', ')}`, token.pos);
    }
    this.next();
    const args: Expr[] = [];
    if (!this.isOp(')')) {
      args.push(this.expression());
      while (this.isOp(',')) {
        this.next();
        args.push(this.expression());
      }
    }
    this.expectOp(')', `to close the arguments of ${word}`);
    return { kind: 'call', fn: word as FunctionName, args, pos: token.pos };
  }

  private caseExpr(): Expr {
    const pos = this.next().pos;
    const whens: Array<{ when: Expr; then: Expr }> = [];
    while (this.isKeyword('when')) {
      this.next();
      const when = this.expression();
      this.expectKeyword('then', 'after the WHEN condition');
      whens.push({ when, then: this.expression() });
    }
    if (whens.length === 0) throw this.unexpected('expected WHEN after CASE');
    let otherwise: Expr | undefined;
    if (this.isKeyword('else')) {
      this.next();
      otherwise = this.expression();
    }
    this.expectKeyword('end', 'to close CASE');
    return { kind: 'case', whens, otherwise, pos };
  }
}

function numberLiteral(token: Token): Expr {
  const value = Number(token.text);
  if (/^[0-9]+$/.test(token.text)) {
    // Serving evaluates in JS numbers: beyond 2^53 an integer literal would not be the value DuckDB sees.
    if (!Number.isSafeInteger(value)) throw new ExpressionProblem(`integer ${token.text} is beyond 2^53`, token.pos);
    return { kind: 'int', value, pos: token.pos };
  }
  if (!Number.isFinite(value)) throw new ExpressionProblem(`number ${token.text} is out of range`, token.pos);
  return { kind: 'float', value, text: token.text, pos: token.pos };
}
