/*
 * The admin's workspace screens: its settings (GET/PUT /workspace/settings: name, language, time zone,
 * logo, ticket expiry, retention, security, and the plan's caps to read) and where each channel account
 * routes (GET /channels, PUT /channels/{type}/{account}, picking from GET /directory's bots and agents).
 * A refused change is said in a role=alert naming the field the API named.
 */

import {announce, h} from "../dom.js";
import {t} from "../i18n.js";
import {openDialog} from "./dialog.js";

const LOGO_TYPES = ["image/png", "image/jpeg", "image/webp", "image/svg+xml"];
const MAX_LOGO_BYTES = 256 * 1024;
const WORKSPACE_LANGUAGES = [["es", "Español"], ["en", "English"], ["pt", "Português"]];
const RETENTION = ["personal_data_days", "files_days"];

/** "Field: what the API said", the field named in the screen's words when the API names one. */
export function fieldProblem(field, message, labels) {
  const name = String(field || "").replace(/\[\d+\]$/, "");
  if (!labels[name]) return message;
  // The API's message may start with its own name for the field ("time_zone: …"): said once is enough.
  const said = String(message).startsWith(`${field}: `) ? String(message).slice(field.length + 2) : message;
  return t("settings.fieldProblem", {field: labels[name], message: said});
}

function timeZones() {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return []; // an older browser: the zone is typed, the API checks it
  }
}

// ---- settings -----------------------------------------------------------------------------------------

export function workspaceSettings(root, ctx) {
  const {api, toast} = ctx;
  let saved = null;
  let logo = "";

  const labels = {
    name: t("settings.name"), language: t("settings.language"), time_zone: t("settings.timeZone"),
    logo: t("settings.logo"), ticket_expiry_hours: t("settings.ticketExpiry"),
    personal_data_days: t("settings.personalDataDays"), files_days: t("settings.filesDays"),
    two_factor_required: t("settings.twoFactor"),
  };
  const name = h("input", {id: "settings-name", type: "text", maxlength: 80, required: true, autocomplete: "off"});
  const language = h("select", {id: "settings-language"}, WORKSPACE_LANGUAGES.map(([code, label]) =>
    h("option", {value: code, lang: code}, label)));
  const zone = h("input", {id: "settings-time-zone", type: "text", list: "settings-time-zones", autocomplete: "off",
    required: true, spellcheck: "false", "aria-describedby": "settings-time-zone-hint"});
  const zones = h("datalist", {id: "settings-time-zones"}, timeZones().map((value) => h("option", {value})));
  const preview = h("img", {class: "logo-preview", alt: t("settings.logoPreview"), hidden: true});
  const noLogo = h("p", {class: "muted"}, t("settings.noLogo"));
  const upload = h("input", {id: "settings-logo", type: "file", accept: LOGO_TYPES.join(","),
    "aria-describedby": "settings-logo-hint"});
  const removeLogo = h("button", {type: "button", class: "small", onclick: () => {
    setLogo("");
    upload.value = "";
    announce(t("settings.logoRemoved"));
    upload.focus();
  }}, t("settings.removeLogo"));
  const expiry = h("input", {id: "settings-ticket-expiry", type: "number", min: 1, max: 720, step: "any",
    required: true, "aria-describedby": "settings-ticket-expiry-hint"});
  const retention = Object.fromEntries(RETENTION.map((field) => {
    const id = `settings-${field.replace(/_/g, "-")}`;
    const days = h("input", {id, type: "number", min: 1, step: 1});
    const keep = h("input", {id: `${id}-keep`, type: "checkbox", onchange: () => {
      days.disabled = keep.checked;
      if (!keep.checked && !days.value) days.focus();
    }});
    return [field, {days, keep, id}];
  }));
  const twoFactor = h("input", {id: "settings-two-factor", type: "checkbox"});
  const plan = h("dl", {class: "settings-list plan-caps"});
  const error = h("p", {class: "form-error", role: "alert", hidden: true});
  const submit = h("button", {type: "submit", class: "primary"}, t("app.save"));
  const controls = {name, language, time_zone: zone, logo: upload, ticket_expiry_hours: expiry,
    personal_data_days: retention.personal_data_days.days, files_days: retention.files_days.days,
    two_factor_required: twoFactor};

  function setLogo(value) {
    logo = value;
    preview.hidden = !value;
    noLogo.hidden = Boolean(value);
    removeLogo.hidden = !value;
    if (value) preview.src = value;
    else preview.removeAttribute("src");
  }

  upload.addEventListener("change", () => {
    const file = upload.files && upload.files[0];
    if (!file) return;
    hideError();
    if (!LOGO_TYPES.includes(file.type)) {
      showError("logo", t("settings.logoType"));
      upload.value = "";
      return;
    }
    if (file.size > MAX_LOGO_BYTES) {
      showError("logo", t("settings.logoTooBig", {size: Math.ceil(file.size / 1024)}));
      upload.value = "";
      return;
    }
    const reader = new FileReader();
    reader.addEventListener("load", () => {
      setLogo(String(reader.result));
      announce(t("settings.logoChosen", {name: file.name}));
    });
    reader.addEventListener("error", () => showError("logo", t("settings.logoUnreadable")));
    reader.readAsDataURL(file);
  });

  function retentionField(field, legend, hint) {
    const {days, keep, id} = retention[field];
    return h("fieldset", {class: "settings-group"}, h("legend", {}, legend),
      h("p", {class: "muted", id: `${id}-hint`}, hint),
      h("label", {for: id}, labels[field]), days,
      h("div", {class: "checkbox-field"}, keep, h("label", {for: `${id}-keep`}, t("settings.keepUntilErased"))));
  }
  retention.personal_data_days.days.setAttribute("aria-describedby", "settings-personal-data-days-hint");
  retention.files_days.days.setAttribute("aria-describedby", "settings-files-days-hint");

  const form = h("form", {class: "settings-form", "aria-labelledby": "settings-title", novalidate: true,
    onsubmit: save},
  h("fieldset", {class: "settings-group"}, h("legend", {}, t("settings.general")),
    h("label", {for: "settings-name"}, labels.name), name,
    h("label", {for: "settings-language"}, labels.language), language,
    h("label", {for: "settings-time-zone"}, labels.time_zone), zone, zones,
    h("p", {class: "muted", id: "settings-time-zone-hint"}, t("settings.timeZoneHint"))),
  h("fieldset", {class: "settings-group"}, h("legend", {}, labels.logo),
    h("div", {class: "logo-field"}, preview, noLogo),
    h("label", {for: "settings-logo"}, t("settings.chooseLogo")), upload,
    h("p", {class: "muted", id: "settings-logo-hint"}, t("settings.logoHint")),
    h("div", {}, removeLogo)),
  h("fieldset", {class: "settings-group"}, h("legend", {}, t("settings.tickets")),
    h("label", {for: "settings-ticket-expiry"}, labels.ticket_expiry_hours), expiry,
    h("p", {class: "muted", id: "settings-ticket-expiry-hint"}, t("settings.ticketExpiryHint"))),
  h("fieldset", {class: "settings-group"}, h("legend", {}, t("settings.retention")),
    retentionField("personal_data_days", t("settings.personalData"), t("settings.personalDataHint")),
    retentionField("files_days", t("settings.files"), t("settings.filesHint"))),
  h("fieldset", {class: "settings-group"}, h("legend", {}, t("settings.security")),
    h("div", {class: "checkbox-field"}, twoFactor, h("label", {for: "settings-two-factor"}, labels.two_factor_required)),
    h("p", {class: "muted"}, t("settings.twoFactorHint"))),
  error,
  h("div", {class: "settings-actions"}, submit));

  root.append(h("h2", {id: "settings-title"}, t("settings.title")), form,
    h("section", {class: "settings-group", "aria-labelledby": "plan-title"},
      h("h3", {id: "plan-title"}, t("settings.plan")), h("p", {class: "muted"}, t("settings.planHint")), plan));

  function show(settings) {
    saved = settings;
    name.value = settings.name || "";
    language.value = settings.language || "es";
    zone.value = settings.time_zone || "";
    setLogo(settings.logo || "");
    expiry.value = settings.ticket_expiry_hours ?? "";
    for (const field of RETENTION) {
      const {days, keep} = retention[field];
      keep.checked = settings[field] === null || settings[field] === undefined;
      days.value = keep.checked ? "" : String(settings[field]);
      days.disabled = keep.checked;
    }
    twoFactor.checked = Boolean(settings.two_factor_required);
    const cap = (value) => (value === null || value === undefined ? t("settings.noCap") : String(value));
    plan.replaceChildren(
      h("dt", {}, t("settings.maxOnlineAgents")), h("dd", {}, cap(settings.max_online_agents)),
      h("dt", {}, t("settings.messagesPerMonth")), h("dd", {}, cap(settings.messages_per_month)));
  }

  function hideError() {
    error.hidden = true;
    for (const control of Object.values(controls)) control.removeAttribute("aria-invalid");
  }

  function showError(field, message) {
    error.textContent = fieldProblem(field, message, labels);
    error.hidden = false;
    const control = controls[field];
    if (control) {
      control.setAttribute("aria-invalid", "true");
      if (!control.disabled) control.focus();
    }
  }

  function changes() {
    const now = {
      name: name.value.trim(), language: language.value, time_zone: zone.value.trim(), logo,
      ticket_expiry_hours: expiry.value === "" ? NaN : Number(expiry.value),
      two_factor_required: twoFactor.checked,
    };
    for (const field of RETENTION) {
      const {days, keep} = retention[field];
      now[field] = keep.checked ? null : days.value === "" ? NaN : Number(days.value);
    }
    return Object.fromEntries(Object.entries(now).filter(([field, value]) => value !== saved[field]));
  }

  async function save(event) {
    event.preventDefault();
    if (!saved) return;
    hideError();
    const body = changes();
    for (const [field, value] of Object.entries(body)) {
      if (Number.isNaN(value) || (field !== "logo" && value === "")) {
        showError(field, t("settings.missing"));
        return;
      }
    }
    if (!Object.keys(body).length) {
      toast(t("settings.unchanged"));
      return;
    }
    submit.disabled = true;
    try {
      show(await api.put("/workspace/settings", body));
      toast(t("settings.saved"));
      if (ctx.refreshWorkspace) ctx.refreshWorkspace();
    } catch (problem) {
      if (problem.status !== 401) showError(problem.field, problem.message);
    } finally {
      submit.disabled = false;
    }
  }

  form.setAttribute("aria-busy", "true");
  api.get("/workspace/settings").then((settings) => {
    show(settings);
    form.setAttribute("aria-busy", "false");
  }).catch((problem) => {
    if (problem.status !== 401) showError("", problem.message);
  });
}

// ---- channel routing ----------------------------------------------------------------------------------

export function channelRouting(root, ctx) {
  const {api, toast} = ctx;
  let directory = {agents: [], queues: [], bots: []};
  const labels = {bot: t("channels.bot"), agents: t("channels.agents")};
  const status = h("p", {class: "muted", role: "status"});
  const body = h("tbody");
  root.append(
    h("h2", {id: "channels-title"}, t("channels.title")),
    h("p", {class: "muted"}, t("channels.intro")),
    status,
    h("div", {class: "table-scroll"}, h("table", {class: "data-table", "aria-labelledby": "channels-title"},
      h("thead", {}, h("tr", {}, [t("channels.type"), t("channels.account"), labels.bot, labels.agents,
        t("records.actions")].map((label) => h("th", {scope: "col"}, label)))),
      body)));

  const agentName = (id) => (directory.agents.find((agent) => agent.id === id) || {name: id}).name;

  async function refresh() {
    try {
      const [answer, team] = await Promise.all([api.get("/channels"), api.get("/directory")]);
      directory = team;
      status.textContent = t("channels.count", {count: answer.channels.length});
      body.replaceChildren(...answer.channels.map((channel) => {
        const which = `${channel.type} ${channel.account}`;
        return h("tr", {dataset: {key: which}},
          h("th", {scope: "row"}, channel.type),
          h("td", {}, channel.account),
          h("td", {}, channel.bot || "—"),
          h("td", {}, channel.agents.length ? channel.agents.map(agentName).join(", ") : t("channels.anyAgent")),
          h("td", {class: "row-actions"}, h("button", {type: "button", class: "small",
            "aria-label": t("records.editOf", {name: which}),
            onclick: (event) => edit(channel, event.currentTarget)}, t("records.edit"))));
      }));
    } catch (problem) {
      if (problem.status !== 401) status.textContent = problem.message;
    }
  }

  function edit(channel, opener) {
    const bots = directory.bots.map((bot) => bot.id);
    if (channel.bot && !bots.includes(channel.bot)) bots.unshift(channel.bot);
    const bot = h("select", {id: "channel-bot"}, bots.length
      ? bots.map((id) => h("option", {value: id, selected: id === channel.bot}, id))
      : h("option", {value: ""}, "—"));
    const people = directory.agents.map((agent) => [agent.id, agent.name]);
    for (const id of channel.agents) if (!people.some(([known]) => known === id)) people.push([id, id]);
    const boxes = people.map(([id, name]) => {
      const box = h("input", {id: `channel-agent-${id}`, type: "checkbox", value: id,
        checked: channel.agents.includes(id)});
      return {box, node: h("div", {class: "checkbox-field"}, box,
        h("label", {for: `channel-agent-${id}`}, name, " ", h("span", {class: "muted"}, `(${id})`)))};
    });
    openDialog({
      title: t("channels.editing", {channel: `${channel.type} ${channel.account}`}), opener,
      submitLabel: t("app.save"),
      fields: [
        h("label", {for: "channel-bot"}, labels.bot), bot,
        h("fieldset", {class: "agent-choices"}, h("legend", {}, labels.agents),
          h("p", {class: "muted"}, t("channels.agentsHint")),
          boxes.length ? boxes.map((item) => item.node) : h("p", {class: "muted"}, t("channels.noAgents")))],
      submit: async () => {
        const changes = {agents: boxes.filter((item) => item.box.checked).map((item) => item.box.value)};
        if (bot.value && bot.value !== channel.bot) changes.bot = bot.value;
        const path = `/channels/${encodeURIComponent(channel.type)}/${encodeURIComponent(channel.account)}`;
        try {
          await api.put(path, changes);
        } catch (problem) {
          throw new Error(fieldProblem(problem.field, problem.message, labels));
        }
        toast(t("channels.saved", {channel: `${channel.type} ${channel.account}`}));
        await refresh();
        // The row's button is a new node: once the dialog has closed, the focus goes back to it.
        const key = CSS.escape(`${channel.type} ${channel.account}`);
        setTimeout(() => body.querySelector(`tr[data-key="${key}"] button`)?.focus(), 0);
      },
    });
  }

  refresh();
}
