// Where the routing rules send a top-level navigation to an App URL whose app
// has a desktop program: ask the background (and through it the native host) to
// route it; then go back, or close the tab if it was opened for the link. A URL
// that stays in the browser replaces this page (so Back goes where the person was);
// this page reached again through the history (Back, Forward) opens nothing by
// itself, and offers to open the app again.

import { isWebUrl } from "./daemon.js";

const api = globalThis.browser ?? globalThis.chrome;
const url = location.hash.slice(1);
const key = new URLSearchParams(location.search).get("key");
const state = document.getElementById("state");
const again = document.getElementById("again");

document.getElementById("anyway").addEventListener("click", async () => {
  const answer = await api.runtime.sendMessage({ type: "bypass", url });
  if (answer?.load) location.replace(answer.load);
});

again.addEventListener("click", () => {
  again.hidden = true;
  route({ again: true });
});

async function route(extra) {
  // A tab opened for the link has only this page in its history.
  const fresh = history.length <= 1;
  const answer = await api.runtime.sendMessage({ type: "route", url, key, ...extra });
  if (answer?.routed) {
    state.textContent = `Opened in ${answer.app}${answer.with ? ` (${answer.with})` : ""}.`;
    document.body.dataset.routed = "yes";
    if (fresh) {
      const tab = await api.tabs.getCurrent();
      if (tab) api.tabs.remove(tab.id);
    } else {
      history.back();
    }
  } else if (answer?.offer) {
    state.textContent = `This link opens in ${answer.offer}.`;
    again.textContent = `Open in ${answer.offer}`;
    again.hidden = false;
  } else if (answer?.load && isWebUrl(answer.load)) {
    location.replace(answer.load);
  } else if (answer?.error) {
    state.textContent = `Could not open it in the app: ${answer.error}`;
  }
}

function main() {
  if (!isWebUrl(url)) {
    state.textContent = "Nothing to open.";
    return;
  }
  const navigation = performance.getEntriesByType("navigation")[0];
  route({ history: navigation?.type === "back_forward" });
}

main();

// Back or Forward onto this page kept in the browser's page cache runs nothing again:
// it is offered, as any return through the history.
addEventListener("pageshow", (event) => {
  if (event.persisted && isWebUrl(url)) route({ history: true });
});
