// A shared contact card (docs/events.md#inbound-contacts). No field is marked required anywhere, so none is: a card with only a
// phone number is an ordinary thing to share.

const stringProps = <const K extends readonly string[]>(...keys: K) =>
  Object.fromEntries(keys.map((key) => [key, { type: 'string' }])) as { readonly [P in K[number]]: { readonly type: 'string' } };

const listOf = <const P>(properties: P) =>
  ({ type: 'array', items: { type: 'object', additionalProperties: true, properties } }) as const;

export const contactCardSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    addresses: listOf(stringProps('city', 'country', 'countryCode', 'state', 'street', 'type', 'zip')),
    birthday: { type: 'string' },
    emails: listOf(stringProps('email', 'type')),
    name: {
      type: 'object',
      additionalProperties: true,
      properties: stringProps('firstName', 'formattedName', 'lastName', 'middleName', 'prefix', 'suffix'),
    },
    org: { type: 'object', additionalProperties: true, properties: stringProps('company', 'department', 'title') },
    // `wa_id` is the one snake_case key InnoPaaS sends (docs/events.md#quirk-11).
    phones: listOf(stringProps('phone', 'type', 'wa_id')),
    urls: listOf(stringProps('type', 'url')),
  },
} as const;

// A single card before 2024-03-08, an array since (docs/events.md#quirk-10).
export const contactCardsSchema = { anyOf: [contactCardSchema, { type: 'array', items: contactCardSchema }] } as const;

/** A contact card the user shared. `type` values seen: `HOME`, `WORK`. */
export interface ContactCard {
  addresses?: {
    city?: string;
    country?: string;
    countryCode?: string;
    state?: string;
    street?: string;
    type?: string;
    zip?: string;
  }[];
  birthday?: string;
  emails?: { email?: string; type?: string }[];
  name?: {
    firstName?: string;
    formattedName?: string;
    lastName?: string;
    middleName?: string;
    prefix?: string;
    suffix?: string;
  };
  org?: { company?: string; department?: string; title?: string };
  /** `wa_id` is the user's WhatsApp ID, snake_case unlike every other key. */
  phones?: { phone?: string; type?: string; wa_id?: string }[];
  urls?: { type?: string; url?: string }[];
}

/** The two places a contacts message may hold its cards (docs/events.md#quirk-10). */
export interface ContactsHolder {
  contacts?: ContactCard | ContactCard[];
  contact?: ContactCard | ContactCard[];
}

/**
 * The cards of a `contacts` message as an array, wherever InnoPaaS put them: under `contacts` (the
 * field table) or `contact` (the example), as one object (before 2024-03-08) or an array.
 */
export function getContacts(body: ContactsHolder): ContactCard[] {
  const cards = body.contacts ?? body.contact;
  if (!cards) return [];
  return Array.isArray(cards) ? cards : [cards];
}
