import { parseInnopaasTime } from '../lib';

describe('parseInnopaasTime: both documented formats (docs/events.md#timestamps)', () => {
  test.each([
    ['2023-02-22T12:00:00.000Z', 'UTC', '2023-02-22T12:00:00.000Z'],
    ['2023-05-25T10:31:08.167Z', 'UTC', '2023-05-25T10:31:08.167Z'],
    ['2023-02-22T12:00:00Z', 'UTC', '2023-02-22T12:00:00.000Z'],
    ['2023-02-22T20:00:00+08:00', 'UTC', '2023-02-22T12:00:00.000Z'],
    ['2023-02-22 12:00:00', 'UTC', '2023-02-22T12:00:00.000Z'],
    ['2023-02-22 12:00:00', '+08:00', '2023-02-22T04:00:00.000Z'],
    ['2023-02-22 12:00:00', 'Asia/Shanghai', '2023-02-22T04:00:00.000Z'],
    ['2023-07-01 12:00:00', 'Europe/Berlin', '2023-07-01T10:00:00.000Z'],
    ['2023-01-01 12:00:00', 'Europe/Berlin', '2023-01-01T11:00:00.000Z'],
  ])('%s in %s → %s', (value, zone, iso) => {
    expect(parseInnopaasTime(value, zone)?.toISOString()).toBe(iso);
  });

  test.each([['not a date'], ['2023-02-30 12:00:00'], ['2023-13-01T00:00:00Z'], [''], [42], [null], ['2023-02-22 25:00:00']])(
    '%p → undefined',
    (value) => {
      expect(parseInnopaasTime(value)).toBeUndefined();
    },
  );
});
