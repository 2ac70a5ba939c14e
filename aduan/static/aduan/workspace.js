// Buttons that delete or undo something ask first: <button data-confirm="Sure?">.
document.querySelectorAll("button[data-confirm]").forEach(function (button) {
  button.addEventListener("click", function (event) {
    if (!window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
});
