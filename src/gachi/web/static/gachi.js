// gachi — small progressive enhancements; every page works without this file.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Region pickers: show only the 시군구 of the chosen 시도.
function linkRegions(sido) {
  const target = document.getElementById(sido.dataset.sigungu);
  if (!target) return;
  const sync = () => {
    for (const option of target.options) {
      if (!option.dataset.sido) continue;
      const match = option.dataset.sido === sido.value;
      option.hidden = !match;
      if (!match && option.selected) target.value = "";
    }
  };
  sido.addEventListener("change", sync);
  sync();
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("select[data-sigungu]").forEach(linkRegions);
  document.dispatchEvent(new CustomEvent("gachi:ready"));
});

window.gachi = { csrfToken };
