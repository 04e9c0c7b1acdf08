// Progressive enhancement only: every page works without JavaScript.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy-link]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(window.location.href.split("#")[0]).then(() => {
    button.textContent = "Link copied";
  });
});
