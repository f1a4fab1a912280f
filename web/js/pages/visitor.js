// Pages open to everyone: login, sign-up, activation, passwords, information and contact forms.
import { api, currentSubscriber } from "../api.js";
import { watchPasswordRules } from "../password-rules.js";
import { flash, handleForm, navigate, redirect, showFormAlert, showPage } from "../ui.js";

// Reads the token of an emailed link, then takes it out of the address bar and the history.
function takeToken() {
  const token = new URLSearchParams(window.location.search).get("token") || "";
  if (token) window.history.replaceState(null, "", window.location.pathname);
  return token;
}

export async function landingAfterLogin() {
  const subscriber = await currentSubscriber();
  if (!subscriber) return "/connexion";
  return subscriber.contracts.length ? "/tableau-de-bord" : "/bienvenue";
}

export async function loginPage() {
  const main = showPage("page-login");
  const form = main.querySelector("#login-form");
  const resend = form.querySelector("[data-resend]");
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
      navigate(await landingAfterLogin());
    },
    { invalid_credentials: "password", account_not_activated: "email" },
  );
  resend.querySelector("button").addEventListener("click", async () => {
    const email = form.elements.namedItem("email").value;
    try {
      const answer = await api("POST", "/accounts/activation/resend", { email });
      resend.hidden = true;
      showFormAlert(form, answer.message, "success");
    } catch (error) {
      showFormAlert(form, error.message);
    }
  });
  // A remembered subscriber coming back goes straight to the dashboard.
  const subscriber = await currentSubscriber().catch(() => null);
  if (subscriber) redirect(subscriber.contracts.length ? "/tableau-de-bord" : "/bienvenue");
}

function withPasswordRules(form, passwordName) {
  const input = form.elements.namedItem(passwordName);
  watchPasswordRules(input, input.closest(".field").querySelector("[data-password-rules]"));
}

export function signupPage() {
  const main = showPage("page-signup");
  const form = main.querySelector("#signup-form");
  withPasswordRules(form, "password");
  handleForm(form, async (values) => {
    const answer = await api("POST", "/accounts", values);
    navigate("/connexion", answer.message);
  });
}

export function activationPage() {
  const main = showPage("page-activation");
  const token = takeToken();
  const resendSection = main.querySelector("[data-resend-section]");
  const form = main.querySelector("#activation-form");
  const offerResend = () => {
    resendSection.hidden = false;
  };
  if (!token) {
    main.querySelector("[data-with-token]").hidden = true;
    offerResend();
  }
  handleForm(form, async () => {
    try {
      const answer = await api("POST", "/accounts/activation", { token });
      navigate("/connexion", answer.message);
    } catch (error) {
      if (error.code === "invalid_or_expired_token") offerResend();
      throw error;
    }
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
    showFormAlert(form, answer.message, "success");
  });
}

export function resetPasswordPage() {
  const main = showPage("page-reset-password");
  const token = takeToken();
  const form = main.querySelector("#reset-password-form");
  withPasswordRules(form, "password");
  handleForm(form, async (values) => {
    try {
      const answer = await api("POST", "/password-resets/confirm", { token, ...values });
      navigate("/connexion", answer.message);
    } catch (error) {
      if (error.code === "invalid_or_expired_token") main.querySelector("[data-forgot-again]").hidden = false;
      throw error;
    }
  });
}

export function emailConfirmationPage() {
  const main = showPage("page-email-confirmation");
  const token = takeToken();
  handleForm(main.querySelector("#email-confirmation-form"), async () => {
    const answer = await api("POST", "/me/email/confirm", { token });
    navigate((await currentSubscriber()) ? "/mon-compte" : "/connexion", answer.message);
  });
}

export function staticPage(templateId) {
  return () => {
    showPage(templateId);
  };
}

function emptyToNull(value) {
  return value.trim() === "" ? null : value.trim();
}

// Requests open to visitors and subscribers; a signed-in subscriber gets the account's email filled in.
function requestPage(templateId, formId, path, toBody) {
  return async (subscriber) => {
    const main = showPage(templateId);
    const form = main.querySelector(`#${formId}`);
    if (subscriber) form.elements.namedItem("email").value = subscriber.email;
    handleForm(form, async (values) => {
      const answer = await api("POST", path, toBody(values));
      form.reset();
      if (subscriber) form.elements.namedItem("email").value = subscriber.email;
      flash(`${answer.message} Référence : ${answer.reference}.`);
      document.getElementById("flash-area").scrollIntoView();
    });
  };
}

export const subscriptionRequestPage = requestPage(
  "page-subscription-request",
  "subscription-request-form",
  "/subscription-requests",
  (values) => {
    const index = values.meter_index.trim();
    return { ...values, meter_index: /^\d+$/.test(index) ? Number(index) : emptyToNull(index) };
  },
);

export const contactPage = requestPage("page-contact", "contact-form", "/contact-messages", (values) => ({
  ...values,
  contract_number: emptyToNull(values.contract_number),
}));
