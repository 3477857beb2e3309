// The agent page's QA side: pausing the call's recording, my QA scores with a dispute (once),
// and the bulletin board (公告板) of the circulars sent to my prefecture.
"use strict";

Object.assign(LABELS.zh, {
  pause_recording: "暂停录音", resume_recording: "恢复录音", recording_paused: "录音已暂停",
  my_scores: "我的质检", bulletin: "公告板", dispute: "申诉", dispute_reason: "申诉理由", send: "提交",
  disputed: "申诉中", upheld: "维持原分", revised: "已改分", scored: "已评分", no_scores: "暂无评分",
  no_circulars: "暂无通报", acknowledged: "已签收",
});
Object.assign(LABELS.en, {
  pause_recording: "Pause recording", resume_recording: "Resume recording", recording_paused: "Recording paused",
  my_scores: "My QA scores", bulletin: "Bulletin board", dispute: "Dispute", dispute_reason: "Why I dispute it",
  send: "Send", disputed: "Disputed", upheld: "Upheld", revised: "Revised", scored: "Scored",
  no_scores: "No scores yet", no_circulars: "No circulars", acknowledged: "Acknowledged",
});

const AgentQa = (() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let forms = {};
  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "–");

  const act = async (method, path, body) => {
    try { return await H.api(method, path, body); }
    catch (e) { H.toast(`${H.t("error")}: ${e.message}`); throw e; }
  };

  function renderRecording(call) {  // called by agent.js whenever the call changes
    const button = $("rec-pause");
    const paused = !!(call && call.recording_paused);
    button.disabled = !call || !["talking", "held"].includes(call.state);
    button.textContent = H.t(paused ? "resume_recording" : "pause_recording");
    button.dataset.paused = paused ? "1" : "0";
    button.classList.toggle("recording-paused", paused);
  }

  async function toggleRecording() {
    const path = $("rec-pause").dataset.paused === "1" ? "resume" : "pause";
    const answer = await act("POST", `/api/agent/call/recording/${path}`);
    renderRecording(answer.call);
    if (path === "pause") H.toast(H.t("recording_paused"));
  }

  function criterionLabel(score, id) {
    const form = forms[`${score.form.id}@${score.form.version}`];
    const c = form && form.sections.flatMap((s) => s.criteria).find((x) => x.id === id);
    return c ? c.label[H.lang] : id;
  }

  async function refreshScores() {
    const data = await H.api("GET", "/api/qa/my-scores?limit=20");
    forms = Object.fromEntries(data.forms.map((f) => [`${f.form_id}@${f.version}`, f]));
    const body = $("my-scores"); body.replaceChildren();
    if (!data.scores.length) body.append(H.el("tr", {}, H.el("td", { class: "muted" }, H.t("no_scores"))));
    for (const s of data.scores) {
      const missed = s.answers.filter((a) => a.outcome === "missed").map((a) => criterionLabel(s, a.criterion));
      const cell = H.el("td", {});
      if (s.status === "scored" && s.counts) {
        const reason = H.el("input", { size: 16, placeholder: H.t("dispute_reason"), hidden: true, "data-testid": `dispute-reason-${s.score_id}` });
        const send = H.el("button", { type: "button", hidden: true, "data-testid": `dispute-send-${s.score_id}`, onclick: async () => {
          await act("POST", `/api/qa/my-scores/${s.score_id}/dispute`, { reason: reason.value || "-" }); refreshScores();
        } }, H.t("send"));
        const open = H.el("button", { type: "button", class: "quiet", "data-testid": `dispute-${s.score_id}`, onclick: () => {
          reason.hidden = false; send.hidden = false; open.hidden = true; reason.focus();
        } }, H.t("dispute"));
        cell.append(open, reason, send);
      } else {
        cell.append(H.el("span", { class: "muted" }, H.t(s.status)));
      }
      body.append(H.el("tr", { "data-testid": `my-score-${s.score_id}` }, H.el("td", {}, when(s.scored_at)),
        H.el("td", { class: "num" + (s.critical_failed ? " alert" : "") }, s.total.toFixed(1)),
        H.el("td", { class: "muted" }, missed.join("、")), cell));
    }
  }

  async function refreshBulletin() {
    const list = $("bulletin"); list.replaceChildren();
    const circulars = (await H.api("GET", "/api/circulars?limit=10")).circulars;
    if (!circulars.length) list.append(H.el("li", { class: "muted" }, H.t("no_circulars")));
    for (const c of circulars) {
      list.append(H.el("li", { "data-testid": `bulletin-${c.circular_id}` }, H.el("strong", {}, c.title),
        H.el("span", { class: "muted" }, ` · ${when(c.published_at)}${c.mine_acknowledged ? ` · ${H.t("acknowledged")}` : ""}`),
        H.el("div", {}, c.body)));
    }
  }

  return {
    renderRecording,
    start() {
      $("rec-pause").addEventListener("click", () => toggleRecording().catch(() => {}));
      document.addEventListener("hotline:language", () => { refreshScores().catch(() => {}); refreshBulletin().catch(() => {}); });
      refreshScores().catch(() => {}); refreshBulletin().catch(() => {});
      setInterval(() => { refreshScores().catch(() => {}); refreshBulletin().catch(() => {}); }, 60000);
    },
  };
})();
