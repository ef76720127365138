// Behaviour the pages share, kept out of the HTML so the Content-Security-Policy allows no inline script.
// A form with data-confirm asks before it is sent: every irreversible action says it is final.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);
