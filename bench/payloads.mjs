// The request every contender receives: one inbound text message of about 600 bytes, in each
// product's own webhook format, with a fresh event id per request so that a deduplicating receiver
// never takes its cheaper "already handled" path.
import { createHmac } from 'node:crypto';

/** Credentials of the InnoPaaS contenders: two plain headers (docs/events.md#headers). */
export const USER_NAME = 'bench-user';
export const AUTHORIZATION = 'bench-authorization-0123456789abcdef';
/** Shared secrets of the signed peers. */
export const LINE_CHANNEL_SECRET = 'bench-line-channel-secret-0123456789';
export const GITHUB_SECRET = 'bench-github-webhook-secret-0123456789';

/** A user's message of realistic length, so that every body lands near 600 bytes. */
const TEXT =
  'Hello, I ordered a blue jacket last week (order 88231) and the tracking page has not moved since Monday. ' +
  'Could you check where it is and whether it still arrives before Friday? Thanks!';

// Each product's event, split around the id so that a request costs one string concatenation.
// InnoPaaS: the documented text example (docs/events.md#inbound-text), with `text.body` padded as above.
const INNOPAAS_HEAD = '{"id":"';
const INNOPAAS_TAIL =
  '","type":"whatsapp_mo_message_received","eventTime":"2023-02-22T12:00:00.000Z","body":{' +
  '"id":"63f5d602367ea403f8175a6c","accountName":"IW123456","wabaId":"WHATSAPP_BUSINESS_ACCOUNT_ID",' +
  '"wamid":"wamid.BgNODYxN...","from":"PHONE-NUMBER","customerProfile":{"name":"Jack"},' +
  '"to":"BUSINESS-PHONE-NUMBER","sendTime":"2023-02-22T12:00:00.000Z","type":"text",' +
  `"text":{"body":${JSON.stringify(TEXT)}}}}`;

// LINE: a text message event as in the Messaging API reference, one event per delivery.
const LINE_HEAD =
  '{"destination":"U0123456789abcdef0123456789abcdef","events":[{"type":"message","message":{"type":"text",' +
  `"id":"468789577898262530","quoteToken":"q3Plxr4AgKd...","text":${JSON.stringify(TEXT)}},` +
  '"webhookEventId":"';
const LINE_TAIL =
  '","deliveryContext":{"isRedelivery":false},"timestamp":1677067200000,"source":{"type":"user",' +
  '"userId":"U4af4980629abcdef0123456789abcdef"},"replyToken":"757913772c4646b784d4b7ce46d12671","mode":"active"}]}';

// GitHub: an `issue_comment` event cut down to the fields a handler reads (the real one is ~10 kB).
const GITHUB_HEAD = '{"action":"created","issue":{"number":42,"title":"Shipping status","state":"open"},"comment":{"id":';
const GITHUB_TAIL =
  `,"body":${JSON.stringify(TEXT)},"user":{"login":"octocat","id":1},"created_at":"2023-02-22T12:00:00Z",` +
  '"html_url":"https://github.com/octocat/Hello-World/issues/42#issuecomment-1","author_association":"OWNER"},' +
  '"repository":{"id":1296269,"full_name":"octocat/Hello-World","private":false},"sender":{"login":"octocat","id":1}}';

/** A UUID-shaped id that no other request of this process carries. */
function uuidFor(n) {
  return `b5e984b3-21b2-42a9-b08b-${n.toString(16).padStart(12, '0')}`;
}

const sign = (secret, body, encoding) => createHmac('sha256', secret).update(body).digest(encoding);

/**
 * The request builders, by payload kind. Each returns the body and headers of request number `n`;
 * the load generator calls it once per request.
 */
export const requestFactories = {
  innopaas(n) {
    return {
      body: INNOPAAS_HEAD + uuidFor(n) + INNOPAAS_TAIL,
      headers: { 'content-type': 'application/json', username: USER_NAME, authorization: AUTHORIZATION },
    };
  },
  line(n) {
    const body = LINE_HEAD + `01GT${n.toString(36).toUpperCase().padStart(22, '0')}` + LINE_TAIL;
    return {
      body,
      headers: { 'content-type': 'application/json', 'x-line-signature': sign(LINE_CHANNEL_SECRET, body, 'base64') },
    };
  },
  github(n) {
    const body = GITHUB_HEAD + (1000000000 + n) + GITHUB_TAIL;
    return {
      body,
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'issue_comment',
        'x-github-delivery': uuidFor(n),
        'x-hub-signature-256': `sha256=${sign(GITHUB_SECRET, body, 'hex')}`,
      },
    };
  },
};
