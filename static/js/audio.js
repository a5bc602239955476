// Audio mode: the browser reads the question aloud and, where it can, listens for the
// answer, both in the session's language. Browsers without speech recognition still read aloud.

import { t } from "./i18n.js";

const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition || null;

export function spokenText(step) {
  const parts = [step.prompt];
  if (step.type === "single_choice" || step.type === "multi_choice") {
    parts.push(...step.options.map((o, i) => t("speech.option", { number: i + 1, label: o.label })));
    if (step.type === "multi_choice") parts.push(t("speech.multi"));
  } else if (step.type === "scale") {
    parts.push(t("speech.scale", { min: step.min, max: step.max }));
  } else if (step.type === "yes_no") {
    parts.push(t("speech.yes_no"));
  } else if (step.type === "number") {
    parts.push(t("speech.number"));
  }
  return parts.join(" ");
}

export class Voice {
  constructor({ onHeard, onBlocked }) {
    this.onHeard = onHeard;
    this.onBlocked = onBlocked;
    this.canSpeak = "speechSynthesis" in window;
    this.canListen = Recognition !== null;
    this.recognizer = null;
    this.language = "en"; // the session's: set by the page from welcome and set_language
  }

  // Speak, then (if `listen`) start listening for the answer.
  say(text, listen) {
    this.stop();
    if (!this.canSpeak) {
      if (listen) this.listen();
      return;
    }
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = this.language;
    utterance.addEventListener("end", () => { if (listen) this.listen(); });
    utterance.addEventListener("error", (event) => {
      // Browsers may refuse to speak until the user has interacted with the page.
      if (event.error === "not-allowed") this.onBlocked();
    });
    window.speechSynthesis.speak(utterance);
  }

  listen() {
    if (!this.canListen) return;
    const recognizer = new Recognition();
    recognizer.lang = this.language;
    recognizer.interimResults = false;
    recognizer.maxAlternatives = 1;
    recognizer.addEventListener("result", (event) => {
      const transcript = event.results[0][0].transcript.trim();
      if (transcript) this.onHeard(transcript);
    });
    this.recognizer = recognizer;
    try {
      recognizer.start();
    } catch {
      this.recognizer = null;
    }
  }

  stop() {
    if (this.canSpeak) window.speechSynthesis.cancel();
    if (this.recognizer) {
      try { this.recognizer.abort(); } catch { /* already stopped */ }
      this.recognizer = null;
    }
  }
}
