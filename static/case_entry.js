// The audited case form (audits/admin.py AuditedCaseAdmin), for entry at speed from the keyboard:
// - with the inspection already chosen (from the inspection's "Add a case" link, or after "Save and next case"),
//   a new case starts at its reference rather than at the inspection look-up Django focuses first;
// - each recording error's rule list is offered once its box is ticked (until then it cites the usual rule and
//   is no tab stop): Tab goes from one error's box to the next. Without JavaScript every list stays open.
(function () {
  "use strict";

  function matchRules(root) {
    root.querySelectorAll('.recording-errors input[type="checkbox"]').forEach(function (box) {
      var rule = document.getElementById(box.id + "_rule");
      if (rule) rule.disabled = !box.checked;
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.type === "checkbox" && box.closest(".recording-errors")) {
      var rule = document.getElementById(box.id + "_rule");
      if (rule) rule.disabled = !box.checked;
    }
  });
  document.addEventListener("formset:added", function (event) { matchRules(event.target); });
  document.addEventListener("DOMContentLoaded", function () { matchRules(document); });
  // The browser may restore ticks on going back: match the lists to them again.
  window.addEventListener("pageshow", function () { matchRules(document); });

  // Django's add form focuses its first field (the inspection) from an async script, before or after the load
  // event: move focus on to the reference until the user presses a key or clicks (after that, where focus goes
  // is theirs to choose). Our own move does not count as a start: Django's focus may come after it.
  // Only while the page starts: two seconds after load, a focus that arrives without a key or a click (an
  // assistive technology's, say) is left where it goes.
  var started = false, loadedAt = null;
  function startAtReference() {
    if (loadedAt !== null && Date.now() - loadedAt > 2000) return;
    var inspection = document.getElementById("id_inspection");
    var reference = document.getElementById("id_reference");
    if (started || !inspection || !reference || !document.getElementById("auditedcase_form")) return;
    if (!inspection.value || reference.value) return;
    if (document.activeElement !== reference) reference.focus();
  }
  // Any focus before the user acts is a script's (Django's first-field focus, a look-up widget starting):
  // once it has settled, the reference takes it back.
  document.addEventListener("focusin", function (event) {
    if (event.target.id !== "id_reference") setTimeout(startAtReference, 0);
  }, true);
  ["keydown", "mousedown", "touchstart"].forEach(function (kind) {
    document.addEventListener(kind, function () { started = true; }, true);
  });
  document.addEventListener("DOMContentLoaded", startAtReference);
  window.addEventListener("load", function () { loadedAt = Date.now(); startAtReference(); });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { loadedAt = Date.now(); startAtReference(); }  // back to a page kept in memory
  });
})();
