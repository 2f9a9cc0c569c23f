// The operators' console. Everything shown comes from the server already cut to the
// operator's desk; text is always set with textContent (never parsed as HTML).
"use strict";

const LABELS = {
  severity: { red: "红色", orange: "橙色", yellow: "黄色", blue: "蓝色" },
  level: { county: "县级", city: "市级督办", province: "省级督办" },
  type: {
    PAYROLL_MISSING: "工资支付表缺失", WORKER_UNPAID: "农民工工资未发放", WAGES_SHORT: "工资未足额发放",
    ACCOUNT_NOT_OPENED: "未开设工资专用账户", LABOUR_COST_NOT_ALLOCATED: "人工费用未按月拨付",
    DEPOSIT_MISSING: "未缴存工资保证金", COMPLAINT_FILED: "欠薪投诉", COMPLAINT_OVERDUE: "投诉办理超期",
    BALANCE_LOW: "专户余额不足", HEADCOUNT_MISMATCH: "发薪人数与考勤不符", PAYEE_NOT_ENROLLED: "代发对象未实名登记",
    NO_ATTENDANCE: "无考勤记录", ATTENDANCE_UNREGISTERED: "未实名考勤", GROUP_ARREARS: "群体性欠薪",
    LABOUR_COST_SHORT: "人工费用拨付不足",
    PAYMENT_GUARANTEE_MISSING: "未提供工程款支付担保", NO_CONSTRUCTION_PERMIT: "未取得施工许可证（未批先建）",
    SITE_OBLIGATION_MISSING: "未配备劳资专管员或未设维权告示牌", RULE_FAILED: "规则无法评估",
    REPEAT_DEFAULTER: "多次被投诉欠薪", CRIMINAL_REFERRAL_DUE: "逾期不支付，应移送公安",
    BELOW_MINIMUM_WAGE: "低于最低工资标准",
  },
  system: {
    workers_enrolled: "实名制登记", dedicated_account: "农民工工资专用账户", wage_deposit: "工资保证金",
    paid_through_account: "总包代发（专户发放）", paid_in_full: "工资足额发放",
  },
  department: { housing: "住房和城乡建设", water: "水利", transport: "交通运输", development: "发展和改革",
                hrss: "人力资源和社会保障", finance: "财政", soe: "国有资产监督管理" },
  reason: { new: "新", changed: "更新", repeat: "重复提醒" },
  sector: { housing: "房屋建筑", municipal: "市政", water: "水利", transport: "交通", railway: "铁路", energy: "能源",
            other: "其他" },
  funding: { government: "政府投资", soe: "国有资金", private: "社会资本" },
  status: { planned: "未开工", under_construction: "在建", suspended: "停工", completed: "竣工" },
};
const HEADERS = { "Content-Type": "application/json", "X-WageWatch-Console": "1" };
const state = { alerts: new Map(), shownAt: new Map(), outcomes: {}, operator: null, source: null };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, { method, headers: HEADERS, credentials: "same-origin",
                                       body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/api/session") { signedOut(); }
  if (!response.ok) { throw new Error(data.error || JSON.stringify(data.errors || data)); }
  return data;
}

function age(since) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 60000));
  if (minutes < 60) return `${minutes} 分钟`;
  if (minutes < 1440) return `${Math.floor(minutes / 60)} 小时`;
  return `${Math.floor(minutes / 1440)} 天`;
}

function statusText(alert) {
  if (alert.status === "resolved") return `已办结${alert.outcome ? "（" + (state.outcomes[alert.outcome] || alert.outcome) + "）" : ""}`;
  if (alert.acknowledged_at) return `已签收（${alert.acknowledged_by}）`;
  return "未签收";
}

function visible(alert) {
  const severity = $("f-severity").value, status = $("f-status").value, type = $("f-type").value;
  const project = $("f-project").value.trim();
  if (severity && alert.severity !== severity) return false;
  if (type && alert.type !== type) return false;
  if (project && !(alert.project_code || "").includes(project)) return false;
  if (status === "open") return alert.status === "firing";
  if (status === "unacked") return alert.status === "firing" && !alert.acknowledged_at;
  if (status === "acked") return alert.status === "firing" && !!alert.acknowledged_at;
  if (status === "resolved") return alert.status === "resolved";
  return true;
}

function row(alert) {
  const tr = el("tr");
  tr.dataset.fingerprint = alert.fingerprint;
  tr.dataset.status = alert.acknowledged_at && alert.status === "firing" ? "acknowledged" : alert.status;
  tr.dataset.shownAt = state.shownAt.get(alert.fingerprint);
  if (alert.status === "resolved") tr.classList.add("resolved");
  if (alert.silenced_by || alert.inhibited_by) tr.classList.add("muted");
  const colour = el("td"); colour.append(el("span", LABELS.severity[alert.severity] || alert.severity, `badge ${alert.severity}`));
  if (alert.p1) colour.append(el("span", "群体性", "tag"));
  const project = el("td");
  if (alert.project_code) {
    const link = el("a", alert.project_code); link.href = "#"; link.className = "project-link";
    link.addEventListener("click", (e) => { e.preventDefault(); openProject(alert.project_code); });
    project.append(link);
  }
  const status = el("td", statusText(alert));
  if (alert.silenced_by) status.append(el("span", "已静默", "tag"));
  if (alert.inhibited_by) status.append(el("span", "已抑制", "tag"));
  tr.append(colour, el("td", LABELS.type[alert.type] || alert.type), project, el("td", alert.month || "—"),
            el("td", alert.summary), el("td", LABELS.level[alert.level] || alert.level),
            el("td", age(alert.raised_at), "age"), status, actions(alert));
  return tr;
}

function actions(alert) {
  const td = el("td");
  if (alert.status !== "firing") return td;
  if (!alert.acknowledged_at) {
    const ack = el("button", "签收", "acknowledge");
    ack.addEventListener("click", () => act("/api/alerts/acknowledge", { fingerprint: alert.fingerprint }));
    td.append(ack);
  }
  const outcome = el("select", null, "outcome");
  for (const [code, label] of Object.entries(state.outcomes)) { const o = el("option", label); o.value = code; outcome.append(o); }
  const resolve = el("button", "办结", "resolve");
  resolve.addEventListener("click", () => act("/api/alerts/resolve", { fingerprint: alert.fingerprint, outcome: outcome.value }));
  const silence = el("button", "静默", "silence");
  silence.addEventListener("click", () => silenceLike(alert));
  td.append(outcome, resolve, silence);
  return td;
}

async function act(path, body) {
  try { $("message").textContent = ""; remember((await api("POST", path, body)).alert); }
  catch (err) { $("message").textContent = err.message; }
}

async function silenceLike(alert) {
  const reason = window.prompt("静默原因（如：春节停工已备案）");
  if (!reason) return;
  const days = Number(window.prompt("静默天数", "7")) || 7;
  const ends = new Date(Date.now() + days * 86400000).toISOString();
  try {
    await api("POST", "/api/silences", { type: alert.type, project_code: alert.project_code, reason, ends_at: ends });
    await loadSilences(); await loadAlerts();
  } catch (err) { $("message").textContent = err.message; }
}

function remember(alert) {
  if (!alert) return;
  if (!state.shownAt.has(alert.fingerprint)) state.shownAt.set(alert.fingerprint, Date.now());
  state.alerts.set(alert.fingerprint, { ...(state.alerts.get(alert.fingerprint) || {}), ...alert });
  render();
}

function render() {
  const body = $("alerts"); body.replaceChildren();
  const shown = [...state.alerts.values()].filter(visible)
    .sort((a, b) => (b.updated_at || "").localeCompare(a.updated_at || ""));
  $("count").textContent = `共 ${shown.length} 条`;
  if (!$("f-group").checked) { shown.forEach((a) => body.append(row(a))); return; }
  const groups = new Map();
  for (const alert of shown) {
    const key = alert.project_code || "（无项目）";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(alert);
  }
  for (const [key, members] of groups) {
    const head = el("tr", null, "group");
    const cell = el("td", `项目 ${key}：${members.length} 条`); cell.colSpan = 9;
    head.append(cell); body.append(head);
    members.forEach((a) => body.append(row(a)));
  }
}

async function loadAlerts() {
  const data = await api("GET", "/api/alerts");
  state.outcomes = data.outcomes || {};
  for (const alert of data.alerts) {
    if (!state.shownAt.has(alert.fingerprint)) state.shownAt.set(alert.fingerprint, Date.now());
    state.alerts.set(alert.fingerprint, alert);
  }
  const types = $("f-type");
  if (types.options.length === 1) {
    for (const [code, label] of Object.entries(LABELS.type)) { const o = el("option", label); o.value = code; types.append(o); }
  }
  render();
}

async function loadSilences() {
  const list = $("silences"); list.replaceChildren();
  for (const s of (await api("GET", "/api/silences")).silences) {
    const m = s.matchers, what = [LABELS.type[m.type] || m.type, m.project_code, LABELS.severity[m.severity]].filter(Boolean).join(" · ");
    const item = el("li", `${what || "本岗位全部"}：${s.reason}（${s.created_by}，至 ${s.ends_at.slice(0, 16).replace("T", " ")}）`);
    const end = el("button", "解除");
    end.addEventListener("click", async () => { await api("POST", "/api/silences/expire", { silence_id: s.silence_id }); loadSilences(); loadAlerts(); });
    item.append(end); list.append(item);
  }
}

function showNotification(n) {
  const list = $("notifications");
  const group = n.group.project_code ? `项目 ${n.group.project_code}` : Object.values(n.group).join(" · ") || "本岗位";
  const muted = n.suppressed.length ? `，${n.suppressed.length} 条静默/抑制` : "";
  const item = el("li", `${n.sent_at.slice(11, 19)} [${LABELS.reason[n.reason] || n.reason}] ${group}：` +
                        `${n.firing.length} 条未办结，${n.resolved.length} 条已办结${muted}`);
  list.prepend(item);
}

async function loadNotifications() {
  $("notifications").replaceChildren();
  (await api("GET", "/api/notifications")).notifications.reverse().forEach(showNotification);
}

function connect() {
  if (state.source) state.source.close();
  state.connectedOnce = false;
  const source = new EventSource("/api/stream");
  state.source = source;
  source.addEventListener("hello", () => {
    $("live").dataset.live = "connected"; $("live").textContent = "实时";
    if (state.connectedOnce) loadAlerts();   // reconnected: catch up on what happened meanwhile
    state.connectedOnce = true;
  });
  source.addEventListener("alert", (e) => remember(JSON.parse(e.data)));
  source.addEventListener("notification", (e) => showNotification(JSON.parse(e.data)));
  source.addEventListener("silences", () => { loadSilences(); loadAlerts(); });
  source.addEventListener("reload", () => loadAlerts());
  source.addEventListener("signed_out", () => { source.close(); signedOut(); });
  source.onerror = () => { $("live").dataset.live = "offline"; $("live").textContent = "重连中"; };
}

async function openProject(code) {
  try {
    const data = await api("GET", `/api/project?code=${encodeURIComponent(code)}`);
    const p = data.project;
    $("project-title").textContent = `${p.name}（${p.project_code}）`;
    $("project-facts").textContent = `区划 ${p.division} · 行业 ${LABELS.sector[p.sector] || p.sector} · ` +
      `资金 ${LABELS.funding[p.funding] || p.funding} · 状态 ${LABELS.status[p.status] || p.status} · 开工 ${p.start_date}`;
    const alerts = $("project-alerts"); alerts.replaceChildren();
    data.alerts.forEach((a) => alerts.append(el("li", `${LABELS.severity[a.severity]} ${LABELS.type[a.type] || a.type} ${a.month || ""} ${statusText(a)}`)));
    $("project-payroll").replaceChildren(part(data.payroll, (months) => {
      const list = el("ul");
      months.forEach((m) => list.append(el("li", `${m.month}：${m.workers} 人，应发 ${m.amount_due} 元，实发 ${m.amount_paid} 元`)));
      return months.length ? list : el("p", "尚无工资发放记录");
    }));
    $("project-coverage").replaceChildren(part(data.coverage, coverageList));
    $("project").hidden = false;
  } catch (err) { $("message").textContent = err.message; }
}

// The required systems (制度覆盖) of one project in the last month whose wages fell due.
function coverageList(c) {
  if (!c) return el("p", "暂无该项目的覆盖数据");
  const list = el("ul");
  c.systems.forEach((s) => list.append(el("li",
    `${LABELS.system[s.system] || s.label}：${s.in_place === null ? "未知" : s.in_place ? "已落实" : "未落实"}`,
    s.in_place === false ? "missing" : "")));
  const box = el("div");
  box.append(el("p", `${c.month} 月${c.working ? "" : "（当月未在建）"}`), list);
  return box;
}

function part(section, show) {
  return section.available ? show(section.data) : el("p", `暂不可用：${section.reason}`, "unavailable");
}

function signedIn(operator) {
  state.operator = operator;
  const d = operator.desk;
  $("desk").textContent = `${LABELS.department[d.department]} · ${operator.division_name || ""}（${d.division}）· ${LABELS.level[d.level]} · ${operator.display_name}`;
  $("login").hidden = true; $("board").hidden = false; $("sign-out").hidden = false;
  loadAlerts().then(connect); loadSilences(); loadNotifications();
}

function signedOut() {
  if (state.source) state.source.close();
  state.alerts.clear();
  $("board").hidden = true; $("sign-out").hidden = true; $("login").hidden = false;
  $("live").dataset.live = "offline"; $("live").textContent = "未连接";
}

$("login").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const data = await api("POST", "/api/session", { username: $("username").value, password: $("password").value });
    $("login-error").textContent = ""; signedIn(data.operator);
  } catch (err) { $("login-error").textContent = err.message; }
});
$("sign-out").addEventListener("click", async () => { await api("DELETE", "/api/session").catch(() => {}); signedOut(); });
$("project-close").addEventListener("click", () => { $("project").hidden = true; });
for (const id of ["f-severity", "f-status", "f-type", "f-group"]) $(id).addEventListener("change", render);
$("f-project").addEventListener("input", render);
setInterval(() => document.querySelectorAll("#alerts tr[data-fingerprint]").forEach((tr) => {
  const alert = state.alerts.get(tr.dataset.fingerprint); if (alert) tr.querySelector(".age").textContent = age(alert.raised_at);
}), 30000);

api("GET", "/api/me").then((data) => signedIn(data.operator)).catch(() => signedOut());
