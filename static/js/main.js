// The survey page: speaks PROTOCOL.md over /ws, keeps every answer until it is
// acknowledged, and comes back to the same place after a reload or a lost connection.

import { AudioMode } from "./audio_mode.js";
import * as i18n from "./i18n.js";
import { LanguageMenu, bestMatch, browserPreferences, saveLanguage, savedLanguage } from "./language.js";
import { CLOSE, Link } from "./link.js";
import { showOtherSessions, startingSession } from "./sessions.js";
import { LastView, Outbox, SavedSession } from "./storage.js";
import { showStopped } from "./stopped.js";
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

class SurveyPage {
  constructor() {
    this.saved = new SavedSession(surveyId);
    this.lastError = null;
    this.redirectTimer = null;
    ({ session: this.session, conflict: this.conflict } = startingSession(this.saved));
    this.outbox = this.session ? new Outbox(surveyId, this.session.userId) : null;
    this.lastView = this.session ? new LastView(surveyId, this.session.userId) : null;
    this.current = null; // the last step or complete message shown
    this.control = null;
    this.pendingDraft = null;
    this.welcomeBack = false;
    this.audio = new AudioMode({
      onHeard: (transcript) => this.heard(transcript),
      current: () => this.current,
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
    showOtherSessions(this.saved, this.session);
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
      this.audio.set(message.enabled, false);
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
    this.audio.set(message.state.is_audio_mode, false);
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
        if (message.code === "no_match") this.audio.say(message.message);
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
    this.audio.stop();
  }

  stopped(code) {
    this.audio.stop();
    if (code !== CLOSE.NORMAL) this.menu.show(false);
    showStopped(code, {
      lastError: this.lastError,
      panelLink: Boolean(this.session && !this.session.token),
      openAccess,
      continueHere: () => this.continueHere(),
      startAgain: () => this.startAgain(),
    });
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
      this.audio.say(message.message);
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
    this.audio.readScreen();
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
    this.menu.value = tag;
    saveLanguage(surveyId, tag);
    i18n.translate();
    this.audio.language = tag;
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
    if (!this.audio.pressed()) return;
    const enabled = !this.audio.on;
    this.sendInOrder({ type: "set_audio_mode", enabled }, false);
    this.audio.set(enabled, true);
  }
}

// Every catalogue the survey may need, before anything is shown: switching is then immediate.
await i18n.load(languages);
window.surveyPage = new SurveyPage();
