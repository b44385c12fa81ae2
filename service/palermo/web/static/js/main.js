// The page: tabs (WAI-ARIA tabs pattern), the access token, and the four parts.

import { getToken, setToken } from "./api.js";
import { initClassify } from "./classify.js";
import { drawOverview } from "./overview.js";
import { initQuery } from "./query.js";
import { initValidate } from "./validate.js";

const tabs = [...document.querySelectorAll('[role="tab"]')];
let overviewDrawn = false;

function select(tab, { focus = true, updateHash = true } = {}) {
  for (const t of tabs) {
    const on = t === tab;
    t.setAttribute("aria-selected", String(on));
    t.tabIndex = on ? 0 : -1;
    document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
  }
  if (focus) tab.focus();
  const name = tab.id.replace(/^tab-/, "");
  if (updateHash) history.replaceState(null, "", `#${name}`);
  if (name === "overview" && !overviewDrawn) {
    overviewDrawn = true;
    drawOverview();
  }
}

function initTabs() {
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (event) => {
      const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      select(tabs[(moves[event.key] + tabs.length) % tabs.length]);
    });
  });
  const start = tabs.find((t) => `#${t.id.replace(/^tab-/, "")}` === location.hash);
  select(start || tabs[0], { focus: false, updateHash: Boolean(start) });
}

function showTokenStatus() {
  const status = document.getElementById("token-status");
  status.textContent = getToken()
    ? "A token is in use for this browser tab: you see what its scope allows."
    : "No token: you see what anyone may see (the ontology, the shapes and the public cases).";
  document.body.dataset.token = getToken() ? "yes" : "no";
}

function initToken() {
  const form = document.getElementById("token-form");
  const input = document.getElementById("token-input");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    setToken(input.value.trim());
    input.value = "";
  });
  document.getElementById("token-forget").addEventListener("click", () => {
    setToken("");
    input.value = "";
  });
  document.addEventListener("palermo:token", () => {
    showTokenStatus();
    overviewDrawn = false;
    if (!document.getElementById("panel-overview").hidden) {
      overviewDrawn = true;
      drawOverview();
    }
  });
  showTokenStatus();
}

document.getElementById("overview-refresh").addEventListener("click", () => {
  overviewDrawn = true;
  drawOverview();
});
initToken();
initTabs();
initQuery();
initClassify();
initValidate();
