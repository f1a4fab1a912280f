// Pages open to everyone: login, sign-up, activation, passwords, information and contact forms.
import { api, currentSubscriber } from "../api.js";
import { frenchDate } from "../format.js";
import { watchPasswordRules } from "../password-rules.js";
import {
  clearErrors,
  field,
  flash,
  handleForm,
  navigate,
  setText,
  showApiError,
  showFormAlert,
  showPage,
  whileBusy,
} from "../ui.js";

// The address just signed up with, for the login page that follows (this tab only).
const SIGNED_UP_EMAIL = "espace-abonne:signed-up-email";
// The address a reset link was asked for, so that the reset page can tell password managers whose
// password changes. The link usually opens in another tab, hence localStorage; kept one hour, as the link.
const RESET_EMAIL = "espace-abonne:reset-email";
const RESET_LINK_LIFETIME_MS = 60 * 60 * 1000;
const CONTRACT_NUMBER = /^\d{5}\.\d{5}\.\d{2}$/;

// The token of an emailed link, taken out of the address bar and the history at once (it must not
// leak in a screenshot, a shared URL or the history) but kept for this tab, so that reloading the
// page before using the link still works. `spent()` forgets it once the API has used or refused it.
// Links carry it in the fragment (`#token=`), never sent to a server; `?token=` is still read for
// links emailed before that change (they live 24 hours at most).
function takeToken(kind) {
  const key = `espace-abonne:token:${kind}`;
  const fromLink =
    new URLSearchParams(window.location.hash.slice(1)).get("token") ||
    new URLSearchParams(window.location.search).get("token");
  if (fromLink) {
    sessionStorage.setItem(key, fromLink);
    window.history.replaceState(null, "", window.location.pathname);
  }
  return { value: sessionStorage.getItem(key) || "", spent: () => sessionStorage.removeItem(key) };
}

export function subscriberHome(subscriber) {
  return subscriber.contracts.length ? "/tableau-de-bord" : "/bienvenue";
}

// Signed in (login or activation): on to the subscriber's pages, with `message` there.
async function enterSubscriberPages(form, message) {
  let subscriber;
  try {
    subscriber = await currentSubscriber();
  } catch {
    navigate("/tableau-de-bord", message); // signed in all the same: that page tries again
    return;
  }
  if (!subscriber) {
    showFormAlert(form, "Votre navigateur n'a pas gardé la session\u00a0: autorisez les cookies pour ce site.");
    return;
  }
  navigate(subscriberHome(subscriber), message);
}

export function loginPage() {
  const main = showPage("page-login");
  const form = main.querySelector("#login-form");
  const resend = form.querySelector("[data-resend]");
  const signedUp = sessionStorage.getItem(SIGNED_UP_EMAIL);
  if (signedUp) {
    sessionStorage.removeItem(SIGNED_UP_EMAIL);
    form.elements.namedItem("email").value = signedUp;
  }
  handleForm(
    form,
    async (values) => {
      resend.hidden = true;
      try {
        await api("POST", "/sessions", values);
      } catch (error) {
        if (error.code === "account_not_activated") resend.hidden = false;
        throw error;
      }
      await enterSubscriberPages(form);
    },
    { invalid_credentials: "password", account_not_activated: "email" },
  );
  const resendButton = resend.querySelector("button");
  resendButton.addEventListener("click", () =>
    whileBusy(resendButton, async () => {
      clearErrors(form);
      try {
        const answer = await api("POST", "/accounts/activation/resend", {
          email: form.elements.namedItem("email").value,
        });
        resend.hidden = true;
        showFormAlert(form, answer.message, "success");
      } catch (error) {
        showApiError(form, error);
      }
    }),
  );
}

function withPasswordRules(form, input) {
  watchPasswordRules(input, input.closest(".field").querySelector("[data-password-rules]"));
}

export function signupPage() {
  const main = showPage("page-signup");
  const form = main.querySelector("#signup-form");
  withPasswordRules(form, form.elements.namedItem("password"));
  handleForm(form, async (values) => {
    const answer = await api("POST", "/accounts", values);
    sessionStorage.setItem(SIGNED_UP_EMAIL, values.email.trim());
    navigate("/connexion", answer.message);
  });
}

// PRODUCT.md §3, "Activation proves both": the link's page asks for the password chosen at sign-up,
// or lets the person choose one (forgotten, or typed by someone else); either way they are signed in.
export function activationPage(current) {
  const main = showPage("page-activation");
  const token = takeToken("activation");
  const form = main.querySelector("#activation-form");
  const spent = main.querySelector("[data-link-spent]");
  const showSpent = () => {
    for (const part of main.querySelectorAll("[data-with-token]")) part.hidden = true;
    spent.hidden = false;
  };
  if (current) {
    const signedIn = main.querySelector("[data-signed-in]");
    setText(signedIn, "email", current.email);
    signedIn.hidden = false;
  }
  if (!token.value) showSpent();

  // Two ways to activate, one shown at a time; the hidden one's fields are disabled (not sent).
  const toggle = form.querySelector("[data-toggle-mode]");
  const groups = [...form.querySelectorAll("[data-mode]")];
  let choosing = false;
  const setMode = (choose) => {
    choosing = choose;
    for (const group of groups) {
      const active = (group.dataset.mode === "new-password") === choose;
      group.hidden = !active;
      for (const input of group.querySelectorAll("input")) input.disabled = !active;
    }
    toggle.textContent = choose ? "Saisir le mot de passe de l'inscription" : "Je ne connais pas ce mot de passe";
    clearErrors(form);
  };
  setMode(false);
  withPasswordRules(form, form.querySelector("#activation-new-password"));
  toggle.addEventListener("click", () => {
    setMode(!choosing);
    field(form, "password").focus();
  });

  handleForm(form, async (values) => {
    let answer;
    try {
      answer = await api("POST", "/accounts/activation", { token: token.value, ...values });
    } catch (error) {
      if (error.code !== "invalid_or_expired_token") throw error;
      token.spent();
      showSpent();
      spent.querySelector("[data-spent-message]").focus();
      return;
    }
    token.spent();
    await enterSubscriberPages(form, answer.message);
  });
  handleForm(main.querySelector("#activation-resend-form"), async (values, resendForm) => {
    const answer = await api("POST", "/accounts/activation/resend", values);
    resendForm.reset();
    showFormAlert(resendForm, answer.message, "success");
  });
}

export function forgotPasswordPage() {
  const main = showPage("page-forgot-password");
  handleForm(main.querySelector("#forgot-password-form"), async (values, form) => {
    const answer = await api("POST", "/password-resets", values);
    localStorage.setItem(RESET_EMAIL, JSON.stringify({ email: values.email.trim(), until: Date.now() + RESET_LINK_LIFETIME_MS }));
    showFormAlert(form, answer.message, "success");
  });
}

function resetEmail() {
  try {
    const { email, until } = JSON.parse(localStorage.getItem(RESET_EMAIL) || "{}");
    if (typeof email === "string" && until > Date.now()) return email;
  } catch {
    // unreadable: forgotten below
  }
  localStorage.removeItem(RESET_EMAIL);
  return "";
}

export function resetPasswordPage() {
  const main = showPage("page-reset-password");
  const token = takeToken("reset");
  const form = main.querySelector("#reset-password-form");
  const askAgain = main.querySelector("[data-forgot-again]");
  if (!token.value) {
    form.hidden = true;
    askAgain.hidden = false;
    return;
  }
  // Not sent: it tells a password manager which account the new password belongs to.
  form.querySelector("[autocomplete='username']").value = resetEmail();
  withPasswordRules(form, form.elements.namedItem("password"));
  handleForm(form, async (values) => {
    let answer;
    try {
      answer = await api("POST", "/password-resets/confirm", { token: token.value, ...values });
    } catch (error) {
      if (error.code === "invalid_or_expired_token") {
        token.spent();
        askAgain.hidden = false;
      }
      throw error;
    }
    token.spent();
    localStorage.removeItem(RESET_EMAIL);
    navigate("/connexion", answer.message);
  });
}

export function emailConfirmationPage() {
  const main = showPage("page-email-confirmation");
  const token = takeToken("email");
  handleForm(main.querySelector("#email-confirmation-form"), async () => {
    let answer;
    try {
      answer = await api("POST", "/me/email/confirm", { token: token.value });
    } catch (error) {
      if (error.code === "invalid_or_expired_token") token.spent();
      throw error;
    }
    token.spent();
    const subscriber = await currentSubscriber().catch(() => null);
    navigate(subscriber ? "/mon-compte" : "/connexion", answer.message);
  });
}

export function staticPage(templateId) {
  return () => {
    showPage(templateId);
  };
}

function withoutEmpty(values) {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ""));
}

// Requests open to visitors and subscribers; a signed-in subscriber gets the account's email filled in.
function requestPage(templateId, formId, path, toBody, prefill = () => {}) {
  return async (subscriber) => {
    const main = showPage(templateId);
    const form = main.querySelector(`#${formId}`);
    const fillEmail = () => {
      if (subscriber) form.elements.namedItem("email").value = subscriber.email;
    };
    fillEmail();
    prefill(form);
    handleForm(form, async (values) => {
      const answer = await api("POST", path, toBody(values));
      form.reset();
      fillEmail();
      flash(answer.message, "success", { focus: true });
    });
  };
}

export const subscriptionRequestPage = requestPage(
  "page-subscription-request",
  "subscription-request-form",
  "/subscription-requests",
  (values) => {
    // "12 345" is a number to a person: spaces go; anything else is left for the API to judge.
    const index = values.meter_index.replace(/\s/g, "");
    const meterIndex = /^\d+$/.test(index) ? Number(index) : index || null;
    return { ...withoutEmpty(values), meter_index: meterIndex, website: values.website };
  },
);

// A link to /contact?objet=facture&contrat=…&facture=… (a question about an invoice) gets the message
// written for that invoice, and /contact?objet=compteur&contrat=…&verification=<date> (the loi
// Warsmann's banner) the request of a meter check. Only values of the expected shapes are taken.
function prefillContact(form) {
  const query = new URLSearchParams(window.location.search);
  const subject = form.elements.namedItem("subject");
  if ([...subject.options].some((option) => option.value === query.get("objet"))) subject.value = query.get("objet");
  const contract = query.get("contrat") || "";
  if (CONTRACT_NUMBER.test(contract)) form.elements.namedItem("contract_number").value = contract;
  const invoice = query.get("facture") || "";
  if (/^[\w./-]{1,40}$/.test(invoice)) {
    const ofContract = CONTRACT_NUMBER.test(contract) ? ` du contrat ${contract}` : "";
    form.elements.namedItem("message").value =
      `Bonjour,\n\nPourriez-vous m'envoyer le PDF de la facture ${invoice}${ofContract}\u00a0?\n\nMerci.`;
  }
  const reading = query.get("verification") || "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(reading) && CONTRACT_NUMBER.test(contract)) {
    form.elements.namedItem("message").value =
      `Bonjour,\n\nÀ la suite de l'alerte de consommation anormale du relevé du ${frenchDate(reading)} sur le contrat ` +
      `${contract}, je demande la vérification du bon fonctionnement de mon compteur.\n\nMerci.`;
  }
}

export const contactPage = requestPage(
  "page-contact",
  "contact-form",
  "/contact-messages",
  (values) => ({
    ...withoutEmpty(values),
    contract_number: values.contract_number.trim() || null,
    website: values.website,
  }),
  prefillContact,
);
