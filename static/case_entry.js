// The audited case form (audits/admin.py AuditedCaseAdmin), for entry at speed from the keyboard:
// - with the inspection already chosen (from the inspection's "Add a case" link, or after "Save and next case"),
//   a new case starts at its reference rather than at the inspection look-up Django focuses first;
// - each recording error's rule list is offered once its box is ticked (until then it cites the usual rule and
//   is no tab stop): Tab goes from one error's box to the next. Without JavaScript every list stays open;
// - each crime has a "Next crime" button right after its recorded offence, time and cancellation (before the
//   victim flags and the errors, which most crimes leave as they are): it moves the focus to the next crime's
//   expected offence, adding a crime when this is the last. Without JavaScript there is no button, and Tab
//   goes through every field as before.
(function () {
  "use strict";

  var CRIMES = "#crimes-group .inline-related:not(.empty-form)";

  function crimeStart(crime) {
    return crime.querySelector('.field-expected_offence [role="combobox"]')
      || crime.querySelector(".field-expected_offence select");
  }

  function goToNextCrime(crime) {
    var crimes = Array.prototype.slice.call(document.querySelectorAll(CRIMES));
    var next = crimes[crimes.indexOf(crime) + 1];
    if (!next) {
      var add = document.querySelector("#crimes-group .add-row a");
      if (!add) return;  // the most crimes a case may have: stay where we are
      add.click();  // Django's inlines add the row (and select2 its look-ups) while handling the click
      crimes = document.querySelectorAll(CRIMES);
      next = crimes[crimes.length - 1];
    }
    var start = next && crimeStart(next);
    if (start) start.focus();
  }

  function addNextCrimeButtons(root) {
    var crimes = root.matches && root.matches(CRIMES) ? [root] : root.querySelectorAll(CRIMES);
    Array.prototype.forEach.call(crimes, function (crime) {
      var row = crime.querySelector(".form-row.field-recorded_offence > .flex-container");
      if (!row || crime.querySelector(".next-crime")) return;
      var box = document.createElement("div");
      box.className = "flex-container fieldBox next-crime";
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button";
      button.textContent = "Next crime";
      button.title = "Go to the next crime's expected offence, past this crime's victim flags and errors "
        + "(adds a crime after the last)";
      button.addEventListener("click", function () { goToNextCrime(crime); });
      box.appendChild(button);
      row.appendChild(box);
    });
  }

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
  document.addEventListener("formset:added", function (event) {
    matchRules(event.target);
    addNextCrimeButtons(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    matchRules(document);
    addNextCrimeButtons(document);
  });
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
