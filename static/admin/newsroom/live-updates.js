// Live coverage (issue 17): the story page's quick-add form posts an update without
// reloading the change form (whose unsaved edits would be lost). Without JavaScript it
// posts and comes back to the story. CSP-safe: no inline script, no framework.
(function () {
  "use strict";
  var form = document.querySelector("[data-live-quick-add]");
  if (!form || !window.fetch) return;
  var status = form.querySelector(".live-quick-add-status");
  var button = form.querySelector("button[type=submit]");

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    status.textContent = "Posting…";
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        if (result.ok) {
          status.textContent = result.data.message + " Reload the page to edit it below.";
          form.querySelector("textarea").value = "";
          form.querySelectorAll("input[type=checkbox]").forEach(function (box) {
            box.checked = false;
          });
        } else {
          status.textContent = "Not posted: " + result.data.error;
        }
      })
      .catch(function () {
        status.textContent = "Not posted: the server could not be reached. Try again.";
      })
      .then(function () {
        button.disabled = false;
      });
  });
})();
