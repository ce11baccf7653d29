// The options page: the daemon's address (loopback only) and, per app with a
// desktop program, whether its links are routed out of the browser.

import { DEFAULT_DAEMON, checkDaemonUrl } from "./daemon.js";

const api = globalThis.browser ?? globalThis.chrome;

async function showStatus() {
  const status = await api.runtime.sendMessage({ type: "status" });
  const line = document.getElementById("status");
  if (status.down) line.textContent = `The daemon is not answering: ${status.down}`;
  else if (status.originsMissing) line.textContent = "This daemon does not list its sites (no /api/v1/origins); the extension sends it nothing.";
  else line.textContent = `Daemon ${status.daemon}: ${status.origins} site(s) known${status.errors ? `, ${status.errors} error(s) in the link files` : ""}. Native host: ${status.native ? "installed" : "not installed (`applinkd register --extension`), so nothing is routed"}.${status.rulesError ? ` The browser refused the new routing rules (${status.rulesError}); the ones before stay.` : ""}`;
  const apps = document.getElementById("apps");
  apps.replaceChildren();
  const disabled = new Set(status.disabledApps);
  const byApp = new Map();
  for (const entry of status.routed) {
    const known = byApp.get(entry.app);
    if (known) known.origins.push(entry.origin);
    else byApp.set(entry.app, { ...entry, origins: [entry.origin] });
  }
  for (const routed of byApp.values()) {
    const li = document.createElement("li");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.checked = !disabled.has(routed.app);
    box.dataset.app = routed.app;
    box.addEventListener("change", async () => {
      const { disabledApps = [] } = await api.storage.local.get("disabledApps");
      const set = new Set(disabledApps);
      if (box.checked) set.delete(routed.app);
      else set.add(routed.app);
      await api.storage.local.set({ disabledApps: [...set] });
      await api.runtime.sendMessage({ type: "settings-changed" });
    });
    const label = document.createElement("label");
    label.append(box, ` ${routed.app_name} (${routed.origins.join(", ")})`);
    li.append(label);
    apps.append(li);
  }
  const grant = document.getElementById("grant");
  const origins = status.routed.map((r) => `${r.origin}/*`);
  const has = origins.length === 0 || (await api.permissions.contains({ origins }));
  grant.hidden = has;
  grant.onclick = async () => {
    if (await api.permissions.request({ origins })) grant.hidden = true;
  };
}

async function main() {
  const { daemon } = await api.storage.local.get("daemon");
  const input = document.getElementById("daemon");
  input.value = daemon ?? DEFAULT_DAEMON;
  document.getElementById("form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const checked = checkDaemonUrl(input.value);
    const saved = document.getElementById("saved");
    if (!checked.ok) {
      saved.textContent = `Not saved: ${checked.why}.`;
      return;
    }
    input.value = checked.url;
    await api.storage.local.set({ daemon: checked.url });
    await api.runtime.sendMessage({ type: "settings-changed" });
    saved.textContent = "Saved.";
    await showStatus();
  });
  await showStatus();
}

main();
