// The password rule of PRODUCT.md shown live under the field; the API stays the judge.

const RULES = [
  ["length", "7 caractères minimum", (p) => [...p].length >= 7],
  ["digit", "au moins 1 chiffre", (p) => /\p{Nd}/u.test(p)],
  ["lower", "au moins 1 minuscule", (p) => /\p{Ll}/u.test(p)],
  ["upper", "au moins 1 majuscule", (p) => /\p{Lu}/u.test(p)],
  ["special", "au moins 1 caractère spécial", (p) => /[^\p{L}\p{N}\s+-]/u.test(p)],
  ["no-plus-minus", "pas de «\u00a0+\u00a0» ni de «\u00a0-\u00a0»", (p) => !/[+-]/.test(p)],
];

export function watchPasswordRules(input, container) {
  const intro = document.createElement("p");
  intro.className = "hint";
  intro.textContent = "Règles du mot de passe\u00a0:";
  const list = document.createElement("ul");
  list.className = "password-rules";
  const items = RULES.map(([id, label]) => {
    const item = document.createElement("li");
    item.dataset.rule = id;
    const state = document.createElement("span");
    state.className = "visually-hidden";
    item.append(label, state);
    list.append(item);
    return item;
  });
  container.append(intro, list);
  const update = () => {
    const password = input.value;
    RULES.forEach(([, , test], index) => {
      const met = test(password);
      items[index].classList.toggle("met", met);
      items[index].lastChild.textContent = met ? "\u00a0: respecté" : "\u00a0: non respecté";
    });
  };
  input.addEventListener("input", update);
  update();
}
