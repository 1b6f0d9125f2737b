// The case screen's keyboard shortcuts, lease countdown and image reveal; every action is also a plain form.
(function () {
  "use strict";
  const typing = (el) => el && (el.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName));

  function choose(id) {
    const radio = document.getElementById(id);
    if (!radio) return;
    radio.checked = true;
    document.getElementById("rationale").focus();
  }

  function moveItem(step) {
    const items = Array.from(document.querySelectorAll(".item"));
    if (!items.length) return;
    const at = items.indexOf(document.activeElement);
    const next = items[Math.min(Math.max(at + step, 0), items.length - 1)];
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  function toggleHelp() {
    const help = document.getElementById("help");
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }

  function reveal() {
    document.querySelectorAll("img.sensitive").forEach((img) => img.classList.toggle("revealed"));
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      const form = event.target.closest && event.target.closest("#decide");
      const next = form && form.querySelector("button[name=next]:not([disabled])");
      if (next) { event.preventDefault(); form.requestSubmit(next); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "Enter" && event.target.matches("tr.item")) {
      const link = event.target.querySelector("a");
      if (link) { event.preventDefault(); link.click(); }
      return;
    }
    const actions = {
      v: () => choose("outcome-v"),
      n: () => choose("outcome-n"),
      e: () => { const q = document.getElementById("escalate-note"); if (q) q.focus(); },
      s: () => { const f = document.getElementById("skip"); if (f) f.requestSubmit(); },
      j: () => moveItem(1),
      k: () => moveItem(-1),
      r: reveal,
      "?": toggleHelp,
    };
    const act = actions[event.key];
    if (act) { event.preventDefault(); act(); }
  });

  // The lease renews only while the reviewer is on the page (htmx asks before each renewal).
  document.addEventListener("htmx:confirm", (event) => {
    if (event.target.id === "renew" && !document.hasFocus()) event.preventDefault();
  });

  document.addEventListener("click", (event) => {
    if (event.target.matches("[data-reveal]")) reveal();
    if (event.target.matches("[data-help]")) toggleHelp();
  });

  // The countdown reads the lease's end from the element htmx swaps in when the lease is renewed.
  function tick() {
    const lease = document.getElementById("lease");
    if (!lease) return;
    const left = Math.round((Date.parse(lease.dataset.expires) - Date.now()) / 1000);
    if (left <= 0) {
      lease.textContent = "Lease expired: another reviewer may claim this case";
      lease.className = "lease gone";
      return;
    }
    const minutes = Math.floor(left / 60), seconds = String(left % 60).padStart(2, "0");
    lease.textContent = `Lease ${minutes}:${seconds} left`;
    lease.className = left < 120 ? "lease low" : "lease";
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
})();
