// The sandbox page: draws each participant's chat with Escale from server-sent events.
// Every piece of text becomes a text node; elements come only from the server's tree of
// allowed Telegram tags (bot/sandbox/render.py). Nothing is ever assigned to innerHTML.
"use strict";

const TAGS = {
  b: "b", i: "i", u: "u", s: "s", code: "code", pre: "pre", blockquote: "blockquote",
  "tg-spoiler": "span", span: "span", a: "a", cmd: "a",
};
const AVATAR_COLOURS = ["#e17076", "#7bc862", "#65aadd", "#a695e7", "#ee7aae", "#6ec9cb", "#faa774"];

const state = {
  strings: {}, bot: {}, timezone: "Europe/Paris", languages: [], participants: new Map(),
  clockAt: 0, clockSeen: 0, lang: (navigator.language || "fr").slice(0, 2),
};
const panes = new Map();
// Click-to-rendered latency of each action, in milliseconds (benchmarks/sandbox_latency.py).
window.sandboxTimings = [];

function s(key) { return state.strings[key] || key; }

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function initials(name) { return (Array.from(name.trim())[0] || "?").toUpperCase(); }

function colour(id) { return AVATAR_COLOURS[Math.abs(Number(id)) % AVATAR_COLOURS.length]; }

function applyStrings(root) {
  for (const node of root.querySelectorAll("[data-s]")) node.textContent = s(node.dataset.s);
  document.title = s("title");
  document.documentElement.lang = state.lang;
}

// ------------------------------------------------------------------ server calls

async function post(path, body, pane) {
  let reply;
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: {"Content-Type": body instanceof Blob ? (body.type || "audio/ogg") : "application/json"},
      body: body instanceof Blob ? body : JSON.stringify(body || {}),
    });
    reply = await response.json();
  } catch (error) {
    reply = {ok: false, error: s("failed")};
  }
  if (!reply.ok) toast(pane, reply.error || s("failed"));
  return reply;
}

// ------------------------------------------------------------------ formatted text

function startLink(href) {
  try {
    const url = new URL(href);
    const bot = (state.bot.username || "").toLowerCase();
    return ["t.me", "telegram.me"].includes(url.hostname)
      && url.pathname.replace(/\//g, "").toLowerCase() === bot && url.searchParams.has("start");
  } catch (error) {
    return false;
  }
}

function drawNodes(parent, list, pane) {
  for (const item of list) {
    if (typeof item === "string") {
      parent.append(document.createTextNode(item));
      continue;
    }
    const tag = TAGS[item.tag] || "span";
    const node = document.createElement(tag);
    if (item.tag === "tg-spoiler") {
      node.className = "spoiler";
      node.title = s("spoiler");
      node.addEventListener("click", () => node.classList.add("shown"));
    } else if (item.tag === "cmd") {
      node.className = "command";
      node.href = "#";
      const command = textOf(item);
      node.addEventListener("click", (event) => {
        event.preventDefault();
        sendText(pane, command);
      });
    } else if (item.tag === "a") {
      const href = String(item.href || "");
      if (/^https?:\/\//i.test(href)) {
        node.href = href;
        node.rel = "noopener noreferrer";
        node.target = "_blank";
        if (startLink(href)) {
          node.classList.add("start-link");
          node.addEventListener("click", (event) => {
            event.preventDefault();
            openLink(href, pane);
          });
        }
      }
    }
    drawNodes(node, item.c || [], pane);
    parent.append(node);
  }
}

function textOf(item) {
  return (item.c || []).map((child) => (typeof child === "string" ? child : textOf(child))).join("");
}

// ------------------------------------------------------------------ time

function serverNow() { return new Date(state.clockAt + (Date.now() - state.clockSeen)); }

function drawClock() {
  const clock = document.getElementById("clock");
  const now = serverNow();
  clock.dateTime = now.toISOString();
  clock.textContent = new Intl.DateTimeFormat(state.lang, {
    weekday: "long", day: "numeric", month: "long", hour: "2-digit", minute: "2-digit",
    timeZone: state.timezone,
  }).format(now);
}

function setClock(iso) {
  state.clockAt = Date.parse(iso);
  state.clockSeen = Date.now();
  drawClock();
}

function hourMinute(unix) {
  return new Intl.DateTimeFormat(state.lang, {
    hour: "2-digit", minute: "2-digit", timeZone: state.timezone,
  }).format(new Date(unix * 1000));
}

function duration(seconds) {
  const total = Math.max(1, Number(seconds) || 1);
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

// ------------------------------------------------------------------ messages

function drawVoice(message) {
  const box = el("div", "voice");
  const audio = el("audio");
  audio.preload = "metadata";
  audio.src = `/api/files/${encodeURIComponent(message.file)}`;
  const play = el("button", "play");
  play.type = "button";
  play.setAttribute("aria-label", "▶");
  play.textContent = "▶";
  const wave = el("span", "wave");
  let seed = 0;
  for (const char of String(message.file)) seed = (seed * 31 + char.charCodeAt(0)) % 9973;
  for (let index = 0; index < 28; index += 1) {
    seed = (seed * 7919 + 13) % 9973;
    const bar = el("i");
    bar.style.height = `${4 + (seed % 16)}px`;
    wave.append(bar);
  }
  const length = el("span", "length", duration(message.duration));
  play.addEventListener("click", () => (audio.paused ? audio.play() : audio.pause()));
  audio.addEventListener("play", () => { play.textContent = "❚❚"; });
  audio.addEventListener("pause", () => { play.textContent = "▶"; });
  audio.addEventListener("ended", () => { play.textContent = "▶"; });
  box.append(play, wave, length, audio);
  return box;
}

function drawDocument(message) {
  const box = el("div", "document");
  const icon = el("span", "doc-icon", "📄");
  const about = el("div", "doc-about");
  const link = el("a", "doc-name", message.file_name || "file");
  link.href = `/api/files/${encodeURIComponent(message.file)}?download=1`;
  link.setAttribute("download", message.file_name || "file");
  const size = message.file_size ? `${Math.max(1, Math.round(message.file_size / 1024))} KB · ` : "";
  const hint = el("small", "", size + s("download"));
  about.append(link, hint);
  box.append(icon, about);
  return box;
}

function drawMessage(message, pane) {
  const row = el("div", `msg ${message.from === "me" ? "me" : "bot"} kind-${message.kind}`);
  if (message.protected) row.classList.add("protected"); // Telegram forbids copying it
  row.dataset.id = message.id;
  const bubble = el("div", "bubble");
  if (message.kind === "photo" && message.file) {
    const image = el("img", "photo");
    image.src = `/api/files/${encodeURIComponent(message.file)}`;
    image.alt = "";
    bubble.append(image);
  } else if (message.kind === "voice" && message.file) {
    bubble.append(drawVoice(message));
  } else if (message.kind === "document" && message.file) {
    bubble.append(drawDocument(message));
  }
  if (message.body && message.body.length) {
    const text = el("div", "text");
    text.dir = "auto"; // a message in Arabic reads right to left, as in Telegram
    drawNodes(text, message.body, pane);
    bubble.append(text);
  }
  const meta = el("span", "meta");
  if (message.edited) meta.append(el("span", "edited", s("edited")), " ");
  meta.append(hourMinute(message.date));
  bubble.append(meta);
  row.append(bubble);
  if (message.buttons && message.buttons.length) {
    const keyboard = el("div", "keyboard");
    message.buttons.forEach((buttons, rowIndex) => {
      const line = el("div", "keyboard-row");
      buttons.forEach((button, columnIndex) => {
        const key = el("button", button.url ? "key url" : "key", button.text);
        key.type = "button";
        key.addEventListener("click", () => press(pane, message.id, rowIndex, columnIndex, button));
        line.append(key);
      });
      keyboard.append(line);
    });
    row.append(keyboard);
  }
  return row;
}

function upsert(pane, message) {
  const list = pane.messages;
  const old = list.querySelector(`.msg[data-id="${Number(message.id)}"]`);
  const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
  if (message.deleted) {
    if (old) old.remove();
    drawEmpty(pane);
    return;
  }
  const drawn = drawMessage(message, pane);
  if (old) {
    old.replaceWith(drawn);
  } else {
    const later = Array.from(list.querySelectorAll(".msg")).find((node) => Number(node.dataset.id) > message.id);
    list.insertBefore(drawn, later || null);
  }
  drawEmpty(pane);
  if (!old || nearBottom) list.scrollTop = list.scrollHeight;
  if (message.from === "bot" && pane.waitingSince !== null) {
    const since = pane.waitingSince;
    pane.waitingSince = null;
    requestAnimationFrame(() => window.sandboxTimings.push(performance.now() - since));
  }
}

function drawEmpty(pane) {
  const empty = pane.messages.querySelector(".empty");
  const hasMessages = pane.messages.querySelector(".msg") !== null;
  if (hasMessages && empty) empty.remove();
  if (!hasMessages && !empty) {
    const box = el("div", "empty");
    const participant = state.participants.get(pane.id);
    const hint = participant ? s(`empty_${participant.role}`) : s("empty_chat");
    const words = hint.replace("{name}", participant ? participant.first_name : "");
    const line = el("p");
    for (const part of words.split(/(\/[a-z0-9_]{1,32})/)) {
      if (!part.startsWith("/") || !participant || participant.role !== "coordinator") {
        line.append(document.createTextNode(part)); // only the coordinator's hint is a command
        continue;
      }
      const command = el("a", "command", part);
      command.href = "#";
      command.addEventListener("click", (event) => {
        event.preventDefault();
        sendText(pane, part);
      });
      line.append(command);
    }
    box.append(line);
    const start = el("button", "primary start", s("start"));
    start.type = "button";
    start.addEventListener("click", () => sendText(pane, "/start"));
    box.append(start);
    pane.messages.append(box);
  }
}

// ------------------------------------------------------------------ panes

function roleLabel(participant) { return s(participant.role); }

function addPane(participant) {
  if (panes.has(participant.user_id)) return panes.get(participant.user_id);
  const root = document.getElementById("pane-template").content.firstElementChild.cloneNode(true);
  const pane = {
    id: participant.user_id, root, messages: root.querySelector(".messages"),
    menu: root.querySelector(".command-menu"), toast: root.querySelector(".toast"),
    text: root.querySelector("textarea"), commands: [], waitingSince: null, recorder: null,
  };
  root.dataset.chat = participant.user_id;
  root.dataset.role = participant.role;
  const avatar = root.querySelector(".owner .avatar");
  avatar.textContent = initials(participant.first_name);
  avatar.style.background = colour(participant.user_id);
  root.querySelector(".owner-name").textContent = participant.first_name;
  root.querySelector(".owner-role").textContent = roleLabel(participant);
  root.querySelector(".bot-name").textContent = state.bot.name || "Escale";
  root.querySelector(".bot-label").textContent = s("bot");
  root.querySelector(".menu-label").textContent = s("menu");
  pane.text.placeholder = s("message");
  for (const [selector, key] of [[".sample", "sample_voice"], [".record", "record"], [".send", "send"]]) {
    const button = root.querySelector(selector);
    button.title = s(key);
    button.setAttribute("aria-label", s(key));
  }
  const form = root.querySelector(".composer");
  const send = root.querySelector(".send");
  const record = root.querySelector(".record");
  pane.text.addEventListener("input", () => {
    const typed = pane.text.value.trim().length > 0;
    send.hidden = !typed;
    record.hidden = typed;
  });
  pane.text.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = pane.text.value;
    if (!text.trim()) return;
    pane.text.value = "";
    pane.text.dispatchEvent(new Event("input"));
    sendText(pane, text).then((reply) => {
      if (!reply.ok && !pane.text.value) pane.text.value = text; // nothing typed is lost
    });
  });
  root.querySelector(".menu-button").addEventListener("click", () => {
    pane.menu.hidden = !pane.menu.hidden;
  });
  root.querySelector(".sample").addEventListener("click", () => {
    pane.waitingSince = performance.now();
    post(`/api/voice?chat=${pane.id}&duration=6&sample=1`, {}, pane);
  });
  record.addEventListener("click", () => toggleRecording(pane, record));
  document.getElementById("panes").append(root);
  panes.set(participant.user_id, pane);
  drawEmpty(pane);
  return pane;
}

function drawMenu(pane, commands) {
  pane.commands = commands;
  pane.menu.replaceChildren();
  if (!commands.length) pane.menu.append(el("li", "none", s("no_commands")));
  for (const [command, description] of commands) {
    const item = el("li");
    const button = el("button", "command-item");
    button.type = "button";
    button.append(el("b", "", `/${command}`), el("span", "", description));
    button.addEventListener("click", () => {
      pane.menu.hidden = true;
      sendText(pane, `/${command}`);
    });
    item.append(button);
    pane.menu.append(item);
  }
}

function toast(pane, text) {
  const target = pane ? pane.toast : null;
  if (!target) {
    const notice = document.getElementById("notice");
    notice.textContent = text;
    notice.hidden = false;
    clearTimeout(notice.timer);
    notice.timer = setTimeout(() => { notice.hidden = true; }, 4000);
    return;
  }
  target.textContent = text;
  target.hidden = false;
  clearTimeout(target.timer);
  target.timer = setTimeout(() => { target.hidden = true; }, 3500);
}

// ------------------------------------------------------------------ actions

function sendText(pane, text) {
  pane.waitingSince = performance.now();
  pane.menu.hidden = true;
  return post("/api/send", {chat: pane.id, text}, pane);
}

async function press(pane, message, row, column, button) {
  pane.waitingSince = performance.now();
  const reply = await post("/api/press", {chat: pane.id, message, row, column, text: button.text}, pane);
  if (reply.ok && reply.url) {
    if (startLink(reply.url)) openLink(reply.url, pane);
    else window.open(reply.url, "_blank", "noopener");
  }
}

async function toggleRecording(pane, button) {
  if (pane.recorder) {
    pane.recorder.stop();
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({audio: true});
  } catch (error) {
    toast(pane, s("no_microphone"));
    return;
  }
  const recorder = new MediaRecorder(stream);
  const chunks = [];
  const began = Date.now();
  recorder.addEventListener("dataavailable", (event) => chunks.push(event.data));
  recorder.addEventListener("stop", () => {
    stream.getTracks().forEach((track) => track.stop());
    pane.recorder = null;
    button.classList.remove("recording");
    button.title = s("record");
    const seconds = Math.max(1, Math.round((Date.now() - began) / 1000));
    const blob = new Blob(chunks, {type: recorder.mimeType || "audio/ogg"});
    pane.waitingSince = performance.now();
    post(`/api/voice?chat=${pane.id}&duration=${seconds}`, blob, pane);
  });
  recorder.start();
  pane.recorder = recorder;
  button.classList.add("recording");
  button.title = s("stop_recording");
}

function fillLanguages(select) {
  select.replaceChildren();
  for (const code of state.languages) {
    const option = el("option", "", code);
    option.value = code;
    option.textContent = new Intl.DisplayNames([state.lang], {type: "language"}).of(code) || code;
    select.append(option);
  }
  select.value = state.languages.includes(state.lang) ? state.lang : state.languages[0];
}

function showError(form, text) {
  const error = form.querySelector(".form-error");
  error.textContent = text;
  error.hidden = !text;
}

function askPerson() {
  const dialog = document.getElementById("person-dialog");
  const form = dialog.querySelector("form");
  form.reset();
  showError(form, "");
  fillLanguages(form.elements.language);
  dialog.showModal();
  form.elements.name.focus();
}

function openLink(url, fromPane) {
  const dialog = document.getElementById("open-dialog");
  const form = dialog.querySelector("form");
  form.reset();
  showError(form, "");
  form.dataset.url = url;
  fillLanguages(form.elements.language);
  const choices = form.querySelector(".open-choices");
  choices.replaceChildren();
  for (const participant of state.participants.values()) {
    const choice = el("button", "choice");
    choice.type = "button";
    choice.dataset.chat = participant.user_id;
    const avatar = el("span", "avatar", initials(participant.first_name));
    avatar.style.background = colour(participant.user_id);
    choice.append(avatar, el("b", "", participant.first_name), el("small", "", roleLabel(participant)));
    choice.addEventListener("click", async () => {
      const pane = panes.get(participant.user_id);
      if (pane) pane.waitingSince = performance.now();
      const reply = await post("/api/open", {url, chat: participant.user_id}, pane);
      if (reply.ok) {
        dialog.close();
        reveal(participant.user_id);
      } else {
        showError(form, reply.error);
      }
    });
    choices.append(choice);
  }
  dialog.showModal();
}

function reveal(chatId) {
  const pane = panes.get(chatId);
  if (pane) {
    pane.root.scrollIntoView({behavior: "smooth", inline: "nearest", block: "nearest"});
  }
}

function setUpDialogs() {
  const personDialog = document.getElementById("person-dialog");
  personDialog.querySelector("form").addEventListener("submit", async (event) => {
    const form = event.target;
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) {
      showError(form, s("name_needed"));
      return;
    }
    const reply = await post("/api/people", {name, language: form.elements.language.value}, null);
    if (reply.ok) {
      personDialog.close();
      setTimeout(() => reveal(reply.chat), 50);
    } else {
      showError(form, reply.error);
    }
  });
  const openDialog = document.getElementById("open-dialog");
  openDialog.querySelector("form").addEventListener("submit", async (event) => {
    const form = event.target;
    if (event.submitter && event.submitter.value === "cancel") return;
    event.preventDefault();
    const name = form.elements.name.value.trim();
    if (!name) {
      showError(form, s("name_needed"));
      return;
    }
    const reply = await post("/api/open", {
      url: form.dataset.url, name, language: form.elements.language.value,
    }, null);
    if (reply.ok) {
      openDialog.close();
      setTimeout(() => reveal(reply.chat), 50);
    } else {
      showError(form, reply.error);
    }
  });
  document.getElementById("add-person").addEventListener("click", askPerson);
  document.getElementById("start-again").addEventListener("click", async () => {
    if (window.confirm(s("start_again_confirm"))) await post("/api/reset", {}, null);
  });
  for (const button of document.querySelectorAll("button.step")) {
    button.addEventListener("click", async () => {
      const reply = await post("/api/clock", {step: button.dataset.step}, null);
      if (reply.ok) setClock(reply.now);
    });
  }
}

// ------------------------------------------------------------------ events

function drawState(event) {
  if (event.strings) state.strings = event.strings;
  if (event.language) state.lang = event.language;
  state.bot = event.bot;
  state.timezone = event.timezone;
  state.languages = event.languages;
  state.participants = new Map(event.participants.map((p) => [p.user_id, p]));
  applyStrings(document);
  setClock(event.now);
  const drafts = new Map(Array.from(panes.values()).map((pane) => [pane.id, pane.text.value]));
  panes.clear();
  document.getElementById("panes").replaceChildren();
  for (const participant of event.participants) {
    const pane = addPane(participant);
    if (drafts.get(pane.id)) {
      pane.text.value = drafts.get(pane.id);
      pane.text.dispatchEvent(new Event("input"));
    }
    for (const message of event.chats[String(participant.user_id)] || []) upsert(pane, message);
    drawMenu(pane, event.menus[String(participant.user_id)] || []);
  }
  if (event.restarted) toast(null, s("restarted"));
  document.body.classList.add("ready");
}

function handle(event) {
  switch (event.type) {
    case "state": drawState(event); break;
    case "message": {
      const pane = panes.get(event.chat);
      if (pane) upsert(pane, event.message);
      break;
    }
    case "menu": {
      const pane = panes.get(event.chat);
      if (pane) drawMenu(pane, event.commands);
      break;
    }
    case "participant":
      state.participants.set(event.participant.user_id, event.participant);
      drawMenu(addPane(event.participant), event.commands || []);
      break;
    case "toast": toast(panes.get(event.chat), event.text); break;
    case "clock": setClock(event.now); break;
    default: break;
  }
}

function connect() {
  const lang = new URLSearchParams(location.search).get("lang") || "";
  const source = new EventSource(`/api/events?lang=${encodeURIComponent(lang)}`);
  source.addEventListener("message", (event) => {
    document.body.classList.remove("offline");
    handle(JSON.parse(event.data));
  });
  source.addEventListener("error", () => {
    document.body.classList.add("offline");
    toast(null, s("offline"));
  });
}

state.lang = (new URLSearchParams(location.search).get("lang") || navigator.language || "fr").slice(0, 2);
setUpDialogs();
setInterval(drawClock, 1000);
connect();
