/* Aduan: behaviour every page shares (loaded by base.html). Every page works without
   this file. */
(function () {
  "use strict";

  /* After a refused form the reader starts where the problem is: at the summary of what
     to correct, or else in the first field to correct, or else at the form's own error
     (one that belongs to no field). Run on "load", not earlier: on a page whose address
     ends in #… (a report's #action-…, the skip link's #main) the browser's move to that
     place would otherwise take the focus back. A page that puts the focus somewhere
     itself (autofocus on the sign-in form) keeps it for a form error. */
  function focusFirstProblem() {
    var target = document.querySelector("[data-error-summary]") ||
      document.querySelector("form [aria-invalid=true]");
    if (!target) {
      var active = document.activeElement;
      if (document.querySelector("[autofocus]") || (active && active !== document.body && active.id !== "main")) return;
      target = document.querySelector("form .msg.error[role=alert]");
      if (target && !target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    }
    if (target) target.focus();
  }

  /* A menu that scrolls sideways (on a phone) fades at its right edge only while more of
     it waits there, and the item with the focus is moved clear of the fade: faded text,
     or a faded focus ring, is too faint to read. */
  var FADE = 32; /* px: the width of the fade in aduan.css (2rem) */
  var RING = 5; /* px: the focus ring's width and offset */

  function scrollHint(box) {
    function update() {
      box.classList.toggle("scroll-more", box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
    }
    box.addEventListener("scroll", update, { passive: true });
    window.addEventListener("resize", update);
    box.addEventListener("focusin", function (event) {
      window.requestAnimationFrame(function () {
        if (!box.classList.contains("scroll-more")) return;
        var edge = box.getBoundingClientRect().right - FADE;
        var right = event.target.getBoundingClientRect().right + RING;
        if (right > edge) box.scrollLeft += right - edge;
      });
    });
    update();
  }

  /* A wide table scrolls in its own box. When it does (a phone, a zoomed screen) the box
     takes the focus so that the keyboard can scroll it, and is a group named after the
     table's caption or the heading above it (a group, not a region: the section around
     it is often already a landmark of that name); when it fits, it is no stop for Tab. */
  function headingBefore(node) {
    for (; node && node !== document.body; node = node.parentElement) {
      for (var sibling = node.previousElementSibling; sibling; sibling = sibling.previousElementSibling) {
        if (/^H[1-6]$/.test(sibling.tagName)) return sibling;
        var inner = sibling.querySelectorAll("h1, h2, h3, h4, h5, h6");
        if (inner.length) return inner[inner.length - 1];
      }
    }
    return document.querySelector("h1");
  }

  function scrollableTable(box) {
    var caption = box.querySelector("caption");
    var heading = caption || headingBefore(box);
    var name = heading ? heading.textContent.replace(/\s+/g, " ").trim() : "";
    function update() {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
        if (name) {
          box.setAttribute("role", "group");
          box.setAttribute("aria-label", name);
        }
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    }
    window.addEventListener("resize", update);
    window.addEventListener("load", update);
    update();
  }

  document.querySelectorAll("[data-scroll-hint]").forEach(scrollHint);
  document.querySelectorAll(".ws-table-wrap, .table-wrap").forEach(scrollableTable);
  window.addEventListener("load", focusFirstProblem);
})();
