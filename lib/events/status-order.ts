import type { MessageStatus } from './message-status';

/**
 * How far along its life a status puts a message. Status reports can arrive in any order (`delivered`
 * after `read`, `delivered` after `failed`): keeping the status of highest rank, rather than the last
 * one to arrive, gives the same answer whatever the order.
 *
 * `sent` < `delivered` < `read` < a failure (`failed`, `SMECL:FAILED`). A failure is terminal: nothing
 * replaces it, and it replaces any other status, so that `delivered` and `failed` end at `failed` in
 * either order (a `read` after a failure cannot happen legitimately). A status outside this list (Meta also has `deleted` and
 * `warning`; InnoPaaS may add more) ranks above no status at all and below every status here, so it
 * never takes the place of one.
 */
const RANKS = new Map<string, number>([
  ['sent', 1],
  ['delivered', 2],
  ['read', 3],
  ['failed', 4],
  ['SMECL:FAILED', 4],
]);

/** The rank of no status yet: below every status, known or not. */
const NONE = -1;
/** The rank of a status outside the list. */
const OTHER = 0;

/**
 * The rank of a message status: -1 for none (`undefined`/`null`), 0 for a status this package does not
 * rank, then `sent` 1, `delivered` 2, `read` 3, `failed` and `SMECL:FAILED` 4. Store it beside the status
 * to update a database row only when a report ranks higher: `… where id = $1 and status_rank < $3`.
 */
export function statusRank(status: MessageStatus | null | undefined): number {
  if (status === undefined || status === null) return NONE;
  return RANKS.get(status) ?? OTHER;
}

/**
 * Whether a status report should replace the status a message already has: `next` ranks higher than
 * `current` (see {@link statusRank}). `current` undefined or null means no status yet. A report of the
 * same rank (the same status again, or the other failure) replaces nothing, so the first one stays.
 */
export function isNewerStatus(next: MessageStatus, current: MessageStatus | null | undefined): boolean {
  return statusRank(next) > statusRank(current);
}
