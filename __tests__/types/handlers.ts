// Compile-only checks of how the event types read in a handler. Not run: `tsc -p __tests__/types`
// (see events-types.test.ts) must succeed, and each `@ts-expect-error` must meet an error.
import {
  getContacts,
  type ContactCard,
  type EventMap,
  type InboundMessageEvent,
  type InnopaasEvent,
  type MessageStatusEvent,
  type MoMessageBodyBase,
  type TemplateStatusEvent,
} from '../../lib/events';

declare const inbound: InboundMessageEvent;
declare const status: MessageStatusEvent;
declare const anyEvent: InnopaasEvent;

// Narrowing on body.type reaches the content key with no cast.
if (inbound.body.type === 'image') {
  const link: string = inbound.body.image.link;
  const caption: string | undefined = inbound.body.image.caption;
  void [link, caption];
}

switch (inbound.body.type) {
  case 'text': {
    const text: string = inbound.body.text.body;
    void text;
    break;
  }
  case 'location': {
    const latitude: number = inbound.body.location.latitude;
    void latitude;
    break;
  }
  case 'interactive': {
    const reply = inbound.body.interactive.listReply?.id ?? inbound.body.interactive.buttonReply?.id;
    void reply;
    break;
  }
  case 'unknown': {
    const code: number | string | undefined = inbound.body.errors[0]?.code;
    void code;
    break;
  }
  case 'contacts': {
    const cards: ContactCard[] = getContacts(inbound.body);
    const waId: string | undefined = cards[0]?.phones?.[0]?.wa_id;
    // Either key may hold the cards (docs/events.md#quirk-10); both read as optional.
    const raw: ContactCard | ContactCard[] | undefined = inbound.body.contacts ?? inbound.body.contact;
    void [waId, raw];
    break;
  }
  default: {
    // Undocumented message types arrive too; read them as the common base.
    const base: MoMessageBodyBase = inbound.body;
    void base;
  }
}

// @ts-expect-error `image` exists only once `body.type` is known to be 'image'.
void inbound.body.image;

// @ts-expect-error a status report is not an inbound message.
const wrong: InboundMessageEvent = status;
void wrong;

// Open enumerations: the documented values are known, others are accepted.
const statuses: MessageStatusEvent['body']['status'][] = ['delivered', 'SMECL:FAILED', 'sent'];
void statuses;

// The decorated dates are typed, and read-only.
const eventDate: Date | undefined = status.eventDate;
const expireDate: Date | undefined = status.body.conversation?.expireDate;
const sendDate: Date | undefined = inbound.body.sendDate;
void [eventDate, expireDate, sendDate];
// @ts-expect-error eventDate is derived from eventTime, not set.
status.eventDate = new Date();

// EventMap gives the event of a type; the template event has both spellings.
const fromMap: EventMap['whatsapp_message_status_updated'] = status;
const templateType: EventMap['whatsapp_template_status_updated']['type'] = 'whatsapp_template_status_update';
void [fromMap, templateType];

// The event union narrows on `type`.
if (anyEvent.type === 'whatsapp_template_status_update') {
  const template: TemplateStatusEvent = anyEvent;
  void template.body.templateStatus;
}
if (anyEvent.type === 'whatsapp_mo_message_received' && anyEvent.body.type === 'button') {
  const payload: string = anyEvent.body.button.payload;
  void payload;
}

// @ts-expect-error rejectionReason may be null.
const reason: string = ({} as EventMap['whatsapp_phone_number_name_update']).body.rejectionReason;
void reason;
