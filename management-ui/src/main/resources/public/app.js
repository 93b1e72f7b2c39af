'use strict';
// Every value from the bus reaches the page as text (textContent, attribute values): never as HTML.
// Live data (server-sent events) updates rows and boxes in place; pages and their filters live in
// the URL's hash, so every view can be linked to and reloaded.

const state = {
  me: null, cluster: null, rates: {}, timeline: [], activities: [], overview: null, route: null,
  clusterUpdates: 0, charts: {}
};

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key.startsWith('on')) node.addEventListener(key.substring(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Sets a node's text only when it changed (no flicker, no lost selection). */
function setText(node, text) {
  const value = text === null || text === undefined ? '' : String(text);
  if (node.textContent !== value) node.textContent = value;
}

/**
 * Brings a container's children in line with {@code items}, keyed by {@code key}: existing
 * children are updated in place and kept (a click in progress on one is not lost), new ones made,
 * gone ones removed, order kept.
 */
function syncChildren(container, items, key, create, update) {
  const existing = new Map();
  for (const child of container.children) existing.set(child.dataset.key, child);
  let previous = null;
  for (const item of items) {
    const k = String(key(item));
    let node = existing.get(k);
    if (node) existing.delete(k);
    else {
      node = create(item);
      node.dataset.key = k;
    }
    update(node, item);
    const wanted = previous ? previous.nextSibling : container.firstChild;
    if (node !== wanted) container.insertBefore(node, wanted);
    previous = node;
  }
  for (const gone of existing.values()) gone.remove();
}

// ---- notices: they stay until dismissed; the same text again counts up instead of stacking

function notice(text, kind) {
  if (!text) return;
  const list = document.getElementById('notices');
  for (const item of list.children) {
    if (item.dataset.text === text) {
      item.dataset.count = String(Number(item.dataset.count) + 1);
      setText(item.querySelector('.count'), '×' + item.dataset.count);
      return;
    }
  }
  const item = el('div', {class: 'notice ' + (kind || 'error'), role: 'alert', 'data-text': text, 'data-count': '1'},
    el('span', {class: 'text'}, text), el('span', {class: 'count'}),
    el('button', {type: 'button', class: 'dismiss', title: 'dismiss', onclick: () => item.remove()}, '×'));
  list.append(item);
}

async function api(path, options) {
  const init = Object.assign({headers: {}}, options || {});
  if (init.poll) {
    // a timed refresh is not the user's activity: it must not keep an unattended tab logged in
    init.headers['X-Bambus-Poll'] = '1';
    delete init.poll;
  }
  if (init.method === 'POST') {
    init.headers['Content-Type'] = 'application/json';
    init.headers['X-CSRF-Token'] = state.me.csrf;
  }
  const response = await fetch(path, init);
  if (response.status === 401) {
    window.location.assign('/login');
    throw new Error('logged out');
  }
  const body = await response.json().catch(() => ({error: response.statusText}));
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function isOperator() {
  return state.me && state.me.role === 'operator';
}

function ago(millis) {
  if (!millis) return '—';
  const s = Math.max(0, Math.round((Date.now() - millis) / 1000));
  if (s < 120) return s + ' s';
  if (s < 7200) return Math.round(s / 60) + ' min';
  return Math.round(s / 3600) + ' h';
}

function mb(bytes) {
  return Math.round(bytes / 1048576) + ' MB';
}

function time(millis) {
  return new Date(millis).toISOString().replace('T', ' ').substring(0, 23);
}

function count(n) {
  return Number(n).toLocaleString('en-US');
}

// ---- routing: #page/part/part?param=value

function parseRoute() {
  const hash = window.location.hash.substring(1) || 'overview';
  const [path, query] = hash.split('?');
  const parts = path.split('/').map(p => {
    try {
      return decodeURIComponent(p);
    } catch (e) {
      return p;
    }
  });
  return {page: parts[0] || 'overview', parts: parts.slice(1), params: new URLSearchParams(query || '')};
}

function link(page, parts, params) {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== '' && v !== null && v !== undefined && !(k === 'offset' && Number(v) === 0)) query.set(k, v);
  }
  const path = [page, ...(parts || []).map(encodeURIComponent)].join('/');
  return '#' + path + (query.toString() ? '?' + query : '');
}

function go(page, parts, params) {
  const target = link(page, parts, params);
  if (window.location.hash === target) showPage();
  else window.location.hash = target;
}

function showPage() {
  const route = state.route = parseRoute();
  for (const section of document.querySelectorAll('.page')) {
    section.classList.toggle('current', section.id === 'page-' + route.page);
  }
  for (const a of document.querySelectorAll('nav a')) {
    a.classList.toggle('current', a.dataset.page === route.page);
  }
  if (route.page === 'overview') loadOverview();
  if (route.page === 'sessions') showSessions(route);
  if (route.page === 'failed') showFailed(route);
  if (route.page === 'activities') showActivities(route);
  if (route.page === 'timeline') loadTimeline();
  if (route.page === 'alerts') showAlerts(route);
  if (route.page === 'aggregations') showAggregations(route);
  if (state.cluster) renderLive();
}

// ---- live: cluster, sessions, overview

function renderLive() {
  const cluster = state.cluster;
  const banner = document.getElementById('cluster-banner');
  setText(banner, cluster.error || '');
  banner.hidden = !cluster.error;
  const linkBadge = document.getElementById('link');
  setText(linkBadge, cluster.error ? 'cluster unreachable' : 'live');
  linkBadge.className = 'link ' + (cluster.error ? 'down' : 'up');
  renderMembers();
  renderSessions();
  renderTiles();
  if (state.route && state.route.page === 'sessions' && state.route.parts[0]) renderSessionFacts(state.route.parts[0]);
}

function renderMembers() {
  const cluster = state.cluster;
  const byMember = {};
  for (const member of cluster.members) byMember[member.address] = [];
  const unplaced = [];
  for (const session of cluster.sessions) (byMember[session.shownOn] || unplaced).push(session);
  const boxes = cluster.members.map(m => ({member: m, sessions: byMember[m.address]}));
  if (unplaced.length) boxes.push({member: null, sessions: unplaced});
  syncChildren(document.getElementById('members'), boxes, b => b.member ? b.member.address : '',
    b => el('div', {class: 'member' + (b.member ? '' : ' unplaced'), 'data-member': b.member ? b.member.address : ''},
      el('h3', {}), el('div', {class: 'facts up'}), el('div', {class: 'facts share'}), el('div', {class: 'error config'}),
      el('div', {class: 'chips'})),
    (box, b) => {
      const m = b.member;
      if (m) {
        setText(box.querySelector('h3'), m.address + (m.deciding ? ' (decides placement' + (m.balancing ? '' : ', balancing off') + ')'
          : m.oldest ? ' (oldest)' : ''));
        setText(box.querySelector('.facts.up'), 'up ' + ago(m.startedMillis) + ' · heap ' + mb(m.heapUsedBytes) + ' of '
          + mb(m.heapMaxBytes) + ' · runs ' + m.sessionsRunning);
        const share = box.querySelector('.facts.share');
        share.dataset.share = m.sessionsAssigned;
        setText(share, 'share ' + m.sessionsAssigned + ' of ' + cluster.sessions.length + ' sessions · '
          + m.eventsPerSecond.toFixed(1) + ' events/s · ' + count(m.lagEvents) + ' waiting');
        setText(box.querySelector('.error.config'), m.configError ? (m.configError.startsWith('activity definitions not deployed')
          ? '' : 'configuration refused: ') + m.configError : '');
      } else {
        setText(box.querySelector('h3'), 'Waiting for an owner');
      }
      syncChildren(box.querySelector('.chips'), b.sessions, s => s.id,
        s => el('a', {'data-session': s.id, href: link('sessions', [s.id])}),
        (chip, s) => {
          chip.className = 'session ' + s.state;
          chip.title = s.state;
          setText(chip, s.id + (s.state === 'RUNNING' ? '' : ' · ' + s.state.toLowerCase()));
        });
    });
}

const ACTIONS = {
  RUNNING: ['pause', 'disable'], FAILING: ['pause', 'disable'], PAUSED: ['resume', 'disable'], DISABLED: ['enable']
};

function actionButtons(session) {
  return isOperator() ? ACTIONS[session.state].map(action =>
    el('button', {type: 'button', 'data-action': action, onclick: () => command(session.id, action)}, action)) : [];
}

function lagText(s) {
  return s.lagEvents + ' waiting' + (s.oldestWaitingMillis ? ', oldest ' + ago(s.oldestWaitingMillis) : '')
    + (s.heldSinceMillis ? '; waits for an open transaction since ' + ago(s.heldSinceMillis) : '');
}

function renderSessions() {
  syncChildren(document.querySelector('#sessions-table tbody'), state.cluster.sessions, s => s.id,
    s => el('tr', {'data-session': s.id},
      el('td', {}, el('a', {href: link('sessions', [s.id])}, s.id)), el('td', {class: 'state'}), el('td', {class: 'owner'}),
      el('td', {class: 'epoch'}), el('td', {class: 'checkpoint'}), el('td', {class: 'moved'}), el('td', {class: 'failed'}),
      el('td', {class: 'rate'}, sparkline(), el('span', {})), el('td', {class: 'lag'}), el('td', {class: 'error'}),
      el('td', {class: 'actions'})),
    (row, s) => {
      setText(row.querySelector('.state'), s.state);
      setText(row.querySelector('.owner'), s.ownerAddress || '—');
      setText(row.querySelector('.epoch'), s.epoch);
      setText(row.querySelector('.checkpoint'), 'batch ' + s.batchNo + ', seq ' + s.maxSeq);
      setText(row.querySelector('.moved'), s.eventsMoved);
      setText(row.querySelector('.failed'), s.eventsFailed);
      setText(row.querySelector('.rate span'), ' ' + s.eventsPerSecond.toFixed(1));
      drawSparkline(row.querySelector('.rate svg'), state.rates[s.id] || []);
      setText(row.querySelector('.lag'), lagText(s));
      setText(row.querySelector('td.error'), s.lastError || '');
      const actions = row.querySelector('.actions');
      if (actions.dataset.state !== s.state) {
        actions.dataset.state = s.state;
        actions.replaceChildren(...actionButtons(s));
      }
    });
}

function sparkline() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', '180');
  svg.setAttribute('height', '30');
  svg.append(document.createElementNS(ns, 'polyline'));
  return svg;
}

function drawSparkline(svg, points) {
  const max = Math.max(1, ...points);
  const value = points.map((v, i) => (i * 180 / 179).toFixed(1) + ',' + (29 - v * 28 / max).toFixed(1)).join(' ');
  const line = svg.firstChild;
  if (line.getAttribute('points') !== value) line.setAttribute('points', value);
}

async function loadRates(poll) {
  try {
    const body = await api('/api/series', {poll: poll});
    for (const s of body.sessions) state.rates[s.session] = s.eventsPerSecond;
    if (state.cluster) renderSessions();
  } catch (e) {
    notice(e.message);
  }
}

async function command(id, action) {
  if (!window.confirm(action + ' session ' + id + '?')) return;
  try {
    await api('/api/sessions/' + encodeURIComponent(id) + '/' + action, {method: 'POST', body: '{}'});
    notice(action + ' ' + id + ': done', 'info');
  } catch (e) {
    notice(action + ' ' + id + ': ' + e.message);
  }
}

function renderTiles() {
  const cluster = state.cluster;
  const tile = (id, value, sub) => {
    setText(document.querySelector('#' + id + ' .value'), value);
    if (sub !== undefined) setText(document.querySelector('#' + id + ' .sub'), sub);
  };
  tile('tile-members', cluster.members.length, cluster.members.filter(m => m.configError).length
    ? cluster.members.filter(m => m.configError).length + ' with a configuration problem' : 'all running the bus');
  const byState = {};
  let unplaced = 0;
  for (const s of cluster.sessions) {
    byState[s.state] = (byState[s.state] || 0) + 1;
    if (s.state === 'RUNNING' && !s.shownOn) unplaced++;
  }
  tile('tile-sessions', cluster.sessions.length, ['RUNNING', 'FAILING', 'PAUSED', 'DISABLED'].filter(k => byState[k])
    .map(k => byState[k] + ' ' + k.toLowerCase()).join(' · ') + (unplaced ? ' · ' + unplaced + ' waiting for an owner' : ''));
  document.getElementById('tile-sessions').classList.toggle('bad', !!byState.FAILING || unplaced > 0);
  tile('tile-rate', cluster.sessions.reduce((sum, s) => sum + s.eventsPerSecond, 0).toFixed(1));
  const oldest = Math.min(...cluster.sessions.map(s => s.oldestWaitingMillis || Infinity));
  tile('tile-lag', count(cluster.sessions.reduce((sum, s) => sum + s.lagEvents, 0)),
    Number.isFinite(oldest) ? 'oldest waits ' + ago(oldest) : 'none waiting');
  const o = state.overview;
  if (o) {
    tile('tile-failed', count(o.failedEvents), 'counted ' + ago(o.failedCountedMillis) + ' ago');
    document.getElementById('tile-failed').classList.toggle('bad', o.failedEvents > 0);
    const left = o.lastMemberLeft;
    tile('tile-failover', left ? ago(left.millis) + ' ago' : 'none', left ? left.member + ': ' + left.detail : 'since this UI started');
    tile('tile-alerts', count(o.openAlerts));
    document.getElementById('tile-alerts').classList.toggle('bad', o.openAlerts > 0);
  }
}

async function loadOverview(poll) {
  try {
    const [overview, series] = await Promise.all([api('/api/overview', {poll: poll}), api('/api/series', {poll: poll})]);
    state.overview = overview;
    for (const s of series.sessions) state.rates[s.session] = s.eventsPerSecond;
    if (state.cluster) renderTiles();
    drawCharts('overview-charts', series.total, 'all sessions');
  } catch (e) {
    notice(e.message);
  }
}

// ---- charts (uPlot, vendored): time on the x axis

const CHARTS = [
  {key: 'rate', title: 'Events moved per second', series: s => [[s.eventsPerSecond, 'events/s', '#3b5ba5']],
    format: v => v.toFixed(1)},
  {key: 'lag', title: 'Events waiting in the source', series: s => [[s.lagEvents, 'waiting', '#b58100']],
    format: v => Math.round(v).toLocaleString('en-US')},
  {key: 'commit', title: 'Batch commit latency (read to commit)', series: s => [[s.commitP95Seconds, 'p95', '#a32020'],
    [s.commitMeanSeconds, 'mean', '#1f7a3a']], format: v => v < 1 ? Math.round(v * 1000) + ' ms' : v.toFixed(2) + ' s'}
];

// every time chart shows the samples' whole window (15 min of 5 s samples), ending at the newest
// sample: from the first sample on the axis reads clock time (with one sample, uPlot's own range
// would span years)
const CHART_WINDOW_SECONDS = 15 * 60;

/** An x range of {@code seconds} ending at the newest sample (now, before the first). */
function windowRange(seconds) {
  return u => {
    // from the data itself: with one sample uPlot hands a range function an already widened min and max
    const xs = u.data && u.data[0];
    const end = xs && xs.length ? xs[xs.length - 1] : Date.now() / 1000;
    return [end - seconds, end];
  };
}

function drawCharts(containerId, series, what) {
  const container = document.getElementById(containerId);
  if (!window.uPlot || !series) return;
  for (const def of CHARTS) {
    const id = containerId + '-' + def.key;
    let holder = document.getElementById(id);
    const lines = def.series(series);
    const data = [series.millis.map(m => m / 1000), ...lines.map(l => l[0].map(v => v === null ? null : v))];
    const chart = state.charts[id];
    if (holder && chart && chart.what === what) {
      chart.plot.setData(data);
      continue;
    }
    if (chart) chart.plot.destroy();
    if (!holder) {
      holder = el('div', {class: 'chart-box', id: id, 'data-chart': def.key});
      container.append(holder);
    }
    holder.replaceChildren();
    const plot = new uPlot({
      title: def.title + ' — ' + what, width: Math.max(320, Math.floor(((container.clientWidth || 960) - 40) / 3) - 14), height: 200,
      scales: {x: {time: true, range: windowRange(CHART_WINDOW_SECONDS)}},
      series: [{}, ...lines.map(l => ({label: l[1], stroke: l[2], width: 1.5, spanGaps: false,
        value: (u, v) => v === null || v === undefined ? '—' : def.format(v)}))],
      axes: [{}, {values: (u, values) => values.map(v => def.format(v)), size: 70}]
    }, data, holder);
    state.charts[id] = {plot, what};
  }
}

// ---- one session: #sessions/ID

function showSessions(route) {
  const id = route.parts[0];
  document.getElementById('sessions-list').hidden = !!id;
  document.getElementById('session-detail').hidden = !id;
  loadRates();
  if (id) loadSessionSeries(id);
}

function renderSessionFacts(id) {
  const s = state.cluster.sessions.find(x => x.id === id);
  setText(document.getElementById('session-title'), 'Session ' + id + (s ? '' : ' (not in the cluster)'));
  if (!s) return;
  const facts = [['State', s.state], ['Runs on', s.shownOn || '—'], ['Epoch', s.epoch],
    ['Checkpoint', 'batch ' + s.batchNo + ', seq ' + s.maxSeq], ['Events moved', count(s.eventsMoved)],
    ['Failed', count(s.eventsFailed)], ['Events/s', s.eventsPerSecond.toFixed(1)], ['Lag', lagText(s)],
    ['Last commit', s.lastCommitMillis ? ago(s.lastCommitMillis) + ' ago' : '—'], ['Last error', s.lastError || '—']];
  syncChildren(document.getElementById('session-facts'), facts, f => f[0],
    f => el('div', {class: 'fact'}, el('dt', {}, f[0]), el('dd', {})),
    (node, f) => setText(node.querySelector('dd'), f[1]));
  const actions = document.getElementById('session-actions');
  if (actions.dataset.state !== s.state + id) {
    actions.dataset.state = s.state + id;
    actions.replaceChildren(...actionButtons(s), el('a', {href: link('failed', [], {session: id})}, 'its failed events'),
      ' · ', el('a', {href: link('timeline')}, 'timeline'));
  }
}

async function loadSessionSeries(id, poll) {
  try {
    const body = await api('/api/series/' + encodeURIComponent(id), {poll: poll});
    drawCharts('session-charts', body.session, 'session ' + id);
  } catch (e) {
    notice(e.message);
  }
}

// ---- timeline

function renderTimeline() {
  syncChildren(document.querySelector('#timeline-table tbody'), state.timeline.slice().reverse(), e => e.seq,
    e => el('tr', {'data-kind': e.kind},
      el('td', {}, time(e.millis)), el('td', {}, e.kind), el('td', {}, e.member || ''),
      el('td', {}, e.session ? el('a', {href: link('sessions', [e.session])}, e.session) : ''), el('td', {}, e.actor || ''),
      el('td', {}, e.detail || '')),
    () => null);
}

async function loadTimeline() {
  try {
    state.timeline = (await api('/api/timeline')).entries;
    renderTimeline();
  } catch (e) {
    notice(e.message);
  }
}

// ---- failed events: #failed?session=&activity=&reason=&offset=

function failedFilter() {
  const form = document.getElementById('failed-filter');
  return {session: form.session.value.trim(), activity: form.activity.value.trim(), reason: form.reason.value};
}

function describeFilter(filter) {
  return 'session ' + (filter.session || 'any') + ', activity ' + (filter.activity || 'any') + ', reason '
    + (filter.reason ? 'containing "' + filter.reason + '"' : 'any');
}

function showFailed(route) {
  const form = document.getElementById('failed-filter');
  for (const name of ['session', 'activity', 'reason']) form[name].value = route.params.get(name) || '';
  loadFailed(Number(route.params.get('offset') || 0));
}

async function loadFailed(offset) {
  const filter = failedFilter();
  const query = new URLSearchParams(Object.assign({offset: offset, limit: 50}, filter));
  try {
    const body = await api('/api/failed?' + query);
    setText(document.getElementById('failed-count'), count(body.total) + ' failed event(s) matching ' + describeFilter(filter));
    syncChildren(document.querySelector('#failed-table tbody'), body.rows, row => row.id + ':' + row.reason,
      row => el('tr', {'data-failed': row.id},
        el('td', {}, row.id), el('td', {}, el('a', {href: link('sessions', [row.session])}, row.session)), el('td', {}, row.sourceSeq),
        el('td', {}, row.kind + ' ' + row.activity), el('td', {class: 'instance'}, row.instanceId),
        el('td', {class: 'error'}, row.reason),
        el('td', {}, el('pre', {class: 'payload'}, row.payload),
          row.fields ? el('pre', {class: 'fields'}, Object.entries(row.fields).map(([k, v]) => k + ' = ' + v).join('\n')) : null),
        el('td', {}, row.failedAt),
        el('td', {}, isOperator() ? [
          el('button', {type: 'button', 'data-action': 'retry', onclick: () => failedAction('retry', {ids: [row.id]},
            'failed event ' + row.id)}, 'retry'),
          el('button', {type: 'button', 'data-action': 'discard', class: 'danger',
            onclick: () => failedAction('discard', {ids: [row.id]}, 'failed event ' + row.id)}, 'discard')] : [])),
      () => null);
    pager('failed-pager', body.total, offset, 50, next => go('failed', [], Object.assign({}, filter, {offset: next})));
  } catch (e) {
    notice(e.message);
  }
}

/** Retry or discard every event matching the filter: first counts them and shows the filter and the count. */
async function bulkAction(action) {
  const filter = failedFilter();
  if (!filter.session && !filter.activity && !filter.reason) {
    notice('give a session, an activity or a reason first: an empty filter would ' + action + ' every failed event');
    return;
  }
  try {
    const body = await api('/api/failed?' + new URLSearchParams(Object.assign({limit: 1}, filter)));
    if (body.total === 0) {
      notice('no failed event matches ' + describeFilter(filter), 'info');
      return;
    }
    const acting = Math.min(body.total, 1000);
    await failedAction(action, Object.assign({expected: body.total}, filter), count(acting) + ' failed event(s) matching '
      + describeFilter(filter) + (body.total > 1000 ? ' (the first 1,000 of ' + count(body.total) + ')' : ''));
  } catch (e) {
    notice(e.message);
  }
}

async function failedAction(action, body, what) {
  if (!window.confirm(action + ' ' + what + '?')) return;
  try {
    const result = await api('/api/failed/' + action, {method: 'POST', body: JSON.stringify(body)});
    notice(action === 'retry'
      ? action + ' ' + what + ': ' + result.applied + ' applied'
        + result.results.filter(r => !r.applied).map(r => '; ' + r.id + ' still fails: ' + r.reason).join('')
      : action + ' ' + what + ': ' + result.discarded.length + ' discarded', 'info');
    showFailed(state.route);
  } catch (e) {
    notice(action + ' ' + what + ': ' + e.message);
  }
}

function pager(id, total, offset, size, go) {
  const buttons = [];
  if (offset > 0) buttons.push(el('button', {type: 'button', onclick: () => go(Math.max(0, offset - size))}, '‹ previous'));
  if (offset + size < total) buttons.push(el('button', {type: 'button', onclick: () => go(offset + size)}, 'next ›'));
  buttons.push(el('span', {}, total ? (offset + 1) + '–' + Math.min(total, offset + size) + ' of ' + count(total) : ''));
  document.getElementById(id).replaceChildren(...buttons);
}

// ---- activities: #activities/NAME?status=&id=&item=&value=&offset=, #activities/NAME/INSTANCE

async function showActivities(route) {
  await loadActivities();
  const form = document.getElementById('instance-search');
  const activity = route.parts[0];
  if (!activity) return;
  form.activity.value = activity;
  fillItems();
  form.status.value = route.params.get('status') || 'all';
  form.id.value = route.params.get('id') || '';
  form.item.value = route.params.get('item') || '';
  form.value.value = route.params.get('value') || '';
  await searchInstances(Number(route.params.get('offset') || 0));
  if (route.parts[1]) showInstance(activity, route.parts[1]);
  else document.getElementById('instance-detail').replaceChildren();
}

async function loadActivities() {
  try {
    state.activities = await api('/api/activities');
    syncChildren(document.querySelector('#activities-table tbody'), state.activities, a => a.name,
      a => el('tr', {'data-activity': a.name}, el('td', {}, el('a', {href: link('activities', [a.name])}, a.name)),
        el('td', {class: 'active'}), el('td', {class: 'completed'}), el('td', {}, a.items.join(', '))),
      (row, a) => {
        setText(row.querySelector('.active'), count(a.active));
        setText(row.querySelector('.completed'), count(a.completed));
      });
    const select = document.querySelector('#instance-search select[name=activity]');
    const chosen = select.value;
    select.replaceChildren(...state.activities.map(a => el('option', {value: a.name}, a.name)));
    if (chosen) select.value = chosen;
    fillItems();
  } catch (e) {
    notice(e.message);
  }
}

function fillItems() {
  const form = document.getElementById('instance-search');
  const activity = state.activities.find(a => a.name === form.activity.value);
  const chosen = form.item.value;
  form.item.replaceChildren(el('option', {value: ''}, ''), ...(activity ? activity.items : []).map(i => el('option', {value: i}, i)));
  form.item.value = chosen;
}

function searchParams() {
  const form = document.getElementById('instance-search');
  return {status: form.status.value, id: form.id.value, item: form.item.value, value: form.value.value};
}

async function searchInstances(offset) {
  const form = document.getElementById('instance-search');
  if (!form.activity.value) return;
  const params = searchParams();
  const query = new URLSearchParams(Object.assign({offset: offset, limit: 50}, params));
  try {
    const page = await api('/api/activities/' + encodeURIComponent(form.activity.value) + '/instances?' + query);
    setText(document.getElementById('instances-count'), count(page.total) + ' instance(s)');
    document.querySelector('#instances-table thead').replaceChildren(el('tr', {}, page.columns.map(c => el('th', {}, c))));
    document.querySelector('#instances-table tbody').replaceChildren(...page.rows.map(row => el('tr', {
      'data-instance': row.ActivityID, class: 'clickable',
      onclick: () => go('activities', [page.activity, row.ActivityID], Object.assign({offset: offset}, params))
    }, page.columns.map(c => el('td', {}, row[c] === null ? '' : row[c])))));
    pager('instances-pager', page.total, offset, 50, next => go('activities', [page.activity], Object.assign({}, params,
      {offset: next})));
  } catch (e) {
    notice(e.message);
  }
}

function keyValueTable(rows) {
  if (!rows.length) return el('p', {}, 'none');
  const columns = Object.keys(rows[0]);
  return el('table', {}, el('thead', {}, el('tr', {}, columns.map(c => el('th', {}, c)))),
    el('tbody', {}, rows.map(r => el('tr', {}, columns.map(c => el('td', {}, r[c] === null ? '' : r[c]))))));
}

async function showInstance(activity, id) {
  try {
    const instance = await api('/api/activities/' + encodeURIComponent(activity) + '/instances/' + encodeURIComponent(id));
    document.getElementById('instance-detail').replaceChildren(
      el('h3', {}, activity + ' ' + id + ' (' + instance.status + ')'),
      el('h4', {}, 'Milestones and data'),
      el('table', {class: 'instance-data'}, el('tbody', {}, Object.entries(instance.data).map(([k, v]) =>
        el('tr', {}, el('th', {}, k), el('td', {}, v === null ? '' : v))))),
      el('h4', {}, 'References'), keyValueTable(instance.references),
      el('h4', {}, 'Related activities'), keyValueTable(instance.relatedActivities),
      el('h4', {}, 'Continuations'), keyValueTable(instance.continuations));
  } catch (e) {
    notice(e.message);
  }
}

// ---- alerts: #alerts?rule=&offset=

function showAlerts(route) {
  loadAlerts(route.params.get('rule') || '', Number(route.params.get('offset') || 0));
}

function deliveryText(a) {
  if (a.delivery === 'sent') return 'sent ' + ago(a.sentMillis) + ' ago';
  if (a.delivery === 'retrying') return 'retrying, ' + a.attempts + ' attempt(s) so far: ' + (a.lastError || '');
  if (a.delivery === 'gave up') return 'gave up after ' + a.attempts + ' attempt(s): ' + (a.lastError || '');
  if (a.delivery === 'pending') return 'sending';
  return 'not sent (no webhook configured)';
}

async function loadAlerts(rule, offset) {
  const query = new URLSearchParams({offset: offset, limit: 50});
  if (rule) query.set('rule', rule);
  try {
    const body = await api('/api/alerts?' + query);
    syncChildren(document.querySelector('#alert-rules tbody'), body.rules, r => r.rule + '/' + r.activity,
      r => el('tr', {'data-rule': r.rule}, el('td', {}, el('a', {href: link('alerts', [], {rule: r.rule})}, r.rule)),
        el('td', {}, r.activity), el('td', {class: 'open'})),
      (row, r) => setText(row.querySelector('.open'), count(r.open)));
    const select = document.querySelector('#alerts-filter select[name=rule]');
    const names = [...new Set(body.rules.map(r => r.rule).concat(rule ? [rule] : []))];
    syncChildren(select, [''].concat(names), n => n, n => el('option', {value: n}, n || 'all rules'), () => null);
    if (select.value !== rule) select.value = rule;
    setText(document.getElementById('alerts-count'), count(body.total) + ' open alert(s)' + (rule ? ' of rule ' + rule : ''));
    syncChildren(document.querySelector('#alerts-table tbody'), body.rows, a => a.rule + '/' + a.instanceId,
      a => el('tr', {'data-alert': a.rule + '/' + a.instanceId},
        el('td', {}, time(a.detectedMillis)), el('td', {}, el('a', {href: link('alerts', [], {rule: a.rule})}, a.rule)),
        el('td', {}, a.activity),
        el('td', {class: 'instance'}, el('a', {href: link('activities', [a.activity, a.instanceId])}, a.instanceId)),
        el('td', {}, a.condition), el('td', {}, time(a.sinceMillis)), el('td', {}, time(a.dueMillis)),
        el('td', {class: 'delivery'})),
      (row, a) => {
        setText(row.querySelector('.delivery'), deliveryText(a));
        row.querySelector('.delivery').classList.toggle('error', a.delivery === 'retrying' || a.delivery === 'gave up');
      });
    pager('alerts-pager', body.total, offset, 50, next => go('alerts', [], {rule: rule, offset: next}));
  } catch (e) {
    notice(e.message);
  }
}

// ---- start

// ---- aggregations: #aggregations/VIEW.NAME?rows=LEVEL&cols=LEVEL&measure=M&f.LEVEL=VALUE
// A pivot of the aggregation's rows in its window (kept as sums and counts, so any rows and columns
// add up; an average is the sum of sums over the sum of counts), drilled by clicking a row's value:
// it becomes a filter and the rows move to the next level. A chart of the measure per time slice.

function aggregationParams(route, changes) {
  const params = {};
  for (const [k, v] of route.params) params[k] = v;
  return Object.assign(params, changes);
}

function syncOptions(select, values, chosen) {
  syncChildren(select, values, v => v, v => el('option', {value: v}), (option, v) => setText(option, v === '' ? '(none)' : v));
  select.value = chosen;
}

function levelText(value) {
  return value === null || value === undefined ? '—' : String(value);
}

async function showAggregations(route, poll) {
  if (!state.aggregationList || !poll) {
    state.aggregationList = await api('/api/aggregations').catch(() => null);
  }
  const list = state.aggregationList || [];
  const form = document.getElementById('pivot-form');
  document.getElementById('aggregations-none').hidden = list.length > 0;
  form.hidden = list.length === 0;
  if (!list.length) return;
  const name = route.parts[0] || list[0].name;
  let data;
  try {
    data = await api('/api/aggregations/' + encodeURIComponent(name));
  } catch (e) {
    return;
  }
  if (state.route !== route && poll) return; // the user went elsewhere meanwhile
  const levels = data.levels;
  const rowsLevel = levels.includes(route.params.get('rows')) ? route.params.get('rows') : levels[0];
  const colsLevel = levels.includes(route.params.get('cols')) ? route.params.get('cols') : '';
  const measure = data.measures.find(m => m.name === route.params.get('measure')) || data.measures[0];
  syncOptions(form.aggregation, list.map(a => a.name), data.name);
  syncOptions(form.rows, levels, rowsLevel);
  syncOptions(form.cols, ['', ...levels.filter(l => l !== rowsLevel)], colsLevel);
  syncOptions(form.measure, data.measures.map(m => m.name), measure.name);
  const filters = [];
  for (const [k, v] of route.params) {
    if (k.startsWith('f.') && levels.includes(k.substring(2))) filters.push([k.substring(2), v]);
  }
  const kept = data.rows.filter(r => filters.every(([level, value]) => levelText(r[level]) === value));
  syncChildren(document.getElementById('pivot-filters'), filters, f => f[0], f => el('span', {class: 'chip'},
      el('span', {}), ' ', el('button', {type: 'button', title: 'remove this filter', onclick: () => {
        const params = aggregationParams(state.route, {});
        delete params['f.' + f[0]];
        go('aggregations', [data.name], params);
      }}, '×')), (chip, f) => setText(chip.firstChild, f[0] + ' = ' + f[1]));

  // the pivot: a cell adds up the rows of its row and column values
  const cells = new Map();
  const rowKeys = new Set();
  const colKeys = new Set();
  for (const r of kept) {
    const rk = levelText(r[rowsLevel]);
    const ck = colsLevel ? levelText(r[colsLevel]) : measure.name;
    rowKeys.add(rk);
    colKeys.add(ck);
    const cell = cells.get(rk + '\u0000' + ck) || {sum: 0, count: 0};
    cell.sum += Number(r[measure.sum]) || 0;
    if (measure.count) cell.count += Number(r[measure.count]) || 0;
    cells.set(rk + '\u0000' + ck, cell);
  }
  const sorter = (a, b) => a.localeCompare(b, undefined, {numeric: true});
  const columns = [...colKeys].sort(sorter);
  const rows = [...rowKeys].sort(sorter);
  const value = cell => !cell ? '' : measure.function === 'avg' ? (cell.count ? (cell.sum / cell.count).toFixed(2) : '—')
      : measure.function === 'count' ? count(cell.sum) : Number(cell.sum.toFixed(4)).toLocaleString('en-US');
  const table = document.getElementById('pivot-table');
  const head = el('tr', {}, el('th', {}, rowsLevel + (colsLevel ? ' \\ ' + colsLevel : '')), ...columns.map(c => el('th', {}, c)));
  if (table.tHead.textContent !== head.textContent) table.tHead.replaceChildren(head);
  const next = levels[levels.indexOf(rowsLevel) + 1];
  syncChildren(table.tBodies[0], rows, r => r + '\u0001' + columns.join('\u0001'), r => {
    const tr = el('tr', {});
    const drill = el('a', {href: '#', title: next ? 'show ' + next + ' within ' + r : 'filter on ' + r, onclick: event => {
      event.preventDefault();
      const changes = {['f.' + rowsLevel]: r};
      if (next && next !== colsLevel) changes.rows = next;
      go('aggregations', [data.name], aggregationParams(state.route, changes));
    }});
    tr.append(el('th', {}, drill), ...columns.map(() => el('td', {class: 'number'})));
    return tr;
  }, (tr, r) => {
    setText(tr.firstChild.firstChild, r);
    columns.forEach((c, i) => setText(tr.children[i + 1], value(cells.get(r + '\u0000' + c))));
  });
  setText(document.getElementById('pivot-note'), kept.length + ' row(s) of ' + data.rows.length + ' in the window of '
      + data.windowMinutes + ' min' + (data.truncated ? ' (more were left out: narrow with a filter)' : '')
      + '; query view ' + data.queryView);
  drawAggregationChart(data, kept, measure);
}

/** The measure per time slice over the aggregation's window, ending at the newest slice. */
function drawAggregationChart(data, rows, measure) {
  if (!window.uPlot) return;
  const slices = new Map();
  for (const r of rows) {
    const s = slices.get(r.Slice) || {sum: 0, count: 0};
    s.sum += Number(r[measure.sum]) || 0;
    if (measure.count) s.count += Number(r[measure.count]) || 0;
    slices.set(r.Slice, s);
  }
  const xs = [...slices.keys()].sort((a, b) => a - b);
  const ys = xs.map(x => {
    const s = slices.get(x);
    return measure.function === 'avg' ? (s.count ? s.sum / s.count : null) : s.sum;
  });
  const id = 'pivot-chart-plot';
  const what = data.name + '/' + measure.name;
  const chart = state.charts[id];
  const plotData = [xs.map(x => x / 1000), ys];
  if (chart && chart.what === what) {
    chart.plot.setData(plotData);
    return;
  }
  if (chart) chart.plot.destroy();
  const holder = document.getElementById('pivot-chart');
  holder.replaceChildren();
  const plot = new uPlot({
    title: measure.name + ' (' + measure.function + ') per ' + data.sliceMinutes + '-minute slice — ' + data.name,
    width: Math.max(480, (holder.clientWidth || 960) - 20), height: 220,
    scales: {x: {time: true, range: windowRange(data.windowMinutes * 60)}},
    series: [{}, {label: measure.name, stroke: '#3b5ba5', width: 1.5, points: {show: true}}]
  }, plotData, holder);
  state.charts[id] = {plot, what};
}

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('cluster', message => {
    state.cluster = JSON.parse(message.data);
    state.clusterUpdates++;
    document.body.dataset.clusterUpdates = String(state.clusterUpdates);
    renderLive();
  });
  events.addEventListener('timeline', message => {
    const last = state.timeline.length ? state.timeline[state.timeline.length - 1].seq : -1;
    state.timeline.push(...JSON.parse(message.data).filter(entry => entry.seq > last));
    if (state.timeline.length > 2000) state.timeline.splice(0, state.timeline.length - 2000);
    if (state.route && state.route.page === 'timeline') renderTimeline();
  });
  events.onerror = () => {
    const badge = document.getElementById('link');
    setText(badge, 'reconnecting…');
    badge.className = 'link down';
  };
}

function refreshFigures() {
  const route = state.route;
  if (!route) return;
  if (route.page === 'overview') loadOverview(true);
  if (route.page === 'alerts') showAlerts(route);
  if (route.page === 'aggregations') showAggregations(route, true);
  if (route.page === 'sessions') {
    loadRates(true);
    if (route.parts[0]) loadSessionSeries(route.parts[0], true);
  }
}

async function start() {
  try {
    state.me = await api('/api/me');
  } catch (e) {
    return;
  }
  document.body.classList.add(state.me.role);
  setText(document.getElementById('who'), state.me.user + ' (' + state.me.role + ')');
  if (!isOperator()) {
    for (const button of document.querySelectorAll('.operator')) button.remove();
  }
  document.getElementById('logout').addEventListener('click', async () => {
    await api('/api/logout', {method: 'POST', body: '{}'}).catch(() => null);
    window.location.assign('/login');
  });
  document.getElementById('failed-filter').addEventListener('submit', event => {
    event.preventDefault();
    go('failed', [], failedFilter());
  });
  const retryMatching = document.getElementById('retry-matching');
  if (retryMatching) retryMatching.addEventListener('click', () => bulkAction('retry'));
  const discardMatching = document.getElementById('discard-matching');
  if (discardMatching) discardMatching.addEventListener('click', () => bulkAction('discard'));
  const pivot = document.getElementById('pivot-form');
  pivot.addEventListener('change', event => {
    const route = state.route;
    if (event.target.name === 'aggregation') go('aggregations', [pivot.aggregation.value], {});
    else go('aggregations', [pivot.aggregation.value], aggregationParams(route, {rows: pivot.rows.value,
      cols: pivot.cols.value, measure: pivot.measure.value}));
  });
  const alertsFilter = document.getElementById('alerts-filter');
  alertsFilter.addEventListener('submit', event => {
    event.preventDefault();
    go('alerts', [], {rule: alertsFilter.rule.value});
  });
  alertsFilter.rule.addEventListener('change', () => go('alerts', [], {rule: alertsFilter.rule.value}));
  const search = document.getElementById('instance-search');
  search.activity.addEventListener('change', fillItems);
  search.addEventListener('submit', event => {
    event.preventDefault();
    if (search.activity.value) go('activities', [search.activity.value], searchParams());
  });
  window.addEventListener('hashchange', showPage);
  connect();
  showPage();
  setInterval(refreshFigures, 5000);
}

start();
