/** Checks a repo's plain views against their sources' real columns, through an injected describer. */
import type { ValidationIssue } from './errors.js';
import { known } from './raw.js';

/** A column name as people write them; anything else may be a file's first line read as a header. */
const PLAIN_COLUMN = /^[A-Za-z_][A-Za-z0-9_ .-]{0,62}$/;

/**
 * The columns for an error message, unless any looks like text rather than a column name: a "CSV" whose header is
 * `root:x:0:0:root:/root:/bin/bash` is some other file, and an error must not echo its content.
 */
export function columnList(names: Iterable<string>): string {
  const all = [...names];
  if (all.every((n) => PLAIN_COLUMN.test(n))) return known(all);
  return `${all.length} column${all.length === 1 ? '' : 's'}, names not shown as they do not look like column names (is this a data file?)`;
}
import type { Repo, Source } from './schema.js';
import type { DescribeSource } from './validate.js';

/**
 * Plain views read their columns straight from the source, so the schema, timestamp fields and join keys must
 * exist there. Transform and aggregation views produce their own columns and are checked when they run.
 */
export async function checkSourceColumns(repo: Repo, describe: DescribeSource, repoDir: string): Promise<ValidationIssue[]> {
  const issues: ValidationIssue[] = [];
  const columnsByIndex = new Map<number, string[] | undefined>();
  const columnsOf = async (index: number): Promise<string[] | undefined> => {
    if (!columnsByIndex.has(index)) {
      const source = repo.sources[index] as Source;
      try {
        columnsByIndex.set(index, await describe(source, repoDir, repo));
      } catch (err) {
        columnsByIndex.set(index, undefined);
        issues.push({ path: `sources[${index}]`, message: `cannot read source "${source.name}": ${(err as Error).message ?? String(err)}` });
      }
    }
    return columnsByIndex.get(index);
  };
  for (const [i, view] of repo.featureViews.entries()) {
    if (view.transform || view.aggregation) continue;
    const index = repo.sources.findIndex((s) => s.name === view.source);
    const source = repo.sources[index];
    const columns = source && (await columnsOf(index));
    if (!source || !columns) continue;
    const missing = (path: string, column: string, what = `column "${column}"`): void => {
      if (!columns.includes(column)) {
        issues.push({ path, message: `${what} is not in source "${source.name}" (columns: ${columnList(columns)})` });
      }
    };
    view.schema?.forEach((field, j) => missing(`featureViews[${i}].schema[${j}].name`, field.name));
    missing(`sources[${index}].timestampField`, source.timestampField, `timestamp field "${source.timestampField}"`);
    const created = source.createdTimestampField;
    if (created) missing(`sources[${index}].createdTimestampField`, created, `created timestamp field "${created}"`);
    view.entities.forEach((name, j) => {
      const entity = repo.entities.find((e) => e.name === name);
      for (const key of entity?.joinKeys ?? []) {
        missing(`featureViews[${i}].entities[${j}]`, key, `join key "${key}" of entity "${name}"`);
      }
    });
  }
  return issues;
}
