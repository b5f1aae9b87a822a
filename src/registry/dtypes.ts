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
