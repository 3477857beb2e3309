// The QA page's second half: find and play recordings (streamed with HTTP Range), score the call being
// heard (a recording playing, or the call of my live monitoring session), sampling, roll-ups,
// circulars (通报) and, for auditors, who played what.
"use strict";

Object.assign(LABELS.zh, {
  scoring: "质检评分", scoring_none: "播放录音或开始监听后即可评分", scoring_recording: "录音", scoring_live: "监听中的通话",
  met: "达标", partly: "部分", missed: "未达标", na: "不适用", remark: "说明", comment: "评语", total: "得分",
  submit_score: "提交评分", scored: "已评分", red_line: "红线", search: "查询", download: "下载", score: "评分",
  flags: "标记", min_duration: "最短(秒)", max_duration: "最长(秒)", min_score: "最低分", max_score: "最高分",
  sampling: "抽检", run_sampling: "抽取本周", reasons: "原因", rollups: "质检统计", level: "维度", team: "班组",
  scores: "评分数", mean: "平均分", critical_failures: "红线", disputed: "申诉", export_csv: "导出 CSV",
  circulars: "通报", publish: "发布", title: "标题", body: "内容", recipients: "下发地市", acknowledge: "签收",
  acknowledged: "已签收", published: "已发布", draft: "草稿", withdrawn: "已撤回", awaiting: "待签收",
  access_log: "录音调听记录", user: "用户", action: "操作", remote: "来源地址", requests: "请求数", at: "时间",
  outcome: "结果", play_action: "播放", download_action: "下载", ended_at: "结束时间", deleted: "已删除",
});
Object.assign(LABELS.en, {
  scoring: "Scoring", scoring_none: "Play a recording or start listening in to score the call",
  scoring_recording: "Recording", scoring_live: "Call I am listening to", met: "Met", partly: "Partly",
  missed: "Missed", na: "N/A", remark: "Remark", comment: "Comment", total: "Score", submit_score: "Submit score",
  scored: "Scored", red_line: "Red line", search: "Search", download: "Download", score: "Score", flags: "Flags",
  min_duration: "Min (s)", max_duration: "Max (s)", min_score: "Min score", max_score: "Max score",
  sampling: "Sampling", run_sampling: "Sample this week", reasons: "Why", rollups: "QA roll-ups", level: "By",
  team: "Team", scores: "Scores", mean: "Mean", critical_failures: "Red lines", disputed: "Disputed",
  export_csv: "Export CSV", circulars: "Circulars", publish: "Publish", title: "Title", body: "Text",
  recipients: "To prefectures", acknowledge: "Acknowledge", acknowledged: "Acknowledged", published: "Published",
  draft: "Draft", withdrawn: "Withdrawn", awaiting: "Awaiting", access_log: "Recording access log", user: "User",
  action: "Action", remote: "From", requests: "Requests", at: "At", outcome: "Outcome", play_action: "Play",
  download_action: "Download", ended_at: "Ended", deleted: "Deleted",
});

const PREFECTURE_NAMES = {
  lanzhou: "兰州", jiayuguan: "嘉峪关", jinchang: "金昌", baiyin: "白银", tianshui: "天水", wuwei: "武威",
  zhangye: "张掖", pingliang: "平凉", jiuquan: "酒泉", qingyang: "庆阳", dingxi: "定西", longnan: "陇南",
  linxia: "临夏州", gannan: "甘南州",
};

const QaDesk = (() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let user = null;
  let form = null;      // the current scoring form
  let target = null;    // {kind: "recording", recording_id, agent} | {kind: "live", session_id, agent_id}
  let recordings = [];

  const act = async (method, path, body) => {
    try { return await H.api(method, path, body); }
    catch (e) { H.toast(`${H.t("error")}: ${e.message}`); throw e; }
  };
  const label = (pair) => (pair ? pair[H.lang] || pair.en : "");
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "–");

  // -- scoring panel -------------------------------------------------------------------------
  function setTarget(next) {
    target = next; renderTarget(); renderForm();
  }

  function renderTarget() {
    const text = !target ? H.t("scoring_none")
      : target.kind === "recording" ? `${H.t("scoring_recording")} #${target.recording_id} · ${target.agent || ""}`
      : `${H.t("scoring_live")} · ${target.agent_id}`;
    $("scoring-target").textContent = text;
    $("score-form").hidden = !target || !form;
  }

  function renderForm() {
    const box = $("score-criteria"); box.replaceChildren();
    if (!form) return;
    $("scoring-form-title").textContent = `${label(form.title)} v${form.version}`;
    for (const section of form.sections) {
      box.append(H.el("h3", {}, label(section.title)));
      for (const c of section.criteria) {
        const outcome = H.el("select", { "data-testid": `criterion-${c.id}`, "data-criterion": c.id, onchange: preview },
          ...["met", c.partial ? "partly" : null, "missed", c.na_allowed ? "na" : null].filter(Boolean)
            .map((o) => H.el("option", { value: o }, H.t(o))));
        const points = H.el("input", { type: "number", min: 1, max: c.points - 1, size: 3, hidden: true, "data-points": c.id, oninput: preview });
        outcome.addEventListener("change", () => { points.hidden = outcome.value !== "partly"; });
        const remark = H.el("input", { "data-remark": c.id, placeholder: H.t("remark"), size: 14 });
        box.append(H.el("div", { class: "row criterion" + (c.critical ? " critical" : "") },
          H.el("span", { class: "grow", title: label(c.hint) }, `${label(c.label)} `,
            H.el("span", { class: "muted" }, c.critical ? `(${H.t("red_line")})` : `(${c.points})`)),
          outcome, points, remark));
      }
    }
    preview();
  }

  function answers() {
    return form.sections.flatMap((s) => s.criteria).map((c) => {
      const outcome = document.querySelector(`[data-criterion="${c.id}"]`).value;
      const a = { criterion: c.id, outcome, remark: document.querySelector(`[data-remark="${c.id}"]`).value };
      if (outcome === "partly") a.points = Number(document.querySelector(`[data-points="${c.id}"]`).value || 0);
      return a;
    });
  }

  function preview() {  // the same rule as the server's: N/A leaves the form, a missed red line zeroes it
    if (!form) return;
    let earned = 0, applicable = 0, zeroed = false;
    const byId = Object.fromEntries(form.sections.flatMap((s) => s.criteria).map((c) => [c.id, c]));
    for (const a of answers()) {
      const c = byId[a.criterion];
      if (a.outcome === "na") continue;
      applicable += c.points;
      if (a.outcome === "met") earned += c.points;
      if (a.outcome === "partly") earned += a.points || 0;
      if (a.outcome === "missed" && c.critical) zeroed = true;
    }
    const total = zeroed ? 0 : applicable ? Math.round((1000 * earned) / applicable) / 10 : 0;
    $("score-preview").textContent = total.toFixed(1);
  }

  async function submitScore(event) {
    event.preventDefault();
    if (!target) return;
    const body = { answers: answers(), comment: $("score-comment").value, form_id: form.form_id, form_version: form.version };
    if (target.kind === "recording") body.recording_id = target.recording_id;
    else body.monitoring_session_id = target.session_id;
    const made = await act("POST", "/api/qa/scores", body);
    const result = $("score-result");
    result.textContent = `${H.t("scored")}: ${made.total.toFixed(1)} (${made.form.id} v${made.form.version})`
      + (made.critical_failed ? ` · ${H.t("red_line")}: ${made.critical_failures.join(", ")}` : "");
    result.dataset.total = made.total; result.dataset.scoreId = made.score_id;
    refreshRecordings().catch(() => {}); refreshSampling().catch(() => {}); refreshRollups().catch(() => {});
  }

  // -- recordings ----------------------------------------------------------------------------
  async function play(r) {
    const link = await act("POST", `/api/recordings/${r.recording_id}/links`, { action: "play" });
    const player = $("player");
    player.src = link.url;  // streamed: the browser asks for ranges as it plays and seeks
    player.dataset.recording = r.recording_id; player.hidden = false;
    setTarget({ kind: "recording", recording_id: r.recording_id, agent: r.agent_id || r.agent });
    await player.play().catch(() => {});  // a browser may refuse to start sound by itself
  }

  async function download(r) {
    const link = await act("POST", `/api/recordings/${r.recording_id}/links`, { action: "download" });
    const a = H.el("a", { href: link.url, download: `${r.uniqueid}.${r.format}` }); document.body.append(a); a.click(); a.remove();
  }

  function renderRecordings() {
    const body = $("recordings"); body.replaceChildren();
    for (const r of recordings) {
      const buttons = r.playable
        ? [H.el("button", { type: "button", "data-testid": `play-${r.recording_id}`, onclick: () => play(r).catch(() => {}) }, H.t("play")),
           H.el("button", { type: "button", class: "quiet", "data-testid": `download-${r.recording_id}`, onclick: () => download(r).catch(() => {}) }, H.t("download"))]
        : [H.el("span", { class: "muted" }, r.status === "deleted" ? H.t("deleted") : H.t("no_audio"))];
      const flags = r.analysis ? r.analysis.flags.join(", ") : "";
      body.append(H.el("tr", { "data-testid": `recording-${r.recording_id}` },
        H.el("td", {}, when(r.started_at)), H.el("td", {}, r.agent_id || r.agent || ""),
        H.el("td", {}, r.caller_number || ""), H.el("td", {}, r.ticket_number || ""), H.el("td", {}, r.prefecture),
        H.el("td", { class: "num" }, H.seconds(r.duration_s)),
        H.el("td", { class: "num", "data-testid": `score-of-${r.recording_id}` }, r.score ? r.score.total.toFixed(1) : "–"),
        H.el("td", { class: flags ? "alert" : "" }, flags), H.el("td", {}, H.el("span", { class: "row" }, ...buttons))));
    }
  }

  async function refreshRecordings() {
    const params = new URLSearchParams({ limit: "50" });
    for (const name of ["caller", "ticket", "agent", "since", "until", "min_duration", "max_duration", "min_score", "max_score"]) {
      const value = $(`search-${name}`).value.trim(); if (value) params.set(name, value);
    }
    recordings = (await H.api("GET", `/api/recordings?${params}`)).recordings; renderRecordings();
  }

  // -- sampling ------------------------------------------------------------------------------
  function weekBounds() {
    const now = new Date(); const day = (now.getDay() + 6) % 7;
    const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate() - day);
    return [monday, new Date(monday.getTime() + 7 * 86400000)];
  }

  async function refreshSampling() {
    const body = $("sampling"); body.replaceChildren();
    for (const c of (await H.api("GET", "/api/qa/sampling")).calls) {
      const listen = c.recording_id
        ? H.el("button", { type: "button", onclick: () => play({ recording_id: c.recording_id, agent_id: c.agent_id }).catch(() => {}) }, H.t("play"))
        : H.el("span", { class: "muted" }, H.t("no_audio"));
      body.append(H.el("tr", {}, H.el("td", {}, when(c.ended_at)), H.el("td", {}, c.agent_id), H.el("td", {}, c.prefecture),
        H.el("td", {}, c.reasons.join(", ")), H.el("td", {}, listen)));
    }
  }

  // -- roll-ups ------------------------------------------------------------------------------
  async function refreshRollups() {
    const level = $("rollup-level").value;
    const data = await H.api("GET", `/api/qa/rollups?level=${level}`);
    const body = $("rollups"); body.replaceChildren();
    for (const r of [...data.rows, data.total]) {
      const bar = H.el("span", { class: "bar" }); bar.style.width = `${r.mean || 0}%`;
      body.append(H.el("tr", { class: r === data.total ? "total" : "" }, H.el("td", {}, r.key),
        H.el("td", { class: "num" }, r.scores), H.el("td", { class: "num" }, r.mean === null ? "–" : r.mean.toFixed(1)),
        H.el("td", { class: "chart" }, bar), H.el("td", { class: "num" }, r.critical_failures), H.el("td", { class: "num" }, r.disputed)));
    }
  }

  async function exportRollups() {
    const response = await fetch(`/api/qa/rollups?level=${$("rollup-level").value}&format=csv`, { headers: { Authorization: "Bearer " + H.token } });
    const url = URL.createObjectURL(await response.blob());
    const a = H.el("a", { href: url, download: `qa-${$("rollup-level").value}.csv` }); document.body.append(a); a.click(); a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  // -- circulars -----------------------------------------------------------------------------
  async function refreshCirculars() {
    const body = $("circulars"); body.replaceChildren();
    for (const c of (await H.api("GET", "/api/circulars")).circulars) {
      const acked = c.recipients.filter((r) => r.acknowledged_at).map((r) => PREFECTURE_NAMES[r.prefecture] || r.prefecture);
      const waiting = c.recipients.filter((r) => !r.acknowledged_at).map((r) => PREFECTURE_NAMES[r.prefecture] || r.prefecture);
      const ack = c.mine_acknowledged === false && c.state === "published"
        ? H.el("button", { type: "button", "data-testid": `ack-${c.circular_id}`, onclick: async () => { await act("POST", `/api/circulars/${c.circular_id}/ack`, {}); refreshCirculars(); } }, H.t("acknowledge"))
        : "";
      body.append(H.el("tr", { "data-testid": `circular-${c.circular_id}` }, H.el("td", {}, when(c.published_at || c.created_at)),
        H.el("td", {}, H.el("strong", {}, c.title), H.el("div", { class: "muted" }, c.body)), H.el("td", {}, H.t(c.state)),
        H.el("td", {}, `${H.t("acknowledged")}: ${acked.join("、") || "–"}`, H.el("br"), `${H.t("awaiting")}: ${waiting.join("、") || "–"}`),
        H.el("td", {}, ack)));
    }
  }

  async function publishCircular(event) {
    event.preventDefault();
    const recipients = [...$("circular-recipients").selectedOptions].map((o) => o.value);
    await act("POST", "/api/circulars", { title: $("circular-title").value, body: $("circular-body").value, recipients });
    $("circular-title").value = ""; $("circular-body").value = ""; refreshCirculars();
  }

  // -- access log (auditors) -----------------------------------------------------------------
  async function refreshAccess() {
    const body = $("access"); body.replaceChildren();
    for (const a of (await H.api("GET", "/api/recordings/access?limit=30")).access) {
      body.append(H.el("tr", {}, H.el("td", {}, when(a.at)), H.el("td", {}, `#${a.user_id} (${a.role})`),
        H.el("td", {}, `#${a.recording_id}`), H.el("td", {}, H.t(`${a.action}_action`)), H.el("td", {}, a.remote),
        H.el("td", { class: "num" }, a.requests), H.el("td", { class: a.outcome === "ok" ? "" : "alert" }, a.outcome)));
    }
  }

  return {
    async start(signedIn) {
      user = signedIn;
      const scorer = ["qa-prefecture", "qa-province"].includes(user.role);
      $("scoring").hidden = !scorer; $("sampling-card").hidden = !scorer;
      $("circular-form").hidden = !(user.role === "qa-province" && user.prefecture === "province");
      $("access-card").hidden = !["qa-province", "admin"].includes(user.role);
      const select = $("circular-recipients");
      for (const [code, name] of Object.entries(PREFECTURE_NAMES)) select.append(H.el("option", { value: code }, name));
      $("score-form").addEventListener("submit", (e) => submitScore(e).catch(() => {}));
      $("recording-search").addEventListener("submit", (e) => { e.preventDefault(); refreshRecordings().catch(() => {}); });
      $("run-sampling").addEventListener("click", async () => {
        const [since, until] = weekBounds();
        const run = await act("POST", "/api/qa/sampling", { since: since.toISOString(), until: until.toISOString() });
        H.toast(`${H.t("sampling")}: ${run.picked.length}`); refreshSampling();
      });
      $("rollup-level").addEventListener("change", () => refreshRollups().catch(() => {}));
      $("rollup-export").addEventListener("click", () => exportRollups().catch(() => {}));
      $("circular-form").addEventListener("submit", (e) => publishCircular(e).catch(() => {}));
      document.addEventListener("hotline:monitor", (e) => {
        const session = e.detail;
        if (session && session.state === "active") setTarget({ kind: "live", session_id: session.session_id, agent_id: session.agent_id });
      });
      document.addEventListener("hotline:language", () => { renderTarget(); renderForm(); renderRecordings(); refreshCirculars().catch(() => {}); });
      if (scorer) {
        const forms = (await H.api("GET", "/api/qa/forms")).forms;
        form = forms.find((f) => f.default && f.current) || forms[0] || null;
        renderForm(); renderTarget();
        refreshSampling().catch(() => {});
      }
      refreshRecordings().catch(() => {}); refreshRollups().catch(() => {}); refreshCirculars().catch(() => {});
      if (!$("access-card").hidden) refreshAccess().catch(() => {});
      setInterval(() => refreshRecordings().catch(() => {}), 15000);
    },
  };
})();
