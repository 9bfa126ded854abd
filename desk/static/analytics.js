// eepay agent desk: the supervisors' analytics pages.
//
// The dashboard's figures arrive in a JSON data block (<script type="application/json">, never
// executed) and are drawn by Chart.js, which the desk serves itself from its npm install
// (/static/vendor/chart.umd.min.js). Labels are drawn on the canvas, never inserted as HTML.
// The unanswered-questions page copies a group's NLU YAML to the clipboard.
(function () {
  "use strict";

  var COLORS = {
    blue: "#1463ff",
    green: "#2f9e44",
    amber: "#f08c00",
    red: "#e03131",
    grey: "#868e96",
    teal: "#0c8599"
  };

  function readData() {
    var node = document.getElementById("analytics-data");
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (error) { return null; }
  }

  function shortDay(iso) { return iso.slice(5); } // 2026-11-27 -> 11-27

  function percent(values) {
    return values.map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; });
  }

  function make(id, config) {
    var canvas = document.getElementById(id);
    if (!canvas) { return null; }
    config.options = Object.assign({
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      plugins: { legend: { position: "bottom" } }
    }, config.options || {});
    var chart = new window.Chart(canvas, config);
    canvas.setAttribute("data-rendered", "true");
    return chart;
  }

  function drawDashboard(data) {
    var Chart = window.Chart;
    Chart.defaults.font.family =
      '-apple-system, "PingFang SC", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif';
    Chart.defaults.color = "#52606d";
    var days = data.days.map(shortDay);
    var charts = {};

    charts.conversations = make("chart-conversations", {
      type: "bar",
      data: {
        labels: days,
        datasets: [
          { label: "机器人解决 Contained", data: data.contained, backgroundColor: COLORS.green, stack: "c" },
          { label: "转人工 Handed off", data: data.handed_off, backgroundColor: COLORS.amber, stack: "c" }
        ]
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } }
    });

    charts.rates = make("chart-rates", {
      type: "line",
      data: {
        labels: days,
        datasets: [
          { label: "独立解决率 Containment %", data: percent(data.containment_rate), borderColor: COLORS.green, backgroundColor: COLORS.green, spanGaps: true },
          { label: "未识别率 Fallback %", data: percent(data.fallback_rate), borderColor: COLORS.red, backgroundColor: COLORS.red, spanGaps: true }
        ]
      },
      options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + "%"; } } } } }
    });

    charts.handoffs = make("chart-handoffs", {
      type: "bar",
      data: {
        labels: data.reasons,
        datasets: [{ label: "工单 Tickets", data: data.reason_counts, backgroundColor: COLORS.amber }]
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    charts.csat = make("chart-csat", {
      type: "bar",
      data: {
        labels: data.csat_scores.map(function (s) { return s + " 分"; }),
        datasets: [
          { label: "仅机器人 Bot only", data: data.csat_bot_only, backgroundColor: COLORS.blue },
          { label: "有人工 With a person", data: data.csat_with_human, backgroundColor: COLORS.teal }
        ]
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    charts.intents = make("chart-intents", {
      type: "bar",
      data: {
        labels: data.intents,
        datasets: [{ label: "消息 Messages", data: data.intent_counts, backgroundColor: COLORS.blue }]
      },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });

    charts.agentTimes = make("chart-agent-times", {
      type: "line",
      data: {
        labels: days,
        datasets: [
          { label: "首次响应 First response", data: data.first_response_minutes, borderColor: COLORS.blue, backgroundColor: COLORS.blue, spanGaps: true },
          { label: "解决时长 Resolution", data: data.resolution_minutes, borderColor: COLORS.grey, backgroundColor: COLORS.grey, spanGaps: true }
        ]
      },
      options: { scales: { y: { beginAtZero: true, title: { display: true, text: "分钟 min" } } } }
    });
    window.deskCharts = charts; // for tests and the console
  }

  // --- copying a group as NLU YAML -----------------------------------------------------------

  function copyText(text, done) {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () {
        done(legacyCopy(text));
      });
      return;
    }
    done(legacyCopy(text));
  }

  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (error) { ok = false; }
    document.body.removeChild(area);
    return ok;
  }

  function wireCopyButtons() {
    var buttons = document.querySelectorAll("button[data-copy-target]");
    Array.prototype.forEach.call(buttons, function (button) {
      button.addEventListener("click", function () {
        var target = document.getElementById(button.getAttribute("data-copy-target"));
        var group = button.closest(".group");
        var state = group ? group.querySelector(".copy-state") : null;
        if (!target) { return; }
        copyText(target.value, function (ok) {
          if (state) {
            state.textContent = ok ? "已复制到剪贴板 Copied" : "无法复制，请手动选择下面的 YAML";
          }
          if (!ok) {
            var details = target.closest("details");
            if (details) { details.open = true; }
            target.focus();
            target.select();
          }
        });
      });
    });
  }

  function start() {
    var page = document.body.getAttribute("data-page");
    if (page === "analytics") {
      var data = readData();
      if (data && window.Chart) { drawDashboard(data); }
    } else if (page === "unanswered") {
      wireCopyButtons();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
