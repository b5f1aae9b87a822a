/**
 * A check of the cron expressions Temporal Schedules accept, so a typo in `schedule.cron` fails at `plan` with the
 * view's path instead of at `schedules apply` (or, worse, in the middle of a deploy). Temporal's own parser has the
 * last word; this catches what a person gets wrong: field count, ranges, names, step syntax.
 *
 * Accepted (as Temporal documents for ScheduleSpec.cronExpressions): 5 fields (minute hour day-of-month month
 * day-of-week), 6 (+ year) or 7 (second first, + year); `@yearly @annually @monthly @weekly @daily @midnight @hourly`;
 * `@every <n><s|m|h|d>[/<phase>]`; an optional `CRON_TZ=Zone ` or `TZ=Zone ` prefix and a trailing `# comment`.
 */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** Value of names[0]. */
  namesFrom?: number;
}

const SECOND: FieldRule = { name: 'second', min: 0, max: 59 };
const MINUTE: FieldRule = { name: 'minute', min: 0, max: 59 };
const HOUR: FieldRule = { name: 'hour', min: 0, max: 23 };
const DAY_OF_MONTH: FieldRule = { name: 'day of month', min: 1, max: 31 };
const MONTH: FieldRule = { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 };
// 7 is Sunday again in many crons; Temporal accepts it too.
const DAY_OF_WEEK: FieldRule = { name: 'day of week', min: 0, max: 7, names: DAYS, namesFrom: 0 };
const YEAR: FieldRule = { name: 'year', min: 1970, max: 2999 };

const SHORTHANDS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const EVERY_RE = /^@every\s+\d+[smhd](\/\d+[smhd])?$/;

/** Why `text` is not a cron expression Temporal accepts, or undefined when it is one. */
export function cronProblem(text: string): string | undefined {
  let expr = text.replace(/#.*$/, '').trim();
  const zone = /^(CRON_TZ|TZ)=(\S+)\s+/.exec(expr);
  if (zone) expr = expr.slice(zone[0].length);
  if (expr === '') return 'is empty: write 5 fields (minute hour day-of-month month day-of-week), e.g. "0 * * * *" for hourly';
  if (expr.startsWith('@')) {
    if (SHORTHANDS.has(expr.toLowerCase()) || EVERY_RE.test(expr)) return undefined;
    return `${JSON.stringify(text)} is not a cron shorthand: use @hourly, @daily, @weekly, @monthly, @yearly or "@every 15m"`;
  }
  const fields = expr.split(/\s+/);
  const rules =
    fields.length === 5
      ? [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK]
      : fields.length === 6
        ? [MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR]
        : fields.length === 7
          ? [SECOND, MINUTE, HOUR, DAY_OF_MONTH, MONTH, DAY_OF_WEEK, YEAR]
          : undefined;
  if (!rules) {
    return `${JSON.stringify(text)} has ${fields.length} field${fields.length === 1 ? '' : 's'}: write 5 (minute hour day-of-month month day-of-week), e.g. "0 * * * *" for hourly`;
  }
  for (let i = 0; i < fields.length; i++) {
    const problem = fieldProblem(fields[i] as string, rules[i] as FieldRule);
    if (problem) return `${JSON.stringify(text)}: ${problem}`;
  }
  return undefined;
}

function fieldProblem(field: string, rule: FieldRule): string | undefined {
  for (const part of field.split(',')) {
    const [range, step, ...extra] = part.split('/');
    if (extra.length > 0 || range === undefined || range === '') return `${rule.name} "${field}" is malformed`;
    if (step !== undefined && !/^[1-9]\d*$/.test(step)) return `${rule.name} "${field}": the step after "/" must be a whole number >= 1`;
    if (range === '*' || range === '?') continue;
    const bounds = range.split('-');
    if (bounds.length > 2) return `${rule.name} "${field}" is malformed`;
    const values: number[] = [];
    for (const bound of bounds) {
      const value = fieldValue(bound, rule);
      if (value === undefined) {
        const names = rule.names ? ` or ${rule.names.slice(0, 3).join(', ')}, ...` : '';
        return `${rule.name} "${bound}" must be ${rule.min}-${rule.max}${names}`;
      }
      values.push(value);
    }
    if (values.length === 2 && (values[0] as number) > (values[1] as number)) return `${rule.name} range "${range}" runs backwards`;
  }
  return undefined;
}

function fieldValue(text: string, rule: FieldRule): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= rule.min && n <= rule.max ? n : undefined;
  }
  const index = rule.names?.indexOf(text.toLowerCase()) ?? -1;
  return index >= 0 ? index + (rule.namesFrom ?? 0) : undefined;
}
