/**
 * Whole-repo validation: the zod shape check plus the references between objects. Both run on the raw input, so
 * one bad field never hides another problem: the user fixes everything in one round.
 */
import type { z } from 'zod';
import { checkSourcePaths } from './data-paths.js';
import { formatPath, ValidationError, type ValidationIssue } from './errors.js';
import { get } from './raw.js';
import { checkReferences } from './references.js';
import { RepoSchema, type Repo, type Source } from './schema.js';
import { checkSourceColumns } from './source-columns.js';

export { checkReferences };

/**
 * Column names of a source as the offline engine sees them (the engine supplies one backed by DuckDB). `repo` is
 * the shape-checked repo, so a sql source can resolve the sources it names.
 */
export type DescribeSource = (source: Source, repoDir: string, repo: Repo) => Promise<string[]>;

export interface ValidateOptions {
  describeSource?: DescribeSource;
  /** Folder relative source paths are read from; defaults to the current folder. */
  repoDir?: string;
  /** Config file the input came from, named in the error message. */
  file?: string;
}


export async function validateRepo(input: unknown, options: ValidateOptions = {}): Promise<Repo> {
  const shape = checkRepoShape(input);
  const issues = [...shape.issues, ...checkReferences(input)];
  // Before any source is read: a path outside the repo's data roots is never opened, not even to describe it.
  // Only for a repo read from a folder (loadRepo always says which); the engine enforces the same roots anyway.
  const pathIssues = shape.repo && options.repoDir !== undefined ? checkSourcePaths(shape.repo, options.repoDir) : [];
  issues.push(...pathIssues);
  // Describing sources needs well-formed source objects, so it only runs once the shape is right; reference
  // problems do not stop it because each check looks objects up by name and skips what it cannot find.
  if (shape.repo && options.describeSource && pathIssues.length === 0) {
    issues.push(...(await checkSourceColumns(shape.repo, options.describeSource, options.repoDir ?? process.cwd())));
  }
  const unique = sortByObject(dedupe(issues));
  if (!shape.repo || unique.length > 0) throw new ValidationError(describeInput(input, options.file), unique);
  return shape.repo;
}

export function checkRepoShape(input: unknown): { repo?: Repo; issues: ValidationIssue[] } {
  const result = RepoSchema.safeParse(input);
  if (result.success) return { repo: result.data, issues: [] };
  return { issues: dedupe(result.error.issues.flatMap((issue) => explainShapeIssue(issue, input))) };
}

/** Rewords zod's generic messages where the input tells us more (missing vs wrong, which key is unknown). */
function explainShapeIssue(issue: z.core.$ZodIssue, input: unknown): ValidationIssue[] {
  const path = formatPath(issue.path);
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: `unknown field "${key}"` }));
    case 'invalid_key':
      return [{ path, message: `bad key: ${issue.issues.map((i) => i.message).join('; ')}` }];
    case 'invalid_union':
      if ('discriminator' in issue && issue.discriminator && 'options' in issue && issue.options) {
        const options = issue.options.join(', ');
        const what = value === undefined ? 'is required' : `${JSON.stringify(value)} is not allowed`;
        return [{ path, message: `${what}: use one of ${options}` }];
      }
      break;
    case 'invalid_type':
      if (value === undefined) return [{ path, message: `is required (${issue.expected})` }];
      break;
  }
  return [{ path, message: issue.message }];
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let value = input;
  for (const part of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}


function dedupe(issues: ValidationIssue[]): ValidationIssue[] {
  const seen = new Set<string>();
  const key = (issue: ValidationIssue): string => `${issue.path}\u0000${issue.message}`;
  return issues.filter((issue) => !seen.has(key(issue)) && seen.add(key(issue)));
}

const SECTIONS = ['project', 'description', 'offlineStore', 'onlineStore', 'entities', 'sources', 'featureViews', 'featureServices', 'onDemandFeatureViews'];

/** Groups problems by the object they are in, in file order, so each object's problems read together. */
function sortByObject(issues: ValidationIssue[]): ValidationIssue[] {
  const rank = (issue: ValidationIssue): [number, number] => {
    const match = /^([A-Za-z_$][\w$]*)(?:\[(\d+)\])?/.exec(issue.path);
    const section = match ? SECTIONS.indexOf(match[1] as string) : -1;
    return [section === -1 ? (issue.path ? SECTIONS.length : -1) : section, Number(match?.[2] ?? -1)];
  };
  return issues
    .map((issue, i) => ({ issue, i, rank: rank(issue) }))
    .sort((a, b) => a.rank[0] - b.rank[0] || a.rank[1] - b.rank[1] || a.i - b.i)
    .map((x) => x.issue);
}

function describeInput(input: unknown, file: string | undefined): string {
  const project = get(input, 'project');
  const name = typeof project === 'string' ? `repo "${project}"` : 'repo';
  return file ? `${name} (${file})` : name;
}

