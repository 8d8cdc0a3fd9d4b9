// Live coverage (issue 17): new updates without reloading the page, as progressive
// enhancement. Without JavaScript the page offers a "Refresh for new updates" link.
//
// While the tab is visible, asks the story's updates endpoint every POLL_SECONDS for
// updates newer than the newest shown (the browser revalidates with its ETag, so a
// poll that finds nothing costs a 304). New updates wait behind a "N new updates"
// button, announced politely (aria-live), so nothing moves under the reader's eyes or
// takes their focus; the button puts them at the top of the list. No framework, no
// inline script: the page's strict CSP allows this file and nothing else.
(function () {
  "use strict";
  var POLL_SECONDS = 20;
  var box = document.querySelector("[data-live-endpoint]");
  var list = document.getElementById("live-updates");
  if (!box || !list || !window.fetch) return;

  var endpoint = box.getAttribute("data-live-endpoint");
  var after = box.getAttribute("data-live-after");
  var status = box.querySelector(".live-status");
  var reload = box.querySelector(".live-reload");
  var waiting = []; // [{id, html}], newest first, not shown yet
  var timer = null;
  var busy = false;

  var button = document.createElement("button");
  button.type = "button";
  button.className = "live-new";
  button.hidden = true;
  box.insertBefore(button, status);
  if (reload) reload.hidden = true; // the script refreshes; the link is for no-JS readers

  function label(count) {
    return count === 1 ? "1 new update" : count + " new updates";
  }

  function show() {
    if (!waiting.length) return;
    var none = list.querySelector(".live-none");
    if (none) none.remove();
    var holder = document.createElement("div");
    var first = null;
    for (var i = waiting.length - 1; i >= 0; i--) {
      holder.innerHTML = waiting[i].html; // rendered by the server from sanitised text
      var update = holder.firstElementChild;
      if (update && !document.getElementById(update.id)) {
        list.insertBefore(update, list.firstElementChild);
        first = update;
      }
    }
    waiting = [];
    button.hidden = true;
    status.textContent = "";
    if (first) {
      // The reader asked for them: take them to the newest, as a link to it would.
      first.setAttribute("tabindex", "-1");
      first.focus({ preventScroll: false });
    }
  }

  function poll() {
    if (busy || document.visibilityState !== "visible") return;
    busy = true;
    var url = endpoint + (after ? "?after=" + encodeURIComponent(after) : "");
    fetch(url, { credentials: "same-origin", cache: "no-cache", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 304 || !response.ok) return null;
        return response.json();
      })
      .then(function (data) {
        if (!data) return;
        if (data.reload && reload) {
          reload.hidden = false;
          return;
        }
        var fresh = data.updates.filter(function (u) {
          return !document.getElementById("update-" + u.id) &&
            !waiting.some(function (w) { return w.id === u.id; });
        });
        if (data.latest) after = String(data.latest);
        if (fresh.length) {
          waiting = fresh.concat(waiting);
          button.textContent = label(waiting.length);
          button.hidden = false;
          status.textContent = label(waiting.length);
        }
        if (!data.open) stop();
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }

  function start() {
    if (timer === null) timer = window.setInterval(poll, POLL_SECONDS * 1000);
  }

  function stop() {
    if (timer !== null) window.clearInterval(timer);
    timer = null;
  }

  button.addEventListener("click", show);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      poll();
      start();
    } else {
      stop();
    }
  });
  start();
})();
