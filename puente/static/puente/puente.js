// Small behaviours without inline scripts (the content security policy forbids them).
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.classList && el.classList.contains("autosubmit") && el.form) {
    el.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
// The phone menu (core/_nav_menu.html) is a <details> and works without this; with it, Escape
// closes the menu and gives the focus back to its button, and a tap outside the menu closes it.
document.addEventListener("keydown", function (event) {
  if (event.key !== "Escape") return;
  var menu = document.querySelector("details.navmenu[open]");
  if (menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
document.addEventListener("click", function (event) {
  var menu = document.querySelector("details.navmenu[open]");
  if (menu && !menu.contains(event.target)) {
    menu.open = false;
  }
});
