// The photo's focal point, set by clicking the subject in the picture (or with the arrow
// keys once the picture has focus). It fills the two number boxes below it, which the
// form saves; they stay for setting the point exactly. Without them (a photo whose picture
// this user may not change) the picture only shows where the point is.
"use strict";
window.addEventListener("DOMContentLoaded", function () {
  const picker = document.querySelector(".focal-picker");
  if (!picker) return;
  const image = picker.querySelector("img");
  const marker = picker.querySelector(".focal-marker");
  const across = document.getElementById("id_focal_x");
  const down = document.getElementById("id_focal_y");
  const clamp = function (value) {
    return Math.min(1, Math.max(0, Number.isFinite(value) ? value : 0.5));
  };
  const current = function (input, fallback) {
    return clamp(parseFloat(input ? input.value : fallback));
  };
  const show = function () {
    marker.style.left = current(across, picker.dataset.focalX) * 100 + "%";
    marker.style.top = current(down, picker.dataset.focalY) * 100 + "%";
    marker.hidden = false;
  };
  show();
  if (!across || !down) return;

  const set = function (x, y) {
    across.value = clamp(x).toFixed(2);
    down.value = clamp(y).toFixed(2);
    across.dispatchEvent(new Event("change", {bubbles: true}));
    down.dispatchEvent(new Event("change", {bubbles: true}));
    show();
  };
  picker.classList.add("focal-picker--active");
  picker.tabIndex = 0;
  picker.setAttribute("role", "application");
  picker.setAttribute(
    "aria-label",
    "Focal point: click the subject, or move the point with the arrow keys"
  );
  image.addEventListener("click", function (event) {
    const box = image.getBoundingClientRect();
    set((event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height);
  });
  const steps = {ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1]};
  picker.addEventListener("keydown", function (event) {
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    set(current(across) + step[0] * 0.05, current(down) + step[1] * 0.05);
  });
  across.addEventListener("input", show);
  down.addEventListener("input", show);
});
