// Under each table that is wider than its box (on a phone, most wide tables), say so in words: the
// shadow at the edge is the visual cue, this sentence is the one a screen reader and everyone else read.
// The sentence comes from the page (<body data-scroll-hint="…">), in the page's language.
(function () {
  "use strict";
  var hint = document.body.getAttribute("data-scroll-hint");
  if (!hint) return;
  function update() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      var wide = wrap.scrollWidth > wrap.clientWidth + 1;
      var next = wrap.nextElementSibling;
      var shown = next && next.classList.contains("scroll-hint");
      if (wide && !shown) {
        var p = document.createElement("p");
        p.className = "scroll-hint";
        p.textContent = hint;
        wrap.insertAdjacentElement("afterend", p);
      } else if (!wide && shown) {
        next.remove();
      }
    });
  }
  update();
  window.addEventListener("resize", update);
})();
