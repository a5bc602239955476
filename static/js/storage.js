// What survives a reload: the session's id and token, and the outbox of unacknowledged
// messages. Everything lives in localStorage, keyed by survey (and user for the outbox).

const key = (...parts) => ["survey", ...parts].join(":");

function read(name, fallback) {
  try {
    const raw = localStorage.getItem(name);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

function write(name, value) {
  try {
    localStorage.setItem(name, JSON.stringify(value));
  } catch {
    // Storage full or blocked: the session still works while the page stays open.
  }
}

const isSession = (value) => value && typeof value.userId === "string";

// The session this page continues, and the others this device holds for the survey
// (kept when a link named another session: a link never silently replaces one).
export class SavedSession {
  constructor(surveyId) {
    this.name = key(surveyId, "session");
    this.othersName = key(surveyId, "others");
  }
  load() {
    const value = read(this.name, null);
    return isSession(value) ? value : null;
  }
  save(userId, token, sig = null) {
    write(this.name, sig ? { userId, token, sig } : { userId, token });
  }
  clear() {
    localStorage.removeItem(this.name);
  }
  others() {
    const list = read(this.othersName, []);
    return Array.isArray(list) ? list.filter(isSession) : [];
  }
  keepOther(session) {
    const list = this.others().filter((s) => s.userId !== session.userId);
    list.push(session);
    write(this.othersName, list);
  }
  // Make `chosen` (one of the others) current; the current one joins the others.
  switchTo(chosen) {
    const current = this.load();
    const list = this.others().filter((s) => s.userId !== chosen.userId);
    if (current && current.userId !== chosen.userId) list.push(current);
    write(this.othersName, list);
    this.save(chosen.userId, chosen.token, chosen.sig);
  }
}

// Messages that carry a seq enter the outbox before they are sent and leave it only
// when a reply acknowledges them, so an answer given offline or lost in a crash is
// sent again, and the server's seq rules make sure it is applied once.
export class Outbox {
  constructor(surveyId, userId) {
    this.name = key(surveyId, "outbox", userId);
    const saved = read(this.name, { lastSeq: 0, items: [] });
    this.lastSeq = saved.lastSeq || 0;
    this.items = Array.isArray(saved.items) ? saved.items : [];
  }
  persist() {
    write(this.name, { lastSeq: this.lastSeq, items: this.items });
  }
  add(message) {
    this.lastSeq += 1;
    const item = { ...message, seq: this.lastSeq };
    this.items.push(item);
    this.persist();
    return item;
  }
  ackUpTo(seq) {
    const remaining = this.items.filter((item) => item.seq > seq);
    if (remaining.length === this.items.length && seq <= this.lastSeq) return;
    this.items = remaining;
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.persist();
  }
  // After a welcome: drop what the server already has, keep numbering after it.
  sync(serverLastSeq) {
    this.ackUpTo(serverLastSeq);
    if (this.items.length === 0) this.lastSeq = serverLastSeq;
    this.persist();
  }
  reset(lastSeq) {
    this.items = [];
    this.lastSeq = lastSeq;
    this.persist();
  }
  get empty() {
    return this.items.length === 0;
  }
  clear() {
    localStorage.removeItem(this.name);
  }
}

export class LastView {
  constructor(surveyId, userId) {
    this.name = key(surveyId, "view", userId);
  }
  load() {
    return read(this.name, null);
  }
  save(message) {
    write(this.name, message);
  }
}
