// The page's own words: one catalogue per language in /static/i18n/<tag>.json, all keyed
// alike (a test checks). Survey texts come from the server already in the session's
// language; these are only the buttons, statuses and notices around them.

// The catalogues that exist; a language without one shows the page's words in English.
export const CATALOGUES = ["en", "fr", "de", "es"];
const FALLBACK = "en";

const loaded = new Map();
let words = {};
let fallbackWords = {};

// The catalogue serving a language tag: the tag itself, else its primary subtag ("fr-CA" -> "fr").
export function catalogueFor(tag) {
  const lowered = String(tag || "").toLowerCase();
  if (CATALOGUES.includes(lowered)) return lowered;
  const primary = lowered.split("-")[0];
  return CATALOGUES.includes(primary) ? primary : FALLBACK;
}

async function fetchCatalogue(name) {
  if (loaded.has(name)) return loaded.get(name);
  const base = import.meta.url.replace(/js\/i18n\.js(\?.*)?$/, "i18n/");
  let catalogue = {};
  try {
    const response = await fetch(`${base}${name}.json`);
    if (response.ok) catalogue = await response.json();
  } catch {
    // Offline with nothing cached: the English words (or the keys) still let the page work.
  }
  loaded.set(name, catalogue);
  return catalogue;
}

// Loads the catalogues of the given languages (and English) once, so that switching
// language later is immediate, even offline.
export async function load(tags) {
  const names = new Set([FALLBACK, ...tags.map(catalogueFor)]);
  await Promise.all([...names].map(fetchCatalogue));
  fallbackWords = loaded.get(FALLBACK) || {};
}

// Makes `tag`'s catalogue the current one (it must have been loaded).
export function use(tag) {
  words = loaded.get(catalogueFor(tag)) || fallbackWords;
}

// The words for `key`, with `{name}` replaced by params.name.
export function t(key, params = {}) {
  const text = words[key] ?? fallbackWords[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// Fills every element marked data-i18n="key" under root with its words.
export function translate(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
}
