/*
 * A quick reply's text as the agent's reply box inserts it: its {{contact_name}} filled in. No DOM here,
 * so node can check it (tests/unit/test_quick_reply_text.py).
 */

const CONTACT_NAME = /\{\{\s*contact_name\s*\}\}/g;
// An unknown name takes its space with it, as the bots' templates do: "¡Hola {{contact_name}}!" reads
// "¡Hola!", never "¡Hola !"; "{{contact_name}}, te escribo" reads "te escribo".
const NAME = String.raw`\{\{\s*contact_name\s*\}\}`;
const EMPTY_NAME_OPENING = new RegExp(String.raw`^[ \t]*${NAME},?[ \t]?`, "gm");
const EMPTY_NAME_BEFORE_PUNCTUATION = new RegExp(String.raw`[ \t]*${NAME}(?=[!?.,;:)]|$)`, "gm");
const EMPTY_NAME = new RegExp(String.raw`${NAME}[ \t]?`, "g");

/** A quick reply's text with the contact's name filled in (an unknown name leaves no stray space). */
export function fillQuickReply(text, contactName) {
  if (contactName) return text.replace(CONTACT_NAME, () => contactName);
  return text.replace(EMPTY_NAME_OPENING, "").replace(EMPTY_NAME_BEFORE_PUNCTUATION, "").replace(EMPTY_NAME, "");
}
