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
