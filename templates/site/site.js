/* The index's search box, its filter by similar authorities and its sortable columns. Without
   this script the page shows the whole table in order, which is as readable: this only narrows
   and reorders it. */
(function () {
  "use strict";
  var table = document.getElementById("authorities");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var form = document.querySelector("form.search");
  var input = document.getElementById("search");
  var group = document.getElementById("group");  /* absent for a year without groups */
  var shown = document.getElementById("shown");

  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim();
  }

  function filter() {
    var wanted = fold(input.value);
    var among = group ? group.value : "";
    var count = 0;
    rows.forEach(function (row) {
      var match = fold(row.cells[0].textContent).indexOf(wanted) !== -1 &&
        (!among || row.getAttribute("data-group") === among);
      row.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = wanted || among ? "Showing " + count + " of " + rows.length + " authorities" : "";
  }

  function value(row, index) {
    var text = row.cells[index].textContent.trim();
    var number = parseFloat(text.replace(/[,%]/g, ""));
    return isNaN(number) ? text.toLowerCase() : number;
  }

  function sort(header, index) {
    var ascending = header.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    rows.sort(function (a, b) {
      var x = value(a, index), y = value(b, index);
      if (typeof x !== typeof y) { return typeof x === "number" ? -1 : 1; }  /* n/a last */
      return (x < y ? -1 : x > y ? 1 : 0) * (ascending ? 1 : -1);
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = header.textContent;
    header.textContent = "";
    header.appendChild(button);
    button.addEventListener("click", function () { sort(header, index); });
  });
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  input.addEventListener("input", filter);
  if (group) { group.addEventListener("change", filter); }
})();
