// The example payloads of docs/events.md, embedded so that the published package never
// reads __tests__ at run time. Each one equals the fixture of the same name in __tests__/fixtures (a test
// keeps the two in step); docs/events.md says which are published and which constructed.

/** A complete delivery as InnoPaaS posts it, before any typing. */
export interface ExamplePayload {
  readonly id: string;
  readonly type: string;
  readonly eventTime: string;
  readonly body: Readonly<Record<string, unknown>>;
}

const MO_ENVELOPE = {
  id: 'b5e984b3-21b2-42a9-b08b-72e5a4096ac6',
  type: 'whatsapp_mo_message_received',
  eventTime: '2023-02-22T12:00:00.000Z',
};

// Every inbound example but the text and contacts ones shares these fields; only the
// type-specific part was published.
const MO_COMMON = {
  id: '63f5d602367ea403f8175a6c',
  accountName: 'IW123456',
  wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID',
  wamid: 'wamid.HBgNOD...',
  from: 'PHONE-NUMBER',
  customerProfile: { name: 'Jack' },
  to: 'BUSINESS-PHONE-NUMBER',
  sendTime: '2023-02-22T12:00:00.000Z',
};

const QUOTED = { from: 'PHONE_NUMBER', id: 'wamid.ID' };

function mo(part: Record<string, unknown>, common: Record<string, unknown> = MO_COMMON): ExamplePayload {
  return { ...MO_ENVELOPE, body: { ...common, ...part } };
}

const TEMPLATE_STATUS_BODY = {
  accountName: 'IW2267527',
  category: 'AUTHENTICATION',
  reason: 'NONE',
  templateId: '998961841525295',
  templateLanguage: 'en_US',
  templateName: 'transland_common_otp',
  templateStatus: 'APPROVED',
  wabaId: '110129512080569',
};

const PUBLISHED_CONTACT_CARD = {
  addresses: [
    {
      city: 'CONTACT_CITY1',
      country: 'CONTACT_COUNTRY1',
      countryCode: 'CONTACT_COUNTRY_CODE1',
      state: 'CONTACT_STATE1',
      street: 'CONTACT_STREET1',
      type: 'HOME or WORK1',
      zip: 'CONTACT_ZIP1',
    },
  ],
  birthday: 'CONTACT_BIRTHDAY1',
  emails: [{ email: 'CONTACT_EMAIL1', type: 'WORK or HOME1' }],
  name: {
    firstName: 'CONTACT_FIRST_NAME1',
    formattedName: 'CONTACT_FORMATTED_NAME1',
    lastName: 'CONTACT_LAST_NAME1',
    middleName: 'CONTACT_MIDDLE_NAME1',
    prefix: 'CONTACT_PREFIX1',
    suffix: 'CONTACT_SUFFIX1',
  },
  org: { company: 'CONTACT_ORG_COMPANY1', department: 'CONTACT_ORG_DEPARTMENT1', title: 'CONTACT_ORG_TITLE1' },
  phones: [{ phone: 'CONTACT_PHONE1', type: 'HOME or WORK>1', wa_id: 'CONTACT_WA_ID1' }],
  urls: [{ type: 'HOME or WORK1', url: 'CONTACT_URL1' }],
};

const INBOX_BODY = {
  wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID',
  wamid: 'wamid.BgNODYxN...',
  conversationId: '12312312312312',
  messageType: 'text',
};

/**
 * Every documented example, by the name of its fixture file. Deeply frozen: the builders copy them.
 */
export const examples = deepFreeze({
  // docs/events.md#whatsapp_message_status_updated
  'status-delivered': {
    id: 'e5cb1bc6-ad90-419d-8f83-aa394c0b7cc7',
    type: 'whatsapp_message_status_updated',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: {
      id: '356139161272397824',
      accountName: 'IW123456',
      wabaId: '11231231212331',
      wamid: 'wamid.BgNODYxN...',
      status: 'delivered',
      conversation: {
        id: '00e5a7e14a588d96bd2343d105d03ec5',
        initiateType: 'business_initiated',
        expireAt: '2023-02-23T12:00:00.000Z',
      },
      currency: 'USD',
    },
  },
  'status-read': {
    id: 'cd0a316c-a781-4589-9f5f-5502ccf1f60f',
    type: 'whatsapp_message_status_updated',
    eventTime: '2023-05-26T02:18:44.115Z',
    body: {
      accountName: '15902677617',
      id: '356139161272397824',
      status: 'read',
      wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID',
      wamid: 'wamid.HBgNODYxNjY4NTE3NzYxMhUCABEYEjQ0RTYyQTM5QzAyMkU0QkNERgA=',
    },
  },
  'status-failed': {
    id: 'e5cb1bc6-ad90-419d-8f83-aa394c0b7cc7',
    type: 'whatsapp_message_status_updated',
    eventTime: '2023-05-25T10:31:08.167Z',
    body: {
      accountName: '15902677617',
      errorData: { errorCode: '131014', errorMessage: 'Request for url https://URL.jpg failed with error: 404 (Not Found)' },
      id: '356139161272397824',
      status: 'failed',
      wabaId: 'WHATSAPP_BUSINESS_ACCOUNT_ID',
      wamid: 'wamid.HBgNODYxNjY4NTE3NzYxMhUCABEYEjQ0RTYyQTM5QzAyMkU0QkNERgA=',
    },
  },
  'status-full-field-set': {
    id: '0b1f3c52-6a0e-4f7e-9d55-2f8f2f6b7a10',
    type: 'whatsapp_message_status_updated',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: {
      id: '356139161272397824',
      accountName: 'IW123456',
      wabaId: '11231231212331',
      wamid: 'wamid.HBgNODYxNjY4NTE3NzYxMhUCABEYEjQ0',
      status: 'delivered',
      sendPhone: '6285234567899',
      uid: '2023052500002',
      conversation: { initiateType: 'business_initiated', expireAt: '2023-02-23 12:00:00' },
    },
  },
  // docs/events.md#whatsapp_mo_message_received
  'mo-text': mo({ type: 'text', text: { body: 'OK' } }, { ...MO_COMMON, wamid: 'wamid.BgNODYxN...' }),
  'mo-reaction': mo({ type: 'reaction', reaction: { messageId: 'wamid.HBgNODY...', emoji: 'EMOJI' } }),
  'mo-image': mo({
    type: 'image',
    image: { caption: 'CAPTION', mimeType: 'image/jpeg', sha256: 'IMAGE_HASH', link: 'http://xxxxxxxxxx' },
  }),
  'mo-sticker': mo({ type: 'sticker', sticker: { mimeType: 'image/webp', sha256: 'HASH', link: 'http://xxxxxxxxxx' } }),
  'mo-video': mo({
    type: 'video',
    video: { mimeType: 'video/mp4', sha256: 'G4fboj5cKcAbCdefzhcAcRdnXJqFJAyTSlNmJANhu4M=', link: 'http://xxxxxxxxxx' },
  }),
  'mo-audio': mo({
    type: 'audio',
    audio: {
      mimeType: 'audio/ogg; codecs=opus',
      sha256: 'ffRSAbcDeff3mJ2hBhpzuFY7pYEugTfglD+zx4Qv8X4=',
      link: 'http://xxxxxxxxxx',
    },
  }),
  'mo-document': mo({
    type: 'document',
    document: {
      caption: 'pdf caption',
      filename: 'filename.pdf',
      mimeType: 'application/pdf',
      sha256: 'TJGGMF5tdw3XApVHbABCdeffI7w4OW7GqYEN736PW0s=',
      link: 'http://xxxxxxxxxx',
    },
  }),
  'mo-location': mo({
    type: 'location',
    location: { latitude: 39.90539, longitude: 116.39134, name: 'LOCATION_NAME', address: 'LOCATION_ADDRESS' },
  }),
  'mo-button': mo({ type: 'button', button: { text: 'No', payload: 'No-Button-Payload' }, context: QUOTED }),
  'mo-unknown': mo({
    type: 'unknown',
    errors: [{ code: 131051, details: 'Message type is not currently supported', title: 'Unsupported message type' }],
  }),
  'mo-interactive-list': mo({
    type: 'interactive',
    interactive: {
      listReply: { id: 'list_reply_id', title: 'list_reply_title', description: 'list_reply_description' },
      type: 'listReply',
    },
    context: QUOTED,
  }),
  'mo-interactive-button': mo({
    type: 'interactive',
    interactive: { buttonReply: { id: 'unique-button-identifier-here', title: 'button-text' }, type: 'buttonReply' },
    context: QUOTED,
  }),
  // Published in full, with its own masked header fields and the `contact` key (docs/events.md#quirk-10).
  'mo-contacts-published': {
    id: 'e2bafad5-0aa9-4465-9ed1-c5c01741c5e1',
    type: 'whatsapp_mo_message_received',
    eventTime: '2024-03-08T09:42:06.363Z',
    body: {
      accountName: 'IW31****5',
      contact: [PUBLISHED_CONTACT_CARD],
      customerProfile: { name: 'Jack' },
      from: '86183****2197',
      id: 'a1301cb6d0094b2fae36546c22e09044',
      sendTime: '2024-03-07T10:46:24.000Z',
      to: '62811****6819',
      type: 'contacts',
      wabaId: '1**********9',
      wamid: 'wamid.HBgNODYxODM1NTA5MjE5NxUCABIYIDg3RDVFMzQyRjIwQkM5NDQyMDI5OTRERERGNUYx*****==',
    },
  },
  // Constructed: no source shows these.
  'mo-contacts-object': mo({
    type: 'contacts',
    contacts: {
      name: { formattedName: 'CONTACT_FORMATTED_NAME', firstName: 'CONTACT_FIRST_NAME' },
      phones: [{ phone: '+1 (650) 555-1234', type: 'WORK', wa_id: '16505551234' }],
    },
  }),
  'mo-order': mo({
    type: 'order',
    order: {
      catalogId: 'CATALOG_ID',
      text: 'ORDER_TEXT',
      productItems: [{ productRetailerId: 'PRODUCT_RETAILER_ID', quantity: 1, itemPrice: 9.99, currency: 'USD' }],
    },
  }),
  'mo-system': mo({
    type: 'system',
    system: {
      body: 'NAME changed from PHONE_NUMBER to NEW_PHONE_NUMBER',
      newWaId: 'NEW_PHONE_NUMBER',
      type: 'user_changed_number',
    },
  }),
  // Template, account and Inbox events
  'template-status': {
    id: 'fd201190-50dc-4151-baec-1d16c8a704e1',
    type: 'whatsapp_template_status_updated',
    eventTime: '2023-10-16T13:04:57.644Z',
    body: TEMPLATE_STATUS_BODY,
  },
  'template-status-update-spelling': {
    id: '2f6d3c1e-8b7a-4c5d-9e0f-1a2b3c4d5e6f',
    type: 'whatsapp_template_status_update',
    eventTime: '2023-10-16T13:04:57.644Z',
    body: TEMPLATE_STATUS_BODY,
  },
  'template-quality': {
    id: '6c2f7a64-1f0b-4a8e-a3f2-0d9a1b2c3d4e',
    type: 'message_template_quality_update',
    eventTime: '2023-10-16T13:04:57.644Z',
    body: {
      templateId: '998961841525295',
      templateLanguage: 'en_US',
      templateName: 'transland_common_otp',
      previousQualityScore: 'GREEN',
      newQualityScore: 'YELLOW',
      wabaId: '110129512080569',
    },
  },
  'template-category-skeleton': {
    id: '<event id>',
    type: 'template_category_update',
    eventTime: '2023-10-16T13:04:57.644Z',
    body: {},
  },
  'account-review-skeleton': {
    id: '<event id>',
    type: 'whatsapp_account_review_updated',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: {},
  },
  'phone-number-name-update': {
    id: 'fd201190-50dc-4151-baec-1d16c8a704e1',
    type: 'whatsapp_phone_number_name_update',
    eventTime: '2023-10-16T13:04:57.644Z',
    body: {
      wabaId: '110129512080569',
      displayPhoneNumber: '8618912123456',
      decision: 'APPROVED',
      requestedVerifiedName: 'Example Brand',
      rejectionReason: null,
    },
  },
  'chat-mt': {
    id: 'b5e984b3-21b2-42a9-b08b-72e5a4096ac6',
    type: 'chat_mt_message_notify',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: {
      ...INBOX_BODY,
      from: 'wamid.BgNODYxN...',
      to: 'PHONE-NUMBER',
      context: { text: 'this is test message' },
      uid: '123123123123123213123',
    },
  },
  'chat-mo': {
    id: 'b5e984b3-21b2-42a9-b08b-72e5a4096ac6',
    type: 'chat_mo_message_notify',
    eventTime: '2023-02-22T12:00:00.000Z',
    body: { ...INBOX_BODY, from: 'PHONE-NUMBER', to: 'BUSINESS-PHONE-NUMBER', context: { text: 'hello' } },
  },
} satisfies Record<string, ExamplePayload>);

/** The name of a documented example, e.g. `'mo-image'` or `'status-failed'`. */
export type ExampleName = keyof typeof examples;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
