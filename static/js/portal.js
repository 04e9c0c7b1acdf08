// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-link]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(window.location.href.split("#")[0]).then(() => {
    button.textContent = "Link copied";
  });
});

// Ctrl+Enter (or Cmd+Enter) in the paste box searches.
document.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
  const box = event.target.closest("#paste");
  if (box && box.form) box.form.requestSubmit();
});

// After a search, move focus (and the view) to the answer, so keyboard and screen reader
// users land on it rather than on the form they just used.
document.addEventListener("DOMContentLoaded", () => {
  const answer = document.querySelector("#search-error, #results [tabindex='-1']");
  if (!answer) return;
  if (answer.id === "search-error") answer.setAttribute("tabindex", "-1");
  answer.focus({ preventScroll: true });
  answer.scrollIntoView({ block: "start" });
});
