// gachi — a run's progress: ask the API every second, show the stage, reload when it ends.
// Without this script the page offers a refresh link (<noscript>).
"use strict";

(function () {
  const box = document.querySelector("[data-run-poll]");
  if (!box) return;
  const url = box.dataset.runPoll;
  const stage = box.querySelector("[data-run-stage]");
  const percent = box.querySelector("[data-run-percent]");
  const bar = box.querySelector("[data-run-bar]");
  const meter = box.querySelector("[role=progressbar]");

  async function poll() {
    let run;
    try {
      const response = await fetch(url, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      if (!response.ok) throw new Error(String(response.status));
      run = await response.json();
    } catch (_) {
      setTimeout(poll, 3000); // the server may be restarting: try again, more slowly
      return;
    }
    if (run.status === "done" || run.status === "failed") {
      window.location.reload();
      return;
    }
    const done = Math.round((run.progress || 0) * 100);
    const label = box.dataset["stage" + run.stage.charAt(0).toUpperCase() + run.stage.slice(1)];
    if (stage && label) stage.textContent = label;
    if (percent) percent.textContent = done + "%";
    if (bar) bar.style.width = done + "%";
    if (meter) meter.setAttribute("aria-valuenow", String(done));
    setTimeout(poll, 1000);
  }

  setTimeout(poll, 1000);
})();
