// The report page's source pane: hovering, focusing or clicking a value shows its page and outlines
// the cell it was read from. Boxes are in PDF points from the page's top-left corner.
(function () {
  "use strict";
  // the words come from the page (data-found-cell …), in the reader's language
  var FOUND = {cell: "foundCell", text: "foundText", label: "foundLabel"};
  var pinned = null;

  function viewer() { return document.getElementById("viewer"); }

  function words(name) { return viewer().dataset[name] || ""; }

  function data(name) {
    var v = viewer();
    try { return JSON.parse(v.dataset[name] || "null"); } catch (e) { return null; }
  }

  function showPage(n) {
    var v = viewer(), sizes = data("sizes") || [];
    var img = document.getElementById("page-img");
    if (!img || n < 1 || n > sizes.length) { return; }
    if (img.dataset.page !== String(n)) {
      img.dataset.page = String(n);
      img.src = "/source/" + v.dataset.doc + "/" + n + ".png";
      img.alt = words("pageAlt").replace("{page}", String(n));
      document.getElementById("page-no").textContent = String(n);
    }
  }

  function show(el) {
    var hl = document.getElementById("highlight");
    var boxes = data("boxes") || {}, sizes = data("sizes") || [];
    var box = boxes[el.dataset.field];
    if (!hl) { return; }
    if (!box) { hl.hidden = true; document.getElementById("found-by").textContent = words("notFound"); return; }
    var page = box[0], size = sizes[page - 1];
    showPage(page);
    hl.style.left = (100 * box[1] / size[0]) + "%";
    hl.style.top = (100 * box[2] / size[1]) + "%";
    hl.style.width = (100 * (box[3] - box[1]) / size[0]) + "%";
    hl.style.height = (100 * (box[4] - box[2]) / size[1]) + "%";
    hl.dataset.field = el.dataset.field;
    hl.dataset.page = String(page);
    hl.className = "highlight found-" + box[5];
    hl.hidden = false;
    document.getElementById("found-by").textContent = FOUND[box[5]] ? words(FOUND[box[5]]) : "";
    var sheet = document.getElementById("sheet");
    var top = hl.offsetTop;  // within the page, which starts at the top of the scrolled pane
    if (top < sheet.scrollTop || top > sheet.scrollTop + sheet.clientHeight - 20) { sheet.scrollTop = top - sheet.clientHeight / 3; }
  }

  function valueOf(target) { return target && target.closest ? target.closest("[data-field]") : null; }

  document.addEventListener("mouseover", function (e) { var el = valueOf(e.target); if (el && !pinned) { show(el); } });
  document.addEventListener("focusin", function (e) { var el = valueOf(e.target); if (el) { show(el); } });
  document.addEventListener("click", function (e) {
    var el = valueOf(e.target);
    if (!el || e.target.closest("details, form")) { return; }
    if (pinned) { pinned.classList.remove("pinned"); }
    pinned = pinned === el ? null : el;
    if (pinned) { pinned.classList.add("pinned"); show(el); }
  });
  document.addEventListener("click", function (e) {
    var step = e.target.id === "prev-page" ? -1 : e.target.id === "next-page" ? 1 : 0;
    if (!step) { return; }
    var img = document.getElementById("page-img");
    var n = Number(img.dataset.page || viewer().dataset.first) + step;
    showPage(n);
    var hl = document.getElementById("highlight");
    if (hl) { hl.hidden = hl.dataset.page !== String(n); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var img = document.getElementById("page-img");
    if (img) { img.dataset.page = viewer().dataset.first; }
  });
})();
