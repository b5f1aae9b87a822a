/**
 * The columns an aggregation query computes, collected while the feature plans are built (aggregates.ts). Each
 * distinct piece of SQL gets one column, so features that need the same count, sum or window share it instead of
 * making DuckDB compute it twice: window aggregates are by far the dearest part of the query.
 */
import { ident } from '../sql.js';
import type { Columns, WindowAggregate } from './aggregates.js';

/** Bucket end (microseconds), the position of every row on an entity's timeline. */
export const BUCKET = '__ff_b';

export interface DistinctList {
  /** Partial column holding each bucket's distinct values. */
  list: string;
  /** Per window, the column that the deltas query fills (see distinct-sql.ts). */
  minus: string[];
}

export class ColumnSet {
  static readonly RUNNING = '__ff_running';
  static frame(window: number): string {
    return `__ff_frame${window}`;
  }

  private readonly partials = new Map<string, string>();
  private readonly derived = new Map<string, string>();
  private readonly windows = new Map<string, string>();
  private readonly distinct = new Map<string, DistinctList & { plus: string }>();
  /** Partial and derived columns some window aggregates; only these travel onto the timeline. */
  private readonly windowInputs = new Set<string>();

  constructor(
    private readonly keys: string,
    private readonly windowCount: number,
  ) {}

  private static named(columns: Map<string, string>, sql: string, prefix: string): string {
    let name = columns.get(sql);
    if (name === undefined) {
      name = ident(`__ff_${prefix}${columns.size}`);
      columns.set(sql, name);
    }
    return name;
  }

  forWindow(j: number): Columns {
    const window = (sql: string, inputs: string[]) => {
      inputs.forEach((c) => this.windowInputs.add(c));
      return ColumnSet.named(this.windows, sql, 'w');
    };
    return {
      partial: (sql) => ColumnSet.named(this.partials, sql, 'p'),
      derived: (sql) => ColumnSet.named(this.derived, sql, 'd'),
      entityAverage: (column) => `avg(${column}) OVER (PARTITION BY ${this.keys})`,
      window: (aggregate: WindowAggregate, ...columns) =>
        window(`${aggregate}(${columns.join(', ')}) OVER ${ColumnSet.frame(j)}`, columns),
      distinctCount: (list) => {
        const d = this.distinctOf(list);
        const plus = window(`sum(${d.plus}) OVER ${ColumnSet.RUNNING}`, [d.plus]);
        const minus = window(`sum(${d.minus[j] as string}) OVER ${ColumnSet.RUNNING}`, []);
        return `(${plus} - coalesce(${minus}, 0))`;
      },
    };
  }

  private distinctOf(list: string): DistinctList & { plus: string } {
    let d = this.distinct.get(list);
    if (d === undefined) {
      const k = this.distinct.size;
      const minus = Array.from({ length: this.windowCount }, (_, j) => ident(`__ff_m${k}_${j}`));
      d = { list, plus: ColumnSet.named(this.derived, `len(${list})`, 'd'), minus };
      this.distinct.set(list, d);
    }
    return d;
  }

  partialColumns(): string[] {
    return [...this.partials].map(([sql, name]) => `${sql} AS ${name}`);
  }

  derivedColumns(): string[] {
    return [...this.derived].map(([sql, name]) => `${sql} AS ${name}`);
  }

  windowColumns(): string[] {
    return [...this.windows].map(([sql, name]) => `${sql} AS ${name}`);
  }

  /** Columns the timeline carries from the partials (the distinct deltas' columns are separate). */
  timelineInputs(): string[] {
    return [...this.windowInputs];
  }

  distinctLists(): DistinctList[] {
    return [...this.distinct.values()].map(({ list, minus }) => ({ list, minus }));
  }
}
