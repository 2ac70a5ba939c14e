/* Aduan submit page: hints on what a report still lacks, and similar open reports
   nearby that the citizen may support instead. Progressive enhancement: the form works
   without this file, and the hints never block sending. */
(function () {
  "use strict";

  var FIELDS = [
    "title", "body", "kind", "region", "address", "incident_date", "latitude", "longitude"
  ];
  // A pause this long means the writer stopped, not that a word ended: on a slow phone
  // connection every check costs a round trip.
  var WAIT_MS = 1500;
  var MIN_CHARS = 15;

  function draftOf(form) {
    var params = new URLSearchParams();
    FIELDS.forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (input && input.value) params.append(name, input.value);
    });
    var token = form.querySelector("[name=csrfmiddlewaretoken]");
    if (token) params.append("csrfmiddlewaretoken", token.value);
    return params;
  }

  function showHints(form, hints) {
    form.querySelectorAll("[data-hints-for]").forEach(function (list) {
      var field = list.getAttribute("data-hints-for");
      var mine = hints.filter(function (hint) { return hint.field === field; });
      var shown = Array.prototype.map.call(list.children, function (item) {
        return item.getAttribute("data-hint");
      });
      // The list is a live region: rewriting the same hints would have a screen reader
      // read them all again after every pause in typing.
      if (mine.map(function (hint) { return hint.code; }).join(" ") === shown.join(" ")) return;
      list.textContent = "";
      mine.forEach(function (hint) {
        var item = document.createElement("li");
        item.setAttribute("data-hint", hint.code);
        item.textContent = hint.message;
        list.appendChild(item);
      });
    });
  }

  /* Each hint list describes its field, so that a screen reader coming back to the
     field reads what it still lacks. */
  function describeFields(form) {
    form.querySelectorAll("[data-hints-for]").forEach(function (list) {
      var input = form.querySelector("[name=" + list.getAttribute("data-hints-for") + "]");
      if (!input || !list.id) return;
      var ids = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (ids.indexOf(list.id) === -1) ids.push(list.id);
      input.setAttribute("aria-describedby", ids.join(" "));
    });
  }

  function showSimilar(box, reports) {
    var list = box.querySelector("ul");
    list.textContent = "";
    reports.forEach(function (report) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = report.url;
      // A new tab keeps the draft the citizen is writing here.
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = report.title;
      var meta = document.createElement("span");
      meta.className = "hint";
      meta.textContent = [report.code, report.place, report.status, report.supporters_text]
        .filter(Boolean).join(" · ");
      item.appendChild(link);
      item.appendChild(meta);
      list.appendChild(item);
    });
    box.hidden = reports.length === 0;
  }

  function enhance(form) {
    var url = form.getAttribute("data-draft-checks");
    var box = form.querySelector("[data-similar]");
    var timer = null;
    var last = "";
    var inFlight = null;
    describeFields(form);

    function check() {
      var draft = draftOf(form);
      var text = (draft.get("title") || "") + (draft.get("body") || "");
      var key = draft.toString();
      if (text.length < MIN_CHARS || key === last) return;
      last = key;
      // A slower answer to an older draft must not overwrite the newer one's hints.
      if (inFlight) inFlight.abort();
      inFlight = window.AbortController ? new AbortController() : null;
      fetch(url, {
        method: "POST",
        body: draft,
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        signal: inFlight && inFlight.signal
      })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) {
          if (!result) return;
          showHints(form, result.hints || []);
          if (box) showSimilar(box, result.similar || []);
        })
        .catch(function () { /* hints are a help, not a requirement */ });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(check, WAIT_MS);
    }

    form.addEventListener("input", later);
    // The region picker replaces its selects; a change bubbles up from any of them.
    form.addEventListener("change", later);
  }

  if (!window.fetch || !window.URLSearchParams) return;
  document.querySelectorAll("form[data-draft-checks]").forEach(enhance);
})();
