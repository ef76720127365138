// Behaviour the pages share, kept out of the HTML so the Content-Security-Policy allows no inline script.
// A form (or the button that sends it) with data-confirm asks before it is sent: every irreversible action says it
// is final. A form with 保存 and 提交 asks only when 提交 sends it.
document.addEventListener("submit", (event) => {
  const button = event.submitter;
  const message = (button && button.dataset && button.dataset.confirm) || (event.target.dataset && event.target.dataset.confirm);
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

// The side menu on a phone: ☰ opens and closes it (on a wider screen it is always there); Escape closes it.
(() => {
  const toggle = document.querySelector("header.top .menu-toggle");
  if (!toggle) {
    return;
  }
  const show = (open) => {
    document.body.classList.toggle("menu-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => show(!document.body.classList.contains("menu-open")));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && document.body.classList.contains("menu-open")) {
      show(false);
      toggle.focus();
    }
  });
})();

// A list's table scrolls inside its box with its first column kept in view (site.css). The second one is kept too
// when the two together leave most of the box to scroll: 医疗机构编码 and 医疗机构名称, not half a phone's screen.
// The mark and the offset go on the box, which has no id: htmx copies the old attributes of an element with an id
// onto its replacement while it settles, and a copied style attribute is an inline style the policy refuses.
const PIN_SHARE = 0.45;

function pinColumns(root) {
  root.querySelectorAll(".table-scroll").forEach((box) => {
    const table = box.querySelector(":scope > table.grid.sticky");
    const header = table && table.tHead && table.tHead.rows[0];
    box.classList.remove("pin-2");
    if (!header || header.cells.length < 3) {
      return;
    }
    const first = header.cells[0].getBoundingClientRect().width;
    const second = header.cells[1].getBoundingClientRect().width;
    if (table.scrollWidth > box.clientWidth && first + second <= box.clientWidth * PIN_SHARE) {
      box.style.setProperty("--pin-left-2", `${first}px`);
      box.classList.add("pin-2");
    }
  });
}

pinColumns(document);
let resizing = null;
window.addEventListener("resize", () => {
  window.clearTimeout(resizing);
  resizing = window.setTimeout(() => pinColumns(document), 100);
});
// htmx puts a new table in place when a list's query form is sent
document.addEventListener("htmx:afterSettle", (event) => pinColumns(event.target.parentElement || document));

// 打印: a button that prints the page (the print style leaves out the menu and the query form)
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    window.print();
  }
});
