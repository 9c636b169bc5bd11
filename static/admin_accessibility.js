// Names for the controls Django's admin generates without one: the look-ups (select2) take the name of the
// field they stand for, and the empty first heading of a tabular inline says what its column holds.
(function () {
  "use strict";

  function fieldName(select) {
    var label = select.id && document.querySelector('label[for="' + select.id + '"]');
    var text = label ? label.textContent : select.getAttribute("aria-label") || "";
    return text.replace(/:\s*$/, "").trim();
  }

  function nameLookups(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach(function (select) {
      var name = fieldName(select);
      var lookup = select.nextElementSibling;
      if (!name || !lookup || !lookup.classList.contains("select2")) return;
      lookup.querySelectorAll('[role="combobox"], [role="textbox"]').forEach(function (control) {
        // select2 names the box after its current text, which is empty until something is chosen.
        control.removeAttribute("aria-labelledby");
        control.setAttribute("aria-label", name);
      });
    });
  }

  function nameEmptyHeadings(root) {
    root.querySelectorAll("thead th.original").forEach(function (heading) {
      if (heading.textContent.trim()) return;
      var hidden = document.createElement("span");
      hidden.className = "app-visually-hidden";
      hidden.textContent = "Saved record";
      heading.appendChild(hidden);
    });
  }

  // A tabular inline's "Delete?" boxes have only the column heading: name each after it.
  function nameDeleteBoxes(root) {
    root.querySelectorAll('input[type="checkbox"][name$="-DELETE"]').forEach(function (box) {
      if (box.labels && box.labels.length) return;
      if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", "Delete this row");
    });
  }

  function nameAll() {
    nameLookups(document);
    nameEmptyHeadings(document);
    nameDeleteBoxes(document);
  }

  // select2 builds its controls when jQuery's ready handlers run and again for every row an inline adds:
  // name them as soon as they appear.
  document.addEventListener("DOMContentLoaded", function () {
    nameAll();
    new MutationObserver(nameAll).observe(document.body, {childList: true, subtree: true});
  });
})();
