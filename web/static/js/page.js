/* What every page may use, kept out of the HTML (the Content-Security-Policy allows no inline script):
   forms that ask before they submit (data-confirm) and selects that open the page chosen (data-navigate). */
(function () {
  'use strict';
  document.addEventListener('submit', function (event) {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  document.addEventListener('change', function (event) {
    const select = event.target;
    if (select instanceof HTMLSelectElement && select.hasAttribute('data-navigate') && select.value) {
      window.location.href = select.value;
    }
  });
})();

// A "select all" box ticks every application of its form (panel drawing).
document.querySelectorAll("[data-check-all]").forEach((box) => box.addEventListener("change", () => {
  box.closest("form").querySelectorAll("input[name=application_ids]").forEach((b) => { b.checked = box.checked; });
}));

// A select marked data-submit-on-change sends its form as soon as a value is chosen.
document.querySelectorAll("select[data-submit-on-change]").forEach((select) => select.addEventListener("change", () => {
  select.form.submit();
}));
