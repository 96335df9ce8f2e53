// "Show filters" on /listings/ (templates/offers/browse/_content.html): on a
// narrow screen the filter options start hidden behind the button, so the
// results come straight after the search box. Wide screens always show them
// (the CSS hides the button there). Without JavaScript nothing is hidden and a
// "Skip to the results" link leads past the filters. A file because the
// Content-Security-Policy allows no inline script.

const NARROW = window.matchMedia("(max-width: 40.0525em)");

document.querySelectorAll('[data-module="app-filter-toggle"]').forEach((button) => {
  const panel = document.getElementById(button.getAttribute("aria-controls"));
  if (!panel) return;
  const hasError = panel.querySelector(".govuk-form-group--error") !== null;

  function show(open) {
    panel.classList.toggle("app-filter-options--closed", !open);
    button.setAttribute("aria-expanded", String(open));
    button.textContent = open ? "Hide filters" : "Show filters";
  }

  button.addEventListener("click", () => {
    show(panel.classList.contains("app-filter-options--closed"));
  });
  // A filter in error stays open: the error summary links into it.
  show(!NARROW.matches || hasError);
});
