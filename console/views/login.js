/*
 * Sign-in with email and password (POST /login). console_api has no second factor yet, so there is no
 * second step here; the API answers a locked account (5 failed attempts) with its own message.
 */

import {h} from "../dom.js";
import {t} from "../i18n.js";

export function mount(root, {api, signedIn}) {
  const error = h("p", {id: "login-error", class: "form-error", role: "alert", hidden: true});
  const email = h("input", {id: "login-email", name: "email", type: "email", autocomplete: "username", required: true,
    "aria-describedby": "login-error"});
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
      await signedIn(answer);
    } catch (problem) {
      error.textContent = problem.status === 401 || problem.status === 403 || problem.status === 400
        ? `${t("login.failed")} ${problem.message}` : t("app.networkError");
      error.hidden = false;
      email.setAttribute("aria-invalid", "true");
      password.value = "";
      password.focus();
      submit.disabled = false;
      submit.textContent = t("login.submit");
    }
  }

  const form = h("form", {class: "login-card", "aria-labelledby": "login-title", novalidate: true, onsubmit: onSubmit},
    h("h1", {id: "login-title"}, t("login.title")),
    h("p", {class: "muted"}, t("login.intro")),
    h("label", {for: "login-email"}, t("login.email")), email,
    h("label", {for: "login-password"}, t("login.password")), password,
    error, submit);
  root.append(form);
  email.focus();
  return {unmount() {}};
}
