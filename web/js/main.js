// The router: one page per path, rendered from its <template>; subscriber pages need a session.
import { api, currentSubscriber } from "./api.js";
import * as subscriber from "./pages/subscriber.js";
import * as visitor from "./pages/visitor.js";
import {
  flashNext,
  followInternalLinks,
  navigate,
  redirect,
  reportError,
  showPendingFlash,
  whileBusy,
} from "./ui.js";

// For visitors: a signed-in subscriber is sent on to their own pages.
const VISITOR_PAGES = {
  "/": visitor.loginPage,
  "/connexion": visitor.loginPage,
  "/inscription": visitor.signupPage,
  "/mot-de-passe/oublie": visitor.forgotPasswordPage,
};

// Open to everyone; a signed-in subscriber keeps the header bar (and gets their email filled in).
const SHARED_PAGES = {
  "/activation": visitor.activationPage,
  "/mot-de-passe/reinitialisation": visitor.resetPasswordPage,
  "/email/confirmation": visitor.emailConfirmationPage,
  "/demande-abonnement": visitor.subscriptionRequestPage,
  "/contact": visitor.contactPage,
  "/a-propos": visitor.staticPage("page-about"),
  "/mentions-legales": visitor.staticPage("page-legal"),
  "/accessibilite": visitor.staticPage("page-accessibility"),
};

const SUBSCRIBER_PAGES = {
  "/bienvenue": subscriber.welcomePage,
  "/lier-un-contrat": subscriber.linkContractPage,
  "/tableau-de-bord": subscriber.dashboardPage,
  "/mon-compte": subscriber.accountPage,
  "/paiement/resultat": subscriber.paymentResultPage,
};

function showSubscriberBar(current, path) {
  const bar = document.getElementById("subscriber-bar");
  bar.hidden = false;
  for (const link of bar.querySelectorAll("nav a")) {
    if (link.getAttribute("href") === path) link.setAttribute("aria-current", "page");
  }
  subscriber.showContractPicker(current.contracts, subscriber.rememberedContract());
  const logout = document.getElementById("logout");
  logout.addEventListener("click", () =>
    whileBusy(logout, async () => {
      try {
        await api("DELETE", "/sessions/current");
      } catch (error) {
        // 401: the session had already ended. Anything else: it may still be open, so say so.
        if (error.status !== 401) return reportError(error);
      }
      subscriber.forgetContract();
      navigate("/connexion", "Vous êtes déconnecté.");
    }),
  );
}

// Links back "home" lead a subscriber to their pages rather than to the login page.
function pointHomeLinks(current) {
  for (const link of document.querySelectorAll("#contenu [data-home-link]")) {
    link.href = visitor.subscriberHome(current);
    link.textContent = link.dataset.homeLink;
  }
}

async function start() {
  followInternalLinks();
  const path = window.location.pathname.replace(/\/+$/, "") || "/";
  try {
    if (path in SUBSCRIBER_PAGES) {
      const current = await currentSubscriber();
      if (!current) {
        flashNext("Veuillez vous connecter pour accéder à votre espace abonné.", "info");
        redirect("/connexion");
        return;
      }
      showSubscriberBar(current, path);
      await SUBSCRIBER_PAGES[path](current);
    } else {
      // Visitors are welcome on these pages even when the session cannot be checked.
      const current = await currentSubscriber().catch(() => null);
      if (current && path in VISITOR_PAGES) {
        redirect(visitor.subscriberHome(current));
        return;
      }
      if (current) showSubscriberBar(current, path);
      const page = VISITOR_PAGES[path] || SHARED_PAGES[path] || visitor.staticPage("page-not-found");
      await page(current);
      if (current) pointHomeLinks(current);
    }
    showPendingFlash();
  } catch (error) {
    reportError(error);
  }
}

start();
