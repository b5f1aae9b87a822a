/** Safe accessors over raw (not yet validated) input, so checks can run on partly invalid repos. */
export type Add = (path: string, message: string) => void;
export type Raw = Record<string, unknown>;

export const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const get = (v: unknown, key: string): unknown => (isRecord(v) ? v[key] : undefined);
export const nameOf = (v: unknown): string | undefined => (typeof get(v, 'name') === 'string' ? (get(v, 'name') as string) : undefined);
export const known = (names: Iterable<string>): string => [...names].join(', ') || '(none)';
