/* The layout's progressive enhancements: the narrow-screen menu button, and keyboard access to a
 * table that scrolls sideways.
 *
 * base.html swaps the <html> class "no-js" for "js" before the page is drawn; only then does the
 * stylesheet fold the left navigation behind .menu-toggle under 800 px. Without JavaScript the
 * button stays hidden and the navigation stays open above the page.
 */
(function () {
  "use strict";
  function setUp() {
    var button = document.querySelector(".menu-toggle");
    if (!button) {
      return;
    }
    var menu = document.getElementById(button.getAttribute("aria-controls"));
    if (!menu) {
      return;
    }
    function setOpen(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
        setOpen(false);
        button.focus();
      }
    });
  }
  // Under 800 px a wide table scrolls in its own box (portal.css). One without a link or a button
  // in it could not be scrolled from the keyboard, so it takes the focus itself while it scrolls.
  function tablesReachable() {
    var focusable = "a[href], button, input, select, textarea, [tabindex]";
    document.querySelectorAll("main table").forEach(function (table) {
      var scrolls = table.scrollWidth > table.clientWidth + 1;
      if (scrolls && !table.hasAttribute("tabindex") && !table.querySelector(focusable)) {
        table.setAttribute("tabindex", "0");
        table.dataset.scrollFocus = "1";
      } else if (!scrolls && table.dataset.scrollFocus) {
        table.removeAttribute("tabindex");
        delete table.dataset.scrollFocus;
      }
    });
  }
  var resizeTimer = null;
  function start() {
    setUp();
    tablesReachable();
    window.addEventListener("resize", function () {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(tablesReachable, 150);
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
