/** Field types every schema module shares (names, durations); here so schema modules never import each other. */
import { z } from 'zod';
import { durationProblem, tryParseDuration } from './duration.js';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const Name = z
  .string()
  .regex(NAME_RE, 'must start with a letter or underscore and hold only letters, digits and underscores');

export const Duration = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  if (tryParseDuration(value) === undefined) ctx.addIssue({ code: 'custom', message: durationProblem(value) });
});
