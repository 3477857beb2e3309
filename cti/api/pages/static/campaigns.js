// The campaign card of the wallboard and the floor: every outbound campaign in the user's scope, its progress bar,
// attempts, answers, completions, what remains, the pace and the 30-day abandon rate; results as
// CSV / XLSX.  Polled every 5 s (GET /api/campaigns).
"use strict";

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let campaigns = [];

  const num = (value, cls = "num") => H.el("td", { class: cls }, String(value));
  const COLUMNS = [  // label key, numeric?
    ["camp_name"], ["status"], ["mode"], ["camp_progress"], ["camp_attempted", true], ["answered", true],
    ["camp_completed", true], ["camp_remaining", true], ["camp_pace", true], ["camp_abandon", true], ["camp_results"],
  ];

  // The card's title and table, the same on every page that has a #campaigns-card
  function buildCard() {
    const card = $("campaigns-card");
    if (!card || $("campaigns")) return;
    const head = COLUMNS.map(([key, numeric]) =>
      H.el("th", numeric ? { class: "num", "data-i18n": key } : { "data-i18n": key }, H.t(key)));
    card.append(H.el("h2", { "data-i18n": "camp_title" }, H.t("camp_title")),
      H.el("table", { "data-testid": "campaigns" },
        H.el("thead", {}, H.el("tr", {}, ...head)), H.el("tbody", { id: "campaigns" })));
  }

  async function download(id, format) {
    try {
      const url = await H.objectUrl(`/api/campaigns/${encodeURIComponent(id)}/results?format=${format}`);
      const a = H.el("a", { href: url, download: `${id}.${format}` });
      document.body.append(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) { /* the card stays as it was */ }
  }

  function render() {
    const rows = $("campaigns");
    if (!rows) return;
    rows.replaceChildren();
    if (!campaigns.length) {
      rows.append(H.el("tr", {}, H.el("td", { colspan: "11", class: "muted" }, H.t("camp_none"))));
      return;
    }
    for (const c of campaigns) {
      const done = c.contacts - c.remaining;
      const share = c.contacts ? done / c.contacts : 0;
      const bar = H.el("span", { class: "progress", title: `${done}/${c.contacts}` },
        H.el("span", { style: `width:${Math.round(share * 100)}%` }));
      const csv = H.el("button", { type: "button" }, "CSV");
      const xlsx = H.el("button", { type: "button" }, "XLSX");
      csv.addEventListener("click", () => download(c.campaign, "csv"));
      xlsx.addEventListener("click", () => download(c.campaign, "xlsx"));
      rows.append(H.el("tr", { "data-testid": `campaign-${c.campaign}` },
        H.el("td", {}, c.name), H.el("td", {}, H.t(`camp_${c.state}`)), H.el("td", {}, H.t(`camp_${c.mode}`)),
        H.el("td", {}, bar, ` ${H.percent(share)}`), num(c.attempted), num(c.answered), num(c.completed),
        num(c.remaining), num(c.pace_per_min), num(`${(c.abandon_rate * 100).toFixed(1)}%`, c.abandon_rate > 0.03 ? "num alert" : "num"),
        H.el("td", {}, csv, " ", xlsx)));
    }
  }

  async function refresh() {
    try { campaigns = (await H.api("GET", "/api/campaigns")).campaigns; } catch (e) { campaigns = []; }
    render();
  }

  buildCard();
  document.addEventListener("hotline:language", render);
  setInterval(() => { if (H.token) refresh(); }, 5000);
  setTimeout(() => { if (H.token) refresh(); }, 300);
})();
