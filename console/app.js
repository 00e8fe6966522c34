/*
 * Charla's agent console: the page's frame (brand, navigation by role, status, language, theme) and a
 * hash router that mounts one view at a time. Views live in views/*.js; each is
 *   mount(root, ctx, params) → {update?(params), unmount()}
 * and gets ctx = {api, session, feed, me, navigate, toast, refreshMe, refreshWorkspace}.
 */

import {Api, apiBase} from "./api.js";
import {CONFIG} from "./config.js";
import {announce, clear, focusHeading, h} from "./dom.js";
import {InboxFeed} from "./feed.js";
import {getLanguage, LANGUAGES, setLanguage, t} from "./i18n.js";
import {Session} from "./session.js";
import * as account from "./views/account.js";
import * as admin from "./views/admin.js";
import * as contacts from "./views/contacts.js";
import * as inbox from "./views/inbox.js";
import * as login from "./views/login.js";
import * as monitor from "./views/monitor.js";
import * as reports from "./views/reports.js";
import {statusControl} from "./views/status.js";

const THEME_KEY = "charla.console.theme";
const ROUTES = {
  inbox: {view: inbox, role: "agent", label: "nav.inbox"},
  contacts: {view: contacts, role: "agent", label: "nav.contacts"},
  monitor: {view: monitor, role: "supervisor", label: "nav.monitor"},
  reports: {view: reports, role: "supervisor", label: "nav.reports"},
  admin: {view: admin, role: "admin", label: "nav.admin"},
  // Reached from the user menu, not the sections.
  account: {view: account, role: "agent", label: "nav.account", menu: true},
};

const session = new Session();
const api = new Api(apiBase(CONFIG), () => session.token, () => signedOut(t("login.expired")));
const state = {feed: null, me: null, workspace: null, current: null, currentName: "", shell: null, stopStatus: null};

// ---- theme and language ----------------------------------------------------------------------------

function initialTheme() {
  const kept = localStorage.getItem(THEME_KEY);
  if (kept === "light" || kept === "dark") return kept;
  return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

function applyTheme(theme) {
  document.documentElement.dataset.theme = theme;
}

function toggleTheme() {
  const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
  localStorage.setItem(THEME_KEY, next);
  applyTheme(next);
  render();
  document.getElementById("theme-toggle")?.focus();
}

function preferences() {
  const dark = document.documentElement.dataset.theme === "dark";
  const languages = h("select", {
    id: "language", "aria-label": t("app.language"),
    onchange: (event) => {
      setLanguage(event.target.value);
      render();
      document.getElementById("language")?.focus();
    },
  }, LANGUAGES.map(([code, name]) => h("option", {value: code, selected: code === getLanguage(), lang: code}, name)));
  const theme = h("button", {
    id: "theme-toggle", type: "button", class: "icon-button", "aria-pressed": dark ? "true" : "false",
    onclick: toggleTheme,
  }, dark ? t("app.theme.light") : t("app.theme.dark"));
  return h("div", {class: "preferences"}, h("label", {class: "visually-hidden", for: "language"}, t("app.language")),
    languages, theme);
}

// ---- notifications -----------------------------------------------------------------------------------

function onNewMessages(rows) {
  const names = rows.map((row) => row.contact_name || row.contact).join(", ");
  announce(t("notify.new", {names}));
  if ("Notification" in window && Notification.permission === "granted" && document.hidden) {
    const note = new Notification(t("notify.title"), {body: t("notify.new", {names}), tag: "charla-inbox"});
    note.onclick = () => { window.focus(); note.close(); };
  }
}

function showCounts(counts) {
  const unread = (counts.assigned && counts.assigned.unread) || 0;
  document.title = unread ? `(${unread}) ${t("app.title")}` : t("app.title");
}

function notificationsButton() {
  if (!("Notification" in window) || Notification.permission !== "default") return null;
  return h("button", {
    type: "button", class: "link-button",
    onclick: async (event) => {
      await Notification.requestPermission();
      event.target.remove();
    },
  }, t("notify.enable"));
}

// ---- toasts ------------------------------------------------------------------------------------------

function toast(message, kind = "info") {
  const region = document.getElementById("toasts");
  if (!region) return;
  const item = h("div", {class: `toast toast--${kind}`, role: kind === "error" ? "alert" : "status"},
    h("span", {}, message),
    h("button", {type: "button", class: "icon-button", "aria-label": t("app.dismiss"),
      onclick: () => item.remove()}, "×"));
  region.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 12000 : 5000);
}

// ---- session -----------------------------------------------------------------------------------------

function viewsOf() {
  return session.atLeast("supervisor") ? ["assigned", "invited", "queued", "all"] : ["assigned", "invited", "queued"];
}

async function signedIn(answer) {
  session.begin(answer);
  await startSession();
  navigate("#/inbox/assigned");
  render();
}

async function startSession() {
  const branding = loadWorkspace(); // beside /me, not after it
  try {
    state.me = await api.get("/me");
  } catch {
    state.me = null;
    return;
  }
  await branding;
  state.feed = new InboxFeed(api, viewsOf(), onNewMessages);
  state.feed.addEventListener("counts", (event) => showCounts(event.detail));
  state.feed.start();
}

/** The workspace's name and logo for the header (GET /workspace); the page's defaults until it answers. */
async function loadWorkspace() {
  try {
    state.workspace = await api.get("/workspace");
  } catch {
    state.workspace = null;
  }
}

function stopSession() {
  if (state.feed) state.feed.stop();
  state.feed = null;
  state.me = null;
  state.workspace = null;
  document.title = t("app.title");
}

function signedOut(reason) {
  if (!session.signedIn) return;
  stopSession();
  session.end();
  unmountView();
  render();
  if (reason) toast(reason, "error");
}

async function signOut() {
  try {
    await api.post("/logout");
  } catch {
    // Signing out locally is what matters to this tab.
  }
  signedOut("");
  announce(t("login.signedOut"));
}

// ---- routing -----------------------------------------------------------------------------------------

function navigate(hash) {
  if (window.location.hash === hash) {
    route();
  } else {
    window.location.hash = hash;
  }
}

function parseHash() {
  const [name, ...rest] = window.location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  return {name: name || "inbox", params: rest.filter(Boolean)};
}

function unmountView() {
  if (state.current && state.current.unmount) state.current.unmount();
  state.current = null;
  state.currentName = "";
}

function route() {
  if (!session.signedIn || !state.shell) return;
  let {name, params} = parseHash();
  if (!ROUTES[name] || !session.atLeast(ROUTES[name].role)) {
    name = "inbox";
    params = [];
  }
  for (const link of state.shell.querySelectorAll("nav a")) {
    if (link.dataset.route === name) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (state.current && state.currentName === name && state.current.update) {
    state.current.update(params);
    return;
  }
  unmountView();
  const main = state.shell.querySelector("main");
  clear(main);
  state.currentName = name;
  state.current = ROUTES[name].view.mount(main, context(), params);
  focusHeading(main);
}

function context() {
  return {
    api, session, feed: state.feed, me: state.me, navigate,
    // A call refused for want of a session has already said so and gone back to the sign-in.
    toast: (message, kind) => { if (session.signedIn) toast(message, kind); },
    refreshWorkspace: async () => {
      await loadWorkspace();
      state.shell?.querySelector(".brand")?.replaceWith(brand());
    },
    refreshMe: async () => {
      state.me = await api.get("/me");
      return state.me;
    },
  };
}

// ---- the frame ---------------------------------------------------------------------------------------

function brand() {
  const workspace = state.workspace;
  const name = (workspace && workspace.name) || CONFIG.workspaceName || "Charla";
  // The workspace's own logo (a data: URL from the API) names the workspace; the name beside it is then
  // left to sight, so a screen reader does not say it twice.
  const logo = workspace && workspace.logo && workspace.logo.startsWith("data:image/") ? workspace.logo : "";
  return h("div", {class: "brand"},
    h("img", {src: logo || CONFIG.logo || "logo.svg", alt: logo ? name : "", width: 32, height: 32,
      class: logo ? "brand-logo brand-logo--workspace" : "brand-logo"}),
    h("span", {class: "brand-name", "aria-hidden": logo ? "true" : false}, name));
}

function skipLink() {
  return h("button", {
    type: "button", class: "skip-link",
    onclick: () => focusHeading(document.querySelector("main")),
  }, t("app.skip"));
}

function navigation() {
  const shown = Object.entries(ROUTES).filter(([, entry]) => !entry.menu && session.atLeast(entry.role));
  const links = shown.map(([name, entry]) =>
    h("li", {}, h("a", {href: name === "inbox" ? "#/inbox/assigned" : `#/${name}`, dataset: {route: name}},
      t(entry.label))));
  return h("nav", {"aria-label": t("nav.label"), class: "main-nav"}, h("ul", {}, links));
}

function userMenu() {
  const user = session.user;
  return h("div", {class: "user-menu"},
    h("span", {class: "user-name"}, user.name, h("span", {class: "role-badge"}, t(`role.${user.role}`))),
    h("a", {href: "#/account", id: "my-account", class: "link-button"}, t("nav.account")),
    h("button", {type: "button", class: "secondary", onclick: signOut}, t("app.signOut")));
}

function render() {
  document.documentElement.lang = getLanguage();
  const root = document.getElementById("app");
  if (state.stopStatus) state.stopStatus();
  state.stopStatus = null;
  if (!session.signedIn) {
    unmountView();
    state.shell = null;
    document.title = t("app.title");
    clear(root).append(
      h("header", {class: "topbar"}, brand(), preferences()),
      h("main", {id: "main", class: "login-main"}),
      h("div", {id: "toasts", class: "toasts"}),
    );
    login.mount(root.querySelector("main"), {api, signedIn, toast});
    return;
  }
  const status = state.me ? statusControl({api, me: state.me, toast, onChange: (me) => { state.me = me; }}) : null;
  state.stopStatus = status ? status.stop : null;
  const shell = h("div", {class: "shell"},
    skipLink(),
    h("header", {class: "topbar"}, brand(), navigation(),
      h("div", {class: "topbar-tools"}, status && status.element, notificationsButton(), preferences(), userMenu())),
    h("main", {id: "main", tabindex: "-1"}),
    h("div", {id: "toasts", class: "toasts", "aria-live": "polite"}));
  clear(root).append(shell);
  state.shell = shell;
  unmountView();
  if (state.feed) showCounts(state.feed.counts);
  route();
}

async function boot() {
  applyTheme(initialTheme());
  document.documentElement.lang = getLanguage();
  if (session.signedIn) await startSession();
  if (session.signedIn && !state.me) session.end(); // a session the API no longer knows
  render();
  window.addEventListener("hashchange", route);
}

boot();
