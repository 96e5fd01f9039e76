// The setup pages' few behaviours, here rather than in inline handlers (Content-Security-Policy).
"use strict";
document.addEventListener("click", (event) => {
  // A read-only value to copy (the webhook URL, a new bearer token): one click selects all of it.
  const field = event.target.closest("input.copy[readonly]");
  if (field) field.select();
});
document.addEventListener("submit", (event) => {
  // A form that deletes something asks first (its data-confirm says what).
  const question = event.target.dataset ? event.target.dataset.confirm : "";
  if (question && !window.confirm(question)) event.preventDefault();
});
