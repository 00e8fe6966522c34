/*
 * Administration: users, queues, pause reasons, quick replies, approved templates and typifications,
 * all through console_api; the workspace's settings (retention, security, logo…) and its channels'
 * routing are in settings.js.
 */

import {clear, focusHeading, h} from "../dom.js";
import {t} from "../i18n.js";
import {recordsTable} from "./records.js";
import {channelRouting, workspaceSettings} from "./settings.js";

const SECTIONS = ["users", "queues", "pause_reasons", "quick_replies", "templates", "typifications", "settings",
  "channels"];
const yes = (value) => (value ? t("app.yes") : t("app.no"));
const list = (value) => (Array.isArray(value) ? value.join(", ") : "");

export function mount(root, ctx, params) {
  let section = SECTIONS.includes(params[0]) ? params[0] : "users";
  const nav = h("ul", {class: "view-tabs"});
  const body = h("div", {class: "admin-body"});
  root.append(h("h1", {}, t("admin.title")), h("nav", {"aria-label": t("admin.sections")}, nav), body);

  function show() {
    nav.replaceChildren(...SECTIONS.map((name) => h("li", {}, h("a", {href: `#/admin/${name}`,
      "aria-current": name === section ? "page" : false}, t(`admin.${name}`)))));
    clear(body);
    if (section === "settings") workspaceSettings(body, ctx);
    else if (section === "channels") channelRouting(body, ctx);
    else recordsTable(body, SPECS[section](ctx));
  }

  show();
  return {
    update(next) {
      const chosen = SECTIONS.includes(next[0]) ? next[0] : "users";
      if (chosen === section) return;
      section = chosen;
      show();
      focusHeading(body);
    },
    unmount() {},
  };
}

function catalog(path, noun, columns, fields) {
  return ({api, toast}) => ({
    title: t(`admin.${path}`), noun, toast, fields, columns,
    load: async () => (await api.get(`/${path}`)).items,
    key: (item) => item.label || item.shortcut || item.name || item.id,
    create: (body) => api.post(`/${path}`, body),
    edit: (item, changes) => api.put(`/${path}/${encodeURIComponent(item.id)}`, changes),
    remove: (item) => api.delete(`/${path}/${encodeURIComponent(item.id)}`),
  });
}

const SPECS = {
  users: ({api, toast, session}) => ({
    title: t("admin.users"), noun: t("noun.user"), toast,
    load: async () => (await api.get("/users")).users,
    key: (user) => user.id,
    columns: [
      {label: t("field.name"), value: (u) => u.name},
      {label: t("field.id"), value: (u) => u.id},
      {label: t("field.email"), value: (u) => u.email},
      {label: t("field.role"), value: (u) => t(`role.${u.role}`)},
      {label: t("field.queues"), value: (u) => list(u.queues)},
      {label: t("field.capacity"), value: (u) => String(u.capacity)},
      {label: t("field.status"), value: (u) => t(`status.${u.status}`)},
      {label: t("field.enabled"), value: (u) => yes(u.enabled)},
      {label: t("field.twoFactor"), value: (u) => yes(u.two_factor)},
    ],
    actions: [{
      label: t("admin.resetTwoFactor"), labelOf: (u) => t("admin.resetTwoFactorOf", {name: u.id}),
      shows: (u) => Boolean(u.two_factor), title: (u) => t("admin.resetTwoFactorOf", {name: u.id}),
      warning: t("admin.resetTwoFactorWarning"), done: t("admin.resetTwoFactorDone"),
      run: (u) => api.post(`/users/${encodeURIComponent(u.id)}/two_factor/reset`),
    }],
    fields: [
      {name: "id", label: t("field.id"), required: true, createOnly: true, hint: t("field.idHint")},
      {name: "name", label: t("field.name"), required: true},
      {name: "email", label: t("field.email"), hint: t("field.emailHint")},
      {name: "role", label: t("field.role"), type: "select", options: ["agent", "supervisor", "admin"],
        optionLabel: (role) => t(`role.${role}`)},
      {name: "queues", label: t("field.queues"), type: "list", hint: t("field.listHint")},
      {name: "capacity", label: t("field.capacity"), type: "number", min: 1},
      {name: "languages", label: t("field.languages"), type: "list", hint: t("field.listHint")},
      {name: "skills", label: t("field.skills"), type: "list", hint: t("field.listHint")},
      {name: "enabled", label: t("field.enabled"), type: "checkbox"},
      {name: "password", label: t("field.password"), type: "password", hint: t("field.passwordHint")},
    ],
    check: (body, user) => {
      if (user && body.email !== undefined && !body.password) return t("field.emailNeedsPassword");
      if (user && user.id === session.user.agent_id && body.enabled === false) return t("field.notYourself");
      return "";
    },
    create: (body) => api.post("/users", body),
    edit: (user, changes) => api.patch(`/users/${encodeURIComponent(user.id)}`, changes),
  }),
  queues: ({api, toast}) => ({
    title: t("admin.queues"), noun: t("noun.queue"), toast,
    load: async () => (await api.get("/queues")).queues,
    key: (queue) => queue.name,
    columns: [
      {label: t("field.name"), value: (q) => q.name},
      {label: t("field.members"), value: (q) => list(q.members)},
      {label: t("field.priority"), value: (q) => String(q.priority)},
      {label: t("field.businessHours"), value: (q) => (q.business_hours ? t("field.set") : t("field.always"))},
      {label: t("field.inviteTimeout"), value: (q) => String(q.invite_timeout_s || "—")},
    ],
    fields: [
      {name: "name", label: t("field.name"), required: true, createOnly: true},
      {name: "members", label: t("field.members"), type: "list", hint: t("field.listHint")},
      {name: "priority", label: t("field.priority"), type: "number"},
      {name: "closed_message", label: t("field.closedMessage"), type: "textarea"},
      {name: "business_hours", label: t("field.businessHours"), type: "json", hint: t("field.businessHoursHint")},
      {name: "wait_for_own_agent", label: t("field.waitForOwnAgent"), type: "checkbox", default: false},
      {name: "overflow_after_s", label: t("field.overflowAfter"), type: "number"},
      {name: "invite_timeout_s", label: t("field.inviteTimeout"), type: "number", hint: t("field.inviteHint")},
    ],
    create: (body) => api.put(`/queues/${encodeURIComponent(body.name)}`, withoutName(body)),
    edit: (queue, changes) => api.put(`/queues/${encodeURIComponent(queue.name)}`, changes),
  }),
  pause_reasons: catalog("pause_reasons", t("noun.pauseReason"), [
    {label: t("field.label"), value: (x) => x.label},
    {label: t("field.productive"), value: (x) => yes(x.counts_as_productive)},
    {label: t("field.active"), value: (x) => yes(x.active)},
  ], [
    {name: "label", label: t("field.label"), required: true},
    {name: "counts_as_productive", label: t("field.productive"), type: "checkbox", default: false},
    {name: "active", label: t("field.active"), type: "checkbox"},
  ]),
  quick_replies: catalog("quick_replies", t("noun.quickReply"), [
    {label: t("field.shortcut"), value: (x) => `/${x.shortcut}`},
    {label: t("field.title"), value: (x) => x.title},
    {label: t("field.text"), value: (x) => x.text},
    {label: t("field.category"), value: (x) => x.category || ""},
  ], [
    {name: "shortcut", label: t("field.shortcut"), required: true, hint: t("field.shortcutHint")},
    {name: "title", label: t("field.title"), required: true},
    {name: "text", label: t("field.text"), type: "textarea", required: true, hint: t("field.textHint")},
    {name: "category", label: t("field.category")},
  ]),
  templates: catalog("templates", t("noun.template"), [
    {label: t("field.name"), value: (x) => x.name},
    {label: t("field.language"), value: (x) => x.language},
    {label: t("field.text"), value: (x) => x.text},
    {label: t("field.parameters"), value: (x) => String(x.parameters)},
    {label: t("field.active"), value: (x) => yes(x.active)},
  ], [
    {name: "name", label: t("field.name"), required: true, hint: t("field.templateNameHint")},
    {name: "language", label: t("field.language"), required: true},
    {name: "text", label: t("field.text"), type: "textarea", required: true, hint: t("field.templateTextHint")},
    {name: "parameters", label: t("field.parameters"), type: "number"},
    {name: "active", label: t("field.active"), type: "checkbox"},
  ]),
  typifications: catalog("typifications", t("noun.typification"), [
    {label: t("field.name"), value: (x) => x.name},
    {label: t("field.active"), value: (x) => yes(x.active)},
  ], [
    {name: "name", label: t("field.name"), required: true},
    {name: "active", label: t("field.active"), type: "checkbox"},
  ]),
};

function withoutName(body) {
  const rest = {...body};
  delete rest.name;
  return rest;
}
