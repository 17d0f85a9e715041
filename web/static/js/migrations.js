/* The migration pages: tick every listed instance at once; a button marked data-confirm asks before it sends. */
(function () {
  'use strict';
  const all = document.getElementById('select-all');
  if (all) {
    all.addEventListener('change', function () {
      document.querySelectorAll('input[name="instance_id"]').forEach(function (box) { box.checked = all.checked; });
    });
  }
  document.addEventListener('submit', function (event) {
    const button = event.submitter;
    if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
