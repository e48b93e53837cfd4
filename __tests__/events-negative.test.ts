import { fixture, variant, type Fixture } from './fixtures';
import { validationErrors } from './fixtures/ajv';

// Lenient is not lax: a field the docs require, or a value of the wrong JSON type, is refused, and the
// error names the path, which is what a 400 shows InnoPaaS (or the developer replaying a delivery).

type Expected = { instancePath: string; keyword: string; missingProperty?: string };

const missing = (instancePath: string, missingProperty: string): Expected => ({
  instancePath,
  keyword: 'required',
  missingProperty,
});
const wrongType = (instancePath: string): Expected => ({ instancePath, keyword: 'type' });

const cases: [string, Fixture, Expected][] = [
  // The envelope: paths are relative to the whole event.
  ['envelope without id', { ...fixture('status-read'), id: undefined } as unknown as Fixture, missing('', 'id')],
  ['envelope with an empty id', { ...fixture('status-read'), id: '' }, { instancePath: '/id', keyword: 'minLength' }],
  [
    'envelope with a 257-character id',
    { ...fixture('status-read'), id: 'x'.repeat(257) },
    { instancePath: '/id', keyword: 'maxLength' },
  ],
  ['envelope with an empty type', { ...fixture('status-read'), type: '' }, { instancePath: '/type', keyword: 'minLength' }],
  [
    'envelope with a numeric eventTime',
    { ...fixture('status-read'), eventTime: 1677067200000 } as unknown as Fixture,
    wrongType('/eventTime'),
  ],
  ['envelope with an array body', { ...fixture('status-read'), body: [] } as unknown as Fixture, wrongType('/body')],
  ['envelope with a null body', { ...fixture('status-read'), body: null } as unknown as Fixture, wrongType('/body')],
  // Bodies: paths are relative to `body`.
  ['status without wamid', variant('status-read', (b) => delete b.wamid), missing('', 'wamid')],
  ['status with a numeric status', variant('status-read', (b) => (b.status = 2)), wrongType('/status')],
  [
    'conversation without initiateType',
    variant('status-delivered', (b) => delete b.conversation.initiateType),
    missing('/conversation', 'initiateType'),
  ],
  [
    'errorData with a boolean errorCode',
    variant('status-failed', (b) => (b.errorData.errorCode = true)),
    { instancePath: '/errorData/errorCode', keyword: 'anyOf' },
  ],
  ['inbound message without sendTime', variant('mo-text', (b) => delete b.sendTime), missing('', 'sendTime')],
  ['image message without its image', variant('mo-image', (b) => delete b.image), missing('', 'image')],
  ['image with a numeric link', variant('mo-image', (b) => (b.image.link = 404)), wrongType('/image/link')],
  ['text without body', variant('mo-text', (b) => (b.text = {})), missing('/text', 'body')],
  ['reaction without emoji', variant('mo-reaction', (b) => delete b.reaction.emoji), missing('/reaction', 'emoji')],
  ['interactive without type', variant('mo-interactive-list', (b) => delete b.interactive.type), missing('/interactive', 'type')],
  [
    'listReply without title',
    variant('mo-interactive-list', (b) => delete b.interactive.listReply.title),
    missing('/interactive/listReply', 'title'),
  ],
  ['unknown message whose errors is an object', variant('mo-unknown', (b) => (b.errors = b.errors[0])), wrongType('/errors')],
  ['order message whose order is a string', variant('mo-order', (b) => (b.order = 'ORDER')), wrongType('/order')],
  ['system message whose system is a string', variant('mo-system', (b) => (b.system = 'changed')), wrongType('/system')],
  ['context with a numeric id', variant('mo-button', (b) => (b.context.id = 1)), wrongType('/context/id')],
  [
    'template status without templateStatus',
    variant('template-status', (b) => delete b.templateStatus),
    missing('', 'templateStatus'),
  ],
  [
    'quality update with a numeric score',
    variant('template-quality', (b) => (b.newQualityScore = 3)),
    wrongType('/newQualityScore'),
  ],
  [
    'category update with a numeric newCategory',
    variant('template-category-skeleton', (b) => (b.newCategory = 1)),
    wrongType('/newCategory'),
  ],
  [
    'account review with a boolean decision',
    variant('account-review-skeleton', (b) => (b.decision = true)),
    wrongType('/decision'),
  ],
  [
    'name update with a numeric rejectionReason',
    variant('phone-number-name-update', (b) => (b.rejectionReason = 0)),
    { instancePath: '/rejectionReason', keyword: 'anyOf' },
  ],
  ['inbox message without context', variant('chat-mo', (b) => delete b.context), missing('', 'context')],
];

describe('invalid events', () => {
  it.each(cases)('%s is refused, naming the path', (_name, event, expected) => {
    const errors = validationErrors(event);
    const { missingProperty, ...where } = expected;
    expect(errors).toContainEqual(
      expect.objectContaining({ ...where, ...(missingProperty ? { params: { missingProperty } } : {}) }),
    );
  });
});

describe('what stays valid', () => {
  it('an undocumented message type, with a content key nobody described', () => {
    const event = variant('mo-text', (b) => {
      delete b.text;
      b.type = 'nfm_reply';
      b.interactiveFlow = { responseJson: '{}' };
    });
    expect(validationErrors(event)).toEqual([]);
  });

  it('an order message whose content is not under the guessed `order` key', () => {
    const event = variant('mo-order', (b) => {
      b.orderInfo = b.order;
      delete b.order;
    });
    expect(validationErrors(event)).toEqual([]);
  });

  it('a system message whose content is not under the guessed `system` key', () => {
    const event = variant('mo-system', (b) => {
      b.systemInfo = b.system;
      delete b.system;
    });
    expect(validationErrors(event)).toEqual([]);
  });

  it('a top-level key InnoPaaS might add one day', () => {
    expect(validationErrors({ ...fixture('status-read'), version: 2 })).toEqual([]);
  });

  it('an event type outside the catalogue, on its envelope alone', () => {
    expect(validationErrors({ ...fixture('status-read'), type: 'whatsapp_something_new', body: { anything: 1 } })).toEqual([]);
  });
});
