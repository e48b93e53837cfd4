'use strict';

const { isNewerStatus } = require('..');

const MAX_TEXT = 100;
const text = (value) => {
  const string = String(value ?? '');
  return string.length > MAX_TEXT ? `${string.slice(0, MAX_TEXT)}…` : string;
};

/**
 * The latest status of each message you sent, kept as a status handler should keep it: reports arrive
 * in any order (`delivered` after `read`, `delivered` after `failed`), so a report replaces the status
 * only when `isNewerStatus` says it is newer. This stands in for your database: in memory, the last
 * `max` messages reported on.
 */
function createMessageStatuses({ max = 200, now = () => new Date() } = {}) {
  const messages = new Map(); // InnoPaaS message id → entry, least recently reported first
  const listeners = new Set();

  /** Files one status report; says whether it replaced the status, and which status is kept. */
  function record(body) {
    const id = text(body.id);
    const previous = messages.get(id);
    const replaced = isNewerStatus(body.status, previous?.status);
    const entry = {
      id,
      wamid: text(body.wamid),
      status: replaced ? text(body.status) : previous.status,
      // Why it failed, from the report that set the failure.
      error: replaced ? (body.errorData ? text(body.errorData.errorCode) : null) : previous.error,
      lastReport: text(body.status),
      reports: (previous?.reports ?? 0) + 1,
      updatedAt: now().toISOString(),
    };
    messages.delete(id);
    messages.set(id, entry);
    if (messages.size > max) messages.delete(messages.keys().next().value);
    for (const listener of listeners) listener(entry);
    return { replaced, kept: entry.status };
  }

  return {
    record,
    /** Entries, most recently reported first. */
    list: () => [...messages.values()].reverse(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

module.exports = { createMessageStatuses };
