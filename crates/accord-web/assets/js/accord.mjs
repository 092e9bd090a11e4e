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

// People pickers and agency choosers (issue 14 §3) share one combobox:
// the WAI-ARIA Authoring Practices' pattern, list autocomplete. Up and
// Down move through what was found, Enter chooses, Escape closes, and a
// live region says what happened.
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

// Makes `input` a combobox with a list, labelled `listName`, placed after
// `after`, and a hint of `how` before the input. `choose(option)` is
// called with the option chosen ({ value, label }). With `enterSends`,
// Enter on a closed list sends the form, as in any text box; otherwise
// Enter never does. `whenClosedDown()` is asked to open the list when
// Down is pressed on a closed one. Returns { show, close, announce }.
function combobox(input, { after, listName, how, choose, enterSends = false, whenClosedDown = () => {} }) {
  const hint = element("div", { class: "govuk-hint", id: `${input.id}-how` }, how);
  input.before(hint);
  const listbox = element("ul", {
    class: "accord-picker__options",
    id: `${input.id}-listbox`,
    role: "listbox",
    "aria-label": listName,
  });
  listbox.hidden = true;
  const status = element("div", {
    class: "govuk-visually-hidden",
    role: "status",
    "aria-live": "polite",
    "aria-atomic": "true",
  });
  after.after(listbox, status);

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", listbox.id);
  input.setAttribute("autocomplete", "off");
  const describedBy = [hint.id, input.getAttribute("aria-describedby")].filter(Boolean);
  input.setAttribute("aria-describedby", describedBy.join(" "));

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

  function pick(option) {
    close();
    choose(option);
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

  // Lists `found`; returns how many.
  function show(found) {
    options = found;
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
        // Keeps the focus in the box, so choosing by pointer is one click.
        el.addEventListener("mousedown", (event) => event.preventDefault());
        el.addEventListener("click", () => pick(option));
        return el;
      }),
    );
    listbox.hidden = options.length === 0;
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    return options.length;
  }

  input.addEventListener("keydown", (event) => {
    switch (event.key) {
      case "ArrowDown":
        event.preventDefault();
        if (listbox.hidden) whenClosedDown();
        move(active + 1);
        break;
      case "ArrowUp":
        event.preventDefault();
        move(active <= 0 ? options.length - 1 : active - 1);
        break;
      case "Enter":
        if (enterSends && listbox.hidden) break;
        event.preventDefault();
        if (active >= 0) pick(options[active]);
        else if (options.length === 1) pick(options[0]);
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

  return { show, close, announce };
}

// A people picker. Without JavaScript it is a search box and a "Find
// people" button that shows the form again with whom it found, to tick
// (or, for one person, to choose). Here the box becomes a combobox that
// asks the server for the people who match as someone types; each chosen
// person is listed with a Remove button, and the live region says how many
// were found, who was added and who removed. What is chosen is sent as
// the same `name` fields as the ticked boxes, so the server reads one form
// whichever way it came.
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
    if (box.name === name && box.checked && !chosen.some((c) => c.value === box.value)) {
      const label = root.querySelector(`label[for="${box.id}"]`);
      chosen.push({ value: box.value, label: label ? label.textContent.trim() : box.value });
    }
  }
  root.querySelector(".accord-picker__button")?.remove();
  root.querySelector(".accord-picker__found")?.remove();

  const heading = element("p", { class: "govuk-body govuk-!-margin-bottom-2", id: `${input.id}-chosen-heading` });
  const list = element("ul", { class: "govuk-list accord-picker__list", "aria-labelledby": heading.id });
  chosenBox.replaceChildren(heading, list);

  const chosenWords = () => `${people(chosen.length)} chosen.`;
  const box = combobox(input, {
    after: root.querySelector(".accord-picker__search"),
    listName: "People found",
    how: "Type at least 2 letters, then use the up and down arrows and Enter to choose.",
    choose(person) {
      if (single) chosen.splice(0, chosen.length, person);
      else if (!chosen.some((c) => c.value === person.value)) chosen.push(person);
      drawChosen();
      input.value = "";
      input.focus();
      box.announce(`${person.label} added. ${chosenWords()}`);
    },
  });

  function drawChosen() {
    heading.textContent = !chosen.length ? "Nobody is chosen yet." : single ? "Chosen:" : `Chosen (${chosen.length}):`;
    list.replaceChildren(
      ...chosen.map((person, i) => {
        const item = element("li", { class: "accord-picker__chosen-item" });
        const words = element("span", { class: "accord-picker__chosen-name" }, person.label);
        const kept = element("input", { type: "hidden", name, value: person.value });
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
    box.announce(`${gone.label} removed. ${chosenWords()}`);
    const buttons = list.querySelectorAll("button");
    (buttons[Math.min(i, buttons.length - 1)] || input).focus();
  }

  let timer = 0;
  let asked = 0;

  function show(found) {
    const shown = box.show(
      found.people
        .filter((p) => !chosen.some((c) => c.value === p.id))
        .map((p) => ({ value: p.id, label: p.label })),
    );
    if (!shown) {
      box.announce("Nobody found. Check the spelling, or type part of their name, job title or agency.");
    } else {
      const more = found.total > found.people.length ? ` of ${found.total}: type more to find fewer` : "";
      box.announce(`${people(shown)} found${more}. Use the up and down arrows to choose.`);
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
      if (mine === asked) box.announce("People could not be found just now. Try again in a moment.");
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < MIN_CHARS) {
      asked++;
      box.close();
      return;
    }
    timer = window.setTimeout(() => find(query), 150);
  });

  drawChosen();
}

document.querySelectorAll('[data-module="accord-picker"]').forEach(picker);

// An agency chooser. Without JavaScript an agency is chosen from a plain
// select, which works everywhere. Here a text box takes the select's place
// as a combobox: typing any part of an agency's name lists the agencies
// that match, and Down on an empty box opens the whole list. The select
// stays in the form, hidden, and carries what was chosen, so the server
// reads one form whichever way it came. Text that names no agency leaves
// nothing chosen, and the server says so.
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
    spellcheck: "false",
  });
  const describedBy = select.getAttribute("aria-describedby");
  if (describedBy) input.setAttribute("aria-describedby", describedBy);
  input.value = picked()?.label ?? "";
  const search = element("div", { class: "accord-picker__search" });
  search.append(input);
  select.before(search);

  const matching = (query) => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return all.filter((o) => words.every((w) => o.label.toLowerCase().includes(w)));
  };
  const list = (query) => {
    const shown = box.show(matching(query));
    if (!shown) box.announce("No agency matches. Check the spelling, or type less of the name.");
    else box.announce(`${shown === 1 ? "1 agency" : `${shown} agencies`} found. Use the up and down arrows to choose.`);
  };
  const box = combobox(input, {
    after: search,
    listName: "Agencies",
    how: "Type part of the agency's name, or press the down arrow for the whole list; then use the arrows and Enter to choose.",
    enterSends: true,
    whenClosedDown: () => list(input.value === picked()?.label ? "" : input.value.trim()),
    choose(option) {
      select.value = option.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
      input.value = option.label;
      box.announce(`${option.label} chosen.`);
    },
  });

  input.addEventListener("input", () => {
    const query = input.value.trim();
    // Typing changes the choice: nothing is chosen until an agency is.
    const exact = all.find((o) => o.label.toLowerCase() === query.toLowerCase());
    select.value = exact ? exact.value : "";
    if (query) list(query);
    else box.close();
  });
}

document.querySelectorAll('[data-module="accord-agency"]').forEach(agencyChooser);
