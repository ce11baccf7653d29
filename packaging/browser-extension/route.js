// Where the routing rules send a top-level navigation to an App URL whose app
// has a desktop program: ask the background (and through it the native host) to
// route it; then go back, or close the tab if it was opened for the link.

const api = globalThis.browser ?? globalThis.chrome;
const url = location.hash.slice(1);
const state = document.getElementById("state");

document.getElementById("anyway").addEventListener("click", () => {
  api.runtime.sendMessage({ type: "bypass", url });
});

async function main() {
  if (!/^https?:\/\//i.test(url)) {
    state.textContent = "Nothing to open.";
    return;
  }
  // A tab opened for the link has only this page in its history.
  const fresh = history.length <= 1;
  const key = new URLSearchParams(location.search).get("key");
  const answer = await api.runtime.sendMessage({ type: "route", url, key });
  if (answer?.routed) {
    state.textContent = `Opened in ${answer.app}${answer.with ? ` (${answer.with})` : ""}.`;
    document.body.dataset.routed = "yes";
    if (fresh) {
      const tab = await api.tabs.getCurrent();
      if (tab) api.tabs.remove(tab.id);
    } else {
      history.back();
    }
  } else if (answer?.error) {
    state.textContent = `Could not open it in the app: ${answer.error}`;
  }
  // Otherwise the background lets the tab load the page (bypass).
}

main();
