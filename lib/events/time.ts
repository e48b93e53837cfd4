/**
 * InnoPaaS writes timestamps two ways (docs/events.md#timestamps): the field tables show
 * `2023-02-22 12:00:00` with no zone, every example shows ISO-8601 `2023-02-22T12:00:00.000Z`.
 * The zone of the first form is never stated, so it is a setting (UTC unless told otherwise).
 */
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Checks a `timeZone` setting: `'UTC'`, a fixed offset such as `'+08:00'`, or an IANA name such as
 * `'Asia/Shanghai'`. Returns an error message, or undefined when it is usable.
 */
export function checkTimeZone(timeZone: string): string | undefined {
  if (/^(UTC|Z|[+-]\d{2}:?\d{2})$/i.test(timeZone)) return undefined;
  try {
    zoneOffsetMinutes(timeZone, Date.now());
    return undefined;
  } catch {
    return `'${timeZone}' is neither 'UTC', an offset like '+08:00', nor an IANA time zone name`;
  }
}

function fixedOffsetMinutes(offset: string): number {
  if (offset.toUpperCase() === 'Z' || offset.toUpperCase() === 'UTC') return 0;
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
}

/** Offset of an IANA zone at a UTC instant, in minutes east of UTC. */
function zoneOffsetMinutes(timeZone: string, utcMs: number): number {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormatters.set(timeZone, formatter);
  }
  const name = formatter.formatToParts(utcMs).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-]\d{2}):?(\d{2})?/.exec(name);
  if (!match) return 0;
  const [, hours = '+00', minutes = '00'] = match;
  return fixedOffsetMinutes(`${hours}${minutes}`);
}

/**
 * Parses an InnoPaaS timestamp. A value without a zone is read in `timeZone` (default `'UTC'`).
 * Answers undefined for anything that is not a valid timestamp, rather than an Invalid Date.
 */
export function parseInnopaasTime(value: unknown, timeZone = 'UTC'): Date | undefined {
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const match = TIMESTAMP.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', frac = '0', zone] = match;
  const ms = Number(frac.padEnd(3, '0').slice(0, 3));
  const wallMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  // Date.UTC rolls over (month 13, 31 February): reject rather than silently shift the date.
  const wall = new Date(wallMs);
  if (wall.getUTCMonth() !== Number(mo) - 1 || wall.getUTCDate() !== Number(d) || Number(h) > 23 || Number(s) > 59) {
    return undefined;
  }
  let offset: number;
  if (zone) offset = fixedOffsetMinutes(zone);
  else if (/^(UTC|Z|[+-]\d{2}:?\d{2})$/i.test(timeZone)) offset = fixedOffsetMinutes(timeZone);
  else {
    // Two passes settle the offset around a daylight-saving change.
    offset = zoneOffsetMinutes(timeZone, wallMs);
    offset = zoneOffsetMinutes(timeZone, wallMs - offset * 60_000);
  }
  return new Date(wallMs - offset * 60_000);
}
