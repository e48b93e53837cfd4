import { createHash, timingSafeEqual } from 'node:crypto';
import { DIGEST_BYTES, createCredentialCheck } from '../lib/stages/credentials';
import { innopaasWebhook } from '../lib';
import { AUTH, USER } from './helpers/app';

/**
 * The credential check: both headers hashed to fixed-size digests and compared
 * with timingSafeEqual, against every configured pair, every time — so neither content, nor length,
 * nor which header or pair was wrong can show in timing or in an exception.
 */

// Every call lib/stages/credentials.ts makes to timingSafeEqual goes through this recording wrapper.
jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});
const recorded = jest.mocked(timingSafeEqual);

const pairs = [
  { userName: 'old-user', authorization: 'old-authorization-6c1f' },
  { userName: USER, authorization: AUTH },
  { userName: 'next-user', authorization: 'next-authorization-93ad' },
];
const MB = 1024 * 1024;

describe('createCredentialCheck', () => {
  const check = createCredentialCheck(pairs);

  test('digests are SHA-256 sized: 32 bytes whatever the input', () => {
    expect(DIGEST_BYTES).toBe(32);
    expect(createHash('sha256').digest()).toHaveLength(DIGEST_BYTES);
  });

  test.each<{ name: string; userName: unknown; authorization: unknown; expected: boolean }>([
    { name: 'the right pair', userName: USER, authorization: AUTH, expected: true },
    {
      name: 'another configured pair (rotation)',
      userName: 'next-user',
      authorization: 'next-authorization-93ad',
      expected: true,
    },
    { name: 'halves of two different pairs', userName: 'old-user', authorization: AUTH, expected: false },
    { name: 'a 1 MB wrong Authorization', userName: USER, authorization: 'x'.repeat(MB), expected: false },
    { name: 'a 1-byte wrong Authorization', userName: USER, authorization: 'x', expected: false },
    { name: 'an empty Authorization', userName: USER, authorization: '', expected: false },
    { name: 'the right Authorization and one byte more', userName: USER, authorization: `${AUTH}x`, expected: false },
    { name: 'the right Authorization less its last byte', userName: USER, authorization: AUTH.slice(0, -1), expected: false },
    { name: 'a 1 MB UserName', userName: 'u'.repeat(MB), authorization: AUTH, expected: false },
    { name: 'no headers', userName: undefined, authorization: undefined, expected: false },
    { name: 'a repeated header (an array)', userName: [USER, USER], authorization: AUTH, expected: false },
    { name: 'the \\u0000invalid stand-in itself', userName: '\u0000invalid', authorization: '\u0000invalid', expected: false },
    { name: 'the stand-in pair itself', userName: '\u0000invalid', authorization: '', expected: false },
    {
      name: 'the line feed moved: user and authorization split elsewhere',
      userName: `${USER}\n${AUTH.slice(0, 4)}`,
      authorization: AUTH.slice(4),
      expected: false,
    },
    { name: 'the whole pair in UserName', userName: `${USER}\n${AUTH}`, authorization: '', expected: false },
  ])('$name → $expected, without throwing', ({ userName, authorization, expected }) => {
    expect(check(userName as string, authorization as string)).toBe(expected);
  });

  test('timingSafeEqual only ever meets two 32-byte digests, for every pair, on every call', () => {
    // Unhashed, timingSafeEqual throws on a length mismatch — and the throw would tell the length.
    expect(() => timingSafeEqual(Buffer.alloc(1), Buffer.alloc(2))).toThrow(/same byte length/);
    const inputs: Array<[unknown, unknown]> = [
      [USER, AUTH],
      ['old-user', 'old-authorization-6c1f'],
      ['', ''],
      ['a', 'x'.repeat(MB)],
      [undefined, ['a', 'b']],
      ['x'.repeat(MB), undefined],
    ];
    for (const [userName, authorization] of inputs) {
      recorded.mockClear();
      check(userName as string, authorization as string);
      // One comparison a pair (of the digest of both headers), whichever pair matched and whatever was sent: no early exit.
      expect(recorded).toHaveBeenCalledTimes(pairs.length);
      for (const [a, b] of recorded.mock.calls) {
        expect([(a as Buffer).length, (b as Buffer).length]).toEqual([DIGEST_BYTES, DIGEST_BYTES]);
      }
    }
  });
});

describe('credentials the HTTP headers can never carry', () => {
  // A secret read from a file or a .env often ends in a newline, and HTTP strips whitespace around a
  // header value (RFC 9110, section 5.5): such a credential can never match, and every delivery is a 401.
  // So it is refused when the middleware is created, with a message that names the likely cause.
  test.each([
    ['a trailing newline', { userName: USER, authorization: `${AUTH}\n` }],
    ['surrounding spaces', { userName: ` ${USER} `, authorization: AUTH }],
    ['non-ASCII characters (Node reads header bytes as Latin-1)', { userName: 'usér', authorization: AUTH }],
  ])('%s → refused at creation, without printing the value', (_case, credentials) => {
    expect(() => innopaasWebhook(credentials)).toThrow(
      /`(userName|authorization)` contains characters an HTTP header cannot carry.*trailing newline/,
    );
    try {
      innopaasWebhook(credentials);
    } catch (error) {
      expect(String(error)).not.toContain(AUTH);
    }
  });

  test('the same check covers rotated pairs in `credentials`', () => {
    expect(() =>
      innopaasWebhook({
        credentials: [
          { userName: 'a', authorization: 'b' },
          { userName: 'c', authorization: 'd\n' },
        ],
      }),
    ).toThrow(/`credentials\[1\].authorization` contains characters/);
  });
});
