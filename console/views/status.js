/*
 * The user's own status in the top bar: online, paused with one of the workspace's reasons
 * (GET /pause_reasons), or offline; PUT /me/status. One select, so it is one stop for the keyboard.
 */

import {announce, h} from "../dom.js";
import {t} from "../i18n.js";

export function statusControl({api, me, toast, onChange}) {
  const select = h("select", {id: "my-status", class: `status-select status--${me.status}`,
    "aria-label": t("status.label")});
  const wrapper = h("div", {class: "status-control"},
    h("span", {class: `status-dot status--${me.status}`, "aria-hidden": "true"}), select);
  let current = valueOf(me);
  let stopped = false;

  function valueOf(profile) {
    return profile.status === "paused" ? `paused:${profile.pause_reason}` : profile.status;
  }

  function fill(reasons) {
    const options = [h("option", {value: "online"}, t("status.online"))];
    for (const reason of reasons) {
      options.push(h("option", {value: `paused:${reason.label}`}, t("status.pausedWith", {reason: reason.label})));
    }
    if (current.startsWith("paused:") && !reasons.some((r) => `paused:${r.label}` === current)) {
      options.push(h("option", {value: current}, t("status.pausedWith", {reason: current.slice(7)})));
    }
    options.push(h("option", {value: "offline"}, t("status.offline")));
    select.replaceChildren(...options);
    select.value = current;
  }

  fill([]);
  api.get("/pause_reasons").then((answer) => {
    if (!stopped) fill(answer.items.filter((reason) => reason.active !== false));
  }).catch(() => {});

  select.addEventListener("change", async () => {
    const [status, ...reason] = select.value.split(":");
    select.disabled = true;
    try {
      const profile = await api.put("/me/status", {status, reason: reason.join(":")});
      current = valueOf(profile);
      select.value = current; // the reasons may have come meanwhile and redrawn the options
      wrapper.querySelector(".status-dot").className = `status-dot status--${profile.status}`;
      select.className = `status-select status--${profile.status}`;
      onChange(profile);
      announce(t("status.changed", {status: select.selectedOptions[0].textContent}));
    } catch (error) {
      select.value = current;
      toast(error.message, "error");
    } finally {
      select.disabled = false;
      select.focus(); // disabling it while saving took the focus away
    }
  });

  return {element: wrapper, stop() { stopped = true; }};
}
