// Behaviour the pages share, kept out of the HTML so the Content-Security-Policy allows no inline script.
// A form with data-confirm asks before it is sent: every irreversible action says it is final.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset && event.target.dataset.confirm;
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
}, true);

// A cell kept as data-entry (e.g. 医保基金平均支付比例): read-only until double-clicked, as in the seed's pages.
document.addEventListener("dblclick", (event) => {
  const input = event.target;
  if (input.classList && input.classList.contains("dblclick-edit")) {
    input.readOnly = false;
    input.focus();
    input.select();
  }
});
