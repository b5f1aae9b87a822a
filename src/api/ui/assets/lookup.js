// The lookup form: pick a feature service or features, type entity values, and see /get-online-features' answer
// as a table of values with their statuses.
import { viewFeatures } from './model.js';
import { api, badge, code, errorBox, h } from './render.js';

const NUMERIC = /^(int32|int64|float32|float64)$/;

/** Feature refs (`view:feature`) a choice stands for: a service's, or the ticked ones. */
function refsOf(reg, form) {
  if (form.mode.value === 'service') {
    const service = reg.featureServices.find((s) => s.name === form.service.value);
    return service ? Object.entries(service.features).flatMap(([v, names]) => names.map((n) => `${v}:${n}`)) : [];
  }
  return [...form.querySelectorAll('input[name=feature]:checked')].map((c) => c.value);
}

/** The entity columns a set of refs needs: join keys of the views read (on-demand sources included) and request fields. */
function inputsOf(reg, refs) {
  const inputs = new Map();
  const addView = (name) => {
    const view = reg.featureViews.find((v) => v.name === name);
    for (const entityName of view?.entities ?? []) {
      const entity = reg.entities.find((e) => e.name === entityName);
      for (const key of entity?.joinKeys ?? []) inputs.set(key, entity.valueType ?? 'string');
    }
  };
  for (const viewName of new Set(refs.map((r) => r.split(':')[0]))) {
    const odfv = reg.onDemandFeatureViews.find((v) => v.name === viewName);
    if (!odfv) addView(viewName);
    else {
      for (const s of odfv.sources) addView(s.view);
      for (const f of odfv.request) inputs.set(f.name, f.dtype);
    }
  }
  return inputs;
}

/** "1, 2,x" -> [1, 2, "x"] for a numeric column: what is not a number is sent as typed, for the API to judge. */
function parseValues(text, dtype) {
  return text.split(',').map((t) => t.trim()).filter((t) => t !== '').map((t) => {
    if (NUMERIC.test(dtype) && t !== '' && Number.isSafeInteger(Number(t))) return Number(t);
    if (/^float/.test(dtype) && Number.isFinite(Number(t))) return Number(t);
    if (dtype === 'bool' && (t === 'true' || t === 'false')) return t === 'true';
    return t;
  });
}

export function renderLookup(reg) {
  const preset = decodeURIComponent(location.hash.split('/')[2] ?? '');
  const online = new Set(reg.featureViews.filter((v) => v.online).map((v) => v.name));
  const featureBoxes = [
    ...reg.featureViews.filter((v) => online.has(v.name)).flatMap((v) => viewFeatures(v).map((f) => `${v.name}:${f.name}`)),
    ...reg.onDemandFeatureViews.flatMap((v) => v.schema.map((f) => `${v.name}:${f.name}`)),
  ].map((ref) => h('label', null, h('input', { type: 'checkbox', name: 'feature', value: ref }), ' ', code(ref)));
  const hasServices = reg.featureServices.length > 0;

  const entityRows = h('div', { id: 'entity-inputs' });
  const answer = h('div', { id: 'answer' });
  const form = h(
    'form',
    { id: 'lookup', class: 'card', onsubmit: (e) => { e.preventDefault(); void submit(); }, onchange: (e) => { if (['mode', 'service', 'feature'].includes(e.target.name)) refresh(); } },
    h('div', { class: 'row' }, h('label', { for: 'mode' }, 'Ask for'),
      h('select', { id: 'mode', name: 'mode' },
        hasServices ? h('option', { value: 'service' }, 'a feature service') : null,
        h('option', { value: 'features' }, 'features'))),
    h('div', { class: 'row', id: 'service-row' }, h('label', { for: 'service' }, 'Feature service'),
      h('select', { id: 'service', name: 'service' }, reg.featureServices.map((s) => h('option', { value: s.name, selected: s.name === preset }, s.name)))),
    h('div', { id: 'feature-row' }, h('div', { class: 'features' }, featureBoxes)),
    h('p', { class: 'muted' }, 'Entity values: one column per key, values separated by commas (one entity row each).'),
    entityRows,
    h('div', { class: 'row' }, h('label', null, h('input', { type: 'checkbox', name: 'full' }), ' full feature names')),
    h('div', { class: 'row' }, h('button', { type: 'submit' }, 'Look up')),
  );

  // One row per entity column, kept (with what was typed) while the chosen features still need it.
  const keyRows = new Map();
  function refresh() {
    const byService = form.mode.value === 'service';
    form.querySelector('#service-row').hidden = !byService;
    form.querySelector('#feature-row').hidden = byService;
    const inputs = inputsOf(reg, refsOf(reg, form));
    entityRows.replaceChildren(...[...inputs].map(([key, dtype]) => {
      if (!keyRows.has(key)) {
        keyRows.set(key, h('div', { class: 'row' }, h('label', { for: `key-${key}` }, key, ' ', h('span', { class: 'muted' }, dtype)),
          h('input', { type: 'text', id: `key-${key}`, name: key, 'data-dtype': dtype, placeholder: NUMERIC.test(dtype) ? '1, 2, 3' : 'a, b' })));
      }
      return keyRows.get(key);
    }));
  }

  async function submit() {
    const refs = refsOf(reg, form);
    const entities = Object.fromEntries([...entityRows.querySelectorAll('input')].map((i) => [i.name, parseValues(i.value, i.dataset.dtype)]));
    const body = form.mode.value === 'service' ? { feature_service: form.service.value, entities } : { features: refs, entities };
    if (form.full.checked) body.full_feature_names = true;
    answer.replaceChildren(h('p', { class: 'muted' }, 'Asking…'));
    try {
      answer.replaceChildren(h('details', null, h('summary', { class: 'muted' }, 'Request'), h('pre', { class: 'mono' }, JSON.stringify(body, null, 2))), answerTable(await api('/get-online-features', body)));
    } catch (err) {
      answer.replaceChildren(errorBox(err));
    }
  }

  refresh();
  return [h('h2', null, 'Online lookup'), form, answer];
}

/** One row per entity row; each cell shows the value, its status and its event time. */
function answerTable(res) {
  const names = res.metadata.feature_names;
  const rows = res.results[0]?.values.length ?? 0;
  const cell = (col, i) => {
    const value = col.values[i];
    const status = col.statuses[i];
    return h('td', { class: 'cell', 'data-status': status },
      h('span', { class: 'mono' }, value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value)), ' ',
      badge(status),
      col.event_timestamps[i] && !col.event_timestamps[i].startsWith('1970') ? h('span', { class: 'ts' }, col.event_timestamps[i]) : null);
  };
  return h('table', { id: 'answer-table' },
    h('thead', null, h('tr', null, names.map((n) => h('th', null, n)))),
    h('tbody', null, Array.from({ length: rows }, (_, i) => h('tr', null, res.results.map((col) => cell(col, i))))));
}
