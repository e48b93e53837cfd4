// `innopaas-webhook/testing`: build, send and generate InnoPaaS deliveries in your own tests.
// fast-check is an optional peer dependency: only its types are referenced here, never the module.
export { buildEvent, buildInboundMessage, DEFAULT_EXAMPLES, INBOUND_MESSAGE_TYPES, MESSAGE_EXAMPLES } from './builders';
export type { EventOverrides, InboundMessageBodyOf, InboundMessageEventOf, InboundMessageType } from './builders';
export { examples } from './examples';
export type { ExampleName, ExamplePayload } from './examples';
export type { DeepPartial } from './merge';
export { credentialHeaders, deliver } from './deliver';
export type { DeliverOptions, DeliveryCredentials, DeliveryResponse, DeliveryTarget, FetchTarget } from './deliver';
export { arbitraries, createArbitraries } from './arbitraries';
export type { InnopaasArbitraries } from './arbitraries';
export type { FastCheckModule } from './schema-arbitrary';
