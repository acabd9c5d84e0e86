/* The visit list's filters, enhanced: without a script every era is offered (the
   server names a mismatch) and the visitor box takes any spelling typed in full. */
(function () {
  "use strict";

  /* Offer only the eras of the chosen scheme. */
  var scheme = document.getElementById("id_scheme"), era = document.getElementById("id_era");
  if (scheme && era) {
    var sync = function () {
      era.querySelectorAll("optgroup").forEach(function (group) {
        var off = scheme.value !== "" && group.dataset.scheme !== scheme.value;
        group.disabled = off;
        group.hidden = off;
        if (off && era.selectedOptions[0] && era.selectedOptions[0].parentNode === group) era.value = "";
      });
    };
    scheme.addEventListener("change", sync);
    sync();
  }

  /* Suggest visitors' names as the visitor box is typed in (people/suggest.json). */
  var box = document.getElementById("id_visitor"), list = document.getElementById("visitor-suggestions");
  if (!box || !list || !window.fetch) return;
  box.setAttribute("list", list.id);
  box.setAttribute("autocomplete", "off");
  var timer = null, asked = "";
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      var q = box.value.trim();
      if (q.length < 2 || q === asked) return;
      asked = q;
      fetch(list.dataset.url + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (data) {
          if (q !== asked) return; /* a later request owns the list */
          list.replaceChildren.apply(list, data.people.map(function (person) {
            var option = document.createElement("option");
            option.value = person.name;
            return option;
          }));
        })
        .catch(function () { /* the box still takes a name typed in full */ });
    }, 150);
  });
})();
