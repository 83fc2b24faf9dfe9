/* The live quorum counter of the "run the meeting" page.
 *
 * The server renders the counter; this refreshes it every few seconds from the quorum API, so people
 * checked in at another desk show up without a reload. The words change with the bars, inside an
 * aria-live region that is touched only when a figure changes, so a quiet tick announces nothing.
 * Without JavaScript the page's Reload link gives the same picture.
 */
(function () {
  "use strict";
  var box = document.getElementById("quorum");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  var every = 4000;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : whole;
    });
  }

  function percent(part, whole) {
    return Math.min(100, Math.floor((part * 100) / Math.max(whole, 1)));
  }

  function setBar(row, counted, required, met) {
    var label = row.querySelector(".quorum-label").textContent;
    var scale = Math.max(counted, required, 1);
    var fillEl = row.querySelector(".quorum-fill");
    fillEl.style.width = percent(counted, scale) + "%";
    fillEl.classList.toggle("is-met", met);
    row.querySelector(".quorum-mark").style.left = percent(required, scale) + "%";
    row.querySelector(".q-counted").textContent = counted;
    row.querySelector(".q-required").textContent = required;
    row.querySelector(".q-verdict").textContent = met ? "\u2713" : "\u2717";
    row.querySelector(".quorum-track").setAttribute("aria-label", fill(box.getAttribute("data-bar"), {
      label: label, counted: counted, required: required,
      verdict: box.getAttribute(met ? "data-yes" : "data-no")
    }));
  }

  function show(q) {
    var verdict = document.getElementById("quorum-verdict");
    var word = document.getElementById("quorum-word");
    var wanted = box.getAttribute(q.met ? "data-met-text" : "data-not-met-text");
    if (word.textContent !== wanted) { word.textContent = wanted; }
    verdict.classList.toggle("quorum-met", !!q.met);
    verdict.classList.toggle("quorum-short", !q.met);
    var summary = fill(box.getAttribute("data-summary"), q);
    var summaryEl = document.getElementById("quorum-summary");
    if (summaryEl.textContent !== summary) { summaryEl.textContent = summary; }
    var message = document.getElementById("quorum-message");
    if (message.textContent !== (q.message || "")) { message.textContent = q.message || ""; }
    message.hidden = !q.message;
    var rows = box.querySelectorAll(".quorum-row");
    var byClass = {};
    (q.classes || []).forEach(function (c) { byClass[c.member_class] = c; });
    var reload = false;
    rows.forEach(function (row) {
      var key = row.getAttribute("data-key");
      if (key === "total") {
        setBar(row, q.counted, q.required, q.counted > 0 && q.counted >= q.required);
      } else if (byClass[key]) {
        setBar(row, byClass[key].counted, byClass[key].minimum, !!byClass[key].met);
        delete byClass[key];
      } else {
        reload = true;
      }
    });
    // A class minimum added or dropped meanwhile: the rows themselves change, which the server draws.
    if (reload || Object.keys(byClass).length) { window.location.reload(); return; }
    document.getElementById("quorum-updated").textContent = fill(box.getAttribute("data-updated"), {
      time: new Date().toLocaleTimeString()
    });
  }

  function tick() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (data) { show(data.quorum || data); })
      .catch(function () {
        document.getElementById("quorum-updated").textContent = box.getAttribute("data-stale");
      })
      .then(function () { window.setTimeout(tick, every); });
  }

  window.setTimeout(tick, every);
})();
