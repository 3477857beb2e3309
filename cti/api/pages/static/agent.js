// The agent page: ACD state, screen pop, call control, tickets, statistics.
"use strict";

Object.assign(LABELS.zh, {
  reply: "回复", channel_phone: "电话", channel_sms: "短信", channel_in_person: "当面", channel_letter: "书面",
  channel_email: "邮件", returned_by: "退单:", answered_by: "部门已答复:",
});
Object.assign(LABELS.en, {
  reply: "Reply", channel_phone: "Phone", channel_sms: "SMS", channel_in_person: "In person", channel_letter: "Letter",
  channel_email: "E-mail", returned_by: "Returned by", answered_by: "Answered by",
});

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let agent = null;   // the last agent.state
  let call = null;    // the current call's view (state, consult …)
  let pop = null;     // the screen pop of the current call

  const act = async (method, path, body) => {
    try { return await H.api(method, path, body); }
    catch (e) { H.toast(`${H.t("error")}: ${e.message}`); throw e; }
  };

  function renderState() {
    const state = agent ? agent.state : "logged_out";
    const badge = $("state");
    badge.textContent = H.t(state); badge.className = `badge ${state}`; badge.dataset.state = state;
    $("state-reason").textContent = agent && agent.reason ? `(${agent.reason})` : (agent && agent.pending_pause ? `→ ${H.t("paused")}` : "");
    if (agent && !$("extension").value) $("extension").value = agent.extension;
    $("wrapup").hidden = state !== "wrap_up";
    const loggedIn = state !== "logged_out";
    $("acd-login").disabled = loggedIn; $("acd-logout").disabled = !loggedIn;
    renderControls();
  }

  function renderControls() {
    const s = call ? call.state : null;
    const on = !!call;
    $("hold").disabled = s !== "talking";
    $("unhold").disabled = s !== "held";
    $("hangup").disabled = !on;
    $("transfer").disabled = !(s === "talking" || s === "held");
    $("consult").disabled = !(s === "talking" || s === "held");
    const answered = call && call.consult && call.consult.answered;
    $("consult-complete").disabled = !(s === "consulting" && answered);
    $("consult-cancel").disabled = s !== "consulting";
    $("conference").disabled = !(s === "consulting" && answered);
    $("call-state").textContent = s ? H.t(s) : "";
    AgentQa.renderRecording(call);
    const target = $("transfer-target").value;
    $("transfer-skill").hidden = target !== "skill";
    $("peer").hidden = target !== "agent" && !(s === "talking" || s === "held");
  }

  function renderPop() {
    document.dispatchEvent(new CustomEvent("hotline:pop", { detail: pop }));
    $("pop-empty").hidden = !!pop; $("pop-details").hidden = !pop;
    const body = $("pop-tickets"); body.replaceChildren();
    if (!pop) return;
    $("pop-number").textContent = pop.caller_number || "–";
    $("pop-customer").textContent = pop.customer ? `${pop.customer.name}${pop.customer.important ? " ★" : ""}` : "–";
    $("pop-segment").textContent = H.t(pop.segment);
    $("pop-prefecture").textContent = pop.prefecture_name ? pop.prefecture_name[H.lang] : pop.prefecture;
    $("pop-ivr").textContent = (pop.ivr && pop.ivr.path) || "–";
    $("pop-wait").textContent = H.seconds(pop.wait_s);
    for (const t of pop.tickets || []) {
      body.append(H.el("tr", { "data-testid": "pop-ticket" },
        H.el("td", {}, H.el("a", { href: "#", onclick: (e) => { e.preventDefault(); $("ticket-number").value = t.number; } }, t.number)),
        H.el("td", {}, H.t(t.kind)), H.el("td", {}, t.category || ""), H.el("td", { class: t.overdue ? "alert" : "" }, t.status)));
    }
    if (pop.tickets && pop.tickets.length && !$("ticket-number").value) $("ticket-number").value = pop.tickets[0].number;
  }

  async function refreshCall() {
    const data = await H.api("GET", "/api/agent/call");
    call = data.call;
    if (data.pop) pop = data.pop;
    renderPop(); renderControls();
  }

  async function refreshPeers() {
    const data = await H.api("GET", "/api/agent/peers");
    const select = $("peer"); const chosen = select.value; select.replaceChildren();
    for (const a of data.agents) {
      select.append(H.el("option", { value: a.agent_id }, `${a.agent_id} (${a.level}, ${H.t(a.state)})`));
    }
    if (chosen) select.value = chosen;
  }

  async function refreshStats() {
    const s = await H.api("GET", "/api/agent/stats");
    $("stat-calls").textContent = s.calls; $("stat-talk").textContent = H.seconds(s.talk_s_mean);
    $("stat-resolved").textContent = s.dispositions.resolved;
    $("stat-dispatched").textContent = s.dispositions.ticket_dispatched;
    $("stat-escalated").textContent = s.dispositions.escalated;
  }

  function onMessage(m) {
    switch (m.type) {
      case "agent.state":
        agent = m.data; renderState();
        if (["available", "paused", "logged_out"].includes(agent.state) && call === null) { pop = null; renderPop(); }
        if (agent.state === "on_call") refreshCall().catch(() => {});
        if (agent.state === "available") refreshStats().catch(() => {});
        break;
      case "call.offered": pop = m.data; renderPop(); break;
      case "call.withdrawn": pop = null; renderPop(); break;
      case "call.answered": refreshCall().catch(() => {}); refreshPeers().catch(() => {}); break;
      case "call.updated": case "call.transferred": case "call.consulted":
        refreshCall().catch(() => {}); break;
      case "call.ended": call = null; renderControls(); refreshCall().catch(() => {}); refreshStats().catch(() => {}); break;
      case "alert": H.toast(`${H.lang === "zh" ? m.data.kind_zh : m.data.kind_en} · ${m.data.ticket_number}`); break;
      case "ticket.returned": case "ticket.answered":
        H.toast(`${H.t(m.type === "ticket.returned" ? "returned_by" : "answered_by")} ${m.data.department} · ${m.data.ticket_number}: ${m.data.text}`);
        break;
    }
  }

  function wire() {
    $("acd-login").addEventListener("click", async () => { agent = await act("POST", "/api/agent/login", { extension: $("extension").value.trim() }); renderState(); });
    $("acd-logout").addEventListener("click", async () => { agent = await act("POST", "/api/agent/logout"); renderState(); });
    $("pause").addEventListener("click", async () => { agent = await act("POST", "/api/agent/pause", { reason: $("pause-reason").value }); renderState(); });
    $("unpause").addEventListener("click", async () => { agent = await act("POST", "/api/agent/unpause"); renderState(); });
    $("wrapup").addEventListener("submit", async (e) => {
      e.preventDefault();
      const body = { disposition: $("disposition").value, note: $("wrapup-note").value };
      const number = $("wrapup-ticket").value.trim(); if (number) body.ticket_number = number;
      agent = await act("POST", "/api/agent/wrapup", body); pop = null; renderState(); renderPop(); refreshStats();
    });
    for (const [id, path] of [["hold", "hold"], ["unhold", "unhold"], ["hangup", "hangup"], ["consult-complete", "consult/complete"], ["consult-cancel", "consult/cancel"], ["conference", "conference"]]) {
      $(id).addEventListener("click", async () => { call = (await act("POST", `/api/agent/call/${path}`)).call; renderControls(); });
    }
    $("transfer-target").addEventListener("change", renderControls);
    $("transfer").addEventListener("click", async () => {
      const target = $("transfer-target").value; const body = { target };
      if (target === "skill") body.skill = $("transfer-skill").value;
      if (target === "agent") body.agent_id = $("peer").value;
      await act("POST", "/api/agent/call/transfer", body); call = null; renderControls();
      H.toast(`${H.t("transfer")} ✓`);
    });
    $("consult").addEventListener("click", async () => { call = (await act("POST", "/api/agent/call/consult", { agent_id: $("peer").value })).call; renderControls(); });
    $("peer").addEventListener("focus", () => refreshPeers().catch(() => {}));
    $("ticket-create").addEventListener("click", async () => {
      const body = { kind: $("ticket-kind").value, description: $("ticket-description").value };
      const category = $("ticket-category").value.trim(); if (category) body.category = category;
      const t = await act("POST", "/api/tickets", body);
      $("ticket-number").value = t.number; H.toast(`${H.t("ticket_number")} ${t.number}`);
    });
    document.querySelectorAll("[data-ticket]").forEach((button) => button.addEventListener("click", async () => {
      const number = $("ticket-number").value.trim(); const note = $("ticket-note").value;
      const kind = button.dataset.ticket;
      const body = kind === "dispatch" ? { department: $("ticket-department").value, note }
        : kind === "reply" ? { channel: $("reply-channel").value, summary: note || "-" }
        : kind === "close" ? { resolution: note || "-" } : { note };
      const t = await act("POST", `/api/tickets/${number}/${kind}`, body);
      H.toast(`${t.number}: ${t.status}`);
    }));
    for (const [id, purpose] of [["ticket-dial", "reply"], ["ticket-revisit", "callback"]]) {
      $(id).addEventListener("click", async () => {
        const number = $("ticket-number").value.trim(); if (!number) return;
        await act("POST", "/api/agent/dial", { ticket: number, purpose });
        H.toast(`${H.t("dialling_customer")} ${number}`);
      });
    }
    document.addEventListener("hotline:language", () => { renderState(); renderPop(); });
  }

  async function refreshDepartments() {
    const listed = (await H.api("GET", "/api/departments")).departments;
    $("ticket-department").replaceChildren(...listed.map((d) => H.el("option", { value: d.code }, H.lang === "zh" ? d.name_zh : d.name_en)));
  }

  H.start(async () => {
    wire();
    AgentQa.start();
    refreshDepartments().catch(() => {});
    document.addEventListener("hotline:language", () => refreshDepartments().catch(() => {}));
    try { agent = await H.api("GET", "/api/agent"); } catch (e) { agent = null; }
    renderState();
    refreshCall().catch(() => {}); refreshPeers().catch(() => {}); refreshStats().catch(() => {});
    H.feed(onMessage);
  });
})();
