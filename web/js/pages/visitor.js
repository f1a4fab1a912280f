// Pages open to everyone: login, sign-up, activation, passwords, information and contact forms.
import { api, currentSubscriber } from "../api.js";
import { watchPasswordRules } from "../password-rules.js";
import {
  clearErrors,
  flash,
  handleForm,
  navigate,
  redirect,
  showApiError,
  showFormAlert,
  showPage,
  whileBusy,
} from "../ui.js";

// Reads the token of an emailed link, then takes it out of the address bar and the history.
function takeToken() {
  const token = new URLSearchParams(window.location.search).get("token") || "";
  if (token) window.history.replaceState(null, "", window.location.pathname);
  return token;
}

function subscriberHome(subscriber) {
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
      let subscriber;
      try {
        subscriber = await currentSubscriber();
      } catch {
        navigate("/tableau-de-bord"); // signed in all the same: that page tries again
        return;
      }
      if (!subscriber) {
        showFormAlert(form, "Votre navigateur n'a pas gardé la session : autorisez les cookies pour ce site.");
        return;
      }
      navigate(subscriberHome(subscriber));
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
  // A remembered subscriber coming back goes straight to their pages.
  const subscriber = await currentSubscriber().catch(() => null);
  if (subscriber) redirect(subscriberHome(subscriber));
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
  const withToken = main.querySelector("[data-with-token]");
  const resendSection = main.querySelector("[data-resend-section]");
  const offerResend = () => {
    withToken.hidden = true;
    resendSection.hidden = false;
  };
  if (!token) offerResend();
  handleForm(main.querySelector("#activation-form"), async () => {
    try {
      const answer = await api("POST", "/accounts/activation", { token });
      navigate("/connexion", answer.message);
    } catch (error) {
      if (error.code !== "invalid_or_expired_token") throw error;
      offerResend();
      showFormAlert(main.querySelector("#activation-resend-form"), error.message);
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
  const askAgain = main.querySelector("[data-forgot-again]");
  if (!token) {
    form.hidden = true;
    askAgain.hidden = false;
    return;
  }
  withPasswordRules(form, "password");
  handleForm(form, async (values) => {
    try {
      const answer = await api("POST", "/password-resets/confirm", { token, ...values });
      navigate("/connexion", answer.message);
    } catch (error) {
      if (error.code === "invalid_or_expired_token") askAgain.hidden = false;
      throw error;
    }
  });
}

export function emailConfirmationPage() {
  const main = showPage("page-email-confirmation");
  const token = takeToken();
  handleForm(main.querySelector("#email-confirmation-form"), async () => {
    const answer = await api("POST", "/me/email/confirm", { token });
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
function requestPage(templateId, formId, path, toBody) {
  return async (subscriber) => {
    const main = showPage(templateId);
    const form = main.querySelector(`#${formId}`);
    const fillEmail = () => {
      if (subscriber) form.elements.namedItem("email").value = subscriber.email;
    };
    fillEmail();
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

export const contactPage = requestPage("page-contact", "contact-form", "/contact-messages", (values) => ({
  ...withoutEmpty(values),
  contract_number: values.contract_number.trim() || null,
  website: values.website,
}));
