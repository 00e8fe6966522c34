/*
 * Building the page safely: every element is made with createElement and every text goes in through
 * textContent or an attribute. Nothing here (or anywhere in the console) hands a string to the HTML
 * parser, so what a customer sends can never become markup or script.
 */

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/g;

/**
 * h("button", {class: "x", onclick: fn, "aria-label": "…"}, "text", otherNode…)
 * Attributes named on* become listeners; `dataset` and `hidden`/`disabled`/`checked`/`value`/`selected`
 * are set as properties; false/null/undefined attributes are left out.
 */
export function h(tag, attributes = {}, ...children) {
  const element = tag.includes(":")
    ? document.createElementNS("http://www.w3.org/2000/svg", tag.split(":")[1])
    : document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value);
    } else if (name === "dataset") {
      Object.assign(element.dataset, value);
    } else if (["hidden", "disabled", "checked", "value", "selected", "multiple", "required"].includes(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Appends nodes and strings (as text nodes); arrays are flattened, empty values skipped. */
export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === "") continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

/** A URL that may become a link or a picture: http(s) only (never javascript:, data: or the like). */
export function safeUrl(value) {
  if (typeof value !== "string" || !value) return "";
  try {
    const url = new URL(value, window.location.href);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
  } catch {
    return "";
  }
}

/** Text with its web addresses as links; line breaks kept by CSS (white-space: pre-wrap). */
export function linkedText(text) {
  const nodes = [];
  let last = 0;
  for (const match of String(text || "").matchAll(URL_IN_TEXT)) {
    const address = match[0].replace(/[.,;:!?)]+$/, "");
    const href = safeUrl(address);
    if (!href) continue;
    nodes.push(text.slice(last, match.index));
    nodes.push(h("a", {href, target: "_blank", rel: "noopener noreferrer"}, address));
    last = match.index + address.length;
  }
  nodes.push(String(text || "").slice(last));
  return nodes;
}

/** Says something to screen readers through the page's polite live region. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node on the next frame is announced even when the same words come twice.
  requestAnimationFrame(() => { region.textContent = message; });
}

/** Moves focus to a view's heading so keyboard and screen-reader users land where the new content is. */
export function focusHeading(container) {
  const heading = container.querySelector("h1, h2");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({preventScroll: false});
  }
}

export function formatTime(iso, language) {
  if (!iso) return "";
  const moment = new Date(iso);
  if (Number.isNaN(moment.getTime())) return "";
  const today = new Date().toDateString() === moment.toDateString();
  return today
    ? moment.toLocaleTimeString(language, {hour: "2-digit", minute: "2-digit"})
    : moment.toLocaleString(language, {day: "2-digit", month: "short", hour: "2-digit", minute: "2-digit"});
}

export function formatSeconds(total) {
  const seconds = Math.max(0, Math.round(Number(total) || 0));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  const two = (n) => String(n).padStart(2, "0");
  return hours ? `${hours}:${two(minutes)}:${two(rest)}` : `${minutes}:${two(rest)}`;
}

/** A short id for client_message_id: a retried request then sends nothing twice. */
export function clientId(prefix) {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `${prefix}-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}
