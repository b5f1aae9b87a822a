// What the catalog derives from GET /registry's JSON, the way the server's registry code derives it.

/** As the registry names aggregation columns (aggregationColumnName): `7d` stays, 86400 or "86400" -> `1d`. */
function windowText(w) {
  if (typeof w === 'string' && /^\d+[smhdw]$/.test(w)) return w;
  const seconds = Number(String(w).trim());
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60]]) {
    if (seconds > 0 && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

/** The columns a view serves: its schema, or one per aggregation feature and window (dtype inferred unless a count). */
export function viewFeatures(view) {
  if (!view.aggregation) return (view.schema ?? []).map((f) => ({ ...f }));
  return view.aggregation.features.flatMap((f) =>
    view.aggregation.windows.map((w) => ({
      name: `${f.name}_${windowText(w)}`,
      dtype: f.function === 'count' || f.function === 'count_distinct' ? 'int64' : 'inferred',
      description: `${f.function}(${f.column ?? '*'})${f.filter ? ` where ${f.filter}` : ''} over ${w}`,
    })),
  );
}

/** A feature's dtype, from a feature view or an on-demand view; '?' when unknown. */
export function dtypeOf(reg, viewName, feature) {
  const view = reg.featureViews.find((v) => v.name === viewName);
  if (view) return viewFeatures(view).find((f) => f.name === feature)?.dtype ?? '?';
  const odfv = reg.onDemandFeatureViews.find((v) => v.name === viewName);
  return odfv?.schema.find((f) => f.name === feature)?.dtype ?? '?';
}
