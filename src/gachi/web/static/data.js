// gachi data pages — small enhancements; every page works without this file.
"use strict";

// Upload: refuse a file over the limit before sending megabytes the server would refuse.
function limitUpload(input) {
  const maxBytes = Number(input.dataset.maxMb) * 1024 * 1024;
  const message = document.getElementById(input.dataset.messageId);
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    const tooLarge = Boolean(file) && maxBytes > 0 && file.size > maxBytes;
    input.setCustomValidity(tooLarge ? input.dataset.tooLarge : "");
    if (message) message.hidden = !tooLarge;
  });
}

// Grid: mark changed cells, and ask before leaving with unsaved changes.
function watchGrid(form) {
  let dirty = false;
  form.querySelectorAll("input[name^='v.']").forEach((cell) => {
    const start = cell.value;
    cell.addEventListener("input", () => {
      const changed = cell.value.trim() !== start.trim();
      cell.style.background = changed ? "#fff6e0" : "";
      dirty = dirty || changed;
    });
  });
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", (event) => {
    if (dirty) event.preventDefault();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("input[type=file][data-max-mb]").forEach(limitUpload);
  document.querySelectorAll("form[data-grid]").forEach(watchGrid);
});
