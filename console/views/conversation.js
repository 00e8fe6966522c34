/*
 * One conversation: its whole history (GET /conversations/{id}), kept live by the inbox feed, the reply
 * box, and what its holder (or a supervisor) does with it: tags, transfer to an agent, a queue or a bot
 * menu, resolve with a typification; an invited agent accepts or declines it.
 */

import {announce, clear, formatTime, h} from "../dom.js";
import {locale, t} from "../i18n.js";
import {composer} from "./composer.js";
import {messageElement} from "./message.js";
import {openDialog} from "./dialog.js";

const OPEN = new Set(["NEW", "IN_PROGRESS"]);
const AGENT_STATUSES = new Set(["online", "paused", "offline"]);
const TIMELINE_EVENTS = new Set(["opened", "queued", "assigned", "taken", "transferred", "invited", "declined",
  "invitation_expired"]);

export function mount(root, ctx, conversationId) {
  const {api, session, feed, toast, navigate} = ctx;
  const me = session.user.agent_id;
  const supervises = session.atLeast("supervisor");
  const path = `/conversations/${encodeURIComponent(conversationId)}`;
  let data = null;
  let box = null;
  let stopped = false;
  let loading = null;
  let again = false;
  const rendered = new Map(); // message id → element
  const byProviderId = new Map();

  const title = h("h2", {id: "conversation-title"}, t("conversation.loading"));
  const meta = h("p", {class: "conversation-meta"});
  const tags = h("p", {class: "tags"});
  const actions = h("div", {class: "conversation-actions", role: "group", "aria-label": t("conversation.actions")});
  const log = h("div", {class: "history", role: "log", "aria-live": "polite", "aria-relevant": "additions",
    "aria-label": t("conversation.history"), tabindex: "0"});
  const composerSlot = h("div", {class: "composer-slot"});
  const details = h("details", {class: "conversation-details"});
  root.append(h("div", {class: "conversation"},
    h("header", {class: "conversation-header"}, h("div", {}, title, meta, tags), actions),
    log, composerSlot, details));

  // ---- loading ---------------------------------------------------------------------------------------

  async function load() {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      try {
        const fresh = await api.get(path);
        if (stopped) return;
        const first = data === null;
        data = fresh;
        render(first);
        if (data.unread > 0 && (data.agent === me || supervises)) markRead();
      } catch (error) {
        if (stopped) return;
        if (error.status === 404 || error.status === 403) {
          title.textContent = t("conversation.gone");
          clear(log);
          clear(actions);
          clear(composerSlot);
        } else if (error.status !== 401) {
          toast(error.message, "error");
        }
      } finally {
        loading = null;
      }
      if (again && !stopped) {
        again = false;
        await load();
      }
    })();
    return loading;
  }

  async function markRead() {
    try {
      await api.post(`${path}/read`);
      if (feed) feed.markedRead(conversationId);
    } catch {
      // Unread stays counted; the next visit tries again.
    }
  }

  // ---- rendering -------------------------------------------------------------------------------------

  function holds() {
    return OPEN.has(data.ticket_status) && (data.agent === me || supervises);
  }

  function render(first) {
    const name = data.contact_name || data.contact || conversationId;
    title.textContent = name;
    meta.replaceChildren(
      h("span", {class: `channel channel--${data.channel}`}, data.channel), " · ",
      h("span", {class: `ticket-status ticket-status--${data.ticket_status}`}, ticketLabel(data.ticket_status)),
      data.queue ? ` · ${t("conversation.queue", {queue: data.queue})}` : "",
      data.agent ? ` · ${t("conversation.agent", {agent: data.agent})}` : "");
    tags.replaceChildren(...data.tags.map((tag) => h("span", {class: "tag"}, tag)));
    renderActions();
    renderComposer(); // before the history: the log's height (and so where its bottom is) depends on it
    renderHistory(first);
    renderDetails();
  }

  function renderHistory(first) {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    for (const message of data.messages) {
      if (message.provider_message_id) byProviderId.set(message.provider_message_id, message);
    }
    for (const message of data.messages) {
      const element = messageElement(message, {
        contactName: data.contact_name || data.contact,
        quoted: (providerId) => byProviderId.get(providerId) || null,
        onQuote: holds() ? (quoted) => box && box.quote(quoted) : null,
        fileOf: (entry) => api.blob(`${path}/media/${encodeURIComponent(entry.message_id)}`),
      });
      const old = rendered.get(message.message_id);
      if (!old) {
        log.append(element);
      } else if (old.dataset.signature !== signature(message)) {
        old.replaceWith(element);
      } else {
        continue;
      }
      element.dataset.signature = signature(message);
      rendered.set(message.message_id, element);
    }
    if (first || nearBottom) {
      log.scrollTop = log.scrollHeight;
      requestAnimationFrame(() => { log.scrollTop = log.scrollHeight; }); // once pictures and layout settle
    }
  }

  function renderComposer() {
    const canReply = holds();
    const key = `${canReply}`;
    if (box && composerSlot.dataset.key === key) return;
    composerSlot.dataset.key = key;
    clear(composerSlot);
    box = composer({api, toast, conversationId, contactName: data.contact_name || "", canReply, onSent: load});
    if (!canReply) {
      composerSlot.append(h("p", {class: "muted"}, data.agent && data.agent !== me
        ? t("conversation.heldBy", {agent: data.agent}) : t("conversation.notHeld")));
    }
    composerSlot.append(box.element);
  }

  function renderActions() {
    const buttons = [];
    if (data.invited === me && data.ticket_status === "NEW") {
      buttons.push(h("button", {type: "button", class: "primary", onclick: () => invitation(true)},
        t("conversation.accept")));
      buttons.push(h("button", {type: "button", onclick: () => invitation(false)}, t("conversation.decline")));
    }
    if (holds()) {
      buttons.push(h("button", {type: "button", onclick: editTags}, t("conversation.tags")));
      buttons.push(h("button", {type: "button", onclick: transfer}, t("conversation.transfer")));
      buttons.push(h("button", {type: "button", class: "primary", onclick: resolve}, t("conversation.resolve")));
    }
    // The same buttons stay the same nodes, so focus (and a dialog's way back to its opener) survives a reload.
    const key = buttons.map((button) => button.textContent).join("|");
    if (actions.dataset.key === key) return;
    actions.dataset.key = key;
    actions.replaceChildren(...buttons);
  }

  function renderDetails() {
    const open = details.open;
    const variables = Object.entries(data.variables || {});
    details.replaceChildren(
      h("summary", {}, t("conversation.details")),
      h("h3", {}, t("conversation.variables")),
      variables.length
        ? h("dl", {class: "variables"}, variables.map(([name, value]) => [h("dt", {}, name),
          h("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value))]))
        : h("p", {class: "muted"}, t("conversation.noVariables")),
      h("h3", {}, t("conversation.tickets")),
      h("ol", {class: "tickets"}, data.tickets.map((ticket) => h("li", {},
        h("p", {}, h("strong", {}, ticketLabel(ticket.status)), ` · ${ticket.queue}`,
          ticket.agent ? ` · ${ticket.agent}` : "", ticket.typification ? ` · ${ticket.typification}` : ""),
        h("ol", {class: "timeline"}, ticket.timeline.map((step) => h("li", {},
          h("time", {datetime: step.at}, formatTime(step.at, locale())), " ",
          timelineText(step))))))));
    details.open = open;
  }

  // ---- actions ---------------------------------------------------------------------------------------

  async function invitation(accept) {
    try {
      await api.post(`${path}/invitation`, {accept});
      announce(accept ? t("conversation.accepted") : t("conversation.declined"));
      if (accept) navigate(`#/inbox/assigned/${encodeURIComponent(conversationId)}`);
      else navigate("#/inbox/invited");
    } catch (error) {
      toast(error.message, "error");
    }
  }

  function editTags(event) {
    const input = h("input", {id: "tags-input", type: "text", value: data.tags.join(", ")});
    openDialog({
      title: t("tags.title"), opener: event.currentTarget, submitLabel: t("app.save"),
      fields: [h("label", {for: "tags-input"}, t("tags.label")), input, h("p", {class: "muted"}, t("tags.hint"))],
      submit: async () => {
        const list = input.value.split(",").map((tag) => tag.trim()).filter(Boolean);
        await api.put(`${path}/tags`, {tags: list});
        announce(t("tags.saved"));
        await load();
      },
    });
  }

  async function transfer(event) {
    const kind = h("select", {id: "transfer-kind"},
      ["agent", "queue", "bot_menu"].map((value) => h("option", {value}, t(`transfer.${value}`))));
    const target = h("input", {id: "transfer-target", type: "text", list: "transfer-options", required: true,
      autocomplete: "off"});
    const options = h("datalist", {id: "transfer-options"});
    const count = h("p", {class: "muted", id: "transfer-count", role: "status"}, t("transfer.loading"));
    target.setAttribute("aria-describedby", "transfer-hint transfer-count");
    // Every role lists whom a chat can go to (GET /directory): value → what the list shows beside it.
    const choices = {agent: [], queue: [], bot_menu: []};
    let loaded = false;
    const fill = () => {
      const shown = choices[kind.value];
      options.replaceChildren(...shown.map(([value, text]) => h("option", {value, label: text}, text)));
      if (loaded) count.textContent = shown.length ? t("transfer.options", {count: shown.length}) : t("transfer.none");
    };
    kind.addEventListener("change", () => { target.value = ""; fill(); });
    api.get("/directory").then((directory) => {
      choices.agent = directory.agents.filter((agent) => agent.id !== data.agent)
        .map((agent) => [agent.id, AGENT_STATUSES.has(agent.status)
          ? `${agent.name} · ${t(`status.${agent.status}`)}` : agent.name]);
      choices.queue = directory.queues.map((queue) => [queue.name, queue.name]);
      const menus = new Map();
      for (const bot of directory.bots) {
        for (const menu of bot.menus) menus.set(menu, menus.has(menu) ? `${menus.get(menu)}, ${bot.id}` : bot.id);
      }
      choices.bot_menu = [...menus].map(([menu, bots]) => [menu, `${menu} · ${bots}`]);
      loaded = true;
      fill();
    }).catch((error) => {
      loaded = true;
      fill();
      if (error.status !== 401) toast(error.message, "error");
    });
    fill();
    openDialog({
      title: t("transfer.title"), opener: event.currentTarget, submitLabel: t("transfer.submit"),
      fields: [h("label", {for: "transfer-kind"}, t("transfer.to")), kind,
        h("label", {for: "transfer-target"}, t("transfer.target")), target, options,
        h("p", {class: "muted", id: "transfer-hint"}, t("transfer.hint")), count],
      submit: async () => {
        const value = target.value.trim();
        if (!value) throw new Error(t("transfer.missing"));
        const answer = await api.post(`${path}/transfer`, {[kind.value]: value});
        const where = answer.agent || answer.queue || answer.bot_menu || value;
        toast(t("transfer.done", {target: where}));
        ctx.onClosed?.();
        if (answer.agent === me) await load();
        else navigate(`#/inbox/${ctx.view || "assigned"}`);
      },
    });
  }

  async function resolve(event) {
    const typification = h("select", {id: "resolve-typification"},
      h("option", {value: ""}, t("resolve.noTypification")));
    const status = h("select", {id: "resolve-status"},
      ["RESOLVED", "CANCELLED", "NO_ANSWER"].map((value) => h("option", {value}, ticketLabel(value))));
    api.get("/typifications").then((answer) => {
      typification.append(...answer.items.filter((x) => x.active !== false)
        .map((x) => h("option", {value: x.name}, x.name)));
    }).catch((error) => toast(error.message, "error"));
    openDialog({
      title: t("resolve.title"), opener: event.currentTarget, submitLabel: t("resolve.submit"),
      fields: [h("label", {for: "resolve-typification"}, t("resolve.typification")), typification,
        h("label", {for: "resolve-status"}, t("resolve.status")), status],
      submit: async () => {
        const answer = await api.post(`${path}/resolve`, {typification: typification.value, status: status.value});
        toast(t("resolve.done", {status: ticketLabel(answer.status)}));
        ctx.onClosed?.();
        navigate(`#/inbox/${ctx.view || "assigned"}`);
      },
    });
  }

  // ---- live ------------------------------------------------------------------------------------------

  const onChange = (event) => {
    const rows = event.detail.conversations;
    // An empty answer may hide this conversation leaving the view (see feed.js): read it again then too.
    if (!rows.length || rows.some((row) => row.conversation_id === conversationId)) load();
  };
  if (feed) feed.addEventListener("change", onChange);
  load();

  return {
    unmount() {
      stopped = true;
      if (feed) feed.removeEventListener("change", onChange);
    },
  };
}

export function ticketLabel(status) {
  return status ? t(`ticket.${status}`) : t("ticket.none");
}

function signature(message) {
  return `${message.status || ""}|${message.text || ""}|${message.failure_reason || ""}`;
}

function timelineText(step) {
  const who = step.by && step.by !== "system" ? ` (${step.by})` : "";
  if (step.status) return `${ticketLabel(step.status)}${who}`;
  const detail = step.agent || step.to || step.queue || step.typification || "";
  const what = TIMELINE_EVENTS.has(step.event) ? t(`timeline.${step.event}`) : String(step.event || "");
  return `${what}${detail ? `: ${detail}` : ""}${step.rule ? ` · ${step.rule}` : ""}${who}`;
}
