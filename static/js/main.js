// The survey page: speaks PROTOCOL.md over /ws, keeps every answer until it is
// acknowledged, and comes back to the same place after a reload or a lost connection.

import { Voice, spokenText } from "./audio.js";
import * as i18n from "./i18n.js";
import { LanguageMenu, bestMatch, browserPreferences, saveLanguage, savedLanguage } from "./language.js";
import { CLOSE, Link } from "./link.js";
import { LastView, Outbox, SavedSession } from "./storage.js";
import * as view from "./view.js";

const { $ } = view;
const { t } = i18n;
const app = $("app");
const surveyId = app.dataset.survey;
const languages = app.dataset.languages.split(" ").filter(Boolean);
const openAccess = app.dataset.access === "open";
const DRAFT_DELAY = 400;
const RETRY_DELAY = 2000;
const REDIRECT_DELAY = 3000;
// Why the server closed with 4410, from the error just before the close: catalogue keys.
const GONE_WORDS = {
  survey_closed: ["blocked.gone.survey_closed.title", null],
  session_expired: ["blocked.gone.session_expired.title", "blocked.gone.session_expired.text"],
  session_erased: ["blocked.gone.session_erased.title", "blocked.gone.session_erased.text"],
};

class SurveyPage {
  constructor() {
    this.saved = new SavedSession(surveyId);
    this.conflict = null;
    this.lastError = null;
    this.redirectTimer = null;
    this.session = this.initialSession();
    this.outbox = this.session ? new Outbox(surveyId, this.session.userId) : null;
    this.lastView = this.session ? new LastView(surveyId, this.session.userId) : null;
    this.current = null; // the last step or complete message shown
    this.control = null;
    this.audio = false;
    this.speechBlocked = false;
    this.pendingDraft = null;
    this.welcomeBack = false;
    this.voice = new Voice({
      onHeard: (transcript) => this.heard(transcript),
      onBlocked: () => this.blockedSpeech(),
    });
    this.menu = new LanguageMenu($("language-menu"), $("language-choice"), languages,
      (tag) => this.pickLanguage(tag));
    // Until the welcome says, the language this device last had, else the browser's best match.
    this.chosenLanguage = null; // picked in the menu before there is a session
    this.setLanguage((this.session && savedLanguage(surveyId, languages))
      || bestMatch(browserPreferences(), languages));
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    this.link = new Link(`${scheme}//${location.host}${app.dataset.wsPath}`, {
      onOpen: () => this.hello(),
      onMessage: (message) => this.receive(message),
      onDown: () => this.down(),
      onStop: (code) => this.stopped(code),
    });
    this.bind();
    // Offline after a reload, the last screen is still shown and can still be answered.
    const last = this.lastView && this.lastView.load();
    if (last) this.render(last);
    this.showOthers();
    view.showStatus("connecting");
    if (this.conflict) this.askWhich();
    else this.link.connect();
  }

  // The session the address names: a resume or invitation link (#u=..&t=..), or a panel
  // or signed link (?user_id=..&sig=..). Null when it names none.
  linkSession() {
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

  initialSession() {
    const offered = this.linkSession();
    const saved = this.saved.load();
    if (!offered) return saved;
    if (!saved) {
      if (offered.token || offered.sig) this.saved.save(offered.userId, offered.token, offered.sig);
      return offered;
    }
    if (saved.userId === offered.userId) {
      // The same session: whatever the link adds (a token, a signature) helps open it.
      const merged = { userId: saved.userId, token: offered.token || saved.token,
        sig: offered.sig || saved.sig || null };
      this.saved.save(merged.userId, merged.token, merged.sig);
      return merged;
    }
    // Another session than the one saved here: ask, never switch silently.
    this.conflict = { saved, offered };
    return null;
  }

  askWhich() {
    view.showOnly("which-session");
    view.showProgress(null);
    $("which-title").focus();
    const choose = (chosen, other) => {
      this.saved.keepOther(other);
      this.saved.save(chosen.userId, chosen.token, chosen.sig);
      this.conflict = null;
      // The link has done its work: a reload continues the chosen answers.
      history.replaceState(null, "", location.pathname);
      this.session = chosen;
      this.outbox = new Outbox(surveyId, chosen.userId);
      this.lastView = new LastView(surveyId, chosen.userId);
      view.showOnly(null);
      this.showOthers();
      this.link.connect();
    };
    const { saved, offered } = this.conflict;
    $("keep-saved").onclick = () => choose(saved, offered);
    $("take-link").onclick = () => choose(offered, saved);
  }

  showOthers() {
    const others = this.saved.others().filter((s) => !this.session || s.userId !== this.session.userId);
    $("others").hidden = others.length === 0;
    const items = others.map((other, index) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.textContent = t("others.switch", { number: index + 1 });
      button.addEventListener("click", () => {
        this.saved.switchTo(other);
        location.reload();
      });
      const item = document.createElement("li");
      item.append(button);
      return item;
    });
    $("others-list").replaceChildren(...items);
  }

  bind() {
    $("step-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
    });
    $("back").addEventListener("click", () => this.sendInOrder({ type: "back" }, true));
    $("audio-toggle").addEventListener("click", () => this.toggleAudio());
    $("copy-link").addEventListener("click", () => this.copyLink());
    document.addEventListener("keydown", (event) => this.key(event));
    window.addEventListener("online", () => this.link.retryNow());
  }

  // --- the connection ---

  hello() {
    const preferences = browserPreferences();
    const hello = { type: "hello", protocol: 1, survey: surveyId };
    const language = this.chosenLanguage ? [this.chosenLanguage, preferences].join(",") : preferences;
    if (language) hello.language = language;
    if (this.session) {
      hello.user_id = this.session.userId;
      if (this.session.token) hello.token = this.session.token;
      if (this.session.sig) hello.sig = this.session.sig;
    }
    this.link.send(hello);
  }

  receive(message) {
    if (message.type === "welcome") this.welcome(message);
    else if (message.type === "step" || message.type === "complete") this.reply(message);
    else if (message.type === "audio_mode") {
      this.acked(message.ack);
      this.setAudio(message.enabled, false);
    } else if (message.type === "error") this.error(message);
  }

  welcome(message) {
    const token = message.token || (this.session && this.session.token) || null;
    const changedUser = !this.session || this.session.userId !== message.user_id;
    const sig = (!changedUser && this.session.sig) || null;
    this.session = { userId: message.user_id, token, sig };
    this.saved.save(message.user_id, token, sig);
    if (changedUser || !this.outbox) {
      this.outbox = new Outbox(surveyId, message.user_id);
      this.lastView = new LastView(surveyId, message.user_id);
    }
    this.outbox.sync(message.last_seq);
    this.welcomeBack = message.resumed && message.state.step_history.length > 0;
    this.setLanguage(message.state.language);
    const pending = this.pendingLanguage();
    if (pending) this.menu.value = pending;
    $("survey-title").textContent = message.survey.title;
    document.title = message.survey.title;
    this.setAudio(message.state.is_audio_mode, false);
    this.showHandoff();
    // Whatever the server has not acknowledged goes again, in order.
    for (const item of this.outbox.items) this.link.send(item);
    const draft = this.pendingDraft;
    if (draft && draft.step === message.state.current_step) this.link.send({ type: "draft", ...draft });
    this.status();
  }

  reply(message) {
    if (message.ack !== null) {
      // The reply to a set_language is the step in the new language: switch the page's words too.
      const switched = this.pendingLanguage(message.ack);
      if (switched) this.setLanguage(switched);
      this.acked(message.ack);
    }
    // Replies to resent messages arrive one by one: show the last one only.
    if (this.outbox.empty) this.render(message);
    this.status();
  }

  acked(seq) {
    if (seq !== null && seq !== undefined) this.outbox.ackUpTo(seq);
    this.status();
  }

  error(message) {
    this.lastError = message;
    if (this.outbox) this.acked(message.ack);
    this.menu.value = this.pendingLanguage() || this.language; // a refused switch leaves it
    switch (message.code) {
      case "invalid_answer":
      case "no_match":
      case "cannot_go_back":
        this.enable(true);
        view.showError(message.message);
        if (this.audio && message.code === "no_match") this.speak(message.message);
        break;
      case "wrong_step":
      case "completed":
        this.resync();
        break;
      case "seq_gap":
        this.outbox.reset(message.expected - 1);
        this.resync();
        break;
      case "storage_unavailable":
      case "rate_limited":
        view.showNotice(t("notice.retrying"));
        setTimeout(() => this.resend(), RETRY_DELAY);
        break;
      default:
        console.warn("survey server:", message.code, message.message);
    }
  }

  // Ask the server where the session stands: a duplicate seq is answered with the current step.
  resync() {
    if (this.outbox.lastSeq > 0) this.link.send({ type: "back", seq: this.outbox.lastSeq });
    else if (this.link.ws) this.link.ws.close(4000);
  }

  resend() {
    if (!this.outbox) return; // refused before a session existed: the link reconnects
    for (const item of this.outbox.items) this.link.send(item);
  }

  down() {
    this.status();
    this.voice.stop();
  }

  stopped(code) {
    this.voice.stop();
    if (code !== CLOSE.NORMAL) this.menu.show(false);
    if (code === CLOSE.SUPERSEDED) {
      view.showBlocked(
        t("blocked.superseded.title"),
        t("blocked.superseded.text"),
        t("blocked.superseded.action"),
        () => this.continueHere(),
      );
    } else if (code === CLOSE.NOT_INVITED) {
      // Starting again cannot help: the survey is open only to the links it sent out.
      view.showBlocked(
        t("blocked.not_invited.title"),
        t("blocked.not_invited.text"),
        null, null,
      );
    } else if (code === CLOSE.GONE) {
      const reason = this.lastError ? this.lastError.code : "";
      const [title, text] = GONE_WORDS[reason] || ["blocked.gone.title", null];
      const canStartAgain = openAccess && reason !== "survey_closed";
      view.showBlocked(
        t(title),
        text ? t(text) : (this.lastError && this.lastError.message) || "",
        canStartAgain ? t("actions.start_again") : null,
        canStartAgain ? () => this.startAgain() : null,
      );
    } else if (code === CLOSE.AUTH_FAILED && this.session && !this.session.token) {
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
        () => this.startAgain(),
      );
    } else if (code !== CLOSE.NORMAL) {
      const text = code === CLOSE.UNKNOWN_SURVEY
        ? t("blocked.error.unknown_survey")
        : t("blocked.error.text", { code });
      view.showBlocked(t("blocked.error.title"), text, t("blocked.error.action"), () => location.reload());
    }
    this.status();
    // Refused, taken over or ended for good: not "connecting" or "offline", which would
    // promise a retry, and no "Read aloud" for a page that shows no question.
    if (code !== CLOSE.NORMAL) {
      view.showStatus("stopped");
      $("audio-toggle").hidden = true;
    }
  }

  continueHere() {
    $("audio-toggle").hidden = false;
    if (this.current) this.render(this.current);
    this.link.retryNow();
  }

  startAgain() {
    this.lastError = null;
    this.saved.clear();
    if (this.outbox) this.outbox.clear();
    this.session = null;
    this.outbox = null;
    this.current = null;
    history.replaceState(null, "", location.pathname);
    view.showOnly(null);
    $("audio-toggle").hidden = false;
    this.link.retryNow();
  }

  // --- answering ---

  submit() {
    if (!this.current || this.current.type !== "step") return;
    const step = this.current.step.id;
    this.pendingDraft = null;
    this.sendInOrder({ type: "answer", step, value: this.control.read() }, true);
  }

  heard(transcript) {
    if (!this.current || this.current.type !== "step") return;
    $("heard").textContent = t("heard", { transcript });
    $("heard").hidden = false;
    this.sendInOrder({ type: "voice_answer", step: this.current.step.id, transcript }, true);
  }

  // Into the outbox first, then onto the wire if there is one.
  sendInOrder(message, waitForReply) {
    if (!this.outbox) return;
    const item = this.outbox.add(message);
    if (waitForReply) this.enable(false);
    view.showError(null);
    if (!this.link.send(item)) {
      view.showNotice(t("notice.offline"));
    }
    this.status();
  }

  enable(on) {
    $("next").disabled = !on;
    $("back").disabled = !on;
  }

  draftChanged(step, value) {
    clearTimeout(this.draftTimer);
    this.draftTimer = setTimeout(() => {
      this.pendingDraft = { step, value };
      this.link.send({ type: "draft", step, value });
    }, DRAFT_DELAY);
  }

  key(event) {
    if (!this.current || this.current.type !== "step" || $("step-form").hidden) return;
    const target = event.target;
    const inForm = $("step-form").contains(target) || target === document.body;
    if (!inForm) return;
    if (event.key === "Enter" && target.tagName === "TEXTAREA") {
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        $("step-form").requestSubmit();
      }
      return;
    }
    if (target.matches("textarea, input[type=number], input[type=text]")) return;
    if (/^[0-9]$/.test(event.key) && this.control && this.control.inputs.length) {
      const inputs = this.control.inputs;
      const digit = Number(event.key);
      const byValue = this.current.step.type === "scale" ? inputs.find((i) => i.value === digit) : null;
      const picked = byValue || inputs[digit - 1];
      if (picked) {
        event.preventDefault();
        picked.input.checked = picked.input.type === "checkbox" ? !picked.input.checked : true;
        picked.input.focus();
      }
      return;
    }
    if (event.key === "Enter" && !target.matches("button, summary")) {
      event.preventDefault();
      $("step-form").requestSubmit();
    }
  }

  // --- showing ---

  render(message) {
    this.current = message;
    if (this.lastView) this.lastView.save(message);
    // "Carry on where you left off" only where there is something left to carry on.
    view.showNotice(this.welcomeBack && message.type === "step" ? t("notice.welcome_back") : null);
    this.welcomeBack = false;
    $("heard").hidden = true;
    this.menu.show(message.type === "step"); // a finished survey takes no set_language
    if (message.type === "complete") {
      view.showOnly("end-screen");
      view.showProgress(null);
      $("end-message").textContent = message.message;
      $("end-message").focus();
      this.sendOn(message.redirect);
      view.announce(t("announce.complete"));
      if (this.audio) this.speak(message.message);
      return;
    }
    const step = message.step;
    view.showOnly("step-form");
    const progressText = view.showProgress(message.progress);
    $("prompt").textContent = step.prompt;
    const value = message.draft !== null && message.draft !== undefined ? message.draft : message.answer;
    this.control = view.answerControl(step, value);
    $("answer-area").replaceChildren(this.control.node);
    if (this.control.textArea) {
      const area = this.control.textArea;
      area.addEventListener("input", () => this.draftChanged(step.id, area.value));
    }
    $("back").hidden = !message.can_go_back;
    view.showError(null);
    this.enable(true);
    $("prompt").focus();
    view.announce(t(message.ack !== null ? "announce.saved" : "announce.progress", { progress: progressText }));
    if (this.audio) this.speakStep();
  }

  // on_complete.redirect: after the end message, on to the panel; a link in case the
  // browser blocks the move.
  sendOn(redirect) {
    const valid = typeof redirect === "string" && /^https?:\/\//i.test(redirect);
    $("end-redirect").hidden = !valid;
    if (!valid || this.redirectTimer) return;
    $("redirect-link").href = redirect;
    this.redirectTimer = setTimeout(() => location.assign(redirect), REDIRECT_DELAY);
  }

  status() {
    if (!this.link.open) view.showStatus(this.current ? "offline" : "connecting");
    else view.showStatus(this.outbox && !this.outbox.empty ? "saving" : "saved");
  }

  showHandoff() {
    if (!this.session || !this.session.token) return;
    const params = new URLSearchParams({ u: this.session.userId, t: this.session.token });
    $("resume-link").value = `${location.origin}/s/${encodeURIComponent(surveyId)}#${params}`;
    $("handoff").hidden = false;
  }

  async copyLink() {
    try {
      await navigator.clipboard.writeText($("resume-link").value);
      $("copy-link").textContent = t("handoff.copied");
    } catch {
      $("resume-link").select();
    }
  }

  // --- language ---

  // Shows the page in `tag`: its words, <html lang>, the voice, the menu; kept on this device.
  setLanguage(tag) {
    this.language = tag;
    i18n.use(tag);
    document.documentElement.lang = tag;
    this.voice.language = tag;
    this.menu.value = tag;
    saveLanguage(surveyId, tag);
    i18n.translate();
    $("audio-toggle").textContent = t(this.audio ? "audio.toggle_on" : "audio.toggle_off");
    this.audioNote();
    if (this.link) {
      this.status();
      this.showOthers();
    }
  }

  // The language of the last set_language still in the outbox (up to seq `upTo`), if any.
  pendingLanguage(upTo = Infinity) {
    if (!this.outbox) return null;
    const switches = this.outbox.items.filter((i) => i.type === "set_language" && i.seq <= upTo);
    return switches.length ? switches[switches.length - 1].language : null;
  }

  // Through the outbox like an answer, so a switch made offline is sent when the link is back.
  pickLanguage(tag) {
    if (!this.outbox) {
      // No session yet: the hello will ask for this language first.
      this.chosenLanguage = tag;
      this.setLanguage(tag);
      return;
    }
    if (tag === (this.pendingLanguage() || this.language)) return;
    this.sendInOrder({ type: "set_language", language: tag }, true);
  }

  // --- audio mode ---

  toggleAudio() {
    if (this.audio && this.speechBlocked) {
      // The click is the interaction the browser waited for: read the question now.
      this.speechBlocked = false;
      this.audioNote();
      this.speakStep();
      return;
    }
    const enabled = !this.audio;
    this.sendInOrder({ type: "set_audio_mode", enabled }, false);
    this.setAudio(enabled, true);
  }

  setAudio(enabled, fromClick) {
    const changed = enabled !== this.audio;
    this.audio = enabled;
    const toggle = $("audio-toggle");
    toggle.setAttribute("aria-pressed", String(enabled));
    toggle.textContent = t(enabled ? "audio.toggle_on" : "audio.toggle_off");
    this.audioNote();
    if (!enabled) this.voice.stop();
    else if (changed && fromClick) this.speakStep();
  }

  audioNote() {
    let text = "";
    if (this.audio && this.speechBlocked) text = t("audio.note.blocked", { button: t("audio.toggle_on") });
    else if (this.audio && !this.voice.canListen) text = t("audio.note.no_listening");
    else if (this.audio) text = t("audio.note.listening");
    $("audio-note").textContent = text;
    $("audio-note").hidden = !text;
  }

  blockedSpeech() {
    this.speechBlocked = true;
    this.audioNote();
  }

  speakStep() {
    if (!this.current) return;
    if (this.current.type === "complete") this.speak(this.current.message);
    else this.voice.say(spokenText(this.current.step), this.current.step.type !== "info");
  }

  speak(text) {
    this.voice.say(text, this.current && this.current.type === "step");
  }
}

// Every catalogue the survey may need, before anything is shown: switching is then immediate.
await i18n.load(languages);
window.surveyPage = new SurveyPage();
