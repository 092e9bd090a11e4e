// Marks the page as one where GOV.UK Frontend's scripts run (only browsers
// that run modules get here), then starts its components: the error
// summary's focus, character counts, the service navigation's menu. Every
// page works without it.
import { initAll } from "./govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// The print view's button prints the record; without scripts it stays
// hidden and the browser's own Print does the same.
for (const button of document.querySelectorAll('[data-module="accord-print"]')) {
  button.addEventListener("click", () => window.print());
}

// People pickers (issue 14 §3). Without JavaScript a picker is a search box
// and a "Find people" button that shows the form again with whom it found,
// to tick. Here the box becomes a combobox (the WAI-ARIA Authoring
// Practices' pattern, list autocomplete): as someone types it asks the
// server for the people who match, Up and Down move through them, Enter
// chooses, Escape closes; each chosen person is listed with a Remove
// button, and a live region says how many were found, who was added and
// who removed. What is chosen is sent as the same `name` fields as the
// ticked boxes, so the server reads one form whichever way it came.
const MIN_CHARS = 2;

function element(tag, attributes = {}, text = "") {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  if (text) el.textContent = text;
  return el;
}

function people(n) {
  return n === 1 ? "1 person" : `${n} people`;
}

function picker(root) {
  const name = root.dataset.name;
  // One person only (an action's owner): choosing replaces who was chosen.
  const single = root.dataset.single === "true";
  const source = root.dataset.source;
  const input = root.querySelector(".accord-picker__input");
  const chosenBox = root.querySelector(".accord-picker__chosen");
  if (!name || !source || !input || !chosenBox) return;

  // Whoever the server drew ticked is chosen.
  const chosen = [];
  for (const box of root.querySelectorAll('input[type="checkbox"], input[type="radio"]')) {
    if (box.name === name && box.checked && !chosen.some((c) => c.id === box.value)) {
      const label = root.querySelector(`label[for="${box.id}"]`);
      chosen.push({ id: box.value, label: label ? label.textContent.trim() : box.value });
    }
  }
  root.querySelector(".accord-picker__button")?.remove();
  root.querySelector(".accord-picker__found")?.remove();

  const heading = element("p", { class: "govuk-body govuk-!-margin-bottom-2", id: `${input.id}-chosen-heading` });
  const list = element("ul", { class: "govuk-list accord-picker__list", "aria-labelledby": heading.id });
  chosenBox.replaceChildren(heading, list);

  const hint = element(
    "div",
    { class: "govuk-hint", id: `${input.id}-how` },
    "Type at least 2 letters, then use the up and down arrows and Enter to choose.",
  );
  input.before(hint);
  const listbox = element("ul", {
    class: "accord-picker__options",
    id: `${input.id}-listbox`,
    role: "listbox",
    "aria-label": "People found",
  });
  listbox.hidden = true;
  root.querySelector(".accord-picker__search").after(listbox);
  const status = element("div", {
    class: "govuk-visually-hidden",
    role: "status",
    "aria-live": "polite",
    "aria-atomic": "true",
  });
  root.append(status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);
  const describedBy = [hint.id, input.getAttribute("aria-describedby")].filter(Boolean);
  input.setAttribute("aria-describedby", describedBy.join(" "));

  let options = [];
  let active = -1;
  let timer = 0;
  let asked = 0;

  const announce = (words) => {
    status.textContent = "";
    window.setTimeout(() => {
      status.textContent = words;
    }, 50);
  };
  const chosenWords = () => `${people(chosen.length)} chosen.`;

  function drawChosen() {
    heading.textContent = !chosen.length ? "Nobody is chosen yet." : single ? "Chosen:" : `Chosen (${chosen.length}):`;
    list.replaceChildren(
      ...chosen.map((person, i) => {
        const item = element("li", { class: "accord-picker__chosen-item" });
        const words = element("span", { class: "accord-picker__chosen-name" }, person.label);
        const kept = element("input", { type: "hidden", name, value: person.id });
        const remove = element("button", {
          type: "button",
          class: "govuk-button govuk-button--secondary accord-picker__remove",
        });
        remove.append("Remove", element("span", { class: "govuk-visually-hidden" }, ` ${person.label}`));
        remove.addEventListener("click", () => removeAt(i));
        item.append(words, kept, remove);
        return item;
      }),
    );
  }

  function removeAt(i) {
    const [gone] = chosen.splice(i, 1);
    drawChosen();
    announce(`${gone.label} removed. ${chosenWords()}`);
    const buttons = list.querySelectorAll("button");
    (buttons[Math.min(i, buttons.length - 1)] || input).focus();
  }

  function close() {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function choose(person) {
    if (single) chosen.splice(0, chosen.length, person);
    else if (!chosen.some((c) => c.id === person.id)) chosen.push(person);
    drawChosen();
    close();
    input.value = "";
    input.focus();
    announce(`${person.label} added. ${chosenWords()}`);
  }

  function move(to) {
    if (!options.length) return;
    active = (to + options.length) % options.length;
    listbox.querySelectorAll('[role="option"]').forEach((option, i) => {
      option.setAttribute("aria-selected", i === active ? "true" : "false");
      if (i === active) {
        input.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function show(found) {
    options = found.people
      .filter((p) => !chosen.some((c) => c.id === p.id))
      .map((p) => ({ id: p.id, label: p.label }));
    active = -1;
    input.removeAttribute("aria-activedescendant");
    listbox.replaceChildren(
      ...options.map((person, i) => {
        const option = element(
          "li",
          {
            class: "accord-picker__option",
            id: `${listbox.id}-${i}`,
            role: "option",
            "aria-selected": "false",
            "data-value": person.id,
          },
          person.label,
        );
        // Keeps the focus in the box, so choosing by pointer is one click.
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => choose(person));
        return option;
      }),
    );
    listbox.hidden = options.length === 0;
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    if (!options.length) {
      announce("Nobody found. Check the spelling, or type part of their name, job title or agency.");
    } else {
      const more = found.total > found.people.length ? ` of ${found.total}: type more to find fewer` : "";
      announce(`${people(options.length)} found${more}. Use the up and down arrows to choose.`);
    }
  }

  async function find(query) {
    const mine = ++asked;
    try {
      const url = new URL(source, window.location.href);
      url.searchParams.set("q", query);
      url.searchParams.set("limit", "10");
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(`${response.status}`);
      const found = await response.json();
      if (mine === asked && input.value.trim() === query) show(found);
    } catch {
      if (mine === asked) announce("People could not be found just now. Try again in a moment.");
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < MIN_CHARS) {
      asked++;
      close();
      return;
    }
    timer = window.setTimeout(() => find(query), 150);
  });
  input.addEventListener("keydown", (event) => {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        move(active + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        move(active <= 0 ? options.length - 1 : active - 1);
        break;
      case "Enter":
        // Enter chooses; it never sends the form from this box.
        event.preventDefault();
        if (active >= 0) choose(options[active]);
        else if (options.length === 1) choose(options[0]);
        break;
      case "Escape":
        if (!listbox.hidden) {
          event.preventDefault();
          close();
        }
        break;
      default:
    }
  });
  input.addEventListener("blur", () => window.setTimeout(close, 150));

  drawChosen();
}

document.querySelectorAll('[data-module="accord-picker"]').forEach(picker);

// Agency choosers (issue 14 §3). Without JavaScript an agency is chosen
// from a plain select, which works everywhere. Here a text box takes the
// select's place as a combobox (the same WAI-ARIA pattern as the people
// picker): typing any part of an agency's name lists the agencies that
// match, Down opens the whole list, Up and Down move, Enter chooses,
// Escape closes. The select stays in the form, hidden, and carries what
// was chosen, so the server reads one form whichever way it came. Text
// that names no agency leaves nothing chosen, and the server says so.
function agencyChooser(root) {
  const select = root.querySelector("select");
  if (!select) return;
  const all = [...select.options]
    .filter((o) => o.value)
    .map((o) => ({ value: o.value, label: o.textContent.trim() }));
  const id = select.id;
  select.id = `${id}-select`;
  select.hidden = true;
  select.tabIndex = -1;
  select.setAttribute("aria-hidden", "true");

  const picked = () => all.find((o) => o.value === select.value);
  const input = element("input", {
    class: `govuk-input accord-picker__input${select.classList.contains("govuk-select--error") ? " govuk-input--error" : ""}`,
    id,
    type: "text",
    autocomplete: "off",
    spellcheck: "false",
    role: "combobox",
    "aria-autocomplete": "list",
    "aria-expanded": "false",
    "aria-controls": `${id}-listbox`,
  });
  input.value = picked()?.label ?? "";
  const hint = element(
    "div",
    { class: "govuk-hint", id: `${id}-how` },
    "Type part of the agency's name, or press the down arrow for the whole list; then use the arrows and Enter to choose.",
  );
  const describedBy = [hint.id, select.getAttribute("aria-describedby")].filter(Boolean);
  input.setAttribute("aria-describedby", describedBy.join(" "));
  const listbox = element("ul", {
    class: "accord-picker__options",
    id: `${id}-listbox`,
    role: "listbox",
    "aria-label": "Agencies",
  });
  listbox.hidden = true;
  const status = element("div", {
    class: "govuk-visually-hidden",
    role: "status",
    "aria-live": "polite",
    "aria-atomic": "true",
  });
  const search = element("div", { class: "accord-picker__search" });
  search.append(input);
  select.before(hint, search, listbox, status);

  let options = [];
  let active = -1;
  const announce = (words) => {
    status.textContent = "";
    window.setTimeout(() => {
      status.textContent = words;
    }, 50);
  };

  function close() {
    listbox.hidden = true;
    listbox.replaceChildren();
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function choose(option) {
    select.value = option.value;
    select.dispatchEvent(new Event("change", { bubbles: true }));
    input.value = option.label;
    close();
    announce(`${option.label} chosen.`);
  }

  function move(to) {
    if (!options.length) return;
    active = (to + options.length) % options.length;
    listbox.querySelectorAll('[role="option"]').forEach((el, i) => {
      el.setAttribute("aria-selected", i === active ? "true" : "false");
      if (i === active) {
        input.setAttribute("aria-activedescendant", el.id);
        el.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function show(query) {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    options = all.filter((o) => words.every((w) => o.label.toLowerCase().includes(w)));
    active = -1;
    input.removeAttribute("aria-activedescendant");
    listbox.replaceChildren(
      ...options.map((option, i) => {
        const el = element(
          "li",
          {
            class: "accord-picker__option",
            id: `${listbox.id}-${i}`,
            role: "option",
            "aria-selected": "false",
            "data-value": option.value,
          },
          option.label,
        );
        el.addEventListener("mousedown", (event) => event.preventDefault());
        el.addEventListener("click", () => choose(option));
        return el;
      }),
    );
    listbox.hidden = options.length === 0;
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    if (!options.length) announce("No agency matches. Check the spelling, or type less of the name.");
    else announce(`${options.length === 1 ? "1 agency" : `${options.length} agencies`} found. Use the up and down arrows to choose.`);
  }

  input.addEventListener("input", () => {
    const query = input.value.trim();
    // Typing changes the choice: nothing is chosen until an agency is.
    const exact = all.find((o) => o.label.toLowerCase() === query.toLowerCase());
    select.value = exact ? exact.value : "";
    if (query) show(query);
    else close();
  });
  input.addEventListener("keydown", (event) => {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (listbox.hidden) show(input.value === picked()?.label ? "" : input.value.trim());
        move(active + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        move(active <= 0 ? options.length - 1 : active - 1);
        break;
      case "Enter":
        // Enter with the list open chooses; with it shut it sends the form.
        if (!listbox.hidden) {
          event.preventDefault();
          if (active >= 0) choose(options[active]);
          else if (options.length === 1) choose(options[0]);
        }
        break;
      case "Escape":
        if (!listbox.hidden) {
          event.preventDefault();
          close();
        }
        break;
      default:
    }
  });
  input.addEventListener("blur", () => window.setTimeout(close, 150));
}

document.querySelectorAll('[data-module="accord-agency"]').forEach(agencyChooser);
