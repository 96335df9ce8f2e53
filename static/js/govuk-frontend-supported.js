// GOV.UK Frontend's body-class snippet (it belongs straight after <body>, before
// anything is drawn). A file, not inline, because the Content-Security-Policy
// allows no inline script (docs/adr/0006-content-security-policy.md).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
