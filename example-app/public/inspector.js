'use strict';

// Everything shown here comes from webhook payloads, which anyone can send: it is only ever put in
// the page with textContent (never innerHTML), so it stays text.
(() => {
  const MAX_ROWS = 200;
  const $ = (id) => document.getElementById(id);
  const tbody = $('deliveries');
  const rows = new Map(); // seq → <tr>
  let selected = null;

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function formatTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? iso : date.toLocaleTimeString([], { hour12: false });
  }

  function statusBadge(status) {
    let kind = 'none';
    if (status !== null) kind = status < 300 ? 'ok' : status < 500 ? 'client' : 'server';
    return el('span', status ?? '—', `status status-${kind}`);
  }

  function problemList(problems) {
    const list = el('ul', null, 'problems');
    for (const problem of problems) {
      const item = el('li');
      // The space keeps path and message apart when the list is copied as text.
      item.append(el('span', problem.path || '/', 'path'), ' ', el('span', problem.message));
      list.append(item);
    }
    return list;
  }

  function renderRow(delivery) {
    const tr = el('tr');
    tr.tabIndex = 0;
    tr.dataset.seq = String(delivery.seq);
    tr.dataset.status = String(delivery.status);
    const time = el('td', formatTime(delivery.receivedAt), 'time');
    time.title = delivery.receivedAt;
    const outcome = el('td');
    outcome.append(el('div', delivery.outcome));
    if (delivery.problems.length > 0) outcome.append(problemList(delivery.problems));
    const status = el('td');
    status.append(statusBadge(delivery.status));
    status.title = `answered in ${delivery.durationMs} ms`;
    tr.append(time, el('td', delivery.eventType ?? '—', 'type'), el('td', delivery.messageType ?? ''), status, outcome);
    if (selected === delivery.seq) tr.classList.add('selected');
    return tr;
  }

  function refreshCount() {
    $('empty').hidden = rows.size > 0;
    $('count').textContent = rows.size === 1 ? '1 delivery' : `${rows.size} deliveries`;
  }

  /** Adds a delivery on top, or replaces its row when it was updated (a late handler error). */
  function upsert(delivery, fresh) {
    const row = renderRow(delivery);
    const existing = rows.get(delivery.seq);
    if (existing) existing.replaceWith(row);
    else {
      if (fresh) row.classList.add('fresh');
      tbody.prepend(row);
    }
    rows.set(delivery.seq, row);
    while (rows.size > MAX_ROWS) {
      const oldest = Math.min(...rows.keys());
      rows.get(oldest).remove();
      rows.delete(oldest);
    }
    refreshCount();
  }

  function replaceAll(deliveries) {
    tbody.replaceChildren();
    rows.clear();
    for (const delivery of [...deliveries].reverse()) upsert(delivery, false);
    refreshCount();
  }

  const messagesBody = $('messages');
  const messageRows = new Map(); // message id → <tr>, most recently reported on top

  /** Failures in red, the delivery steps in green, a status the package does not rank in grey. */
  function messageStatusBadge(status) {
    const kind = /failed$/i.test(status) ? 'server' : ['sent', 'delivered', 'read'].includes(status) ? 'ok' : 'other';
    return el('span', status, `status status-${kind}`);
  }

  function renderMessage(entry) {
    const tr = el('tr');
    tr.dataset.id = entry.id;
    const status = el('td');
    status.append(messageStatusBadge(entry.status));
    if (entry.error) status.append(' ', el('span', `error ${entry.error}`, 'muted'));
    // The last report differs from the kept status only when it arrived out of order.
    const last = entry.lastReport === entry.status ? entry.lastReport : `${entry.lastReport} (older: not kept)`;
    const updated = el('td', formatTime(entry.updatedAt), 'time');
    updated.title = entry.updatedAt;
    tr.append(el('td', entry.id, 'type'), status, el('td', entry.reports), el('td', last), updated);
    return tr;
  }

  function upsertMessage(entry, fresh) {
    messageRows.get(entry.id)?.remove();
    const row = renderMessage(entry);
    if (fresh) row.classList.add('fresh');
    messagesBody.prepend(row);
    messageRows.delete(entry.id);
    messageRows.set(entry.id, row);
    while (messageRows.size > MAX_ROWS) {
      const [oldest, oldestRow] = messageRows.entries().next().value;
      oldestRow.remove();
      messageRows.delete(oldest);
    }
    $('messages-empty').hidden = messageRows.size > 0;
  }

  function replaceMessages(entries) {
    messagesBody.replaceChildren();
    messageRows.clear();
    for (const entry of [...entries].reverse()) upsertMessage(entry, false);
    $('messages-empty').hidden = messageRows.size > 0;
  }

  function fact(term, value) {
    $('detail-facts').append(el('dt', term), el('dd', value));
  }

  async function showDetail(seq) {
    selected = seq;
    for (const [rowSeq, row] of rows) row.classList.toggle('selected', rowSeq === seq);
    const response = await fetch(`inspector/deliveries/${seq}`, { headers: { Accept: 'application/json' } });
    if (selected !== seq) return; // another row was clicked meanwhile
    const detail = $('detail');
    $('detail-facts').replaceChildren();
    if (!response.ok) {
      $('detail-title').textContent = `Delivery #${seq}`;
      $('detail-payload').textContent = 'This delivery is no longer kept.';
      detail.hidden = false;
      return;
    }
    const delivery = await response.json();
    $('detail-title').textContent = `Delivery #${delivery.seq}`;
    fact('Received', delivery.receivedAt);
    fact('Answer', `${delivery.status ?? 'none'} to ${delivery.method}`);
    fact('Outcome', delivery.outcome);
    if (delivery.eventType) fact('Event type', delivery.eventType);
    if (delivery.messageType) fact('Message type', delivery.messageType);
    if (delivery.eventId) fact('Event id', delivery.eventId);
    $('detail-problems-block').hidden = delivery.problems.length === 0;
    $('detail-problems').replaceChildren(...problemList(delivery.problems).children);
    let payload = delivery.payload ?? '(no payload: the request was answered before its body was read, or it had none)';
    if (delivery.truncated) payload += '\n… (cut: the inspector keeps the first 64 KiB)';
    $('detail-payload').textContent = payload;
    detail.hidden = false;
  }

  function closeDetail() {
    selected = null;
    $('detail').hidden = true;
    for (const row of rows.values()) row.classList.remove('selected');
  }

  function rowOf(target) {
    const row = target.closest('tr[data-seq]');
    return row ? Number(row.dataset.seq) : null;
  }

  tbody.addEventListener('click', (event) => {
    const seq = rowOf(event.target);
    if (seq !== null) void showDetail(seq);
  });
  tbody.addEventListener('keydown', (event) => {
    const seq = rowOf(event.target);
    if (seq !== null && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      void showDetail(seq);
    }
  });
  $('detail-close').addEventListener('click', closeDetail);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') closeDetail();
  });

  // The page's one event stream. A stream holds an HTTP/1.1 connection for as long as the page is open,
  // and browsers keep six per host: with two a page, three tabs would take them all.
  // EventSource reconnects by itself; every (re)connection starts with the full list.
  const connection = $('connection');
  const source = new EventSource('inspector/events');
  source.addEventListener('open', () => {
    connection.textContent = 'live';
    connection.className = 'pill pill-live';
  });
  source.addEventListener('error', () => {
    connection.textContent = 'reconnecting…';
    connection.className = 'pill pill-wait';
  });
  // Each event is shown here, then announced on the document as a CustomEvent `inspector:<name>` with
  // the parsed data as its detail: the page's other scripts (the metrics panel) follow the stream so.
  function follow(name, show) {
    source.addEventListener(name, (event) => {
      const data = JSON.parse(event.data);
      show(data);
      document.dispatchEvent(new CustomEvent(`inspector:${name}`, { detail: data }));
    });
  }
  follow('snapshot', replaceAll);
  follow('delivery', (delivery) => upsert(delivery, true));
  follow('messages', replaceMessages);
  follow('message', (entry) => upsertMessage(entry, true));
  refreshCount();
})();
