// Small DOM helpers for the catalog. Everything from the registry goes in as text nodes, never as HTML, so a
// description or tag value cannot inject markup.

/** h('td', { class: 'x' }, child, ...): an element; children are nodes, strings, numbers or arrays of them. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : String(child));
  }
}

/** A table: headers, then rows of cells (each a node, string or array). */
export function table(headers, rows, attrs) {
  return h(
    'table',
    attrs,
    h('thead', null, h('tr', null, headers.map((c) => h('th', null, c)))),
    h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c))))),
  );
}

export const badge = (text, kind = text) => h('span', { class: `badge ${kind}` }, text);
export const code = (text) => h('code', null, text);

/** A definition list of the entries whose value is present. */
export function meta(entries) {
  const shown = entries.filter(([, v]) => v !== undefined && v !== null && v !== '' && !(Array.isArray(v) && v.length === 0));
  return h('dl', { class: 'meta' }, shown.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
}

export function tags(record) {
  const entries = Object.entries(record ?? {});
  return entries.length === 0 ? null : entries.map(([k, v]) => h('span', { class: 'tag' }, `${k}=${v}`));
}

/** 90061 -> "1d 1h 1m 1s"; registry durations come as written (e.g. "2d") or as seconds. */
export function duration(value) {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  let s = Math.round(value);
  if (s === 0) return '0s';
  const parts = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]]) {
    if (s >= size) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.join(' ');
}

export function errorBox(err) {
  return h('div', { class: 'error', role: 'alert' }, err instanceof Error ? err.message : String(err));
}

/** GET or POST JSON; a non-2xx answer becomes an Error carrying the API's own code and message. */
export async function api(path, body) {
  const init = body === undefined ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
  const res = await fetch(path, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path}: HTTP ${res.status}, not JSON: ${text.slice(0, 200)}`);
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${json.error?.code ?? ''}: ${json.error?.message ?? text}`);
  return json;
}
