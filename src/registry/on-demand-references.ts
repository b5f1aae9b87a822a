/**
 * Reference checks of on-demand feature views: sources exist and offer the named features, inputs and outputs do
 * not clash, JSON expressions parse and type-check. Run on the raw input like the other reference checks; a view
 * whose shape is wrong is skipped here (its shape problems are reported by the schema).
 */
import { formatPath } from './errors.js';
import { ON_DEMAND_DTYPES, checkExpressions, declaredInputs, inputProblem } from './on-demand.js';
import { get, known, list, nameOf, type Add } from './raw.js';
import { FeatureViewSchema, OnDemandFeatureViewSchema, isTransformFn, type FeatureView } from './schema.js';
import { viewFeatures } from './features.js';

/** Checks every on-demand view; returns name -> outputs, for the feature service checks. */
export function checkOnDemandViews(input: unknown, add: Add): Map<string, string[]> {
  const raw = list(get(input, 'onDemandFeatureViews'));
  const views: FeatureView[] = list(get(input, 'featureViews')).flatMap((v) => {
    const parsed = FeatureViewSchema.safeParse(v);
    return parsed.success ? [parsed.data] : [];
  });
  const viewNames = new Set(list(get(input, 'featureViews')).map(nameOf));
  const serviceNames = new Set(list(get(input, 'featureServices')).map(nameOf));
  const offered = new Map<string, string[]>();
  raw.forEach((odfvInput, i) => {
    const base = `onDemandFeatureViews[${i}]`;
    const name = nameOf(odfvInput);
    if (name !== undefined) {
      if (offered.has(name)) add(`${base}.name`, `duplicate on-demand feature view name "${name}"`);
      else if (viewNames.has(name)) add(`${base}.name`, `"${name}" is also the name of a feature view; give the on-demand view another name`);
      else if (serviceNames.has(name)) add(`${base}.name`, `"${name}" is also the name of a feature service; give the on-demand view another name`);
    }
    const parsed = OnDemandFeatureViewSchema.safeParse(odfvInput);
    if (!parsed.success) return;
    const odfv = parsed.data;
    if (name !== undefined && !offered.has(name)) offered.set(name, odfv.schema.map((f) => f.name));

    const seenSources = new Map<string, number>();
    odfv.sources.forEach((source, j) => {
      const path = `${base}.sources[${j}]`;
      const view = views.find((v) => v.name === source.view);
      if (!view) {
        const why = raw.some((o) => nameOf(o) === source.view) ? ': on-demand views read feature views, not other on-demand views' : `; known views: ${known(views.map((v) => v.name))}`;
        add(path, `unknown feature view "${source.view}"${why}`);
        return;
      }
      const first = seenSources.get(source.view);
      if (first !== undefined) add(path, `feature view "${source.view}" is already a source (${base}.sources[${first}]); list its features once`);
      else seenSources.set(source.view, j);
      const has = viewFeatures(view).map((f) => f.name);
      source.features?.forEach((feature, k) => {
        if (!has.includes(feature)) add(`${path}.features[${k}]`, `feature view "${source.view}" has no feature "${feature}"; it has: ${known(has)}`);
      });
    });

    const inputs = declaredInputs({ featureViews: views }, odfv);
    const inputOwner = new Map<string, string>();
    for (const inputField of inputs) {
      const owner = inputField.view === undefined ? 'the request' : `feature view "${inputField.view}"`;
      const previous = inputOwner.get(inputField.name);
      if (previous !== undefined) {
        add(base, `input "${inputField.name}" comes from both ${previous} and ${owner}: the transform reads columns by name, so list only one`);
      }
      inputOwner.set(inputField.name, owner);
    }
    const fn = isTransformFn(odfv.transform);
    if (fn) {
      for (const inputField of inputs) {
        const problem = inputProblem(inputField);
        if (problem) add(base, `${problem} (list the features the transform reads in sources[].features)`);
      }
    }

    const seenOutputs = new Set<string>();
    odfv.schema.forEach((field, k) => {
      const path = `${base}.schema[${k}]`;
      if (seenOutputs.has(field.name)) add(`${path}.name`, `duplicate output "${field.name}"`);
      seenOutputs.add(field.name);
      const owner = inputOwner.get(field.name);
      if (owner !== undefined) add(`${path}.name`, `output "${field.name}" has the name of an input from ${owner}`);
      if (!ON_DEMAND_DTYPES.includes(field.dtype)) add(`${path}.dtype`, `transforms write ${ON_DEMAND_DTYPES.join(', ')}, not ${field.dtype}`);
    });

    if (!fn) {
      const expressions = odfv.transform as Record<string, string>;
      for (const field of odfv.schema) {
        if (!(field.name in expressions)) add(`${base}.transform`, `no expression for output "${field.name}"`);
      }
      for (const key of Object.keys(expressions)) {
        if (!seenOutputs.has(key)) add(formatPath(['onDemandFeatureViews', i, 'transform', key]), `"${key}" is not an output in schema (outputs: ${known(seenOutputs)})`);
      }
      const { problems } = checkExpressions(odfv, inputs);
      for (const [output, message] of problems) add(formatPath(['onDemandFeatureViews', i, 'transform', output]), message);
    }
  });
  return offered;
}
