// Page rendering, flash messages and form behaviour shared by every page.

const FLASH_KEY = "espace-abonne:flash";
// Set when the person goes on to another page of the portal: that page puts the focus on its heading.
const FOCUS_KEY = "espace-abonne:focus-heading";
const UNEXPECTED = "Une erreur inattendue est survenue. Veuillez réessayer.";

// Clones <template id="page-…"> into <main> and names the page in the document title.
export function showPage(templateId) {
  const template = document.getElementById(templateId);
  const main = document.getElementById("contenu");
  main.replaceChildren(template.content.cloneNode(true));
  const title = template.dataset.title;
  document.title = `${title} — Espace abonné — Régie des Eaux du Pays d'Aix`;
  focusHeadingAfterNavigation();
  return main;
}

export function setText(root, field, value) {
  for (const element of root.querySelectorAll(`[data-field="${field}"]`)) {
    element.textContent = value ?? "";
  }
}

export function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

// A green (success), blue (info) or red (error) message at the top left, as in the tutorial.
// `focus` moves the focus to it when the action that caused it is no longer on screen.
export function flash(message, kind = "success", { focus = false } = {}) {
  const area = document.getElementById("flash-area");
  const box = element("div", null, `flash flash--${kind}`);
  box.tabIndex = -1;
  if (kind === "error") box.setAttribute("role", "alert");
  box.append(element("p", message));
  const close = element("button", "×", "flash__close");
  close.type = "button";
  close.setAttribute("aria-label", "Fermer le message");
  close.addEventListener("click", () => {
    box.remove();
    document.getElementById("contenu").focus();
  });
  box.append(close);
  area.replaceChildren(box);
  if (focus) box.focus();
}

export function clearFlash() {
  document.getElementById("flash-area").replaceChildren();
}

// A message to show on the next page (after a navigation).
export function flashNext(message, kind = "success") {
  sessionStorage.setItem(FLASH_KEY, JSON.stringify({ message, kind }));
}

// Set once the page is being left: its pending message is kept for the next page.
let leaving = false;

export function showPendingFlash() {
  if (leaving) return;
  const pending = sessionStorage.getItem(FLASH_KEY);
  if (!pending) return;
  sessionStorage.removeItem(FLASH_KEY);
  try {
    const { message, kind } = JSON.parse(pending);
    flash(message, kind);
  } catch {
    // An unreadable message is dropped.
  }
}

export function navigate(path, message, kind = "success") {
  if (message) flashNext(message, kind);
  leaving = true;
  sessionStorage.setItem(FOCUS_KEY, "1");
  window.location.assign(path);
}

// Sends the person on without keeping this page in the history (a page they should not see).
export function redirect(path) {
  leaving = true;
  sessionStorage.setItem(FOCUS_KEY, "1");
  window.location.replace(path);
}

// A link of the portal followed in this tab: the next page will focus its heading, as after navigate().
export function followInternalLinks() {
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a[href^='/']") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    sessionStorage.setItem(FOCUS_KEY, "1");
  });
}

// WCAG 2.4.3: after moving on within the portal, the focus starts at the new page's heading rather
// than on <body>, so that a screen reader announces where the person has arrived.
function focusHeadingAfterNavigation() {
  if (leaving || !sessionStorage.getItem(FOCUS_KEY)) return;
  sessionStorage.removeItem(FOCUS_KEY);
  const heading = document.querySelector("#contenu h1");
  if (!heading) return;
  heading.tabIndex = -1;
  heading.focus();
}

// The session ended (expired, or closed elsewhere): back to the login page, saying why.
function isSessionEnd(error) {
  return error?.status === 401 && error.code === "not_authenticated";
}

function toLoginPage() {
  flashNext("Votre session a pris fin. Veuillez vous reconnecter.", "info");
  redirect("/connexion");
}

// An error of an action that is not a form (a button): at the top of the page.
export function reportError(error) {
  if (isSessionEnd(error)) return toLoginPage();
  if (!(error && "status" in error)) console.error(error);
  flash(error && "status" in error ? error.message : UNEXPECTED, "error", { focus: true });
}

export function clearErrors(form) {
  for (const error of form.querySelectorAll(".field__error")) error.remove();
  for (const input of form.querySelectorAll("[aria-invalid]")) {
    input.removeAttribute("aria-invalid");
    const described = (input.getAttribute("aria-describedby") || "")
      .split(" ")
      .filter((id) => id && !id.endsWith("-error"));
    if (described.length) input.setAttribute("aria-describedby", described.join(" "));
    else input.removeAttribute("aria-describedby");
  }
  const alert = form.querySelector("[data-form-alert]");
  if (alert) {
    alert.hidden = true;
    alert.replaceChildren();
  }
}

// The form's field of that name that is in use (a form may keep a disabled alternative of it).
export function field(form, name) {
  return [...form.elements].find((input) => input.name === name && !input.disabled) || null;
}

// Shows a message under its field: the field is marked invalid and names the message.
export function showFieldError(form, name, message) {
  const input = field(form, name);
  const container = input ? input.closest(".field") : null;
  if (!container) return false;
  const id = `${input.id}-error`;
  let box = document.getElementById(id);
  if (!box) {
    box = element("p", null, "field__error");
    box.id = id;
    container.append(box);
  }
  if (box.childNodes.length) box.append(document.createElement("br"));
  box.append(element("span", message));
  input.setAttribute("aria-invalid", "true");
  const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  described.add(id);
  input.setAttribute("aria-describedby", [...described].join(" "));
  return true;
}

// A message above the form's fields; it takes the focus so that it is read out.
export function showFormAlert(form, messages, kind = "error") {
  const alert = form.querySelector("[data-form-alert]");
  alert.className = `form-alert form-alert--${kind}`;
  alert.tabIndex = -1;
  if (kind === "error") alert.setAttribute("role", "alert");
  else alert.removeAttribute("role");
  alert.replaceChildren(...[messages].flat().map((message) => element("p", message)));
  alert.hidden = false;
  alert.focus();
  return alert;
}

// An API error shown where it belongs: field errors under their fields, the rest above the form.
// `fieldFor` maps error codes that concern one field (e.g. a wrong clé) to that field.
export function showApiError(form, error, fieldFor = {}) {
  const unplaced = [];
  for (const fieldError of error.fieldErrors || []) {
    if (!showFieldError(form, fieldError.field, fieldError.message)) unplaced.push(fieldError.message);
  }
  const placed = form.querySelectorAll("[aria-invalid='true']").length > 0;
  const field = fieldFor[error.code];
  if (!placed && field && showFieldError(form, field, error.message)) {
    form.querySelector("[aria-invalid='true']").focus();
    return;
  }
  if (!placed || unplaced.length) showFormAlert(form, [error.message, ...unplaced]);
  const firstInvalid = form.querySelector("[aria-invalid='true']");
  if (firstInvalid) firstInvalid.focus();
}

export function formValues(form) {
  const values = {};
  for (const input of form.elements) {
    if (!input.name || input.disabled) continue;
    if (input.type === "checkbox") values[input.name] = input.checked;
    else values[input.name] = input.value;
  }
  return values;
}

// Runs `action` with the button disabled (no double submission), whatever happens.
export async function whileBusy(button, action) {
  if (button.disabled) return;
  button.disabled = true;
  try {
    await action();
  } finally {
    button.disabled = false;
  }
}

// Wires a form: on submit, errors are cleared, the button is busy, `submit(values)` runs and any
// API error it throws is shown next to its field.
export function handleForm(form, submit, fieldFor = {}) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    if (button.disabled) return;
    clearErrors(form);
    clearFlash(); // a message about an earlier action would now sit beside this one's
    form.setAttribute("aria-busy", "true");
    await whileBusy(button, async () => {
      try {
        await submit(formValues(form), form);
      } catch (error) {
        if (isSessionEnd(error)) toLoginPage();
        else if (error && "status" in error) showApiError(form, error, fieldFor);
        else {
          console.error(error);
          showFormAlert(form, UNEXPECTED);
        }
      }
    });
    form.removeAttribute("aria-busy");
  });
}
