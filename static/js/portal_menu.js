/* The narrow-screen menu button (progressive enhancement).
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
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
