/*
 * The inbox: the views (assigned, invited, queued; supervisors also all) with their sizes and unread
 * counts, a search by name or phone, the list of conversations kept live by the feed, and the open
 * conversation beside it. Supervisors select conversations to assign or resolve them in bulk.
 */

import {announce, clear, formatTime, h} from "../dom.js";
import {locale, t} from "../i18n.js";
import * as conversation from "./conversation.js";

const LIST_LIMIT = 100;

export function mount(root, ctx, params) {
  const {api, session, feed} = ctx;
  const supervises = session.atLeast("supervisor");
  const views = feed ? feed.views : ["assigned"];
  let view = views.includes(params[0]) ? params[0] : "assigned";
  let openId = params[1] || "";
  let rows = [];
  let search = "";
  let loading = null;
  let reloadAgain = false;
  const selected = new Set();
  let pane = null;

  const heading = h("h1", {id: "inbox-title"}, t("inbox.title"));
  const tabs = h("ul", {class: "view-tabs"});
  const searchBox = h("input", {id: "inbox-search", type: "search", placeholder: t("inbox.searchPlaceholder"),
    oninput: debounce(() => { search = searchBox.value.trim(); reload(); }, 300)});
  const list = h("ul", {class: "conversation-list", "aria-labelledby": "inbox-title", "aria-busy": "true"});
  const bulk = supervises ? bulkBar() : null;
  const paneRoot = h("section", {class: "conversation-pane", "aria-label": t("conversation.region")});

  root.append(h("div", {class: "inbox-layout"},
    h("section", {class: "inbox-list"},
      heading,
      h("nav", {"aria-label": t("inbox.views")}, tabs),
      h("label", {for: "inbox-search", class: "visually-hidden"}, t("inbox.search")), searchBox,
      bulk && bulk.element,
      list),
    paneRoot));

  function renderTabs() {
    const counts = feed ? feed.counts : {};
    tabs.replaceChildren(...views.map((name) => {
      const count = counts[name] || {conversations: 0, unread: 0};
      const unread = count.unread ? h("span", {class: "badge", "aria-label": t("inbox.unreadCount",
        {count: count.unread})}, String(count.unread)) : null;
      return h("li", {}, h("a", {href: `#/inbox/${name}`, "aria-current": name === view ? "page" : false,
        dataset: {view: name}},
      t(`inbox.view.${name}`), " ", h("span", {class: "count"}, `(${count.conversations})`), unread ? " " : "", unread));
    }));
  }

  function renderList() {
    list.setAttribute("aria-busy", "false");
    if (!rows.length) {
      list.replaceChildren(h("li", {class: "empty"}, search ? t("inbox.noMatch") : t(`inbox.empty.${view}`)));
      return;
    }
    list.replaceChildren(...rows.map((row) => {
      const name = row.contact_name || row.contact || row.conversation_id;
      const link = h("a", {href: `#/inbox/${view}/${encodeURIComponent(row.conversation_id)}`,
        class: "conversation-link", "aria-current": row.conversation_id === openId ? "true" : false,
        dataset: {conversation: row.conversation_id}},
      h("span", {class: "conversation-name"}, name),
      h("span", {class: "conversation-meta"},
        h("span", {class: `channel channel--${row.channel}`}, row.channel),
        row.queue ? ` · ${row.queue}` : "",
        row.agent && view !== "assigned" ? ` · ${row.agent}` : "",
        " · ", h("span", {class: `ticket-status ticket-status--${row.ticket_status}`},
          conversation.ticketLabel(row.ticket_status))),
      h("span", {class: "conversation-time"}, formatTime(row.last_message_at || row.updated_at, locale())),
      row.tags.length ? h("span", {class: "tags"}, row.tags.map((tag) => h("span", {class: "tag"}, tag))) : null,
      row.unread ? h("span", {class: "badge", "aria-label": t("inbox.unreadCount", {count: row.unread})},
        String(row.unread)) : null);
      const item = h("li", {class: row.unread ? "unread" : ""});
      if (supervises && row.ticket_id) {
        const box = h("input", {type: "checkbox", class: "select-row", checked: selected.has(row.ticket_id),
          "aria-label": t("inbox.select", {name}),
          onchange: () => {
            if (box.checked) selected.add(row.ticket_id); else selected.delete(row.ticket_id);
            bulk.refresh();
          }});
        item.append(box);
      }
      item.append(link);
      return item;
    }));
  }

  async function reload() {
    if (loading) {
      reloadAgain = true;
      return loading;
    }
    loading = (async () => {
      try {
        const answer = await api.get("/inbox", {view, search, limit: LIST_LIMIT});
        rows = answer.conversations;
        const present = new Set(rows.map((row) => row.ticket_id));
        for (const ticket of [...selected]) if (!present.has(ticket)) selected.delete(ticket);
        renderList();
        if (bulk) bulk.refresh();
      } catch (error) {
        if (error.status !== 401) ctx.toast(error.message, "error");
      } finally {
        loading = null;
      }
      if (reloadAgain) {
        reloadAgain = false;
        await reload();
      }
    })();
    return loading;
  }

  function openPane() {
    if (pane) pane.unmount();
    pane = null;
    clear(paneRoot);
    if (!openId) {
      paneRoot.append(h("div", {class: "pane-empty"}, h("p", {}, t("inbox.pick"))));
      return;
    }
    pane = conversation.mount(paneRoot, {...ctx, view, onClosed: () => reload()}, openId);
  }

  // ---- bulk, for supervisors ----------------------------------------------------------------------------

  function bulkBar() {
    const agent = h("select", {id: "bulk-agent", "aria-label": t("bulk.agent")},
      h("option", {value: ""}, t("bulk.chooseAgent")));
    const typification = h("select", {id: "bulk-typification", "aria-label": t("resolve.typification")},
      h("option", {value: ""}, t("resolve.noTypification")));
    const counter = h("span", {class: "bulk-count", role: "status"});
    const assign = h("button", {type: "button", onclick: () => run("assign")}, t("bulk.assign"));
    const resolve = h("button", {type: "button", onclick: () => run("resolve")}, t("bulk.resolve"));
    const element = h("div", {class: "bulk-bar", role: "group", "aria-label": t("bulk.label"), hidden: true},
      counter, agent, assign, typification, resolve);

    api.get("/users").then((answer) => {
      agent.append(...answer.users.filter((u) => u.enabled).map((u) => h("option", {value: u.id}, u.name)));
    }).catch(() => {});
    api.get("/typifications").then((answer) => {
      typification.append(...answer.items.filter((x) => x.active !== false)
        .map((x) => h("option", {value: x.name}, x.name)));
    }).catch(() => {});

    async function run(action) {
      const ticketIds = [...selected];
      if (!ticketIds.length) return;
      if (action === "assign" && !agent.value) {
        ctx.toast(t("bulk.chooseAgent"), "error");
        agent.focus();
        return;
      }
      try {
        const answer = action === "assign"
          ? await api.post("/tickets/bulk_assign", {ticket_ids: ticketIds, agent: agent.value})
          : await api.post("/tickets/bulk_resolve", {ticket_ids: ticketIds, typification: typification.value});
        const done = answer.results.filter((r) => r.assigned || r.resolved).length;
        const failed = answer.results.filter((r) => !(r.assigned || r.resolved));
        ctx.toast(t(`bulk.${action}Done`, {done, total: ticketIds.length}), failed.length ? "error" : "info");
        for (const problem of failed) ctx.toast(`${problem.ticket_id}: ${problem.reason}`, "error");
        selected.clear();
        await reload();
      } catch (error) {
        ctx.toast(error.message, "error");
      }
    }

    return {
      element,
      refresh() {
        element.hidden = selected.size === 0;
        counter.textContent = t("bulk.selected", {count: selected.size});
      },
    };
  }

  // ---- live updates --------------------------------------------------------------------------------------

  const onChange = (event) => {
    if (event.detail.view === view || event.detail.view === "assigned") reload();
  };
  const onCounts = () => renderTabs();
  if (feed) {
    feed.addEventListener("change", onChange);
    feed.addEventListener("counts", onCounts);
    feed.watch(view);
  }

  renderTabs();
  reload();
  openPane();

  return {
    update(next) {
      const nextView = views.includes(next[0]) ? next[0] : "assigned";
      const nextId = next[1] || "";
      const viewChanged = nextView !== view;
      const paneChanged = nextId !== openId;
      view = nextView;
      openId = nextId;
      if (viewChanged) {
        selected.clear();
        if (feed) feed.watch(view);
        renderTabs();
        list.setAttribute("aria-busy", "true");
        reload();
        announce(t(`inbox.view.${view}`));
      } else {
        renderList();
      }
      if (paneChanged || viewChanged) openPane();
    },
    unmount() {
      if (pane) pane.unmount();
      if (feed) {
        feed.removeEventListener("change", onChange);
        feed.removeEventListener("counts", onCounts);
      }
    },
  };
}

function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}
