// Which session this page continues: the one saved on this device, or the one a link in
// the address names; never a silent switch between them.

import { t } from "./i18n.js";
import { $ } from "./view.js";

// The session the address names: a resume or invitation link (#u=..&t=..), or a panel
// or signed link (?user_id=..&sig=..). Null when it names none.
function sessionFromAddress() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  if (fragment.get("u") && fragment.get("t")) {
    // The token came in the fragment, which is never sent to a server: keep it off the
    // address bar too.
    history.replaceState(null, "", location.pathname + location.search);
    return { userId: fragment.get("u"), token: fragment.get("t") };
  }
  const query = new URLSearchParams(location.search);
  if (!query.get("user_id")) return null;
  return { userId: query.get("user_id"), token: null, sig: query.get("sig") || null };
}

// `{session, conflict}`: the session to open now, or, when the address names another
// session than the one saved here, none yet and both to ask about.
export function startingSession(saved) {
  const offered = sessionFromAddress();
  const stored = saved.load();
  if (!offered) return { session: stored, conflict: null };
  if (!stored) {
    if (offered.token || offered.sig) saved.save(offered.userId, offered.token, offered.sig);
    return { session: offered, conflict: null };
  }
  if (stored.userId === offered.userId) {
    // The same session: whatever the link adds (a token, a signature) helps open it.
    const merged = { userId: stored.userId, token: offered.token || stored.token,
      sig: offered.sig || stored.sig || null };
    saved.save(merged.userId, merged.token, merged.sig);
    return { session: merged, conflict: null };
  }
  return { session: null, conflict: { saved: stored, offered } };
}

// The other sessions kept on this device, each a button that switches to it.
export function showOtherSessions(saved, session) {
  const others = saved.others().filter((s) => !session || s.userId !== session.userId);
  $("others").hidden = others.length === 0;
  const items = others.map((other, index) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = t("others.switch", { number: index + 1 });
    button.addEventListener("click", () => {
      saved.switchTo(other);
      location.reload();
    });
    const item = document.createElement("li");
    item.append(button);
    return item;
  });
  $("others-list").replaceChildren(...items);
}
