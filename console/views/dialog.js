/*
 * A modal form in a native <dialog>: the browser keeps focus inside it and closes it with Escape; the
 * first field gets the focus and the button that opened it gets it back afterwards. A failed submit
 * keeps the dialog open and says why.
 */

import {h} from "../dom.js";
import {t} from "../i18n.js";

let serial = 0;

/**
 * @param {{title: string, fields: Node[], submitLabel: string, submit: () => Promise<void>,
 *          opener?: HTMLElement}} options
 */
export function openDialog({title, fields, submitLabel, submit, opener}) {
  const id = `dialog-${++serial}`;
  const error = h("p", {class: "form-error", role: "alert", hidden: true});
  const confirm = h("button", {type: "submit", class: "primary"}, submitLabel);
  const cancel = h("button", {type: "button", onclick: () => dialog.close()}, t("app.cancel"));
  const form = h("form", {class: "dialog-form", onsubmit: async (event) => {
    event.preventDefault();
    error.hidden = true;
    confirm.disabled = true;
    try {
      await submit();
      dialog.close();
    } catch (problem) {
      error.textContent = problem.message;
      error.hidden = false;
      confirm.disabled = false;
    }
  }},
  h("h2", {id: `${id}-title`}, title), ...fields, error, h("div", {class: "dialog-actions"}, cancel, confirm));
  const dialog = h("dialog", {class: "dialog", "aria-labelledby": `${id}-title`}, form);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  const first = form.querySelector("input, select, textarea");
  if (first) first.focus();
  return dialog;
}
