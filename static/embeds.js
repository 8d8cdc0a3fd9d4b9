// Embedded videos, posts and maps in a story: nothing is loaded from another site until
// the reader asks. Each <figure class="embed"> keeps its plain link (the only thing shown
// without JavaScript); this adds a button that puts the frame in its place. The frame's
// address was built by the server (articles/embeds.py) and is checked again here.
"use strict";
(function () {
  const ORIGINS = {
    youtube: "https://www.youtube-nocookie.com",
    vimeo: "https://player.vimeo.com",
    x: "https://platform.twitter.com",
    map: "https://www.openstreetmap.org",
  };
  const NAMES = {youtube: "YouTube", vimeo: "Vimeo", x: "X", map: "OpenStreetMap"};
  const WHAT = {youtube: "video", vimeo: "video", x: "post", map: "map"};

  const frameAddress = function (figure) {
    const kind = figure.getAttribute("data-embed");
    const src = figure.getAttribute("data-src") || "";
    let url;
    try { url = new URL(src); } catch (error) { return null; }
    return Object.hasOwn(ORIGINS, kind) && url.origin === ORIGINS[kind] ? url.href : null;
  };

  const placeholder = function (figure) {
    const kind = figure.getAttribute("data-embed");
    const src = frameAddress(figure);
    if (!src) return;
    const note = document.createElement("p");
    note.className = "embed-note";
    note.textContent = "This " + WHAT[kind] + " is on " + NAMES[kind] +
      ". Loading it shares your visit with " + NAMES[kind] + ".";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "embed-load";
    button.textContent = "Load the " + WHAT[kind] + " from " + NAMES[kind];
    button.addEventListener("click", function () {
      const frame = document.createElement("iframe");
      frame.src = src;
      frame.title = NAMES[kind] + " " + WHAT[kind];
      frame.className = "embed-frame embed-frame-" + kind;
      frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
      frame.setAttribute("allow", "encrypted-media; fullscreen; picture-in-picture");
      frame.setAttribute("sandbox", "allow-scripts allow-same-origin allow-popups allow-presentation");
      frame.setAttribute("allowfullscreen", "");
      note.remove();
      button.replaceWith(frame);
      frame.focus();
    });
    figure.classList.add("embed-ready");
    figure.prepend(note, button);
  };

  document.querySelectorAll(".story-body figure.embed[data-embed]").forEach(placeholder);
})();
