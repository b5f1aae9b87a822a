/**
 * The latest drift report per view and the last drift alert, as JSON in Redis hashes (layout in types.ts):
 * validated on the way in and out like watermarks, since other tools may write these hashes too.
 */
import { z } from 'zod';
import type { DriftAlertRecord, DriftRecord } from './types.js';
import { format, parse } from './watermark.js';

const Instant = z.iso.datetime({ offset: true });
const Level = z.enum(['ok', 'warn', 'alert']);
const Range = z.object({ start: z.string(), end: z.string(), rows: z.number() });

const FeatureDriftSchema = z.object({
  feature: z.string(),
  dtype: z.string(),
  psi: z.number().optional(),
  ks: z.object({ d: z.number(), pValue: z.number(), method: z.enum(['exact', 'sketch']) }).optional(),
  js: z.number().optional(),
  nullDeltaPoints: z.number(),
  level: Level,
  reasons: z.array(z.string()),
});

const DriftRecordSchema = z.object({
  checkedAt: Instant,
  report: z.object({
    view: z.string(),
    reference: Range.extend({ snapshot: z.string().optional() }),
    current: Range,
    features: z.array(FeatureDriftSchema),
    level: Level,
  }),
});

const DriftAlertSchema = z.object({ level: Level, at: Instant });

export const formatDriftRecord = (view: string, record: DriftRecord): string => format(DriftRecordSchema, `drift report of "${view}"`, record);
export const parseDriftRecord = (view: string, text: string): DriftRecord => parse(DriftRecordSchema, `drift report of "${view}"`, text);

export const formatDriftAlert = (view: string, alert: DriftAlertRecord): string => format(DriftAlertSchema, `drift alert state of "${view}"`, alert);
export const parseDriftAlert = (view: string, text: string): DriftAlertRecord => parse(DriftAlertSchema, `drift alert state of "${view}"`, text);
