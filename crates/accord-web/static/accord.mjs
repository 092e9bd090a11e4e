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
