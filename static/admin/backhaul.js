// The operations console's few behaviours, here rather than in inline handlers (Content-Security-Policy).
"use strict";
document.addEventListener("click", (event) => {
  // A "Copy" button (a connection's webhook URL): copies its data-copy value and says so.
  const button = event.target.closest("button.bh-copy[data-copy]");
  if (!button) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    button.textContent = "Copied";
  });
});
