/* The owners' dashboard: reads Telegram's launch parameters from the URL (its script is not
   needed), sends initData with every request, and draws what the bot's JSON says.
   Every value a person wrote is put in as text, never as HTML. */
"use strict";

const state = {
  initData: "",
  me: null,
  lang: "en",
  tab: "overview",
  period: "30d",
  store: "",
  weeks: "12",
  alertState: "open",
  leadStatus: "open",
};

/* --- launch parameters and theme ------------------------------------------------------ */

function launchParams() {
  const fromHash = new URLSearchParams(location.hash.slice(1));
  const fromQuery = new URLSearchParams(location.search);
  const read = (name) => fromHash.get(name) || fromQuery.get(name) || "";
  let initData = read("tgWebAppData");
  let theme = read("tgWebAppThemeParams");
  const webApp = window.Telegram && window.Telegram.WebApp;
  if (!initData && webApp) initData = webApp.initData || "";
  if (!theme && webApp && webApp.themeParams) theme = JSON.stringify(webApp.themeParams);
  try {
    // A reload inside Telegram keeps the page but may lose the hash.
    if (initData) sessionStorage.setItem("tgWebAppData", initData);
    else initData = sessionStorage.getItem("tgWebAppData") || "";
    if (theme) sessionStorage.setItem("tgWebAppThemeParams", theme);
    else theme = sessionStorage.getItem("tgWebAppThemeParams") || "";
  } catch (e) { /* storage may be off: the hash is enough */ }
  return { initData, theme };
}

function applyTheme(json) {
  if (!json) return;
  let params;
  try { params = JSON.parse(json); } catch (e) { return; }
  const root = document.documentElement;
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === "string" && /^#[0-9a-fA-F]{3,8}$/.test(value)) {
      root.style.setProperty(`--tg-theme-${key.replace(/_/g, "-")}`, value);
    }
  }
  root.classList.add("telegram-theme");
}

/* --- texts and formats ---------------------------------------------------------------- */

function tr(key, values = {}) {
  const texts = window.DASHBOARD_TEXTS[state.lang] || window.DASHBOARD_TEXTS.en;
  let text = texts[key] !== undefined ? texts[key] : window.DASHBOARD_TEXTS.en[key];
  if (text && typeof text === "object") {
    const form = new Intl.PluralRules(state.lang).select(values.count);
    text = text[form] || text.other;
    values = { ...values, count: number(values.count, 0) };
  }
  return String(text === undefined ? key : text).replace(/\{(\w+)\}/g, (m, name) =>
    values[name] === undefined ? m : String(values[name]));
}

function number(value, digits = 1) {
  if (value === null || value === undefined) return tr("nothing");
  return new Intl.NumberFormat(state.lang, { maximumFractionDigits: digits }).format(value);
}

function signed(value) {
  if (value === null || value === undefined) return tr("nothing");
  return new Intl.NumberFormat(state.lang, { maximumFractionDigits: 0, signDisplay: "exceptZero" })
    .format(value);
}

function percent(value) {
  if (value === null || value === undefined) return tr("nothing");
  return new Intl.NumberFormat(state.lang, { style: "percent", maximumFractionDigits: 0 })
    .format(value / 100);
}

function money(value) {
  if (value === null || value === undefined) return tr("nothing");
  return new Intl.NumberFormat(state.lang, {
    style: "currency", currency: state.me.currency, maximumFractionDigits: 0,
  }).format(value);
}

function when(iso) {
  if (!iso) return tr("nothing");
  return new Intl.DateTimeFormat(state.lang, {
    timeZone: state.me.timezone, dateStyle: "medium", timeStyle: "short",
  }).format(new Date(iso));
}

function personName(person) {
  const parts = [person.first_name, person.last_name].filter(Boolean).join(" ");
  if (parts && person.username) return `${parts} (@${person.username})`;
  return parts || (person.username ? `@${person.username}` : tr("no_name"));
}

/* --- the page's pieces ----------------------------------------------------------------- */

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function select(id, options, value, onChange) {
  return el("select", { id, onchange: (e) => onChange(e.target.value) },
    options.map(([key, label]) => el("option", { value: key, selected: key === value }, label)));
}

function figure(label, value, hint, id) {
  return el("div", { class: "figure" },
    el("div", { class: "label" }, label),
    el("div", { class: "value", id }, value),
    hint ? el("div", { class: "hint" }, hint) : null);
}

function card(title, ...children) {
  return el("section", { class: "card" }, title ? el("h2", {}, title) : null, ...children);
}

function main() { return document.getElementById("main"); }

/* --- talking to the bot ---------------------------------------------------------------- */

class Refusal extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(`data/${path}`, {
      ...options,
      headers: { ...(options.headers || {}), Authorization: `tma ${state.initData}` },
    });
  } catch (e) {
    throw new Refusal(0, tr("error_network"));
  }
  if (response.ok) return response;
  let message = response.statusText;
  try { message = (await response.json()).error.message; } catch (e) { /* not JSON */ }
  throw new Refusal(response.status, message);
}

async function getJson(path) { return (await api(path)).json(); }

async function postJson(path, body) {
  return (await api(path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body || {}),
  })).json();
}

function showError(error) {
  document.getElementById("tabs").hidden = true;
  main().replaceChildren();
  main().hidden = true;
  const screen = document.getElementById("error");
  document.getElementById("error-title").textContent = tr("error_title");
  const key = error.status === 401 ? "error_401" : error.status === 403 ? "error_403" : null;
  document.getElementById("error-text").textContent =
    key ? tr(key) : error.status === 0 ? error.message : tr("error_other", { message: error.message });
  screen.hidden = false;
  screen.dataset.status = String(error.status);
}

function guarded(render) {
  return async (...args) => {
    try { await render(...args); } catch (error) {
      if (error instanceof Refusal && (error.status === 401 || error.status === 403 || error.status === 0)) {
        showError(error);
      } else {
        main().append(el("p", { class: "notice bad" }, tr("error_other", { message: error.message })));
      }
    }
  };
}

/* --- tabs ------------------------------------------------------------------------------ */

const TABS = ["overview", "alerts", "leads", "answers", "settings"];

function renderTabs() {
  const nav = document.getElementById("tabs");
  nav.replaceChildren(...TABS.map((tab) => el("button", {
    class: tab === state.tab ? "tab active" : "tab",
    "data-tab": tab,
    onclick: () => { state.tab = tab; renderTabs(); show(); },
  }, tr(`tab_${tab}`))));
  nav.hidden = false;
}

const show = guarded(async () => {
  main().replaceChildren(el("p", { class: "hint" }, "…"));
  const render = { overview, alerts, leads, answers, settings }[state.tab];
  await render();
});

function filters() {
  const periods = state.me.periods.map((p) => [p, tr(`period_${p}`)]);
  const stores = [["", tr("all_stores")], ...state.me.stores.map((s) => [s.key, s.name])];
  return el("div", { class: "filters" },
    el("label", {}, tr("period"), select("period", periods, state.period, (v) => { state.period = v; show(); })),
    state.me.stores.length ? el("label", {}, tr("store"),
      select("store", stores, state.store, (v) => { state.store = v; show(); })) : null);
}

function query(values) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value) params.set(key, value);
  return params.toString();
}

/* --- overview -------------------------------------------------------------------------- */

async function overview() {
  const scope = { period: state.period, store: state.store };
  const [data, trend] = await Promise.all([
    getJson(`overview?${query(scope)}`),
    getJson(`trend?${query({ weeks: state.weeks, store: state.store })}`),
  ]);
  const nps = data.nps;
  const loyalty = data.loyalty;
  const chart = el("div", { class: "chart", id: "trend-chart" });
  chart.innerHTML = trend.svg; // drawn and escaped by the bot (webapp/trend_svg.py)
  const weeks = state.me.weeks.map((w) => [String(w), tr(`weeks_${w}`)]);
  main().replaceChildren(
    filters(),
    el("p", { class: "hint" }, tr("as_of", { time: when(data.computed_at) })),
    card(null,
      el("div", { class: "figures" },
        figure(tr("nps"), number(nps.score, 0), tr("nps_hint"), "nps-score"),
        figure(tr("csat"), number(data.csat.average, 2), tr("csat_hint"), "csat-average"),
        figure(tr("satisfied"), percent(data.fully_satisfied_share), null),
        figure(tr("response_rate"), percent(data.surveys.response_rate),
          tr("surveys_sent", { count: data.surveys.sent }), "response-rate")),
      el("div", { class: "mix" },
        mixBar(nps),
        el("p", { class: "hint" },
          `${tr("promoters")} ${number(nps.promoters, 0)} · ${tr("passives")} ${number(nps.passives, 0)} · `
          + `${tr("detractors")} ${number(nps.detractors, 0)} · ${tr("answers_count", { count: nps.total })}`))),
    card(tr("trend"),
      el("div", { class: "filters" }, select("weeks", weeks, state.weeks, (v) => { state.weeks = v; show(); })),
      chart,
      el("p", { class: "legend" },
        el("span", { class: "key nps" }, "NPS"), " ", el("span", { class: "key csat" }, "CSAT (1–5)"))),
    card(tr("purchases"),
      el("div", { class: "figures" },
        figure(tr("purchases"), number(data.purchases.purchases, 0), tr("customers", { count: data.purchases.customers })),
        figure(tr("repeat_rate"), percent(data.purchases.repeat_rate), null),
        figure(tr("frequency"), number(data.purchases.frequency, 2), null),
        figure(tr("average_check"), money(data.purchases.average_check), null))),
    loyaltyCard(loyalty),
    card(tr("alerts_now"),
      el("div", { class: "figures" },
        figure(tr("open"), number(data.alerts_now.open, 0), null, "alerts-open"),
        figure(tr("claimed"), number(data.alerts_now.claimed, 0), null))),
    card(tr("leads_summary"),
      el("div", { class: "figures" },
        figure(tr("leads_opened"), number(data.leads.opened, 0), null),
        figure(tr("leads_contacted"), number(data.leads.contacted, 0), null),
        figure(tr("leads_won"), number(data.leads.won, 0), null),
        figure(tr("leads_open_now"), number(data.leads.open_now, 0), null))),
    themesCard(data.themes),
    referralsCard(data.referred),
    exportCard());
}

function mixBar(nps) {
  const bar = el("div", { class: "bar", role: "img", "aria-label": `${nps.promoters}/${nps.passives}/${nps.detractors}` });
  if (nps.total) {
    for (const [kind, count] of [["promoters", nps.promoters], ["passives", nps.passives], ["detractors", nps.detractors]]) {
      const part = el("span", { class: kind });
      part.style.width = `${(100 * count) / nps.total}%`;
      bar.append(part);
    }
  }
  return bar;
}

function loyaltyCard(loyalty) {
  if (!loyalty.shown) return card(tr("loyalty"), el("p", { class: "hint" }, tr("loyalty_wait")));
  return card(loyalty.young ? tr("loyalty_young") : tr("loyalty"),
    el("div", { class: "figures" },
      figure(tr("crr"), percent(loyalty.crr), tr("crr_hint"), "crr"),
      figure(tr("churn"), percent(loyalty.churn), null),
      figure(tr("per_year"), number(loyalty.purchases_per_year, 1), tr("per_year_hint")),
      figure(tr("repeat_rate"), percent(loyalty.repeat_rate), null),
      figure(tr("average_check"), money(loyalty.average_check), null),
      figure(tr("clv"), money(loyalty.clv),
        loyalty.lifetime_years === null ? null : tr("years", { count: Math.round(loyalty.lifetime_years * 10) / 10 }))));
}

function themesCard(themes) {
  if (!themes.length) return card(tr("themes"), el("p", { class: "hint" }, tr("no_themes")));
  const most = Math.max(...themes.map((t) => t.surveys));
  return card(tr("themes"), el("ul", { class: "themes" }, themes.slice(0, 10).map((theme) => {
    const bar = el("span", { class: "theme-bar" });
    bar.style.width = `${(100 * theme.surveys) / most}%`;
    return el("li", {},
      el("div", { class: "theme-line" },
        el("span", {}, theme.names[state.lang] || theme.key),
        el("span", { class: "hint" }, `${tr("theme_surveys", { count: theme.surveys })} · NPS ${signed(theme.nps)}`)),
      bar);
  })));
}

function referralsCard(referred) {
  return card(tr("referrals"),
    el("div", { class: "figures" },
      figure(tr("referred_arrived"), number(referred.arrived, 0), null),
      figure(tr("referred_buyers"), number(referred.buyers, 0), null),
      figure(tr("referred_revenue"), money(referred.revenue), null)),
    referred.top.length ? el("div", {},
      el("h3", {}, tr("top_referrers")),
      el("ol", {}, referred.top.map((r) => el("li", {},
        `${r.name || tr("no_name")}: ${tr("friends", { count: r.friends })}, ${money(r.revenue)}`)))) : null);
}

function exportCard() {
  const status = el("p", { class: "hint", id: "export-status" });
  const download = guarded(async (format) => {
    status.textContent = tr("exporting");
    const response = await api(`export?format=${format}`);
    const disposition = response.headers.get("Content-Disposition") || "";
    const name = (disposition.match(/filename="([^"]+)"/) || [])[1] || `feedback.${format}`;
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: name });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = tr("export_done", { name });
  });
  return card(tr("export"),
    el("p", { class: "hint" }, tr("export_hint")),
    el("div", { class: "buttons" },
      el("button", { id: "export-xlsx", onclick: () => download("xlsx") }, tr("export_xlsx")),
      el("button", { id: "export-csv", class: "secondary", onclick: () => download("csv") }, tr("export_csv"))),
    status);
}

/* --- alerts ---------------------------------------------------------------------------- */

async function alerts() {
  const list = el("div", { id: "alert-list" });
  const data = await getJson(`alerts?${query({ state: state.alertState })}`);
  const states = ["open", "claimed", "resolved"];
  const switcher = el("div", { class: "segments" }, states.map((s) => el("button", {
    class: s === state.alertState ? "segment active" : "segment",
    "data-state": s,
    onclick: () => { state.alertState = s; show(); },
  }, tr(s))));
  main().replaceChildren(switcher, list);
  showCounts(data.counts);
  appendAlerts(list, data);
}

function showCounts(counts) {
  for (const button of document.querySelectorAll(".segment[data-state]")) {
    const s = button.dataset.state;
    button.textContent = s in counts ? `${tr(s)} · ${number(counts[s], 0)}` : tr(s);
  }
}

/* A list of cards a page at a time: `items` of this page, `next` the server's mark of the
   next one (none: the last), `fetchMore(next)` appends it. */
function appendCards(list, items, next, card, empty, fetchMore) {
  if (!items.length && !list.children.length) list.append(el("p", { class: "hint" }, tr(empty)));
  for (const item of items) list.append(card(item));
  if (next) {
    const more = el("button", { class: "secondary more", onclick: guarded(async () => {
      more.remove();
      await fetchMore(next);
    }) }, tr("more"));
    list.append(more);
  }
}

function appendAlerts(list, data) {
  appendCards(list, data.alerts, data.next, alertCard, "no_alerts", async (after) =>
    appendAlerts(list, await getJson(`alerts?${query({ state: state.alertState, after })}`)));
}

function alertCard(alert) {
  const score = alert.question === "csat"
    ? tr("alert_score_csat", { score: alert.score }) : tr("alert_score", { score: alert.score });
  const act = (action) => guarded(async () => {
    const result = await postJson(`alerts/${alert.id}/${action}`);
    node.replaceWith(alertCard(result.alert));
    showCounts(result.counts);
  });
  const buttons = [];
  if (alert.state === "open") buttons.push(el("button", { "data-action": "claim", onclick: act("claim") }, tr("btn_alert_claim")));
  if (alert.state !== "resolved") buttons.push(el("button", { "data-action": "resolve", class: "secondary", onclick: act("resolve") }, tr("btn_alert_resolve")));
  const node = el("article", { class: `item alert ${alert.state}`, "data-alert-id": alert.id, "data-state": alert.state },
    el("div", { class: "item-head" },
      el("strong", {}, score),
      el("span", { class: `badge ${alert.state}` }, tr(alert.state))),
    el("div", {}, personName(alert.customer), alert.phone ? ` · ${alert.phone}` : null),
    el("div", { class: "hint" }, [when(alert.created_at), alert.store, alert.order_id].filter(Boolean).join(" · ")),
    el("p", { class: alert.comment ? "quote" : "hint" }, alert.comment || tr("alert_no_comment")),
    alert.handler ? el("div", { class: "hint" }, tr("alert_handler", { name: alert.handler })) : null,
    alert.resolver ? el("div", { class: "hint" }, tr("alert_resolver", { name: alert.resolver })) : null,
    buttons.length ? el("div", { class: "buttons" }, buttons) : null);
  return node;
}

/* --- leads ----------------------------------------------------------------------------- */

async function leads() {
  const list = el("div", { id: "lead-list" });
  const data = await getJson(`leads?${query({ status: state.leadStatus })}`);
  const switcher = el("div", { class: "segments" }, ["open", "all"].map((s) => el("button", {
    class: s === state.leadStatus ? "segment active" : "segment",
    "data-leads": s,
    onclick: () => { state.leadStatus = s; show(); },
  }, s === "open" ? openLeads(data.open) : tr("leads_all"))));
  main().replaceChildren(switcher, list);
  appendLeads(list, data);
}

function openLeads(count) { return `${tr("leads_open")} · ${number(count, 0)}`; }

function appendLeads(list, data) {
  appendCards(list, data.leads, data.next, leadCard, "no_leads", async (before) =>
    appendLeads(list, await getJson(`leads?${query({ status: state.leadStatus, before })}`)));
}

function leadCard(lead) {
  const set = (status) => guarded(async () => {
    const result = await postJson(`leads/${lead.id}`, { status });
    node.replaceWith(leadCard(result.lead));
    const counter = document.querySelector('.segment[data-leads="open"]');
    if (counter) counter.textContent = openLeads(result.open);
  });
  const contact = lead.contact.name || lead.contact.phone
    ? [lead.contact.name, lead.contact.phone].filter(Boolean).join(" · ") : null;
  const node = el("article", { class: "item lead", "data-lead-id": lead.id },
    el("div", { class: "item-head" },
      el("strong", {}, tr(`lead_${lead.kind}`)),
      el("span", { class: `badge ${lead.status}` }, tr(`lead_status_${lead.status}`))),
    el("div", {}, personName(lead.customer), lead.phone ? ` · ${lead.phone}` : null),
    el("div", { class: "hint" }, [when(lead.created_at), lead.store, lead.amount !== null ? money(lead.amount) : null].filter(Boolean).join(" · ")),
    lead.text ? el("p", { class: "quote" }, lead.text) : null,
    contact ? el("div", {}, contact) : null,
    el("div", { class: "buttons" }, ["contacted", "won", "lost"].map((status) => el("button", {
      class: status === lead.status ? "small active" : "small secondary",
      onclick: set(status),
    }, tr(`btn_lead_${status}`)))));
  return node;
}

/* --- answers --------------------------------------------------------------------------- */

const answerFilter = { nps: "all", q: "", from: "", to: "" };

async function answers() {
  const groups = ["all", "promoters", "passives", "detractors"].map((g) => [g, tr(`nps_${g}`)]);
  const stores = [["", tr("all_stores")], ...state.me.stores.map((s) => [s.key, s.name])];
  const search = el("input", { id: "answers-search", type: "search", placeholder: tr("search"), value: answerFilter.q });
  const from = el("input", { id: "answers-from", type: "date", value: answerFilter.from });
  const to = el("input", { id: "answers-to", type: "date", value: answerFilter.to });
  const body = el("tbody", {});
  const table = el("div", { class: "table-wrap" }, el("table", { id: "answers-table" },
    el("thead", {}, el("tr", {}, ["when", "customer", "store", "nps", "csat", "satisfied", "fix", "upsell", "referral"]
      .map((c) => el("th", {}, tr(`col_${c}`))))), body));
  const run = guarded(async () => {
    answerFilter.q = search.value;
    answerFilter.from = from.value;
    answerFilter.to = to.value;
    body.replaceChildren();
    const more = document.getElementById("answers-more");
    if (more) more.remove();
    await appendRows(table, body, null);
  });
  main().replaceChildren(
    el("form", { class: "filters", onsubmit: (e) => { e.preventDefault(); run(); } },
      search,
      select("answers-nps", groups, answerFilter.nps, (v) => { answerFilter.nps = v; run(); }),
      state.me.stores.length ? select("answers-store", stores, state.store, (v) => { state.store = v; run(); }) : null,
      el("label", {}, tr("date_from"), from),
      el("label", {}, tr("date_to"), to),
      el("button", { type: "submit" }, tr("apply"))),
    table);
  await appendRows(table, body, null);
}

async function appendRows(table, body, after) {
  const data = await getJson(`answers?${query({ ...answerFilter, store: state.store, after })}`);
  if (!data.rows.length && !body.children.length) {
    body.append(el("tr", {}, el("td", { colspan: 9, class: "hint" }, tr("no_answers"))));
  }
  const yesNo = (v) => (v === "yes" ? tr("yes") : v === "no" ? tr("no") : tr("nothing"));
  for (const row of data.rows) {
    const group = row.nps >= 9 ? "promoters" : row.nps >= 7 ? "passives" : "detractors";
    const cell = (column, value, extra = "") =>
      el("td", { class: `${column} ${extra}`.trim(), "data-label": tr(`col_${column}`) }, value);
    body.append(el("tr", { "data-survey-id": row.survey_id },
      cell("when", when(row.answered_at), "nowrap"),
      cell("customer", personName(row.customer)),
      cell("store", row.store || tr("nothing")),
      cell("nps", row.nps, `score ${group}`),
      cell("csat", row.csat === null ? tr("nothing") : row.csat),
      cell("satisfied", yesNo(row.satisfied)),
      cell("fix", row.fix || "", "text"),
      cell("upsell", row.upsell || "", "text"),
      cell("referral", row.referral || "", "text")));
  }
  if (data.next) {
    const more = el("button", { id: "answers-more", class: "secondary more", onclick: guarded(async () => {
      more.remove();
      await appendRows(table, body, data.next);
    }) }, tr("more"));
    table.after(more);
  }
}

/* --- settings -------------------------------------------------------------------------- */

async function settings(notice) {
  const data = await getJson("settings");
  main().replaceChildren(
    notice ? el("p", { class: "notice" }, notice) : null,
    data.editable ? null : el("p", { class: "hint" }, tr("settings_readonly")),
    ...data.settings.map((setting) => settingCard(setting, data.editable)));
}

function settingCard(setting, editable) {
  const input = el("input", { value: setting.value, name: setting.name, disabled: !editable });
  const problem = el("p", { class: "notice bad", hidden: true });
  const save = async (e) => {
    e.preventDefault();
    try {
      await postJson("settings", { name: setting.name, value: input.value });
      await settings(tr("saved", { name: setting.name, value: input.value }));
    } catch (error) {
      if (error instanceof Refusal && (error.status === 401 || error.status === 403)) throw error;
      problem.textContent = error.message;
      problem.hidden = false;
    }
  };
  return el("form", { class: "card setting", "data-setting": setting.name, onsubmit: guarded(save) },
    el("h3", {}, setting.name),
    el("p", { class: "hint" }, setting.description),
    el("div", { class: "setting-row" }, input,
      editable ? el("button", { type: "submit" }, tr("save")) : null),
    el("p", { class: "hint" }, tr("setting_default", { value: setting.default })),
    problem);
}

/* --- start ----------------------------------------------------------------------------- */

const start = guarded(async () => {
  const launch = launchParams();
  applyTheme(launch.theme);
  state.initData = launch.initData;
  const preferred = (navigator.language || "en").slice(0, 2);
  state.lang = preferred === "ru" ? "ru" : "en";
  if (!state.initData) throw new Refusal(401, "no initData");
  state.me = await getJson("me");
  state.lang = state.me.language;
  state.period = state.me.default_period;
  document.documentElement.lang = state.lang;
  document.title = tr("title");
  document.getElementById("title").textContent = tr("title");
  document.getElementById("who").textContent = `${state.me.user.first_name} · ${tr(`role_${state.me.role}`)}`;
  renderTabs();
  await show();
});

document.addEventListener("DOMContentLoaded", start);
