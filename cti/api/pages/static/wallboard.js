// The wallboard: queues and prefectures, live over the WebSocket; the overdue tickets, refreshed on
// every ticket alert and every 30 s.
"use strict";

Object.assign(LABELS.zh, { overdue_tickets: "超时工单", late_by: "超时", escalated_to: "升级至" });
Object.assign(LABELS.en, { overdue_tickets: "Overdue tickets", late_by: "Late by", escalated_to: "Escalated to" });

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let board = null;
  let overdue = [];

  const num = (value, cls = "num") => H.el("td", { class: cls }, String(value));

  function render() {
    if (!board) return;
    const queues = $("queues"); queues.replaceChildren();
    for (const [skill, g] of Object.entries(board.queues)) {
      queues.append(H.el("tr", { "data-testid": `queue-${skill}` }, H.el("td", {}, skill), num(g.waiting),
        num(H.seconds(g.longest_wait_s), g.longest_wait_s > board.threshold_s ? "num alert" : "num"),
        num(H.percent(g.service_level)), num(g.answered), num(g.abandoned),
        num(g.agents.available || 0), num(g.agents.on_call || 0)));
    }
    const rows = $("prefectures"); rows.replaceChildren();
    const line = (name, g, id) => H.el("tr", { "data-testid": `prefecture-${id}` }, H.el("td", {}, name), num(g.waiting),
      num(H.seconds(g.longest_wait_s)), num(H.percent(g.service_level)),
      ...["available", "reserved", "on_call", "wrap_up", "paused"].map((s) => num(g.agents[s] || 0)));
    for (const [code, g] of Object.entries(board.prefectures)) {
      rows.append(line(H.lang === "zh" ? g.name_zh : g.name_en, g, code));
    }
    if (board.total) rows.append(line(H.t("province"), board.total, "total"));
    $("updated").textContent = new Date(board.at * 1000).toLocaleTimeString();
  }

  function renderOverdue() {
    const rows = $("overdue"); rows.replaceChildren();
    const zhEn = (t, key) => (H.lang === "zh" ? t[`${key}_zh`] : t[`${key}_en`]) || "–";
    for (const t of overdue.slice(0, 20)) {
      rows.append(H.el("tr", { "data-testid": `overdue-${t.ticket_number}` }, H.el("td", {}, t.ticket_number),
        H.el("td", {}, zhEn(t, "prefecture")), H.el("td", {}, H.t(t.kind)), num(H.duration(t.late_by_s), "num alert"),
        H.el("td", {}, zhEn(t, "escalated_to")), H.el("td", {}, zhEn(t, "department"))));
    }
    $("overdue-count").textContent = String(overdue.length);
  }

  async function refreshOverdue() {
    overdue = (await H.api("GET", "/api/workflow/overdue")).tickets; renderOverdue();
  }

  H.start(async () => {
    board = await H.api("GET", "/api/wallboard").catch(() => null);
    render();
    document.addEventListener("hotline:language", () => { render(); renderOverdue(); });
    await refreshOverdue().catch(() => {});
    setInterval(() => refreshOverdue().catch(() => {}), 30000);
    H.feed((m) => {
      if (m.type === "wallboard") { board = m.data; render(); }
      else if (m.type === "alert") refreshOverdue().catch(() => {});
    });
  });
})();
