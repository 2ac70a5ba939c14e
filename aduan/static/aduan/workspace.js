// Buttons that delete or undo something ask first: <button data-confirm="Sure?">.
document.querySelectorAll("button[data-confirm]").forEach(function (button) {
  button.addEventListener("click", function (event) {
    if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
});

// A suggestion that fills a field instead of submitting: <button data-fill="#id" data-value="…">.
document.querySelectorAll("button[data-fill]").forEach(function (button) {
  button.addEventListener("click", function () {
    var field = document.querySelector(button.getAttribute("data-fill"));
    if (!field) { return; }
    field.value = button.getAttribute("data-value");
    field.dispatchEvent(new Event("change", { bubbles: true }));
    field.focus();
  });
});

// A heading box that ticks every row's box: <input type="checkbox" data-select-all="name" hidden>.
document.querySelectorAll("input[data-select-all]").forEach(function (all) {
  var form = all.form || document;
  var boxes = form.querySelectorAll("input[type=checkbox][name='" + all.getAttribute("data-select-all") + "']");
  all.hidden = false;
  all.addEventListener("change", function () {
    boxes.forEach(function (box) { box.checked = all.checked; });
  });
});

// "Use template" on a report's response forms (<button data-template-insert="select id">).
// Without this script the button sends the form back with the template added after what
// was written; with it the template goes in here, and replaces written text only when
// the officer agrees. It goes in when the button is pressed, not when the choice
// changes: arrowing through the list must not replace what the officer wrote.
(function () {
  var source = document.getElementById("response-templates");
  if (!source) { return; }
  var bodies = JSON.parse(source.textContent);
  document.querySelectorAll("button[data-template-insert]").forEach(function (button) {
    var select = document.getElementById(button.getAttribute("data-template-insert"));
    button.addEventListener("click", function (event) {
      if (!select) { return; }
      if (!select.value) { event.preventDefault(); select.focus(); return; }  // none chosen
      var target = document.getElementById(select.getAttribute("data-template-target"));
      var body = bodies[select.value];
      if (!target || body === undefined) { return; }
      event.preventDefault();
      var written = target.value.trim();
      if (written && written !== body.trim() && !window.confirm(button.getAttribute("data-confirm-replace"))) { return; }
      target.value = body;
      target.dispatchEvent(new Event("input", { bubbles: true }));
      target.focus();
    });
  });
})();
