/*
 * The supervisors' live monitor (GET /monitor, read again every few seconds while on screen): each
 * agent's status, time in it and chats against capacity; each queue's line, longest wait and members
 * online. A supervisor can take an agent offline or end their session.
 */

import {formatSeconds, formatTime, h} from "../dom.js";
import {locale, t} from "../i18n.js";

const REFRESH_MS = 5000;

export function mount(root, ctx) {
  const {api, toast} = ctx;
  let timer = null;
  let stopped = false;

  const updated = h("p", {class: "muted", id: "monitor-updated"});
  const agents = h("tbody");
  const queues = h("tbody");
  root.append(
    h("div", {class: "page-head"}, h("h1", {}, t("monitor.title")), updated),
    h("div", {class: "monitor-grid"},
      h("table", {class: "data-table", id: "monitor-agents"},
        h("caption", {}, t("monitor.agents")),
        h("thead", {}, h("tr", {}, ["monitor.agent", "monitor.status", "monitor.since", "monitor.chats",
          "monitor.actions"].map((key) => h("th", {scope: "col"}, t(key))))),
        agents),
      h("table", {class: "data-table", id: "monitor-queues"},
        h("caption", {}, t("monitor.queues")),
        h("thead", {}, h("tr", {}, ["monitor.queue", "monitor.waiting", "monitor.longest", "monitor.online"]
          .map((key) => h("th", {scope: "col"}, t(key))))),
        queues)));

  function load(board) {
    updated.textContent = t("monitor.updated", {time: formatTime(board.at, locale())});
    agents.replaceChildren(...board.agents.map((agent) => h("tr", {class: agent.enabled ? "" : "disabled"},
      h("th", {scope: "row"}, agent.name, h("span", {class: "muted"}, ` · ${t(`role.${agent.role}`)}`)),
      h("td", {}, h("span", {class: `status-dot status--${agent.status}`, "aria-hidden": "true"}),
        t(`status.${agent.status}`), agent.pause_reason ? ` (${agent.pause_reason})` : ""),
      h("td", {}, formatSeconds(agent.seconds_in_status)),
      h("td", {}, loadBar(agent.live_chats, agent.capacity)),
      h("td", {}, agent.status === "offline" ? "" : [
        h("button", {type: "button", class: "small", onclick: () => act(agent, "offline"),
          "aria-label": t("monitor.offlineOf", {name: agent.name})}, t("monitor.offline")), " ",
        h("button", {type: "button", class: "small", onclick: () => act(agent, "logout"),
          "aria-label": t("monitor.logoutOf", {name: agent.name})}, t("monitor.logout"))]))));
    queues.replaceChildren(...board.queues.map((queue) => h("tr", {},
      h("th", {scope: "row"}, queue.name),
      h("td", {class: queue.waiting ? "attention" : ""}, String(queue.waiting)),
      h("td", {}, formatSeconds(queue.longest_wait_seconds)),
      h("td", {}, `${queue.members_online} / ${queue.members}`))));
  }

  async function act(agent, action) {
    try {
      if (action === "logout") await api.post(`/agents/${encodeURIComponent(agent.id)}/logout`);
      else await api.put(`/agents/${encodeURIComponent(agent.id)}/status`, {status: "offline"});
      toast(t("monitor.done", {name: agent.name}));
      await refresh();
    } catch (error) {
      toast(error.message, "error");
    }
  }

  async function refresh() {
    clearTimeout(timer);
    try {
      load(await api.get("/monitor"));
    } catch (error) {
      if (error.status !== 401) updated.textContent = error.message;
    }
    if (!stopped) timer = setTimeout(refresh, REFRESH_MS);
  }

  refresh();
  return {unmount() { stopped = true; clearTimeout(timer); }};
}

function loadBar(used, capacity) {
  const share = capacity ? Math.min(1, used / capacity) : 0;
  return h("span", {class: "capacity"},
    h("meter", {min: 0, max: capacity || 1, value: used, "aria-label": t("monitor.chatsOf", {used, capacity})}),
    ` ${used} / ${capacity}`, share >= 1 ? h("span", {class: "tag"}, t("monitor.full")) : null);
}
