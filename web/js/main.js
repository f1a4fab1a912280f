// The router: one page per path, rendered from its <template>; subscriber pages need a session.
import { api, currentSubscriber } from "./api.js";
import * as subscriber from "./pages/subscriber.js";
import * as visitor from "./pages/visitor.js";
import { flashNext, navigate, redirect, reportError, showPendingFlash, whileBusy } from "./ui.js";

const VISITOR_PAGES = {
  "/": visitor.loginPage,
  "/connexion": visitor.loginPage,
  "/inscription": visitor.signupPage,
  "/activation": visitor.activationPage,
  "/mot-de-passe/oublie": visitor.forgotPasswordPage,
  "/mot-de-passe/reinitialisation": visitor.resetPasswordPage,
  "/email/confirmation": visitor.emailConfirmationPage,
  "/a-propos": visitor.staticPage("page-about"),
  "/mentions-legales": visitor.staticPage("page-legal"),
};

// Open to everyone; a signed-in subscriber keeps the header bar and gets their email filled in.
const SHARED_PAGES = {
  "/demande-abonnement": visitor.subscriptionRequestPage,
  "/contact": visitor.contactPage,
};

const SUBSCRIBER_PAGES = {
  "/bienvenue": subscriber.welcomePage,
  "/lier-un-contrat": subscriber.linkContractPage,
  "/tableau-de-bord": subscriber.dashboardPage,
  "/mon-compte": subscriber.accountPage,
};

function showSubscriberBar(current, path) {
  const bar = document.getElementById("subscriber-bar");
  bar.hidden = false;
  for (const link of bar.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === path) link.setAttribute("aria-current", "page");
  }
  subscriber.showContractPicker(current.contracts, sessionStorage.getItem("espace-abonne:contract"));
  const logout = document.getElementById("logout");
  logout.addEventListener("click", () =>
    whileBusy(logout, async () => {
      try {
        await api("DELETE", "/sessions/current");
      } catch (error) {
        // 401: the session had already ended. Anything else: it may still be open, so say so.
        if (error.status !== 401) return reportError(error);
      }
      sessionStorage.removeItem("espace-abonne:contract");
      navigate("/connexion", "Vous êtes déconnecté.");
    }),
  );
}

async function start() {
  const path = window.location.pathname.replace(/\/+$/, "") || "/";
  try {
    if (path in VISITOR_PAGES) {
      await VISITOR_PAGES[path]();
    } else if (path in SHARED_PAGES) {
      // Visitors are welcome here even when the session cannot be checked.
      const current = await currentSubscriber().catch(() => null);
      if (current) showSubscriberBar(current, path);
      await SHARED_PAGES[path](current);
    } else if (path in SUBSCRIBER_PAGES) {
      const current = await currentSubscriber();
      if (!current) {
        flashNext("Veuillez vous connecter pour accéder à votre espace abonné.", "info");
        redirect("/connexion");
        return;
      }
      showSubscriberBar(current, path);
      await SUBSCRIBER_PAGES[path](current);
    } else {
      visitor.staticPage("page-not-found")();
    }
    showPendingFlash();
  } catch (error) {
    reportError(error);
  }
}

start();
