'use strict';

// The metrics panel: counts by event type and outcome, handler time and event lag, from the app's
// Prometheus registry (GET inspector/stats). It refreshes on every delivery the inspector's event stream
// announces, and every few seconds for handlers that finish after their answer (ack 'immediately').
// The stream is inspector.js's, the page's only one: it re-announces each event on the document.
// Event types and outcomes come from payloads: they are put in the page with textContent only.
(() => {
  const REFRESH_MS = 5000;
  const body = document.getElementById('stats-rows');
  const empty = document.getElementById('stats-empty');

  function el(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  /** 0.0042 → "4.2 ms", 75 → "1.3 min"; a quantile past the last bucket reads "≥ 1 h". */
  function duration(quantile) {
    if (!quantile) return '—';
    const { seconds, beyond } = quantile;
    // Two significant digits, without the trailing zeros toPrecision leaves ("2.50" → "2.5").
    const round = (value) => String(Number(value.toPrecision(2)));
    let text;
    if (seconds < 1) text = `${round(seconds * 1000)} ms`;
    else if (seconds < 60) text = `${round(seconds)} s`;
    else if (seconds < 3600) text = `${round(seconds / 60)} min`;
    else text = `${round(seconds / 3600)} h`;
    return beyond ? `≥ ${text}` : text;
  }

  function outcomes(counts) {
    const cell = el('td', null, 'outcomes');
    for (const [outcome, count] of Object.entries(counts).sort((a, b) => b[1] - a[1])) {
      const ok = outcome === 'received' || outcome === 'duplicate';
      cell.append(el('span', `${outcome} ${count}`, `outcome ${ok ? 'outcome-ok' : 'outcome-bad'}`), ' ');
    }
    return cell;
  }

  function render({ types }) {
    body.replaceChildren(
      ...types.map((row) => {
        const tr = el('tr');
        tr.dataset.type = row.type;
        tr.append(
          el('td', row.type, 'type'),
          el('td', row.total, 'num'),
          outcomes(row.outcomes),
          el('td', duration(row.handler?.p50), 'num'),
          el('td', duration(row.handler?.p99), 'num'),
          el('td', duration(row.lag?.p50), 'num'),
          el('td', duration(row.lag?.p99), 'num'),
        );
        return tr;
      }),
    );
    empty.hidden = types.length > 0;
  }

  let timer = null; // deliveries in a burst ask for one refresh
  let loading = false;
  let stale = false; // asked for while loading: the answer may not count the delivery yet
  function refresh() {
    if (loading) stale = true;
    else timer ??= setTimeout(load, 100);
  }
  async function load() {
    timer = null;
    loading = true;
    try {
      const response = await fetch('inspector/stats', { headers: { Accept: 'application/json' } });
      if (response.ok) render(await response.json());
    } finally {
      loading = false;
      if (stale) {
        stale = false;
        refresh();
      }
    }
  }

  // A snapshot starts every (re)connection: what arrived while the page was cut off is counted then.
  document.addEventListener('inspector:snapshot', refresh);
  document.addEventListener('inspector:delivery', refresh);
  setInterval(refresh, REFRESH_MS);
  refresh();
})();
