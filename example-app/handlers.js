'use strict';

const { describeInbound, plain, quote } = require('./format');

/**
 * The example's handlers, one per event type, each logging one line: put your own work there (store,
 * reply, alert…). The same functions run in the web process (in-process mode, called as
 * `(event, req)`) and in the worker (queue mode, called as `(event, { signal, jobId, attempt })`).
 *
 * @param {(line: string) => void} log
 * @param {{ record(body: object): { replaced: boolean, kept: string } }} [messages]  each message's latest
 *   status, shown by the inspector (in queue mode the worker keeps its own and reports to the web process)
 */
function createHandlers(log, messages) {
  const on = {
    // Reports arrive out of order: keep a status only when it is newer than the one the message has.
    whatsapp_message_status_updated: ({ body }) => {
      const { replaced, kept } = messages ? messages.record(body) : { replaced: true, kept: body.status };
      const error = body.errorData ? ` (error ${plain(body.errorData.errorCode)}: ${quote(body.errorData.errorMessage)})` : '';
      const order = replaced ? '' : ` (not newer than ${plain(kept)}, which is kept)`;
      log(`status ${plain(body.status)} for ${plain(body.id)}${error}${order}`);
    },
    whatsapp_mo_message_received: ({ body }) => {
      log(`inbound ${plain(body.type)} from ${plain(body.from)}${describeInbound(body)}`);
    },
    whatsapp_template_status_updated: ({ body }) => {
      log(`template ${plain(body.templateName)} (${plain(body.templateLanguage)}) ${plain(body.templateStatus)}`);
    },
    message_template_quality_update: ({ body }) => {
      log(`template ${plain(body.templateName)} quality ${plain(body.previousQualityScore)} -> ${plain(body.newQualityScore)}`);
    },
    // The bodies of the next two are undocumented: `?` where a guess fails.
    template_category_update: ({ body }) => {
      log(`template ${plain(body.templateName)} category ${plain(body.previousCategory)} -> ${plain(body.newCategory)}`);
    },
    whatsapp_account_review_updated: ({ body }) => {
      log(`account review ${plain(body.decision)} for WABA ${plain(body.wabaId)}`);
    },
    whatsapp_phone_number_name_update: ({ body }) => {
      log(`display name ${quote(body.requestedVerifiedName)} ${plain(body.decision)} for ${plain(body.displayPhoneNumber)}`);
    },
    // Inbox events carry their text in context.text, not text.body.
    chat_mt_message_notify: ({ body }) => {
      log(`inbox outbound ${plain(body.messageType)} to ${plain(body.to)}: ${quote(body.context?.text)}`);
    },
    chat_mo_message_notify: ({ body }) => {
      log(`inbox inbound ${plain(body.messageType)} from ${plain(body.from)}: ${quote(body.context?.text)}`);
    },
  };
  // InnoPaaS adds event types over time: acknowledging them keeps it from retrying forever.
  const onUnknownEvent = (event) => log(`unknown event type ${quote(String(event.type))} acknowledged`);
  return { on, onUnknownEvent };
}

module.exports = { createHandlers };
