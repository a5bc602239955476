// Audio mode on the page: the "Read aloud" button, its note, and reading each screen.
// The mode itself is saved on the server (set_audio_mode); this is what the page shows.

import { Voice, spokenText } from "./audio.js";
import { t } from "./i18n.js";
import { $ } from "./view.js";

export class AudioMode {
  // `onHeard(transcript)`: a spoken answer; `current()`: the step or complete shown now.
  constructor({ onHeard, current }) {
    this.on = false;
    this.speechBlocked = false; // the browser waits for a click before it speaks
    this.current = current;
    this.voice = new Voice({ onHeard, onBlocked: () => this.blocked() });
  }

  set language(tag) {
    this.voice.language = tag;
    this.showWords();
  }

  // The button was pressed: true when the mode should change (and be sent to the server).
  pressed() {
    if (this.on && this.speechBlocked) {
      // The click is the interaction the browser waited for: read the screen now.
      this.speechBlocked = false;
      this.showWords();
      this.readScreen();
      return false;
    }
    return true;
  }

  set(enabled, fromClick) {
    const changed = enabled !== this.on;
    this.on = enabled;
    $("audio-toggle").setAttribute("aria-pressed", String(enabled));
    this.showWords();
    if (!enabled) this.voice.stop();
    else if (changed && fromClick) this.readScreen();
  }

  showWords() {
    $("audio-toggle").textContent = t(this.on ? "audio.toggle_on" : "audio.toggle_off");
    let text = "";
    if (this.on && this.speechBlocked) text = t("audio.note.blocked", { button: t("audio.toggle_on") });
    else if (this.on && !this.voice.canListen) text = t("audio.note.no_listening");
    else if (this.on) text = t("audio.note.listening");
    $("audio-note").textContent = text;
    $("audio-note").hidden = !text;
  }

  blocked() {
    this.speechBlocked = true;
    this.showWords();
  }

  readScreen() {
    const current = this.current();
    if (!this.on || !current) return;
    if (current.type === "complete") this.say(current.message);
    else this.voice.say(spokenText(current.step), current.step.type !== "info");
  }

  // Words from the server (an end message, a "did you mean"), read in audio mode only.
  say(text) {
    if (!this.on) return;
    const current = this.current();
    this.voice.say(text, Boolean(current && current.type === "step"));
  }

  stop() {
    this.voice.stop();
  }
}
