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
