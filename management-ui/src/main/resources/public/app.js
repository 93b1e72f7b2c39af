'use strict';
// Every value from the bus reaches the page as text (textContent, attribute values): never as HTML.

const state = {me: null, cluster: null, throughput: {}, timeline: [], failedOffset: 0, instancesOffset: 0, activities: []};

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

function notice(text) {
  document.getElementById('notice').textContent = text || '';
}

async function api(path, options) {
  const init = Object.assign({headers: {}}, options || {});
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

// ---- pages

function showPage() {
  const page = (window.location.hash || '#cluster').substring(1);
  for (const section of document.querySelectorAll('.page')) {
    section.classList.toggle('current', section.id === 'page-' + page);
  }
  for (const link of document.querySelectorAll('nav a')) {
    link.classList.toggle('current', link.dataset.page === page);
  }
  if (page === 'failed') loadFailed();
  if (page === 'activities') loadActivities();
  if (page === 'timeline') loadTimeline();
  if (page === 'sessions') loadThroughput();
}

// ---- cluster and sessions, live

function renderCluster() {
  const cluster = state.cluster;
  const link = document.getElementById('link');
  link.textContent = cluster.error ? 'cluster unreachable' : 'live';
  link.className = 'link ' + (cluster.error ? 'down' : 'up');
  notice(cluster.error);
  const boxes = [];
  const byMember = {};
  for (const member of cluster.members) byMember[member.address] = [];
  const unplaced = [];
  for (const session of cluster.sessions) {
    (byMember[session.shownOn] || unplaced).push(session);
  }
  for (const member of cluster.members) {
    boxes.push(el('div', {class: 'member', 'data-member': member.address},
      el('h3', {}, member.address, member.deciding ? ' (decides placement' + (member.balancing ? '' : ', balancing off') + ')'
        : member.oldest ? ' (oldest)' : ''),
      el('div', {class: 'facts'}, 'up ' + ago(member.startedMillis) + ' · heap ' + mb(member.heapUsedBytes) + ' of '
        + mb(member.heapMaxBytes) + ' · runs ' + member.sessionsRunning),
      el('div', {class: 'facts share', 'data-share': member.sessionsAssigned}, 'share ' + member.sessionsAssigned
        + ' of ' + cluster.sessions.length + ' sessions · ' + member.eventsPerSecond.toFixed(1) + ' events/s · '
        + member.lagEvents + ' waiting',
        member.configError ? el('div', {class: 'error'}, (member.configError.startsWith('activity definitions not deployed')
          ? '' : 'configuration refused: ') + member.configError) : null),
      byMember[member.address].map(sessionChip)));
  }
  if (unplaced.length) {
    boxes.push(el('div', {class: 'member unplaced', 'data-member': ''},
      el('h3', {}, 'Waiting for an owner'), unplaced.map(sessionChip)));
  }
  document.getElementById('members').replaceChildren(...boxes);
  renderSessions();
}

function sessionChip(session) {
  return el('span', {class: 'session ' + session.state, 'data-session': session.id, title: session.state},
    session.id, session.state === 'RUNNING' ? '' : ' · ' + session.state.toLowerCase());
}

const ACTIONS = {
  RUNNING: ['pause', 'disable'], FAILING: ['pause', 'disable'], PAUSED: ['resume', 'disable'], DISABLED: ['enable']
};

function renderSessions() {
  const rows = state.cluster.sessions.map(s => el('tr', {'data-session': s.id},
    el('td', {}, s.id),
    el('td', {class: 'state'}, s.state),
    el('td', {class: 'owner'}, s.ownerAddress || '—'),
    el('td', {}, s.epoch),
    el('td', {}, 'batch ' + s.batchNo + ', seq ' + s.maxSeq),
    el('td', {class: 'moved'}, s.eventsMoved),
    el('td', {}, s.eventsFailed),
    el('td', {}, chart(state.throughput[s.id] || []), ' ', s.eventsPerSecond.toFixed(1)),
    el('td', {class: 'lag'}, s.lagEvents + ' waiting', s.oldestWaitingMillis ? ', oldest ' + ago(s.oldestWaitingMillis) : '',
      s.heldSinceMillis ? '; waits for an open transaction since ' + ago(s.heldSinceMillis) : ''),
    el('td', {class: 'error'}, s.lastError || ''),
    el('td', {}, isOperator() ? ACTIONS[s.state].map(action =>
      el('button', {type: 'button', 'data-action': action, onclick: () => command(s.id, action)}, action)) : [])));
  document.querySelector('#sessions-table tbody').replaceChildren(...rows);
}

function chart(points) {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'chart');
  svg.setAttribute('width', '180');
  svg.setAttribute('height', '30');
  const max = Math.max(1, ...points);
  const line = document.createElementNS(ns, 'polyline');
  line.setAttribute('points', points.map((v, i) => (i * 180 / 179).toFixed(1) + ',' + (29 - v * 28 / max).toFixed(1)).join(' '));
  svg.append(line);
  return svg;
}

async function loadThroughput() {
  try {
    const body = await api('/api/sessions');
    for (const t of body.throughput) state.throughput[t.session] = t.eventsPerSecond;
    if (state.cluster) renderSessions();
  } catch (e) {
    notice(e.message);
  }
}

async function command(id, action) {
  if (!window.confirm(action + ' session ' + id + '?')) return;
  try {
    await api('/api/sessions/' + encodeURIComponent(id) + '/' + action, {method: 'POST', body: '{}'});
    notice('');
  } catch (e) {
    notice(e.message);
  }
}

// ---- timeline

function timelineRow(entry) {
  return el('tr', {'data-kind': entry.kind},
    el('td', {}, time(entry.millis)), el('td', {}, entry.kind), el('td', {}, entry.member || ''),
    el('td', {}, entry.session || ''), el('td', {}, entry.actor || ''), el('td', {}, entry.detail || ''));
}

function renderTimeline() {
  const rows = state.timeline.slice().reverse().map(timelineRow);
  document.querySelector('#timeline-table tbody').replaceChildren(...rows);
}

async function loadTimeline() {
  try {
    state.timeline = (await api('/api/timeline')).entries;
    renderTimeline();
  } catch (e) {
    notice(e.message);
  }
}

// ---- failed events

function failedFilter() {
  const form = document.getElementById('failed-filter');
  return {session: form.session.value, activity: form.activity.value, reason: form.reason.value};
}

async function loadFailed() {
  const filter = failedFilter();
  const query = new URLSearchParams(Object.assign({offset: state.failedOffset, limit: 50}, filter));
  try {
    const body = await api('/api/failed?' + query);
    document.getElementById('failed-count').textContent = body.total + ' failed event(s)';
    const rows = body.rows.map(row => el('tr', {'data-failed': row.id},
      el('td', {}, row.id), el('td', {}, row.session), el('td', {}, row.sourceSeq),
      el('td', {}, row.kind + ' ' + row.activity), el('td', {class: 'instance'}, row.instanceId),
      el('td', {class: 'error'}, row.reason),
      el('td', {}, el('pre', {class: 'payload'}, row.payload),
        row.fields ? el('pre', {class: 'fields'}, Object.entries(row.fields).map(([k, v]) => k + ' = ' + v).join('\n')) : null),
      el('td', {}, row.failedAt),
      el('td', {}, isOperator() ? [
        el('button', {type: 'button', 'data-action': 'retry', onclick: () => failedAction('retry', {ids: [row.id]})}, 'retry'),
        el('button', {type: 'button', 'data-action': 'discard', class: 'danger',
          onclick: () => failedAction('discard', {ids: [row.id]})}, 'discard')] : [])));
    document.querySelector('#failed-table tbody').replaceChildren(...rows);
    pager('failed-pager', body.total, state.failedOffset, 50, offset => { state.failedOffset = offset; loadFailed(); });
  } catch (e) {
    notice(e.message);
  }
}

async function failedAction(action, body) {
  const what = body.ids ? 'failed event ' + body.ids.join(', ') : 'every failed event matching the filter';
  if (!window.confirm(action + ' ' + what + '?')) return;
  try {
    const result = await api('/api/failed/' + action, {method: 'POST', body: JSON.stringify(body)});
    notice(action === 'retry'
      ? result.applied + ' applied' + result.results.filter(r => !r.applied).map(r => '; ' + r.id + ': ' + r.reason).join('')
      : result.discarded.length + ' discarded');
    loadFailed();
  } catch (e) {
    notice(e.message);
  }
}

function pager(id, total, offset, size, go) {
  const buttons = [];
  if (offset > 0) buttons.push(el('button', {type: 'button', onclick: () => go(Math.max(0, offset - size))}, '‹ previous'));
  if (offset + size < total) buttons.push(el('button', {type: 'button', onclick: () => go(offset + size)}, 'next ›'));
  buttons.push(el('span', {}, total ? (offset + 1) + '–' + Math.min(total, offset + size) + ' of ' + total : ''));
  document.getElementById(id).replaceChildren(...buttons);
}

// ---- activities

async function loadActivities() {
  try {
    state.activities = await api('/api/activities');
    document.querySelector('#activities-table tbody').replaceChildren(...state.activities.map(a => el('tr', {'data-activity': a.name},
      el('td', {}, a.name), el('td', {}, a.active), el('td', {}, a.completed), el('td', {}, a.items.join(', ')))));
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
  form.item.replaceChildren(el('option', {value: ''}, ''), ...(activity ? activity.items : []).map(i => el('option', {value: i}, i)));
}

async function searchInstances() {
  const form = document.getElementById('instance-search');
  if (!form.activity.value) return;
  const query = new URLSearchParams({status: form.status.value, id: form.id.value, item: form.item.value,
    value: form.value.value, offset: state.instancesOffset, limit: 50});
  try {
    const page = await api('/api/activities/' + encodeURIComponent(form.activity.value) + '/instances?' + query);
    document.getElementById('instances-count').textContent = page.total + ' instance(s)';
    document.querySelector('#instances-table thead').replaceChildren(el('tr', {}, page.columns.map(c => el('th', {}, c))));
    document.querySelector('#instances-table tbody').replaceChildren(...page.rows.map(row => el('tr', {
      'data-instance': row.ActivityID, class: 'clickable', onclick: () => showInstance(page.activity, row.ActivityID)
    }, page.columns.map(c => el('td', {}, row[c] === null ? '' : row[c])))));
    pager('instances-pager', page.total, state.instancesOffset, 50, offset => { state.instancesOffset = offset; searchInstances(); });
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

// ---- start

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('cluster', message => {
    state.cluster = JSON.parse(message.data);
    renderCluster();
  });
  events.addEventListener('timeline', message => {
    const last = state.timeline.length ? state.timeline[state.timeline.length - 1].seq : -1;
    state.timeline.push(...JSON.parse(message.data).filter(entry => entry.seq > last));
    if (state.timeline.length > 2000) state.timeline.splice(0, state.timeline.length - 2000);
    renderTimeline();
  });
  events.onerror = () => {
    const link = document.getElementById('link');
    link.textContent = 'reconnecting…';
    link.className = 'link down';
  };
}

async function start() {
  try {
    state.me = await api('/api/me');
  } catch (e) {
    return;
  }
  document.body.classList.add(state.me.role);
  document.getElementById('who').textContent = state.me.user + ' (' + state.me.role + ')';
  if (!isOperator()) {
    for (const button of document.querySelectorAll('.operator')) button.remove();
  }
  document.getElementById('logout').addEventListener('click', async () => {
    await api('/api/logout', {method: 'POST', body: '{}'}).catch(() => null);
    window.location.assign('/login');
  });
  document.getElementById('failed-filter').addEventListener('submit', event => {
    event.preventDefault();
    state.failedOffset = 0;
    loadFailed();
  });
  const retryMatching = document.getElementById('retry-matching');
  if (retryMatching) retryMatching.addEventListener('click', () => failedAction('retry', failedFilter()));
  const discardMatching = document.getElementById('discard-matching');
  if (discardMatching) discardMatching.addEventListener('click', () => failedAction('discard', failedFilter()));
  const search = document.getElementById('instance-search');
  search.activity.addEventListener('change', fillItems);
  search.addEventListener('submit', event => {
    event.preventDefault();
    state.instancesOffset = 0;
    searchInstances();
  });
  window.addEventListener('hashchange', showPage);
  await loadTimeline();
  showPage();
  connect();
  setInterval(loadThroughput, 5000);
}

start();
