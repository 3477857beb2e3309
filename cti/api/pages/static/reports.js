// The reports page: a report for a period in my scope, drawn with Apache ECharts (served by the
// node, /static/vendor/echarts.min.js), as a table, and as CSV / XLSX downloads.
"use strict";

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  const PREFECTURES = {
    lanzhou: ["兰州", "Lanzhou"], jiayuguan: ["嘉峪关", "Jiayuguan"], jinchang: ["金昌", "Jinchang"],
    baiyin: ["白银", "Baiyin"], tianshui: ["天水", "Tianshui"], wuwei: ["武威", "Wuwei"],
    zhangye: ["张掖", "Zhangye"], pingliang: ["平凉", "Pingliang"], jiuquan: ["酒泉", "Jiuquan"],
    qingyang: ["庆阳", "Qingyang"], dingxi: ["定西", "Dingxi"], longnan: ["陇南", "Longnan"],
    linxia: ["临夏州", "Linxia"], gannan: ["甘南州", "Gannan"],
  };
  // per report: the measures drawn as trend lines, the row dimension of the bars and their measure
  const DRAW = {
    traffic: { lines: ["offered", "answered", "abandoned_queue"], bars: "prefecture", bar: "offered" },
    agents: { lines: ["handled"], bars: "agent", bar: "handled" },
    complaints: { lines: null, bars: "category", bar: "complaints" },
    ivr: { lines: ["visits", "self_served"], bars: "node", bar: "visits" },
    outbound: { lines: ["attempts", "contacted"], bars: "campaign", bar: "attempts" },
  };
  // the interval of the trend inside a period of each grain
  const TREND_GRAIN = { day: "hour", week: "day", month: "day", quarter: "month", year: "month" };
  let trend = null;
  let bars = null;
  let last = null;

  function grainOf(code) {
    if (/^\d{4}-\d{2}-\d{2}$/.test(code)) return "day";
    if (/^\d{4}-W\d{2}$/.test(code)) return "week";
    if (/^\d{4}-\d{2}$/.test(code)) return "month";
    if (/^\d{4}-Q\d$/.test(code)) return "quarter";
    return "year";
  }

  function query(extra) {
    const params = new URLSearchParams({ period: $("period").value.trim() });
    if ($("prefecture").value) params.set("prefecture", $("prefecture").value);
    for (const [k, v] of Object.entries(extra || {})) params.set(k, v);
    return `/api/reports/${$("report").value}?${params}`;
  }

  function label(report, value) {
    if (value === "*") return H.t("province");
    const p = PREFECTURES[value];
    if (p) return H.lang === "zh" ? p[0] : p[1];
    return (report.labels && report.labels[value]) || value || "–";
  }

  function title(report, key) {
    const column = report.columns.find((c) => c.key === key);
    return column ? column.title : key;
  }

  function cell(column, value) {
    if (value === null || value === undefined) return "";
    if (column.dimension) return label(last, value);
    if (column.kind === "percent") return `${(value * 100).toFixed(2)}%`;
    if (column.kind === "duration") return H.seconds(value);
    return String(value);
  }

  function table(report) {
    $("thead").replaceChildren(H.el("tr", {}, ...report.columns.map((c) =>
      H.el("th", { class: c.dimension ? "" : "num" }, c.title))));
    $("tbody").replaceChildren(...report.rows.map((row) => {
      const total = report.columns.some((c) => c.dimension && (row[c.key] === "*" || row[c.key] === report.scope));
      return H.el("tr", { class: total ? "total" : "" }, ...report.columns.map((c) =>
        H.el("td", { class: c.dimension ? "" : "num" }, cell(c, row[c.key]))));
    }));
  }

  function drawBars(report, draw) {
    const rows = report.rows.filter((r) => r[draw.bars] !== "*");
    bars.setOption({
      tooltip: {}, grid: { left: 60, right: 20, bottom: 60 },
      xAxis: { type: "category", data: rows.map((r) => label(report, r[draw.bars])), axisLabel: { rotate: 30 } },
      yAxis: { type: "value" },
      series: [{ type: "bar", name: title(report, draw.bar), data: rows.map((r) => r[draw.bar]) }],
    }, true);
  }

  function drawTrend(report, draw) {
    const rows = report.rows.filter((r) => r.interval !== "*");
    trend.setOption({
      tooltip: { trigger: "axis" }, legend: {}, grid: { left: 60, right: 20, bottom: 40 },
      xAxis: { type: "category", data: rows.map((r) => r.interval) },
      yAxis: { type: "value" },
      series: draw.lines.map((key) => ({ type: "line", name: title(report, key), data: rows.map((r) => r[key]) })),
    }, true);
  }

  async function show() {
    const name = $("report").value;
    const draw = DRAW[name];
    try {
      const by = draw.bars === "prefecture" && $("prefecture").value ? "prefecture" : draw.bars;
      last = await H.api("GET", query({ by }));
      $("label").textContent = `${last.title} · ${last.period.label} · ${label(last, last.scope)}`;
      table(last);
      drawBars(last, { ...draw, bars: by });
      if (draw.lines) {
        const grain = TREND_GRAIN[grainOf($("period").value.trim())];
        const series = await H.api("GET", query({ by: "interval", grain }));
        drawTrend(series, draw);
      } else {
        trend.clear();
      }
    } catch (error) {
      H.toast(`${H.t("error")}: ${error.message}`);
    }
  }

  async function download(format) {
    try {
      const url = await H.objectUrl(query({ format }));
      const a = H.el("a", { href: url, download: `${$("report").value}-${$("period").value}.${format}` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (error) {
      H.toast(`${H.t("error")}: ${error.message}`);
    }
  }

  function prefectureChoices(user) {
    const select = $("prefecture");
    const options = [];
    if (user.prefecture === "province") {
      options.push(H.el("option", { value: "" }, H.t("all_prefectures")));
      for (const code of Object.keys(PREFECTURES)) options.push(H.el("option", { value: code }, label({}, code)));
    } else {
      options.push(H.el("option", { value: user.prefecture }, label({}, user.prefecture)));
    }
    select.replaceChildren(...options);
  }

  H.start((user) => {
    trend = echarts.init($("trend"));
    bars = echarts.init($("bars"));
    window.addEventListener("resize", () => { trend.resize(); bars.resize(); });
    prefectureChoices(user);
    if (!$("period").value) {
      const now = new Date();
      $("period").value = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, "0")}`;
    }
    $("query").addEventListener("submit", (event) => { event.preventDefault(); show(); });
    $("csv").addEventListener("click", () => download("csv"));
    $("xlsx").addEventListener("click", () => download("xlsx"));
    document.addEventListener("hotline:language", () => { prefectureChoices(user); if (last) show(); });
    show();
  });
})();
