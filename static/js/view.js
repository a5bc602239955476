// Drawing the screens. Every prompt, label and answer is inserted as text, never as HTML.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text !== null) node.textContent = text;
  return node;
}

function choice(type, name, value, label, index, checked) {
  const id = `${name}-${index}`;
  const wrapper = element("div", { class: "choice" });
  const input = element("input", { type, name, id, value: String(index) });
  input.checked = checked;
  const labelNode = element("label", { for: id });
  if (index < 9) labelNode.append(element("span", { class: "key", "aria-hidden": "true" }, String(index + 1)));
  labelNode.append(document.createTextNode(label));
  wrapper.append(input, labelNode);
  return { wrapper, input, value };
}

function group(step, entries, type, selected) {
  const fieldset = element("fieldset", { "aria-labelledby": "prompt", class: `choices ${step.type}` });
  const inputs = entries.map(([value, label], index) => {
    const made = choice(type, "answer", value, label, index, selected(value));
    fieldset.append(made.wrapper);
    return made;
  });
  return { node: fieldset, inputs };
}

// Builds the answer control for a step; returns the node and a function reading the value.
export function answerControl(step, value) {
  const kind = step.type;
  if (kind === "single_choice" || kind === "multi_choice") {
    const options = step.options.map((o) => [o.value, o.label]);
    const multi = kind === "multi_choice";
    const picked = (v) => (multi ? Array.isArray(value) && value.includes(v) : value === v);
    const { node, inputs } = group(step, options, multi ? "checkbox" : "radio", picked);
    const read = () => {
      const chosen = inputs.filter((i) => i.input.checked).map((i) => i.value);
      if (multi) return chosen.length || step.required ? chosen : null;
      return chosen.length ? chosen[0] : null;
    };
    return { node, read, inputs };
  }
  if (kind === "yes_no" || kind === "scale") {
    const entries = kind === "yes_no"
      ? [[true, t("answer.yes")], [false, t("answer.no")]]
      : Array.from({ length: step.max - step.min + 1 }, (_, i) => [step.min + i, String(step.min + i)]);
    const { node, inputs } = group(step, entries, "radio", (v) => value === v);
    const read = () => {
      const chosen = inputs.find((i) => i.input.checked);
      return chosen ? chosen.value : null;
    };
    return { node, read, inputs };
  }
  if (kind === "text") {
    const wrapper = element("div", { class: "field" });
    const label = element("label", { for: "answer-text" }, t("answer.label"));
    const area = element("textarea", { id: "answer-text", rows: "5", maxlength: String(step.max_length), "aria-describedby": "error" });
    area.value = typeof value === "string" ? value : "";
    wrapper.append(label, area);
    const read = () => (area.value === "" && !step.required ? null : area.value);
    return { node: wrapper, read, inputs: [], textArea: area };
  }
  if (kind === "number") {
    const wrapper = element("div", { class: "field" });
    const text = step.min !== null && step.max !== null
      ? t("answer.label_range", { min: step.min, max: step.max })
      : t("answer.label");
    const label = element("label", { for: "answer-number" }, text);
    const input = element("input", {
      id: "answer-number", type: "number", inputmode: step.integer ? "numeric" : "decimal",
      step: step.integer ? "1" : "any", "aria-describedby": "error",
    });
    if (step.min !== null) input.min = String(step.min);
    if (step.max !== null) input.max = String(step.max);
    if (typeof value === "number") input.value = String(value);
    wrapper.append(label, input);
    const read = () => {
      if (input.value.trim() === "") return null;
      const number = Number(input.value);
      return Number.isFinite(number) ? number : input.value;
    };
    return { node: wrapper, read, inputs: [] };
  }
  return { node: element("div"), read: () => null, inputs: [] }; // info
}

export function showOnly(id) {
  for (const section of ["step-form", "end-screen", "blocked", "which-session"]) {
    $(section).hidden = section !== id;
  }
}

export function showProgress(progress) {
  const row = $("progress-row");
  if (!progress) {
    row.hidden = true;
    return "";
  }
  row.hidden = false;
  $("progress").value = progress.percent;
  const text = t("progress", { position: progress.position, total: progress.estimated_total });
  $("progress-label").textContent = text;
  return text;
}

export function showError(text) {
  const node = $("error");
  node.textContent = text || "";
  node.hidden = !text;
  for (const input of document.querySelectorAll("#answer-area input, #answer-area textarea")) {
    if (text) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }
}

export function showNotice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
}

export function announce(text) {
  // Cleared first so the same words are announced again.
  const node = $("announcer");
  node.textContent = "";
  setTimeout(() => { node.textContent = text; }, 50);
}

const STATUS_WORDS = {
  connecting: "status.connecting",
  saved: "status.saved",
  saving: "status.saving",
  offline: "status.offline",
  stopped: "status.stopped",
};

export function showStatus(state) {
  const node = $("save-status");
  node.dataset.state = state;
  node.textContent = t(STATUS_WORDS[state]);
}

export function showBlocked(title, text, actionLabel, action) {
  showOnly("blocked");
  $("progress-row").hidden = true;
  $("blocked-title").textContent = title;
  $("blocked-text").textContent = text;
  // No button where acting cannot help (an invitation refused, a closed survey).
  const button = $("blocked-action");
  button.hidden = !actionLabel;
  button.textContent = actionLabel || "";
  button.onclick = action || null;
  $("blocked-title").focus();
}

export { $ };
