// The knowledge page (统一口径): records staff list, search and edit the entries; every save is a
// new version whose audio the node renders at once.
"use strict";

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  const TOPICS = ["tariffs", "broadband", "mobile", "fixed_line", "private_line", "billing", "long_distance", "value_added"];
  const PREFECTURES = ["lanzhou", "jiayuguan", "jinchang", "baiyin", "tianshui", "wuwei", "zhangye", "pingliang",
    "jiuquan", "qingyang", "dingxi", "longnan", "linxia", "gannan"];
  const PAGE = 25;
  let offset = 0;
  let editing = null;  // [key, language] in the editor, or null for a new entry
  let lastSaved = null;

  const act = async (method, path, body) => {
    try { return await H.api(method, path, body); }
    catch (e) { H.toast(`${H.t("error")}: ${e.message}`); throw e; }
  };
  const local = (iso) => (iso ? new Date(iso).toLocaleString(H.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false }) : "–");
  const forInput = (iso) => {
    if (!iso) return "";
    const d = new Date(iso); d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
    return d.toISOString().slice(0, 16);
  };

  function options() {
    const topics = [$("filter-topic"), $("f-topic")];
    topics.forEach((select, i) => {
      const chosen = select.value; select.replaceChildren();
      if (i === 0) select.append(H.el("option", { value: "" }, H.t("all")));
      for (const t of TOPICS) select.append(H.el("option", { value: t }, H.t("topic_" + t)));
      select.value = chosen;
    });
    const pref = $("f-prefecture"); const chosen = pref.value; pref.replaceChildren();
    const mine = H.user && H.user.prefecture !== "province" ? [H.user.prefecture] : PREFECTURES;
    if (!H.user || H.user.prefecture === "province") pref.append(H.el("option", { value: "" }, H.t("province_wide")));
    for (const p of mine) pref.append(H.el("option", { value: p }, p));
    if (chosen !== undefined) pref.value = chosen || pref.options[0].value;
  }

  function rowOf(e) {
    return H.el("tr", { "data-testid": "kb-entry", onclick: () => load(e.key, e.language) },
      H.el("td", {}, e.key), H.el("td", {}, e.title), H.el("td", {}, H.t("topic_" + e.topic)),
      H.el("td", {}, e.prefecture || H.t("province_wide")), H.el("td", {}, `v${e.version}${e.active ? "" : " ✕"}`),
      H.el("td", {}, local(e.effective_from)), H.el("td", {}, e.updated_by));
  }

  async function refresh() {
    const q = $("filter-q").value.trim();
    const topic = $("filter-topic").value; const language = $("filter-language").value;
    const body = $("entries"); body.replaceChildren();
    if (q) {
      const data = await act("GET", `/api/knowledge/search?q=${encodeURIComponent(q)}&language=${language}` + (topic ? `&topic=${topic}` : "") + "&limit=50");
      data.entries.forEach((e) => body.append(rowOf(e)));
      $("total").textContent = `${data.entries.length} ${H.t("entries")}`;
      return;
    }
    const data = await act("GET", `/api/knowledge?language=${language}&limit=${PAGE}&offset=${offset}` + (topic ? `&topic=${topic}` : ""));
    data.entries.forEach((e) => body.append(rowOf(e)));
    $("total").textContent = `${offset + 1}–${offset + data.entries.length} / ${data.total} ${H.t("entries")}`;
    $("prev").disabled = offset === 0; $("next").disabled = offset + PAGE >= data.total;
  }

  async function load(key, language) {
    const data = await act("GET", `/api/knowledge/${encodeURIComponent(key)}`);
    const current = data.versions.find((v) => v.current && v.language === language) || data.versions[0];
    $("f-key").value = current.key; $("f-topic").value = current.topic; $("f-language").value = current.language;
    $("f-prefecture").value = current.prefecture || ""; $("f-title").value = current.title; $("f-text").value = current.text;
    $("f-category").value = current.category; $("f-keywords").value = current.keywords;
    $("f-position").value = current.position; $("f-active").checked = current.active;
    $("f-from").value = forInput(current.effective_from); $("f-until").value = forInput(current.expires_at);
    editing = [current.key, current.language]; lastSaved = null;
    renderTitle(); renderSaved();
    const body = $("versions"); body.replaceChildren();
    for (const v of data.versions) {
      body.append(H.el("tr", {}, H.el("td", {}, `v${v.version}`), H.el("td", {}, v.language), H.el("td", {}, v.title),
        H.el("td", {}, local(v.updated_at)), H.el("td", {}, v.updated_by), H.el("td", {}, v.current ? "●" : "")));
    }
  }

  async function save() {
    const iso = (value) => (value ? new Date(value).toISOString() : null);
    const body = {
      key: $("f-key").value.trim(), topic: $("f-topic").value, language: $("f-language").value,
      title: $("f-title").value.trim(), text: $("f-text").value.trim(), category: $("f-category").value.trim(),
      keywords: $("f-keywords").value.trim(), prefecture: $("f-prefecture").value || null,
      position: Number($("f-position").value || 0), active: $("f-active").checked,
      effective_from: iso($("f-from").value), expires_at: iso($("f-until").value),
    };
    const saved = await act("POST", "/api/knowledge", body);
    await load(saved.key, saved.language); refresh();
    lastSaved = saved; renderSaved();
  }

  function renderTitle() {
    $("editor-title").textContent = editing ? `${editing[0]} · ${editing[1]}` : H.t("new_entry");
  }

  function renderSaved() {
    const s = lastSaved;
    $("saved").textContent = s
      ? `v${s.version} · ${s.prompt_id} · ${H.t(s.audio.rendered ? "audio_ok" : "audio_failed")}${s.audio.detail ? " (" + s.audio.detail + ")" : ""}`
      : "";
  }

  H.start(async () => {
    renderTitle();
    options();
    $("filter").addEventListener("submit", (e) => { e.preventDefault(); offset = 0; refresh(); });
    $("filter-topic").addEventListener("change", () => { offset = 0; refresh(); });
    $("filter-language").addEventListener("change", () => { offset = 0; refresh(); });
    $("prev").addEventListener("click", () => { offset = Math.max(0, offset - PAGE); refresh(); });
    $("next").addEventListener("click", () => { offset += PAGE; refresh(); });
    $("new").addEventListener("click", () => {
      ["f-key", "f-title", "f-text", "f-category", "f-keywords", "f-from", "f-until"].forEach((id) => { $(id).value = ""; });
      $("f-position").value = "0"; $("f-active").checked = true; $("versions").replaceChildren();
      editing = null; lastSaved = null; renderTitle(); renderSaved();
    });
    $("save").addEventListener("click", save);
    document.addEventListener("hotline:language", () => { options(); renderTitle(); renderSaved(); refresh(); });
    refresh();
  });
})();
