// The QA page: live calls in scope with Listen / Whisper / Barge, my session, the monitoring log,
// the recorded calls in scope.
"use strict";

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let calls = [];
  let session = null;
  let log = [];
  let recordings = [];

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
    if (!session) return;
    $("session-agent").textContent = session.agent_id;
    $("session-mode").textContent = H.t(session.mode); $("session-mode").dataset.mode = session.mode;
    $("session-state").textContent = H.t(session.state); $("session-state").dataset.state = session.state;
  }

  function renderLog() {
    const body = $("log"); body.replaceChildren();
    for (const s of log) {
      body.append(H.el("tr", {}, H.el("td", {}, new Date(s.started_at).toLocaleString()), H.el("td", {}, s.agent_id),
        H.el("td", {}, s.prefecture), H.el("td", {}, s.modes.map((m) => H.t(m)).join(" → ")),
        H.el("td", { class: "num" }, H.seconds(s.duration_s)), H.el("td", {}, s.end_reason || "…")));
    }
  }

  async function play(r) {
    const player = $("player");
    try {
      if (player.src) URL.revokeObjectURL(player.src);
      player.src = await H.objectUrl(`/api/recordings/${r.recording_id}/audio`);
      player.dataset.recording = r.recording_id; player.hidden = false;
      await player.play().catch(() => {});  // a browser may refuse to start sound by itself
    } catch (e) { H.toast(`${H.t("error")}: ${e.message}`); }
  }

  function renderRecordings() {
    const body = $("recordings"); body.replaceChildren();
    for (const r of recordings) {
      const action = r.playable
        ? H.el("button", { type: "button", "data-testid": `play-${r.recording_id}`, onclick: () => play(r) }, H.t("play"))
        : H.el("span", { class: "muted" }, H.t("no_audio"));
      body.append(H.el("tr", { "data-testid": `recording-${r.recording_id}` },
        H.el("td", {}, new Date(r.started_at).toLocaleString()), H.el("td", {}, r.agent || ""),
        H.el("td", {}, r.caller_number || ""), H.el("td", {}, r.prefecture),
        H.el("td", { class: "num" }, H.seconds(r.duration_s)), H.el("td", {}, action)));
    }
  }

  async function refreshRecordings() {
    recordings = (await H.api("GET", "/api/recordings?limit=50")).recordings; renderRecordings();
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
    document.addEventListener("hotline:language", () => { renderCalls(); renderSession(); renderLog(); renderRecordings(); });
    await refresh().catch(() => {});
    await refreshRecordings().catch(() => {});
    setInterval(() => refreshRecordings().catch(() => {}), 15000);
    setInterval(() => refresh().catch(() => {}), 3000);
    H.feed((m) => {
      if (m.type === "monitor.updated") { session = m.data; renderSession(); }
      else if (m.type === "monitor.ended") { session = null; refresh().catch(() => {}); }
      else if (m.type === "floor.calls" || m.type === "floor.agent") soon();
    });
  });
})();
