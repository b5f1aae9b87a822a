/** Tokens of the on-demand expression language (see README, "On-demand feature views", for the grammar). */
import { ExpressionProblem } from './ast.js';

export type TokenKind = 'number' | 'string' | 'ident' | 'op' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifiers as written; keywords are matched case-insensitively by the parser. */
  text: string;
  pos: number;
}

const OPERATORS = ['<>', '!=', '<=', '>=', '==', '||', '+', '-', '*', '/', '%', '=', '<', '>', '(', ')', ','];
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;
const DIGIT = /[0-9]/;

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const start = i;
    if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(text[i + 1] ?? ''))) {
      while (DIGIT.test(text[i] ?? '')) i++;
      if (text[i] === '.') {
        i++;
        while (DIGIT.test(text[i] ?? '')) i++;
      }
      if (text[i] === 'e' || text[i] === 'E') {
        let j = i + 1;
        if (text[j] === '+' || text[j] === '-') j++;
        if (!DIGIT.test(text[j] ?? '')) throw new ExpressionProblem('an exponent needs digits', i);
        i = j;
        while (DIGIT.test(text[i] ?? '')) i++;
      }
      if (IDENT_START.test(text[i] ?? '')) throw new ExpressionProblem(`unexpected "${text[i]}" after a number`, i);
      tokens.push({ kind: 'number', text: text.slice(start, i), pos: start });
    } else if (IDENT_START.test(ch)) {
      while (IDENT_PART.test(text[i] ?? '')) i++;
      tokens.push({ kind: 'ident', text: text.slice(start, i), pos: start });
    } else if (ch === "'") {
      // SQL string literal: a doubled quote stands for one quote.
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new ExpressionProblem('unterminated string literal', start);
        if (text[i] === "'") {
          if (text[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += text[i];
        i++;
      }
      tokens.push({ kind: 'string', text: value, pos: start });
    } else {
      const op = OPERATORS.find((o) => text.startsWith(o, i));
      if (op === undefined) {
        const hint = ch === '"' ? ' (strings are written in single quotes)' : '';
        throw new ExpressionProblem(`unexpected character "${ch}"${hint}`, i);
      }
      i += op.length;
      tokens.push({ kind: 'op', text: op === '!=' ? '<>' : op === '==' ? '=' : op, pos: start });
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}
