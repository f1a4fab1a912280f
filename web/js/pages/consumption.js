// The consumption part of a contract's dashboard (PRODUCT.md §8):
// - a télérelève meter: consumption by day, month or year from its daily index (chart, table, total,
//   CSV download), moving from period to period, and the subscriber's alert thresholds;
// - a meter read by an agent: its readings chart, and the index the subscriber sends (autorelève);
// - the loi Warsmann's banner while an abnormal reading can still be answered, with the plumber's
//   attestation sent from it.
import { API_BASE_URL } from "../../config.js";
import { ApiError, api } from "../api.js";
import { barChart, consumptionChart } from "../chart.js";
import { addDays, earliest, latest, monthEnd, monthStart, today } from "../dates.js";
import {
  cubicMetres,
  cubicMetresNumber,
  decimalCubicMetres,
  frenchDate,
  frenchDay,
  grouped,
  litres,
  monthName,
} from "../format.js";
import { clearErrors, element, handleForm, reportError, setText, showApiError, showFormAlert, whileBusy } from "../ui.js";

function contractPath(number, rest) {
  return `/contracts/${encodeURIComponent(number)}${rest}`;
}

// "2 052", "2052" or " 2052 " → 2052; "" → null; anything else → NaN.
function wholeNumber(typed) {
  const digits = String(typed ?? "").replace(/[\s\u00a0\u202f]/g, "");
  if (!digits) return null;
  return /^\d+$/.test(digits) ? Number(digits) : Number.NaN;
}

// Problems found before sending, shown as the API's own field errors are (under each field).
function invalid(errors) {
  return new ApiError(422, { code: "validation_error", message: "Certains champs sont invalides.", errors });
}

// --- Télérelève: by day, month or year ------------------------------------------------------------

const WEEKDAY = new Intl.DateTimeFormat("fr-FR", { weekday: "short", timeZone: "UTC" });

function weekday(day) {
  const [year, month, date] = day.split("-").map(Number);
  return WEEKDAY.format(new Date(Date.UTC(year, month - 1, date)));
}

// What changes with the granularity: words, table header, chart unit and bars, how far a step goes.
const VIEWS = {
  day: {
    title: "Consommation par jour",
    header: "Jour",
    unit: "litres",
    legend: "Volume consommé chaque jour, en litres.",
    previous: "30 jours précédents",
    next: "30 jours suivants",
    value: (point) => point.volume_litres,
    label: (point) => `${point.period.slice(8, 10)}/${point.period.slice(5, 7)}`,
    name: (point) => `${weekday(point.period)} ${frenchDate(point.period)}`,
    threshold: (thresholds) => thresholds?.daily_litres,
  },
  month: {
    title: "Consommation par mois",
    header: "Mois",
    unit: "m³",
    legend: "Volume consommé chaque mois, en m³.",
    previous: "12 mois précédents",
    next: "12 mois suivants",
    value: (point) => point.volume_litres / 1000, // the bar's height only; texts use exact litres
    label: (point) => `${point.period.slice(5, 7)}/${point.period.slice(2, 4)}`,
    name: (point) => monthName(point.period),
    threshold: (thresholds) => thresholds?.monthly_m3,
  },
  year: {
    title: "Consommation par année",
    header: "Année",
    unit: "m³",
    legend: "Volume consommé chaque année, en m³.",
    value: (point) => point.volume_litres / 1000,
    label: (point) => point.period,
    name: (point) => point.period,
    threshold: () => null,
  },
};

// The days the series shows: those asked for, within the meter's data.
function shownDays(series) {
  return {
    from: latest(series.from, series.data_first_day),
    to: earliest(series.to, series.data_last_day),
  };
}

// The period next to the one shown (direction −1 or 1): 30 days or 12 calendar months further,
// kept within the meter's data and whole where the data allows.
function shifted(series, direction) {
  const first = series.data_first_day;
  const last = series.data_last_day;
  if (series.granularity === "day") {
    const from = latest(addDays(series.from, direction * 30), first);
    const to = earliest(addDays(from, 29), last);
    return { from: latest(earliest(from, addDays(to, -29)), first), to };
  }
  const start = latest(monthStart(series.from, direction * 12), monthStart(first));
  const to = earliest(monthEnd(start, 11), last);
  return { from: latest(earliest(start, monthStart(to, -11)), monthStart(first)), to };
}

// A month or a year the data covers only in part says which days it holds.
function partialNote(point, granularity) {
  if (granularity === "day") return "";
  const whole =
    granularity === "month"
      ? { first: monthStart(point.first_day), last: monthEnd(point.first_day) }
      : { first: `${point.period}-01-01`, last: `${point.period}-12-31` };
  if (point.first_day === whole.first && point.last_day === whole.last) return "";
  return ` (du ${frenchDate(point.first_day)} au ${frenchDate(point.last_day)})`;
}

function estimatedText(point, granularity) {
  if (!point.estimated_days) return "Mesuré";
  if (granularity === "day") return "Estimé";
  return `${point.estimated_days}\u00a0${point.estimated_days > 1 ? "jours estimés" : "jour estimé"}`;
}

function seriesRow(point, granularity) {
  const row = element("tr");
  if (point.estimated_days) row.className = "estimated";
  const name = element("th", VIEWS[granularity].name(point));
  name.scope = "row";
  const note = partialNote(point, granularity);
  if (note) name.append(element("span", note, "hint"));
  const kind = element("td");
  kind.append(element("span", estimatedText(point, granularity), point.estimated_days ? "badge badge--estimated" : "badge"));
  row.append(
    name,
    element("td", grouped(point.volume_litres), "number"),
    element("td", cubicMetresNumber(point.volume_litres), "number"),
    kind,
  );
  return row;
}

function estimatedDays(series) {
  return series.points.reduce((sum, point) => sum + point.estimated_days, 0);
}

function chartSpec(series, thresholds) {
  const view = VIEWS[series.granularity];
  const days = shownDays(series);
  const estimated = estimatedDays(series);
  const threshold = view.threshold(thresholds);
  return {
    bars: series.points.map((point) => ({
      value: view.value(point),
      estimated: point.estimated_days > 0,
      label: view.label(point),
      title: `${view.name(point)}\u00a0: ${series.granularity === "day" ? litres(point.volume_litres) : cubicMetres(point.volume_litres)}` +
        (point.estimated_days ? ` (${estimatedText(point, series.granularity).toLowerCase()})` : ""),
    })),
    summary:
      `${view.title} du ${frenchDate(days.from)} au ${frenchDate(days.to)}\u00a0: ${cubicMetres(series.total_litres)} au total` +
      (estimated ? `, dont ${estimated}\u00a0${estimated > 1 ? "jours estimés" : "jour estimé"}` : "") +
      ". Chaque valeur figure dans le tableau qui suit.",
    describedBy: "series-chart-caption",
    unit: view.unit,
    reference: threshold ? { value: threshold, label: "seuil" } : null,
  };
}

function csvUrl(number, series) {
  const query = new URLSearchParams({ granularity: series.granularity, from: series.from, to: series.to });
  return `${API_BASE_URL}${contractPath(number, "/consumption.csv")}?${query}`;
}

function showSeries(part, number, series, thresholds) {
  const view = VIEWS[series.granularity];
  const days = shownDays(series);
  const period = `du ${frenchDate(days.from)} au ${frenchDate(days.to)}`;
  for (const button of part.querySelectorAll("[data-granularity]")) {
    button.setAttribute("aria-pressed", String(button.dataset.granularity === series.granularity));
  }
  const nav = part.querySelector("[data-series-nav]");
  nav.hidden = series.granularity === "year"; // every year is shown
  const [previous, next] = nav.querySelectorAll("[data-shift]");
  previous.querySelector("[data-shift-label]").textContent = view.previous || "";
  next.querySelector("[data-shift-label]").textContent = view.next || "";
  // aria-disabled rather than disabled: the button keeps the focus when the data ends there.
  previous.setAttribute("aria-disabled", String(!(series.from > series.data_first_day)));
  next.setAttribute("aria-disabled", String(!(series.to < series.data_last_day)));

  const summary = part.querySelector("[data-series-summary]");
  const total = element("strong", cubicMetres(series.total_litres));
  summary.replaceChildren(`${view.title} ${period}\u00a0: `, total, ` (${litres(series.total_litres)}).`);
  const estimated = estimatedDays(series);
  if (estimated) summary.append(` Dont ${estimated}\u00a0${estimated > 1 ? "jours estimés" : "jour estimé"}.`);

  const csv = part.querySelector("[data-csv]");
  csv.href = csvUrl(number, series);
  part.querySelector("[data-csv-what]").textContent = `\u00a0: ${view.title.toLowerCase()} ${period}`;
  part.querySelector("[data-series-download]").hidden = false;

  part.querySelector("[data-series-caption]").textContent = `${view.title} ${period}`;
  part.querySelector("[data-period-header]").textContent = view.header;
  part.querySelector("[data-series-rows]").replaceChildren(...series.points.map((p) => seriesRow(p, series.granularity)));
  setText(part, "series_total_litres", grouped(series.total_litres));
  setText(part, "series_total_m3", cubicMetresNumber(series.total_litres));
  part.querySelector("[data-series-legend]").textContent = view.legend;
  part.querySelector("[data-series-content]").hidden = false;
  drawSeriesChart(part, series, thresholds);
}

function drawSeriesChart(part, series, thresholds) {
  part.querySelector("[data-threshold-legend]").hidden = !VIEWS[series.granularity].threshold(thresholds);
  barChart(part.querySelector("[data-series-chart]"), chartSpec(series, thresholds));
}

function noDailyDataYet(part) {
  part.querySelector("[data-series-summary]").textContent =
    "Les données journalières de votre compteur ne sont pas encore disponibles.";
  for (const hidden of part.querySelectorAll(".series__controls, [data-series-download], [data-series-content]")) {
    hidden.hidden = true;
  }
}

// The views of a télérelève meter. `state.thresholds` is shared with the thresholds form, which
// calls the returned function to draw the chart again with its new threshold line.
function seriesViews(main, number, state) {
  const part = main.querySelector("[data-series]");
  part.hidden = false;
  let series = null;
  let asked = 0; // the latest request: an earlier one answering late is not shown

  const load = async (granularity, days = {}) => {
    asked += 1;
    const request = asked;
    part.setAttribute("aria-busy", "true");
    try {
      const query = new URLSearchParams({ granularity, ...days });
      const answer = await api("GET", `${contractPath(number, "/consumption")}?${query}`);
      if (request !== asked) return;
      series = answer;
      if (!series.data_first_day) noDailyDataYet(part);
      else showSeries(part, number, series, state.thresholds);
    } catch (error) {
      if (request !== asked) return;
      if (!series) part.querySelector("[data-series-summary]").textContent = "Votre consommation n'a pas pu être chargée.";
      reportError(error);
    } finally {
      if (request === asked) part.removeAttribute("aria-busy");
    }
  };

  for (const button of part.querySelectorAll("[data-granularity]")) {
    button.addEventListener("click", () => load(button.dataset.granularity));
  }
  for (const button of part.querySelectorAll("[data-shift]")) {
    button.addEventListener("click", () => {
      if (!series || button.getAttribute("aria-disabled") === "true") return;
      load(series.granularity, shifted(series, Number(button.dataset.shift)));
    });
  }
  load("month");
  return () => {
    if (series?.data_first_day) drawSeriesChart(part, series, state.thresholds);
  };
}

// --- Personal thresholds --------------------------------------------------------------------------

function thresholdsText(thresholds) {
  if (!thresholds) return "Aucun seuil n'est défini\u00a0: vous ne recevez pas d'alerte de consommation.";
  const parts = [];
  if (thresholds.daily_litres) parts.push(`${litres(thresholds.daily_litres)} par jour`);
  if (thresholds.monthly_m3) parts.push(`${grouped(thresholds.monthly_m3)}\u00a0m³ par mois`);
  return `${parts.length > 1 ? "Vos seuils" : "Votre seuil"}\u00a0: ${parts.join(" et ")}.`;
}

function thresholdsForm(main, number, state, redrawChart) {
  const form = main.querySelector("#thresholds-form");
  form.hidden = false;
  const remove = form.querySelector("[data-remove-thresholds]");
  const show = () => {
    setText(form, "thresholds_now", thresholdsText(state.thresholds));
    form.elements.namedItem("daily_litres").value = state.thresholds?.daily_litres ?? "";
    form.elements.namedItem("monthly_m3").value = state.thresholds?.monthly_m3 ?? "";
    remove.hidden = !state.thresholds;
    redrawChart();
  };
  show();
  const path = contractPath(number, "/consumption-alerts");

  handleForm(form, async (values) => {
    const daily = wholeNumber(values.daily_litres);
    const monthly = wholeNumber(values.monthly_m3);
    const problems = [];
    if (daily !== null && !(daily >= 1 && daily <= 100_000)) {
      problems.push({ field: "daily_litres", message: "Indiquez un nombre entier de litres, de 1 à 100\u202f000." });
    }
    if (monthly !== null && !(monthly >= 1 && monthly <= 10_000)) {
      problems.push({ field: "monthly_m3", message: "Indiquez un nombre entier de m³, de 1 à 10\u202f000." });
    }
    if (problems.length) throw invalid(problems);
    if (daily === null && monthly === null) {
      const removeHint = state.thresholds ? " Pour ne plus recevoir d'alerte, choisissez «\u00a0Supprimer mes seuils\u00a0»." : "";
      showFormAlert(form, `Indiquez un seuil par jour, par mois, ou les deux.${removeHint}`);
      return;
    }
    const body = {};
    if (daily !== null) body.daily_litres = daily;
    if (monthly !== null) body.monthly_m3 = monthly;
    const answer = await api("PUT", path, body);
    state.thresholds = answer.thresholds;
    show();
    showFormAlert(form, answer.message, "success");
  });

  remove.addEventListener("click", () =>
    whileBusy(remove, async () => {
      clearErrors(form);
      try {
        await api("DELETE", path);
      } catch (error) {
        // no_threshold: already none (removed from another tab); anything else is said.
        if (error.code !== "no_threshold") {
          if (error.status === 401) return reportError(error);
          return showApiError(form, error);
        }
      }
      state.thresholds = null;
      show();
      showFormAlert(form, "Vos seuils sont supprimés\u00a0: vous ne recevrez plus d'alerte de consommation.", "success");
    }),
  );
}

// --- Readings, and the index a subscriber sends (autorelève) --------------------------------------

function cell(text, className) {
  return element("td", text, className);
}

function readingRow(reading) {
  const row = element("tr");
  if (reading.estimated) row.className = "estimated";
  const kind = cell(null);
  kind.append(element("span", reading.estimated ? "Estimé" : "Mesuré", reading.estimated ? "badge badge--estimated" : "badge"));
  row.append(
    cell(frenchDate(reading.date)),
    cell(String(reading.index_m3), "number"),
    cell(reading.volume_m3 === null ? "—" : String(reading.volume_m3), "number"),
    cell(reading.source),
    kind,
  );
  return row;
}

// An index the subscriber sent, until the billing system's export brings it validated.
function sentReadingRow(sent) {
  const row = element("tr", null, "pending");
  const kind = cell(null);
  kind.append(element("span", sent.status, "badge badge--pending"));
  row.append(cell(frenchDate(sent.date)), cell(String(sent.index_m3), "number"), cell("—", "number"), cell("autorelève"), kind);
  return row;
}

function lastKnownIndex(dashboard, sent) {
  const known = [
    ...dashboard.consumption.filter((r) => !r.estimated).map((r) => ({ ...r, sent: false })),
    ...sent.map((r) => ({ ...r, sent: true })),
  ];
  return known.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)).at(-1) || null;
}

function lastIndexText(last) {
  if (!last) return "";
  const by = last.sent ? ", transmis par vous et en attente de validation" : "";
  return `Dernier index connu\u00a0: ${grouped(last.index_m3)}\u00a0m³ le ${frenchDate(last.date)}${by}.`;
}

function meterReadingForm(main, dashboard) {
  const form = main.querySelector("#meter-reading-form");
  const number = dashboard.contract.number;
  const sent = [...dashboard.meter_readings_sent];
  const rows = main.querySelector("[data-readings]");
  const dateInput = form.elements.namedItem("date");
  const indexInput = form.elements.namedItem("index_m3");
  form.hidden = false;
  const showLast = () => {
    const last = lastKnownIndex(dashboard, sent);
    setText(form, "last_index", lastIndexText(last));
    if (last) dateInput.min = addDays(last.date, 1);
  };
  showLast();
  dateInput.max = today();
  dateInput.value = today();

  // The index asked for confirmation; typing anything else forgets it (a confirmation is for those values).
  let unconfirmed = null;
  form.addEventListener("input", () => {
    if (!unconfirmed) return;
    unconfirmed = null;
    clearErrors(form);
  });

  const send = async (reading) => {
    const answer = await api("POST", contractPath(number, "/meter-readings"), reading);
    unconfirmed = null;
    sent.push(answer);
    rows.prepend(sentReadingRow(answer));
    showLast();
    indexInput.value = "";
    showFormAlert(form, [answer.message, `Index du ${frenchDate(answer.date)}\u00a0: ${grouped(answer.index_m3)}\u00a0m³, ${answer.status}.`], "success");
  };

  const askConfirmation = (error, reading) => {
    unconfirmed = reading;
    const alert = showFormAlert(form, error.message);
    const confirm = element("button", "Confirmer cet index", "button button--small");
    confirm.type = "button";
    confirm.addEventListener("click", () =>
      whileBusy(confirm, async () => {
        if (!unconfirmed) return;
        try {
          await send({ ...unconfirmed, confirmed: true });
        } catch (failure) {
          clearErrors(form);
          if (failure.status === 401) return reportError(failure);
          showApiError(form, failure);
        }
      }),
    );
    const actions = element("p", null, "form-alert__actions");
    actions.append(confirm);
    alert.append(actions);
  };

  handleForm(form, async (values) => {
    const index = wholeNumber(values.index_m3);
    const problems = [];
    if (!values.date) problems.push({ field: "date", message: "Indiquez la date du relevé." });
    if (index === null) problems.push({ field: "index_m3", message: "Indiquez l'index du compteur, en m³." });
    else if (Number.isNaN(index)) {
      problems.push({ field: "index_m3", message: "Indiquez l'index en chiffres (les chiffres noirs du compteur)." });
    }
    if (problems.length) throw invalid(problems);
    const reading = { date: values.date, index_m3: index };
    try {
      await send(reading);
    } catch (error) {
      if (error.code !== "confirmation_required") throw error;
      askConfirmation(error, reading);
    }
  });
}

// --- Loi Warsmann ---------------------------------------------------------------------------------

const DOCUMENT_TYPES = { "application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG" };
const TYPE_OF_EXTENSION = { pdf: "application/pdf", jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png" };
const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

function documentType(file) {
  if (DOCUMENT_TYPES[file.type]) return file.type;
  return TYPE_OF_EXTENSION[file.name.split(".").pop().toLowerCase()] || null;
}

// Rounded up to the tenth: a file just over the limit never reads "4,0 Mo".
function megabytes(bytes) {
  return `${(Math.ceil(bytes / 104_857.6) / 10).toFixed(1).replace(".", ",")}\u00a0Mo`;
}

function base64Of(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).slice(String(reader.result).indexOf(",") + 1));
    reader.onerror = () => reject(invalid([{ field: "document", message: "Ce fichier n'a pas pu être lu. Choisissez-le à nouveau." }]));
    reader.readAsDataURL(file);
  });
}

// A template part cloned more than once on a page: its ids (and what names them) get a suffix.
function withUniqueIds(root, suffix) {
  for (const node of root.querySelectorAll("[id]")) node.id = `${node.id}-${suffix}`;
  for (const name of ["for", "aria-labelledby", "aria-describedby"]) {
    for (const node of [root, ...root.querySelectorAll(`[${name}]`)]) {
      if (!node.hasAttribute(name)) continue;
      node.setAttribute(name, node.getAttribute(name).split(" ").map((id) => `${id}-${suffix}`).join(" "));
    }
  }
  return root;
}

function yearsText(years) {
  return years === 1 ? "de l'année précédente" : `des ${years}\u00a0années précédentes`;
}

function meterCheckLink(number, alert) {
  const query = new URLSearchParams({ objet: "compteur", contrat: number, verification: alert.reading_date });
  return `/contact?${query}`;
}

function attestationForm(section, number, alert) {
  const form = section.querySelector("form");
  const repairDate = form.elements.namedItem("repair_date");
  repairDate.min = alert.since;
  repairDate.max = today();
  handleForm(form, async (values) => {
    const file = form.elements.namedItem("document").files[0];
    const problems = [];
    if (!values.repair_date) problems.push({ field: "repair_date", message: "Indiquez la date de la réparation." });
    if (values.leak_location.trim().length < 2) {
      problems.push({ field: "leak_location", message: "Indiquez où se trouvait la fuite." });
    }
    if (values.plumber.trim().length < 2) {
      problems.push({ field: "plumber", message: "Indiquez l'entreprise de plomberie qui a fait la réparation." });
    }
    if (!file) problems.push({ field: "document", message: "Joignez l'attestation de l'entreprise (PDF, JPEG ou PNG)." });
    else if (!documentType(file)) {
      problems.push({ field: "document", message: "Ce fichier n'est ni un PDF ni une photo JPEG ou PNG." });
    } else if (file.size > MAX_DOCUMENT_BYTES) {
      problems.push({
        field: "document",
        message: `Ce fichier fait ${megabytes(file.size)}\u00a0: l'attestation ne doit pas dépasser 4\u00a0Mo (une photo moins détaillée, ou un PDF de la seule attestation).`,
      });
    } else if (file.size === 0) problems.push({ field: "document", message: "Ce fichier est vide." });
    if (problems.length) throw invalid(problems);
    const receipt = await api("POST", contractPath(number, "/leak-attestations"), {
      reading_date: alert.reading_date,
      repair_date: values.repair_date,
      leak_location: values.leak_location.trim(),
      plumber: values.plumber.trim(),
      document: { file_name: file.name, content_type: documentType(file), content_base64: await base64Of(file) },
    });
    // Sent: the form gives way to what was done; it is not offered again.
    form.remove();
    const sentBox = section.querySelector("[data-attestation-sent]");
    setText(sentBox, "sent_on", frenchDay(receipt.sent_at));
    setText(sentBox, "sent_message", receipt.message);
    section.classList.add("leak-alert--answered");
    sentBox.hidden = false;
    sentBox.focus();
  });
}

function leakAlertBanner(number, alert) {
  const section = withUniqueIds(document.getElementById("part-leak-alert").content.firstElementChild.cloneNode(true), alert.reading_date);
  setText(section, "reading_date", frenchDate(alert.reading_date));
  setText(section, "since", frenchDate(alert.since));
  setText(section, "volume", `${grouped(alert.volume_m3)}\u00a0m³`);
  setText(section, "years", yearsText(alert.years));
  setText(section, "average", decimalCubicMetres(alert.average_m3));
  setText(section, "reply_by", frenchDate(alert.reply_by));
  setText(section, "capped_at", decimalCubicMetres(alert.capped_at_m3));
  section.querySelector("[data-meter-check]").href = meterCheckLink(number, alert);
  attestationForm(section, number, alert);
  return section;
}

function attestedNote(alert) {
  const note = document.getElementById("part-leak-attested").content.firstElementChild.cloneNode(true);
  setText(note, "sent_on", frenchDay(alert.attestation.sent_at));
  setText(note, "reading_date", frenchDate(alert.reading_date));
  setText(note, "capped_at", decimalCubicMetres(alert.capped_at_m3));
  return note;
}

// Open alerts get the banner (what was measured, the rights, the deadline, the form); answered ones
// a note. An alert whose month has passed unanswered is no longer shown: the Régie's bill follows.
function leakAlerts(main, dashboard) {
  const area = main.querySelector("[data-leak-alerts]");
  const shown = [];
  for (const alert of dashboard.leak_alerts) {
    if (alert.open) shown.push(leakAlertBanner(dashboard.contract.number, alert));
    else if (alert.attestation) shown.push(attestedNote(alert));
  }
  area.replaceChildren(...shown);
}

// --- The dashboard's consumption part -------------------------------------------------------------

// Called once the dashboard is shown (charts take the width they are given).
export function showConsumption(main, dashboard) {
  const { contract } = dashboard;
  leakAlerts(main, dashboard);
  const rows = main.querySelector("[data-readings]");
  rows.append(
    ...[...dashboard.meter_readings_sent].reverse().map(sentReadingRow),
    // Newest reading first in the table, as on a bill.
    ...[...dashboard.consumption].reverse().map(readingRow),
  );
  if (contract.remote_reading) {
    // The daily views replace the readings chart; the readings stay, in their table.
    main.querySelector("[data-readings-chart]").remove();
    main.querySelector("[data-readings-block]").classList.add("consumption--table-only");
    main.querySelector("[data-readings-title]").hidden = false;
    main.querySelector("#readings-caption").classList.add("visually-hidden"); // the heading above says it
    const state = { thresholds: dashboard.consumption_alerts };
    const redrawChart = seriesViews(main, contract.number, state);
    thresholdsForm(main, contract.number, state, redrawChart);
  } else {
    consumptionChart(main.querySelector("[data-chart]"), dashboard.consumption, "consumption-chart-caption");
    if (contract.status === "actif") meterReadingForm(main, dashboard);
  }
}
