// The catalog: one page, hash routes (#/views, #/lookup, ...), data from the server's own JSON endpoints.
import { renderLookup } from './lookup.js';
import { dtypeOf, viewFeatures } from './model.js';
import { api, badge, code, duration, errorBox, h, meta, table, tags } from './render.js';

const PAGES = {
  entities: renderEntities,
  views: renderViews,
  services: renderServices,
  'on-demand': renderOnDemand,
  'push-sources': renderPushSources,
  history: renderHistory,
  lookup: renderLookup,
};

let registry;

async function show() {
  const page = location.hash.replace(/^#\/?/, '').split('/')[0] || 'views';
  const main = document.getElementById('main');
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${page}`);
  const render = PAGES[page];
  try {
    registry ??= await api('/registry');
    document.getElementById('project').textContent = `project ${registry.project}`;
    const content = render ? await render(registry) : errorBox(`no page "${page}"`);
    main.replaceChildren(h('div', { class: 'page' }, content));
  } catch (err) {
    main.replaceChildren(errorBox(err));
  }
  main.dataset.page = page;
}

window.addEventListener('hashchange', show);
show();

function renderEntities(reg) {
  const rows = reg.entities.map((e) => [code(e.name), e.joinKeys.map((k) => code(k)), e.valueType ?? '', e.description ?? '', tags(e.tags)]);
  const sources = reg.sources.map((s) => [code(s.name), s.type, code(s.path ?? s.table ?? s.query ?? s.batchSource ?? ''), s.timestampField, s.description ?? '']);
  return [
    reg.description ? h('p', null, reg.description) : null,
    h('h2', null, 'Entities ', h('span', { class: 'muted' }, `(${rows.length})`)),
    table(['Entity', 'Join keys', 'Value type', 'Description', 'Tags'], rows, { id: 'entities' }),
    h('h2', null, 'Sources ', h('span', { class: 'muted' }, `(${sources.length})`)),
    table(['Source', 'Type', 'Location', 'Timestamp field', 'Description'], sources, { id: 'sources' }),
  ];
}

async function renderViews(reg) {
  const online = reg.featureViews.filter((v) => v.online);
  let freshness = new Map();
  let freshnessError = null;
  if (online.length > 0) {
    try {
      freshness = new Map((await api('/freshness')).views.map((f) => [f.view, f]));
    } catch (err) {
      freshnessError = errorBox(err);
    }
  }
  const cards = reg.featureViews.map((v) => {
    const f = freshness.get(v.name);
    const status = !v.online ? badge('offline only', 'offline') : f ? badge(f.status) : badge('?', 'unknown');
    const features = viewFeatures(v).map((x) => [code(x.name), code(x.dtype), x.description ?? '', tags(x.tags)]);
    return h(
      'section',
      { class: 'card view', id: `view-${v.name}`, 'data-view': v.name },
      h('h3', null, v.name, ' ', h('span', { class: 'freshness', 'data-status': f?.status ?? (v.online ? 'n/a' : 'offline') }, status)),
      v.description ? h('p', null, v.description) : null,
      meta([
        ['Entities', v.entities.join(', ')],
        ['Source', code(v.source)],
        ['TTL', v.ttl === undefined || v.ttl === 0 ? 'none' : duration(v.ttl)],
        ['Owner', v.owner],
        ['Tags', tags(v.tags)],
        ['Schedule', v.schedule ? `${v.schedule.cron}${v.schedule.timezone ? ` (${v.schedule.timezone})` : ' (UTC)'}` : null],
        ['Transform', v.transform ? code(v.transform.sql) : null],
        ['Max staleness', v.freshness ? duration(v.freshness.maxStaleness) : null],
        ['Newest event', f?.newestEventTime ? `${f.newestEventTime} (${duration(f.stalenessSeconds)} ago)` : f ? 'never materialized' : null],
        ['Last materialized', f?.lastMaterializedAt],
        ['Last alert', f?.lastAlert ? `${f.lastAlert.status} at ${f.lastAlert.at}` : null],
      ]),
      table(['Feature', 'Dtype', 'Description', 'Tags'], features, { class: 'features-table' }),
    );
  });
  return [freshnessError, h('h2', null, 'Feature views ', h('span', { class: 'muted' }, `(${cards.length})`)), cards];
}

function renderServices(reg) {
  const cards = reg.featureServices.map((s) => {
    const rows = Object.entries(s.features).flatMap(([view, names]) => names.map((n) => [code(`${view}:${n}`), code(dtypeOf(reg, view, n))]));
    return h(
      'section',
      { class: 'card service', 'data-service': s.name },
      h('h3', null, s.name),
      s.description ? h('p', null, s.description) : null,
      meta([['Owner', s.owner], ['Tags', tags(s.tags)], ['Lookup', h('a', { href: `#/lookup/${s.name}` }, 'try it')]]),
      table(['Feature', 'Dtype'], rows),
    );
  });
  return [h('h2', null, 'Feature services ', h('span', { class: 'muted' }, `(${cards.length})`)), cards.length ? cards : h('p', { class: 'muted' }, 'None.')];
}

function renderOnDemand(reg) {
  const cards = reg.onDemandFeatureViews.map((v) => {
    const transform = typeof v.transform === 'string'
      ? h('pre', { class: 'mono' }, v.transform)
      : table(['Output', 'Expression'], Object.entries(v.transform).map(([k, e]) => [code(k), code(e)]));
    return h(
      'section',
      { class: 'card odfv', 'data-view': v.name },
      h('h3', null, v.name),
      v.description ? h('p', null, v.description) : null,
      meta([
        ['Sources', v.sources.map((s) => code(s.features ? `${s.view}[${s.features.join(', ')}]` : s.view))],
        ['Request fields', v.request.map((f) => code(`${f.name}: ${f.dtype}`))],
        ['Owner', v.owner],
        ['Tags', tags(v.tags)],
      ]),
      table(['Output', 'Dtype', 'Description'], v.schema.map((f) => [code(f.name), code(f.dtype), f.description ?? ''])),
      h('h3', { class: 'muted' }, 'Transform'),
      transform,
    );
  });
  return [h('h2', null, 'On-demand feature views ', h('span', { class: 'muted' }, `(${cards.length})`)), cards.length ? cards : h('p', { class: 'muted' }, 'None.')];
}

function renderPushSources(reg) {
  const cards = reg.sources.filter((s) => s.type === 'push').map((s) => {
    const views = reg.featureViews.filter((v) => v.source === s.name);
    const columns = [...new Set(views.flatMap((v) => viewFeatures(v).map((f) => `${f.name}: ${f.dtype}`)))];
    return h(
      'section',
      { class: 'card push', 'data-source': s.name },
      h('h3', null, s.name),
      s.description ? h('p', null, s.description) : null,
      meta([
        ['Batch source', code(s.batchSource)],
        ['Timestamp field', code(s.timestampField)],
        ['Created field', s.createdTimestampField ? code(s.createdTimestampField) : null],
        ['Views fed', views.map((v) => code(v.name))],
        ['Pushed columns', columns.map((c) => code(c))],
        ['Tags', tags(s.tags)],
      ]),
    );
  });
  return [h('h2', null, 'Push sources ', h('span', { class: 'muted' }, `(${cards.length})`)), cards.length ? cards : h('p', { class: 'muted' }, 'None.')];
}

const changeText = (c) => [badge(c.action, c.action), ' ', c.kind, ' ', code(c.name), c.fields.length ? h('span', { class: 'muted' }, ` (${c.fields.join(', ')})`) : null];

async function renderHistory() {
  const hist = await api('/registry/history');
  const head = meta([
    ['Served hash', code(hist.servedHash)],
    ['Stored version', hist.stored ? `v${hist.stored.version}, applied ${hist.stored.appliedAt} (${hist.stored.objects} objects)` : 'never applied (or the server does not know the repo folder)'],
    ['Served vs stored', hist.stored ? (hist.pendingChanges.length === 0 ? badge('in sync', 'fresh') : badge(`${hist.pendingChanges.length} change(s) not applied`, 'stale')) : null],
  ]);
  const pending = hist.stored && hist.pendingChanges.length
    ? [h('h3', null, 'Not applied yet'), h('ul', null, hist.pendingChanges.map((c) => h('li', null, changeText(c))))]
    : null;
  const rows = hist.versions.map((v) => [code(`v${v.version}`), v.appliedAt, h('ul', { class: 'changes' }, v.changes.map((c) => h('li', null, changeText(c))))]);
  return [
    h('h2', null, 'Registry'),
    h('section', { class: 'card' }, head, pending),
    h('h2', null, 'History ', h('span', { class: 'muted' }, hist.stored ? `(${hist.totalVersions} versions, newest first)` : '')),
    rows.length ? table(['Version', 'Applied at', 'Changes'], rows, { id: 'history' }) : h('p', { class: 'muted' }, 'No stored versions.'),
  ];
}
