// The roll of a large trust runs to hundreds of rows: at the door, staff type a few letters of a name to find
// the member. Without JavaScript the box stays hidden and the whole roll shows, as before.
(function () {
  "use strict";
  const box = document.getElementById("roll-filter");
  const table = document.querySelector("table.roll-table");
  if (!box || !table || !table.tBodies.length) {
    return;
  }
  const wrap = document.getElementById("roll-filter-wrap");
  const status = document.getElementById("roll-filter-status");
  const rows = Array.from(table.tBodies[0].rows);
  wrap.hidden = false;
  box.addEventListener("input", function () {
    const wanted = box.value.trim().toLocaleLowerCase();
    let shown = 0;
    rows.forEach(function (row) {
      const match = !wanted || row.cells[0].textContent.toLocaleLowerCase().includes(wanted);
      row.hidden = !match;
      shown += match ? 1 : 0;
    });
    status.textContent = wanted ? status.dataset.template.replace("{n}", String(shown)) : "";
  });
})();
