import request from 'supertest';
import { innopaasWebhook, isNewerStatus, statusRank, type MessageStatus } from '../lib';
import { buildEvent } from '../lib/testing';
import { credentials, expressVersions, USER, AUTH } from './helpers/app';

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

/** The status kept after `reports` arrive in this order, as the README's pattern keeps it. */
const kept = (reports: readonly MessageStatus[]) =>
  reports.reduce<MessageStatus | undefined>((current, next) => (isNewerStatus(next, current) ? next : current), undefined);

describe('isNewerStatus and statusRank', () => {
  test.each([
    ['delivered', undefined, true],
    ['sent', null, true],
    ['read', 'delivered', true],
    ['delivered', 'read', false],
    ['delivered', 'sent', true],
    ['failed', 'sent', true],
    ['failed', 'read', true],
    ['delivered', 'failed', false],
    ['read', 'SMECL:FAILED', false],
    ['failed', 'SMECL:FAILED', false],
    ['SMECL:FAILED', 'failed', false],
    ['read', 'read', false],
    // A status this package does not rank never takes the place of one it does, and beats nothing.
    ['deleted', 'sent', false],
    ['deleted', undefined, true],
    ['delivered', 'deleted', true],
    ['warning', 'deleted', false],
    // Names are exact: InnoPaaS writes them in lower case (and SMECL:FAILED in upper).
    ['DELIVERED', 'sent', false],
    ['constructor', 'sent', false],
  ] as const)('%p over %p: %p', (next, current, newer) => {
    expect(isNewerStatus(next, current)).toBe(newer);
  });

  test('the ranks, for a database column', () => {
    expect(['sent', 'delivered', 'read', 'failed', 'SMECL:FAILED', 'deleted', undefined, null].map(statusRank)).toEqual([
      1, 2, 3, 4, 4, 0, -1, -1,
    ]);
  });

  test('the kept status is the same whatever order the reports arrive in', () => {
    for (const reports of [
      ['sent', 'delivered', 'read'],
      ['sent', 'delivered', 'failed'],
      ['sent', 'delivered', 'read', 'deleted'],
      ['delivered', 'read', 'failed'],
    ] as MessageStatus[][]) {
      const results = new Set(permutations(reports).map(kept));
      expect([...results]).toEqual([reports.reduce((a, b) => (statusRank(b) > statusRank(a) ? b : a))]);
    }
  });
});

describe.each(expressVersions)(
  'out-of-order status reports over HTTP: the latest status is never downgraded (%s)',
  (_n, express) => {
    test.each([
      [['read', 'delivered', 'sent'], 'read'],
      [['failed', 'delivered'], 'failed'],
      [['delivered', 'failed', 'delivered'], 'failed'],
      [['read', 'deleted'], 'read'],
      [['delivered', 'read', 'delivered', 'sent'], 'read'],
    ] as [MessageStatus[], MessageStatus][])('%p arrive in this order: %p is kept', async (reports, expected) => {
      // The README's pattern, with a Map in place of the database.
      const latest = new Map<string, MessageStatus>();
      const app = express();
      app.use(
        '/webhook',
        innopaasWebhook({
          userName: USER,
          authorization: AUTH,
          on: {
            whatsapp_message_status_updated: (event) => {
              const { id, status } = event.body;
              if (isNewerStatus(status, latest.get(id))) latest.set(id, status);
            },
          },
        }),
      );
      for (const status of reports) {
        const event = buildEvent('whatsapp_message_status_updated', { body: { id: 'msg-1', status } });
        await request(app).post('/webhook').set(credentials).send(event).expect(200);
      }
      expect(latest.get('msg-1')).toBe(expected);
    });
  },
);
