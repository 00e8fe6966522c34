/*
 * The console's words in Spanish and English. The choice is remembered in localStorage; the first visit
 * follows the browser's language. t("inbox.select", {name: "Ana"}) fills {name}; a key missing from the chosen
 * language falls back to Spanish and then to the key itself (and says so in the console).
 */

import en from "./i18n/en.js";
import es from "./i18n/es.js";

const STRINGS = {es, en};
const STORAGE_KEY = "charla.console.language";
export const LANGUAGES = [["es", "Español"], ["en", "English"]];

let language = initialLanguage();

function initialLanguage() {
  const kept = localStorage.getItem(STORAGE_KEY);
  if (kept && STRINGS[kept]) return kept;
  const browser = (navigator.language || "es").slice(0, 2).toLowerCase();
  return STRINGS[browser] ? browser : "es";
}

export function getLanguage() {
  return language;
}

/** The locale for dates and numbers: Spanish as spoken by the demo workspace, or English. */
export function locale() {
  return language === "es" ? "es-AR" : "en-GB";
}

export function setLanguage(chosen) {
  if (!STRINGS[chosen]) return;
  language = chosen;
  localStorage.setItem(STORAGE_KEY, chosen);
  document.documentElement.lang = chosen;
}

export function t(key, values) {
  let text = STRINGS[language][key] ?? STRINGS.es[key];
  if (text === undefined) {
    console.warn(`charla console: no string ${key}`);
    text = key;
  }
  if (values) {
    text = text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  }
  return text;
}

/** Both languages' keys, for the test that checks none is missing from either. */
export function stringKeys() {
  return Object.fromEntries(Object.entries(STRINGS).map(([name, table]) => [name, Object.keys(table).sort()]));
}
