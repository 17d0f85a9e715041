// Repeatable rows of the form renderer (team members): add a row from the template, remove a row.
(function () {
  "use strict";
  function renumber(list) {
    list.querySelectorAll("[data-row-number]").forEach(function (span, i) { span.textContent = i + 1; });
  }
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLElement)) { return; }
    var group = target.closest("[data-rows]");
    if (!group) { return; }
    var list = group.querySelector("[data-row-list]");
    if (target.hasAttribute("data-add-row")) {
      var next = Number(group.getAttribute("data-next") || list.children.length);
      var html = group.querySelector("template[data-row-template]").innerHTML;
      list.insertAdjacentHTML("beforeend", html.split("__index__").join(String(next)));
      group.setAttribute("data-next", String(next + 1));
      renumber(list);
    } else if (target.hasAttribute("data-remove-row")) {
      var row = target.closest("[data-row]");
      if (list.children.length > 1) { row.remove(); } else {
        row.querySelectorAll("input, select, textarea").forEach(function (el) {
          if (el.type === "radio" || el.type === "checkbox") { el.checked = false; } else { el.value = ""; }
        });
      }
      renumber(list);
    }
  });
})();
