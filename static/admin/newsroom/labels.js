// Names each Select2 box (the admin's autocomplete fields: section, lead photo, byline
// author...) after its field's label, on every admin page (admin/base_site.html).
//
// Select2 names its box by the text of the current choice alone, so an empty box has no
// name at all and a full one is announced as "Politics" with no word of what it is
// (axe: "ARIA input fields must have an accessible name"). The box is named by the
// field's <label> and then its choice: "Section: Politics". Boxes made later (a new
// byline row, a box set up again) are named as they appear.
"use strict";
(function () {
  const labelFor = function (select) {
    if (!select || !select.id) return null;
    const label = document.querySelector('label[for="' + CSS.escape(select.id) + '"]');
    if (label && !label.id) label.id = select.id + "-label";
    return label;
  };

  const name = function (box) {
    const container = box.closest(".select2-container");
    const select = container && container.previousElementSibling;
    const label = labelFor(select && select.tagName === "SELECT" ? select : null);
    if (!label) return;
    const rendered = box.querySelector(".select2-selection__rendered");
    const ids = [label.id];
    if (rendered && rendered.id) {
      ids.push(rendered.id);
      rendered.setAttribute("aria-labelledby", label.id);
    }
    box.setAttribute("aria-labelledby", ids.join(" "));
    box.dataset.named = "on";
  };

  const nameAll = function () {
    document
      .querySelectorAll('.select2-selection[role="combobox"]:not([data-named])')
      .forEach(name);
  };

  window.addEventListener("DOMContentLoaded", function () {
    nameAll();
    new MutationObserver(nameAll).observe(document.body, {childList: true, subtree: true});
  });
})();
