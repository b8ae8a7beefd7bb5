// Behaviour that used to sit in inline handlers (onchange, onclick, onsubmit), which the
// Content-Security-Policy forbids: declared with data attributes, wired once here.
(function () {
  // <select data-autosubmit>: choosing submits its form (language switch, list filters).
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) { field.form.submit(); }
  });
  // <button data-confirm="…">: ask before a destructive action.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  });
  // [data-fill-amount="…"]: put that amount into the form's amount field (repayment page).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-fill-amount]");
    if (!button) { return; }
    var field = document.getElementById("id_amount");
    if (field) { field.value = button.dataset.fillAmount; field.focus(); }
  });
  // <form data-disable-on-submit>: one click posts once (the submit button is disabled after it).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-disable-on-submit]")) { return; }
    var button = form.querySelector("button[type=submit]");
    if (button) { setTimeout(function () { button.disabled = true; }, 0); }
  });
})();
