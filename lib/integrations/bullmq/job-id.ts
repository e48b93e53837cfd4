/**
 * Job ids from event ids. BullMQ refuses a custom id that reads as an integer (`'123'`: it would clash
 * with its own counter) or holds a `:` (its key separator), and `'0'`. A job's Redis key is the queue's
 * key, `:`, then the id, so an id equal to one of the queue's own key names (`meta`, `id`, `events`,
 * `wait`, `completed`…) would land on that key: the event is lost, or the whole queue is corrupted.
 * Event ids are opaque strings, so they are escaped reversibly: `%` and `:` always become `%25` and
 * `%3A`, and the first character of an id made only of digits (after an optional `-`), or only of
 * lowercase letters and hyphens (the shape of every BullMQ key name), becomes `%XX`. A UUID, the id of
 * every documented example, and InnoPaaS's hexadecimal ids hold digits and stay as they are.
 */
export function jobIdOf(eventId: string): string {
  const escaped = eventId.replace(/[%:]/g, (c) => (c === '%' ? '%25' : '%3A'));
  return /^-?\d+$|^[a-z-]+$/.test(escaped) ? `%${escaped.charCodeAt(0).toString(16).toUpperCase()}${escaped.slice(1)}` : escaped;
}

/** The event id a job id was made from (the inverse of {@link jobIdOf}). */
export function eventIdOf(jobId: string): string {
  return jobId.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
