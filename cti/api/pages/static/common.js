// Shared by the three pages: labels in Chinese and English, signing in, the API, the live feed.
"use strict";

const LABELS = {
  zh: {
    title_agent: "坐席工作台", title_wallboard: "监控大屏", title_qa: "服务督查 / 质检监听",
    username: "用户名", password: "密码", sign_in: "登录", sign_out: "退出", language: "English",
    bad_credentials: "用户名或密码错误", rate_limited: "登录失败次数过多，请稍后再试",
    extension: "分机号", acd_login: "签入", acd_logout: "签出", state: "状态", since: "持续",
    pause: "示忙", unpause: "示闲", reason: "原因", break: "小休", lunch: "用餐", training: "培训",
    meeting: "会议", wrap_up: "话后处理", disposition: "处理结果", resolved: "当场解决",
    ticket_dispatched: "已派单", escalated: "已升级", ticket_number: "工单号", note: "备注",
    wrap_up_done: "处理完毕", screen_pop: "来电弹屏", caller: "来电号码", customer: "客户",
    segment: "客户类型", prefecture: "地市", ivr_path: "IVR 路径", wait: "等待时长", tickets: "工单",
    no_call: "当前无通话", call_control: "通话控制", hold: "保持", unhold: "取回", hangup: "挂断",
    transfer: "转接", to_senior: "转高级坐席", to_manager: "转经理热线", to_skill: "转技能组",
    to_agent: "转指定坐席", consult: "咨询", complete: "完成转接", cancel: "取消咨询", conference: "三方通话",
    ticket_form: "工单", kind: "类型", complaint: "投诉", suggestion: "建议", fault: "故障",
    category: "类别", description: "描述", create_ticket: "新建工单", dispatch: "派单", chase: "追单",
    return: "退单", close: "结单", resolution: "处理结果", department: "部门", my_stats: "我的统计",
    calls: "通话数", talk_time: "平均通话", available: "空闲", reserved: "振铃", on_call: "通话中",
    paused: "示忙", logged_out: "未签入", queue: "队列", waiting: "排队数", longest_wait: "最长等待",
    service_level: "服务水平", answered: "接通", abandoned: "放弃", agents: "坐席",
    province: "全省", live_calls: "实时通话", agent: "坐席", duration: "时长", listen: "监听",
    whisper: "耳语", barge: "强插", stop: "停止", monitoring_log: "监听记录", mode: "方式",
    started: "开始", ended: "结束", my_session: "我的监听", ringing: "振铃中", active: "进行中",
    talking: "通话中", held: "保持中", consulting: "咨询中", skill: "技能", offline: "连接中断，重连中…",
    error: "操作失败", normal: "普通", vip: "大客户", private_line: "专线", status: "状态",
    recordings: "通话录音", play: "播放", no_audio: "无音频",
    title_reports: "统计报表", report: "报表", period: "统计周期", show: "查询", download_csv: "下载 CSV",
    download_xlsx: "下载 Excel", trend: "趋势", breakdown: "分类对比", report_traffic: "话务量统计表",
    report_agents: "话务员工作量统计表", report_complaints: "用户投诉统计表", report_ivr: "IVR节点统计表",
    report_outbound: "呼出服务统计表", all_prefectures: "全省 (各地市)",
    camp_title: "外呼任务", camp_name: "任务", camp_progress: "进度", camp_attempted: "已呼",
    camp_completed: "完成", camp_remaining: "剩余", camp_pace: "速度 (次/分)", camp_abandon: "放弃率 (30天)",
    camp_draft: "草稿", camp_running: "进行中", camp_paused: "已暂停", camp_finished: "已结束",
    camp_automated: "自动语音", camp_progressive: "渐进式", camp_predictive: "预测式", camp_none: "暂无外呼任务",
    camp_results: "结果", dial_customer: "致电客户", revisit_customer: "人工回访", dialling_customer: "正在呼叫工单客户",
  },
  en: {
    title_agent: "Agent desk", title_wallboard: "Wallboard", title_qa: "QA monitoring",
    username: "Username", password: "Password", sign_in: "Sign in", sign_out: "Sign out", language: "中文",
    bad_credentials: "Unknown user or wrong password", rate_limited: "Too many failed sign-ins; try later",
    extension: "Extension", acd_login: "Log in", acd_logout: "Log out", state: "State", since: "For",
    pause: "Pause", unpause: "Unpause", reason: "Reason", break: "Break", lunch: "Lunch", training: "Training",
    meeting: "Meeting", wrap_up: "Wrap-up", disposition: "Disposition", resolved: "Resolved on the spot",
    ticket_dispatched: "Ticket dispatched", escalated: "Escalated", ticket_number: "Ticket no.", note: "Note",
    wrap_up_done: "Wrap-up done", screen_pop: "Screen pop", caller: "Caller", customer: "Customer",
    segment: "Segment", prefecture: "Prefecture", ivr_path: "IVR path", wait: "Waited", tickets: "Tickets",
    no_call: "No call", call_control: "Call control", hold: "Hold", unhold: "Unhold", hangup: "Hang up",
    transfer: "Transfer", to_senior: "To a senior", to_manager: "To the manager hotline", to_skill: "To a skill",
    to_agent: "To an agent", consult: "Consult", complete: "Complete transfer", cancel: "Cancel consult",
    conference: "Conference", ticket_form: "Ticket", kind: "Kind", complaint: "Complaint",
    suggestion: "Suggestion", fault: "Fault", category: "Category", description: "Description",
    create_ticket: "Open ticket", dispatch: "Dispatch", chase: "Chase", return: "Return", close: "Close",
    resolution: "Resolution", department: "Department", my_stats: "My statistics", calls: "Calls",
    talk_time: "Mean talk", available: "Available", reserved: "Ringing", on_call: "On call", paused: "Paused",
    logged_out: "Logged out", queue: "Queue", waiting: "Waiting", longest_wait: "Longest wait",
    service_level: "Service level", answered: "Answered", abandoned: "Abandoned", agents: "Agents",
    province: "Province", live_calls: "Live calls", agent: "Agent", duration: "Duration", listen: "Listen",
    whisper: "Whisper", barge: "Barge", stop: "Stop", monitoring_log: "Monitoring log", mode: "Mode",
    started: "Started", ended: "Ended", my_session: "My session", ringing: "Ringing", active: "Active",
    talking: "Talking", held: "On hold", consulting: "Consulting", skill: "Skill",
    offline: "Connection lost, reconnecting…", error: "Failed", normal: "Normal", vip: "VIP",
    private_line: "Private line", status: "Status",
    recordings: "Recordings", play: "Play", no_audio: "No audio",
    title_reports: "Reports", report: "Report", period: "Period", show: "Show", download_csv: "Download CSV",
    download_xlsx: "Download Excel", trend: "Trend", breakdown: "Breakdown", report_traffic: "Traffic",
    report_agents: "Agents' workload", report_complaints: "Complaints", report_ivr: "IVR nodes",
    report_outbound: "Outbound", all_prefectures: "Province (by prefecture)",
    camp_title: "Outbound campaigns", camp_name: "Campaign", camp_progress: "Progress", camp_attempted: "Attempted",
    camp_completed: "Completed", camp_remaining: "Remaining", camp_pace: "Pace (/min)",
    camp_abandon: "Abandoned (30 d)", camp_draft: "Draft", camp_running: "Running", camp_paused: "Paused",
    camp_finished: "Finished", camp_automated: "Automated", camp_progressive: "Progressive",
    camp_predictive: "Predictive", camp_none: "No campaigns", camp_results: "Results",
    dial_customer: "Call customer", revisit_customer: "Manual callback", dialling_customer: "Calling the customer of ticket",
  },
};

const Hotline = {
  lang: localStorage.getItem("hotline.lang") || "zh",
  token: sessionStorage.getItem("hotline.token"),
  user: JSON.parse(sessionStorage.getItem("hotline.user") || "null"),

  t(key) {
    return (LABELS[this.lang] && LABELS[this.lang][key]) || (LABELS.en[key]) || key;
  },

  translate(root = document) {
    root.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = this.t(el.dataset.i18n); });
    root.querySelectorAll("[data-i18n-placeholder]").forEach((el) => {
      el.placeholder = this.t(el.dataset.i18nPlaceholder);
    });
    document.documentElement.lang = this.lang === "zh" ? "zh-CN" : "en";
  },

  toggleLanguage() {
    this.lang = this.lang === "zh" ? "en" : "zh";
    localStorage.setItem("hotline.lang", this.lang);
    this.translate();
    document.dispatchEvent(new Event("hotline:language"));
  },

  async api(method, path, body) {
    const headers = { "Content-Type": "application/json" };
    if (this.token) headers.Authorization = "Bearer " + this.token;
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const data = await response.json().catch(() => ({}));
    if (response.status === 401 && path !== "/api/session") { this.forget(); location.reload(); }
    if (!response.ok) {
      const error = new Error(data.message || response.statusText);
      error.errorId = data.error_id; error.status = response.status;
      throw error;
    }
    return data;
  },

  // A file the API serves only with the user's token (a recording): as an object URL.
  async objectUrl(path) {
    const response = await fetch(path, { headers: { Authorization: "Bearer " + this.token } });
    if (!response.ok) {
      const data = await response.json().catch(() => ({}));
      throw new Error(data.message || response.statusText);
    }
    return URL.createObjectURL(await response.blob());
  },

  forget() {
    this.token = null; this.user = null;
    sessionStorage.removeItem("hotline.token"); sessionStorage.removeItem("hotline.user");
  },

  // Show the sign-in form until the user signs in; then call ready(user).
  // A page with several scripts calls start() from each: the first wires the page, every one's
  // ready() runs once the user is signed in.
  start(ready) {
    this._ready = this._ready || [];
    this._ready.push(ready);
    if (this._started) { if (this.token) ready(this.user); return; }
    this._started = true;
    this.translate();
    document.getElementById("lang").addEventListener("click", () => this.toggleLanguage());
    const form = document.getElementById("login");
    const main = document.getElementById("main");
    document.getElementById("signout").addEventListener("click", async () => {
      try { await this.api("DELETE", "/api/session"); } catch (e) { /* gone already */ }
      this.forget(); location.reload();
    });
    const show = () => {
      form.hidden = !!this.token; main.hidden = !this.token;
      document.getElementById("whoami").textContent = this.user ? `${this.user.username} · ${this.user.role} · ${this.user.prefecture}` : "";
      if (this.token) this._ready.forEach((run) => run(this.user));
    };
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const message = document.getElementById("login-error");
      message.textContent = "";
      try {
        const data = await this.api("POST", "/api/session", {
          username: document.getElementById("username").value, password: document.getElementById("password").value,
        });
        this.token = data.token; this.user = data.user;
        sessionStorage.setItem("hotline.token", data.token); sessionStorage.setItem("hotline.user", JSON.stringify(data.user));
        show();
      } catch (e) {
        message.textContent = this.t(e.errorId === "auth-rate-limited" ? "rate_limited" : "bad_credentials");
      }
    });
    show();
  },

  // The live feed: authenticate with the first message, reconnect after a loss.
  feed(onMessage) {
    const banner = document.getElementById("offline");
    const open = () => {
      const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/ws");
      ws.onopen = () => { ws.send(JSON.stringify({ type: "auth", token: this.token })); banner.hidden = true; };
      ws.onmessage = (event) => {
        const data = JSON.parse(event.data);  // one message, or several in an array
        for (const m of Array.isArray(data) ? data : [data]) {
          // the server's hello: signed in and subscribed, events from now on reach this page
          if (m.type === "hello") document.documentElement.dataset.feed = "live";
          onMessage(m);
        }
      };
      ws.onclose = (event) => {
        document.documentElement.dataset.feed = "offline";
        if (event.code === 4401) { this.forget(); location.reload(); return; }
        banner.hidden = false; setTimeout(open, 2000);
      };
    };
    open();
  },

  el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child ?? ""));
    return node;
  },

  seconds(s) {
    if (s === null || s === undefined) return "–";
    s = Math.max(0, Math.round(s));
    return s >= 60 ? `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}` : `${s}s`;
  },

  // A longer span (an overdue ticket's lateness): h:mm:ss from an hour on, else as seconds() does.
  duration(s) {
    if (s === null || s === undefined || s < 3600) return this.seconds(s);
    s = Math.round(s);
    const pad = (n) => String(n).padStart(2, "0");
    return `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  },

  percent(x) { return x === null || x === undefined ? "–" : `${Math.round(x * 100)}%`; },

  toast(text) {
    const box = document.getElementById("toast");
    box.textContent = text; box.hidden = false;
    clearTimeout(this._toast); this._toast = setTimeout(() => { box.hidden = true; }, 4000);
  },
};
