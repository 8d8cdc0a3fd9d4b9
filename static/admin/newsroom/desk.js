// The story form's desk tools, without a framework and without inline script (CSP):
// - autosave: every 15 seconds, and when the page is left, the form's unsaved fields
//   go to a private autosave (articles/editorial/autosave.py); the story is untouched;
// - live preview: a pause in typing renders the unsaved form through the reader's
//   story template, beside the form on wide screens, at mobile or desktop width;
// - Ctrl/Cmd+S: "Save and continue editing";
// - counters for the SEO and social fields, a search-result snippet and a social
//   card, following the story page's fallbacks (articles/models/seo.py, sent as JSON);
// - word count and reading time of the body as it is typed.
"use strict";
(function () {
  const AUTOSAVE_EVERY_MS = 15000;
  const PREVIEW_PAUSE_MS = 600;
  const WIDE_SCREEN = "(min-width: 1200px)";

  const desk = document.getElementById("nr-desk");
  const form = document.getElementById("article_form");
  if (!desk || !form) return;

  const readJson = function (id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : {};
  };

  const field = function (name) {
    return form.elements.namedItem(name);
  };

  const valueOf = function (name) {
    const element = field(name);
    return element && typeof element.value === "string" ? element.value.trim() : "";
  };

  const csrfToken = function () {
    const input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  };

  const post = function (url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrfToken()},
    });
  };

  // Changes made by Select2 (section, photos) reach jQuery's listeners only.
  const onAnyChange = function (callback) {
    form.addEventListener("input", callback);
    form.addEventListener("change", callback);
    const $ = window.django && window.django.jQuery;
    if ($) $(form).on("change", "select", callback);
  };

  // --- Text of the body: words and reading time --------------------------------

  const bodyText = function () {
    const html = valueOf("body").replace(/<(br|\/p|\/h\d|\/li|\/blockquote|\/figcaption)\b[^>]*>/gi, " ");
    const parsed = new DOMParser().parseFromString(html, "text/html");
    return parsed.body ? parsed.body.textContent : "";
  };

  const wordCount = document.getElementById("nr-word-count");
  const perMinute = Number(desk.dataset.wordsPerMinute) || 230;
  const countWords = function () {
    if (!wordCount) return;
    const words = (bodyText().match(/[\p{L}\p{N}_]+(?:['’.\-][\p{L}\p{N}_]+)*/gu) || []).length;
    const minutes = words ? Math.ceil(words / perMinute) : 0;
    wordCount.dataset.words = String(words);
    wordCount.textContent = words + (words === 1 ? " word" : " words") + " · " + minutes + " min read";
  };

  // --- Search and social: counters, snippet, card ----------------------------------

  const limits = readJson("nr-seo-limits");
  const fallbacks = readJson("nr-seo-fallbacks");
  const counters = {};
  Object.keys(limits).forEach(function (name) {
    const input = field(name);
    if (!input || !input.parentNode) return;
    // Under the field, lined up with its help text (the admin's "help" class).
    const counter = document.createElement("div");
    counter.className = "help nr-counter";
    counter.id = "nr-counter-" + name;
    counter.setAttribute("aria-live", "polite");
    (input.closest(".flex-container") || input).insertAdjacentElement("afterend", counter);
    const described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    input.setAttribute("aria-describedby", described.concat(counter.id).join(" "));
    counters[name] = counter;
  });

  const shown = function (key) {
    const names = fallbacks[key] || [];
    for (const name of names) {
      const value = valueOf(name);
      if (value) return value;
    }
    return "";
  };

  const cut = function (text, limit) {
    return text.length > limit ? text.slice(0, limit - 1).trimEnd() + "…" : text;
  };

  const previews = document.getElementById("nr-seo-previews");
  const setText = function (id, text) {
    const element = document.getElementById(id);
    if (element) element.textContent = text;
  };

  const photoThumbnail = function (name) {
    const select = field(name);
    if (!select || !select.value) return null;
    const img = select.parentNode.querySelector(".select2-selection img");
    return img ? img.getAttribute("src") : undefined;  // undefined: chosen, no thumbnail known
  };

  const updateSeo = function () {
    Object.keys(counters).forEach(function (name) {
      const length = valueOf(name).length;
      const counter = counters[name];
      counter.textContent = length + " / " + limits[name] + " characters";
      counter.classList.toggle("nr-over", length > limits[name]);
    });
    if (!previews) return;
    const site = previews.dataset.siteUrl || "";
    const path = previews.dataset.storyPath || "/…/" + (valueOf("slug") || "…") + "/";
    setText("nr-snippet-url", site.replace(/^https?:\/\//, "") + path.replace(/\/$/, "").split("/").join(" › "));
    setText("nr-snippet-title", cut(shown("title") || "Headline", limits.seo_title || 60));
    setText("nr-snippet-description", cut(shown("description"), limits.meta_description || 155));
    setText("nr-card-site", site.replace(/^https?:\/\//, "").toUpperCase());
    setText("nr-card-title", cut(shown("social_title") || "Headline", limits.social_title || 70));
    setText("nr-card-description", cut(shown("social_description"), limits.social_description || 200));
    const image = document.getElementById("nr-card-image");
    if (image) {
      let src = photoThumbnail("social_image");
      if (src === null) src = photoThumbnail("lead_image");
      if (src) {
        image.src = src;
        image.hidden = false;
      } else if (src === null) {
        image.hidden = true;
      }
    }
  };

  const seoFieldset = field("seo_title") && field("seo_title").closest("fieldset");
  if (previews && seoFieldset) seoFieldset.appendChild(previews);
  const bodyRow = field("body") && field("body").closest(".form-row");
  if (wordCount && bodyRow) bodyRow.appendChild(wordCount);

  // --- Autosave ------------------------------------------------------------------

  const autosaveUrl = desk.dataset.autosaveUrl;
  const status = document.getElementById("nr-autosave-status");
  let submitting = false;
  let lastKept = null;

  const snapshot = function () {
    const data = new FormData(form);
    data.delete("csrfmiddlewaretoken");
    return new URLSearchParams(data).toString();
  };

  const autosave = function () {
    if (!autosaveUrl || submitting) return;
    const now = snapshot();
    if (now === lastKept) return;
    post(autosaveUrl, new FormData(form))
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (answer) {
        lastKept = now;
        if (status) {
          status.textContent = answer.saved_at
            ? "Autosaved at " + answer.saved_label + ". Not saved to the story until you save."
            : "No unsaved changes.";
        }
      })
      .catch(function () {
        if (status) status.textContent = "Autosave failed; your changes are only in this page. Save the story to keep them.";
      });
  };

  const autosaveOnLeaving = function () {
    if (!autosaveUrl || submitting || snapshot() === lastKept) return;
    // The form carries its CSRF token; a beacon cannot send headers.
    if (navigator.sendBeacon(autosaveUrl, new FormData(form))) lastKept = snapshot();
  };

  if (autosaveUrl) {
    // The form as opened (or as restored) is what the server already has.
    lastKept = snapshot();
    window.setInterval(autosave, AUTOSAVE_EVERY_MS);
    window.addEventListener("pagehide", autosaveOnLeaving);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") autosaveOnLeaving();
    });
  }
  form.addEventListener("submit", function () { submitting = true; });

  const discard = document.getElementById("nr-autosave-discard");
  if (discard && autosaveUrl) {
    discard.addEventListener("click", function () {
      const data = new FormData();
      data.append("discard", "1");
      post(autosaveUrl, data).then(function (response) {
        if (!response.ok) return;
        const offer = document.getElementById("nr-autosave-offer");
        if (offer) offer.remove();
        if (status) status.textContent = "The autosaved changes were discarded.";
      });
    });
  }

  // --- Ctrl/Cmd+S: save and continue editing ----------------------------------------

  window.addEventListener("keydown", function (event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey || event.key.toLowerCase() !== "s") return;
    const button = form.querySelector("input[name=_continue]");
    if (!button) return;
    event.preventDefault();
    form.requestSubmit(button);
  }, true);

  // --- Live preview -----------------------------------------------------------------

  const previewUrl = desk.dataset.livePreviewUrl;
  const panel = document.getElementById("nr-live-preview");
  const frame = document.getElementById("nr-live-preview-frame");
  const previewState = document.getElementById("nr-live-preview-state");
  const content = document.getElementById("content");
  let pause = null;
  let asked = 0;

  const refreshPreview = function () {
    const ticket = ++asked;
    if (previewState) previewState.textContent = "updating…";
    post(previewUrl, new FormData(form))
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (ticket !== asked) return;  // a newer preview is on its way
        frame.srcdoc = html;
        if (previewState) previewState.textContent = "";
      })
      .catch(function () {
        if (ticket === asked && previewState) previewState.textContent = "could not be updated";
      });
  };

  const schedulePreview = function () {
    if (!panel || panel.hidden) return;
    window.clearTimeout(pause);
    pause = window.setTimeout(refreshPreview, PREVIEW_PAUSE_MS);
  };

  const layout = function (wide) {
    if (!panel || !content) return;
    panel.hidden = !wide;
    content.classList.toggle("nr-with-preview", wide);
    if (wide) refreshPreview();
  };

  if (previewUrl && panel && frame && content) {
    const main = document.getElementById("content-main");
    if (main && main.parentNode === content) main.after(panel);
    else content.appendChild(panel);
    panel.querySelectorAll("button[data-width]").forEach(function (button) {
      button.addEventListener("click", function () {
        panel.querySelectorAll("button[data-width]").forEach(function (other) {
          other.setAttribute("aria-pressed", String(other === button));
        });
        frame.classList.toggle("nr-frame-mobile", button.dataset.width === "mobile");
        frame.classList.toggle("nr-frame-desktop", button.dataset.width === "desktop");
      });
    });
    const wide = window.matchMedia(WIDE_SCREEN);
    wide.addEventListener("change", function () { layout(wide.matches); });
    layout(wide.matches);
  }

  onAnyChange(function () {
    countWords();
    updateSeo();
    schedulePreview();
  });
  window.addEventListener("load", updateSeo);
  countWords();
  updateSeo();
})();
