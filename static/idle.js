// The warning before an idle session ends (forces/idle.py): shown when the body's data-idle-warn-in seconds
// have passed with no page loaded; "Stay signed in" keeps the session without leaving the page; when the time
// is up the page goes to "You have been signed out". A file, not an inline script: see the CSP.
(function () {
  "use strict";
  var body = document.body;
  var warning = document.getElementById("idle-warning");
  if (!warning || !body.dataset.idleWarnIn) return;
  var form = warning.querySelector("form");
  var timers = [];

  function schedule(warnIn, endsIn) {
    timers.forEach(clearTimeout);
    timers = [setTimeout(show, warnIn * 1000), setTimeout(check, endsIn * 1000)];
  }

  function show() {
    warning.hidden = false;
    warning.querySelector("button").focus();
  }

  function end() {
    window.location.href = warning.dataset.ended;
  }

  // Another tab may have kept the session: ask before leaving.
  function check() {
    fetch(warning.dataset.status, {credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (status) {
        var warningLength = Number(body.dataset.idleEndsIn) - Number(body.dataset.idleWarnIn);
        if (status.ends_in > 0) {
          warning.hidden = status.ends_in > warningLength;
          schedule(Math.max(status.ends_in - warningLength, 0), status.ends_in);
        } else {
          end();
        }
      })
      .catch(end);  // signed out already: the answer is a page, not JSON
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    fetch(form.action, {method: "POST", body: new FormData(form), credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok) { end(); return; }
        warning.hidden = true;
        schedule(Number(body.dataset.idleWarnIn), Number(body.dataset.idleEndsIn));
      })
      .catch(end);
  });

  schedule(Number(body.dataset.idleWarnIn), Number(body.dataset.idleEndsIn));
})();
