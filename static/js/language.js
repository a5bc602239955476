// The session's language on the page: what the browser prefers (sent in hello), the best
// guess before the server's welcome, the language kept on this device, and the menu.

const storageKey = (surveyId) => `survey:${surveyId}:language`;
const MAX_PREFERENCES_LENGTH = 500; // the server refuses a hello.language past 512 characters

// The browser's preferred languages, in order, as hello.language wants them
// ("fr-FR,fr,en-US,en"); the server reads it like Accept-Language.
export function browserPreferences() {
  const list = navigator.languages && navigator.languages.length
    ? navigator.languages
    : [navigator.language || ""];
  let joined = "";
  for (const tag of list.filter(Boolean)) {
    const next = joined ? `${joined},${tag}` : tag;
    if (next.length > MAX_PREFERENCES_LENGTH) break; // whole tags only
    joined = next;
  }
  return joined;
}

// The first of the browser's languages the survey has (fr-CA matches fr), else the survey's
// first: the same rule the server applies at hello.
export function bestMatch(preferences, available) {
  const byTag = new Map(available.map((tag) => [tag.toLowerCase(), tag]));
  const byPrimary = new Map();
  for (const tag of available) {
    const primary = tag.split("-")[0].toLowerCase();
    if (!byPrimary.has(primary)) byPrimary.set(primary, tag);
  }
  for (const wanted of preferences.split(",").map((p) => p.trim().toLowerCase()).filter(Boolean)) {
    if (byTag.has(wanted)) return byTag.get(wanted);
    const primary = wanted.split("-")[0];
    if (byPrimary.has(primary)) return byPrimary.get(primary);
  }
  return available[0];
}

// The last session language seen on this device for this survey, so a reload (even offline)
// shows the page in it before the welcome confirms it.
export function savedLanguage(surveyId, available) {
  try {
    const saved = localStorage.getItem(storageKey(surveyId));
    return available.includes(saved) ? saved : null;
  } catch {
    return null;
  }
}

export function saveLanguage(surveyId, tag) {
  try {
    localStorage.setItem(storageKey(surveyId), tag);
  } catch {
    // Storage blocked: the welcome still says which language the session has.
  }
}

// A language's name in itself ("Français"), for the menu.
export function ownName(tag) {
  let name = tag;
  try {
    name = new Intl.DisplayNames([tag], { type: "language" }).of(tag) || tag;
  } catch {
    // An engine without Intl.DisplayNames: the tag is still a name people recognise.
  }
  return name.charAt(0).toLocaleUpperCase(tag) + name.slice(1);
}

// The <select> listing the survey's languages; shown only when there is a choice.
export class LanguageMenu {
  constructor(select, container, languages, onPick) {
    this.select = select;
    this.container = container;
    this.shown = languages.length > 1;
    for (const tag of languages) {
      const option = document.createElement("option");
      option.value = tag;
      option.lang = tag;
      option.textContent = ownName(tag);
      select.append(option);
    }
    select.addEventListener("change", () => onPick(select.value));
    this.show(this.shown);
  }

  set value(tag) {
    this.select.value = tag;
  }

  // Hidden where a switch cannot apply (a finished survey, a blocked screen).
  show(on) {
    this.container.hidden = !(on && this.shown);
  }
}
