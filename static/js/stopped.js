// What the page shows when the server stops it for good (a close code the page does not
// retry): in plain words, with an action only where one can help.

import { t } from "./i18n.js";
import { CLOSE } from "./link.js";
import * as view from "./view.js";

// Why the server closed with 4410, from the error just before the close: catalogue keys.
const GONE_WORDS = {
  survey_closed: ["blocked.gone.survey_closed.title", null],
  session_expired: ["blocked.gone.session_expired.title", "blocked.gone.session_expired.text"],
  session_erased: ["blocked.gone.session_erased.title", "blocked.gone.session_erased.text"],
};

// `lastError`: the server's error just before the close; `panelLink`: the page holds a panel
// link's id without its token; `openAccess`: anyone may start the survey.
export function showStopped(code, { lastError, panelLink, openAccess, continueHere, startAgain }) {
  if (code === CLOSE.SUPERSEDED) {
    view.showBlocked(
      t("blocked.superseded.title"),
      t("blocked.superseded.text"),
      t("blocked.superseded.action"),
      continueHere,
    );
  } else if (code === CLOSE.NOT_INVITED) {
    // Starting again cannot help: the survey is open only to the links it sent out.
    view.showBlocked(
      t("blocked.not_invited.title"),
      t("blocked.not_invited.text"),
      null, null,
    );
  } else if (code === CLOSE.GONE) {
    const reason = lastError ? lastError.code : "";
    const [title, text] = GONE_WORDS[reason] || ["blocked.gone.title", null];
    const canStartAgain = openAccess && reason !== "survey_closed";
    view.showBlocked(
      t(title),
      text ? t(text) : (lastError && lastError.message) || "",
      canStartAgain ? t("actions.start_again") : null,
      canStartAgain ? startAgain : null,
    );
  } else if (code === CLOSE.AUTH_FAILED && panelLink) {
    // A panel link (?user_id=) opened first on another device: starting again here would
    // give the answers a random id and lose the panel's, so send the person back there.
    view.showBlocked(
      t("blocked.link_elsewhere.title"),
      t("blocked.link_elsewhere.text"),
      null, null,
    );
  } else if (code === CLOSE.AUTH_FAILED) {
    view.showBlocked(
      t("blocked.auth.title"),
      t("blocked.auth.text"),
      t("actions.start_again"),
      startAgain,
    );
  } else if (code !== CLOSE.NORMAL) {
    const text = code === CLOSE.UNKNOWN_SURVEY
      ? t("blocked.error.unknown_survey")
      : t("blocked.error.text", { code });
    view.showBlocked(t("blocked.error.title"), text, t("blocked.error.action"), () => location.reload());
  }
}
