// Pages of a signed-in subscriber: welcome, linking, the dashboard of one contract, « Mon compte ».
import { api } from "../api.js";
import { API_BASE_URL } from "../../config.js";
import { euros, frenchDate, frenchDateTime, isNegative, isZero } from "../format.js";
import { watchPasswordRules } from "../password-rules.js";
import { deviceName } from "../user-agent.js";
import {
  element,
  flash,
  handleForm,
  navigate,
  redirect,
  reportError,
  setText,
  showFormAlert,
  showPage,
  whileBusy,
} from "../ui.js";
import { showConsumption } from "./consumption.js";

// The contract this tab shows, kept across pages.
const CHOSEN_CONTRACT = "espace-abonne:contract";

export function rememberedContract() {
  return sessionStorage.getItem(CHOSEN_CONTRACT);
}

export function forgetContract() {
  sessionStorage.removeItem(CHOSEN_CONTRACT);
}

export function dashboardPath(number) {
  return `/tableau-de-bord?contrat=${encodeURIComponent(number)}`;
}

// The selector at the top: each linked contract by number and service address. When the page shows
// none of them (a contract that is not linked), it says so rather than naming another one.
export function showContractPicker(contracts, current, { noneShown = false } = {}) {
  const picker = document.getElementById("contract-picker");
  const select = document.getElementById("contract-picker-select");
  const options = contracts.map((contract) => {
    const option = element("option", `${contract.number} — ${contract.service_address}`);
    option.value = contract.number;
    option.selected = contract.number === current;
    return option;
  });
  if (noneShown) {
    const none = element("option", "Choisir un contrat");
    none.value = "";
    none.disabled = true;
    none.selected = true;
    options.unshift(none);
  }
  select.replaceChildren(...options);
  picker.hidden = contracts.length === 0;
  picker.onsubmit = (event) => {
    event.preventDefault();
    navigate(dashboardPath(select.value));
  };
}

export function welcomePage() {
  showPage("page-welcome");
}

// "11301 11377 01" or "113011137701", as a person may type what the bill shows: written the API's way.
function contractNumber(typed) {
  const digits = typed.replace(/[\s.]/g, "");
  return /^\d{12}$/.test(digits) ? `${digits.slice(0, 5)}.${digits.slice(5, 10)}.${digits.slice(10)}` : typed.trim();
}

export function linkContractPage(subscriber) {
  const main = showPage("page-link-contract");
  const back = main.querySelector("[data-back]");
  if (!subscriber.contracts.length) back.setAttribute("href", "/bienvenue");
  handleForm(
    main.querySelector("#link-contract-form"),
    async (values) => {
      const number = contractNumber(values.contract_number);
      const answer = await api("POST", "/contracts/links", { contract_number: number, key: values.key.trim() });
      sessionStorage.setItem(CHOSEN_CONTRACT, number);
      navigate(dashboardPath(number), answer.message);
    },
    { invalid_contract_or_key: "key" },
  );
}

function cell(text, className) {
  return element("td", text, className);
}

export function invoicePdfUrl(contractNumber, invoiceNumber) {
  return `${API_BASE_URL}/contracts/${encodeURIComponent(contractNumber)}/invoices/${encodeURIComponent(invoiceNumber)}/pdf`;
}

// The PDF comes from the API as an attachment: following the link downloads it. No `download`
// attribute: with it Chromium sends no Accept header, and API Gateway then answers the PDF as base64
// text (it decodes only for the binary media types of the API, text/html first for a link followed).
// The link's name starts with its visible text, then says which invoice (WCAG 2.5.3).
function pdfCell(invoice, ofContract) {
  const td = cell(invoice.pdf_available ? null : "Non disponible");
  if (invoice.pdf_available) {
    const download = element("a", "Télécharger (PDF)");
    download.href = invoicePdfUrl(ofContract, invoice.number);
    download.append(element("span", `\u00a0: facture ${invoice.number}`, "visually-hidden"));
    td.append(download);
  }
  return td;
}

const DELIVERY_MEANING = {
  true: "Vos factures sont disponibles ici, sans envoi papier\u00a0; un email vous prévient de chaque nouvelle facture (réglable dans «\u00a0Mon compte\u00a0»).",
  false: "Vos factures vous sont envoyées par courrier et restent consultables ici.",
};

// « Facture électronique »: the contract's mode, and the button that switches it.
function showInvoiceDelivery(main, contract) {
  const form = main.querySelector("#paperless-form");
  let paperless = contract.paperless_billing;
  const show = () => {
    setText(form, "invoice_delivery", paperless ? "facture électronique" : "facture papier");
    setText(form, "invoice_delivery_meaning", DELIVERY_MEANING[paperless]);
    form.querySelector("[data-paperless-toggle]").textContent = paperless
      ? "Revenir à la facture papier"
      : "Passer à la facture électronique";
  };
  show();
  handleForm(form, async () => {
    const answer = await api("PUT", `/contracts/${encodeURIComponent(contract.number)}/paperless-billing`, {
      enabled: !paperless,
    });
    paperless = answer.paperless_billing;
    show();
    showFormAlert(form, answer.message, "success");
  });
}

const INVOICE_STATUS_CLASS = { payée: "badge--paid", "à payer": "badge--due", "partiellement payée": "badge--due" };

// « Payer en ligne »: the server computes the amount and registers the payment with PayFiP; the
// browser then goes to PayFiP's page, which sends it back to /paiement/resultat.
function payCell(invoice, ofContract) {
  const td = cell(invoice.payable_online ? null : "—");
  if (!invoice.payable_online) return td;
  const pay = element("button", "Payer en ligne", "button button--small");
  pay.type = "button";
  pay.append(element("span", `\u00a0la facture ${invoice.number}`, "visually-hidden"));
  pay.addEventListener("click", () =>
    whileBusy(pay, async () => {
      try {
        const path = `/contracts/${encodeURIComponent(ofContract)}/invoices/${encodeURIComponent(invoice.number)}/payments`;
        const started = await api("POST", path);
        window.location.assign(started.redirect_url);
      } catch (error) {
        reportError(error);
      }
    }),
  );
  td.append(pay);
  return td;
}

function invoiceRow(invoice, ofContract) {
  const row = element("tr");
  const status = cell(null);
  status.append(element("span", invoice.status, `badge ${INVOICE_STATUS_CLASS[invoice.status] || ""}`));
  row.append(
    cell(invoice.number),
    cell(frenchDate(invoice.issue_date)),
    cell(frenchDate(invoice.due_date)),
    cell(euros(invoice.amount_ttc), "number"),
    cell(euros(invoice.left_to_pay), "number"),
    status,
    pdfCell(invoice, ofContract),
    payCell(invoice, ofContract),
  );
  return row;
}

function paymentRow(payment) {
  const row = element("tr");
  row.append(
    cell(frenchDate(payment.date)),
    cell(euros(payment.amount), "number"),
    cell(payment.method),
    cell(payment.invoice_number),
  );
  return row;
}

function balanceMeaning(balance) {
  if (isZero(balance)) return "Votre compte est à jour\u00a0: aucune somme n'est due.";
  if (isNegative(balance)) return "Ce montant est en votre faveur\u00a0: il sera déduit de vos prochaines factures.";
  return "Montant restant à payer sur ce contrat.";
}

function isWebAddress(url) {
  try {
    return ["https:", "http:"].includes(new URL(url, window.location.origin).protocol);
  } catch {
    return false;
  }
}

function chooseContract(subscriber) {
  const numbers = subscriber.contracts.map((c) => c.number);
  const asked = new URLSearchParams(window.location.search).get("contrat");
  if (asked) return asked;
  const remembered = rememberedContract();
  return numbers.includes(remembered) ? remembered : numbers[0];
}

// A number that is not one of the account's contracts (typed, or unlinked meanwhile): the page says
// so, offers the contracts that are linked, and the selector shows none of them as displayed.
function showContractNotFound(main, subscriber, number) {
  showContractPicker(subscriber.contracts, null, { noneShown: true });
  document.title = "Contrat introuvable — Espace abonné — Régie des Eaux du Pays d'Aix";
  main.querySelector("[data-dashboard-title]").textContent = "Contrat introuvable";
  main.querySelector("[data-loading]").hidden = true;
  const notFound = main.querySelector("[data-not-found]");
  setText(notFound, "asked_number", number);
  const [first] = subscriber.contracts;
  const show = notFound.querySelector("[data-show-first]");
  show.href = dashboardPath(first.number);
  show.textContent = `Afficher le contrat ${first.number}`;
  notFound.hidden = false;
}

export async function dashboardPage(subscriber) {
  if (!subscriber.contracts.length) {
    redirect("/bienvenue");
    return;
  }
  const number = chooseContract(subscriber);
  const main = showPage("page-dashboard");
  if (!subscriber.contracts.some((contract) => contract.number === number)) {
    return showContractNotFound(main, subscriber, number);
  }
  showContractPicker(subscriber.contracts, number);
  const loading = main.querySelector("[data-loading]");
  let dashboard;
  try {
    dashboard = await api("GET", `/contracts/${encodeURIComponent(number)}/dashboard`);
  } catch (error) {
    if (error.code === "contract_not_found") return showContractNotFound(main, subscriber, number);
    loading.hidden = true;
    return reportError(error);
  }
  sessionStorage.setItem(CHOSEN_CONTRACT, number);
  const { contract, service_regulations: regulations } = dashboard;
  document.title = `Tableau de bord du contrat ${contract.number} — Espace abonné — Régie des Eaux du Pays d'Aix`;
  for (const field of ["number", "status", "service_address", "holder", "payer", "meter_number", "meter_reading", "payment_method"]) {
    setText(main, field, contract[field]);
  }
  setText(main, "start_date", frenchDate(contract.start_date));
  setText(main, "data_as_of", frenchDate(dashboard.data_as_of));
  setText(main, "regulations_title", regulations.title);
  setText(main, "regulations_version", regulations.version);
  setText(main, "regulations_date", frenchDate(regulations.date));
  const link = main.querySelector("[data-field='regulations_link']");
  link.textContent = "Consulter le règlement de service (PDF)";
  if (isWebAddress(regulations.pdf_url)) link.href = regulations.pdf_url;
  else link.closest("p").hidden = true;
  setText(main, "balance", euros(dashboard.balance));
  setText(main, "balance_meaning", balanceMeaning(dashboard.balance));

  main.querySelector("[data-invoices]").append(...dashboard.invoices.map((invoice) => invoiceRow(invoice, contract.number)));
  main.querySelector("[data-payments]").append(...dashboard.payments.map(paymentRow));
  showInvoiceDelivery(main, contract);
  loading.hidden = true;
  main.querySelector("[data-content]").hidden = false;
  // Drawn once shown: the charts take the width they are given.
  showConsumption(main, dashboard);
}

function contractItem(contract) {
  const item = element("li", null, "contract-list__item");
  const label = element("span");
  label.append(element("strong", contract.number), ` — ${contract.service_address}`);
  const view = element("a", "Afficher", "button button--small button--secondary");
  view.href = dashboardPath(contract.number);
  view.setAttribute("aria-label", `Afficher le contrat ${contract.number}`);
  const unlink = element("button", "Délier", "button button--small button--secondary");
  unlink.type = "button";
  unlink.setAttribute("aria-label", `Délier le contrat ${contract.number}`);
  unlink.addEventListener("click", () => {
    if (!window.confirm(`Délier le contrat ${contract.number} de votre compte\u00a0? Vous pourrez le lier à nouveau avec sa clé.`)) return;
    whileBusy(unlink, async () => {
      try {
        await api("DELETE", `/me/contracts/${encodeURIComponent(contract.number)}`);
        navigate("/mon-compte", `Le contrat ${contract.number} n'est plus lié à votre compte.`);
      } catch (error) {
        reportError(error);
      }
    });
  });
  const actions = element("span", null, "contract-list__actions");
  actions.append(view, unlink);
  item.append(label, actions);
  return item;
}

function sessionRow(session) {
  const row = element("tr");
  const action = cell(null);
  row.dataset.current = String(session.current);
  if (session.current) {
    action.textContent = "Cette session";
  } else {
    const end = element("button", "Fermer", "button button--small button--secondary");
    end.type = "button";
    end.setAttribute("aria-label", `Fermer la session ouverte le ${frenchDateTime(session.created_at)}`);
    end.addEventListener("click", () =>
      whileBusy(end, async () => {
        try {
          await api("DELETE", `/me/sessions/${encodeURIComponent(session.id)}`);
          row.remove();
          flash("La session a été fermée.", "success", { focus: true });
        } catch (error) {
          reportError(error);
        }
      }),
    );
    action.append(end);
  }
  row.append(
    cell(deviceName(session.user_agent), "user-agent"),
    cell(frenchDateTime(session.created_at)),
    cell(frenchDateTime(session.last_seen_at)),
    cell(session.remember_me ? "30 jours" : "Fermeture du navigateur (12 h au plus, 30 min d'inactivité)"),
    action,
  );
  return row;
}

async function downloadExport() {
  const data = await api("GET", "/me/export");
  const blob = new Blob([JSON.stringify(data, null, 2)], { type: "application/json" });
  const link = element("a");
  link.href = URL.createObjectURL(blob);
  link.download = "mes-donnees-espace-abonne.json";
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000); // once the browser has taken the file
}

export async function accountPage(subscriber) {
  const main = showPage("page-account");
  setText(main, "email", subscriber.email);
  // Not sent: they tell a password manager which account the passwords below belong to.
  for (const username of main.querySelectorAll("[autocomplete='username']")) username.value = subscriber.email;
  main.querySelector("[data-no-contracts]").hidden = subscriber.contracts.length > 0;
  main.querySelector("[data-contracts]").append(...subscriber.contracts.map(contractItem));

  const passwordForm = main.querySelector("#change-password-form");
  const newPassword = passwordForm.elements.namedItem("new_password");
  watchPasswordRules(newPassword, newPassword.closest(".field").querySelector("[data-password-rules]"));
  handleForm(passwordForm, async (values) => {
    const answer = await api("POST", "/me/password", values);
    passwordForm.reset();
    newPassword.dispatchEvent(new Event("input"));
    // The server has just closed the other sessions.
    for (const row of main.querySelectorAll("[data-sessions] tr[data-current='false']")) row.remove();
    showFormAlert(passwordForm, answer.message, "success");
  });

  const emailForm = main.querySelector("#change-email-form");
  handleForm(emailForm, async (values) => {
    const answer = await api("POST", "/me/email", values);
    emailForm.reset();
    showFormAlert(emailForm, answer.message, "success");
  });

  const preferencesForm = main.querySelector("#preferences-form");
  handleForm(preferencesForm, async (values) => {
    const saved = await api("PUT", "/me/preferences", { new_invoice_emails: values.new_invoice_emails });
    preferencesForm.elements.namedItem("new_invoice_emails").checked = saved.new_invoice_emails;
    showFormAlert(preferencesForm, "Vos préférences sont enregistrées.", "success");
  });

  const exportButton = main.querySelector("[data-export]");
  exportButton.addEventListener("click", () => whileBusy(exportButton, () => downloadExport().catch(reportError)));

  handleForm(main.querySelector("#delete-account-form"), async (values) => {
    await api("DELETE", "/me", values);
    forgetContract();
    navigate("/connexion", "Votre compte a été supprimé.");
  });

  try {
    const [{ sessions }, preferences] = await Promise.all([api("GET", "/me/sessions"), api("GET", "/me/preferences")]);
    main.querySelector("[data-sessions]").append(...sessions.map(sessionRow));
    preferencesForm.elements.namedItem("new_invoice_emails").checked = preferences.new_invoice_emails;
  } catch (error) {
    reportError(error);
  }
}

// The result page PayFiP's return leads to: it follows the payment until its status is final, asking
// less and less often (1 s, then up to 5 s) and for about two minutes at most.
const PAYMENT_MESSAGES = {
  en_attente: "Votre paiement est en cours de vérification auprès de PayFiP…",
  payé: "Paiement accepté, merci\u00a0! Un email de confirmation vous a été envoyé.",
  refusé: "Votre paiement a été refusé\u00a0: aucune somme n'a été prélevée. Vous pouvez réessayer depuis votre tableau de bord.",
  abandonné: "Vous avez abandonné le paiement\u00a0: aucune somme n'a été prélevée.",
  expiré: "Le délai de paiement est dépassé\u00a0: aucune somme n'a été prélevée.",
};
const STILL_PENDING =
  "PayFiP n'a pas encore confirmé votre paiement. Vous recevrez un email dès qu'il sera accepté\u00a0; vous pouvez revenir sur cette page plus tard.";
const PAYMENT_NOT_FOUND = "Nous ne retrouvons pas ce paiement. Consultez votre tableau de bord pour voir où en sont vos factures.";
const POLL_DELAYS_MS = [1000, 1000, 2000, 2000, 3000, 3000, ...Array(20).fill(5000)];

const PAYMENT_STATUS_LABELS = { en_attente: "en attente" };

function showPayment(main, payment) {
  const facts = main.querySelector("[data-payment-facts]");
  for (const name of ["invoice_number", "contract_number", "authorization_number"]) {
    setText(facts, name, payment[name]);
  }
  setText(facts, "status", PAYMENT_STATUS_LABELS[payment.status] || payment.status);
  setText(facts, "amount", euros(payment.amount));
  facts.querySelector("[data-authorization]").hidden = !payment.authorization_number;
  facts.hidden = false;
  main.querySelector("[data-dashboard-link]").href = dashboardPath(payment.contract_number);
}

function say(main, message) {
  const region = main.querySelector("[data-payment-message]");
  if (region.textContent !== message) region.textContent = message;
}

export async function paymentResultPage() {
  const main = showPage("page-payment-result");
  const id = new URLSearchParams(window.location.search).get("paiement");
  if (!id) return say(main, PAYMENT_NOT_FOUND);
  for (let attempt = 0; ; attempt += 1) {
    let payment;
    try {
      payment = await api("GET", `/payments/${encodeURIComponent(id)}`);
    } catch (error) {
      if (error.code === "payment_not_found") return say(main, PAYMENT_NOT_FOUND);
      return reportError(error);
    }
    showPayment(main, payment);
    if (payment.status !== "en_attente") return say(main, PAYMENT_MESSAGES[payment.status] || payment.status);
    if (attempt >= POLL_DELAYS_MS.length) return say(main, STILL_PENDING);
    say(main, PAYMENT_MESSAGES.en_attente);
    await new Promise((resolve) => setTimeout(resolve, POLL_DELAYS_MS[attempt]));
  }
}
