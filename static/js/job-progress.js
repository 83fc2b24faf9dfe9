// The job page follows its job: a poll of its status every two seconds moves the bar; when the job ends the
// page reloads to show the result, the error or the Retry button (the server renders those).
(function () {
  "use strict";
  var section = document.getElementById("job");
  if (!section || section.dataset.active !== "1") return;
  var url = section.dataset.statusUrl;
  var bar = document.getElementById("job-bar");
  var status = document.getElementById("job-status");
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 5000); return; }
        bar.value = data.percent;
        bar.textContent = data.percent + " %";
        status.textContent = data.status_label;
        var count = document.getElementById("job-count");
        if (data.total) {
          var template = section.dataset.countTemplate || "{done} / {total}";
          count.textContent = " · " + template.replace("{done}", data.done).replace("{total}", data.total);
          count.hidden = false;
        }
        var message = document.getElementById("job-message");
        if (data.message) {
          message.textContent = " · " + data.message;
          message.hidden = false;
        }
        if (data.active) window.setTimeout(poll, 2000);
        else window.location.reload();
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();
