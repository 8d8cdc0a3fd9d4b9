// The story list's tag filter: picking a tag in its autocomplete box (set up by
// Django's autocomplete.js) shows the stories with that tag; clearing it shows all.
"use strict";
window.addEventListener("load", function () {
  const $ = window.django && window.django.jQuery;
  if (!$) return;
  $("#changelist-filter select.newsroom-tag-filter").on("change", function () {
    if (!this.value) this.disabled = true; // no empty ?tag= in the address
    this.form.submit();
  });
});
