// The QA page: live calls in scope with Listen / Whisper / Barge, my session, the monitoring log;
// recordings, scoring, sampling, roll-ups and circulars are qa-scoring.js (QaDesk).
"use strict";

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let calls = [];
  let session = null;
  let log = [];

  const act = async (method, path, body) => {
    try { return await H.api(method, path, body); }
    catch (e) { H.toast(`${H.t("error")}: ${e.message}`); throw e; }
  };

  function renderCalls() {
    const body = $("calls"); body.replaceChildren();
    for (const c of calls) {
      const buttons = ["listen", "whisper", "barge"].map((mode) => H.el("button", {
        type: "button", "data-testid": `${mode}-${c.agent_id}`, disabled: !!session,
        onclick: async () => { session = await act("POST", "/api/qa/monitor", { agent_id: c.agent_id, mode }); renderSession(); renderCalls(); },
      }, H.t(mode)));
      body.append(H.el("tr", { "data-testid": `call-${c.agent_id}` }, H.el("td", {}, c.agent_id), H.el("td", {}, c.prefecture),
        H.el("td", {}, c.skill || ""), H.el("td", { class: "num" }, H.seconds(c.duration_s)),
        H.el("td", {}, H.el("span", { class: "row" }, ...buttons))));
    }
  }

  function renderSession() {
    $("session").hidden = !session; $("session-none").hidden = !!session;
    announce();
    if (!session) return;
    $("session-agent").textContent = session.agent_id;
    $("session-mode").textContent = H.t(session.mode); $("session-mode").dataset.mode = session.mode;
    $("session-state").textContent = H.t(session.state); $("session-state").dataset.state = session.state;
  }

  const announce = () => document.dispatchEvent(new CustomEvent("hotline:monitor", { detail: session }));

  function renderLog() {
    const body = $("log"); body.replaceChildren();
    for (const s of log) {
      body.append(H.el("tr", {}, H.el("td", {}, new Date(s.started_at).toLocaleString()), H.el("td", {}, s.agent_id),
        H.el("td", {}, s.prefecture), H.el("td", {}, s.modes.map((m) => H.t(m)).join(" → ")),
        H.el("td", { class: "num" }, H.seconds(s.duration_s)), H.el("td", {}, s.end_reason || "…")));
    }
  }

  async function refresh() {
    const data = await H.api("GET", "/api/qa/calls");
    calls = data.calls; session = data.mine[0] || null;
    renderCalls(); renderSession();
    log = (await H.api("GET", "/api/qa/log?limit=50")).sessions; renderLog();
  }

  let pending = null;
  const soon = () => {  // at most one refresh a second, however busy the floor
    if (!pending) pending = setTimeout(() => { pending = null; refresh().catch(() => {}); }, 1000);
  };

  H.start(async () => {
    document.querySelectorAll("[data-switch]").forEach((button) => button.addEventListener("click", async () => {
      if (session) { session = await act("PUT", `/api/qa/monitor/${session.session_id}`, { mode: button.dataset.switch }); renderSession(); }
    }));
    $("session-stop").addEventListener("click", async () => {
      if (session) { await act("DELETE", `/api/qa/monitor/${session.session_id}`); session = null; refresh(); }
    });
    document.addEventListener("hotline:language", () => { renderCalls(); renderSession(); renderLog(); });
    await refresh().catch(() => {});
    await QaDesk.start(H.user).catch(() => {});
    setInterval(() => refresh().catch(() => {}), 3000);
    H.feed((m) => {
      if (m.type === "monitor.updated") { session = m.data; renderSession(); }
      else if (m.type === "monitor.ended") { session = null; refresh().catch(() => {}); }
      else if (m.type === "floor.calls" || m.type === "floor.agent") soon();
    });
  });
})();
