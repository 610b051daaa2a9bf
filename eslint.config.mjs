// ESLint (flat config) for the HTML report's page script,
// mt_eval/reports/templates/report.js, which the report inlines in a classic
// <script> (so sourceType "script": it is not a module). Run it with
// `bash .ci/lint-js`, which installs the pinned eslint, @eslint/js and globals
// into a temporary folder and points eslint at a copy of this file there, so
// that the imports below resolve; nothing is installed in the checkout.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ...js.configs.recommended,
    // Every file .ci/lint-js names (today only report.js). A narrower pattern
    // would not skip a file it misses: flat config still lints any *.js, with
    // no rules at all, and passes it.
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "script",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
  },
];
