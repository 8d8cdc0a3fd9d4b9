// Shows the chosen picture before it is uploaded, so the editor can check it.
"use strict";
window.addEventListener("load", function () {
  const input = document.getElementById("id_file");
  if (!input) return;
  const preview = document.createElement("img");
  preview.alt = "";
  preview.style.cssText = "display:none;max-width:320px;margin-top:.5rem;border-radius:3px";
  input.insertAdjacentElement("afterend", preview);
  input.addEventListener("change", function () {
    const file = input.files && input.files[0];
    if (preview.src) URL.revokeObjectURL(preview.src);
    if (!file || !file.type.startsWith("image/")) {
      preview.style.display = "none";
      return;
    }
    preview.src = URL.createObjectURL(file);
    preview.style.display = "block";
  });
});
