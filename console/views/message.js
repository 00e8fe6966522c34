/*
 * One entry of a conversation's history as the API keeps it: the customer's messages, the bot's, the
 * agents', system notices and private notes, each with its own colour and label. Pictures, video and
 * audio are shown from their https address; a location becomes a map link; a quoted message is shown
 * above the reply. Everything is text or attributes: nothing a customer sent is ever parsed as HTML.
 */

import {formatTime, h, linkedText, safeUrl} from "../dom.js";
import {locale, t} from "../i18n.js";

const SENDERS = {user: "customer", bot: "bot", agent: "agent", system: "system", note: "note"};
const IMAGE_KINDS = new Set(["image", "sticker"]);
const VIDEO_KINDS = new Set(["video"]);
const AUDIO_KINDS = new Set(["audio", "voice"]);

/**
 * @param {object} message an entry of GET /conversations/{id} "messages"
 * @param {{contactName: string, quoted: (message) => object|null, onQuote: ((message) => void)|null,
 *   fileOf: ((message) => Promise<Blob>)|undefined}} options  fileOf fetches a customer's stored file
 */
export function messageElement(message, {contactName, quoted, onQuote, fileOf}) {
  const sender = SENDERS[message.sender_type] || "system";
  const payload = message.payload || {};
  const who = {
    customer: contactName || t("message.customer"),
    bot: t("message.bot"),
    agent: payload.agent_name || message.agent_id || t("message.agent"),
    system: t("message.system"),
    note: t("message.note", {agent: message.agent_id || ""}),
  }[sender];
  const article = h("article", {class: `msg msg--${sender}`, dataset: {messageId: message.message_id, sender},
    "aria-label": `${who}, ${formatTime(message.at, locale())}`});
  article.append(h("header", {class: "msg-head"},
    h("span", {class: "msg-who"}, who),
    h("time", {datetime: message.at || "", class: "msg-time"}, formatTime(message.at, locale()))));
  const quote = quotedBlock(payload, quoted);
  if (quote) article.append(quote);
  article.append(...body(message, payload, fileOf));
  if (message.status === "failed") {
    article.append(h("p", {class: "msg-failed"}, t("message.failed", {reason: message.failure_reason || ""})));
  }
  if (onQuote && sender === "customer") {
    article.append(h("button", {type: "button", class: "link-button msg-quote-button",
      "aria-label": t("message.quoteThis", {text: shorten(message.text, 40)}),
      onclick: () => onQuote(message)}, t("message.quote")));
  }
  return article;
}

function quotedBlock(payload, quoted) {
  const reference = payload.reply_to;
  if (!reference) return null;
  // Our replies keep the quoted text; a customer's quote names the provider's id of the message quoted.
  const original = typeof reference === "object" ? reference : quoted(reference);
  const text = original && original.text ? original.text : t("message.quotedUnknown");
  return h("blockquote", {class: "msg-quoted"}, h("span", {class: "visually-hidden"}, t("message.inReplyTo")),
    shorten(text, 280));
}

function body(message, payload, fileOf) {
  const kind = message.kind || "text";
  const parts = [];
  const media = mediaOf(kind, payload, message.text);
  if (media) parts.push(mediaBlock(media, fileOf ? () => fileOf(message) : null));
  if (kind === "location") parts.push(locationBlock(payload));
  if (kind === "contacts") parts.push(contactsBlock(payload));
  if (kind === "reaction") {
    parts.push(h("p", {class: "msg-text"}, t("message.reaction", {emoji: payload.emoji || "∅"})));
    return parts;
  }
  const text = kind === "menu" && payload.header ? payload.header : message.text;
  if (text && !(media && text === media.caption)) parts.push(h("p", {class: "msg-text"}, linkedText(text)));
  if (kind === "template") parts.push(h("p", {class: "msg-detail"}, t("message.template", {name: payload.name || ""})));
  if (Array.isArray(message.options) && message.options.length) {
    parts.push(h("ul", {class: "msg-options", "aria-label": t("message.options")},
      message.options.map((option) => h("li", {}, option))));
  }
  if (kind === "carousel" && Array.isArray(payload.cards)) {
    parts.push(h("ul", {class: "msg-options", "aria-label": t("message.cards")},
      payload.cards.map((card) => h("li", {}, card.title || ""))));
  }
  if (kind === "edit") parts.push(h("p", {class: "msg-detail"}, t("message.edited")));
  if (kind === "unsupported") parts.push(h("p", {class: "msg-detail"}, t("message.unsupported",
    {type: payload.raw_type || ""})));
  return parts;
}

/** Where the file is and what it is: a customer's (payload.media; its caption is the text), the bot's or an
 * agent's (payload). */
function mediaOf(kind, payload, text) {
  if (payload.media && typeof payload.media === "object") {
    const m = payload.media;
    return {kind, url: m.url || "", stored: m.blob || "", type: m.mime_type || "", filename: m.filename || "",
      error: m.error || "", caption: text || ""};
  }
  if (kind === "media") {
    const type = payload.kind || payload.media_type || "";
    return {kind: type.split("/")[0] || "document", url: payload.url || "", stored: "", type,
      filename: payload.filename || "", error: "", caption: payload.caption || ""};
  }
  return null;
}

function mediaBlock(media, load) {
  const url = safeUrl(media.url);
  const label = media.caption || media.filename || t(`media.${IMAGE_KINDS.has(media.kind) ? "image" : "file"}`);
  const figure = h("figure", {class: "msg-media"});
  // The stored copy first: a provider's link expires or needs the provider's credentials.
  if (media.stored && load) figure.append(storedFile(media, label, load));
  else if (url) figure.append(player(media, url, label) || downloadLink(url, media.filename || label));
  else if (media.stored) figure.append(h("p", {class: "msg-detail"}, media.filename || media.type || media.kind));
  if (media.error) figure.append(h("p", {class: "msg-failed"}, t("media.error", {reason: media.error})));
  if (media.caption) figure.append(h("figcaption", {}, media.caption));
  return figure;
}

/** An <img>, <video> or <audio> for what the browser can show; null for anything else. */
function player(media, url, label) {
  const family = media.type.split("/")[0];
  if (IMAGE_KINDS.has(media.kind) || family === "image") {
    return h("img", {src: url, alt: label, loading: "lazy", referrerpolicy: "no-referrer"});
  }
  if (VIDEO_KINDS.has(media.kind) || family === "video") {
    return h("video", {src: url, controls: true, preload: "metadata", "aria-label": label});
  }
  if (AUDIO_KINDS.has(media.kind) || family === "audio") {
    return h("audio", {src: url, controls: true, preload: "metadata", "aria-label": label});
  }
  return null;
}

function downloadLink(url, name) {
  return h("a", {href: url, target: "_blank", rel: "noopener noreferrer"}, t("media.download", {name}));
}

// Only what console_api serves inline is shown; an SVG or HTML file from a customer is only ever saved.
const SHOWN_INLINE = /^(image\/(png|jpeg|gif|webp)|audio\/|video\/)/;
const objectUrls = new Map();  // stored key → Promise of a blob: URL, kept while the console is open
const MAX_OBJECT_URLS = 200;

function objectUrlOf(key, load) {
  if (!objectUrls.has(key)) {
    if (objectUrls.size >= MAX_OBJECT_URLS) {
      const [oldest, promise] = objectUrls.entries().next().value;
      objectUrls.delete(oldest);
      promise.then((url) => URL.revokeObjectURL(url), () => {});
    }
    const promise = load().then((blob) => {
      if (!SHOWN_INLINE.test(blob.type)) throw new Error(t("media.notShown"));
      return URL.createObjectURL(blob);
    });
    promise.catch(() => objectUrls.delete(key));
    objectUrls.set(key, promise);
  }
  return objectUrls.get(key);
}

function storedFile(media, label, load) {
  const holder = h("div", {class: "msg-stored"});
  const name = media.filename || label;
  const save = h("button", {type: "button", class: "link-button", onclick: async () => {
    try {
      const blob = await load();
      const link = h("a", {href: URL.createObjectURL(new Blob([blob], {type: "application/octet-stream"})),
        download: name, hidden: true});
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    } catch (problem) {
      holder.append(h("p", {class: "msg-failed", role: "alert"}, t("media.gone", {reason: problem.message || ""})));
    }
  }}, t("media.download", {name}));
  if (!SHOWN_INLINE.test(media.type)) {
    holder.append(save);
    return holder;
  }
  holder.append(h("p", {class: "msg-detail"}, t("media.loading", {name})));
  objectUrlOf(media.stored, load).then(
    (url) => holder.replaceChildren(player(media, url, label) || save),
    (problem) => holder.replaceChildren(h("p", {class: "msg-failed"},
      t("media.gone", {reason: problem.message || ""})), save),
  );
  return holder;
}

function locationBlock(payload) {
  const latitude = Number(payload.latitude);
  const longitude = Number(payload.longitude);
  const name = payload.name || t("message.location");
  const block = h("div", {class: "msg-location"});
  if (Number.isFinite(latitude) && Number.isFinite(longitude) && typeof payload.latitude !== "boolean") {
    const href = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=17/${latitude}/${longitude}`;
    block.append(h("a", {href, target: "_blank", rel: "noopener noreferrer"}, t("message.map", {name})));
  } else {
    block.append(h("span", {}, name));
  }
  if (payload.address) block.append(h("span", {class: "msg-detail"}, payload.address));
  return block;
}

function contactsBlock(payload) {
  const people = Array.isArray(payload.contacts) ? payload.contacts : [];
  return h("ul", {class: "msg-options", "aria-label": t("message.sharedContacts")}, people.map((person) =>
    h("li", {}, [person.name || "", ...(person.phones || []), ...(person.emails || [])].filter(Boolean).join(" · "))));
}

export function shorten(text, length) {
  const value = String(text || "");
  return value.length > length ? `${value.slice(0, length - 1)}…` : value;
}
