// The agent page's self-service parts: the customer view (the caller's, or any number looked up),
// orders and resuming a lost line, the VIP callback requests, and the knowledge search.
"use strict";

(() => {
  const H = Hotline;
  const $ = (id) => document.getElementById(id);
  let view = null;        // the customer view shown
  let catalogue = null;   // {business_lines: {mobile: [items]}}
  let popNumber = null;   // the caller number last loaded from a screen pop

  const act = async (method, path, body) => {
    try { return await H.api(method, path, body); }
    catch (e) { H.toast(`${H.t("error")}: ${e.message}`); throw e; }
  };
  const yuan = (fen) => (fen === null || fen === undefined ? "–" : `¥${(fen / 100).toFixed(2)}`);
  const when = (iso) => (iso ? new Date(iso).toLocaleString(H.lang === "zh" ? "zh-CN" : "en-GB", { hour12: false }) : "–");
  const named = (name) => (name ? name[H.lang] || name.zh : "");
  const td = (text, attrs = {}) => H.el("td", attrs, text);

  function row(body, cells, attrs = {}) { body.append(H.el("tr", attrs, ...cells)); }

  function renderCustomer() {
    $("customer-empty").hidden = !!view; $("customer-body").hidden = !view;
    renderOrderForm();
    if (!view) return;
    const c = view.customer;
    const master = $("customer-master"); master.replaceChildren();
    const add = (label, value, testid) => {
      master.append(H.el("dt", {}, H.t(label)), H.el("dd", testid ? { "data-testid": testid } : {}, value));
    };
    add("customer", `${c.name}${c.important ? " ★" : ""}`, "customer-name");
    add("phone_number", c.number);
    add("segment", H.t(c.segment));
    add("prefecture", named(c.prefecture_name) || c.prefecture);
    add("address", c.address || "–");
    if (c.account_manager) add("account_manager", `${c.account_manager} (${c.account_manager_phone || "–"})`);
    add("identity", `${H.t("pin")}: ${H.t("pin_" + c.pin)} · ${H.t("id_document")}: ${c.id_document_on_file ? "✓" : "–"}`);

    const lines = $("customer-lines"); lines.replaceChildren();
    for (const line of view.lines) {
      const active = line.services.filter((s) => s.status === "active");
      const services = active.map((s) => `${named(s.name)}${s.monthly_fee_fen ? " " + yuan(s.monthly_fee_fen) + "/" + H.t("month") : ""}`).join("，") || "–";
      const status = H.el("span", { class: `badge line-${line.status}` }, H.t("line_" + line.status));
      row(lines, [td(line.number), td(H.t("svc_" + line.business)), H.el("td", {}, status), td(services)], { "data-testid": "customer-line" });
    }

    const account = view.account;
    $("customer-account").textContent = account
      ? `${H.t("balance")}: ${yuan(account.balance_fen)}` + (account.bill ? ` · ${account.bill.period} ${H.t("amount_due")}: ${yuan(account.bill.amount_due_fen)}, ${H.t("due")} ${account.bill.due_date}` : "")
      : "–";
    const charges = $("customer-charges"); charges.replaceChildren();
    for (const ch of account ? account.charges.slice(0, 8) : []) {
      row(charges, [td(when(ch.at)), td(H.t("svc_" + ch.service)), td(ch.description), td(ch.counterpart || ""), td(yuan(ch.amount_fen), { class: "num" })]);
    }

    const orders = $("customer-orders"); orders.replaceChildren();
    for (const o of view.orders) {
      const item = o.item_name ? named(o.item_name) : H.t("action_" + o.action);
      row(orders, [td(o.number), td(item), td(H.t("action_" + o.action)), H.el("td", { class: o.status === "failed" ? "alert" : "" }, H.t("order_" + o.status)),
        td(H.t("channel_" + o.channel)), td(o.effective_on), td(o.failure || "")], { "data-testid": "customer-order" });
    }
    const tickets = $("customer-tickets"); tickets.replaceChildren();
    for (const t of view.tickets) {
      row(tickets, [td(t.number), td(H.t(t.kind)), td(t.category || ""), H.el("td", { class: t.overdue ? "alert" : "" }, t.status)]);
    }
    const calls = $("customer-calls"); calls.replaceChildren();
    for (const call of view.calls.slice(0, 8)) {
      row(calls, [td(when(call.started_at)), td(call.ivr_path || "–"), td(call.outcome ? H.t("ivr_" + call.outcome) : "–"), td(call.agent_id || "–")]);
    }
    for (const [body, list] of [[orders, view.orders], [tickets, view.tickets], [calls, view.calls]]) {
      if (!list.length) row(body, [td(H.t("none"), { class: "muted" })]);
    }
  }

  async function lookUp(number) {
    if (!number) return;
    try { view = await H.api("GET", `/api/customers/${encodeURIComponent(number)}`); }
    catch (e) { view = null; H.toast(`${number}: ${e.message}`); }
    $("customer-number").value = view ? view.customer.number : number;
    renderCustomer();
  }

  function renderOrderForm() {
    const lineSelect = $("order-line"); const chosen = lineSelect.value; lineSelect.replaceChildren();
    const resumeSelect = $("resume-line"); resumeSelect.replaceChildren();
    const suspendSelect = $("suspend-line"); suspendSelect.replaceChildren();
    for (const line of view ? view.lines : []) {
      lineSelect.append(H.el("option", { value: line.number }, `${line.number} · ${H.t("svc_" + line.business)}`));
      if (line.status === "suspended_lost") resumeSelect.append(H.el("option", { value: line.number }, line.number));
      else if (line.status !== "closed") suspendSelect.append(H.el("option", { value: line.number }, `${line.number} · ${H.t("svc_" + line.business)}`));
    }
    $("suspend").hidden = !suspendSelect.options.length;
    $("suspend-secret").hidden = $("suspend-method").value === "questions";
    if (chosen && [...lineSelect.options].some((o) => o.value === chosen)) lineSelect.value = chosen;
    $("resume").hidden = !resumeSelect.options.length;
    $("order-place").disabled = !view;
    renderItems();
  }

  function renderItems() {
    const select = $("order-item"); const chosen = select.value; select.replaceChildren();
    const line = view && view.lines.find((l) => l.number === $("order-line").value);
    const cancel = $("order-action").value === "cancel";
    if (!line || !catalogue) { $("order-terms").textContent = ""; return; }
    const active = new Set(line.services.filter((s) => s.status === "active").map((s) => s.code));
    for (const item of catalogue.business_lines[line.business] || []) {
      if (cancel ? !(item.agent_may_cancel && active.has(item.code)) : !(item.agent_may_order && !active.has(item.code))) continue;
      if (!cancel && item.segments && !item.segments.includes(view.customer.segment)) continue;
      const who = item[cancel ? "cancel" : "order"] === "agent" ? ` (${H.t("agent_only")})` : "";
      select.append(H.el("option", { value: item.code }, named(item.name) + who));
    }
    if (chosen && [...select.options].some((o) => o.value === chosen)) select.value = chosen;
    const item = (catalogue.business_lines[line.business] || []).find((i) => i.code === select.value);
    $("order-terms").textContent = item
      ? `${H.t("monthly_fee")}: ${yuan(item.monthly_fen)} · ${H.t("one_off_fee")}: ${yuan(item.one_off_fen)} · ${H.t("effective")}: ${H.t("eff_" + (cancel ? item.cancel_effective : item.effective))}`
      : H.t("nothing_to_order");
  }

  let callbacks = [];

  async function refreshCallbacks() {
    callbacks = (await H.api("GET", "/api/callbacks")).callbacks;
    renderCallbacks();
  }

  function renderCallbacks() {
    const body = $("callbacks"); body.replaceChildren();
    for (const c of callbacks) {
      const done = H.el("button", { type: "button", class: "quiet", onclick: async () => {
        await act("POST", `/api/callbacks/${c.id}/done`, { note: "" }); refreshCallbacks();
      } }, H.t("done"));
      const who = c.for_whom === "senior" ? H.t("senior_agent") : c.for_whom;
      row(body, [td(`${c.number} ${c.customer}`), td(`${who} · ${c.waited_h} h`), H.el("td", {}, done)], { "data-testid": "callback" });
    }
    if (!callbacks.length) row(body, [td(H.t("none"), { class: "muted" })]);
  }

  async function search(event) {
    event.preventDefault();
    const q = $("kb-query").value.trim(); if (!q) return;
    const data = await act("GET", `/api/knowledge/search?q=${encodeURIComponent(q)}&language=${H.lang}&limit=8`);
    const list = $("kb-results"); list.replaceChildren();
    for (const e of data.entries) {
      const where = e.prefecture ? ` · ${e.prefecture}` : "";
      list.append(H.el("li", { "data-testid": "kb-hit" },
        H.el("strong", {}, e.title), H.el("span", { class: "muted" }, ` ${e.category}${where}`), H.el("p", {}, e.text)));
    }
    if (!data.entries.length) list.append(H.el("li", { class: "muted" }, H.t("nothing_found")));
  }

  function wire() {
    $("customer-lookup").addEventListener("submit", (e) => { e.preventDefault(); lookUp($("customer-number").value.trim()); });
    $("order-line").addEventListener("change", renderItems);
    $("order-action").addEventListener("change", renderItems);
    $("order-item").addEventListener("change", renderItems);
    $("order-place").addEventListener("click", async () => {
      const body = { line_number: $("order-line").value, item: $("order-item").value, action: $("order-action").value, note: $("order-note").value };
      if (!body.item) return;
      const order = await act("POST", "/api/orders", body);
      H.toast(`${H.t("order_number")} ${order.number}: ${H.t("order_" + order.status)}${order.failure ? " — " + order.failure : ""}`);
      lookUp(view.customer.number);
    });
    $("resume-do").addEventListener("click", async () => {
      const body = { line_number: $("resume-line").value, method: $("resume-method").value, secret: $("resume-secret").value };
      const order = await act("POST", "/api/orders/resume", body);
      $("resume-secret").value = "";
      H.toast(`${H.t("order_number")} ${order.number}: ${H.t("order_" + order.status)}`);
      lookUp(view.customer.number);
    });
    $("suspend-method").addEventListener("change", () => { $("suspend-secret").hidden = $("suspend-method").value === "questions"; });
    $("suspend-do").addEventListener("click", async () => {
      const method = $("suspend-method").value;
      const body = { line_number: $("suspend-line").value, method, note: $("suspend-note").value };
      if (method !== "questions") body.secret = $("suspend-secret").value;
      const order = await act("POST", "/api/orders/suspend", body);
      $("suspend-secret").value = ""; $("suspend-note").value = "";
      H.toast(`${H.t("order_number")} ${order.number}: ${H.t("order_" + order.status)}`);
      lookUp(view.customer.number);
    });
    $("kb-search").addEventListener("submit", search);
    document.addEventListener("hotline:pop", (e) => {
      const pop = e.detail;
      if (pop && pop.caller_number && pop.caller_number !== popNumber) { popNumber = pop.caller_number; lookUp(pop.caller_number); }
    });
    document.addEventListener("hotline:language", () => { renderCustomer(); renderCallbacks(); });
  }

  H.start(async () => {
    wire();
    try { catalogue = await H.api("GET", "/api/orders/catalogue"); } catch (e) { catalogue = null; }
    renderCustomer();
    refreshCallbacks().catch(() => {});
  });
})();
