// The preview's chat page. Everything shown is built with DOM calls
// (textContent, createElement): the bot's Telegram HTML is parsed, and
// only Telegram's own tags are rebuilt from it; nothing is inserted as
// markup.
"use strict";

const api = {
  async get(path, signal) {
    const r = await fetch(path, { cache: "no-store", signal });
    return answer(r);
  },
  async post(path, body) {
    const r = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    return answer(r);
  },
};

async function answer(r) {
  let data = {};
  try {
    data = await r.json();
  } catch (e) {
    throw new Error("The preview did not answer (" + r.status + "): is tori still running?");
  }
  if (!r.ok) throw new Error(data.error || "The preview refused (" + r.status + ")");
  return data;
}

let toastTimer = 0;
function toast(text, isError) {
  const t = document.getElementById("toast");
  t.textContent = text;
  t.classList.toggle("error", !!isError);
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, isError ? 6000 : 3500);
}

// Telegram's HTML: these tags (and <a href>) and nothing else.
const TAGS = {
  B: "b", STRONG: "b", I: "i", EM: "i", U: "u", INS: "u", S: "s", STRIKE: "s", DEL: "s",
  CODE: "code", PRE: "pre", BLOCKQUOTE: "blockquote", A: "a", "TG-SPOILER": "span", SPAN: "span",
};

function telegramHTML(src) {
  const doc = new DOMParser().parseFromString("<!doctype html><body>" + src, "text/html");
  const out = document.createDocumentFragment();
  copy(doc.body, out);
  return out;
}

// copy rebuilds Telegram's tags of from in to; plain text outside links
// and code gets its web addresses linked, as Telegram's apps link them.
function copy(from, to, plain = true) {
  for (const n of from.childNodes) {
    if (n.nodeType === Node.TEXT_NODE) {
      if (plain) linkify(n.textContent, to);
      else to.appendChild(document.createTextNode(n.textContent));
      continue;
    }
    if (n.nodeType !== Node.ELEMENT_NODE) continue;
    const tag = TAGS[n.tagName];
    if (!tag) { copy(n, to, plain); continue; }
    const el = document.createElement(tag);
    if (tag === "a") {
      const href = n.getAttribute("href") || "";
      if (/^(https?:|mailto:|tg:)/i.test(href)) {
        el.href = href;
        el.target = "_blank";
        el.rel = "noopener noreferrer";
      }
    }
    if (n.tagName === "TG-SPOILER" || (n.tagName === "SPAN" && n.classList.contains("tg-spoiler"))) {
      el.className = "spoiler";
      el.title = "Spoiler: click to show";
      el.addEventListener("click", () => el.classList.add("shown"));
    }
    copy(n, el, plain && !["a", "code", "pre"].includes(tag));
    to.appendChild(el);
  }
}

// A web address in a message: up to a space, an angle bracket, a quote or
// a bidi control (the bot isolates a link in Hebrew text).
const WEB = /https?:\/\/[^\s<>"\u2060\u2066-\u2069]+/gi;

// linkify appends text to to, with each http(s) address in it as a link;
// trailing punctuation stays text, as in Telegram.
function linkify(text, to) {
  let at = 0;
  for (const m of text.matchAll(WEB)) {
    const url = m[0].replace(/[.,;:!?'")\]]+$/, "");
    let ok = false;
    try { ok = /^https?:$/.test(new URL(url).protocol); } catch (e) { /* not an address */ }
    if (!ok) continue;
    if (m.index > at) to.appendChild(document.createTextNode(text.slice(at, m.index)));
    const a = document.createElement("a");
    a.href = url;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = url;
    to.appendChild(a);
    at = m.index + url.length;
  }
  if (at < text.length) to.appendChild(document.createTextNode(text.slice(at)));
}

// One chat pane: who it is for, and a long poll that redraws it on change.
class Chat {
  constructor(kind) {
    this.kind = kind;
    this.el = document.getElementById("chat-" + kind);
    this.id = 0;
    this.version = "";
    this.loop = 0; // bumped to end a running poll
    this.abort = null; // ends the running poll's request
  }

  show(id) {
    this.id = id;
    this.version = "";
    this.el.replaceChildren();
    if (this.abort) this.abort.abort();
    this.abort = new AbortController();
    const loop = ++this.loop;
    this.poll(loop, this.abort.signal);
  }

  async poll(loop, signal) {
    let delay = 0;
    while (loop === this.loop) {
      try {
        const since = encodeURIComponent(this.version);
        const c = await api.get(`/preview/api/chat?id=${this.id}&since=${since}`, signal);
        if (loop !== this.loop) return;
        if (c.version !== this.version) {
          this.version = c.version;
          this.draw(c.items);
        }
        delay = 0;
      } catch (e) {
        if (loop !== this.loop) return; // ended by show()
        delay = Math.min(5000, delay + 1000);
        toast(e.message, true);
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  draw(items) {
    const atEnd = this.el.scrollHeight - this.el.scrollTop - this.el.clientHeight < 80;
    const list = document.createDocumentFragment();
    if (items.length === 0) {
      const p = document.createElement("p");
      p.className = "empty";
      p.textContent = this.kind === "client"
        ? "No messages yet. Press /start below, or type a message."
        : "The practice's messages (new bookings, cancellations, payments, the daily agenda) appear here.";
      list.appendChild(p);
    }
    for (const it of items) list.appendChild(this.bubble(it));
    this.el.replaceChildren(list);
    if (atEnd || items.length < 4) this.toEnd();
  }

  // toEnd shows the latest message (see also the tabs, which call it when
  // a chat drawn while hidden is shown).
  toEnd() {
    this.el.scrollTop = this.el.scrollHeight;
  }

  bubble(it) {
    const b = document.createElement("div");
    b.className = "msg " + (it.from === "me" ? "me" : "bot");
    b.dir = "auto";
    if (it.id) b.dataset.message = it.id;
    const body = document.createElement("div");
    body.className = "text";
    body.dir = "auto";
    if (it.from === "me") body.textContent = it.text;
    else body.appendChild(telegramHTML(it.html || ""));
    if (it.file) {
      const a = document.createElement("a");
      a.className = "file";
      a.href = `/preview/api/file?id=${this.id}&message=${it.id}`;
      a.download = it.file;
      a.textContent = "📎 " + it.file;
      b.appendChild(a);
    }
    if (it.html || it.from === "me") b.appendChild(body);
    if (it.edited) {
      const e = document.createElement("span");
      e.className = "edited";
      e.textContent = "edited";
      b.appendChild(e);
    }
    if (it.buttons && it.buttons.length) b.appendChild(this.keyboard(it));
    return b;
  }

  keyboard(it) {
    const kb = document.createElement("div");
    kb.className = "keyboard";
    for (const row of it.buttons) {
      const r = document.createElement("div");
      r.className = "row";
      for (const btn of row) {
        let el;
        if (btn.url) {
          el = document.createElement("a");
          el.href = /^https?:/i.test(btn.url) ? btn.url : "#";
          el.target = "_blank";
          el.rel = "noopener";
          el.className = "button url";
          el.textContent = btn.text + " ↗";
        } else {
          el = document.createElement("button");
          el.type = "button";
          el.className = "button";
          el.textContent = btn.text;
          el.addEventListener("click", () => this.press(it.id, btn.callback_data, el));
        }
        el.dir = "auto";
        r.appendChild(el);
      }
      kb.appendChild(r);
    }
    return kb;
  }

  async press(message, data, el) {
    el.classList.add("pressed");
    try {
      const res = await api.post("/preview/api/press", { id: this.id, message, data });
      if (res.notice) toast(res.notice);
    } catch (e) {
      toast(e.message, true);
    } finally {
      el.classList.remove("pressed");
    }
  }

  async say(text) {
    try {
      await api.post("/preview/api/send", { id: this.id, text });
      return true;
    } catch (e) {
      toast(e.message, true);
      return false;
    }
  }
}

const chats = { client: new Chat("client"), practice: new Chat("practice") };
let state = null;

function fillSelect(sel, people, current) {
  sel.replaceChildren();
  for (const p of people) {
    const o = document.createElement("option");
    o.value = String(p.id);
    o.textContent = p.name;
    sel.appendChild(o);
  }
  if (current) sel.value = String(current);
}

// The client whose chat shows is kept for this tab, so that coming back
// from the PayPal stand-in shows the same chat.
function chosenClient(s) {
  const id = Number(sessionStorage.getItem("tori.client"));
  return s.clients.some((p) => p.id === id) ? id : s.clients[0].id;
}

function showState(s) {
  state = s;
  document.getElementById("practice").textContent = s.practiceName;
  document.title = s.practiceName + " — Tori preview";
  document.getElementById("now").textContent = s.nowText + " (" + s.timeZone + ")";
  document.getElementById("ahead").textContent = s.ahead ? "clock moved " + s.ahead : "";
  document.getElementById("redis").textContent = "Storage: " + s.redis + ".";
  const c = s.clients.find((p) => p.id === chats.client.id);
  if (c) document.getElementById("lang").value = c.lang;
}

async function start() {
  let s;
  try {
    s = await api.get("/preview/api/state");
  } catch (e) {
    toast(e.message, true);
    setTimeout(start, 2000);
    return;
  }
  const client = chosenClient(s);
  fillSelect(document.getElementById("client"), s.clients, client);
  fillSelect(document.getElementById("staff"), s.practice, s.practice.length ? s.practice[0].id : 0);
  chats.client.show(client);
  if (s.practice.length) chats.practice.show(s.practice[0].id);
  showState(s);
  setInterval(async () => {
    try { showState(await api.get("/preview/api/state")); } catch (e) { /* the chat poll says so */ }
  }, 15000);
}

document.getElementById("client").addEventListener("change", (e) => {
  sessionStorage.setItem("tori.client", e.target.value);
  chats.client.show(Number(e.target.value));
  if (state) showState(state);
});
document.getElementById("staff").addEventListener("change", (e) => chats.practice.show(Number(e.target.value)));
document.getElementById("lang").addEventListener("change", async (e) => {
  try {
    showState(await api.post("/preview/api/language", { id: chats.client.id, lang: e.target.value }));
    toast(e.target.value === "he" ? "Telegram now reports Hebrew for this client." : "Telegram now reports English for this client.");
  } catch (err) {
    toast(err.message, true);
  }
});

for (const kind of ["client", "practice"]) {
  const form = document.getElementById("compose-" + kind);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = form.elements.text;
    const text = input.value.trim();
    if (!text) return;
    if (await chats[kind].say(text)) input.value = "";
  });
  for (const b of document.querySelectorAll(`#quick-${kind} button`)) {
    b.addEventListener("click", () => chats[kind].say(b.dataset.say));
  }
}

for (const b of document.querySelectorAll("[data-advance]")) {
  b.addEventListener("click", async () => {
    b.disabled = true;
    try {
      showState(await api.post("/preview/api/clock", { advance: b.dataset.advance }));
      toast("The clock moved " + b.textContent + "; the worker has run.");
    } catch (e) {
      toast(e.message, true);
    } finally {
      b.disabled = false;
    }
  });
}

for (const t of document.querySelectorAll("[data-tab]")) {
  t.addEventListener("click", () => {
    for (const x of document.querySelectorAll("[data-tab]")) x.classList.toggle("active", x === t);
    for (const p of document.querySelectorAll("[data-pane]")) p.classList.toggle("active", p.dataset.pane === t.dataset.tab);
    // A chat opens at its latest message (drawn while hidden, it could not
    // scroll there).
    chats[t.dataset.tab].toEnd();
  });
}

start();
