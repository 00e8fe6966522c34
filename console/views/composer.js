/*
 * The reply box: a reply to the customer or a private note for the team, an optional quoted customer
 * message, and the workspace's quick replies found by typing "/" (GET /quick_replies?search=), picked
 * with the arrow keys and Enter or with the mouse. Enter sends; Shift+Enter starts a new line.
 */

import {announce, clientId, h} from "../dom.js";
import {t} from "../i18n.js";
import {shorten} from "./message.js";
import {fillQuickReply} from "./quick_reply_text.js";

const SLASH_WORD = /(^|\s)\/([^\s/]*)$/;

/**
 * @param {{api, toast, conversationId: string, contactName: string, canReply: boolean,
 *          onSent: () => void}} options
 */
export function composer({api, toast, conversationId, contactName, canReply, onSent}) {
  let mode = canReply ? "reply" : "note";
  let quote = null;
  let pendingId = ""; // kept until the API accepts the message, so a retry sends nothing twice
  let suggestions = [];
  let active = -1;
  let searchSerial = 0;

  const listId = "quick-replies";
  const textarea = h("textarea", {id: "composer-text", rows: 3, "aria-autocomplete": "list",
    // A textarea cannot be a combobox (no aria-expanded): the open list is announced instead.
    "aria-controls": listId, "aria-describedby": "composer-hint",
    placeholder: t("composer.placeholder")});
  const label = h("label", {for: "composer-text", class: "visually-hidden"}, t("composer.label"));
  const list = h("ul", {id: listId, role: "listbox", class: "quick-replies", "aria-label": t("composer.quickReplies"),
    hidden: true});
  const quoteBox = h("div", {class: "composer-quote", hidden: true});
  const send = h("button", {type: "submit", class: "primary"}, t("composer.send"));
  const modes = h("fieldset", {class: "composer-modes"}, h("legend", {class: "visually-hidden"}, t("composer.mode")),
    ["reply", "note"].map((name) => h("label", {class: `mode mode--${name}`},
      h("input", {type: "radio", name: "composer-mode", value: name, checked: mode === name,
        disabled: name === "reply" && !canReply, onchange: () => setMode(name)}),
      t(`composer.${name}`))));
  const hint = h("p", {id: "composer-hint", class: "composer-hint"}, t("composer.hint"));
  const form = h("form", {class: `composer composer--${mode}`, "aria-label": t("composer.label"), onsubmit: submit},
    modes, quoteBox, label, textarea, list, h("div", {class: "composer-actions"}, hint, send));

  function setMode(next) {
    mode = next;
    form.className = `composer composer--${mode}`;
    send.textContent = mode === "note" ? t("composer.saveNote") : t("composer.send");
    textarea.placeholder = mode === "note" ? t("composer.notePlaceholder") : t("composer.placeholder");
    if (mode === "note") setQuote(null);
  }

  function setQuote(message) {
    quote = message;
    quoteBox.replaceChildren();
    quoteBox.hidden = !message;
    if (!message) return;
    if (mode === "note") setMode("reply");
    for (const radio of modes.querySelectorAll("input")) radio.checked = radio.value === mode;
    quoteBox.append(h("span", {}, t("composer.quoting")), " ", h("q", {}, shorten(message.text, 120)), " ",
      h("button", {type: "button", class: "link-button", onclick: () => { setQuote(null); textarea.focus(); }},
        t("composer.removeQuote")));
    textarea.focus();
  }

  // ---- quick replies ---------------------------------------------------------------------------------

  function slashWord() {
    const before = textarea.value.slice(0, textarea.selectionStart);
    const match = SLASH_WORD.exec(before);
    return match ? {term: match[2], start: before.length - match[2].length - 1} : null;
  }

  async function lookUp() {
    const word = slashWord();
    if (!word) {
      closeList();
      return;
    }
    const serial = ++searchSerial;
    try {
      const answer = await api.get("/quick_replies", {search: word.term ? `/${word.term}` : ""});
      if (serial !== searchSerial) return; // an older answer that came late
      showList(answer.items);
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function showList(items) {
    suggestions = items;
    active = items.length ? 0 : -1;
    list.replaceChildren(...items.map((item, index) => h("li", {
      id: `quick-reply-${index}`, role: "option", class: "quick-reply", "aria-selected": index === active ? "true" : "false",
      onmousedown: (event) => { event.preventDefault(); pick(index); },
    }, h("span", {class: "quick-reply-shortcut"}, `/${item.shortcut}`), " ",
    h("span", {class: "quick-reply-title"}, item.title), h("span", {class: "quick-reply-text"}, shorten(item.text, 90)))));
    if (!items.length) list.append(h("li", {class: "quick-reply quick-reply--none", role: "option",
      "aria-disabled": "true"}, t("composer.noQuickReplies")));
    list.hidden = false;
    highlight();
    announce(t("composer.quickRepliesFound", {count: items.length}));
  }

  function highlight() {
    list.querySelectorAll('[role="option"]').forEach((option, index) => {
      option.setAttribute("aria-selected", index === active ? "true" : "false");
    });
    if (active >= 0) {
      textarea.setAttribute("aria-activedescendant", `quick-reply-${active}`);
      document.getElementById(`quick-reply-${active}`)?.scrollIntoView({block: "nearest"});
    } else {
      textarea.removeAttribute("aria-activedescendant");
    }
  }

  function closeList() {
    suggestions = [];
    active = -1;
    list.hidden = true;
    list.replaceChildren();
    textarea.removeAttribute("aria-activedescendant");
  }

  function pick(index) {
    const item = suggestions[index];
    const word = slashWord();
    if (!item || !word) return;
    const filled = fillQuickReply(item.text, contactName);
    const value = textarea.value;
    textarea.value = value.slice(0, word.start) + filled + value.slice(textarea.selectionStart);
    const caret = word.start + filled.length;
    textarea.setSelectionRange(caret, caret);
    closeList();
    textarea.focus();
  }

  textarea.addEventListener("input", () => {
    pendingId = "";
    lookUp();
  });
  textarea.addEventListener("keydown", (event) => {
    const open = !list.hidden && suggestions.length > 0;
    if (open && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      active = (active + step + suggestions.length) % suggestions.length;
      highlight();
    } else if (open && (event.key === "Enter" || event.key === "Tab") && !event.shiftKey) {
      event.preventDefault();
      pick(active);
    } else if (!list.hidden && event.key === "Escape") {
      event.preventDefault();
      closeList();
    } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  textarea.addEventListener("blur", () => setTimeout(closeList, 150));

  // ---- sending ---------------------------------------------------------------------------------------

  async function submit(event) {
    event.preventDefault();
    const text = textarea.value.trim();
    if (!text) return;
    pendingId = pendingId || clientId(mode === "note" ? "note" : "reply");
    send.disabled = true;
    try {
      if (mode === "note") {
        await api.post(`/conversations/${encodeURIComponent(conversationId)}/notes`,
          {text, client_message_id: pendingId});
        announce(t("composer.noteSaved"));
      } else {
        const body = {text, client_message_id: pendingId};
        if (quote) body.quote = quote.message_id;
        await api.post(`/conversations/${encodeURIComponent(conversationId)}/replies`, body);
        announce(t("composer.sent"));
      }
      textarea.value = "";
      pendingId = "";
      setQuote(null);
      onSent();
    } catch (error) {
      toast(error.message, "error");
    } finally {
      send.disabled = false;
      textarea.focus();
    }
  }

  return {element: form, quote: setQuote, focus: () => textarea.focus()};
}
