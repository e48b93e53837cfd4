'use strict';

const { STATUS_CODES } = require('node:http');
const { canonicalEventType } = require('../..');

/** A payload can be up to the middleware's 1 MB limit; 200 of those would be a lot of memory for a demo. */
const MAX_PAYLOAD_CHARS = 64 * 1024;
const MAX_PROBLEMS = 20;
const MAX_TEXT = 300;

/**
 * The first `max` characters of `text` as a string of their own: a part taken with `slice` may keep the
 * whole of `text` alive as long as the part lives, up to megabytes for a row that shows a few hundred.
 */
const copyOf = (text, max) => Buffer.from(text.slice(0, max), 'utf8').toString('utf8');

const cut = (value, max = MAX_TEXT) => {
  const text = String(value);
  return text.length > max ? `${copyOf(text, max)}…` : text;
};
const stringOrNull = (value) => (typeof value === 'string' ? cut(value, 100) : null);

/** Message type of the events that have one: `body.type` inbound, `body.messageType` in the inbox. */
function messageTypeOf(payload) {
  const body = payload && typeof payload === 'object' ? payload.body : undefined;
  if (!body || typeof body !== 'object') return null;
  if (payload.type === 'whatsapp_mo_message_received') return stringOrNull(body.type);
  if (payload.type === 'chat_mt_message_notify' || payload.type === 'chat_mo_message_notify')
    return stringOrNull(body.messageType);
  return null;
}

/** One human sentence for the outcome, since the status alone does not tell a duplicate from a first delivery. */
function outcomeOf(status, event, notes, queueMode) {
  if (status === null) return 'connection closed before an answer was sent';
  if (notes.error) return `${notes.error.code}: ${cut(notes.error.message)}`;
  // Queue mode: the job's state, as the queue's event stream reports it (queued, active, done, failed…).
  if (notes.job) return notes.job;
  if (notes.invalid) return notes.invalid.code;
  if (notes.duplicate) return 'duplicate: handlers not called again';
  if (event && !canonicalEventType(event.type)) return 'unknown event type: acknowledged';
  if (event && status < 300) return queueMode ? 'queued' : 'handled';
  if (event) return STATUS_CODES[status] ?? 'rejected';
  // The console tests the URL when it is saved (docs/events.md#connectivity-test): an empty body or {} is taken as that test.
  if (status === 200) return 'empty body (connectivity test)';
  if (status === 401) return 'UserName/Authorization did not match';
  return STATUS_CODES[status] ?? 'rejected';
}

function prettyPayload(payload) {
  if (payload === undefined) return { payload: null, truncated: false };
  let text;
  try {
    text = JSON.stringify(payload, null, 2);
  } catch {
    // Nested deeper than the stack allows: the middleware accepts it, JSON.parse does not recurse.
    return { payload: '(too deeply nested to show)', truncated: true };
  }
  if (text.length <= MAX_PAYLOAD_CHARS) return { payload: text, truncated: false };
  return { payload: copyOf(text, MAX_PAYLOAD_CHARS), truncated: true };
}

/**
 * Remembers the last `max` deliveries to the webhook route. Only what the page shows is kept: the
 * time, the method, the answer, the event and its problems. Request headers, and so the credentials,
 * are never read.
 */
function createRecorder({ max = 200, now = () => new Date(), queueMode = false } = {}) {
  const deliveries = []; // newest first
  const byRequest = new WeakMap();
  /** Queue mode: the newest row of each event id, for the job states that arrive later. */
  const byEventId = new Map();
  const listeners = new Set();
  let lastSeq = 0;
  const pendingStates = new Map();

  const publish = (record) => {
    for (const listener of listeners) listener(record.summary);
  };

  /** Builds the row and the payload text while the request is still at hand. */
  function summarize(record, req) {
    const event = req.innopaasEvent;
    const payload = event ?? record.notes.invalid?.payload;
    const type = payload && typeof payload === 'object' && !Array.isArray(payload) ? payload.type : undefined;
    record.hadEvent = Boolean(event);
    // The whole id, for the job states of queue mode, which name it in full; the row shows it cut.
    record.eventKey = event && typeof event.id === 'string' ? event.id : null;
    record.summary = {
      seq: record.seq,
      receivedAt: record.receivedAt,
      method: cut(req.method, 16),
      status: record.status,
      eventId: stringOrNull(payload?.id),
      eventType: stringOrNull(type),
      messageType: messageTypeOf(payload),
      outcome: outcomeOf(record.status, event, record.notes, queueMode),
      problems: (record.notes.invalid?.problems ?? [])
        .slice(0, MAX_PROBLEMS)
        .map((problem) => ({ path: cut(problem.path), message: cut(problem.message) })),
      durationMs: record.durationMs,
    };
    Object.assign(record, prettyPayload(payload));
  }

  /** Runs from the response's 'close' event, where a throw would end the process: a row is not worth it. */
  function settle(record) {
    try {
      record.status = record.res.writableFinished ? record.res.statusCode : null;
      record.durationMs = Date.now() - record.startedAt;
      summarize(record, record.req);
    } catch (error) {
      console.error(`inspector: delivery ${record.seq} not recorded: ${error}`);
      return;
    } finally {
      // Drop the live objects: only the summary and the (capped) payload text outlive the request.
      record.req = record.res = null;
      if (record.notes.invalid) record.notes.invalid.payload = undefined;
    }
    record.settled = true;
    deliveries.unshift(record);
    if (deliveries.length > max) {
      for (const dropped of deliveries.splice(max)) {
        if (byEventId.get(dropped.eventKey) === dropped) byEventId.delete(dropped.eventKey);
      }
    }
    // A duplicate's row keeps its answer: the job's later states are the first delivery's.
    if (queueMode && record.hadEvent && record.eventKey !== null && !record.notes.duplicate) {
      byEventId.set(record.eventKey, record);
      // A state that arrived before the answer was recorded (a fast worker) is not lost.
      const early = pendingStates.get(record.eventKey);
      if (early) {
        pendingStates.delete(record.eventKey);
        record.notes.job = early;
        record.summary = { ...record.summary, outcome: early };
      }
    }
    publish(record);
  }

  /** Express middleware for the webhook route, mounted before the webhook so it sees every answer. */
  function recordDelivery(req, res, next) {
    lastSeq += 1;
    const record = { seq: lastSeq, receivedAt: now().toISOString(), startedAt: Date.now(), req, res, notes: {}, settled: false };
    byRequest.set(req, record);
    // 'close' fires after 'finish', and also when the client hung up first.
    res.once('close', () => settle(record));
    next();
  }

  /**
   * Adds what only the middleware's hooks know (the problems of a rejected event, a duplicate, an
   * error). With `ack: 'immediately'` a handler error arrives after the answer: the row is updated.
   */
  function note(req, facts) {
    const record = byRequest.get(req);
    if (!record) return;
    Object.assign(record.notes, facts);
    if (!record.settled) return;
    const event = record.hadEvent ? { type: record.summary.eventType } : undefined;
    record.summary = { ...record.summary, outcome: outcomeOf(record.status, event, record.notes, queueMode) };
    publish(record);
  }

  /** Queue mode: the state of the job of `eventId` changed (queued, active, done, failed: …). */
  function noteJob(eventId, state) {
    const record = byEventId.get(eventId);
    if (!record) {
      // Kept a moment for a row not recorded yet; bounded, since events may come from other instances.
      pendingStates.set(eventId, cut(state));
      if (pendingStates.size > max) pendingStates.delete(pendingStates.keys().next().value);
      return;
    }
    // `failed: <reason>` carries the handler's error message, of any length.
    record.notes.job = cut(state);
    record.summary = { ...record.summary, outcome: record.notes.job };
    publish(record);
  }

  return {
    recordDelivery,
    note,
    noteJob,
    /** Summaries, newest first. */
    list: () => deliveries.map((record) => record.summary),
    /** One delivery with its pretty-printed payload, or undefined once it left the window. */
    get: (seq) => {
      const record = deliveries.find((candidate) => candidate.seq === seq);
      return record && { ...record.summary, payload: record.payload, truncated: record.truncated };
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

module.exports = { createRecorder };
