// Invitation form: show the Defender choice only for a Defender, the organisation and country
// only for an Advocate. Without JavaScript every field stays visible and the server checks them.
(function () {
  function wrap(id) {
    var el = document.getElementById(id);
    return el ? el.closest("div") : null;
  }
  function update() {
    var role = document.getElementById("id_role");
    if (!role) return;
    var defender = wrap("id_defender");
    var organisation = wrap("id_organisation");
    var country = wrap("id_advocate_country");
    if (defender) defender.hidden = role.value !== "defender";
    if (organisation) organisation.hidden = role.value !== "advocate";
    if (country) country.hidden = role.value !== "advocate";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var role = document.getElementById("id_role");
    if (!role) return;
    role.addEventListener("change", update);
    update();
  });
})();
