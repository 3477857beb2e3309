// The wallboard: queues and prefectures, live over the WebSocket.
"use strict";

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let board = null;

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

  H.start(async () => {
    board = await H.api("GET", "/api/wallboard").catch(() => null);
    render();
    document.addEventListener("hotline:language", render);
    H.feed((m) => { if (m.type === "wallboard") { board = m.data; render(); } });
  });
})();
