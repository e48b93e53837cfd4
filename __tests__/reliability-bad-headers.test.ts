import { deflateSync, gzipSync } from 'node:zlib';
import { AUTH, USER, textEvent } from './helpers/app';
import { describeCorpus, type CorpusCase, type RawPost } from './helpers/raw-http';

/**
 * The bad-input corpus, part 2: what the request line and the headers can get wrong — methods,
 * media types, content codings and the credential headers (docs/events.md#headers). Every row posts a fresh valid
 * text event unless it says otherwise, so a refusal is the header's doing alone.
 */

const event = () => JSON.stringify(textEvent());
const post = (headers: RawPost['headers'], extra: RawPost = {}): RawPost => ({ headers, body: event(), ...extra });
const type = (value: string) => post([['Content-Type', value]]);
const coded = (coding: string, bytes: Buffer) => ({ headers: [['Content-Encoding', coding]], body: bytes }) as RawPost;

const methods: CorpusCase[] = [
  ['HEAD', { method: 'HEAD' }, 405, 'method_not_allowed'],
  ['OPTIONS (a CORS preflight is not InnoPaaS)', { method: 'OPTIONS' }, 405, 'method_not_allowed'],
  ['GET with a body', { method: 'GET', body: event() }, 405, 'method_not_allowed'],
  ['PUT', { method: 'PUT', body: event() }, 405, 'method_not_allowed'],
  ['DELETE', { method: 'DELETE' }, 405, 'method_not_allowed'],
  ['a method HTTP does not define (BREW)', { method: 'BREW', body: event() }, 400, 'node'],
  ['a lower-case post (methods are case-sensitive)', { method: 'post', body: event() }, 400, 'node'],
];

const mediaTypes: CorpusCase[] = [
  ['APPLICATION/JSON in capitals', type('APPLICATION/JSON'), 200, 'received'],
  ['a quoted charset "UTF-8"', type('application/json; charset="UTF-8"'), 200, 'received'],
  ['a space before the parameters', type('application/json ; charset=utf-8'), 200, 'received'],
  ['charset=us-ascii (a subset of UTF-8)', type('application/json; charset=us-ascii'), 200, 'received'],
  ['application/problem+json (any +json)', type('application/problem+json'), 200, 'received'],
  ['no Content-Type at all (undocumented: read as JSON)', post([['Content-Type', null]]), 200, 'received'],
  // Any charset label: the bytes (here UTF-8 JSON) are read as UTF-8 whatever it says.
  ['charset=utf-16', type('application/json; charset=utf-16'), 200, 'received'],
  ['charset=iso-8859-1', type('application/json; charset=iso-8859-1'), 200, 'received'],
  ['application/jsonx', type('application/jsonx'), 415, 'unsupported_media_type'],
  ['text/json', type('text/json'), 415, 'unsupported_media_type'],
  ['application/json+xml', type('application/json+xml'), 415, 'unsupported_media_type'],
  ['multipart/form-data', type('multipart/form-data; boundary=x'), 415, 'unsupported_media_type'],
  ['an empty Content-Type', type(''), 415, 'unsupported_media_type'],
  ['a type without a subtype', type('application/'), 415, 'unsupported_media_type'],
  ['parameters without a type', type(';charset=utf-8'), 415, 'unsupported_media_type'],
  // Node keeps the first of repeated Content-Type lines: the first decides, the second is never seen.
  [
    'Content-Type twice, JSON first',
    post([
      ['Content-Type', 'application/json'],
      ['Content-Type', 'text/plain'],
    ]),
    200,
    'received',
  ],
  [
    'Content-Type twice, text/plain first',
    post([
      ['Content-Type', 'text/plain'],
      ['Content-Type', 'application/json'],
    ]),
    415,
    'unsupported_media_type',
  ],
];

const codings: CorpusCase[] = [
  ['a gzip body with Content-Encoding: gzip', coded('gzip', gzipSync(event())), 415, 'unsupported_content_encoding'],
  ['a deflate body with Content-Encoding: deflate', coded('deflate', deflateSync(event())), 415, 'unsupported_content_encoding'],
  ['Content-Encoding: br', coded('br', Buffer.from(event())), 415, 'unsupported_content_encoding'],
  ['Content-Encoding: GZIP in capitals', coded('GZIP', gzipSync(event())), 415, 'unsupported_content_encoding'],
  ['Content-Encoding: gzip, identity', coded('gzip, identity', gzipSync(event())), 415, 'unsupported_content_encoding'],
  ['Content-Encoding: identity (no coding)', coded('identity', Buffer.from(event())), 200, 'received'],
  ['an empty Content-Encoding', coded('', Buffer.from(event())), 200, 'received'],
  [
    'a gzip body without credentials (401 comes first)',
    {
      ...coded('gzip', gzipSync(event())),
      headers: [
        ['Content-Encoding', 'gzip'],
        ['UserName', null],
        ['Authorization', null],
      ],
    },
    401,
    'unauthorized',
  ],
  [
    'a gzip body as Transfer-Encoding: gzip, chunked',
    { headers: [['Transfer-Encoding', 'gzip, chunked']], body: gzipSync(event()), chunkSize: 64 },
    415,
    'unsupported_content_encoding',
  ],
];

const WRONG = 'Wrong-Authorization-0b9d2e';
const credentialHeaders: CorpusCase[] = [
  [
    'header names in lower case',
    post([
      ['username', USER],
      ['authorization', AUTH],
    ]),
    200,
    'received',
  ],
  [
    'header names in upper case',
    post([
      ['USERNAME', USER],
      ['AUTHORIZATION', AUTH],
    ]),
    200,
    'received',
  ],
  [
    'header names in mixed case',
    post([
      ['uSeRnAmE', USER],
      ['aUtHoRiZaTiOn', AUTH],
    ]),
    200,
    'received',
  ],
  // HTTP strips the optional whitespace around a field value (RFC 9110, section 5.5): the value is unchanged.
  [
    'values wrapped in spaces and tabs',
    post([
      ['UserName', ` \t${USER} `],
      ['Authorization', `  ${AUTH}\t`],
    ]),
    200,
    'received',
  ],
  ['an empty UserName', post([['UserName', '']]), 401, 'unauthorized'],
  ['an empty Authorization', post([['Authorization', '']]), 401, 'unauthorized'],
  ['an 8 KB Authorization', post([['Authorization', 'A'.repeat(8192)]]), 401, 'unauthorized'],
  ['an 8 KB UserName', post([['UserName', 'U'.repeat(8192)]]), 401, 'unauthorized'],
  [
    '8 KB in both (over Node’s 16 KB header limit)',
    post([
      ['UserName', 'U'.repeat(8192)],
      ['Authorization', 'A'.repeat(8192)],
    ]),
    431,
    'node',
  ],
  ['the Authorization value in other letter case', post([['Authorization', AUTH.toUpperCase()]]), 401, 'unauthorized'],
  [
    'Authorization as Basic base64(user:auth)',
    post([['Authorization', `Basic ${Buffer.from(`${USER}:${AUTH}`).toString('base64')}`]]),
    401,
    'unauthorized',
  ],
  [
    'UserName as UTF-8 bytes of a look-alike (Cyrillic "і")',
    post([['UserName', Buffer.from(USER.replace('i', 'і')).toString('latin1')]]),
    401,
    'unauthorized',
  ],
  ['a control character in a value', post([['Authorization', `${AUTH}\u0001`]]), 400, 'node'],
  [
    'the credentials in the query string instead',
    {
      path: `/webhook?UserName=${USER}&Authorization=${AUTH}`,
      headers: [
        ['UserName', null],
        ['Authorization', null],
      ],
      body: event(),
    },
    401,
    'unauthorized',
  ],
  [
    'the credentials under X- names',
    post([
      ['UserName', null],
      ['Authorization', null],
      ['X-UserName', USER],
      ['X-Authorization', AUTH],
    ]),
    401,
    'unauthorized',
  ],
  // Node joins a repeated unknown header with ", ", which matches nothing.
  [
    'UserName twice, same value',
    post([
      ['UserName', USER],
      ['UserName', USER],
    ]),
    401,
    'unauthorized',
  ],
  [
    'UserName twice, names in different case',
    post([
      ['UserName', USER],
      ['username', USER],
    ]),
    401,
    'unauthorized',
  ],
  [
    'Authorization twice, wrong one first',
    post([
      ['Authorization', WRONG],
      ['Authorization', AUTH],
    ]),
    401,
    'unauthorized',
  ],
  // Node drops every Authorization line after the first (it is a singleton field), so the check never
  // sees the repetition that lib/stages/credentials.ts means to refuse.
  [
    'Authorization twice, same value',
    post([
      ['Authorization', AUTH],
      ['Authorization', AUTH],
    ]),
    401,
    'unauthorized',
  ],
  [
    'Authorization twice, right one first',
    post([
      ['Authorization', AUTH],
      ['Authorization', WRONG],
    ]),
    401,
    'unauthorized',
  ],
];

describeCorpus('bad input: method and headers', {}, [...methods, ...mediaTypes, ...codings, ...credentialHeaders]);
