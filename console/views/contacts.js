/*
 * Contacts: find one by name or phone (GET /contacts?search=) and start a conversation with an approved
 * template (GET /templates, POST /contacts/{id}/conversations); the chat is the agent's from the first
 * message. The account to write from is one of the workspace's connected accounts on the contact's
 * channels (GET /channels); the last one used per channel is picked first next time.
 */

import {announce, clientId, h} from "../dom.js";
import {t} from "../i18n.js";

const PHONE_CHANNELS = ["whatsapp", "twilio_sms", "twilio_whatsapp"];
const ACCOUNT_KEY = "charla.console.accounts";

export function mount(root, ctx) {
  const {api, toast, navigate} = ctx;
  let contacts = [];
  let chosen = null;
  let templates = [];
  let accounts = null; // channel type → its connected accounts; null until GET /channels answers
  let accountsFailed = false; // then the account is typed, as before the API listed them
  let serial = 0;

  const search = h("input", {id: "contact-search", type: "search", autocomplete: "off",
    placeholder: t("contacts.searchPlaceholder")});
  const list = h("ul", {class: "contact-list", "aria-labelledby": "contacts-title", "aria-busy": "true"});
  const panel = h("section", {class: "contact-panel", "aria-labelledby": "start-title"});
  root.append(h("div", {class: "contacts-layout"},
    h("section", {class: "contacts-search"},
      h("h1", {id: "contacts-title"}, t("contacts.title")),
      h("form", {role: "search", onsubmit: (event) => { event.preventDefault(); find(); }},
        h("label", {for: "contact-search"}, t("contacts.search")), search,
        h("button", {type: "submit"}, t("contacts.find"))),
      list),
    panel));

  async function find() {
    const mine = ++serial;
    list.setAttribute("aria-busy", "true");
    try {
      const answer = await api.get("/contacts", {search: search.value.trim()});
      if (mine !== serial) return;
      contacts = answer.contacts;
      renderList();
      announce(t("contacts.found", {count: contacts.length}));
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function renderList() {
    list.setAttribute("aria-busy", "false");
    if (!contacts.length) {
      list.replaceChildren(h("li", {class: "empty"}, t("contacts.none")));
      return;
    }
    list.replaceChildren(...contacts.map((contact) => h("li", {},
      h("button", {type: "button", class: "contact-button", "aria-pressed": chosen && chosen.id === contact.id
        ? "true" : "false", onclick: () => choose(contact)},
      h("span", {class: "conversation-name"}, contact.name || contact.phone || contact.id),
      h("span", {class: "conversation-meta"},
        [contact.phone, contact.email, ...Object.keys(contact.addresses || {})].filter(Boolean).join(" · ")),
      contact.blacklisted ? h("span", {class: "tag tag--danger"}, t("contacts.blacklisted")) : null))));
  }

  function addressedChannels(contact) {
    const channels = new Set(Object.keys(contact.addresses || {}));
    if (contact.phone) PHONE_CHANNELS.forEach((channel) => channels.add(channel));
    return [...channels];
  }

  function channelsOf(contact) {
    const channels = addressedChannels(contact);
    return accountsFailed ? channels : channels.filter((channel) => (accounts[channel] || []).length);
  }

  function rememberedAccounts() {
    try {
      return JSON.parse(localStorage.getItem(ACCOUNT_KEY) || "{}");
    } catch {
      return {};
    }
  }

  function choose(contact) {
    chosen = contact;
    renderList();
    renderPanel();
    panel.querySelector("select, input")?.focus();
  }

  function renderPanel() {
    const contact = chosen;
    const heading = h("h2", {id: "start-title"}, t("contacts.startWith", {name: contact.name || contact.id}));
    if (contact.blacklisted) {
      panel.replaceChildren(heading, h("p", {class: "form-error"}, t("contacts.blacklistedNote")));
      return;
    }
    if (!accounts && !accountsFailed) {
      panel.replaceChildren(heading, h("p", {class: "muted", role: "status"}, t("contacts.loadingChannels")));
      return;
    }
    const channels = channelsOf(contact);
    if (!channels.length) {
      panel.replaceChildren(heading, h("p", {class: "muted"},
        addressedChannels(contact).length ? t("contacts.noChannel") : t("contacts.noAddress")));
      return;
    }
    const template = h("select", {id: "start-template", required: true},
      templates.map((item) => h("option", {value: item.name}, `${item.name} (${item.language})`)));
    const channel = h("select", {id: "start-channel"}, channels.map((name) => h("option", {value: name}, name)));
    const account = accountsFailed
      ? h("input", {id: "start-account", type: "text", required: true, autocomplete: "off",
        "aria-describedby": "start-account-hint"})
      : h("select", {id: "start-account", required: true, "aria-describedby": "start-account-hint"});
    const parameters = h("div", {class: "template-parameters"});
    const preview = h("p", {class: "template-preview", "aria-live": "polite"});
    const error = h("p", {class: "form-error", role: "alert", hidden: true});
    const submit = h("button", {type: "submit", class: "primary"}, t("contacts.start"));
    let pendingId = "";

    const current = () => templates.find((item) => item.name === template.value);
    const values = () => [...parameters.querySelectorAll("input")].map((input) => input.value);
    function showParameters() {
      const item = current();
      parameters.replaceChildren(...Array.from({length: item ? item.parameters : 0}, (_, index) => {
        const id = `start-parameter-${index + 1}`;
        return [h("label", {for: id}, t("contacts.parameter", {number: index + 1})),
          h("input", {id, type: "text", required: true, oninput: showPreview})];
      }).flat());
      showPreview();
    }
    function showPreview() {
      const item = current();
      const filled = values();
      preview.textContent = item
        ? item.text.replace(/\{\{(\d+)\}\}/g, (whole, n) => filled[Number(n) - 1] || whole) : "";
    }
    function suggestAccount() {
      const remembered = rememberedAccounts()[channel.value] || "";
      if (accountsFailed) {
        account.value = remembered;
        return;
      }
      const known = accounts[channel.value] || [];
      account.replaceChildren(...known.map((name) => h("option", {value: name}, name)));
      if (known.includes(remembered)) account.value = remembered;
    }
    template.addEventListener("change", showParameters);
    channel.addEventListener("change", suggestAccount);

    async function start(event) {
      event.preventDefault();
      error.hidden = true;
      if (!template.value || !account.value.trim()) {
        error.textContent = t("contacts.missing");
        error.hidden = false;
        return;
      }
      pendingId = pendingId || clientId("start");
      submit.disabled = true;
      try {
        const answer = await api.post(`/contacts/${encodeURIComponent(contact.id)}/conversations`, {
          channel: channel.value, account: account.value.trim(), template: template.value,
          parameters: values(), client_message_id: pendingId,
        });
        localStorage.setItem(ACCOUNT_KEY, JSON.stringify({...rememberedAccounts(),
          [channel.value]: account.value.trim()}));
        toast(t("contacts.started"));
        navigate(`#/inbox/assigned/${encodeURIComponent(answer.conversation_id)}`);
      } catch (problem) {
        error.textContent = problem.message;
        error.hidden = false;
        submit.disabled = false;
      }
    }

    panel.replaceChildren(heading, templates.length
      ? h("form", {class: "stacked-form", onsubmit: start},
        h("label", {for: "start-template"}, t("contacts.template")), template,
        parameters,
        h("label", {for: "start-channel"}, t("contacts.channel")), channel,
        h("label", {for: "start-account"}, t("contacts.account")), account,
        h("p", {class: "muted", id: "start-account-hint"}, t("contacts.accountHint")),
        h("h3", {}, t("contacts.preview")), preview,
        error, submit)
      : h("p", {class: "muted"}, t("contacts.noTemplates")));
    showParameters();
    suggestAccount();
  }

  panel.append(h("h2", {id: "start-title"}, t("contacts.startTitle")), h("p", {class: "muted"}, t("contacts.pick")));
  api.get("/channels").then((answer) => {
    accounts = {};
    for (const {type, account} of answer.channels) (accounts[type] = accounts[type] || []).push(account);
    if (chosen) renderPanel();
  }).catch((error) => {
    accountsFailed = true;
    if (chosen) renderPanel();
    if (error.status !== 401) toast(error.message, "error");
  });
  api.get("/templates").then((answer) => {
    templates = answer.items.filter((item) => item.active !== false);
    if (chosen) renderPanel();
  }).catch((error) => toast(error.message, "error"));
  find();
  return {unmount() { serial += 1; }};
}
