// The toolbar popup: the record of the active tab (kind, name, every link by app
// name, the current one marked); a click opens that app's record.

const api = globalThis.browser ?? globalThis.chrome;

// `?tab=ID` shows another tab (how tests open the popup in a tab of its own).
async function targetTab() {
  const asked = new URLSearchParams(location.search).get("tab");
  if (asked) return Number(asked);
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab?.id;
}

function say(text, cls = "") {
  const p = document.getElementById("state");
  p.textContent = text;
  p.className = cls;
  p.hidden = text === "";
}

function render(result, tabId) {
  const origin = (() => {
    try {
      return new URL(result.url).origin;
    } catch {
      return "this page";
    }
  })();
  switch (result.state) {
    case "down":
      return say(`The applinkd daemon is not answering (${result.message}). Start it with \`applinkd serve\`, or check its address in the options.`, "down");
    case "unknown-origin":
      return say(
        result.originsMissing
          ? "This applinkd daemon is too old to list the sites it knows (no /api/v1/origins); nothing is sent to it."
          : `No app of your link files is on ${origin}; this page was not sent to applinkd.`,
      );
    case "error":
      return say(`applinkd could not look this page up: ${result.message}`, "warn");
    case "not-a-record": {
      const match = result.answer?.matches?.[0];
      return say(match ? `An App URL of ${match.app_name ?? match.app} (id ${match.id}), but no record has it.` : "This page is not an App URL of any record.");
    }
  }
  const { record, matches } = result.answer;
  const current = new Set(matches.map((m) => `${m.app}\u0000${m.id}`));
  say(result.errors > 0 ? `The link files have ${result.errors} error(s); \`applinkd check\` says where.` : "", "warn");
  document.getElementById("kind").textContent = record.kind;
  document.getElementById("name").textContent = record.name;
  const list = document.getElementById("links");
  list.replaceChildren();
  for (const link of record.links) {
    const li = document.createElement("li");
    li.dataset.app = link.app;
    const isCurrent = current.has(`${link.app}\u0000${link.id}`);
    if (isCurrent) li.className = "current";
    const button = document.createElement("button");
    button.className = "link";
    button.textContent = link.app_name ?? link.app;
    button.title = link.url ?? `${link.app} ${link.id}`;
    button.addEventListener("click", async () => {
      const opened = await api.runtime.sendMessage({ type: "open-link", link, tabId });
      const p = document.getElementById("opened");
      p.hidden = false;
      p.textContent = opened?.via === "native" ? `Opened with ${opened.answer?.with ?? "the desktop app"}.` : "Opened in a new tab.";
    });
    li.append(button);
    if (isCurrent) {
      const mark = document.createElement("span");
      mark.className = "mark";
      mark.textContent = " (this page)";
      li.append(mark);
    }
    list.append(li);
  }
  document.getElementById("record").hidden = false;
}

async function main() {
  const tabId = await targetTab();
  if (tabId === undefined) return say("No tab.");
  const result = await api.runtime.sendMessage({ type: "tab-state", tabId });
  if (!result || result.error) return say(`applinkd: ${result?.error ?? "no answer from the extension"}`, "warn");
  render(result, tabId);
  document.body.dataset.state = result.state;
}

main();
