'use strict';

// Helpers for the one-line log summaries of app.js. Every value in a payload comes from outside (a
// WhatsApp user, or anyone who learnt the credentials), so nothing is printed raw.

const { getContacts } = require('..');

/**
 * Free text, quoted: JSON.stringify escapes newlines and control characters, so a message cannot
 * forge extra log lines or send terminal escapes. Long texts are cut.
 */
function quote(value, max = 80) {
  const text = String(value ?? '');
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Identifiers and enum values, unquoted: anything outside a safe character set becomes `?`. */
function plain(value) {
  if (value === undefined || value === null || value === '') return '?';
  return String(value)
    .slice(0, 64)
    .replace(/[^\w.@:+\-=/*]/g, '?');
}

/** What an inbound message says, per message type (docs/events.md#whatsapp_mo_message_received). */
function describeInbound(body) {
  switch (body.type) {
    case 'text':
      return `: ${quote(body.text?.body)}`;
    case 'reaction':
      return ` ${quote(body.reaction?.emoji, 8)} to ${plain(body.reaction?.messageId)}`;
    case 'image':
    case 'video':
    case 'audio':
    case 'sticker':
    case 'document': {
      const media = body[body.type] ?? {};
      return ` (${plain(media.mimeType)})${media.caption ? `: ${quote(media.caption)}` : ''}`;
    }
    case 'location':
      return ` at ${Number(body.location?.latitude)},${Number(body.location?.longitude)}`;
    case 'button':
      return `: ${quote(body.button?.text)}`;
    case 'interactive': {
      const reply = body.interactive?.listReply ?? body.interactive?.buttonReply;
      return `: ${quote(reply?.title)}`;
    }
    case 'contacts':
      // The documented key is `contact`, an array that once was an object (docs/events.md#quirk-10): getContacts reads all forms.
      return ` (${getContacts(body).length} card(s))`;
    default:
      return '';
  }
}

/** The first validation problem of a rejected delivery, and how many more there are. */
function describeProblems(problems) {
  if (problems.length === 0) return '';
  const [first] = problems;
  const more = problems.length > 1 ? ` (+${problems.length - 1} more)` : '';
  return `: ${quote(`${first.path || '/'} ${first.message}`, 160)}${more}`;
}

module.exports = { quote, plain, describeInbound, describeProblems };
