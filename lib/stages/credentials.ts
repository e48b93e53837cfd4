import * as crypto from 'node:crypto';

/** One `UserName` / `Authorization` pair, exactly as typed into the InnoPaaS console (docs/events.md#headers). */
export interface Credentials {
  userName: string;
  authorization: string;
}

/** SHA-256 digests are always 32 bytes, so comparing them leaks neither content nor length. */
export const DIGEST_BYTES = 32;

// crypto.hash() (Node ≥ 20.12) skips the Hash object: about half the cost of createHash() for two
// short headers (bench/). Older Node falls back to createHash().
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'buffer') => Buffer }).hash;

function digest(value: string): Buffer {
  return oneShot ? oneShot('sha256', value, 'buffer') : crypto.createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The one string a pair is hashed as. A header value cannot hold a line feed (HTTP forbids it, and
 * configured values are checked at creation), so `userName LF authorization` names exactly one pair:
 * one digest a request instead of two.
 */
function pairDigest(userName: string, authorization: string): Buffer {
  return digest(`${userName}\n${authorization}`);
}

/**
 * Returns a check of the two headers against every configured pair. The pair is hashed and the
 * fixed-size digest compared with `timingSafeEqual` to each configured one; every pair is compared
 * every time (no early exit), so neither which header was wrong, nor which pair matched, nor any
 * length shows in timing.
 */
export function createCredentialCheck(
  pairs: readonly Credentials[],
): (userName: string | string[] | undefined, authorization: string | string[] | undefined) => boolean {
  const expected = pairs.map((pair) => pairDigest(pair.userName, pair.authorization));
  return function checkCredentials(userName, authorization) {
    // A repeated header arrives as an array (or joined by Node): it never equals a configured value.
    // The stand-in holds a NUL, which no configured value can: it never matches either.
    const given =
      typeof userName === 'string' && typeof authorization === 'string'
        ? pairDigest(userName, authorization)
        : pairDigest('\u0000invalid', '');
    let matched = 0;
    for (const digestOfPair of expected) matched |= crypto.timingSafeEqual(given, digestOfPair) ? 1 : 0;
    return matched === 1;
  };
}
