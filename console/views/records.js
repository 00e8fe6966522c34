/*
 * A table of records with New, Edit and (where the API allows) Delete, each through a dialog form built
 * from field descriptions. Used by the admin screens for users, queues and the workspace's catalogs.
 * An edit sends only the fields that changed (the API treats some, like a user's email, specially).
 */

import {announce, h} from "../dom.js";
import {t} from "../i18n.js";
import {openDialog} from "./dialog.js";

/**
 * @param {HTMLElement} root
 * @param {{title: string, noun: string, toast: Function,
 *          load: () => Promise<object[]>, key: (item) => string,
 *          columns: {label: string, value: (item) => string}[],
 *          fields: {name: string, label: string, type?: string, options?: string[], required?: boolean,
 *                   createOnly?: boolean, hint?: string, max?: number}[],
 *          create: (body) => Promise, edit: (item, changes) => Promise, remove?: (item) => Promise,
 *          check?: (body, item) => string,
 *          actions?: {label: string, labelOf: (item) => string, shows: (item) => boolean, title: (item) => string,
 *                     warning: string, run: (item) => Promise, done: string}[]}} spec
 *   actions: more row buttons (e.g. reset a user's second sign-in step), each confirmed in a dialog
 */
export function recordsTable(root, spec) {
  const body = h("tbody");
  const status = h("p", {class: "muted", role: "status"});
  const newButton = h("button", {type: "button", class: "primary", onclick: (event) => openForm(null, event.currentTarget)},
    t("records.new", {noun: spec.noun}));
  root.append(
    h("div", {class: "page-head"}, h("h2", {id: "records-title"}, spec.title), newButton),
    status,
    h("div", {class: "table-scroll"}, h("table", {class: "data-table", "aria-labelledby": "records-title"},
      h("thead", {}, h("tr", {}, [...spec.columns.map((c) => h("th", {scope: "col"}, c.label)),
        h("th", {scope: "col"}, t("records.actions"))])),
      body)));

  async function refresh() {
    try {
      const items = await spec.load();
      status.textContent = t("records.count", {count: items.length});
      body.replaceChildren(...items.map((item) => h("tr", {dataset: {key: spec.key(item)}},
        spec.columns.map((column, index) => (index === 0
          ? h("th", {scope: "row"}, column.value(item))
          : h("td", {}, column.value(item)))),
        h("td", {class: "row-actions"},
          h("button", {type: "button", class: "small", "aria-label": t("records.editOf", {name: spec.key(item)}),
            onclick: (event) => openForm(item, event.currentTarget)}, t("records.edit")),
          spec.remove ? [" ", h("button", {type: "button", class: "small danger",
            "aria-label": t("records.deleteOf", {name: spec.key(item)}),
            onclick: (event) => confirmRemove(item, event.currentTarget)}, t("records.delete"))] : null,
          (spec.actions || []).filter((action) => action.shows(item)).map((action) => [" ",
            h("button", {type: "button", class: "small", "aria-label": action.labelOf(item),
              onclick: (event) => confirmAction(action, item, event.currentTarget)}, action.label)])))));
    } catch (error) {
      status.textContent = error.message;
    }
  }

  function input(field, item) {
    const id = `field-${field.name}`;
    const current = item ? item[field.name] : undefined;
    let control;
    if (field.type === "checkbox") {
      control = h("input", {id, type: "checkbox", checked: item ? Boolean(current) : field.default !== false});
      return {control, node: h("div", {class: "checkbox-field"}, control, h("label", {for: id}, field.label))};
    }
    if (field.type === "select") {
      control = h("select", {id}, field.options.map((option) => h("option", {value: option,
        selected: current === option}, field.optionLabel ? field.optionLabel(option) : option)));
    } else if (field.type === "textarea" || field.type === "json") {
      const text = field.type === "json" ? (current ? JSON.stringify(current, null, 2) : "") : current || "";
      control = h("textarea", {id, rows: field.type === "json" ? 5 : 4, value: text});
    } else {
      const value = Array.isArray(current) ? current.join(", ") : current ?? "";
      control = h("input", {id, type: field.type === "number" ? "number" : field.type === "password" ? "password"
        : "text", value: String(value), min: field.type === "number" ? field.min ?? 0 : false,
      autocomplete: field.type === "password" ? "new-password" : "off"});
    }
    if (item && field.createOnly) control.disabled = true;
    if (field.required && !(item && field.createOnly)) control.required = true;
    const hint = field.hint ? h("p", {class: "muted", id: `${id}-hint`}, field.hint) : null;
    if (hint) control.setAttribute("aria-describedby", `${id}-hint`);
    return {control, node: [h("label", {for: id}, field.label), control, hint]};
  }

  function valueOf(field, control) {
    if (field.type === "checkbox") return control.checked;
    if (field.type === "number") return control.value === "" ? undefined : Number(control.value);
    if (field.type === "list") return control.value.split(",").map((v) => v.trim()).filter(Boolean);
    if (field.type === "json") {
      if (!control.value.trim()) return undefined;
      try {
        return JSON.parse(control.value);
      } catch {
        throw new Error(t("records.badJson", {field: field.label}));
      }
    }
    return control.value.trim();
  }

  function openForm(item, opener) {
    const controls = spec.fields.map((field) => ({field, ...input(field, item)}));
    openDialog({
      title: item ? t("records.editing", {name: spec.key(item)}) : t("records.new", {noun: spec.noun}),
      opener, submitLabel: t("app.save"),
      fields: controls.map((c) => c.node),
      submit: async () => {
        const values = {};
        for (const {field, control} of controls) {
          if (item && field.createOnly) continue;
          const value = valueOf(field, control);
          if (value === undefined || (value === "" && (field.type === "password" || !item))) continue;
          if (field.required && !item && (value === "" || (Array.isArray(value) && !value.length))) {
            throw new Error(t("records.required", {field: field.label}));
          }
          if (item && JSON.stringify(value) === JSON.stringify(normalised(item[field.name], field))) continue;
          values[field.name] = value;
        }
        const problem = spec.check ? spec.check(values, item) : "";
        if (problem) throw new Error(problem);
        if (item) await spec.edit(item, values);
        else await spec.create(values);
        spec.toast(t("records.saved"));
        announce(t("records.saved"));
        await refresh();
      },
    });
  }

  function confirmRemove(item, opener) {
    openDialog({
      title: t("records.deleting", {name: spec.key(item)}), opener, submitLabel: t("records.delete"),
      fields: [h("p", {}, t("records.deleteWarning"))],
      submit: async () => {
        await spec.remove(item);
        spec.toast(t("records.deleted"));
        await refresh();
        root.querySelector(".page-head button")?.focus();
      },
    });
  }

  function confirmAction(action, item, opener) {
    openDialog({
      title: action.title(item), opener, submitLabel: action.label,
      fields: [h("p", {}, action.warning)],
      submit: async () => {
        await action.run(item);
        spec.toast(action.done);
        await refresh();
        root.querySelector(".page-head button")?.focus();
      },
    });
  }

  refresh();
  return {refresh};
}

function normalised(value, field) {
  if (field.type === "list") return Array.isArray(value) ? value : [];
  if (field.type === "checkbox") return Boolean(value);
  return value ?? "";
}
