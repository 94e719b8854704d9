// gachi — live check of an indicator definition as it is typed. The editor works without this
// file: the definition is then checked when it is saved.
"use strict";

(() => {
  const DELAY_MS = 400;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
  }

  function token() {
    if (window.gachi && window.gachi.csrfToken) return window.gachi.csrfToken();
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  // Everything is set with textContent: messages may quote what the person typed.
  function render(box, result) {
    box.replaceChildren();
    const status = document.createElement("p");
    status.className = "status";
    status.setAttribute("role", result.ok ? "status" : "alert");
    box.append(status);
    if (result.ok) {
      box.dataset.state = "ok";
      status.textContent = box.dataset.ok;
      return;
    }
    box.dataset.state = "issues";
    status.textContent = fill(box.dataset.count, { count: result.issues.length });
    const list = document.createElement("ol");
    for (const issue of result.issues) {
      const item = document.createElement("li");
      if (issue.line) {
        const at = document.createElement("button");
        at.type = "button";
        at.className = "link";
        at.dataset.line = issue.line;
        at.dataset.column = issue.column || 1;
        at.textContent = fill(box.dataset.at, { line: issue.line, column: issue.column || 1 });
        item.append(at, " ");
      }
      if (issue.indicator) {
        const other = document.createElement("em");
        other.textContent = fill(box.dataset.in, { id: issue.indicator });
        item.append(other, " ");
      }
      item.append(issue.message);
      if (issue.excerpt) {
        const pre = document.createElement("pre");
        pre.textContent = issue.excerpt;
        item.append(pre);
      }
      list.append(item);
    }
    box.append(list);
  }

  function say(box, state, text) {
    box.dataset.state = state;
    let status = box.querySelector(".status");
    if (!status) {
      status = document.createElement("p");
      status.className = "status";
      box.prepend(status);
    }
    status.textContent = text;
  }

  // Put the cursor on an issue's line and column (1-based, as the checker counts them).
  function goTo(area, line, column) {
    const lines = area.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    offset = Math.min(area.value.length, offset + Math.max(0, column - 1));
    area.focus();
    area.setSelectionRange(offset, Math.min(area.value.length, offset + 1));
    const height = parseFloat(getComputedStyle(area).lineHeight) || 20;
    area.scrollTop = Math.max(0, (line - 4) * height);
  }

  function attach(area) {
    const box = document.getElementById(area.getAttribute("aria-describedby"));
    if (!box) return;
    let timer = null;
    let asked = 0;
    let pending = null;

    async function check() {
      const mine = ++asked;
      if (pending) pending.abort();
      pending = new AbortController();
      say(box, "checking", box.dataset.checking);
      const body = { definition: area.value };
      if (area.dataset.customId) body.custom_id = Number(area.dataset.customId);
      try {
        const response = await fetch(area.dataset.checkUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": token() },
          body: JSON.stringify(body),
          signal: pending.signal,
        });
        if (mine !== asked) return; // a newer check is on its way
        if (!response.ok) {
          say(box, "failed", box.dataset.failed);
          return;
        }
        render(box, await response.json());
      } catch (error) {
        if (error.name !== "AbortError" && mine === asked) say(box, "failed", box.dataset.failed);
      }
    }

    area.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(check, DELAY_MS);
    });
    box.addEventListener("click", (event) => {
      const target = event.target.closest("[data-line]");
      if (!target) return;
      event.preventDefault();
      goTo(area, Number(target.dataset.line), Number(target.dataset.column));
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    document.querySelectorAll("textarea[data-check-url]").forEach(attach);
  });
})();
