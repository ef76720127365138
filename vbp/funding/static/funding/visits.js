// The visits grids (seed 000 §2.2–2.4), kept out of the HTML so the Content-Security-Policy allows no inline script.
// A cell is edited by double-click and saved with Enter (site.js makes a .dblclick-edit cell editable); Escape
// leaves it as it was. A row is selected by its checkbox or a click anywhere else on it, 全选 selects every row
// that can be submitted; the 提交 form (data-confirm: it is final) then sends the selected rows.
(() => {
  const boxes = () => document.querySelectorAll("input[type='checkbox'][name='rows']");

  const mark = (box) => {
    const row = box.closest("tr");
    if (row) row.classList.toggle("selected", box.checked);
  };

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target.id === "visit-select-all") {
      boxes().forEach((box) => { box.checked = target.checked; mark(box); });
    } else if (target.name === "rows") {
      mark(target);
    }
  });

  document.addEventListener("click", (event) => {
    const target = event.target;
    if (!target.closest || target.closest("a, button, input, label, select, textarea, form, summary")) return;
    const row = target.closest("tr");
    const box = row && row.querySelector("input[type='checkbox'][name='rows']");
    if (box) {
      box.checked = !box.checked;
      mark(box);
    }
  });

  document.addEventListener("keydown", (event) => {
    const input = event.target;
    if (event.key === "Escape" && input.classList && input.classList.contains("dblclick-edit") && !input.readOnly) {
      input.value = input.defaultValue;
      input.readOnly = true;
      input.blur();
    }
  });

  // After htmx replaces a list's table, 全选 starts again from nothing selected.
  document.addEventListener("htmx:afterSwap", () => {
    const all = document.getElementById("visit-select-all");
    if (all) all.checked = false;
  });
})();
