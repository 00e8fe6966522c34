/*
 * My account, for every role: who the user is and their two-step verification (GET /me's two_factor).
 * Turning it on takes two steps, as at sign-in: POST /me/two_factor answers a new key for an
 * authenticator app, and PUT /me/two_factor with a code from it turns it on. Turning it off takes a
 * current code (POST /me/two_factor/disable); a workspace that requires it keeps it on (an admin can
 * reset it for a lost phone). The key is shown as the QR code the API draws (an SVG data: URL, shown as
 * an image), as text to type and as an otpauth: link.
 */

import {announce, append, clear, h} from "../dom.js";
import {t} from "../i18n.js";

/** The 6-digit code field, as password managers and phones expect it (they may fill it in). */
export function codeInput(id, describedBy) {
  return h("input", {id, name: "code", type: "text", inputmode: "numeric", autocomplete: "one-time-code",
    pattern: "[0-9 ]*", maxlength: 7, required: true, spellcheck: "false", class: "code-input",
    "aria-describedby": describedBy});
}

/** A refused code: the field is marked, emptied and focused for the next one, and the button works again. */
export function codeRefused(code, submit) {
  code.setAttribute("aria-invalid", "true");
  code.value = "";
  code.focus();
  submit.disabled = false;
}

/** The QR code to scan, the key grouped in fours (easier to type) and the link. */
export function enrolmentDetails(secret, uri, qr, prefix) {
  const grouped = String(secret).replace(/(.{4})(?=.)/g, "$1 ");
  const secretId = `${prefix}-two-factor-secret`;
  const uriId = `${prefix}-two-factor-uri`;
  const select = (event) => event.target.select();
  // Only an image the API drew: a data: URL of an SVG, which an <img> never runs.
  const code = typeof qr === "string" && qr.startsWith("data:image/svg+xml") ? qr : "";
  return h("div", {class: "two-factor-setup stacked-form"},
    code ? h("img", {src: code, alt: t("twoFactor.qr"), class: "two-factor-qr", width: 212, height: 212}) : null,
    h("label", {for: secretId}, t("twoFactor.secret")),
    h("input", {id: secretId, type: "text", readonly: true, value: grouped, class: "two-factor-secret",
      spellcheck: "false", "aria-describedby": `${prefix}-two-factor-secret-hint`, onfocus: select}),
    h("p", {id: `${prefix}-two-factor-secret-hint`, class: "muted"}, t("twoFactor.secretHint")),
    h("label", {for: uriId}, t("twoFactor.uri")),
    h("input", {id: uriId, type: "text", readonly: true, value: uri, spellcheck: "false", onfocus: select}),
    // An otpauth: link opens the authenticator app on a phone; it comes from the API, never from a customer.
    h("p", {}, h("a", {href: uri, class: "two-factor-open"}, t("twoFactor.open"))));
}

export function mount(root, ctx) {
  const {api, toast, refreshMe} = ctx;
  let me = ctx.me;
  const section = h("section", {class: "card", "aria-labelledby": "account-two-factor-title"});
  const error = h("p", {id: "account-error", class: "form-error", role: "alert", hidden: true});

  function showError(problem) {
    error.textContent = problem.status ? problem.message : t("app.networkError");
    error.hidden = false;
  }

  async function reload(message) {
    try {
      me = await refreshMe();
    } catch {
      return; // a refused session has already gone back to the sign-in
    }
    render();
    if (message) {
      announce(message);
      toast(message);
    }
  }

  /** A code form: its field, the button, and what a right code does. */
  function codeForm(id, label, hint, send) {
    const code = codeInput(id, `${id}-hint account-error`);
    const submit = h("button", {type: "submit", class: "primary"}, label);
    const form = h("form", {class: "stacked-form", novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        await send(code.value);
      } catch (problem) {
        showError(problem);
        codeRefused(code, submit);
      }
    }},
    h("label", {for: id}, t("twoFactor.code")), code,
    h("p", {id: `${id}-hint`, class: "muted"}, hint),
    submit);
    return {form, code};
  }

  function startForm() {
    const start = h("button", {type: "button", class: "primary", onclick: async () => {
      error.hidden = true;
      start.disabled = true;
      try {
        const enrolment = await api.post("/me/two_factor");
        const {form} = codeForm("account-enrol-code", t("twoFactor.turnOn"), t("twoFactor.confirmHint"),
          async (value) => {
            await api.put("/me/two_factor", {code: value});
            await reload(t("twoFactor.turnedOn"));
          });
        start.replaceWith(h("div", {}, h("p", {}, t("twoFactor.setupIntro")),
          enrolmentDetails(enrolment.secret, enrolment.otpauth_uri, enrolment.qr, "account"), form));
        document.getElementById("account-two-factor-secret")?.focus();
      } catch (problem) {
        showError(problem);
        start.disabled = false;
      }
    }}, t("twoFactor.setUp"));
    return start;
  }

  function render() {
    const on = Boolean(me && me.two_factor);
    const required = Boolean(me && me.two_factor_required);
    let action;
    if (!on) {
      action = startForm();
    } else if (required) {
      action = h("p", {class: "muted"}, t("twoFactor.requiredKeep"));
    } else {
      action = codeForm("account-disable-code", t("twoFactor.turnOff"), t("twoFactor.disableHint"), async (value) => {
        await api.post("/me/two_factor/disable", {code: value});
        await reload(t("twoFactor.turnedOff"));
      }).form;
    }
    append(clear(section), [
      h("h2", {id: "account-two-factor-title"}, t("twoFactor.title")),
      h("p", {id: "account-two-factor-state", class: on ? "two-factor-on" : "two-factor-off"},
        on ? t("twoFactor.on") : t("twoFactor.off")),
      required && !on ? h("p", {}, t("twoFactor.requiredNext")) : null,
      h("p", {class: "muted"}, t("twoFactor.about")),
      error, action]);
  }

  const profile = me ? h("dl", {class: "settings-list"},
    h("dt", {}, t("account.name")), h("dd", {}, me.name),
    h("dt", {}, t("account.email")), h("dd", {}, me.email),
    h("dt", {}, t("account.role")), h("dd", {}, t(`role.${me.role}`))) : null;
  root.append(h("h1", {id: "account-title"}, t("account.title")), h("section", {class: "card"}, profile), section);
  render();
  if (!me) reload("");
  return {unmount() {}};
}
