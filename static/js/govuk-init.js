// Starts every GOV.UK Frontend component on the page (loaded as a module, so
// browsers too old for GOV.UK Frontend skip it). A file, not inline, because
// the Content-Security-Policy allows no inline script (ADR 6). The relative
// import works with the hashed names collectstatic writes: it keeps each
// original name beside its hashed copy.
import { initAll } from "../build/govuk/govuk-frontend.min.js";

initAll();
