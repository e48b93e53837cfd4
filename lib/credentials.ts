import * as crypto from 'node:crypto';

/** One `UserName` / `Authorization` pair, exactly as typed into the InnoPaaS console (§3.4). */
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
 * Returns a check of the two headers against every configured pair. Both sides are hashed and the
 * fixed-size digests compared with `timingSafeEqual`; every pair is compared every time (no early
 * exit), so neither which header was wrong, nor which pair matched, nor any length shows in timing.
 */
export function createCredentialCheck(
  pairs: readonly Credentials[],
): (userName: string | string[] | undefined, authorization: string | string[] | undefined) => boolean {
  const expected = pairs.map((pair) => ({ userName: digest(pair.userName), authorization: digest(pair.authorization) }));
  return function checkCredentials(userName, authorization) {
    // A repeated header arrives as an array (or joined by Node): it never equals a configured value.
    const givenUser = digest(typeof userName === 'string' ? userName : '\u0000invalid');
    const givenAuth = digest(typeof authorization === 'string' ? authorization : '\u0000invalid');
    let matched = 0;
    for (const pair of expected) {
      const userOk = crypto.timingSafeEqual(givenUser, pair.userName) ? 1 : 0;
      const authOk = crypto.timingSafeEqual(givenAuth, pair.authorization) ? 1 : 0;
      matched |= userOk & authOk;
    }
    return matched === 1;
  };
}
