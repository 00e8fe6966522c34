/*
 * Charla web chat widget: plain JavaScript, no build step, no dependencies.
 *
 * It speaks the webhook_webchat API of the same function:
 *   POST {api}  {"site", "visitor_id", "text", "message_id", "name"?}  → 202 {"visitor_token", ...}
 *   GET  {api}?site=&visitor_id=&after=CURSOR  → {"replies": [...], "cursor"}
 * The visitor id is random and the widget's own; the answer to a new visitor's first message issues the
 * visitor's token, kept in localStorage beside the id, and every later request carries it
 * (X-Charla-Visitor-Token): without it no one reads or writes this visitor's conversation.
 * and renders every reply kind of the bot engine: text, buttons, menu, carousel, media, location.
 *
 * Configuration: on widget.html, the page's query (?site=&name=&title=&lang=); embedded in another
 * page, the script tag's data-site, data-api, data-name, data-title, data-lang and data-target (the id
 * of the element to build the chat in).
 *
 * Every text that comes from the bot, an agent or the visitor goes into the page through textContent
 * or attributes, never through innerHTML.
 */
(function () {
  "use strict";

  var POLL_MS = 1000;
  var LONG_POLL_S = 25;
  var HIDDEN_POLL_MS = 5000;
  var MAX_POLL_BACKOFF_MS = 15000;
  var SEND_ATTEMPTS = 4;
  var MAX_TEXT_CHARS = 4096;
  var MAX_KEPT_ITEMS = 200;
  var VISITOR_KEY = "charla.webchat.visitor_id";
  var TOKEN_KEY = "charla.webchat.visitor_token.";  // + site: a token is bound to its site and visitor
  var TOKEN_HEADER = "X-Charla-Visitor-Token";
  var TRANSCRIPT_KEY = "charla.webchat.transcript.";
  var IDENTIFIER = /^[A-Za-z0-9_-]{8,64}$/;
  var SITE = /^[A-Za-z0-9_.-]{1,64}$/;
  var URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"']+/g;

  var STRINGS = {
    es: {
      title: "Chat", log: "Conversación", input: "Escribí tu mensaje", placeholder: "Escribí un mensaje…",
      send: "Enviar", sending: "Enviando…", failed: "No se envió. Tocá para reintentar.", retry: "Reintentar envío",
      offline: "Sin conexión; reintentando…", noSite: "Falta el sitio del chat (?site=).",
      unknownSite: "Este chat no está configurado.", tooLong: "El mensaje es demasiado largo.",
      download: "Descargar", map: "Ver en el mapa", agent: "Agente", options: "Opciones", cards: "Tarjetas",
      you: "Vos", image: "Imagen"
    },
    pt: {
      title: "Chat", log: "Conversa", input: "Escreva sua mensagem", placeholder: "Escreva uma mensagem…",
      send: "Enviar", sending: "Enviando…", failed: "Não enviada. Toque para tentar de novo.",
      retry: "Tentar enviar de novo", offline: "Sem conexão; tentando de novo…",
      noSite: "Falta o site do chat (?site=).", unknownSite: "Este chat não está configurado.",
      tooLong: "A mensagem é longa demais.", download: "Baixar", map: "Ver no mapa", agent: "Atendente",
      options: "Opções", cards: "Cartões", you: "Você", image: "Imagem"
    },
    en: {
      title: "Chat", log: "Conversation", input: "Type your message", placeholder: "Type a message…",
      send: "Send", sending: "Sending…", failed: "Not sent. Tap to retry.", retry: "Retry sending",
      offline: "Offline; retrying…", noSite: "The chat's site is missing (?site=).",
      unknownSite: "This chat is not set up.", tooLong: "The message is too long.", download: "Download",
      map: "View on the map", agent: "Agent", options: "Options", cards: "Cards", you: "You", image: "Image"
    }
  };

  // ---- configuration and storage ----------------------------------------------------------------

  function readConfig(script) {
    var data = (script && script.dataset) || {};
    var query = new URLSearchParams(window.location.search);
    // Embedded in someone else's page, that page's query string is not ours to read.
    var own = data.site === undefined;
    function pick(name) {
      var value = own ? query.get(name) : data[name];
      return value == null ? "" : String(value).trim();
    }
    var lang = (pick("lang") || navigator.language || "es").slice(0, 2).toLowerCase();
    return {
      site: pick("site"),
      name: pick("name").slice(0, 100),
      title: pick("title"),
      lang: STRINGS[lang] ? lang : "es",
      api: (data.api || defaultApi(script)).replace(/\?.*$/, ""),
      embedded: !own,
      target: data.target || "charla-widget"
    };
  }

  // The API is the function the script came from: …/webhook_webchat/widget.js → …/webhook_webchat.
  function defaultApi(script) {
    var url = new URL(script && script.src ? script.src : window.location.href);
    url.pathname = url.pathname.replace(/\/widget(\.js)?$/, "") || "/";
    url.search = "";
    url.hash = "";
    return url.toString();
  }

  function openStorage() {
    try {
      var storage = window.localStorage;
      storage.setItem("charla.probe", "1");
      storage.removeItem("charla.probe");
      return storage;
    } catch (error) {
      return null; // blocked (private mode, sandboxed iframe): the chat still works for this page view
    }
  }

  function readJson(storage, key) {
    if (!storage) return null;
    try {
      return JSON.parse(storage.getItem(key));
    } catch (error) {
      return null;
    }
  }

  function writeJson(storage, key, value) {
    if (!storage) return;
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // A full storage loses only the transcript kept for the next visit.
    }
  }

  function randomId(prefix) {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    var hex = "";
    for (var i = 0; i < bytes.length; i++) hex += (bytes[i] + 0x100).toString(16).slice(1);
    return prefix + hex;
  }

  function visitorId(storage, fresh) {
    var kept = !fresh && storage && storage.getItem(VISITOR_KEY);
    if (kept && IDENTIFIER.test(kept)) return kept;
    var made = randomId("v_");
    if (storage) storage.setItem(VISITOR_KEY, made);
    return made;
  }

  // The token the server issued for this site's conversation ("" until a first message is answered).
  function keepToken(storage, site, token) {
    if (!storage) return;
    try {
      if (token) storage.setItem(TOKEN_KEY + site, token);
      else storage.removeItem(TOKEN_KEY + site);
    } catch (error) {
      // Storage refused: the token lasts for this page view.
    }
  }

  // ---- DOM helpers ------------------------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null && text !== "") node.textContent = String(text);
    return node;
  }

  // Only http(s) addresses become links or sources: never javascript:, data: or the like.
  function safeUrl(raw) {
    if (typeof raw !== "string" || !raw) return "";
    try {
      var url = new URL(raw, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : "";
    } catch (error) {
      return "";
    }
  }

  function externalLink(href, text) {
    var link = el("a", "charla-link", text);
    link.href = href;
    link.target = "_blank";
    link.rel = "noopener noreferrer nofollow";
    return link;
  }

  // Text with its newlines (CSS white-space: pre-wrap) and its web addresses as links.
  function richText(text, className) {
    var block = el("p", className || "charla-text");
    var value = String(text || "");
    var last = 0;
    value.replace(URL_IN_TEXT, function (match, offset) {
      var address = match.replace(/[.,;:!?)]+$/, "");
      block.appendChild(document.createTextNode(value.slice(last, offset)));
      block.appendChild(externalLink(address, address));
      last = offset + address.length;
      return match;
    });
    block.appendChild(document.createTextNode(value.slice(last)));
    return block;
  }

  // A menu's text is its header then one "N. title" line per option: the buttons show the options.
  function menuHeader(text, options) {
    var lines = String(text || "").split("\n");
    if (lines.length < options.length) return text;
    var tail = lines.slice(lines.length - options.length);
    for (var i = 0; i < options.length; i++) {
      var line = tail[i].trim();
      if (line.slice(line.length - options[i].length) !== options[i]) return text;
    }
    return lines.slice(0, lines.length - options.length).join("\n");
  }

  function coordinate(value, limit) {
    var number = typeof value === "number" ? value : parseFloat(value);
    return isFinite(number) && Math.abs(number) <= limit ? number : null;
  }

  // ---- the widget -------------------------------------------------------------------------------

  function Widget(config, mount) {
    this.config = config;
    this.t = STRINGS[config.lang];
    this.storage = openStorage();
    this.visitorId = visitorId(this.storage, false);
    this.token = (this.storage && this.storage.getItem(TOKEN_KEY + config.site)) || "";
    this.transcriptKey = TRANSCRIPT_KEY + config.site;
    this.items = [];
    this.seen = {};
    this.cursor = 0;
    this.openGroups = [];
    this.sendChain = Promise.resolve();
    this.polling = false;
    this.pollAgain = false;
    this.pollTimer = null;
    this.pollFailures = 0;
    this.build(mount);
  }

  Widget.prototype.build = function (mount) {
    var t = this.t;
    var root = el("section", "charla");
    root.lang = this.config.lang;
    root.setAttribute("aria-label", this.config.title || t.title);
    var header = el("header", "charla-header");
    // In someone else's page the chat is a section of it, not its main heading.
    header.appendChild(el(this.config.embedded ? "h2" : "h1", "charla-title", this.config.title || t.title));
    this.status = el("p", "charla-status");
    this.status.setAttribute("role", "status");
    header.appendChild(this.status);
    this.log = el("div", "charla-log");
    this.log.setAttribute("role", "log");
    this.log.setAttribute("aria-live", "polite");
    this.log.setAttribute("aria-label", t.log);
    this.log.tabIndex = 0;
    this.stuck = true;
    this.form = el("form", "charla-form");
    this.input = el("input", "charla-input");
    this.input.type = "text";
    this.input.autocomplete = "off";
    this.input.maxLength = MAX_TEXT_CHARS;
    this.input.placeholder = t.placeholder;
    this.input.setAttribute("aria-label", t.input);
    this.sendButton = el("button", "charla-send");
    this.sendButton.type = "submit";
    this.sendButton.setAttribute("aria-label", t.send);
    this.sendButton.title = t.send;
    this.sendButton.appendChild(el("span", "charla-send-icon"));
    this.form.appendChild(this.input);
    this.form.appendChild(this.sendButton);
    root.appendChild(header);
    root.appendChild(this.log);
    root.appendChild(this.form);
    mount.appendChild(root);

    var self = this;
    this.log.addEventListener("scroll", function () {
      self.stuck = self.log.scrollHeight - self.log.scrollTop - self.log.clientHeight < 80;
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (self.send(self.input.value)) self.input.value = "";
      self.input.focus();
    });
  };

  Widget.prototype.start = function () {
    if (!SITE.test(this.config.site)) {
      this.setStatus(this.t.noSite);
      this.input.disabled = true;
      this.sendButton.disabled = true;
      return;
    }
    this.restore();
    var self = this;
    document.addEventListener("visibilitychange", function () {
      if (!document.hidden) self.pollSoon();
    });
    this.pollSoon();
  };

  Widget.prototype.setStatus = function (text) {
    this.status.textContent = text || "";
  };

  // ---- transcript -------------------------------------------------------------------------------

  Widget.prototype.restore = function () {
    var kept = readJson(this.storage, this.transcriptKey);
    if (!kept || kept.visitor_id !== this.visitorId || !Array.isArray(kept.items)) return;
    this.cursor = Number(kept.cursor) || 0;
    for (var i = 0; i < kept.items.length; i++) {
      var item = kept.items[i];
      var valid = item && (item.type === "visitor" ? typeof item.text === "string" && IDENTIFIER.test(item.message_id)
        : item.type === "reply" && item.reply && typeof item.reply === "object");
      if (valid) this.show(item);
    }
    // A message whose sending was cut short (page closed, reload) goes again with the same id:
    // the server answers a repeated message_id only once.
    for (var j = 0; j < this.items.length; j++) {
      if (this.items[j].type === "visitor" && this.items[j].status === "sending") this.queueSend(this.items[j]);
    }
  };

  Widget.prototype.persist = function () {
    var items = this.items.slice(-MAX_KEPT_ITEMS).map(function (item) {
      if (item.type === "reply") return {type: "reply", reply: item.reply};
      return {type: "visitor", text: item.text, message_id: item.message_id, status: item.status, choice: item.choice};
    });
    writeJson(this.storage, this.transcriptKey, {visitor_id: this.visitorId, cursor: this.cursor, items: items});
  };

  Widget.prototype.show = function (item) {
    if (item.type === "visitor") {
      // The visitor has answered: the choices offered before are no longer the bot's question.
      this.closeGroups(item.choice);
      item.node = this.visitorBubble(item);
    } else {
      this.seen[item.reply.message_id] = true;
      item.node = this.replyBubble(item.reply);
    }
    this.items.push(item);
    this.log.appendChild(item.node);
    if (item.type === "visitor") this.stuck = true;
    this.followLatest();
  };

  // The log follows new messages while the visitor is at its end, not while they read older ones.
  Widget.prototype.followLatest = function () {
    if (this.stuck) this.log.scrollTop = this.log.scrollHeight;
  };

  Widget.prototype.visitorBubble = function (item) {
    var bubble = el("div", "charla-msg charla-msg--visitor");
    bubble.dataset.messageId = item.message_id;
    bubble.appendChild(el("span", "charla-sr", this.t.you + ":"));
    bubble.appendChild(richText(item.text));
    item.statusNode = el("p", "charla-msg-status");
    bubble.appendChild(item.statusNode);
    this.paintStatus(item, bubble);
    return bubble;
  };

  Widget.prototype.paintStatus = function (item, bubble) {
    var node = item.statusNode;
    if (!node) return;
    node.textContent = "";
    (bubble || item.node).classList.toggle("charla-msg--failed", item.status === "failed");
    if (item.status === "sending") node.textContent = this.t.sending;
    if (item.status === "failed") {
      var retry = el("button", "charla-retry", this.t.failed);
      retry.type = "button";
      retry.setAttribute("aria-label", this.t.retry);
      var self = this;
      retry.addEventListener("click", function () {
        item.status = "sending";
        self.paintStatus(item);
        self.persist();
        self.queueSend(item);
      });
      node.appendChild(retry);
    }
  };

  // Disables every open choice and marks the one picked, in the latest group that offered it.
  Widget.prototype.closeGroups = function (chosen) {
    for (var i = this.openGroups.length - 1; i >= 0; i--) {
      var buttons = this.openGroups[i].querySelectorAll("button");
      for (var j = 0; j < buttons.length; j++) {
        buttons[j].disabled = true;
        if (chosen && buttons[j].dataset.choice === chosen) {
          buttons[j].classList.add("charla-choice--chosen");
          buttons[j].setAttribute("aria-pressed", "true");
          chosen = "";
        }
      }
    }
    this.openGroups = [];
  };

  // ---- replies ----------------------------------------------------------------------------------

  Widget.prototype.replyBubble = function (reply) {
    var sender = reply.sender_type === "agent" ? "agent" : "bot";
    var bubble = el("div", "charla-msg charla-msg--" + sender + " charla-kind--" + String(reply.kind || "text"));
    bubble.dataset.kind = String(reply.kind || "text");
    bubble.dataset.seq = String(reply.seq);
    if (sender === "agent") bubble.appendChild(el("p", "charla-sender", this.t.agent));
    var options = Array.isArray(reply.options) ? reply.options.map(String) : [];
    var payload = reply.payload && typeof reply.payload === "object" ? reply.payload : {};
    switch (reply.kind) {
      case "menu":
        var header = menuHeader(reply.text, options);
        if (header) bubble.appendChild(richText(header));
        bubble.appendChild(this.choices(options, true));
        break;
      case "carousel":
        if (reply.text) bubble.appendChild(richText(reply.text));
        bubble.appendChild(this.carousel(Array.isArray(payload.cards) ? payload.cards : []));
        break;
      case "media":
        bubble.appendChild(this.media(payload));
        if (reply.text) bubble.appendChild(richText(reply.text));
        break;
      case "location":
        bubble.appendChild(this.location(payload));
        break;
      default: // text, buttons, and any kind this widget does not know yet: its text and its options
        if (reply.text) bubble.appendChild(richText(reply.text));
        if (options.length) bubble.appendChild(this.choices(options, false));
    }
    return bubble;
  };

  Widget.prototype.choiceButton = function (title, className) {
    var button = el("button", className, title);
    button.type = "button";
    button.dataset.choice = title;
    button.setAttribute("aria-label", title);
    var self = this;
    button.addEventListener("click", function () {
      if (!button.disabled) self.send(title, title);
    });
    return button;
  };

  Widget.prototype.choices = function (options, numbered) {
    var group = el(numbered ? "ol" : "div", "charla-choices" + (numbered ? " charla-choices--menu" : ""));
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", this.t.options);
    for (var i = 0; i < options.length; i++) {
      var button = this.choiceButton(options[i], "charla-choice");
      if (numbered) {
        var row = el("li", "charla-choice-row");
        row.appendChild(button);
        group.appendChild(row);
      } else {
        group.appendChild(button);
      }
    }
    this.openGroups.push(group);
    return group;
  };

  Widget.prototype.carousel = function (cards) {
    var strip = el("div", "charla-carousel");
    strip.setAttribute("role", "group");
    strip.setAttribute("aria-label", this.t.cards);
    strip.tabIndex = 0;
    for (var i = 0; i < cards.length; i++) {
      var card = cards[i] && typeof cards[i] === "object" ? cards[i] : {};
      var node = el("article", "charla-card");
      var image = safeUrl(card.image);
      if (image) {
        var img = this.image(image, card.title || this.t.image, "charla-card-image");
        node.appendChild(img);
      }
      var body = el("div", "charla-card-body");
      body.appendChild(el("h3", "charla-card-title", card.title));
      if (card.subtitle) body.appendChild(richText(card.subtitle, "charla-card-subtitle"));
      var buttons = Array.isArray(card.buttons) ? card.buttons : [];
      for (var j = 0; j < buttons.length; j++) body.appendChild(this.choiceButton(String(buttons[j]), "charla-choice"));
      node.appendChild(body);
      strip.appendChild(node);
    }
    this.openGroups.push(strip);
    return strip;
  };

  Widget.prototype.image = function (src, alt, className) {
    var img = el("img", className);
    img.alt = alt;
    img.loading = "lazy";
    img.decoding = "async";
    img.referrerPolicy = "no-referrer";
    var self = this;
    img.addEventListener("load", function () { self.followLatest(); });
    img.addEventListener("error", function () { img.classList.add("charla-broken"); });
    img.src = src;
    return img;
  };

  Widget.prototype.media = function (payload) {
    var figure = el("figure", "charla-media");
    var url = safeUrl(payload.url);
    var caption = payload.caption ? String(payload.caption) : "";
    var kind = String(payload.kind || "");
    figure.dataset.media = kind;
    if (url && kind === "image") {
      figure.appendChild(this.image(url, caption || this.t.image, "charla-media-image"));
    } else if (url && (kind === "video" || kind === "audio")) {
      var player = el(kind, "charla-media-" + kind);
      player.controls = true;
      player.preload = "metadata";
      player.src = url;
      if (caption) player.setAttribute("aria-label", caption);
      figure.appendChild(player);
    } else if (url) {
      var name = String(payload.filename || "") || url.split("/").pop() || this.t.download;
      var link = externalLink(url, name);
      link.className = "charla-link charla-document";
      link.setAttribute("download", String(payload.filename || ""));
      link.setAttribute("aria-label", this.t.download + ": " + name);
      figure.appendChild(link);
    }
    if (caption) figure.appendChild(el("figcaption", "charla-caption", caption));
    return figure;
  };

  Widget.prototype.location = function (payload) {
    var box = el("div", "charla-location");
    var name = payload.name ? String(payload.name) : "";
    var address = payload.address ? String(payload.address) : "";
    var lat = coordinate(payload.latitude, 90);
    var lon = coordinate(payload.longitude, 180);
    if (name) box.appendChild(el("p", "charla-location-name", name));
    if (address) box.appendChild(el("p", "charla-location-address", address));
    if (lat !== null && lon !== null) {
      var href = "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon;
      var link = externalLink(href, this.t.map);
      link.classList.add("charla-map");
      link.setAttribute("aria-label", this.t.map + (name ? ": " + name : ""));
      box.appendChild(link);
    }
    return box;
  };

  // ---- sending ----------------------------------------------------------------------------------

  // Shows the visitor's message at once and posts it behind the earlier ones, in order.
  Widget.prototype.send = function (raw, choice) {
    var text = String(raw || "").trim();
    if (!text) return false;
    if (text.length > MAX_TEXT_CHARS) {
      this.setStatus(this.t.tooLong);
      return false;
    }
    var item = {type: "visitor", text: text, message_id: randomId("m_"), status: "sending", choice: choice || ""};
    this.show(item);
    this.persist();
    this.queueSend(item);
    return true;
  };

  Widget.prototype.queueSend = function (item) {
    var self = this;
    this.sendChain = this.sendChain.then(function () { return self.post(item); });
  };

  Widget.prototype.post = function (item) {
    var self = this;

    function attempt(number) {
      // Built at each attempt: the first message's answer gives the id and token the next ones carry.
      var body = {site: self.config.site, visitor_id: self.visitorId, text: item.text, message_id: item.message_id};
      var headers = {"Content-Type": "application/json"};
      if (self.token) headers[TOKEN_HEADER] = self.token;
      if (self.config.name) body.name = self.config.name;
      return fetch(self.config.api, {
        method: "POST",
        headers: headers,
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (answer) {
            self.adopt(answer);
            return "sent";
          }, function () { return "sent"; });
        }
        if ((response.status === 401 || response.status === 403) && number + 1 < SEND_ATTEMPTS) {
          // This id is not ours to write with (its conversation began before tokens, or the key was
          // rotated): go on as a new visitor.
          self.startOver();
          return "retry";
        }
        // A refused message stays refused; a busy or failing server may take it on a later try.
        var final = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
        return final ? "failed" : "retry";
      }, function () {
        return "retry";
      }).then(function (outcome) {
        if (outcome !== "retry") return outcome;
        if (number + 1 >= SEND_ATTEMPTS) return "failed";
        return new Promise(function (resolve) {
          setTimeout(function () { resolve(attempt(number + 1)); }, 400 * Math.pow(2, number));
        });
      });
    }

    return attempt(0).then(function (outcome) {
      item.status = outcome;
      self.paintStatus(item);
      self.persist();
      if (outcome === "sent") self.pollSoon();
    });
  };

  Widget.prototype.adopt = function (answer) {
    if (!answer || answer.visitor_id !== this.visitorId || typeof answer.visitor_token !== "string") return;
    this.token = answer.visitor_token;
    keepToken(this.storage, this.config.site, this.token);
  };

  Widget.prototype.startOver = function () {
    this.visitorId = visitorId(this.storage, true);
    this.token = "";
    this.cursor = 0;  // a new visitor's replies start at 1
    keepToken(this.storage, this.config.site, "");
  };

  // ---- polling ----------------------------------------------------------------------------------

  Widget.prototype.pollSoon = function () {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.schedulePoll(0);
  };

  Widget.prototype.schedulePoll = function (delay) {
    var self = this;
    clearTimeout(this.pollTimer);
    this.pollTimer = setTimeout(function () { self.poll(); }, delay);
  };

  Widget.prototype.poll = function () {
    var self = this;
    if (this.polling) return;
    if (!this.token) return;  // nothing to read before the first message; sending it polls again
    this.polling = true;
    var url = new URL(this.config.api, window.location.href);
    url.searchParams.set("site", this.config.site);
    url.searchParams.set("visitor_id", this.visitorId);
    url.searchParams.set("after", String(this.cursor));
    // Long poll: the server answers as soon as a reply is visible, or after LONG_POLL_S with none.
    var longPoll = !document.hidden && !this.pollFailures;
    if (longPoll) url.searchParams.set("wait", String(LONG_POLL_S));
    var more = false;
    var headers = {};
    headers[TOKEN_HEADER] = this.token;
    fetch(url.toString(), {cache: "no-store", headers: headers}).then(function (response) {
      if (response.status === 404) self.setStatus(self.t.unknownSite);
      if (response.status === 401 || response.status === 403) {
        self.token = "";  // not this visitor's any more: the next message starts over
        keepToken(self.storage, self.config.site, "");
      }
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (body) {
      var replies = Array.isArray(body.replies) ? body.replies : [];
      for (var i = 0; i < replies.length; i++) {
        var reply = replies[i];
        if (!reply || typeof reply !== "object" || !(reply.seq > self.cursor) || self.seen[reply.message_id]) continue;
        self.cursor = reply.seq;
        self.show({type: "reply", reply: reply});
      }
      if (typeof body.cursor === "number" && body.cursor > self.cursor) self.cursor = body.cursor;
      if (replies.length) self.persist();
      more = replies.length >= 100;
      self.pollFailures = 0;
      self.setStatus("");
    }).catch(function () {
      self.pollFailures += 1;
      if (self.pollFailures >= 2 && self.status.textContent !== self.t.unknownSite) self.setStatus(self.t.offline);
    }).then(function () {
      self.polling = false;
      var delay = document.hidden ? HIDDEN_POLL_MS : longPoll ? 0 : POLL_MS;
      if (self.pollFailures) delay = Math.min(MAX_POLL_BACKOFF_MS, POLL_MS * Math.pow(2, self.pollFailures));
      if (more || self.pollAgain) delay = 0;
      self.pollAgain = false;
      self.schedulePoll(delay);
    });
  };

  // ---- start ------------------------------------------------------------------------------------

  var script = document.currentScript;
  function boot() {
    var config = readConfig(script);
    var mount = document.getElementById(config.target);
    if (!mount) {
      mount = el("div", "charla-mount charla-mount--floating");
      mount.id = config.target;
      document.body.appendChild(mount);
    }
    var widget = new Widget(config, mount);
    widget.start();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
