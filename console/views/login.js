/*
 * Sign-in with email and password (POST /login), then, when the user has two-step verification on or
 * their workspace requires it, a second step (POST /login/second_step): the code of an authenticator
 * app, or first setting one up with the key the API answered. No session exists before the code is
 * right. Repeated failures (passwords and codes alike) are answered 429 for a while, with a message saying
 * how long to wait: shown as it is, like any other refusal.
 */

import {h} from "../dom.js";
import {t} from "../i18n.js";
import {codeInput, codeRefused, enrolmentDetails} from "./account.js";

export function mount(root, {api, signedIn}) {
  const error = h("p", {id: "login-error", class: "form-error", role: "alert", hidden: true});

  function showError(problem) {
    error.textContent = [400, 401, 403, 429].includes(problem.status)
      ? `${t("login.failed")} ${problem.message}` : t("app.networkError");
    error.hidden = false;
  }

  function passwordForm() {
    const email = h("input", {id: "login-email", name: "email", type: "email", autocomplete: "username",
      required: true, "aria-describedby": "login-error"});
    const password = h("input", {id: "login-password", name: "password", type: "password",
      autocomplete: "current-password", required: true, "aria-describedby": "login-error"});
    const submit = h("button", {type: "submit", class: "primary"}, t("login.submit"));

    async function onSubmit(event) {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      submit.textContent = t("login.signingIn");
      try {
        const answer = await api.post("/login", {email: email.value.trim(), password: password.value});
        if (answer.second_step) {
          show(secondStepForm(answer));
          return;
        }
        await signedIn(answer);
      } catch (problem) {
        showError(problem);
        email.setAttribute("aria-invalid", "true");
        password.value = "";
        password.focus();
        submit.disabled = false;
        submit.textContent = t("login.submit");
      }
    }

    const form = h("form", {class: "login-card", "aria-labelledby": "login-title", novalidate: true,
      onsubmit: onSubmit},
    h("h1", {id: "login-title"}, t("login.title")),
    h("p", {class: "muted"}, t("login.intro")),
    h("label", {for: "login-email"}, t("login.email")), email,
    h("label", {for: "login-password"}, t("login.password")), password,
    error, submit);
    return {form, focus: email};
  }

  /** The code of the user's authenticator app; for "enrol", after the key to add to it. */
  function secondStepForm(step) {
    const enrol = step.second_step === "enrol";
    const code = codeInput("login-code", "login-code-hint login-error");
    const submit = h("button", {type: "submit", class: "primary"}, enrol ? t("login.enrol.submit") : t("login.verify"));
    const restart = h("button", {type: "button", class: "secondary", onclick: () => show(passwordForm())},
      t("login.startOver"));

    async function onSubmit(event) {
      event.preventDefault();
      error.hidden = true;
      submit.disabled = true;
      try {
        await signedIn(await api.post("/login/second_step", {challenge: step.challenge, code: code.value}));
      } catch (problem) {
        showError(problem);
        codeRefused(code, submit);
      }
    }

    const form = h("form", {class: "login-card", "aria-labelledby": "login-title", novalidate: true,
      onsubmit: onSubmit},
    h("h1", {id: "login-title"}, enrol ? t("login.enrol.title") : t("login.code.title")),
    enrol ? [h("p", {class: "muted"}, t("login.enrol.intro")), enrolmentDetails(step.secret, step.otpauth_uri, step.qr, "login")]
      : null,
    h("label", {for: "login-code"}, t("login.code")), code,
    h("p", {id: "login-code-hint", class: "muted"}, enrol ? t("login.enrol.codeHint") : t("login.code.hint")),
    error, h("div", {class: "form-actions"}, submit, restart));
    return {form, focus: code};
  }

  function show({form, focus}) {
    error.hidden = true;
    root.replaceChildren(form);
    focus.focus();
  }

  show(passwordForm());
  return {unmount() {}};
}
