/*
 * Reports over a date range (GET /reports, GET /reports/{name}?from&to): the workspace's counters
 * (GET /dashboard), then each report as a bar chart, its rows in a table and a CSV download. The range
 * is whole days of the browser's calendar: from the first day's midnight to the midnight after the last.
 */

import {barChart} from "../charts.js";
import {announce, formatSeconds, h} from "../dom.js";
import {getLanguage, locale, stringKeys, t} from "../i18n.js";

const DEFAULT_DAYS = 7;
const sum = (column) => (rows) => rows.reduce((total, row) => total + (Number(row[column]) || 0), 0);
const count = (rows) => rows.length;
// Per report: what a bar stands for (the label of a row) and which figures are drawn.
const CHARTS = {
  new_chats: {label: (r) => r.day, series: [["chats", sum("chats")]]},
  resolved_chats: {label: (r) => r.day, series: [["chats", sum("chats")]]},
  agents: {label: (r) => r.agent_id, series: [["incoming", sum("incoming")], ["resolved", sum("resolved")]]},
  channels: {label: (r) => r.channel, series: [["sessions", sum("sessions")], ["with_agent", sum("with_agent")]]},
  funnel: {label: (r) => r.stage, series: [["sessions", sum("sessions")]]},
  menu_options: {label: (r) => `${r.menu}: ${r.option_title}`, series: [["chosen", sum("chosen")]]},
  intents: {label: (r) => r.intent, series: [["matched", sum("matched")], ["not_understood", sum("not_understood")]]},
  campaigns: {label: (r) => [r.campaign, r.subcampaign].filter(Boolean).join(" / "),
    series: [["sessions", sum("sessions")], ["handed_over", sum("handed_over")]]},
  pauses: {label: (r) => `${r.agent_id} · ${r.reason}`, series: [["duration_s", sum("duration_s")]],
    format: formatSeconds},
  pending_chats: {label: (r) => r.queue, series: [["chats", count]]},
  follow_up_chats: {label: (r) => r.queue, series: [["chats", count]]},
  open_chats: {label: (r) => r.queue, series: [["chats", count]]},
};

export function mount(root, ctx) {
  const {api, toast} = ctx;
  let catalogue = [];
  let serial = 0;
  const today = new Date();
  const first = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (DEFAULT_DAYS - 1));
  const from = h("input", {id: "report-from", type: "date", value: isoDay(first), required: true});
  const to = h("input", {id: "report-to", type: "date", value: isoDay(today), required: true});
  const counters = h("dl", {class: "counters", "aria-label": t("reports.counters")});
  const sections = h("div", {class: "report-list", "aria-live": "polite", "aria-busy": "true"});
  const form = h("form", {class: "range-form", "aria-label": t("reports.range"), onsubmit: (event) => {
    event.preventDefault();
    show();
  }},
  h("label", {for: "report-from"}, t("reports.from")), from,
  h("label", {for: "report-to"}, t("reports.to")), to,
  h("button", {type: "submit", class: "primary"}, t("reports.show")));
  root.append(h("div", {class: "page-head"}, h("h1", {}, t("reports.title")), form), counters, sections);

  function range() {
    const [y1, m1, d1] = from.value.split("-").map(Number);
    const [y2, m2, d2] = to.value.split("-").map(Number);
    return {from: new Date(y1, m1 - 1, d1).toISOString(), to: new Date(y2, m2 - 1, d2 + 1).toISOString()};
  }

  async function showCounters() {
    try {
      const board = await api.get("/dashboard");
      const shown = [
        ["reports.messagesThisMonth", board.messages_this_month],
        ["reports.messagesLeft", board.messages_left === null ? t("reports.unlimited") : board.messages_left],
        ["reports.uniqueContacts", board.unique_contacts_this_month],
        ["reports.newContactsToday", board.new_contacts_today],
      ];
      counters.replaceChildren(...shown.map(([key, value]) => h("div", {class: "counter"},
        h("dt", {}, t(key)), h("dd", {}, String(value)))));
    } catch (error) {
      if (error.status !== 401) toast(error.message, "error");
    }
  }

  async function show() {
    if (!from.value || !to.value || from.value > to.value) {
      toast(t("reports.badRange"), "error");
      return;
    }
    const mine = ++serial;
    const period = range();
    sections.setAttribute("aria-busy", "true");
    if (!catalogue.length) catalogue = (await api.get("/reports")).reports;
    const results = await Promise.all(catalogue.map((report) =>
      api.get(`/reports/${report.name}`, period).catch((error) => ({error}))));
    if (mine !== serial) return;
    sections.replaceChildren(...catalogue.map((report, index) => reportSection(report, results[index], period)));
    sections.setAttribute("aria-busy", "false");
    announce(t("reports.ready"));
  }

  function reportSection(report, answer, period) {
    const title = known(`report.${report.name}`) ? t(`report.${report.name}`) : report.name;
    const download = h("button", {type: "button", class: "small", "aria-label": t("reports.csvOf", {title}),
      onclick: () => api.download(`/reports/${report.name}`, {...period, format: "csv"},
        `${report.name}_${from.value}_${to.value}.csv`).catch((error) => toast(error.message, "error"))},
    t("reports.csv"));
    const section = h("section", {class: "report card", id: `report-${report.name}`,
      "aria-labelledby": `report-${report.name}-title`},
    h("header", {class: "report-head"}, h("h2", {id: `report-${report.name}-title`}, title), download),
    h("p", {class: "muted"}, describe(report)));
    if (answer.error) {
      section.append(h("p", {class: "form-error"}, answer.error.message));
      return section;
    }
    if (!answer.rows.length) {
      section.append(h("p", {class: "muted empty"}, t("reports.noRows")));
      return section;
    }
    const chart = CHARTS[report.name];
    if (chart) section.append(chartOf(title, chart, answer.rows));
    section.append(h("details", {class: "report-data"}, h("summary", {}, t("reports.data", {count: answer.rows.length})),
      table(answer.columns, answer.rows)));
    return section;
  }

  showCounters();
  show().catch((error) => toast(error.message, "error"));
  return {unmount() { serial += 1; }};
}

/** The report's description in the console's language when there is one; else the API's (English). */
function describe(report) {
  const key = `reportDescription.${report.name}`;
  return known(key) ? t(key) : report.description;
}

// A report the console does not know yet (added to the API later) shows the API's words, not a warning.
function known(key) {
  return stringKeys()[getLanguage()].includes(key);
}

function chartOf(title, chart, rows) {
  const groups = new Map();
  for (const row of rows) {
    const label = String(chart.label(row) ?? "—");
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(row);
  }
  const labels = [...groups.keys()];
  return barChart({
    title, labels, format: chart.format,
    series: chart.series.map(([name, reduce]) => ({name: t(`column.${name}`), values: labels.map((l) => reduce(groups.get(l)))})),
  });
}

function table(columns, rows) {
  return h("div", {class: "table-scroll"}, h("table", {class: "data-table"},
    h("thead", {}, h("tr", {}, columns.map((column) => h("th", {scope: "col"}, column)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((column) => h("td", {}, cell(row[column]))))))));
}

function cell(value) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return value.toLocaleString(locale(), {maximumFractionDigits: 2});
  return String(value);
}

function isoDay(date) {
  const two = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}`;
}
