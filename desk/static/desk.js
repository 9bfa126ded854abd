// eepay agent desk: live updates by short polling.
//
// Why polling and not server-sent events: the desk itself has to poll Rasa for what a customer
// writes (Rasa does not push to the desk), so a push channel would only move the polling into
// the server while holding one long-lived connection per open page. Short polling every few
// seconds of two small JSON routes is as fresh, survives restarts and proxies, and re-checks
// the session on every request.
//
// Customer text is untrusted: it is only ever put into the page with textContent, never as HTML.
(function () {
  "use strict";

  var body = document.body;
  var pollMs = parseInt(body.getAttribute("data-poll-ms"), 10) || 3000;
  var csrfMeta = document.querySelector('meta[name="csrf-token"]');
  var csrf = csrfMeta ? csrfMeta.getAttribute("content") : "";
  var clockOffset = 0; // server time minus browser time, in ms

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function duration(ms) {
    var seconds = Math.max(0, Math.floor(ms / 1000));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    if (hours > 0) { return hours + " 小时 " + minutes + " 分"; }
    if (minutes > 0) { return minutes + " 分 " + rest + " 秒"; }
    return rest + " 秒";
  }

  function tickWaits() {
    var now = Date.now() + clockOffset;
    var cells = document.querySelectorAll("[data-since-ms]");
    for (var i = 0; i < cells.length; i++) {
      if (cells[i].getAttribute("data-stopped")) { continue; }
      var since = parseInt(cells[i].getAttribute("data-since-ms"), 10);
      if (!isNaN(since)) { cells[i].textContent = "已等待 " + duration(now - since); }
    }
  }

  function setLive(ok) {
    var state = document.getElementById("live-state");
    if (!state) { return; }
    state.textContent = ok ? "● 实时" : "● 连接中断，正在重试…";
    state.className = ok ? "live-state" : "live-state down";
  }

  function getJSON(url, onData) {
    var request = new XMLHttpRequest();
    request.open("GET", url, true);
    request.setRequestHeader("Accept", "application/json");
    request.onload = function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (request.status === 200 && type.indexOf("application/json") === 0) {
        setLive(true);
        onData(JSON.parse(request.responseText));
      } else if (request.responseURL && request.responseURL.indexOf("/login") !== -1) {
        window.location.reload(); // the session ended: the server shows the login page
      } else {
        setLive(false);
      }
    };
    request.onerror = function () { setLive(false); };
    request.send();
  }

  function every(ms, fn) {
    function loop() {
      if (document.visibilityState !== "hidden") { fn(); }
      window.setTimeout(loop, ms);
    }
    window.setTimeout(loop, ms);
  }

  // --- the queue ---------------------------------------------------------------------------

  function cell(row, text, className) {
    var td = el("td", className || "", text);
    row.appendChild(td);
    return td;
  }

  function badge(item) {
    var td = el("td");
    td.appendChild(el("span", "badge priority-" + item.priority, item.priority_label));
    return td;
  }

  function waitCell(row, item) {
    var td = cell(row, "", "wait");
    td.setAttribute("data-since-ms", String(item.created_ms));
  }

  function waitingRow(item) {
    var row = el("tr", "priority-" + item.priority);
    row.setAttribute("data-ticket-id", String(item.id));
    row.appendChild(badge(item));
    waitCell(row, item);
    cell(row, item.channel_label);
    cell(row, item.reason_label);
    cell(row, item.customer_label, "customer");
    var topic = cell(row, item.intent_label, "topic");
    if (item.diagnosis) { topic.appendChild(el("div", "muted", item.diagnosis)); }
    var actions = cell(row, "", "actions");
    var form = el("form", "inline");
    form.method = "post";
    form.action = "/handoffs/" + encodeURIComponent(item.id) + "/claim";
    var token = el("input");
    token.type = "hidden";
    token.name = "csrf_token";
    token.value = csrf;
    form.appendChild(token);
    var button = el("button", "primary small", "领取");
    button.type = "submit";
    form.appendChild(button);
    actions.appendChild(form);
    actions.appendChild(document.createTextNode(" "));
    var link = el("a", "", "查看");
    link.href = item.url;
    actions.appendChild(link);
    return row;
  }

  function assignedRow(item) {
    var row = el("tr");
    row.setAttribute("data-ticket-id", String(item.id));
    row.appendChild(badge(item));
    cell(row, item.customer_label, "customer");
    cell(row, item.channel_label);
    cell(row, item.reason_label);
    cell(row, item.agent);
    waitCell(row, item);
    var actions = cell(row, "", "actions");
    var link = el("a", "", "打开");
    link.href = item.url;
    actions.appendChild(link);
    return row;
  }

  var rendered = {}; // the data each table shows now: rebuild only when it changed

  function fill(tableId, countId, items, build) {
    var table = document.getElementById(tableId);
    if (!table) { return; }
    var snapshot = JSON.stringify(items);
    if (rendered[tableId] === snapshot) { return; } // keeps a half-clicked button in place
    rendered[tableId] = snapshot;
    var tbody = table.tBodies[0];
    var rows = document.createDocumentFragment();
    for (var i = 0; i < items.length; i++) { rows.appendChild(build(items[i])); }
    while (tbody.firstChild) { tbody.removeChild(tbody.firstChild); }
    tbody.appendChild(rows);
    var count = document.getElementById(countId);
    if (count) { count.textContent = String(items.length); }
  }

  function refreshQueue() {
    getJSON("/queue/data", function (data) {
      clockOffset = data.now_ms - Date.now();
      fill("queue-waiting", "waiting-count", data.waiting, waitingRow);
      fill("queue-mine", "mine-count", data.mine, assignedRow);
      fill("queue-others", "others-count", data.others, assignedRow);
      var empty = document.getElementById("waiting-empty");
      if (empty) { empty.classList.toggle("hidden", data.waiting.length > 0); }
      tickWaits();
    });
  }

  // --- one conversation --------------------------------------------------------------------

  function turnItem(turn) {
    var item = el("li", "turn sender-" + turn.sender);
    item.setAttribute("data-turn-id", String(turn.id));
    var meta = turn.sender_label + (turn.agent_name ? " · " + turn.agent_name : "") +
      " · " + turn.time_label;
    item.appendChild(el("div", "meta", meta));
    item.appendChild(el("div", "text", turn.text));
    return item;
  }

  function renderNotes(notes) {
    var list = document.getElementById("notes");
    if (!list || list.children.length === notes.length) { return; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    for (var i = 0; i < notes.length; i++) {
      var item = el("li");
      item.appendChild(el("div", "meta", notes[i].author + " · " + notes[i].time_label));
      item.appendChild(el("div", "text", notes[i].text));
      list.appendChild(item);
    }
  }

  function refreshConversation() {
    var ticketId = body.getAttribute("data-ticket-id");
    var after = body.getAttribute("data-last-turn-id") || "0";
    var url = "/handoffs/" + encodeURIComponent(ticketId) + "/updates?after=" +
      encodeURIComponent(after);
    getJSON(url, function (data) {
      var list = document.getElementById("transcript");
      var nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 80;
      var last = parseInt(after, 10) || 0;
      for (var i = 0; i < data.turns.length; i++) {
        var turn = data.turns[i];
        if (turn.id <= last || list.querySelector('[data-turn-id="' + turn.id + '"]')) { continue; }
        list.appendChild(turnItem(turn));
        last = Math.max(last, turn.id);
      }
      body.setAttribute("data-last-turn-id", String(last));
      if (nearBottom) { list.scrollTop = list.scrollHeight; }
      renderNotes(data.notes);
      var assigned = document.getElementById("assigned");
      if (assigned && data.assigned_to) { assigned.textContent = data.assigned_to; }
      if (data.status !== body.getAttribute("data-status")) {
        var banner = document.getElementById("status-changed");
        document.getElementById("status-changed-label").textContent = data.status_label;
        banner.classList.remove("hidden");
      }
      if (!data.live) { setLive(false); }
    });
  }

  function start() {
    var page = body.getAttribute("data-page");
    var serverNow = parseInt(body.getAttribute("data-now-ms"), 10);
    if (!isNaN(serverNow)) { clockOffset = serverNow - Date.now(); }
    tickWaits();
    window.setInterval(tickWaits, 1000);
    if (page === "queue") {
      setLive(true);
      every(pollMs, refreshQueue);
    } else if (page === "conversation") {
      var list = document.getElementById("transcript");
      list.scrollTop = list.scrollHeight;
      setLive(true);
      every(pollMs, refreshConversation);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
