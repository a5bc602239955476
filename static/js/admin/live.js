// The survey page, live: when the server says the figures changed, fetch the page's live
// parts again (rendered by the server, the one place they are drawn) and swap in those
// that differ. The stream's messages come after commits, so what shows is on disk.

const live = document.getElementById("live");
const status = document.getElementById("live-status");

function setStatus(state, text) {
  status.dataset.state = state;
  status.textContent = text;
}

function timeNow() {
  return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

// Where keyboard focus was, so it can be put back on the same control after a swap.
function focusKey() {
  const active = document.activeElement;
  if (!active || !live.contains(active)) return null;
  if (active.id) return `#${CSS.escape(active.id)}`;
  const href = active.getAttribute("href");
  return href ? `[href="${CSS.escape(href)}"]` : null;
}

function swap(fresh) {
  const key = focusKey();
  let changed = false;
  for (const part of fresh.querySelectorAll("section.part[id]")) {
    const current = document.getElementById(part.id);
    if (!current) continue;
    if (part.id === "sessions") {
      // Keep the filter form as the user left it (a choice not yet applied stays chosen).
      const table = current.querySelector(".table-scroll");
      const paging = current.querySelector(".paging");
      const newTable = part.querySelector(".table-scroll");
      const newPaging = part.querySelector(".paging");
      if (table.innerHTML !== newTable.innerHTML) { table.replaceWith(newTable); changed = true; }
      if (paging.innerHTML !== newPaging.innerHTML) { paging.replaceWith(newPaging); changed = true; }
      continue;
    }
    if (current.innerHTML !== part.innerHTML) {
      current.replaceWith(part);
      changed = true;
    }
  }
  if (key && !live.contains(document.activeElement)) {
    const again = live.querySelector(key);
    if (again) again.focus();
  }
  return changed;
}

let fetching = false;
let again = false;

async function refresh() {
  if (fetching) { again = true; return; }
  fetching = true;
  try {
    do {
      again = false;
      const response = await fetch(live.dataset.partsUrl + window.location.search, {
        credentials: "same-origin", headers: { Accept: "text/html" },
      });
      if (!response.ok) {
        setStatus("lost", response.status === 401 ? "Signed out: reload to sign in" : "Live updates paused");
        return;
      }
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      swap(fresh);
      live.dataset.updatedAt = String(Date.now());
      setStatus("live", `Live · updated ${timeNow()}`);
    } while (again);
  } catch {
    setStatus("lost", "Live updates paused: reconnecting…");
  } finally {
    fetching = false;
  }
}

function connect() {
  if (!("EventSource" in window)) return;
  const source = new EventSource(live.dataset.liveUrl);
  source.addEventListener("open", () => setStatus("live", "Live"));
  source.addEventListener("figures", () => { refresh(); });
  source.addEventListener("error", () => {
    // The browser reconnects by itself (the stream's `retry`) unless the server refused.
    if (source.readyState === EventSource.CLOSED) {
      setStatus("lost", "Live updates stopped: reload the page");
    } else {
      setStatus("lost", "Live updates paused: reconnecting…");
    }
  });
}

connect();
