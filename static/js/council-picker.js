// Councils you want to partner with: GOV.UK's accessible-autocomplete over the
// plain multiple <select> the server renders (progressive enhancement: without
// JavaScript that select is the picker). The select stays in the form as the
// record of what is chosen, hidden; the chosen councils are listed under the
// box, each with a Remove button. A single <select data-module="app-autocomplete">
// (the council on the email domains page) becomes a plain autocomplete.
// Loaded as a file because the Content-Security-Policy allows no inline script.

const autocomplete = window.accessibleAutocomplete;

function announce(region, text) {
  region.textContent = "";
  window.setTimeout(() => {
    region.textContent = text;
  }, 100);
}

function enhanceMultiple(select) {
  const options = Array.from(select.options).filter((option) => option.value);
  const inputId = `${select.id}-autocomplete`;
  const label = document.querySelector(`label[for="${select.id}"]`);
  const hint = document.getElementById(`${select.id}-hint`);

  const box = document.createElement("div");
  box.className = "app-council-picker__input";
  const chosenHeading = document.createElement("p");
  chosenHeading.className = "govuk-body govuk-!-margin-top-3 govuk-!-margin-bottom-1";
  chosenHeading.id = `${select.id}-chosen-heading`;
  const chosen = document.createElement("ul");
  chosen.className = "govuk-list app-council-picker__chosen";
  chosen.setAttribute("aria-labelledby", chosenHeading.id);
  const status = document.createElement("div");
  status.className = "govuk-visually-hidden";
  status.setAttribute("role", "status");

  select.hidden = true;
  select.after(box, chosenHeading, chosen, status);
  if (label) label.htmlFor = inputId;
  if (hint) {
    hint.textContent =
      "Only if you chose named councils above. Start typing a council's name, then choose it from the list.";
  }

  function render() {
    const picked = options.filter((option) => option.selected);
    chosenHeading.textContent = picked.length
      ? `Councils chosen (${picked.length})`
      : "No councils chosen yet";
    chosen.replaceChildren(
      ...picked.map((option) => {
        const item = document.createElement("li");
        item.className = "app-council-picker__item";
        const name = document.createElement("span");
        name.textContent = option.text;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "govuk-button govuk-button--secondary govuk-!-margin-bottom-0 govuk-!-margin-left-2";
        remove.textContent = "Remove";
        const hidden = document.createElement("span");
        hidden.className = "govuk-visually-hidden";
        hidden.textContent = ` ${option.text}`;
        remove.append(hidden);
        remove.addEventListener("click", () => {
          option.selected = false;
          render();
          announce(status, `${option.text} removed`);
          document.getElementById(inputId)?.focus();
        });
        item.append(name, remove);
        return item;
      }),
    );
  }

  autocomplete({
    element: box,
    id: inputId,
    minLength: 2,
    displayMenu: "overlay",
    confirmOnBlur: false,
    source(query, populate) {
      const wanted = query.toLowerCase();
      populate(
        options
          .filter((option) => !option.selected && option.text.toLowerCase().includes(wanted))
          .map((option) => option.text),
      );
    },
    onConfirm(text) {
      const option = options.find((candidate) => candidate.text === text);
      if (!option) return;
      option.selected = true;
      render();
      announce(status, `${option.text} added`);
      // Empty the box for the next council once the component has finished.
      window.setTimeout(() => {
        const input = document.getElementById(inputId);
        if (input) input.value = "";
      }, 0);
    },
  });
  const input = document.getElementById(inputId);
  if (input && select.getAttribute("aria-describedby")) {
    input.setAttribute("aria-describedby", select.getAttribute("aria-describedby"));
  }
  render();
}

if (autocomplete) {
  document
    .querySelectorAll('select[multiple][data-module="app-council-picker"]')
    .forEach(enhanceMultiple);
  document.querySelectorAll('select:not([multiple])[data-module="app-autocomplete"]').forEach((select) => {
    autocomplete.enhanceSelectElement({ selectElement: select, defaultValue: "", minLength: 2 });
  });
}
