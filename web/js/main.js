// The router: one page per path, rendered from its <template>; subscriber pages need a session.
import { api, currentSubscriber } from "./api.js";
import * as subscriber from "./pages/subscriber.js";
import * as visitor from "./pages/visitor.js";
import { flash, flashNext, navigate, redirect, showPendingFlash } from "./ui.js";

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

function showSubscriberBar(current) {
  document.getElementById("subscriber-bar").hidden = false;
  subscriber.showContractPicker(current.contracts, sessionStorage.getItem("espace-abonne:contract"));
  document.getElementById("logout").addEventListener("click", async () => {
    try {
      await api("DELETE", "/sessions/current");
    } catch {
      // Already ended on the server: the visitor is logged out either way.
    }
    sessionStorage.removeItem("espace-abonne:contract");
    navigate("/connexion", "Vous êtes déconnecté.");
  });
}

async function start() {
  const path = window.location.pathname.replace(/\/+$/, "") || "/";
  try {
    if (path in VISITOR_PAGES) {
      await VISITOR_PAGES[path]();
    } else if (path in SHARED_PAGES) {
      const current = await currentSubscriber();
      if (current) showSubscriberBar(current);
      await SHARED_PAGES[path](current);
    } else if (path in SUBSCRIBER_PAGES) {
      const current = await currentSubscriber();
      if (!current) {
        flashNext("Veuillez vous connecter pour accéder à votre espace abonné.", "info");
        redirect("/connexion");
        return;
      }
      showSubscriberBar(current);
      await SUBSCRIBER_PAGES[path](current);
    } else {
      visitor.staticPage("page-not-found")();
    }
    showPendingFlash();
  } catch (error) {
    flash(error.message || "Une erreur est survenue.", "error");
  }
}

start();
