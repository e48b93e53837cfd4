import { describeCorpus, type CorpusCase } from './helpers/raw-http';
import { textEvent } from './helpers/app';
import { fixture } from './fixtures';

/**
 * The bad-input corpus, part 1: what the body can get wrong, byte by byte, from JSON syntax to the
 * envelope and event schemas. Each row names the input, the exact status and the exact problem code;
 * the runner (helpers/raw-http.ts) adds the checks that hold for every row. Headers, methods and
 * transport are parts 2 and 3 (reliability-bad-headers / reliability-bad-transport).
 */

const MB = 1024 * 1024;
const text = (value: unknown = 'OK') => JSON.stringify(textEvent(String(value)));

/** A fresh text event with envelope keys replaced (`undefined` deletes one). */
function envelope(changes: Record<string, unknown>): string {
  const event: Record<string, unknown> = { ...textEvent(), ...changes };
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete event[key];
  return JSON.stringify(event);
}

/** A fresh text event whose body is changed by `change`. */
function body(change: (body: Record<string, unknown>) => void): string {
  const event = textEvent();
  change(event.body as Record<string, unknown>);
  return JSON.stringify(event);
}

/** A fresh text event with raw JSON text spliced in as the last members of its body. */
const bodyWith = (members: string) => text().replace(/}}$/, `,${members}}}`);

/** 10,000 levels of nesting: deep enough to overflow any recursive walker, cheap to send. */
const DEEP = 10_000;
const deepArray = '['.repeat(DEEP) + ']'.repeat(DEEP);
const deepObject = '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP);

const bytes = (...parts: Array<string | number[]>) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

const syntax: CorpusCase[] = [
  ['a documented text event (the control row)', { body: text() }, 200, 'received'],
  ['the event cut in half', { body: text().slice(0, 120) }, 400, 'invalid_json'],
  ['the event without its last byte', { body: text().slice(0, -1) }, 400, 'invalid_json'],
  ['a lone opening brace', { body: '{' }, 400, 'invalid_json'],
  ['a trailing comma', { body: text().replace(/}$/, ',}') }, 400, 'invalid_json'],
  ['single-quoted strings', { body: "{'id':'x'}" }, 400, 'invalid_json'],
  ['a NaN literal', { body: '{"id":NaN}' }, 400, 'invalid_json'],
  ['a // comment', { body: `// from InnoPaaS\n${text()}` }, 400, 'invalid_json'],
  ['two documents back to back', { body: `${text()}${text()}` }, 400, 'invalid_json'],
  ['the event followed by garbage', { body: `${text()} trailing` }, 400, 'invalid_json'],
  ['an unterminated string', { body: '{"id":"abc' }, 400, 'invalid_json'],
  [
    'a raw U+0001 inside a string (JSON wants it escaped)',
    { body: text('a\u0001b').replace('\\u0001', '\u0001') },
    400,
    'invalid_json',
  ],
  ['a raw newline inside a string', { body: text('a\nb').replace('\\n', '\n') }, 400, 'invalid_json'],
  ['the word undefined', { body: 'undefined' }, 400, 'invalid_json'],
];

const encoding: CorpusCase[] = [
  [
    'a UTF-8 byte order mark before the event (RFC 8259, section 8.1)',
    { body: bytes([0xef, 0xbb, 0xbf], text()) },
    200,
    'received',
  ],
  ['a lone byte order mark', { body: bytes([0xef, 0xbb, 0xbf]) }, 200, 'test'],
  ['a 0xFF byte inside a string', { body: bytes('{"id":"', [0xff], '"}') }, 400, 'invalid_encoding'],
  ['an overlong encoding of "/" (C0 AF)', { body: bytes('{"id":"', [0xc0, 0xaf], '"}') }, 400, 'invalid_encoding'],
  ['a multi-byte sequence cut at the end', { body: bytes(text(), [0xe2, 0x82]) }, 400, 'invalid_encoding'],
  [
    'UTF-16LE with its byte order mark',
    { body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text(), 'utf16le')]) },
    400,
    'invalid_encoding',
  ],
  ['a CESU-8 encoded surrogate (ED A0 80)', { body: bytes('{"id":"', [0xed, 0xa0, 0x80], '"}') }, 400, 'invalid_encoding'],
  ['Latin-1 "é" (a bare E9 byte)', { body: Buffer.from(text('café'), 'latin1') }, 400, 'invalid_encoding'],
  [
    'escaped control characters \\u0000–\\u001f in the text',
    { body: text(String.fromCharCode(...Array.from({ length: 32 }, (_, i) => i))) },
    200,
    'received',
  ],
  ['a lone surrogate escape (\\ud800) in the text', { body: text().replace('"OK"', '"\\ud800"') }, 200, 'received'],
];

const notAnEnvelope: CorpusCase[] = [
  ['a body of only spaces, tabs and CRLFs', { body: ' \t\r\n \r\n' }, 200, 'test'],
  ['null', { body: 'null' }, 400, 'invalid_envelope'],
  ['an empty array', { body: '[]' }, 400, 'batch_not_supported'],
  ['an array of one valid event', { body: `[${text()}]` }, 400, 'batch_not_supported'],
  ['a number', { body: '42' }, 400, 'invalid_envelope'],
  ['a negative exponent number', { body: '-0.5e10' }, 400, 'invalid_envelope'],
  ['a number too large for a double (1e400)', { body: '1e400' }, 400, 'invalid_envelope'],
  ['a string', { body: '"whatsapp_mo_message_received"' }, 400, 'invalid_envelope'],
  ['true', { body: 'true' }, 400, 'invalid_envelope'],
  ['false', { body: 'false' }, 400, 'invalid_envelope'],
];

const badEnvelope: CorpusCase[] = [
  ['no id', { body: envelope({ id: undefined }) }, 400, 'invalid_envelope'],
  ['no type', { body: envelope({ type: undefined }) }, 400, 'invalid_envelope'],
  ['no eventTime', { body: envelope({ eventTime: undefined }) }, 400, 'invalid_envelope'],
  ['no body', { body: envelope({ body: undefined }) }, 400, 'invalid_envelope'],
  ['id is a number', { body: envelope({ id: 42 }) }, 400, 'invalid_envelope'],
  ['id is empty', { body: envelope({ id: '' }) }, 400, 'invalid_envelope'],
  ['id is null', { body: envelope({ id: null }) }, 400, 'invalid_envelope'],
  ['id is 257 characters (one over the bound)', { body: envelope({ id: 'i'.repeat(257) }) }, 400, 'invalid_envelope'],
  ['type is a number', { body: envelope({ type: 7 }) }, 400, 'invalid_envelope'],
  ['type is empty', { body: envelope({ type: '' }) }, 400, 'invalid_envelope'],
  [
    'type is an array of the right string',
    { body: envelope({ type: ['whatsapp_mo_message_received'] }) },
    400,
    'invalid_envelope',
  ],
  ['eventTime is epoch milliseconds as a number', { body: envelope({ eventTime: 1677067200000 }) }, 400, 'invalid_envelope'],
  [
    'eventTime is 65 characters',
    { body: envelope({ eventTime: `2023-02-22T12:00:00.000Z${' '.repeat(41)}` }) },
    400,
    'invalid_envelope',
  ],
  ['body is an array', { body: envelope({ body: [] }) }, 400, 'invalid_envelope'],
  ['body is a string', { body: envelope({ body: '{}' }) }, 400, 'invalid_envelope'],
  ['body is null', { body: envelope({ body: null }) }, 400, 'invalid_envelope'],
];

const badEvent: CorpusCase[] = [
  ['an inbound message without from', { body: body((b) => delete b.from) }, 400, 'invalid_event'],
  ['an inbound message whose type is a number', { body: body((b) => (b.type = 1)) }, 400, 'invalid_event'],
  ['a text message whose text.body is a number', { body: body((b) => (b.text = { body: 1 })) }, 400, 'invalid_event'],
  ['a text message whose text is a string', { body: body((b) => (b.text = 'hello')) }, 400, 'invalid_event'],
  [
    'a status report whose status is a number',
    {
      body: JSON.stringify({
        ...fixture('status-delivered'),
        id: 'status-num',
        body: { ...fixture('status-delivered').body, status: 3 },
      }),
    },
    400,
    'invalid_event',
  ],
  [
    'a status conversation without expireAt',
    {
      body: JSON.stringify({
        ...fixture('status-delivered'),
        id: 'status-conv',
        body: { ...fixture('status-delivered').body, conversation: { initiateType: 'x' } },
      }),
    },
    400,
    'invalid_event',
  ],
  [
    'an undocumented type (InnoPaaS adds types: never a 400)',
    { body: envelope({ type: 'whatsapp_brand_new_event' }) },
    200,
    'received',
  ],
  ['type "__proto__"', { body: envelope({ type: '__proto__' }) }, 200, 'received'],
  ['type "hasOwnProperty"', { body: envelope({ type: 'hasOwnProperty' }) }, 200, 'received'],
  [
    'the whatsapp_template_status_update spelling (quirk 14)',
    { body: JSON.stringify(fixture('template-status-update-spelling')) },
    200,
    'received',
  ],
  [
    'a repeated key: JSON.parse keeps the last, and that one is handled',
    { body: text().replace('{', '{"id":"first-of-two",') },
    200,
    'received',
  ],
];

const prototypeKeys: CorpusCase[] = [
  ['a top-level "__proto__" key', { body: text().replace('{', '{"__proto__":{"polluted":"yes"},') }, 200, 'received'],
  ['"__proto__" inside body', { body: bodyWith('"__proto__":{"polluted":"yes"}') }, 200, 'received'],
  [
    '"constructor": { "prototype": … } inside body',
    { body: bodyWith('"constructor":{"prototype":{"polluted":"yes"}}') },
    200,
    'received',
  ],
  [
    'envelope keys only under "__proto__" (inherited keys satisfy nothing)',
    { body: `{"__proto__":${envelope({})}}` },
    400,
    'invalid_envelope',
  ],
  [
    'text.body only under "__proto__"',
    { body: body((b) => (b.text = JSON.parse('{"__proto__":{"body":"hi"}}'))) },
    400,
    'invalid_event',
  ],
];

const sizeAndShape: CorpusCase[] = [
  ['10,000 nested arrays inside body (an extra key)', { body: bodyWith(`"deep":${deepArray}`) }, 200, 'received'],
  ['10,000 nested objects inside body (an extra key)', { body: bodyWith(`"deep":${deepObject}`) }, 200, 'received'],
  ['10,000 nested arrays as the whole payload', { body: deepArray }, 400, 'batch_not_supported'],
  [
    '10,000 nested objects in place of text',
    { body: text().replace(/"text":\{"body":"OK"\}/, `"text":${deepObject}`) },
    400,
    'invalid_event',
  ],
  [
    '50,000 extra keys in body',
    { body: bodyWith(Array.from({ length: 50_000 }, (_, i) => `"k${i}":${i}`).join(',')) },
    200,
    'received',
  ],
  ['a 1 MB text with the default 1 MB limit', { body: text('x'.repeat(MB)) }, 413, 'payload_too_large'],
];

describeCorpus('bad input: the body', {}, [
  ...syntax,
  ...encoding,
  ...notAnEnvelope,
  ...badEnvelope,
  ...badEvent,
  ...prototypeKeys,
  ...sizeAndShape,
]);

// A 1 MB string where the limit allows it: accepted where the schema leaves strings unbounded, refused
// where the envelope bounds them (id, eventTime keep dedupe keys and logs small).
describeCorpus('bad input: 1 MB strings under a 3 MB limit', { limit: '3mb' }, [
  ['a 1 MB text', { body: text('x'.repeat(MB)) }, 200, 'received'],
  ['a 1 MB unknown key in body', { body: bodyWith(`"extra":"${'x'.repeat(MB)}"`) }, 200, 'received'],
  ['a 1 MB id', { body: envelope({ id: 'i'.repeat(MB) }) }, 400, 'invalid_envelope'],
  ['a 1 MB eventTime', { body: envelope({ eventTime: '2'.repeat(MB) }) }, 400, 'invalid_envelope'],
]);

const padded = (size: number) => {
  const base = text();
  return base.replace(/}}$/, `,"pad":"${'p'.repeat(size - base.length - 9)}"}}`);
};

describeCorpus('bad input: the exact limit', { limit: 4096 }, [
  ['a body of exactly the limit (4,096 bytes)', { body: padded(4096) }, 200, 'received'],
  ['one byte over, with Content-Length', { body: padded(4097) }, 413, 'payload_too_large'],
  ['one byte over, chunked (the streaming count)', { body: padded(4097), chunkSize: 1000 }, 413, 'payload_too_large'],
]);
