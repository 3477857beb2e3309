// The supervisor's page: ticket alerts and the overdue list (live), the agents of my scope with their
// states (live), force pause / sign-out, and the agent directory (add, edit skills and details, retire).
"use strict";

Object.assign(LABELS.zh, {
  title_floor: "班长台 / 现场管理", alerts: "工单告警", time: "时间", alert_kind: "告警", target: "对象",
  overdue_tickets: "超时工单", due: "时限", late_by: "超时", escalated_to: "升级至", owner: "受理人",
  name: "姓名", level: "级别", skills: "技能", languages: "语言", show_retired: "显示已离职",
  add_agent: "新增坐席", edit_agent: "修改坐席", save: "保存", cancel_edit: "取消", edit: "修改",
  retire: "离职", retired: "已离职", force_pause: "强制示忙", force_logout: "强制签出",
  supervisor_pause: "班长示忙", junior: "初级", senior: "高级", manager: "经理热线", wrap_up: "话后处理",
  confirm_retire: "确认该坐席离职？其通话与工单记录将保留。", saved: "已保存",
});
Object.assign(LABELS.en, {
  title_floor: "Floor supervisor", alerts: "Ticket alerts", time: "Time", alert_kind: "Alert", target: "For",
  overdue_tickets: "Overdue tickets", due: "Due", late_by: "Late by", escalated_to: "Escalated to", owner: "Owner",
  name: "Name", level: "Level", skills: "Skills", languages: "Languages", show_retired: "Show retired",
  add_agent: "Add agent", edit_agent: "Edit agent", save: "Save", cancel_edit: "Cancel", edit: "Edit",
  retire: "Retire", retired: "Retired", force_pause: "Force pause", force_logout: "Force sign-out",
  supervisor_pause: "Supervisor pause", junior: "Junior", senior: "Senior", manager: "Manager hotline",
  wrap_up: "Wrap-up", confirm_retire: "Retire this agent? Their calls and tickets are kept.", saved: "Saved",
});

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let directory = [];   // the agent directory in scope (names, skills, retired)
  let live = {};        // agent id -> live view from the floor (state, since, call)
  let alerts = [];
  let overdue = [];
  let editing = null;   // agent id being edited, or null when adding
  let may = new Set();

  const act = async (method, path, body) => {
    try { return await H.api(method, path, body); }
    catch (e) { H.toast(`${H.t("error")}: ${e.message}`); throw e; }
  };
  const zhEn = (item, key) => (H.lang === "zh" ? item[`${key}_zh`] : item[`${key}_en`]) || item[key] || "";
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "–");
  const skillsText = (skills, sep = ",") => skills.map((s) => `${s.name}:${s.proficiency}`).join(sep);

  function renderAlerts() {
    const body = $("alerts"); body.replaceChildren();
    for (const a of alerts.slice(0, 50)) {
      body.append(H.el("tr", { "data-testid": `alert-${a.ticket_number}-${a.kind}-${a.target_role}`, class: a.kind === "due_soon" ? "" : "alert" },
        H.el("td", {}, when(a.raised_at)), H.el("td", {}, zhEn(a, "kind")),
        H.el("td", {}, a.ticket_number), H.el("td", {}, zhEn(a, "prefecture")),
        H.el("td", {}, `${zhEn(a, "target_role")} · ${zhEn(a, "target")}`)));
    }
    $("alert-count").textContent = String(alerts.length);
  }

  function renderOverdue() {
    const body = $("overdue"); body.replaceChildren();
    for (const t of overdue) {
      body.append(H.el("tr", { "data-testid": `overdue-${t.ticket_number}` },
        H.el("td", {}, t.ticket_number), H.el("td", {}, zhEn(t, "prefecture")), H.el("td", {}, H.t(t.kind)),
        H.el("td", {}, when(t.due_at)), H.el("td", { class: "num alert" }, H.duration(t.late_by_s)),
        H.el("td", {}, zhEn(t, "escalated_to") || "–"), H.el("td", {}, t.owner_name || "–"),
        H.el("td", {}, zhEn(t, "department") || "–")));
    }
    $("overdue-count").textContent = String(overdue.length);
  }

  function renderAgents() {
    const body = $("agents"); body.replaceChildren();
    const now = Date.now() / 1000;
    for (const a of directory) {
      const state = a.retired ? "retired" : (live[a.agent_id] || {}).state || "logged_out";
      const since = state === "logged_out" || state === "retired" ? null : (live[a.agent_id] || {}).since;
      const buttons = [];
      if (!a.retired && may.has("floor-control")) {
        buttons.push(H.el("button", { type: "button", class: "quiet", "data-testid": `pause-${a.agent_id}`,
          disabled: state === "logged_out",
          onclick: () => act("POST", `/api/agents/${a.agent_id}/pause`, { reason: $("pause-reason").value }).then(refreshFloor) }, H.t("force_pause")));
        buttons.push(H.el("button", { type: "button", class: "quiet", "data-testid": `logout-${a.agent_id}`,
          disabled: state === "logged_out",
          onclick: () => act("POST", `/api/agents/${a.agent_id}/logout`).then(refreshFloor) }, H.t("force_logout")));
      }
      if (!a.retired && may.has("agents")) {
        buttons.push(H.el("button", { type: "button", class: "quiet", "data-testid": `edit-${a.agent_id}`, onclick: () => openForm(a) }, H.t("edit")));
        buttons.push(H.el("button", { type: "button", class: "warn", "data-testid": `retire-${a.agent_id}`,
          onclick: async () => { if (confirm(H.t("confirm_retire"))) { await act("POST", `/api/agents/${a.agent_id}/retire`); refreshAll(); } } }, H.t("retire")));
      }
      body.append(H.el("tr", { "data-testid": `agent-${a.agent_id}`, "data-state": state },
        H.el("td", {}, a.agent_id), H.el("td", {}, a.name), H.el("td", {}, a.extension), H.el("td", {}, a.prefecture),
        H.el("td", {}, H.t(a.level)), H.el("td", {}, H.el("span", { class: `badge ${state}` }, H.t(state))),
        H.el("td", { class: "num" }, since ? H.seconds(now - since) : "–"), H.el("td", { class: "wrap" }, skillsText(a.skills, ", ")),
        H.el("td", {}, a.languages.join(",")), H.el("td", {}, H.el("span", { class: "row" }, ...buttons))));
    }
  }

  function openForm(agent) {
    editing = agent ? agent.agent_id : null;
    $("agent-form-card").hidden = false;
    $("agent-form-title").dataset.i18n = agent ? "edit_agent" : "add_agent";
    $("agent-form-title").textContent = H.t(agent ? "edit_agent" : "add_agent");
    $("agent-id").value = agent ? agent.agent_id : ""; $("agent-id").disabled = !!agent;
    $("agent-name").value = agent ? agent.name : "";
    $("agent-extension").value = agent ? agent.extension : "";
    $("agent-prefecture").value = agent ? agent.prefecture : (H.user.prefecture === "province" ? "lanzhou" : H.user.prefecture);
    $("agent-level").value = agent ? agent.level : "junior";
    $("agent-skills").value = agent ? skillsText(agent.skills) : "";
    $("agent-languages").value = agent ? agent.languages.join(",") : "zh";
    $("agent-form-card").scrollIntoView();
  }

  function formBody() {
    const skills = $("agent-skills").value.split(",").map((s) => s.trim()).filter(Boolean).map((item) => {
      const [name, level] = item.split(":");
      return level ? { name: name.trim(), proficiency: Number(level) } : { name: name.trim() };
    });
    return {
      name: $("agent-name").value.trim(), extension: $("agent-extension").value.trim(),
      prefecture: $("agent-prefecture").value, level: $("agent-level").value, skills,
      languages: $("agent-languages").value.split(",").map((s) => s.trim()).filter(Boolean),
    };
  }

  async function refreshFloor() {
    const floor = await H.api("GET", "/api/floor").catch(() => ({ agents: [] }));
    live = Object.fromEntries(floor.agents.map((a) => [a.agent_id, a]));
    renderAgents();
  }
  async function refreshDirectory() {
    const retired = $("show-retired").checked ? "yes" : "no";
    directory = (await H.api("GET", `/api/agents?retired=${retired}`)).agents;
    renderAgents();
  }
  async function refreshWork() {
    alerts = (await H.api("GET", "/api/workflow/alerts?limit=100")).alerts; renderAlerts();
    overdue = (await H.api("GET", "/api/workflow/overdue")).tickets; renderOverdue();
    $("updated").textContent = new Date().toLocaleTimeString();
  }
  const refreshAll = () => Promise.all([refreshDirectory(), refreshFloor(), refreshWork()]).catch(() => {});

  H.start(async (user) => {
    may = new Set((await H.api("GET", "/api/me")).permissions);
    $("agent-add").hidden = !may.has("agents");
    const prefectures = user.prefecture === "province"
      ? ["lanzhou", "jiayuguan", "jinchang", "baiyin", "tianshui", "wuwei", "zhangye", "pingliang", "jiuquan",
        "qingyang", "dingxi", "longnan", "linxia", "gannan", "province"]
      : [user.prefecture];
    $("agent-prefecture").replaceChildren(...prefectures.map((p) => H.el("option", { value: p }, p)));
    $("agent-add").addEventListener("click", () => openForm(null));
    $("agent-cancel").addEventListener("click", () => { $("agent-form-card").hidden = true; });
    $("show-retired").addEventListener("change", () => refreshDirectory().catch(() => {}));
    $("agent-form").addEventListener("submit", async (event) => {
      event.preventDefault();
      const body = formBody();
      if (editing) await act("PATCH", `/api/agents/${editing}`, body);
      else await act("POST", "/api/agents", { agent_id: $("agent-id").value.trim(), ...body });
      $("agent-form-card").hidden = true; H.toast(H.t("saved"));
      refreshAll();
    });
    document.addEventListener("hotline:language", () => { renderAlerts(); renderOverdue(); renderAgents(); });
    await refreshAll();
    setInterval(() => refreshWork().catch(() => {}), 30000);
    setInterval(renderAgents, 1000);  // the "since" column
    H.feed((m) => {
      if (m.type === "alert") {
        alerts = [m.data, ...alerts.filter((a) => a.alert_id !== m.data.alert_id)];
        renderAlerts();
        H.toast(`${zhEn(m.data, "kind")} · ${m.data.ticket_number}`);
        refreshWork().catch(() => {});
      } else if (m.type === "floor.agent") {
        live[m.data.agent_id] = m.data; renderAgents();
      } else if (m.type === "ticket.returned" || m.type === "ticket.answered") {
        refreshWork().catch(() => {});
      }
    });
  });
})();
