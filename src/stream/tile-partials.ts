/**
 * The ingest loop's PartialsBuilder over the engine's micro-batch partials (src/engine/stream-partials.ts): DuckDB
 * folds a batch into one row per (entity, tile), and this names each row's entity by the bytes materialization and
 * serving use (encodeEntityKey with the entities' declared types), so a request's key finds the tiles.
 *
 * A key value DuckDB typed but the entity's declared type refuses (a DOUBLE 1.5 for an int64 entity) cannot be
 * stored under any key a request could ask for: its row is left out and its events counted invalid, with the first
 * few refusals logged, rather than stopping the view's ingestion on one bad event forever.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { StreamPartials } from '../engine/stream-partials.js';
import { encodeEntityKey } from '../online/keys.js';
import type { TileRow } from '../online/stream-tiles.js';
import type { StreamEvent } from './events.js';
import type { PartialsBuilder, PartialsResult } from './ingest.js';
import type { StreamViewPlan } from './view-plan.js';

/** The tuples a joined row carries none of. */
const NO_STATES: TileRow['states'] = Object.freeze([]);

/** Refused keys logged per batch at most. */
const KEY_SAMPLES = 3;

export class TilePartials implements PartialsBuilder<TileRow> {
  private constructor(
    private readonly partials: StreamPartials,
    private readonly plan: Pick<StreamViewPlan, 'joinKeys' | 'keyTypes'>,
    private readonly onRefusedKey: (reason: string) => void,
  ) {}

  /**
   * Prepares the view's batch statement on `conn` (which must outlive this object; close() frees the statement).
   * `columns`: the stream source's offline relation's column types (DESCRIBE of its batch source).
   */
  static async open(
    conn: DuckDBConnection,
    plan: Pick<StreamViewPlan, 'joinKeys' | 'keyTypes' | 'features' | 'rules' | 'tileMicros'>,
    columns: ReadonlyMap<string, string>,
    onRefusedKey: (reason: string) => void = () => undefined,
  ): Promise<TilePartials> {
    const partials = await StreamPartials.open(conn, {
      joinKeys: plan.joinKeys,
      features: plan.features,
      timestampField: plan.rules.timestampField,
      tileMicros: plan.tileMicros,
      columns,
    });
    return new TilePartials(partials, plan, onRefusedKey);
  }

  async aggregate(events: readonly StreamEvent[]): Promise<PartialsResult<TileRow>> {
    const result = await this.partials.aggregateJoined(events);
    const { joinKeys, keyTypes } = this.plan;
    const rows: TileRow[] = [];
    let refused = 0;
    let logged = 0;
    for (const row of result.rows) {
      let entityKey: string;
      try {
        entityKey = encodeEntityKey(row.keyValues, keyTypes, joinKeys);
      } catch (err) {
        refused += row.events;
        if (logged++ < KEY_SAMPLES) this.onRefusedKey(err instanceof Error ? err.message : String(err));
        continue;
      }
      rows.push({ entityKey, tile: row.tile, states: NO_STATES, joined: row.joined });
    }
    return { rows, overflow: result.overflow, untypedKeys: result.untypedKeys + refused };
  }

  close(): void {
    this.partials.close();
  }
}
