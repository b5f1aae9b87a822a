/** Value types a feature or an entity key can have (SPEC section 1); `T[]` is a list of T. */
export const SCALAR_DTYPES = ['int32', 'int64', 'float32', 'float64', 'string', 'bool', 'timestamp', 'bytes'] as const;
export type ScalarDtype = (typeof SCALAR_DTYPES)[number];
export type Dtype = ScalarDtype | `${ScalarDtype}[]`;

export const DTYPES: readonly Dtype[] = [...SCALAR_DTYPES, ...SCALAR_DTYPES.map((t) => `${t}[]` as const)];

export function isDtype(value: unknown): value is Dtype {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

export function isListDtype(dtype: Dtype): dtype is `${ScalarDtype}[]` {
  return dtype.endsWith('[]');
}

export function elementDtype(dtype: Dtype): ScalarDtype {
  return (isListDtype(dtype) ? dtype.slice(0, -2) : dtype) as ScalarDtype;
}

/**
 * The float a JSON text stands for when JSON has no number for it ("NaN", "Infinity", "-Infinity": how the API
 * writes them, and how Python's json.dumps tokens arrive), else undefined. A switch, not an object lookup, so
 * "toString" or "constructor" never reads as a float.
 */
export function specialFloat(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case 'Infinity':
      return Number.POSITIVE_INFINITY;
    case '-Infinity':
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}
