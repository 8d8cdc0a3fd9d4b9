/* Copy buttons beside share-link addresses (the admin's CSP allows no inline script).
   A button with data-copy="ID" copies the value of the field with that id; the field
   is selected too, so Ctrl+C works where the clipboard is not offered (plain http). */
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) {
    return;
  }
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById("share-link-status");
  const say = (text) => {
    if (status) {
      status.textContent = text;
    }
  };
  field.focus();
  field.select();
  if (!navigator.clipboard) {
    say("The address is selected: press Ctrl+C (⌘C on a Mac) to copy it.");
    return;
  }
  navigator.clipboard.writeText(field.value).then(
    () => say("Address copied."),
    () => say("The address is selected: press Ctrl+C (⌘C on a Mac) to copy it."),
  );
});
