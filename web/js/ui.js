// Page rendering, flash messages and form behaviour shared by every page.

const FLASH_KEY = "espace-abonne:flash";

// Clones <template id="page-…"> into <main> and names the page in the document title.
export function showPage(templateId) {
  const template = document.getElementById(templateId);
  const main = document.getElementById("contenu");
  main.replaceChildren(template.content.cloneNode(true));
  const title = template.dataset.title;
  document.title = `${title} — Espace abonné — Régie des Eaux du Pays d'Aix`;
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

// A green (success) or red (error) message at the top of the page, as in the tutorial.
export function flash(message, kind = "success") {
  const area = document.getElementById("flash-area");
  const box = element("div", null, `flash flash--${kind}`);
  box.append(element("p", message));
  const close = element("button", "×", "flash__close");
  close.type = "button";
  close.setAttribute("aria-label", "Fermer le message");
  close.addEventListener("click", () => box.remove());
  box.append(close);
  area.replaceChildren(box);
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
  window.location.assign(path);
}

// Sends the person on without keeping this page in the history (a page they should not see).
export function redirect(path) {
  leaving = true;
  window.location.replace(path);
}

function clearErrors(form) {
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

// Shows a message under its field: the field is marked invalid and names the message.
export function showFieldError(form, name, message) {
  const input = form.elements.namedItem(name);
  if (!input || !(input instanceof HTMLElement) || input.type === "hidden") return false;
  const id = `${input.id}-error`;
  let box = document.getElementById(id);
  if (!box) {
    box = element("p", null, "field__error");
    box.id = id;
    input.closest(".field").append(box);
  }
  const line = element("span", message);
  if (box.childNodes.length) box.append(document.createElement("br"));
  box.append(line);
  input.setAttribute("aria-invalid", "true");
  const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
  described.add(id);
  input.setAttribute("aria-describedby", [...described].join(" "));
  return true;
}

export function showFormAlert(form, message, kind = "error") {
  const alert = form.querySelector("[data-form-alert]");
  alert.className = `form-alert form-alert--${kind}`;
  alert.setAttribute("role", kind === "error" ? "alert" : "status");
  alert.replaceChildren(element("p", message));
  alert.hidden = false;
  return alert;
}

// An API error shown where it belongs: field errors under their fields, the rest above the form.
// `fieldFor` maps error codes that concern one field (e.g. a wrong clé) to that field.
export function showApiError(form, error, fieldFor = {}) {
  let placed = 0;
  for (const fieldError of error.fieldErrors || []) {
    if (showFieldError(form, fieldError.field, fieldError.message)) placed += 1;
  }
  const field = fieldFor[error.code];
  if (!placed && field && showFieldError(form, field, error.message)) placed += 1;
  if (!placed || placed < (error.fieldErrors || []).length) {
    showFormAlert(form, error.message);
  }
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

// Wires a form: on submit, errors are cleared, the button is busy, `submit(values)` runs and any
// API error it throws is shown next to its field.
export function handleForm(form, submit, fieldFor = {}) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const button = form.querySelector("button[type=submit]");
    if (button.disabled) return;
    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      await submit(formValues(form), form);
    } catch (error) {
      if (!(error && "status" in error)) throw error;
      showApiError(form, error, fieldFor);
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
}
