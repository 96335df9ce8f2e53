// Compiles static/scss/main.scss against GOV.UK Frontend and copies its
// fonts, images and JavaScript into static/build/, so the site serves every
// asset itself: councils on closed networks cannot reach a CDN.
import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const out = join(root, "static", "build");

mkdirSync(out, { recursive: true });
const result = sass.compile(join(root, "static", "scss", "main.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "main.css"), result.css);
cpSync(join(govuk, "assets"), join(out, "govuk", "assets"), { recursive: true });
cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
cpSync(
  join(root, "node_modules", "topojson-client", "dist", "topojson-client.min.js"),
  join(out, "topojson-client.min.js"),
);
// GOV.UK's accessible-autocomplete, for the council pickers (static/js/council-picker.js).
const autocomplete = join(root, "node_modules", "accessible-autocomplete", "dist");
// With their source maps: the hashed-name manifest (collectstatic) follows the sourceMappingURL.
for (const name of ["accessible-autocomplete.min.js", "accessible-autocomplete.min.css"]) {
  cpSync(join(autocomplete, `${name}.map`), join(out, `${name}.map`));
  cpSync(join(autocomplete, name), join(out, name));
}
console.log(`built ${out}`);
